-- The votes of each option of the consultations closed on Italian days $1..$2: one row
-- per option, in the consultation's order (`option` is the 0-based index into
-- `options`; votes for an index it does not have are not counted). No voter leaves
-- the query.
WITH closed AS (
    SELECT id, key, question, options, topics,
           (opens_at AT TIME ZONE 'Europe/Rome')::date AS opened,
           (coalesce(closed_at, closes_at) AT TIME ZONE 'Europe/Rome')::date AS closed
    FROM consultations
    WHERE status = 'closed'
)
SELECT c.key, c.question, c.topics, c.opened, c.closed, o.label,
       (SELECT count(*) FROM consultation_votes v
         WHERE v.consultation_id = c.id AND v.option = o.n - 1) AS votes
FROM closed c
CROSS JOIN LATERAL unnest(c.options) WITH ORDINALITY AS o(label, n)
WHERE c.closed BETWEEN $1 AND $2
ORDER BY c.closed, c.key, o.n
