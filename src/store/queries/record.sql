-- Records outcomes for worker $1: per row id $2, outcome $3 (sent, retry, queued,
-- failed, blocked), message id $4, error $5 and delay $6 seconds before it is due
-- again. A retry counts an attempt and fails the row at max_attempts; `queued` puts a
-- row back without counting one. Rows the worker no longer holds are not touched.
-- A message to a citizen about a live ticket that fails for good tells the ticket's
-- staff, in their topic, why it did not arrive.
WITH recorded AS (
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
RETURNING o.id, o.status, o.channel, o.recipient, o.kind, o.ticket_id, o.last_error
), warned AS (
    INSERT INTO outbox (kind, channel, recipient, lang, payload, ticket_id)
    SELECT 'ticket', 'staff', t.queue, t.lang,
           '⚠️ <b>Questo messaggio non è arrivato al cittadino.</b> ' ||
           CASE
             WHEN r.last_error LIKE '%WHATSAPP_REPLY_TEMPLATE%' THEN
               'Il cittadino non scrive su WhatsApp da più di 24 ore, e fuori da quella finestra WhatsApp accetta solo modelli approvati: lo riceverà se scrive di nuovo. Chiedete al gestore del servizio di configurare WHATSAPP_REPLY_TEMPLATE.'
             WHEN r.status = 'blocked' THEN
               'Il cittadino ha bloccato il bot o non è più raggiungibile.'
             ELSE
               'Motivo: ' || replace(replace(replace(coalesce(r.last_error, 'sconosciuto'),
                                   '&', '&amp;'), '<', '&lt;'), '>', '&gt;')
           END,
           t.id
      FROM recorded r
      JOIN tickets t ON t.id = r.ticket_id
     WHERE r.kind = 'reply' AND r.status IN ('failed', 'blocked') AND t.status <> 'closed'
)
SELECT id, status, channel, recipient FROM recorded
