//! The outbox queries the relay runs: publishing (render a news item, fan it out to
//! subscribers and channels), claiming due rows, renewing leases, recording outcomes,
//! and a news item's progress. Each takes an executor (a pool or a transaction) and
//! does one statement's worth of work; errors are sqlx's, for the relay to report.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgExecutor};

/// A row a worker holds: where it goes and what it says.
#[derive(Debug, Clone, FromRow)]
pub struct Claimed {
    /// The outbox row's id.
    pub id: i64,
    /// The channel it goes out on (`telegram`, `whatsapp`).
    pub channel: String,
    /// The chat id, channel name or wa_id it goes to.
    pub recipient: String,
    /// The recipient's language (the subscriber's; the default for channels).
    pub lang: String,
    /// The ticket a message to or from staff belongs to.
    pub ticket_id: Option<i64>,
    /// The citizen's message to copy to staff as it is (an attachment).
    pub copy_of: Option<i64>,
    /// The message; `None` if the news item was never rendered (it fails).
    pub text: Option<String>,
    /// The news item's title and link, as staff wrote them (not HTML).
    pub title: Option<String>,
    /// The news item's link, if any.
    pub link: Option<String>,
    /// The news item's topics, those the recipient follows first.
    pub topics: Vec<String>,
    /// Attempts made before this claim.
    pub attempts: i32,
    /// Attempts after which a retried row fails.
    pub max_attempts: i32,
    /// The news item expired since publishing (or the row's own `expires_at`
    /// passed, as a consultation's question does when it closes): not sent.
    pub expired: bool,
    /// `news`, `reminder`, `reply`, `ticket`, `consultation` (a question),
    /// `consultation_results`.
    pub kind: String,
    /// The consultation a question or results row belongs to.
    pub consultation_id: Option<i64>,
    /// The consultation's question.
    pub question: Option<String>,
    /// The consultation's options.
    pub options: Option<Vec<String>>,
    /// Whether the consultation is anonymous.
    pub anonymous: Option<bool>,
    /// For results: the message of the poll the recipient got (Telegram's id).
    pub poll_message: Option<String>,
}

/// What became of one claimed row.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Delivered; `migrated_to` when the group moved to a supergroup on the way.
    Sent {
        /// The channel's id of the message (Telegram's number, WhatsApp's `wamid.…`).
        message_id: String,
        /// The supergroup's id, when Telegram moved the group there.
        migrated_to: Option<String>,
    },
    /// Try again after `delay` (counts as an attempt; fails at `max_attempts`).
    Retry {
        /// How long the row waits before it is due again.
        delay: Duration,
        /// Why this attempt failed.
        error: String,
    },
    /// Back to the queue after `delay` without counting an attempt (a 429 that kept
    /// coming, or a worker stopping before it sent the row).
    Release {
        /// How long the row waits before it is due again.
        delay: Duration,
    },
    /// Will never go: recorded as failed with the reason.
    Failed(String),
    /// The recipient blocked the bot or is gone: the row is `blocked` and the
    /// subscriber inactive.
    Blocked(String),
}

impl Outcome {
    fn status(&self) -> &'static str {
        match self {
            Outcome::Sent { .. } => "sent",
            Outcome::Retry { .. } => "retry",
            Outcome::Release { .. } => "queued",
            Outcome::Failed(_) => "failed",
            Outcome::Blocked(_) => "blocked",
        }
    }
}

/// Claims up to `limit` rows of `channel` that are due (or whose lease ran out) for
/// `worker`, leasing them for `lease`. Rows other workers hold are skipped.
pub async fn claim(
    ex: impl PgExecutor<'_>,
    channel: &str,
    worker: &str,
    lease: Duration,
    limit: i64,
) -> Result<Vec<Claimed>, sqlx::Error> {
    sqlx::query_as::<_, Claimed>(include_str!("../queries/claim.sql"))
        .bind(limit)
        .bind(worker)
        .bind(lease.as_secs_f64())
        .bind(channel)
        .fetch_all(ex)
        .await
}

/// Extends `worker`'s lease on the rows `ids` it still holds.
pub async fn renew(
    ex: impl PgExecutor<'_>,
    worker: &str,
    ids: &[i64],
    lease: Duration,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE outbox SET lease_until = now() + make_interval(secs => $3) \
         WHERE id = ANY($2) AND leased_by = $1 AND status = 'sending'",
    )
    .bind(worker)
    .bind(ids)
    .bind(lease.as_secs_f64())
    .execute(ex)
    .await?;
    Ok(done.rows_affected())
}

/// A recorded row as it now stands: (id, status, channel, recipient).
pub type Recorded = (i64, String, String, String);

