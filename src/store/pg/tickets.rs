//! Tickets in PostgreSQL: what a turn's handoff effects write inside the turn's
//! transaction (so a crash loses neither the session nor the message to staff), and
//! reading them back.

use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgConnection};

use super::PgStore;
use crate::store::{
    CITIZEN_CLOSED_NOTE, ChatKey, StaffDesk, StoreError, Ticket, TicketMessage, TicketStore,
};

/// The outbox channel of messages to staff: only the staff relay claims it.
pub const STAFF_CHANNEL: &str = "staff";

/// Adds what the citizen wrote to their live ticket (opening one in `queue` when
/// there is none) and queues it for the staff of the queue.
pub(super) async fn to_staff(
    tx: &mut PgConnection,
    key: &ChatKey,
    (lang, queue, reopen): (&str, &str, bool),
    (text, copy_of): (&str, Option<i64>),
) -> Result<(), StoreError> {
    // A follow-up to the ticket staff closed last opens it again (unless another one
    // is live).
    let reopened: Option<i64> = if reopen {
        sqlx::query_scalar(
            "UPDATE tickets SET status = 'open', closed_at = NULL, updated_at = now() \
             WHERE id = (SELECT id FROM tickets WHERE channel = $1 AND chat = $2 \
                          AND status = 'closed' ORDER BY id DESC LIMIT 1) \
               AND NOT EXISTS (SELECT 1 FROM tickets WHERE channel = $1 AND chat = $2 \
                                AND status <> 'closed') \
             RETURNING id",
        )
        .bind(&key.channel)
        .bind(&key.chat)
        .fetch_optional(&mut *tx)
        .await?
    } else {
        None
    };
    if reopened.is_some() {
        metrics::counter!("sportello_tickets_reopened_total", "queue" => queue.to_owned())
            .increment(1);
    }
    // `xmax = 0`: the row was inserted, not updated: a new ticket.
    let (ticket, opened): (i64, bool) = match reopened {
        Some(id) => (id, false),
        None => {
            sqlx::query_as(
                "INSERT INTO tickets (channel, chat, queue, lang) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (channel, chat) WHERE status <> 'closed' \
         DO UPDATE SET updated_at = now() RETURNING id, xmax = 0",
            )
            .bind(&key.channel)
            .bind(&key.chat)
            .bind(queue)
            .bind(lang)
            .fetch_one(&mut *tx)
            .await?
        }
    };
    if opened {
        metrics::counter!("sportello_tickets_opened_total", "queue" => queue.to_owned())
            .increment(1);
    }
    sqlx::query(
        "INSERT INTO ticket_messages (ticket_id, direction, body) VALUES ($1, 'citizen', $2)",
    )
    .bind(ticket)
    .bind(text)
    .execute(&mut *tx)
    .await?;
    let html = html_escape::encode_text(text);
    queue_for_staff(tx, ticket, (queue, lang), (&html, copy_of)).await
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
        queue_for_staff(tx, ticket, (&queue, &lang), (CITIZEN_CLOSED_NOTE, None)).await?;
    }
    Ok(())
}

/// An outbox row to the staff of `queue` about `ticket`: `html`, or the citizen's
/// message `copy_of` as it is where the channel can copy it.
async fn queue_for_staff(
    tx: &mut PgConnection,
    ticket: i64,
    (queue, lang): (&str, &str),
    (html, copy_of): (&str, Option<i64>),
) -> Result<(), StoreError> {
    let recipient = ("ticket", STAFF_CHANNEL, queue);
    queue_message(tx, recipient, lang, (html, copy_of), ticket).await
}

/// An outbox row to the citizen of `ticket` on their channel and chat.
async fn queue_reply(
    tx: &mut PgConnection,
    (channel, chat): (&str, &str),
    lang: &str,
    html: &str,
    ticket: i64,
) -> Result<(), StoreError> {
    queue_message(tx, ("reply", channel, chat), lang, (html, None), ticket).await
}

