-- A turn without effects in one round trip: save the session if its version is still
-- the one loaded (or create it if there was none), append the transcript, and commit
-- without waiting for the WAL flush: a crash may lose the last moments of a
-- conversation (the citizen resends), never a subscription or an erasure, which go
-- through a durable transaction instead.
-- $1 channel, $2 chat, $3 state, $4 slots, $5 tries, $6 lang, $7 dialogue version,
-- $8 the version loaded (NULL: no session yet), $9..$12 transcript columns.
-- Returns 1 if saved, 0 if another turn of the chat saved first.
WITH quick AS (
    SELECT set_config('synchronous_commit', 'off', true)
), updated AS (
    UPDATE sessions
    SET state = $3, slots = $4, tries = $5, lang = $6, dialogue_version = $7,
        version = version + 1, updated_at = now()
    WHERE channel = $1 AND chat = $2 AND version = $8
    RETURNING 1
), created AS (
    INSERT INTO sessions (channel, chat, state, slots, tries, lang, dialogue_version)
    SELECT $1, $2, $3, $4, $5, $6, $7
    WHERE $8::bigint IS NULL
    ON CONFLICT (channel, chat) DO NOTHING
    RETURNING 1
), saved AS (
    SELECT 1 FROM updated
    UNION ALL
    SELECT 1 FROM created
), logged AS (
    INSERT INTO transcripts (channel, chat, direction, state, body, understood)
    SELECT $1, $2, t.*
    FROM UNNEST($9::text[], $10::text[], $11::text[], $12::bool[]) AS t
    WHERE EXISTS (SELECT 1 FROM saved)
)
SELECT count(*) FROM saved, quick
