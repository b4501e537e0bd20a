//! Reminders in PostgreSQL. For a citizen's turn: set one (replacing theirs of the
//! same event), cancel one, list theirs, erase and export them. For the scheduler:
//! claim the reminders that are due or whose event moved or went (`FOR UPDATE SKIP
//! LOCKED`, so replicas share the work), and write back what became of them with the
//! messages they send, in the same transaction.

use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgConnection, PgExecutor};

use crate::content::CalendarEvent;
use crate::reminder::{RemindRule, Reminder};
use crate::store::ChatKey;

/// Reminders one scheduler pass takes at most.
pub const PASS_LIMIT: i64 = 500;

/// Sets the citizen's reminder of `event` (key, title, start), replacing any they had.
pub(super) async fn set(
    tx: &mut PgConnection,
    key: &ChatKey,
    lang: &str,
    (event_key, title, starts_at): (&str, &str, DateTime<Utc>),
    rule: RemindRule,
    remind_at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO reminders (channel, chat, event_key, lang, before_minutes, at_local, \
                                event_starts_at, event_title, remind_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT ON CONSTRAINT reminders_per_event DO UPDATE SET \
           lang = EXCLUDED.lang, before_minutes = EXCLUDED.before_minutes, \
           at_local = EXCLUDED.at_local, event_starts_at = EXCLUDED.event_starts_at, \
           event_title = EXCLUDED.event_title, remind_at = EXCLUDED.remind_at, \
           status = 'scheduled', changed = false, updated_at = now()",
    )
    .bind(&key.channel)
    .bind(&key.chat)
    .bind(event_key)
    .bind(lang)
    .bind(i32::try_from(rule.before_minutes).unwrap_or(i32::MAX))
    .bind(rule.at_text())
    .bind(starts_at)
    .bind(title)
    .bind(remind_at)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Cancels the citizen's reminder `id` if it is still to come.
pub(super) async fn forget(
    tx: &mut PgConnection,
    key: &ChatKey,
    id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE reminders SET status = 'cancelled', updated_at = now() \
         WHERE id = $3 AND channel = $1 AND chat = $2 AND status = 'scheduled'",
    )
    .bind(&key.channel)
    .bind(&key.chat)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// id, event key, title, start, remind_at.
type ReminderRow = (i64, String, String, DateTime<Utc>, DateTime<Utc>);

/// A message a settled reminder queues: reminder id, recipient, language, text, expiry.
type Queued<'a> = (i64, &'a ChatKey, &'a str, &'a str, Option<DateTime<Utc>>);

/// The citizen's reminders still to come, soonest first, with the event as it stands.
pub(super) async fn upcoming(
    ex: impl PgExecutor<'_>,
    key: &ChatKey,
) -> Result<Vec<Reminder>, sqlx::Error> {
    let rows: Vec<ReminderRow> = sqlx::query_as(
        "SELECT r.id, r.event_key, coalesce(e.title, r.event_title), \
                coalesce(e.starts_at, r.event_starts_at), r.remind_at \
           FROM reminders r LEFT JOIN events e ON e.key = r.event_key \
          WHERE r.channel = $1 AND r.chat = $2 AND r.status = 'scheduled' \
          ORDER BY r.remind_at, r.id LIMIT 50",
    )
    .bind(&key.channel)
    .bind(&key.chat)
    .fetch_all(ex)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, event_key, title, starts_at, remind_at)| Reminder {
            id,
            event_key,
            title,
            starts_at,
            remind_at,
        })
        .collect())
}

/// Deletes the citizen's reminders (their queued messages go with them).
pub(super) async fn erase(tx: &mut PgConnection, key: &ChatKey) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query("DELETE FROM reminders WHERE channel = $1 AND chat = $2")
            .bind(&key.channel)
            .bind(&key.chat)
            .execute(&mut *tx)
            .await?
            .rows_affected(),
    )
}

/// The citizen's reminders, whatever became of them (the right of access).
pub(super) async fn export(
    ex: impl PgExecutor<'_>,
    key: &ChatKey,
) -> Result<Vec<serde_json::Value>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT to_jsonb(r) - 'channel' - 'chat' FROM reminders r \
         WHERE channel = $1 AND chat = $2 ORDER BY created_at, id",
    )
    .bind(&key.channel)
    .bind(&key.chat)
    .fetch_all(ex)
    .await
}

