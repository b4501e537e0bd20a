-- An answer to consultation $1 by voter $2: option $3 (0-based), or taken back when $3
-- is NULL; $4 says whether the voter is an anonymous ballot, which only an anonymous
-- consultation takes (and only it). Counted only while the consultation is open and
-- before its closing time by the clock: the row lock (FOR SHARE) makes a closing that
-- runs at the same moment wait for this answer, or this answer see it closed. An
-- anonymous answer keeps only the day it was given.
WITH target AS (
    SELECT id, key, question, options, closes_at,
           status = 'open' AND closes_at > clock_timestamp() AS open,
           anonymous = $4 AND ($3 IS NULL OR ($3 >= 0 AND $3 < cardinality(options))) AS fits
      FROM consultations
     WHERE id = $1
       FOR SHARE
), voted AS (
    INSERT INTO consultation_votes AS v (consultation_id, voter, option, at)
    SELECT id, $2, $3,
           CASE WHEN $4 THEN date_trunc('day', now()) ELSE now() END
      FROM target
     WHERE open AND fits AND $3 IS NOT NULL
    ON CONFLICT (consultation_id, voter) DO UPDATE SET option = EXCLUDED.option, at = EXCLUDED.at
    RETURNING (xmax = 0) AS inserted
), taken_back AS (
    DELETE FROM consultation_votes v
     USING target t
     WHERE v.consultation_id = t.id AND v.voter = $2 AND t.open AND t.fits AND $3 IS NULL
    RETURNING 1
)
SELECT t.key, t.question, t.options, t.closes_at, t.open, t.fits,
       (SELECT inserted FROM voted) AS inserted,
       (SELECT count(*) FROM taken_back) AS taken_back
  FROM target t
