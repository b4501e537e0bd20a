-- Claims up to $1 rows of channel $4 for worker $2 with a lease of $3 seconds: due
-- queued rows first (oldest first), then rows whose worker's lease ran out. Rows
-- another transaction holds are skipped, never waited for. Each comes with its text
-- in the recipient's language and what a channel needs beyond it (title, link, topics).
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
    RETURNING o.id, o.kind, o.news_id, o.channel, o.recipient, o.lang, o.payload, o.attempts,
              o.max_attempts, o.not_before, o.ticket_id, o.copy_of, o.expires_at
)
SELECT c.id, c.kind, c.channel, c.recipient, c.lang, c.ticket_id, c.copy_of,
       coalesce(c.payload, n.rendered ->> c.lang, n.rendered ->> '*') AS text,
       n.title, n.link,
       -- The news topics, those the recipient follows first (each group in the news'
       -- order): a channel recipient or a former subscriber gets them as they are.
       coalesce(ARRAY(SELECT t FROM unnest(n.topics) WITH ORDINALITY AS u(t, i)
                       ORDER BY t = ANY(coalesce(s.topics, '{}')) DESC, i),
                '{}') AS topics,
       c.attempts, c.max_attempts,
       -- An expired news item, or a reminder whose event has started.
       coalesce(coalesce(n.expires_at, c.expires_at) <= now(), false) AS expired
  FROM claimed c
  LEFT JOIN news n ON n.id = c.news_id
  LEFT JOIN subscribers s ON s.channel = c.channel AND s.chat = c.recipient
 ORDER BY c.not_before, c.id
