-- Marks update $4 (when given, and still held by $3) answered, then claims for $3 the
-- oldest unanswered update of lane $2 unless another holder's claim on it is live.
-- The statement sees one snapshot, in which $4 is still unanswered: it is left out
-- (only if it was finished here: a lapsed claim keeps the lane's order).
WITH finished AS (
    UPDATE telegram_inbox
       SET done = true, body = NULL, claimed_by = NULL, claimed_until = NULL
     WHERE bot_id = $1 AND update_id = $4 AND claimed_by = $3
    RETURNING update_id
), oldest AS (
    SELECT update_id
      FROM telegram_inbox
     WHERE bot_id = $1 AND lane = $2 AND NOT done
       AND update_id NOT IN (SELECT update_id FROM finished)
     ORDER BY update_id
     LIMIT 1
)
UPDATE telegram_inbox AS i
   SET claimed_by = $3, claimed_until = now() + make_interval(secs => $5)
  FROM oldest
 WHERE i.bot_id = $1 AND i.update_id = oldest.update_id
   -- Checked again on the row as it is after a concurrent claim or finish.
   AND NOT i.done
   AND (i.claimed_by IS NULL OR i.claimed_by = $3 OR i.claimed_until < now())
RETURNING i.update_id, i.body
