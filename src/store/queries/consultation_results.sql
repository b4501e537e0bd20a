-- The results of consultation $1 for every subscriber its question reached who still
-- follows the bot: a row of kind 'consultation_results', the payload in their language
-- ($2 languages, $3 texts; $4 for any other). Returns the rows added.
WITH inserted AS (
    INSERT INTO outbox (kind, consultation_id, channel, recipient, lang, payload)
    SELECT 'consultation_results', $1, q.channel, q.recipient, q.lang,
           coalesce((SELECT x.t FROM unnest($2::text[], $3::text[]) AS x(l, t)
                      WHERE x.l = q.lang LIMIT 1), $4)
      FROM outbox q
      JOIN subscribers s ON s.channel = q.channel AND s.chat = q.recipient AND s.status = 'active'
     WHERE q.consultation_id = $1 AND q.kind = 'consultation' AND q.status = 'sent'
    ON CONFLICT (consultation_id, kind, channel, recipient) WHERE consultation_id IS NOT NULL
    DO NOTHING
    RETURNING 1
)
SELECT count(*) FROM inserted
