-- The outbox: every proactive message (news now; reminders and staff replies later)
-- is a row here first. Workers claim due rows with FOR UPDATE SKIP LOCKED and a lease;
-- a row whose lease expired (its worker died) is claimed again.

-- When staff published the item for delivery, and its rendered message per language
-- ({"it": "...", "en": "...", "*": default}); NULL until published.
ALTER TABLE news ADD COLUMN relayed_at timestamptz;
ALTER TABLE news ADD COLUMN rendered jsonb;

CREATE TABLE outbox (
    id           bigserial   PRIMARY KEY,
    kind         text        NOT NULL DEFAULT 'news'
                 CONSTRAINT outbox_kind_check CHECK (kind IN ('news', 'reminder', 'reply')),
    news_id      bigint      REFERENCES news (id) ON DELETE CASCADE,
    channel      text        NOT NULL,
    recipient    text        NOT NULL,
    lang         text        NOT NULL DEFAULT 'it',
    -- The message itself; NULL for news, whose text is `news.rendered` in `lang`.
    payload      text,
    not_before   timestamptz NOT NULL DEFAULT now(),
    attempts     integer     NOT NULL DEFAULT 0,
    max_attempts integer     NOT NULL DEFAULT 8,
    status       text        NOT NULL DEFAULT 'queued'
                 CONSTRAINT outbox_status_check
                 CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'blocked')),
    lease_until  timestamptz,
    leased_by    text,
    last_error   text,
    -- The id the channel gave the message: Telegram's message_id, WhatsApp's `wamid.…`
    -- (join `whatsapp_deliveries.wamid` for its delivery status).
    message_id   text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    -- Publishing twice inserts nothing.
    CONSTRAINT outbox_delivery_key UNIQUE (news_id, channel, recipient)
);
-- What a worker claims: due queued rows, and leases that ran out.
CREATE INDEX outbox_due ON outbox (not_before, id) WHERE status = 'queued';
CREATE INDEX outbox_leased ON outbox (lease_until) WHERE status = 'sending';
CREATE INDEX outbox_news_status ON outbox (news_id, status);
CREATE INDEX outbox_recent ON outbox (updated_at) WHERE status = 'sent';

-- Wakes listening workers once per inserting statement (LISTEN is only a wake-up;
-- workers poll as well).
CREATE FUNCTION outbox_notify() RETURNS trigger
    LANGUAGE plpgsql
    AS $$ BEGIN PERFORM pg_notify('sportello_outbox', ''); RETURN NULL; END $$;
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();
