-- Inserts or updates a news item by key; an identical row is left alone.
INSERT INTO news AS n (key, title, body, topics, link, published_at, expires_at, author)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (key) DO UPDATE
SET title = EXCLUDED.title, body = EXCLUDED.body, topics = EXCLUDED.topics,
    link = EXCLUDED.link, published_at = EXCLUDED.published_at,
    expires_at = EXCLUDED.expires_at, author = EXCLUDED.author
WHERE (n.title, n.body, n.topics, n.link, n.published_at, n.expires_at, n.author)
      IS DISTINCT FROM
      (EXCLUDED.title, EXCLUDED.body, EXCLUDED.topics, EXCLUDED.link, EXCLUDED.published_at,
       EXCLUDED.expires_at, EXCLUDED.author)
RETURNING (xmax = 0) AS inserted