/// An outbox row about `ticket` of `kind` to `recipient` on `channel`.
async fn queue_message(
    tx: &mut PgConnection,
    (kind, channel, recipient): (&str, &str, &str),
    lang: &str,
    (html, copy_of): (&str, Option<i64>),
    ticket: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO outbox (kind, channel, recipient, lang, payload, ticket_id, copy_of) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(kind)
    .bind(channel)
    .bind(recipient)
    .bind(lang)
    .bind(html)
    .bind(ticket)
    .bind(copy_of)
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
        self.ticket_of(key, None).await
    }
}

impl PgStore {
    /// The citizen's ticket `id`, else their live one, else their latest.
    async fn ticket_of(
        &self,
        key: &ChatKey,
        id: Option<i64>,
    ) -> Result<Option<Ticket>, StoreError> {
        // One snapshot: a staff answer committed between the two reads must not show
        // its message beside the ticket's status from before it.
        let mut tx = self.pool.begin().await?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .execute(&mut *tx)
            .await?;
        let row: Option<TicketRow> = sqlx::query_as(
            "SELECT id, queue, status, lang, thread_id, opened_at, closed_at FROM tickets \
             WHERE channel = $1 AND chat = $2 AND ($3::bigint IS NULL OR id = $3) \
             ORDER BY status = 'closed', id DESC LIMIT 1",
        )
        .bind(&key.channel)
        .bind(&key.chat)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let messages: Vec<(String, String, DateTime<Utc>)> = sqlx::query_as(
            "SELECT direction, body, at FROM ticket_messages WHERE ticket_id = $1 ORDER BY id",
        )
        .bind(row.id)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
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

/// Where a ticket's messages to staff go, and whose it is.
#[derive(Debug, Clone, FromRow)]
pub struct TicketRoute {
    /// The ticket's number.
    pub id: i64,
    /// The citizen's channel and chat.
    pub channel: String,
    /// The citizen's chat id on it.
    pub chat: String,
    /// The queue.
    pub queue: String,
    /// The citizen's language.
    pub lang: String,
    /// `open`, `answered` or `closed`.
    pub status: String,
    /// The staff supergroup, once the ticket has a topic there.
    pub staff_group: Option<i64>,
    /// Its forum topic.
    pub thread_id: Option<i64>,
}

impl PgStore {
    /// The ticket `id`.
    pub async fn ticket_route(&self, id: i64) -> Result<Option<TicketRoute>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, channel, chat, queue, lang, status, staff_group, thread_id \
             FROM tickets WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Records the topic ticket `id` has in `group` (`None`: it is gone, open a new one).
    pub async fn set_ticket_topic(
        &self,
        id: i64,
        group: i64,
        thread: Option<i64>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE tickets SET staff_group = $2, thread_id = $3, updated_at = now() WHERE id = $1",
        )
        .bind(id)
        .bind(group)
        .bind(thread)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The last `lines` lines of the citizen's transcript, oldest first, as
    /// (direction, text): the summary a new topic opens with.
    pub async fn recent_transcript(
        &self,
        channel: &str,
        chat: &str,
        lines: i64,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let mut recent: Vec<(String, String)> = sqlx::query_as(
            "SELECT direction, body FROM transcripts WHERE channel = $1 AND chat = $2 \
             ORDER BY at DESC, id DESC LIMIT $3",
        )
        .bind(channel)
        .bind(chat)
        .bind(lines)
        .fetch_all(&self.pool)
        .await?;
        recent.reverse();
        Ok(recent)
    }
}

impl PgStore {
    /// Deletes tickets closed more than `days` ago, with their messages.
    pub async fn purge_tickets(&self, days: u32) -> Result<u64, StoreError> {
        let deleted = sqlx::query(
            "DELETE FROM tickets WHERE status = 'closed' AND closed_at < now() - make_interval(days => $1)",
        )
        .bind(i32::try_from(days).unwrap_or(i32::MAX))
        .execute(&self.pool)
        .await?;
        Ok(deleted.rows_affected())
    }

    /// The citizen's tickets with their messages, oldest first (the right of access).
    pub async fn export_tickets(
        &self,
        key: &ChatKey,
    ) -> Result<Vec<serde_json::Value>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT to_jsonb(t) - 'channel' - 'chat' || jsonb_build_object('messages', \
               coalesce((SELECT jsonb_agg(to_jsonb(m) - 'ticket_id' ORDER BY m.id) \
                           FROM ticket_messages m WHERE m.ticket_id = t.id), '[]'::jsonb)) \
             FROM tickets t WHERE channel = $1 AND chat = $2 ORDER BY id",
        )
        .bind(&key.channel)
        .bind(&key.chat)
        .fetch_all(&self.pool)
        .await?)
    }
}

