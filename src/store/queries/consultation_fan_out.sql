-- One chunk of consultation $1's question: up to $5 active subscribers of channel $2
-- after chat $4 (primary-key order) who follow one of the topics $3 (any topic, when
-- $3 is empty: someone who left every topic is asked nothing) get a row of kind 'consultation', its payload in their language ($6
-- languages, $7 texts; $8 for any other), not sent once $9 passed. Returns (rows
-- inserted, subscribers seen, last chat seen).
WITH chunk AS (
    SELECT chat, lang FROM subscribers
     WHERE channel = $2 AND chat > $4 AND status = 'active'
       AND (cardinality($3::text[]) = 0 AND cardinality(topics) > 0 OR topics && $3::text[])
     ORDER BY chat
     LIMIT $5
), inserted AS (
    INSERT INTO outbox (kind, consultation_id, channel, recipient, lang, payload, expires_at)
    SELECT 'consultation', $1, $2, chunk.chat, chunk.lang,
           coalesce((SELECT x.t FROM unnest($6::text[], $7::text[]) AS x(l, t)
                      WHERE x.l = chunk.lang LIMIT 1), $8),
           $9
      FROM chunk
    ON CONFLICT (consultation_id, kind, channel, recipient) WHERE consultation_id IS NOT NULL
    DO NOTHING
    RETURNING 1
)
SELECT (SELECT count(*) FROM inserted),
       (SELECT count(*) FROM chunk),
       (SELECT max(chat) FROM chunk)
