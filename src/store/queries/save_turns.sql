-- Turns without effects, many in one round trip (group commit): save each session if
-- its version is still the one loaded (or create it if there was none), append the
-- transcripts of the turns saved, and commit without waiting for the WAL flush: a
-- crash may lose the last moments of a conversation (the citizen resends), never a
-- subscription or an erasure, which go through a durable transaction instead.
-- Each chat appears at most once per call.
-- $1..$9 one element per turn: its position, channel, chat, state, slots, tries, lang,
-- dialogue version, and the version loaded (NULL: no session yet); $15 its context.
-- $10..$14 and $16 one element per transcript line: the turn's position, direction,
-- state, body, understood, and the FAQ that answered it.
-- Returns the positions of the turns saved; the others lost a race with another turn
-- of their chat.
WITH quick AS (
    SELECT set_config('synchronous_commit', 'off', true)
), turns AS (
    SELECT *
    FROM UNNEST($1::int4[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::int2[],
                $7::text[], $8::text[], $9::int8[], $15::jsonb[])
         AS t(ord, channel, chat, state, slots, tries, lang, dialogue_version, expected, context)
), updated AS (
    UPDATE sessions s
    SET state = t.state, slots = t.slots, tries = t.tries, lang = t.lang, context = t.context,
        dialogue_version = t.dialogue_version, version = s.version + 1, updated_at = now()
    FROM turns t
    WHERE s.channel = t.channel AND s.chat = t.chat AND s.version = t.expected
    RETURNING t.ord
), created AS (
    INSERT INTO sessions (channel, chat, state, slots, tries, lang, dialogue_version, context)
    SELECT channel, chat, state, slots, tries, lang, dialogue_version, context
    FROM turns
    WHERE expected IS NULL
    ON CONFLICT (channel, chat) DO NOTHING
    RETURNING channel, chat
), saved AS (
    SELECT ord FROM updated
    UNION ALL
    SELECT t.ord FROM created c JOIN turns t USING (channel, chat)
), logged AS (
    INSERT INTO transcripts (channel, chat, direction, state, body, understood, faq)
    SELECT t.channel, t.chat, l.direction, l.state, l.body, l.understood, l.faq
    FROM UNNEST($10::int4[], $11::text[], $12::text[], $13::text[], $14::bool[], $16::text[])
         WITH ORDINALITY AS l(ord, direction, state, body, understood, faq, n)
    JOIN turns t USING (ord)
    WHERE l.ord IN (SELECT ord FROM saved)
    ORDER BY l.n
)
SELECT saved.ord FROM saved, quick
