-- One chunk of a news item's fan-out: up to $5 active subscribers of channel $2 after
-- chat $4 (primary-key order) whose topics meet $3 get a delivery of news $1, due at
-- $6 (or now). Returns (rows inserted, subscribers seen, last chat seen).
WITH chunk AS (
    SELECT chat, lang FROM subscribers
     WHERE channel = $2 AND chat > $4 AND status = 'active' AND topics && $3::text[]
     ORDER BY chat
     LIMIT $5
), inserted AS (
    INSERT INTO outbox (news_id, channel, recipient, lang, not_before)
    SELECT $1, $2, chat, lang, coalesce($6, now()) FROM chunk
    ON CONFLICT ON CONSTRAINT outbox_delivery_key DO NOTHING
    RETURNING 1
)
SELECT (SELECT count(*) FROM inserted),
       (SELECT count(*) FROM chunk),
       (SELECT max(chat) FROM chunk)
