-- FAQs are found by an in-memory matcher from their question, keywords and the
-- example sentences staff write; the full-text search they had goes.
ALTER TABLE faqs ADD COLUMN examples text[] NOT NULL DEFAULT '{}';
DROP INDEX faqs_search;
ALTER TABLE faqs DROP COLUMN search, DROP COLUMN keyword_stems, DROP COLUMN question_stems;
DROP FUNCTION sportello_words(text[]);
-- Replicas notice a changed FAQ list by this fingerprint, without reading it all.
CREATE INDEX faqs_updated_at ON faqs (updated_at);

-- What a conversation remembers between turns besides its state: misses in a row
-- (the fallback escalates) and the choices of the last «Intendevi…?».
ALTER TABLE sessions ADD COLUMN context jsonb NOT NULL DEFAULT '{}';
