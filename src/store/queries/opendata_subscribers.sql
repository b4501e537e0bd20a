-- Active subscribers per topic and channel, per topic, per channel and in all (each
-- grouping counts distinct subscribers: one following two topics is one in a channel's
-- total). No chat leaves the query.
SELECT t.topic, s.channel,
       GROUPING(t.topic) = 1 AS all_topics, GROUPING(s.channel) = 1 AS all_channels,
       count(DISTINCT (s.channel, s.chat)) AS subscribers
FROM subscribers s
CROSS JOIN LATERAL unnest(s.topics) AS t(topic)
WHERE s.status = 'active' AND s.channel <> 'console'
GROUP BY GROUPING SETS ((t.topic, s.channel), (t.topic), (s.channel), ())
ORDER BY all_topics, t.topic, all_channels, s.channel