/// A reminder the scheduler holds: due, or its event moved or went.
#[derive(Debug, Clone)]
pub struct HeldReminder {
    /// Its id.
    pub id: i64,
    /// Where it goes: the citizen's channel and chat.
    pub key: ChatKey,
    /// The citizen's language.
    pub lang: String,
    /// Its rule (for a moved event).
    pub rule: RemindRule,
    /// When it is due as last worked out.
    pub remind_at: DateTime<Utc>,
    /// The event's start when `remind_at` was worked out.
    pub event_starts_at: DateTime<Utc>,
    /// The event's title as the citizen saw it.
    pub event_title: String,
    /// The event moved or went since.
    pub changed: bool,
    /// The event as it stands; `None` when it left the calendar.
    pub event: Option<CalendarEvent>,
}

#[derive(FromRow)]
struct HeldRow {
    id: i64,
    channel: String,
    chat: String,
    lang: String,
    before_minutes: i32,
    at_local: Option<String>,
    remind_at: DateTime<Utc>,
    event_starts_at: DateTime<Utc>,
    event_title: String,
    changed: bool,
    key: Option<String>,
    category: Option<String>,
    title: Option<String>,
    starts_at: Option<DateTime<Utc>>,
    ends_at: Option<DateTime<Utc>>,
    place: Option<String>,
    details: Option<String>,
    link: Option<String>,
    valid_until: Option<DateTime<Utc>>,
}

impl From<HeldRow> for HeldReminder {
    fn from(r: HeldRow) -> Self {
        let event = match (r.key, r.category, r.title, r.starts_at) {
            (Some(key), Some(category), Some(title), Some(starts_at)) => Some(CalendarEvent {
                key,
                category,
                title,
                starts_at,
                ends_at: r.ends_at,
                place: r.place,
                details: r.details,
                link: r.link,
                valid_until: r.valid_until,
            }),
            _ => None,
        };
        HeldReminder {
            id: r.id,
            key: ChatKey::new(r.channel, r.chat),
            lang: r.lang,
            rule: RemindRule::from_stored(r.before_minutes, r.at_local.as_deref()),
            remind_at: r.remind_at,
            event_starts_at: r.event_starts_at,
            event_title: r.event_title,
            changed: r.changed,
            event,
        }
    }
}

/// Takes up to `limit` reminders that are due at `now` or whose event changed, locking
/// them for the caller's transaction (rows another scheduler holds are skipped).
pub async fn hold(
    tx: &mut PgConnection,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<HeldReminder>, sqlx::Error> {
    let rows: Vec<HeldRow> = sqlx::query_as(
        "SELECT r.id, r.channel, r.chat, r.lang, r.before_minutes, r.at_local, r.remind_at, \
                r.event_starts_at, r.event_title, r.changed, \
                e.key, e.category, e.title, e.starts_at, e.ends_at, e.place, e.details, \
                e.link, e.valid_until \
           FROM reminders r LEFT JOIN events e ON e.key = r.event_key \
          WHERE r.id IN (SELECT id FROM reminders WHERE status = 'scheduled' AND changed \
                         UNION ALL \
                         SELECT id FROM reminders WHERE status = 'scheduled' AND remind_at <= $2) \
          ORDER BY r.remind_at, r.id \
          LIMIT $1 \
          FOR UPDATE OF r SKIP LOCKED",
    )
    .bind(limit)
    .bind(now)
    .fetch_all(&mut *tx)
    .await?;
    Ok(rows.into_iter().map(HeldReminder::from).collect())
}

/// What becomes of a held reminder.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Sent now (`text`), not after `expires_at` (the event's start).
    Send {
        /// The rendered reminder.
        text: String,
        /// When it stops being useful.
        expires_at: DateTime<Utc>,
    },
    /// The event moved: due at `remind_at` now; `notice` tells the citizen once.
    Moved {
        /// When it is due now.
        remind_at: DateTime<Utc>,
        /// The event's new start.
        starts_at: DateTime<Utc>,
        /// The event's title now.
        title: String,
        /// What the citizen is told, if anything.
        notice: Option<String>,
    },
    /// Cancelled because the event went; `notice` tells the citizen once.
    Cancelled {
        /// What the citizen is told, if anything.
        notice: Option<String>,
    },
    /// Due while the bot was down and no longer useful: not sent.
    Dropped,
}

