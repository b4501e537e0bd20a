-- Consultations travel through the outbox like news: the question (kind
-- 'consultation') and, once it closes, its results (kind 'consultation_results'), one
-- row per recipient. `payload` holds the words around the question in the recipient's
-- language (the question and the options are read from `consultations` when sent).
ALTER TABLE outbox ADD COLUMN consultation_id bigint REFERENCES consultations (id) ON DELETE CASCADE;
ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check
    CHECK (kind IN ('news', 'reminder', 'reply', 'ticket', 'consultation', 'consultation_results'));
-- Opening or closing a consultation twice queues nothing twice.
CREATE UNIQUE INDEX outbox_consultation_key ON outbox (consultation_id, kind, channel, recipient)
    WHERE consultation_id IS NOT NULL;

-- The Telegram polls sent for a consultation, by the poll's id: `poll` and
-- `poll_answer` updates name only the poll. Nothing here says which chat a poll went
-- to, and no time is kept, so an anonymous vote (whose voter is the poll's id) links
-- to no citizen. On WhatsApp an anonymous vote's voter is a random ballot id carried
-- only by the list message itself (`ballot:<id>`); a non-anonymous vote's voter is,
-- on either channel, a keyed hash of the citizen (the key is `console_secrets`'
-- 'consultation_voters'), which erasure recomputes to delete it.
CREATE TABLE consultation_polls (
    poll_id         text   PRIMARY KEY,
    consultation_id bigint NOT NULL REFERENCES consultations (id) ON DELETE CASCADE
);
CREATE INDEX consultation_polls_consultation ON consultation_polls (consultation_id);

COMMENT ON COLUMN consultation_votes.option IS
    'The 0-based index of the option chosen (as Telegram numbers them): consultations.options[option + 1].';
