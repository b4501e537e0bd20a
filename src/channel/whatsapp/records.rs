//! The channel's PostgreSQL records (migration `20261202000001_whatsapp.sql`): message
//! ids already taken, contacts with their last inbound time (the 24-hour window) and
//! last menu, and delivery statuses of what we sent. Sessions and subscriptions are
//! not here: they belong to the conversation's store.

use chrono::{DateTime, Duration, Utc};
use sqlx::PgExecutor;

use super::render::MenuEntry;
use crate::store::StoreError;

/// How long seen ids, deliveries and inactive contacts are kept.
pub const RETENTION_DAYS: i32 = 30;

/// Free-form messages may be sent until this long after the citizen's last message.
pub const WINDOW: Duration = Duration::hours(24);
/// Kept in hand so a message sent at the window's edge is not refused in transit.
const WINDOW_MARGIN: Duration = Duration::minutes(1);

/// A citizen who wrote to the business number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub wa_id: String,
    pub last_inbound_at: DateTime<Utc>,
}

impl Contact {
    /// Whether a free-form message sent at `now` is inside the 24-hour customer-service
    /// window (with a one-minute margin).
    pub fn within_window(&self, now: DateTime<Utc>) -> bool {
        within_window(Some(self.last_inbound_at), now)
    }
}

/// Whether `now` is inside the window opened at `last_inbound_at` (never, if the
/// citizen never wrote).
pub fn within_window(last_inbound_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    last_inbound_at.is_some_and(|last| now < last + WINDOW - WINDOW_MARGIN)
}

/// Records `wamid` as taken; true the first time only.
pub async fn first_time(db: impl PgExecutor<'_>, wamid: &str) -> Result<bool, StoreError> {
    let done = sqlx::query("INSERT INTO whatsapp_seen (wamid) VALUES ($1) ON CONFLICT DO NOTHING")
        .bind(wamid)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Notes an inbound message sent at `at` (the window never moves back) and returns
/// the menu last shown to the citizen.
pub async fn touch_contact(
    db: impl PgExecutor<'_>,
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
    .fetch_one(db)
    .await?;
    Ok(menu.0)
}

/// Remembers the buttons just shown to a citizen who wrote.
pub async fn save_menu(
    db: impl PgExecutor<'_>,
    wa_id: &str,
    menu: &[MenuEntry],
) -> Result<(), StoreError> {
    sqlx::query("UPDATE whatsapp_contacts SET menu = $2, updated_at = now() WHERE wa_id = $1")
        .bind(wa_id)
        .bind(sqlx::types::Json(menu))
        .execute(db)
        .await?;
    Ok(())
}

/// The contact, if the citizen ever wrote (within the retention period).
pub async fn contact(db: impl PgExecutor<'_>, wa_id: &str) -> Result<Option<Contact>, StoreError> {
    let row: Option<(String, DateTime<Utc>)> =
        sqlx::query_as("SELECT wa_id, last_inbound_at FROM whatsapp_contacts WHERE wa_id = $1")
            .bind(wa_id)
            .fetch_optional(db)
            .await?;
    Ok(row.map(|(wa_id, last_inbound_at)| Contact {
        wa_id,
        last_inbound_at,
    }))
}

/// Records a message the Graph API accepted (`kind`: text, interactive, template).
pub async fn record_sent(
    db: impl PgExecutor<'_>,
    wamid: &str,
    wa_id: &str,
    kind: &str,
) -> Result<(), StoreError> {
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
    .execute(db)
    .await?;
    Ok(())
}

/// Applies a status webhook: statuses only move forward (accepted < sent <
/// delivered < read); `failed` is final. Unknown statuses are ignored.
pub async fn record_status(
    db: impl PgExecutor<'_>,
    wamid: &str,
    wa_id: &str,
    status: &str,
    error: Option<&(i64, String)>,
) -> Result<(), StoreError> {
    if !matches!(status, "sent" | "delivered" | "read" | "failed") {
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
    .execute(db)
    .await?;
    Ok(())
}

/// A delivery record: the latest status and its error, if any.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Delivery {
    pub wamid: String,
    pub kind: String,
    pub status: String,
    pub error_code: Option<i32>,
    pub error_title: Option<String>,
}

/// The delivery record of `wamid`.
pub async fn delivery(
    db: impl PgExecutor<'_>,
    wamid: &str,
) -> Result<Option<Delivery>, StoreError> {
    Ok(sqlx::query_as::<_, Delivery>(
        "SELECT wamid, kind, status, error_code, error_title FROM whatsapp_deliveries WHERE wamid = $1",
    )
    .bind(wamid)
    .fetch_optional(db)
    .await?)
}

/// Deletes seen ids, deliveries and contacts older than `days`; returns rows deleted.
pub async fn purge(db: &sqlx::PgPool, days: i32) -> Result<u64, StoreError> {
    let mut deleted = 0;
    for sql in [
        "DELETE FROM whatsapp_seen WHERE seen_at < now() - make_interval(days => $1)",
        "DELETE FROM whatsapp_deliveries WHERE created_at < now() - make_interval(days => $1)",
        "DELETE FROM whatsapp_contacts WHERE last_inbound_at < now() - make_interval(days => $1)",
    ] {
        deleted += sqlx::query(sql)
            .bind(days)
            .execute(db)
            .await?
            .rows_affected();
    }
    Ok(deleted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_is_24_hours_from_the_last_message_with_a_margin() {
        let last: DateTime<Utc> = "2027-06-01T10:00:00Z".parse().unwrap_or_default();
        let contact = Contact {
            wa_id: "39".into(),
            last_inbound_at: last,
        };
        assert!(contact.within_window(last));
        assert!(contact.within_window(last + Duration::hours(23)));
        assert!(!contact.within_window(last + Duration::hours(24) - Duration::seconds(30)));
        assert!(!contact.within_window(last + Duration::days(3)));
        assert!(!within_window(None, last));
    }
}
