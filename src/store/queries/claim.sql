-- Claims up to $1 rows of channel $4 for worker $2 with a lease of $3 seconds: due
-- queued rows first (oldest first), then rows whose worker's lease ran out. Rows
-- another transaction holds are skipped, never waited for. Each comes with its text
-- in the recipient's language and what a channel needs beyond it (title, link, topics;
-- a consultation's question and options, and the poll its results stop).
WITH queued AS (
    SELECT id FROM outbox
     WHERE status = 'queued' AND not_before <= now() AND channel = $4
     ORDER BY not_before, id
     LIMIT $1
     FOR UPDATE SKIP LOCKED
), lapsed AS (
    SELECT id FROM outbox
     WHERE status = 'sending' AND lease_until < now() AND channel = $4
     ORDER BY lease_until
     LIMIT $1
     FOR UPDATE SKIP LOCKED
), due AS (
    SELECT id FROM lapsed
    UNION ALL
    SELECT id FROM queued
), claimed AS (
    UPDATE outbox o
       SET status = 'sending',
           lease_until = now() + make_interval(secs => $3),
           leased_by = $2,
           updated_at = now()
     WHERE o.id IN (SELECT id FROM due LIMIT $1)
    RETURNING o.id, o.news_id, o.channel, o.recipient, o.lang, o.payload, o.attempts,
              o.max_attempts, o.not_before, o.ticket_id, o.copy_of,
              o.kind, o.consultation_id, o.expires_at
)
SELECT c.id, c.channel, c.recipient, c.lang, c.ticket_id, c.copy_of,
       coalesce(c.payload, n.rendered ->> c.lang, n.rendered ->> '*') AS text,
       n.title, n.link,
       -- The news topics, those the recipient follows first (each group in the news'
       -- order): a channel recipient or a former subscriber gets them as they are.
       -- A consultation's topics, or for one asked of everybody the subscriber's own.
       coalesce(ARRAY(SELECT t FROM unnest(CASE WHEN c.consultation_id IS NULL THEN n.topics
                                                ELSE coalesce(nullif(k.topics, '{}'), s.topics) END)
                             WITH ORDINALITY AS u(t, i)
                       ORDER BY t = ANY(coalesce(s.topics, '{}')) DESC, i),
                '{}') AS topics,
       c.attempts, c.max_attempts,
       -- An expired news item or consultation, or a reminder whose event has started.
       coalesce(coalesce(n.expires_at, c.expires_at) <= now(), false) AS expired,
       c.kind, c.consultation_id, k.question, k.options, k.anonymous,
       p.message_id AS poll_message
  FROM claimed c
  LEFT JOIN news n ON n.id = c.news_id
  LEFT JOIN subscribers s ON s.channel = c.channel AND s.chat = c.recipient
  LEFT JOIN consultations k ON k.id = c.consultation_id
  LEFT JOIN outbox p ON c.kind = 'consultation_results' AND p.kind = 'consultation'
        AND p.consultation_id = c.consultation_id AND p.channel = c.channel
        AND p.recipient = c.recipient
 ORDER BY c.not_before, c.id
