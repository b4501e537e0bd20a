-- The FAQ that answered a citizen's message (its key), on the message's line; NULL
-- when no FAQ did. The open data counts FAQ answers per day and topic from it.
ALTER TABLE transcripts ADD COLUMN faq text;
