-- Active subscribers per topic and channel, and per topic over channels (each
-- subscriber has one channel, so these add up). No total over topics: one person
-- follows several, and a count of distinct people across them would bound the small
-- cells it covers. No chat leaves the query.
SELECT t.topic, s.channel, GROUPING(s.channel) = 1 AS all_channels,
       count(DISTINCT (s.channel, s.chat)) AS subscribers
FROM subscribers s
CROSS JOIN LATERAL unnest(s.topics) AS t(topic)
WHERE s.status = 'active' AND s.channel <> 'console'
GROUP BY GROUPING SETS ((t.topic, s.channel), (t.topic))
ORDER BY t.topic, all_channels, s.channel
