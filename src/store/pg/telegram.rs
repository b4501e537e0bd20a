//! The Telegram channel's update watermark in PostgreSQL (`telegram_offsets`).

use super::PgStore;
use crate::store::{StoreError, UpdateLog};

impl UpdateLog for PgStore {
    async fn last_update_id(&self, bot_id: i64) -> Result<Option<i64>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT last_update_id FROM telegram_offsets WHERE bot_id = $1")
                .bind(bot_id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    async fn record_update_id(&self, bot_id: i64, update_id: i64) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO telegram_offsets (bot_id, last_update_id) VALUES ($1, $2)
             ON CONFLICT (bot_id) DO UPDATE
                SET last_update_id = GREATEST(telegram_offsets.last_update_id, EXCLUDED.last_update_id),
                    updated_at = now()",
        )
        .bind(bot_id)
        .bind(update_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
