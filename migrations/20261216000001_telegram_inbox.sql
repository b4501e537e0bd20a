-- The webhook inbox: each Telegram update from the moment a replica acknowledges it
-- until one answers it, so that any replica may answer it, a lane's updates (a chat's,
-- a staff group's) one at a time in update order, and none twice. The body (which
-- holds the citizen's message) is cleared once answered; answered rows stay a day to
-- drop Telegram's redeliveries, then retention deletes them.
CREATE TABLE telegram_inbox (
    bot_id        bigint      NOT NULL,
    update_id     bigint      NOT NULL,
    lane          bigint      NOT NULL,
    body          text,
    received_at   timestamptz NOT NULL DEFAULT now(),
    -- The replica answering it, until when (renewed while that replica lives).
    claimed_by    text,
    claimed_until timestamptz,
    done          boolean     NOT NULL DEFAULT false,
    PRIMARY KEY (bot_id, update_id)
);

-- A lane's oldest unanswered update, and the sweep for lanes nobody holds.
CREATE INDEX telegram_inbox_waiting ON telegram_inbox (bot_id, lane, update_id) WHERE NOT done;
