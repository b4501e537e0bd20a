-- A citizen's attachment during a conversation with a person: the staff row carries
-- the citizen's message id, so the relay copies the original (photo, document, voice
-- note) into the ticket's topic instead of describing it.
ALTER TABLE outbox ADD COLUMN copy_of bigint;
