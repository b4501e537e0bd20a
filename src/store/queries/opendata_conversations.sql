-- Citizen messages per Italian day and topic, and per day (the row with `total`):
-- how many chats wrote, how many messages, how many were not understood and how many
-- an FAQ answered, each with the chats behind it. Days $1..$2 inclusive, Europe/Rome.
-- A message's topic is the flow of the first reply of its turn (the lines of one turn
-- share their time), else the flow it was written in. No chat leaves the query.
WITH messages AS (
    SELECT i.channel, i.chat, (i.at AT TIME ZONE 'Europe/Rome')::date AS day,
           split_part(coalesce(reply.state, i.state), '.', 1) AS topic,
           i.understood, i.faq IS NOT NULL AS faq
    FROM transcripts i
    LEFT JOIN LATERAL (
        SELECT o.state FROM transcripts o
        WHERE o.channel = i.channel AND o.chat = i.chat AND o.at = i.at
          AND o.direction = 'out' AND o.id > i.id
        ORDER BY o.id
        LIMIT 1
    ) reply ON true
    WHERE i.direction = 'in' AND i.channel <> 'console'
      AND i.at >= ($1::date::timestamp AT TIME ZONE 'Europe/Rome')
      AND i.at < (($2::date + 1)::timestamp AT TIME ZONE 'Europe/Rome')
)
SELECT day, topic, GROUPING(topic) = 1 AS total,
       count(DISTINCT (channel, chat)) AS chats,
       count(*) AS messages,
       count(*) FILTER (WHERE NOT understood) AS fallbacks,
       count(DISTINCT (channel, chat)) FILTER (WHERE NOT understood) AS fallback_chats,
       count(*) FILTER (WHERE faq) AS faq_answers,
       count(DISTINCT (channel, chat)) FILTER (WHERE faq) AS faq_chats
FROM messages
GROUP BY GROUPING SETS ((day, topic), (day))
ORDER BY day, total, topic
