//! The Telegram channel's update watermark (`telegram_offsets`) and its webhook inbox
//! (`telegram_inbox`) in PostgreSQL.

use std::time::Duration;

use super::PgStore;
use crate::store::{Claim, InboxUpdate, StoreError, UpdateLog};

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
        // Committed without waiting for the WAL flush, as the turns of the updates it
        // covers are: WAL is flushed in order, so a database crash that loses it loses
        // those turns too, and Telegram's redelivery runs them again.
        sqlx::query(
            "WITH quick AS (SELECT set_config('synchronous_commit', 'off', true))
             INSERT INTO telegram_offsets (bot_id, last_update_id) SELECT $1, $2 FROM quick
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

    async fn receive(
        &self,
        bot_id: i64,
        update: &InboxUpdate,
        lane: i64,
    ) -> Result<bool, StoreError> {
        let inserted = sqlx::query(
            "INSERT INTO telegram_inbox (bot_id, update_id, lane, body) VALUES ($1, $2, $3, $4)
             ON CONFLICT (bot_id, update_id) DO NOTHING",
        )
        .bind(bot_id)
        .bind(update.update_id)
        .bind(lane)
        .bind(&update.body)
        .execute(&self.pool)
        .await?;
        Ok(inserted.rows_affected() == 1)
    }

    async fn claim_next(
        &self,
        bot_id: i64,
        lane: i64,
        claim: &Claim,
        finished: Option<i64>,
    ) -> Result<Option<InboxUpdate>, StoreError> {
        let claimed: Option<(i64, Option<String>)> =
            sqlx::query_as(include_str!("../queries/inbox_claim.sql"))
                .bind(bot_id)
                .bind(lane)
                .bind(&claim.holder)
                .bind(finished)
                .bind(claim.lease.as_secs_f64())
                .fetch_optional(&self.pool)
                .await?;
        Ok(claimed.map(|(update_id, body)| InboxUpdate {
            update_id,
            body: body.unwrap_or_default(),
        }))
    }

    async fn skip(&self, bot_id: i64, update_id: i64) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE telegram_inbox SET done = true, body = NULL, claimed_by = NULL, claimed_until = NULL
             WHERE bot_id = $1 AND update_id = $2",
        )
        .bind(bot_id)
        .bind(update_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn stranded(&self, bot_id: i64, unclaimed_for: Duration) -> Result<Vec<i64>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT lane FROM (
                 SELECT DISTINCT ON (lane) lane, claimed_by, claimed_until, received_at
                   FROM telegram_inbox
                  WHERE bot_id = $1 AND NOT done
                  ORDER BY lane, update_id
             ) AS oldest
             WHERE claimed_until < now()
                OR (claimed_by IS NULL AND received_at < now() - make_interval(secs => $2))
             LIMIT 1000",
        )
        .bind(bot_id)
        .bind(unclaimed_for.as_secs_f64())
        .fetch_all(&self.pool)
        .await?)
    }

    async fn renew(&self, bot_id: i64, claim: &Claim, release: bool) -> Result<(), StoreError> {
        let query = if release {
            sqlx::query(
                "UPDATE telegram_inbox SET claimed_by = NULL, claimed_until = NULL
                 WHERE bot_id = $1 AND claimed_by = $2 AND NOT done",
            )
        } else {
            sqlx::query(
                "UPDATE telegram_inbox SET claimed_until = now() + make_interval(secs => $3)
                 WHERE bot_id = $1 AND claimed_by = $2 AND NOT done",
            )
            .bind(claim.lease.as_secs_f64())
        };
        query
            .bind(bot_id)
            .bind(&claim.holder)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