/// One line of the tickets list (no chat id: a ticket's number is its name).
#[derive(Debug, Clone, FromRow)]
pub struct TicketLine {
    /// The ticket's number.
    pub id: i64,
    /// Its queue.
    pub queue: String,
    /// `open`, `answered` or `closed`.
    pub status: String,
    /// The citizen's channel.
    pub channel: String,
    /// When it opened.
    pub opened_at: DateTime<Utc>,
    /// Its messages.
    pub messages: i64,
    /// When the last one was written.
    pub last_at: Option<DateTime<Utc>>,
}

impl PgStore {
    /// Tickets, newest first: the live ones, or `all` of them.
    pub async fn list_tickets(&self, all: bool, limit: i64) -> Result<Vec<TicketLine>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT t.id, t.queue, t.status, t.channel, t.opened_at, \
                    (SELECT count(*) FROM ticket_messages m WHERE m.ticket_id = t.id) AS messages, \
                    (SELECT max(at) FROM ticket_messages m WHERE m.ticket_id = t.id) AS last_at \
               FROM tickets t WHERE $1 OR t.status <> 'closed' ORDER BY t.id DESC LIMIT $2",
        )
        .bind(all)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Ticket `id` with its messages.
    pub async fn ticket(&self, id: i64) -> Result<Option<Ticket>, StoreError> {
        let key: Option<(String, String)> =
            sqlx::query_as("SELECT channel, chat FROM tickets WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        let Some((channel, chat)) = key else {
            return Ok(None);
        };
        self.ticket_of(&ChatKey::new(channel, chat), Some(id)).await
    }
}

/// A ticket nobody answered yet, and nobody told the citizen about.
#[derive(Debug, Clone, FromRow)]
pub struct Unanswered {
    /// The ticket's number.
    pub id: i64,
    /// Its queue.
    pub queue: String,
    /// The citizen's language.
    pub lang: String,
    /// When the citizen's first message opened it.
    pub opened_at: DateTime<Utc>,
}

impl PgStore {
    /// Tickets still open at `now` with no staff answer, whose citizen was not told.
    pub async fn unanswered_tickets(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Vec<Unanswered>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, queue, lang, opened_at FROM tickets WHERE status = 'open' \
             AND first_reply_at IS NULL AND told_waiting_at IS NULL AND opened_at < $1 \
             ORDER BY id",
        )
        .bind(now)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Tells the citizen of ticket `id` that nobody answered yet (`html`), once; false
    /// when they were told already or the ticket moved on.
    pub async fn tell_waiting(&self, id: i64, html: &str) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let ticket: Option<(String, String, String)> = sqlx::query_as(
            "UPDATE tickets SET told_waiting_at = now(), updated_at = now() \
             WHERE id = $1 AND told_waiting_at IS NULL AND status = 'open' \
             RETURNING channel, chat, lang",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((channel, chat, lang)) = ticket else {
            return Ok(false);
        };
        queue_reply(&mut tx, (&channel, &chat), &lang, html, id).await?;
        tx.commit().await?;
        Ok(true)
    }
}

