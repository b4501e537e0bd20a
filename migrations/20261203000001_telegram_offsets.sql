-- The Telegram channel's watermark: the highest update id taken per bot, so a restart
-- resumes after it instead of taking updates again. No personal data: erasure and
-- retention leave it alone.
CREATE TABLE telegram_offsets (
    bot_id         bigint      PRIMARY KEY,
    last_update_id bigint      NOT NULL,
    updated_at     timestamptz NOT NULL DEFAULT now()
);
