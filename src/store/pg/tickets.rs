//! Tickets in PostgreSQL: what a turn's handoff effects write inside the turn's
//! transaction (so a crash loses neither the session nor the message to staff), and
//! reading them back.

use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgConnection};

use super::PgStore;
use crate::store::{CITIZEN_CLOSED_NOTE, ChatKey, StoreError, Ticket, TicketMessage, TicketStore};

/// The outbox channel of messages to staff: only the staff relay claims it.
pub const STAFF_CHANNEL: &str = "staff";

/// Adds what the citizen wrote to their live ticket (opening one in `queue` when
/// there is none) and queues it for the staff of the queue.
pub(super) async fn to_staff(
    tx: &mut PgConnection,
    key: &ChatKey,
    lang: &str,
    queue: &str,
    text: &str,
) -> Result<(), StoreError> {
    let ticket: i64 = sqlx::query_scalar(
        "INSERT INTO tickets (channel, chat, queue, lang) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (channel, chat) WHERE status <> 'closed' \
         DO UPDATE SET updated_at = now() RETURNING id",
    )
    .bind(&key.channel)
    .bind(&key.chat)
    .bind(queue)
    .bind(lang)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO ticket_messages (ticket_id, direction, body) VALUES ($1, 'citizen', $2)",
    )
    .bind(ticket)
    .bind(text)
    .execute(&mut *tx)
    .await?;
    queue_for_staff(tx, ticket, queue, lang, &html_escape::encode_text(text)).await
}

/// Closes the citizen's live ticket, telling staff.
pub(super) async fn end_by_citizen(tx: &mut PgConnection, key: &ChatKey) -> Result<(), StoreError> {
    let closed: Option<(i64, String, String)> = sqlx::query_as(
        "UPDATE tickets SET status = 'closed', closed_at = now(), updated_at = now() \
         WHERE channel = $1 AND chat = $2 AND status <> 'closed' RETURNING id, queue, lang",
    )
    .bind(&key.channel)
    .bind(&key.chat)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some((ticket, queue, lang)) = closed {
        queue_for_staff(tx, ticket, &queue, &lang, CITIZEN_CLOSED_NOTE).await?;
    }
    Ok(())
}

/// An outbox row to the staff of `queue` about `ticket`.
async fn queue_for_staff(
    tx: &mut PgConnection,
    ticket: i64,
    queue: &str,
    lang: &str,
    html: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO outbox (kind, channel, recipient, lang, payload, ticket_id) \
         VALUES ('ticket', $1, $2, $3, $4, $5)",
    )
    .bind(STAFF_CHANNEL)
    .bind(queue)
    .bind(lang)
    .bind(html)
    .bind(ticket)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Deletes the citizen's tickets with their messages and outbox rows; how many.
pub(super) async fn erase(tx: &mut PgConnection, key: &ChatKey) -> Result<u64, StoreError> {
    Ok(
        sqlx::query("DELETE FROM tickets WHERE channel = $1 AND chat = $2")
            .bind(&key.channel)
            .bind(&key.chat)
            .execute(&mut *tx)
            .await?
            .rows_affected(),
    )
}

#[derive(FromRow)]
struct TicketRow {
    id: i64,
    queue: String,
    status: String,
    lang: String,
    thread_id: Option<i64>,
    opened_at: DateTime<Utc>,
    closed_at: Option<DateTime<Utc>>,
}

impl TicketStore for PgStore {
    async fn latest_ticket(&self, key: &ChatKey) -> Result<Option<Ticket>, StoreError> {
        let row: Option<TicketRow> = sqlx::query_as(
            "SELECT id, queue, status, lang, thread_id, opened_at, closed_at FROM tickets \
             WHERE channel = $1 AND chat = $2 ORDER BY status = 'closed', id DESC LIMIT 1",
        )
        .bind(&key.channel)
        .bind(&key.chat)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let messages: Vec<(String, String, DateTime<Utc>)> = sqlx::query_as(
            "SELECT direction, body, at FROM ticket_messages WHERE ticket_id = $1 ORDER BY id",
        )
        .bind(row.id)
        .fetch_all(&self.pool)
        .await?;
        Ok(Some(Ticket {
            id: row.id,
            queue: row.queue,
            status: row.status,
            lang: row.lang,
            thread_id: row.thread_id,
            opened_at: row.opened_at,
            closed_at: row.closed_at,
            messages: messages
                .into_iter()
                .map(|(direction, body, at)| TicketMessage {
                    direction,
                    body,
                    at,
                })
                .collect(),
        }))
    }
}