impl StaffDesk for PgStore {
    async fn ticket_in_topic(&self, group: i64, thread: i64) -> Result<Option<i64>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM tickets WHERE staff_group = $1 AND thread_id = $2 ORDER BY id DESC LIMIT 1",
        )
        .bind(group)
        .bind(thread)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// A staff answer in ticket `id`: recorded, the ticket answered, and `html` (the
    /// signed message) queued for the citizen on their channel.
    async fn answer_ticket(
        &self,
        id: i64,
        text: &str,
        html: &(dyn Fn(&str) -> String + Sync),
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let ticket: Option<(String, String, String, Option<f64>)> = sqlx::query_as(
            "UPDATE tickets t SET status = 'answered', first_reply_at = coalesce(t.first_reply_at, now()), \
             updated_at = now() FROM tickets before WHERE t.id = $1 AND before.id = t.id \
             AND t.status <> 'closed' RETURNING t.channel, t.chat, t.lang, \
             CASE WHEN before.first_reply_at IS NULL THEN extract(epoch FROM now() - t.opened_at)::float8 END",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((channel, chat, lang, first_reply)) = ticket else {
            return Ok(false);
        };
        if let Some(seconds) = first_reply {
            metrics::histogram!("sportello_ticket_first_reply_seconds").record(seconds);
        }
        sqlx::query(
            "INSERT INTO ticket_messages (ticket_id, direction, body) VALUES ($1, 'staff', $2)",
        )
        .bind(id)
        .bind(text)
        .execute(&mut *tx)
        .await?;
        // The staff answer belongs to the conversation as the citizen saw it.
        sqlx::query(
            "INSERT INTO transcripts (channel, chat, direction, state, body, understood) \
             VALUES ($1, $2, 'out', 'handoff', $3, true)",
        )
        .bind(&channel)
        .bind(&chat)
        .bind(html(&lang))
        .execute(&mut *tx)
        .await?;
        queue_reply(&mut tx, (&channel, &chat), &lang, &html(&lang), id).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// A note staff keep in ticket `id`, never sent to the citizen.
    async fn note_ticket(&self, id: i64, text: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO ticket_messages (ticket_id, direction, body) VALUES ($1, 'note', $2)",
        )
        .bind(id)
        .bind(text)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Staff close ticket `id`: the citizen is told `html` and the bot answers them
    /// again (their session leaves the person; a turn racing this one runs again).
    async fn close_ticket(
        &self,
        id: i64,
        html: &(dyn Fn(&str) -> String + Sync),
        reopen_days: u32,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let ticket: Option<(String, String, String, String)> = sqlx::query_as(
            "UPDATE tickets SET status = 'closed', closed_at = now(), updated_at = now() \
             WHERE id = $1 AND status <> 'closed' RETURNING channel, chat, lang, queue",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((channel, chat, lang, queue)) = ticket else {
            return Ok(false);
        };
        // The citizen leaves the person; for `reopen_days` a follow-up the bot cannot
        // answer goes back to them.
        sqlx::query(
            "UPDATE sessions SET context = (context - 'handoff') || jsonb_build_object('reopen', \
               jsonb_build_object('queue', $3::text, 'until', \
                 to_jsonb(now() + make_interval(days => $4)))), \
             version = version + 1, updated_at = now() WHERE channel = $1 AND chat = $2",
        )
        .bind(&channel)
        .bind(&chat)
        .bind(&queue)
        .bind(i32::try_from(reopen_days).unwrap_or(i32::MAX))
        .execute(&mut *tx)
        .await?;
        queue_reply(&mut tx, (&channel, &chat), &lang, &html(&lang), id).await?;
        tx.commit().await?;
        self.sessions.forget(&ChatKey::new(channel, chat));
        Ok(true)
    }
}