/// Records the outcomes of rows `worker` holds, in one statement; rows it no longer
/// holds are left alone. Returns the rows changed with their new status.
pub async fn record(
    ex: impl PgExecutor<'_>,
    worker: &str,
    outcomes: &[(i64, Outcome)],
) -> Result<Vec<Recorded>, sqlx::Error> {
    let mut ids = Vec::with_capacity(outcomes.len());
    let mut statuses = Vec::with_capacity(outcomes.len());
    let mut message_ids: Vec<Option<String>> = Vec::with_capacity(outcomes.len());
    let mut errors: Vec<Option<String>> = Vec::with_capacity(outcomes.len());
    let mut delays = Vec::with_capacity(outcomes.len());
    for (id, outcome) in outcomes {
        ids.push(*id);
        statuses.push(outcome.status());
        let (message_id, error, delay) = match outcome {
            Outcome::Sent { message_id, .. } => (
                (!message_id.is_empty()).then(|| message_id.clone()),
                None,
                0.0,
            ),
            Outcome::Retry { delay, error } => (None, Some(error.clone()), delay.as_secs_f64()),
            Outcome::Release { delay } => (None, None, delay.as_secs_f64()),
            Outcome::Failed(error) | Outcome::Blocked(error) => (None, Some(error.clone()), 0.0),
        };
        message_ids.push(message_id);
        errors.push(error);
        delays.push(delay);
    }
    sqlx::query_as::<_, Recorded>(include_str!("../queries/record.sql"))
        .bind(worker)
        .bind(&ids)
        .bind(&statuses)
        .bind(&message_ids)
        .bind(&errors)
        .bind(&delays)
        .fetch_all(ex)
        .await
}

/// Marks the subscriptions of `(channel, chat)` pairs blocked.
pub async fn deactivate(
    ex: impl PgExecutor<'_>,
    channels: &[String],
    chats: &[String],
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE subscribers s SET status = 'blocked', updated_at = now() \
         FROM unnest($1::text[], $2::text[]) AS r(channel, chat) \
         WHERE s.channel = r.channel AND s.chat = r.chat AND s.status = 'active'",
    )
    .bind(channels)
    .bind(chats)
    .execute(ex)
    .await?;
    Ok(done.rows_affected())
}

/// A group became a supergroup: the delivery and the subscription follow it to
/// `to`, unless it already has its own.
pub async fn migrate(ex: &mut sqlx::PgConnection, id: i64, to: &str) -> Result<(), sqlx::Error> {
    let moved: Option<(String, String)> = sqlx::query_as(
        "WITH old AS (SELECT id, news_id, channel, recipient FROM outbox WHERE id = $1) \
         UPDATE outbox o SET recipient = $2 FROM old \
         WHERE o.id = old.id AND NOT EXISTS (SELECT 1 FROM outbox x \
             WHERE x.news_id IS NOT DISTINCT FROM old.news_id AND x.channel = old.channel AND x.recipient = $2) \
         RETURNING old.channel, old.recipient",
    )
    .bind(id)
    .bind(to)
    .fetch_optional(&mut *ex)
    .await?;
    if let Some((channel, from)) = moved {
        sqlx::query(
            "UPDATE subscribers SET chat = $3, updated_at = now() \
             WHERE channel = $1 AND chat = $2 \
             AND NOT EXISTS (SELECT 1 FROM subscribers WHERE channel = $1 AND chat = $3)",
        )
        .bind(channel)
        .bind(from)
        .bind(to)
        .execute(&mut *ex)
        .await?;
    }
    Ok(())
}

/// Stores the rendered messages of news `news_id` (`{"it": …, "*": default}`) and
/// stamps when it was first published.
pub async fn save_rendered(
    ex: impl PgExecutor<'_>,
    news_id: i64,
    rendered: serde_json::Value,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE news SET rendered = $2, relayed_at = coalesce(relayed_at, now()) WHERE id = $1",
    )
    .bind(news_id)
    .bind(rendered)
    .execute(ex)
    .await?;
    Ok(())
}

/// Adds a delivery of news `news_id` on `channel` for each of `recipients` in `lang`,
/// due at `at` (or now); recipients that already have one are skipped. The number added.
pub async fn enqueue_recipients(
    ex: impl PgExecutor<'_>,
    news_id: i64,
    channel: &str,
    recipients: &[String],
    lang: &str,
    at: Option<DateTime<Utc>>,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "INSERT INTO outbox (news_id, channel, recipient, lang, not_before) \
         SELECT $1, $2, r, $4, coalesce($5, now()) FROM unnest($3::text[]) AS r \
         ON CONFLICT ON CONSTRAINT outbox_delivery_key DO NOTHING",
    )
    .bind(news_id)
    .bind(channel)
    .bind(recipients)
    .bind(lang)
    .bind(at)
    .execute(ex)
    .await?
    .rows_affected())
}

