//! The WhatsApp channel's records in PostgreSQL (migration
//! `20261202000001_whatsapp.sql`): message ids already taken, contacts with their last
//! inbound time and last menu, and delivery statuses of what was sent.

use super::PgStore;
use crate::store::{Contact, Delivery, MenuEntry, StoreError, WhatsAppRecords, known_status};
use chrono::{DateTime, Utc};

impl WhatsAppRecords for PgStore {
    async fn first_time(&self, wamid: &str) -> Result<bool, StoreError> {
        let done =
            sqlx::query("INSERT INTO whatsapp_seen (wamid) VALUES ($1) ON CONFLICT DO NOTHING")
                .bind(wamid)
                .execute(&self.pool)
                .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn touch_contact(
        &self,
        wa_id: &str,
        at: DateTime<Utc>,
    ) -> Result<Vec<MenuEntry>, StoreError> {
        let menu: sqlx::types::Json<Vec<MenuEntry>> = sqlx::query_scalar(
            "INSERT INTO whatsapp_contacts (wa_id, last_inbound_at) VALUES ($1, $2)
             ON CONFLICT (wa_id) DO UPDATE
                SET last_inbound_at = GREATEST(whatsapp_contacts.last_inbound_at, EXCLUDED.last_inbound_at),
                    updated_at = now()
             RETURNING menu",
        )
        .bind(wa_id)
        .bind(at)
        .fetch_one(&self.pool)
        .await?;
        Ok(menu.0)
    }

    async fn save_menu(&self, wa_id: &str, menu: &[MenuEntry]) -> Result<(), StoreError> {
        sqlx::query("UPDATE whatsapp_contacts SET menu = $2, updated_at = now() WHERE wa_id = $1")
            .bind(wa_id)
            .bind(sqlx::types::Json(menu))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn contact(&self, wa_id: &str) -> Result<Option<Contact>, StoreError> {
        let row: Option<(String, DateTime<Utc>)> =
            sqlx::query_as("SELECT wa_id, last_inbound_at FROM whatsapp_contacts WHERE wa_id = $1")
                .bind(wa_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(wa_id, last_inbound_at)| Contact {
            wa_id,
            last_inbound_at,
        }))
    }

    async fn record_sent(&self, wamid: &str, wa_id: &str, kind: &str) -> Result<(), StoreError> {
        if wamid.is_empty() {
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO whatsapp_deliveries (wamid, wa_id, kind) VALUES ($1, $2, $3)
             ON CONFLICT (wamid) DO NOTHING",
        )
        .bind(wamid)
        .bind(wa_id)
        .bind(kind)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn record_status(
        &self,
        wamid: &str,
        wa_id: &str,
        status: &str,
        error: Option<&(i64, String)>,
    ) -> Result<(), StoreError> {
        if !known_status(status) {
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO whatsapp_deliveries (wamid, wa_id, status, error_code, error_title)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (wamid) DO UPDATE
                SET status = EXCLUDED.status, error_code = EXCLUDED.error_code,
                    error_title = EXCLUDED.error_title, updated_at = now()
              WHERE whatsapp_deliveries.status <> 'failed'
                AND (EXCLUDED.status = 'failed'
                     OR array_position(ARRAY['accepted', 'sent', 'delivered', 'read'], EXCLUDED.status)
                      > array_position(ARRAY['accepted', 'sent', 'delivered', 'read'], whatsapp_deliveries.status))",
        )
        .bind(wamid)
        .bind(wa_id)
        .bind(status)
        .bind(error.map(|(code, _)| i32::try_from(*code).unwrap_or(i32::MAX)))
        .bind(error.map(|(_, title)| title.as_str()))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn delivery(&self, wamid: &str) -> Result<Option<Delivery>, StoreError> {
        Ok(sqlx::query_as::<_, Delivery>(
            "SELECT wamid, kind, status, error_code, error_title FROM whatsapp_deliveries WHERE wamid = $1",
        )
        .bind(wamid)
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn purge(&self, days: u32) -> Result<u64, StoreError> {
        let days = i32::try_from(days).unwrap_or(i32::MAX);
        let mut deleted = 0;
        for sql in [
            "DELETE FROM whatsapp_seen WHERE seen_at < now() - make_interval(days => $1)",
            "DELETE FROM whatsapp_deliveries WHERE created_at < now() - make_interval(days => $1)",
            "DELETE FROM whatsapp_contacts WHERE last_inbound_at < now() - make_interval(days => $1)",
        ] {
            deleted += sqlx::query(sql)
                .bind(days)
                .execute(&self.pool)
                .await?
                .rows_affected();
        }
        Ok(deleted)
    }
}
