-- News deliveries to subscribers that ended (sent, failed, blocked) per Italian day and
-- the item's topics, and per day (the row with `total`), each with the recipients
-- behind it. Posts to Telegram channels (no subscriber row) are left out. Days $1..$2
-- inclusive, Europe/Rome. No recipient leaves the query.
WITH deliveries AS (
    SELECT (o.updated_at AT TIME ZONE 'Europe/Rome')::date AS day,
           ARRAY(SELECT DISTINCT t FROM unnest(n.topics) AS t ORDER BY t) AS topics,
           o.status, o.channel, o.recipient
    FROM outbox o
    JOIN news n ON n.id = o.news_id
    WHERE o.kind = 'news' AND o.status IN ('sent', 'failed', 'blocked')
      AND o.channel <> 'console'
      AND EXISTS (SELECT 1 FROM subscribers s WHERE s.channel = o.channel AND s.chat = o.recipient)
      AND o.updated_at >= ($1::date::timestamp AT TIME ZONE 'Europe/Rome')
      AND o.updated_at < (($2::date + 1)::timestamp AT TIME ZONE 'Europe/Rome')
)
SELECT day, topics, GROUPING(topics) = 1 AS total,
       count(*) FILTER (WHERE status = 'sent') AS sent,
       count(DISTINCT (channel, recipient)) FILTER (WHERE status = 'sent') AS sent_to,
       count(*) FILTER (WHERE status = 'failed') AS failed,
       count(DISTINCT (channel, recipient)) FILTER (WHERE status = 'failed') AS failed_to,
       count(*) FILTER (WHERE status = 'blocked') AS blocked,
       count(DISTINCT (channel, recipient)) FILTER (WHERE status = 'blocked') AS blocked_to
FROM deliveries
GROUP BY GROUPING SETS ((day, topics), (day))
ORDER BY day, total, topics
