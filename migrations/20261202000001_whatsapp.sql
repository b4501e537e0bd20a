-- The WhatsApp channel's own records. Sessions and subscribers stay in `sessions` and
-- `subscribers` (channel 'whatsapp', chat = wa_id); these tables hold only what the
-- Cloud API adds. Rows older than the channel's retention (30 days) are deleted by
-- the channel's retention task.

-- Message ids (`wamid`) of inbound messages already taken: Meta redelivers webhooks,
-- sometimes days later; INSERT … ON CONFLICT DO NOTHING tells the first time.
CREATE TABLE whatsapp_seen (
    wamid   text        PRIMARY KEY,
    seen_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX whatsapp_seen_at ON whatsapp_seen (seen_at);

-- One row per citizen who wrote: when they last did (the 24-hour customer-service
-- window opens there) and the buttons last shown to them, so a shortened title typed
-- back still finds its button.
CREATE TABLE whatsapp_contacts (
    wa_id           text        PRIMARY KEY,
    last_inbound_at timestamptz NOT NULL,
    -- [{"title": shown, "label": full, "payload": engine button id}, …]
    menu            jsonb       NOT NULL DEFAULT '[]',
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX whatsapp_contacts_last_inbound ON whatsapp_contacts (last_inbound_at);

-- Every message the Graph API accepted, keyed by the id it returned, and the latest
-- status Meta reported for it (sent < delivered < read; failed is final). The relay
-- can join its outbox rows on `wamid`.
CREATE TABLE whatsapp_deliveries (
    wamid       text        PRIMARY KEY,
    wa_id       text        NOT NULL,
    -- 'text', 'interactive' or 'template'
    kind        text        NOT NULL DEFAULT 'text',
    status      text        NOT NULL DEFAULT 'accepted'
                CONSTRAINT whatsapp_deliveries_status_check
                CHECK (status IN ('accepted', 'sent', 'delivered', 'read', 'failed')),
    error_code  integer,
    error_title text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX whatsapp_deliveries_wa_id ON whatsapp_deliveries (wa_id);
CREATE INDEX whatsapp_deliveries_created_at ON whatsapp_deliveries (created_at);
