-- Reminders ("ricordamelo"): a citizen asks to be reminded of a calendar event some
-- time before it. The scheduler turns a due reminder into an outbox row (kind
-- 'reminder'), rendered then from the dialogues and the event as it stands.
CREATE TABLE reminders (
    id              bigserial   PRIMARY KEY,
    channel         text        NOT NULL,
    chat            text        NOT NULL,
    event_key       text        NOT NULL,
    lang            text        NOT NULL DEFAULT 'it',
    -- How long before the event, and at what Italian time of day ("09:00"; NULL:
    -- exactly `before_minutes` ahead). Kept so a moved event moves its reminder.
    before_minutes  integer     NOT NULL CONSTRAINT reminders_before_check CHECK (before_minutes >= 0),
    at_local        text,
    -- The event's start when `remind_at` was worked out, and the title the citizen saw.
    event_starts_at timestamptz NOT NULL,
    event_title     text        NOT NULL,
    remind_at       timestamptz NOT NULL,
    -- scheduled: waiting; sent: in the outbox; cancelled: by the citizen or because
    -- the event went; dropped: due while the bot was down and no longer useful.
    status          text        NOT NULL DEFAULT 'scheduled'
                    CONSTRAINT reminders_status_check
                    CHECK (status IN ('scheduled', 'sent', 'cancelled', 'dropped')),
    -- The event moved or went since `remind_at` was worked out: the scheduler looks
    -- again (and tells the citizen once).
    changed         boolean     NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT reminders_per_event UNIQUE (channel, chat, event_key)
);
CREATE INDEX reminders_due ON reminders (remind_at) WHERE status = 'scheduled';
CREATE INDEX reminders_changed ON reminders (id) WHERE changed AND status = 'scheduled';
CREATE INDEX reminders_event ON reminders (event_key) WHERE status = 'scheduled';
CREATE INDEX reminders_updated_at ON reminders (updated_at);

-- Whoever changes the calendar (an import, the admin API, the console), reminders of
-- a moved or deleted event are looked at again.
CREATE FUNCTION reminders_event_changed() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    UPDATE reminders SET changed = true, updated_at = now()
     WHERE event_key = OLD.key AND status = 'scheduled';
    IF FOUND THEN
        PERFORM pg_notify('sportello_reminders', '');
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER reminders_event_moved AFTER UPDATE OF starts_at ON events
    FOR EACH ROW WHEN (OLD.starts_at IS DISTINCT FROM NEW.starts_at)
    EXECUTE FUNCTION reminders_event_changed();
CREATE TRIGGER reminders_event_deleted AFTER DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION reminders_event_changed();

-- A proactive message that is useless after a moment (a reminder after its event
-- started) is not sent once `expires_at` passed.
ALTER TABLE outbox ADD COLUMN expires_at timestamptz;
ALTER TABLE outbox ADD COLUMN reminder_id bigint REFERENCES reminders (id) ON DELETE CASCADE;
CREATE INDEX outbox_reminder ON outbox (reminder_id) WHERE reminder_id IS NOT NULL;
