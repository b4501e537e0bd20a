//! The audit log: who published, edited, closed or changed what, and when. Written in
//! the same request as the change; read by admins in the console.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::store::StoreError;

/// One thing a staff member did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// When.
    pub at: DateTime<Utc>,
    /// The staff member's username.
    pub actor: String,
    /// What they did: `news.publish`, `faq.edit`, `staff.add`, …
    pub action: String,
    /// What they did it to: a news key, an FAQ key, a username.
    pub subject: String,
    /// Figures or a note, if any.
    pub details: Option<String>,
}

/// Records that `actor` did `action` to `subject`.
pub async fn record(
    pool: &PgPool,
    actor: &str,
    action: &str,
    subject: &str,
    details: Option<&str>,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO audit_log (actor, action, subject, details) VALUES ($1, $2, $3, $4)")
        .bind(actor)
        .bind(action)
        .bind(subject)
        .bind(details)
        .execute(pool)
        .await?;
    Ok(())
}

/// The newest `limit` entries.
pub async fn recent(pool: &PgPool, limit: i64) -> Result<Vec<AuditEntry>, StoreError> {
    type Row = (DateTime<Utc>, String, String, String, Option<String>);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT at, actor, action, subject, details FROM audit_log ORDER BY at DESC, id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(at, actor, action, subject, details)| AuditEntry {
            at,
            actor,
            action,
            subject,
            details,
        })
        .collect())
}