/// One chunk of a news item's fan-out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FanOutChunk {
    /// Deliveries added.
    pub inserted: u64,
    /// Subscribers looked at (a full chunk means there may be more).
    pub seen: u64,
    /// The last subscriber's chat, where the next chunk starts after.
    pub last: Option<String>,
}

/// Adds deliveries of news `news_id`, due at `at` (or now), for up to `chunk` active
/// subscribers of `channel` after chat `after` (primary-key order) who follow one of
/// `topics`, in one statement.
pub async fn fan_out_chunk(
    ex: impl PgExecutor<'_>,
    news_id: i64,
    channel: &str,
    topics: &[String],
    after: &str,
    chunk: i64,
    at: Option<DateTime<Utc>>,
) -> Result<FanOutChunk, sqlx::Error> {
    let (inserted, seen, last): (i64, i64, Option<String>) =
        sqlx::query_as(include_str!("../queries/fan_out.sql"))
            .bind(news_id)
            .bind(channel)
            .bind(topics)
            .bind(after)
            .bind(chunk)
            .bind(at)
            .fetch_one(ex)
            .await?;
    Ok(FanOutChunk {
        inserted: inserted.max(0) as u64,
        seen: seen.max(0) as u64,
        last,
    })
}

/// Deliveries of one news item, by status.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewsStatus {
    /// The news item's id.
    pub news_id: i64,
    /// The news item's key.
    pub key: String,
    /// Waiting or being sent.
    pub queued: u64,
    /// Delivered.
    pub sent: u64,
    /// Given up on (refused, or out of attempts).
    pub failed: u64,
    /// The recipient blocked the bot or is gone.
    pub blocked: u64,
    /// Messages delivered per second over the rate window asked for.
    pub rate: f64,
}

impl NewsStatus {
    /// Every delivery of the item, whatever its status.
    pub fn total(&self) -> u64 {
        self.queued + self.sent + self.failed + self.blocked
    }

    /// Finished deliveries (sent, failed or blocked).
    pub fn done(&self) -> u64 {
        self.sent + self.failed + self.blocked
    }

    /// Time to send the rest at the current rate; `None` when nothing moves.
    pub fn eta(&self) -> Option<Duration> {
        if self.queued == 0 {
            return Some(Duration::ZERO);
        }
        (self.rate > 0.0).then(|| Duration::from_secs_f64(self.queued as f64 / self.rate))
    }
}

/// The deliveries of the news item `news` (its key, or its numeric id) by status, and
/// the rate over the last `rate_window_secs` (> 0); `None` when there is no such item.
pub async fn news_status(
    ex: impl PgExecutor<'_>,
    news: &str,
    rate_window_secs: f64,
) -> Result<Option<NewsStatus>, sqlx::Error> {
    let row: Option<(i64, String, i64, i64, i64, i64, i64)> = sqlx::query_as(
        "SELECT n.id, n.key, \
           count(*) FILTER (WHERE o.status IN ('queued', 'sending')), \
           count(*) FILTER (WHERE o.status = 'sent'), \
           count(*) FILTER (WHERE o.status = 'failed'), \
           count(*) FILTER (WHERE o.status = 'blocked'), \
           count(*) FILTER (WHERE o.status = 'sent' \
                              AND o.updated_at > now() - make_interval(secs => $2)) \
         FROM news n LEFT JOIN outbox o ON o.news_id = n.id \
         WHERE n.key = $1 OR n.id::text = $1 \
         GROUP BY n.id, n.key ORDER BY n.key = $1 DESC LIMIT 1",
    )
    .bind(news)
    .bind(rate_window_secs)
    .fetch_optional(ex)
    .await?;
    let count = |n: i64| n.max(0) as u64;
    Ok(row.map(
        |(news_id, key, queued, sent, failed, blocked, recent)| NewsStatus {
            news_id,
            key,
            queued: count(queued),
            sent: count(sent),
            failed: count(failed),
            blocked: count(blocked),
            rate: count(recent) as f64 / rate_window_secs,
        },
    ))
}

/// Stops a publication: its deliveries still queued become `cancelled` (those being
/// sent finish). Returns how many were stopped.
pub async fn cancel_news(ex: impl PgExecutor<'_>, news_id: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE outbox SET status = 'cancelled', last_error = 'cancelled by staff', \
         updated_at = now() WHERE news_id = $1 AND status = 'queued'",
    )
    .bind(news_id)
    .execute(ex)
    .await?;
    Ok(done.rows_affected())
}