/// Writes back what became of held reminders and queues their messages (kind
/// `reminder`, in the citizen's language), in the caller's transaction.
pub async fn settle(
    tx: &mut PgConnection,
    decisions: &[(&HeldReminder, Decision)],
) -> Result<(), sqlx::Error> {
    let mut ids = Vec::new();
    let mut statuses: Vec<&str> = Vec::new();
    let mut remind_ats = Vec::new();
    let mut starts: Vec<Option<DateTime<Utc>>> = Vec::new();
    let mut titles: Vec<Option<&str>> = Vec::new();
    let mut messages: Vec<Queued<'_>> = Vec::new();
    for (held, decision) in decisions {
        ids.push(held.id);
        let (status, remind_at, start, title) = match decision {
            Decision::Send { text, expires_at } => {
                messages.push((held.id, &held.key, &held.lang, text, Some(*expires_at)));
                ("sent", held.remind_at, None, None)
            }
            Decision::Moved {
                remind_at,
                starts_at,
                title,
                notice,
            } => {
                if let Some(text) = notice {
                    messages.push((held.id, &held.key, &held.lang, text, Some(*starts_at)));
                }
                (
                    "scheduled",
                    *remind_at,
                    Some(*starts_at),
                    Some(title.as_str()),
                )
            }
            Decision::Cancelled { notice } => {
                if let Some(text) = notice {
                    messages.push((held.id, &held.key, &held.lang, text, None));
                }
                ("cancelled", held.remind_at, None, None)
            }
            Decision::Dropped => ("dropped", held.remind_at, None, None),
        };
        statuses.push(status);
        remind_ats.push(remind_at);
        starts.push(start);
        titles.push(title);
    }
    sqlx::query(
        "UPDATE reminders r SET status = d.status, remind_at = d.remind_at, \
                event_starts_at = coalesce(d.starts_at, r.event_starts_at), \
                event_title = coalesce(d.title, r.event_title), \
                changed = false, updated_at = now() \
           FROM unnest($1::bigint[], $2::text[], $3::timestamptz[], $4::timestamptz[], $5::text[]) \
                AS d(id, status, remind_at, starts_at, title) \
          WHERE r.id = d.id",
    )
    .bind(&ids)
    .bind(&statuses)
    .bind(&remind_ats)
    .bind(&starts)
    .bind(&titles)
    .execute(&mut *tx)
    .await?;
    if messages.is_empty() {
        return Ok(());
    }
    let reminder_ids: Vec<i64> = messages.iter().map(|m| m.0).collect();
    let channels: Vec<&str> = messages.iter().map(|m| m.1.channel.as_str()).collect();
    let chats: Vec<&str> = messages.iter().map(|m| m.1.chat.as_str()).collect();
    let langs: Vec<&str> = messages.iter().map(|m| m.2).collect();
    let texts: Vec<&str> = messages.iter().map(|m| m.3).collect();
    let expiries: Vec<Option<DateTime<Utc>>> = messages.iter().map(|m| m.4).collect();
    sqlx::query(
        "INSERT INTO outbox (kind, reminder_id, channel, recipient, lang, payload, expires_at) \
         SELECT 'reminder', * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], \
                                          $5::text[], $6::timestamptz[])",
    )
    .bind(&reminder_ids)
    .bind(&channels)
    .bind(&chats)
    .bind(&langs)
    .bind(&texts)
    .bind(&expiries)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Deletes reminders that were sent, cancelled or dropped more than `days` ago.
pub(super) async fn purge(ex: impl PgExecutor<'_>, days: u32) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "DELETE FROM reminders WHERE status <> 'scheduled' \
         AND updated_at < now() - make_interval(days => $1)",
    )
    .bind(i32::try_from(days).unwrap_or(i32::MAX))
    .execute(ex)
    .await?
    .rows_affected())
}
