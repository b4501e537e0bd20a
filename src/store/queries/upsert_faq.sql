-- Inserts or updates a FAQ by key; an identical row is left alone.
INSERT INTO faqs AS f (key, question, answer, keywords, lang, examples)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (key) DO UPDATE
SET question = EXCLUDED.question, answer = EXCLUDED.answer, keywords = EXCLUDED.keywords,
    lang = EXCLUDED.lang, examples = EXCLUDED.examples, updated_at = now()
WHERE (f.question, f.answer, f.keywords, f.lang, f.examples)
      IS DISTINCT FROM (EXCLUDED.question, EXCLUDED.answer, EXCLUDED.keywords, EXCLUDED.lang, EXCLUDED.examples)
RETURNING (xmax = 0) AS inserted
