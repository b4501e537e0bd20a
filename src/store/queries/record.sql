-- Records outcomes for worker $1: per row id $2, outcome $3 (sent, retry, queued,
-- failed, blocked), message id $4, error $5 and delay $6 seconds before it is due
-- again. A retry counts an attempt and fails the row at max_attempts; `queued` puts a
-- row back without counting one. Rows the worker no longer holds are not touched.
UPDATE outbox o
   SET status = CASE
                  WHEN r.outcome = 'retry' AND o.attempts + 1 >= o.max_attempts THEN 'failed'
                  WHEN r.outcome = 'retry' THEN 'queued'
                  ELSE r.outcome
                END,
       attempts = o.attempts + CASE WHEN r.outcome = 'queued' THEN 0 ELSE 1 END,
       not_before = CASE WHEN r.outcome IN ('retry', 'queued')
                         THEN now() + make_interval(secs => r.delay)
                         ELSE o.not_before END,
       message_id = coalesce(r.message_id, o.message_id),
       last_error = CASE WHEN r.outcome = 'queued' THEN o.last_error ELSE r.error END,
       lease_until = NULL,
       leased_by = NULL,
       updated_at = now()
  FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::float8[])
       AS r(id, outcome, message_id, error, delay)
 WHERE o.id = r.id AND o.leased_by = $1 AND o.status = 'sending'
RETURNING o.id, o.status, o.channel, o.recipient
