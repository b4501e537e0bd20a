-- Inserts or updates consultation $1 by key while it is not sent yet; an identical row
-- is left alone, and so is one already sent (its answers are to this question). Returns
-- (inserted: true new, false changed, NULL untouched; kept: a sent one the file would
-- have changed).
WITH before AS (
    SELECT status <> 'scheduled'
           AND (question, options, topics, anonymous, opens_at, closes_at)
               IS DISTINCT FROM ($2, $3::text[], $4::text[], $5, $6, $7) AS kept
      FROM consultations WHERE key = $1
), upserted AS (
    INSERT INTO consultations AS c (key, question, options, topics, anonymous, opens_at, closes_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7)
    ON CONFLICT ON CONSTRAINT consultations_key_key DO UPDATE
    SET question = EXCLUDED.question, options = EXCLUDED.options, topics = EXCLUDED.topics,
        anonymous = EXCLUDED.anonymous, opens_at = EXCLUDED.opens_at,
        closes_at = EXCLUDED.closes_at, updated_at = now()
    WHERE c.status = 'scheduled'
      AND (c.question, c.options, c.topics, c.anonymous, c.opens_at, c.closes_at)
          IS DISTINCT FROM
          (EXCLUDED.question, EXCLUDED.options, EXCLUDED.topics, EXCLUDED.anonymous,
           EXCLUDED.opens_at, EXCLUDED.closes_at)
    RETURNING (xmax = 0) AS inserted
)
SELECT (SELECT inserted FROM upserted), coalesce((SELECT kept FROM before), false)
