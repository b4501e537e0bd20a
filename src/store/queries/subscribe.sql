-- Adds a topic to a subscriber (creating it), reactivating a blocked one.
INSERT INTO subscribers (channel, chat, topics, lang)
VALUES ($1, $2, ARRAY[$3::text], $4)
ON CONFLICT (channel, chat) DO UPDATE
SET topics = (SELECT array_agg(DISTINCT t ORDER BY t)
              FROM unnest(subscribers.topics || EXCLUDED.topics) AS t),
    lang = EXCLUDED.lang,
    status = 'active',
    updated_at = now()
