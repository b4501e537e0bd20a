-- The staff console: who may sign in, their sessions, and what they did.

CREATE TABLE staff_users (
    id            bigserial   PRIMARY KEY,
    username      text        NOT NULL CONSTRAINT staff_users_username_key UNIQUE
                  CONSTRAINT staff_users_username_check CHECK (username ~ '^[a-z0-9][a-z0-9._-]{1,63}$'),
    display_name  text        NOT NULL,
    role          text        NOT NULL CONSTRAINT staff_users_role_check CHECK (role IN ('editor', 'admin')),
    -- An argon2id PHC string: the password itself is never stored.
    password_hash text        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- tower-sessions records (its id, its data as JSON), shared by every replica.
CREATE TABLE console_sessions (
    id         text        PRIMARY KEY,
    data       jsonb       NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX console_sessions_expires_at ON console_sessions (expires_at);

-- Who published, edited, closed or changed what. Never holds a citizen's words.
CREATE TABLE audit_log (
    id      bigserial   PRIMARY KEY,
    at      timestamptz NOT NULL DEFAULT now(),
    actor   text        NOT NULL,
    action  text        NOT NULL,
    subject text        NOT NULL,
    details text
);
CREATE INDEX audit_log_at ON audit_log (at DESC);

-- A message staff looked at in the inbox and set aside.
ALTER TABLE transcripts ADD COLUMN dismissed boolean NOT NULL DEFAULT false;

-- A publication staff stopped: its deliveries not yet sent.
ALTER TABLE outbox DROP CONSTRAINT outbox_status_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_status_check
    CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'blocked', 'cancelled'));

-- Secrets every replica shares (the key of the console's CSRF tokens), made once.
CREATE TABLE console_secrets (
    name  text PRIMARY KEY,
    value text NOT NULL
);
