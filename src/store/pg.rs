//! The PostgreSQL store (sqlx, runtime-checked queries, embedded migrations).
//!
//! `citizens` holds sessions, subscribers and transcripts; `content` the calendar,
//! news and FAQ with Italian full-text search; `consultations` consultations, their
//! Telegram polls and answers; `whatsapp` the WhatsApp channel's
//! records; `telegram` the update watermark; `outbox` the relay's queries; `stats`
//! counts for staff and operators; `opendata` the aggregates the open data publishes;
//! `retention` the one task deleting expired records.
//! Longer SQL lives in `queries/*.sql`.

mod citizens;
pub mod consultations;
mod content;
mod content_cache;
mod opendata;
pub mod outbox;
pub mod reminders;
mod retention;
mod secrets;
mod session_cache;
mod stats;
mod telegram;
mod tickets;
mod turn_batch;
mod whatsapp;

use std::str::FromStr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection, PgPool};

use super::StoreError;
use content_cache::ContentCache;
use session_cache::SessionCache;
use turn_batch::TurnBatcher;

pub use citizens::CitizenExport;
pub use consultations::{ConsultationReport, StoredConsultation};
pub use content::{ImportSummary, NewNews, find_news};
pub use content_cache::CONTENT_TTL;
pub use opendata::{
    ConsultationFigures, ConversationFigures, DeliveryFigures, OpenDataFigures, SubscriberFigures,
};
pub use retention::Purged;
pub use stats::SubscriberGroup;
pub use tickets::{STAFF_CHANNEL, TicketLine, TicketRoute, Unanswered};

/// The migrations in `migrations/`, compiled into the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!();

/// How long to wait for the database before giving up.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// A pooled connection idle this long is pinged before use.
const PING_WHEN_IDLE_FOR: Duration = Duration::from_secs(10);
/// Connections kept open; a turn holds one for a few milliseconds.
const DEFAULT_MAX_CONNECTIONS: u32 = 16;
/// How long an unused pooled connection stays open.
const IDLE_CONNECTION: Duration = Duration::from_secs(30);

/// Sessions, subscribers, transcripts and content in PostgreSQL. Cheap to clone.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    /// Sessions this process saved last, so a turn usually skips the load query.
    /// A stale entry (another process moved the chat on) makes the commit's version
    /// check fail, which drops it and the turn runs again from the database.
    sessions: Arc<SessionCache>,
    /// Recent answers to content questions (calendar, news, FAQ).
    content: Arc<ContentCache>,
    /// Saves turns without effects in batches; started by the first such turn.
    turns: Arc<OnceLock<TurnBatcher>>,
}

impl PgStore {
    /// Connects to `url` and applies pending migrations.
    pub async fn connect(url: &str) -> Result<PgStore, StoreError> {
        let options = PgConnectOptions::from_str(url)?;
        // One direct attempt first: a refused or misnamed server fails at once with
        // its own reason, instead of after the pool's acquire timeout.
        let first = tokio::time::timeout(CONNECT_TIMEOUT, PgConnection::connect_with(&options))
            .await
            .map_err(|_| sqlx::Error::PoolTimedOut)??;
        first.close().await?;
        let pool = PgPoolOptions::new()
            .max_connections(DEFAULT_MAX_CONNECTIONS)
            .acquire_timeout(CONNECT_TIMEOUT)
            // Connections opened for a burst close once it has passed, with their
            // buffers; the next burst opens them again in milliseconds.
            .idle_timeout(IDLE_CONNECTION)
            // A ping before every query would double the round trips of a turn; only a
            // connection idle long enough to have been dropped is checked first.
            .test_before_acquire(false)
            .before_acquire(|connection, meta| {
                Box::pin(async move {
                    if meta.idle_for > PING_WHEN_IDLE_FOR {
                        connection.ping().await?;
                    }
                    Ok(true)
                })
            })
            .connect_with(options)
            .await?;
        let store = PgStore::from_pool(pool);
        store.migrate().await?;
        Ok(store)
    }

    /// Wraps an existing pool (tests); does not migrate.
    pub fn from_pool(pool: PgPool) -> PgStore {
        PgStore {
            pool,
            sessions: Arc::default(),
            content: Arc::default(),
            turns: Arc::default(),
        }
    }

    /// Applies pending migrations; safe to run from several processes at once.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        MIGRATOR.run(&self.pool).await?;
        Ok(())
    }

    /// The connection pool, for queries that take an executor (the relay's outbox,
    /// benchmarks, tests).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    fn turn_batcher(&self) -> &TurnBatcher {
        self.turns.get_or_init(|| TurnBatcher::start(&self.pool))
    }
}

/// What a session remembers besides its state and slots, stored as one JSON column
/// (`sessions.context`) so the batched save stays one array per column.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct SessionContext<'a> {
    #[serde(default)]
    misses: u8,
    #[serde(default)]
    offered: std::borrow::Cow<'a, [String]>,
    /// The queue of the person the citizen talks to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    handoff: Option<std::borrow::Cow<'a, str>>,
    /// A ticket staff closed, which a follow-up may reopen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reopen: Option<std::borrow::Cow<'a, crate::engine::Reopen>>,
    /// The channel update last answered, and its replies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    answered: Option<std::borrow::Cow<'a, crate::engine::Answered>>,
}

impl<'a> SessionContext<'a> {
    fn of(session: &'a crate::engine::Session) -> SessionContext<'a> {
        SessionContext {
            misses: session.misses,
            offered: std::borrow::Cow::Borrowed(&session.offered),
            handoff: session.handoff.as_deref().map(std::borrow::Cow::Borrowed),
            reopen: session.reopen.as_ref().map(std::borrow::Cow::Borrowed),
            answered: session.answered.as_ref().map(std::borrow::Cow::Borrowed),
        }
    }
}
