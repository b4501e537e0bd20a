-- Inserts or updates an event by key; an identical row is left alone (no row returned).
INSERT INTO events AS e (key, category, title, starts_at, ends_at, place, details, link, valid_until)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (key) DO UPDATE
SET category = EXCLUDED.category, title = EXCLUDED.title, starts_at = EXCLUDED.starts_at,
    ends_at = EXCLUDED.ends_at, place = EXCLUDED.place, details = EXCLUDED.details,
    link = EXCLUDED.link, valid_until = EXCLUDED.valid_until, updated_at = now()
WHERE (e.category, e.title, e.starts_at, e.ends_at, e.place, e.details, e.link, e.valid_until)
      IS DISTINCT FROM
      (EXCLUDED.category, EXCLUDED.title, EXCLUDED.starts_at, EXCLUDED.ends_at, EXCLUDED.place,
       EXCLUDED.details, EXCLUDED.link, EXCLUDED.valid_until)
RETURNING (xmax = 0) AS inserted
