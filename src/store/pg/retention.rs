//! Retention: every time-limited record deleted by one task. Transcripts are kept for
//! the operator's `SPORTELLO_RETENTION_DAYS`; the WhatsApp channel's seen ids,
//! deliveries and inactive contacts for [`WHATSAPP_RETENTION_DAYS`] (30); tickets
//! closed longer ago than transcripts are kept go with their messages; expired staff
//! console sessions go too; reminders that are done go as transcripts do.

use std::time::Duration;

use super::PgStore;
use crate::store::{StoreError, WHATSAPP_RETENTION_DAYS, WhatsAppRecords};

/// How often records past their retention are deleted while a process runs.
const RETENTION_PERIOD: Duration = Duration::from_secs(3600);

/// What one pass of retention deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    /// Transcript lines.
    pub transcripts: u64,
    /// WhatsApp seen ids, deliveries and contacts.
    pub whatsapp: u64,
    /// Closed tickets, with their messages (kept as long as transcripts).
    pub tickets: u64,
    /// Staff console sessions past their expiry.
    pub console_sessions: u64,
    /// Reminders sent, cancelled or dropped longer ago than transcripts are kept.
    pub reminders: u64,
    /// Webhook updates answered more than a day ago (Telegram no longer redelivers
    /// them).
    pub inbox: u64,
}

impl PgStore {
    /// Deletes transcripts older than `transcript_days` and WhatsApp records older
    /// than [`WHATSAPP_RETENTION_DAYS`], once.
    pub async fn purge_expired(&self, transcript_days: u32) -> Result<Purged, StoreError> {
        Ok(Purged {
            transcripts: self.purge_transcripts(transcript_days).await?,
            whatsapp: self.purge(WHATSAPP_RETENTION_DAYS).await?,
            tickets: self.purge_tickets(transcript_days).await?,
            console_sessions: sqlx::query("DELETE FROM console_sessions WHERE expires_at < now()")
                .execute(&self.pool)
                .await?
                .rows_affected(),
            reminders: super::reminders::purge(&self.pool, transcript_days).await?,
            inbox: sqlx::query(
                "DELETE FROM telegram_inbox WHERE done AND received_at < now() - interval '1 day'",
            )
            .execute(&self.pool)
            .await?
            .rows_affected(),
        })
    }

    /// Runs [`purge_expired`](PgStore::purge_expired) now and every hour, until
    /// aborted; failures are logged and tried again at the next hour.
    pub fn spawn_retention(&self, transcript_days: u32) -> tokio::task::JoinHandle<()> {
        let store = self.clone();
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(RETENTION_PERIOD);
            loop {
                ticks.tick().await;
                match store.purge_expired(transcript_days).await {
                    Ok(purged) => {
                        if purged.transcripts > 0 {
                            tracing::info!(
                                deleted = purged.transcripts,
                                days = transcript_days,
                                "transcripts past retention deleted"
                            );
                        }
                        if purged.whatsapp > 0 {
                            tracing::info!(
                                deleted = purged.whatsapp,
                                days = WHATSAPP_RETENTION_DAYS,
                                "WhatsApp records past retention deleted"
                            );
                        }
                    }
                    Err(err) => tracing::warn!("retention: {err}"),
                }
            }
        })
    }
}
