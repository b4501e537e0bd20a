-- Consultations: a question with 2–10 options put to the subscribers of some topics
-- between `opens_at` and `closes_at`; one answer per citizen (changes allowed until it
-- closes); results published when it closes.
CREATE TABLE consultations (
    id           bigserial   PRIMARY KEY,
    key          text        NOT NULL CONSTRAINT consultations_key_key UNIQUE,
    question     text        NOT NULL,
    options      text[]      NOT NULL
                 CONSTRAINT consultations_options_check CHECK (cardinality(options) BETWEEN 2 AND 10),
    -- Whose subscribers are asked; empty: every active subscriber.
    topics       text[]      NOT NULL DEFAULT '{}',
    -- Anonymous (the default): votes are kept without any link to the citizen.
    anonymous    boolean     NOT NULL DEFAULT true,
    opens_at     timestamptz NOT NULL,
    closes_at    timestamptz NOT NULL,
    -- scheduled: not sent yet; open: sent, taking answers; closed: results published.
    status       text        NOT NULL DEFAULT 'scheduled'
                 CONSTRAINT consultations_status_check CHECK (status IN ('scheduled', 'open', 'closed')),
    sent_at      timestamptz,
    closed_at    timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT consultations_times_check CHECK (closes_at > opens_at)
);
CREATE INDEX consultations_due ON consultations (opens_at) WHERE status = 'scheduled';
CREATE INDEX consultations_closing ON consultations (closes_at) WHERE status = 'open';

-- One answer per citizen: `voter` is the Telegram poll's id for an anonymous poll
-- (each citizen gets a poll of their own) or a keyed hash of the chat, never a chat id.
CREATE TABLE consultation_votes (
    consultation_id bigint      NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
    voter           text        NOT NULL,
    option          smallint    NOT NULL,
    at              timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consultation_id, voter)
);
