-- Talking to a person: a citizen handed to a queue has a ticket; what they write and
-- what staff answer are its messages. One ticket per chat is live (not closed) at a
-- time. Messages to staff wait in the outbox under the channel 'staff' (the queue's
-- key as recipient), claimed only by the staff relay, which knows the queue's group
-- and opens the ticket's forum topic on its first message.

CREATE TABLE tickets (
    id              bigserial   PRIMARY KEY,
    channel         text        NOT NULL,
    chat            text        NOT NULL,
    queue           text        NOT NULL,
    lang            text        NOT NULL DEFAULT 'it',
    status          text        NOT NULL DEFAULT 'open'
                    CONSTRAINT tickets_status_check CHECK (status IN ('open', 'answered', 'closed')),
    -- The Telegram staff supergroup and the ticket's forum topic, once opened there.
    staff_group     bigint,
    thread_id       bigint,
    opened_at       timestamptz NOT NULL DEFAULT now(),
    first_reply_at  timestamptz,
    -- When the citizen was told, once, that nobody answered in time.
    told_waiting_at timestamptz,
    closed_at       timestamptz,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX tickets_live_per_chat ON tickets (channel, chat) WHERE status <> 'closed';
CREATE INDEX tickets_thread ON tickets (staff_group, thread_id);
CREATE INDEX tickets_updated_at ON tickets (updated_at);

CREATE TABLE ticket_messages (
    id         bigserial   PRIMARY KEY,
    ticket_id  bigint      NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    -- 'citizen' wrote it, 'staff' answered it, or a 'note' staff kept for themselves.
    direction  text        NOT NULL
               CONSTRAINT ticket_messages_direction_check CHECK (direction IN ('citizen', 'staff', 'note')),
    body       text        NOT NULL,
    at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ticket_messages_ticket ON ticket_messages (ticket_id, id);

-- Outbox rows of a ticket go with it (erasure, retention).
ALTER TABLE outbox ADD COLUMN ticket_id bigint REFERENCES tickets (id) ON DELETE CASCADE;
CREATE INDEX outbox_ticket ON outbox (ticket_id) WHERE ticket_id IS NOT NULL;
ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check
    CHECK (kind IN ('news', 'reminder', 'reply', 'ticket'));
