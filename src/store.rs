//! Storage behind traits: the citizen aggregate (session, subscriptions, transcript)
//! and the content citizens ask about. `mem` keeps everything in memory (the offline
//! `chat`, `test` and engine tests); `pg` is the PostgreSQL store.
//!
//! Callers own ordering: a store never decides what a turn means.

pub mod mem;
pub mod pg;

use std::future::Future;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::content::{CalendarEvent, Faq, NewsItem};
pub use crate::engine::ErasureReceipt;
use crate::engine::{Effect, Session};

/// Who a conversation is with: the channel and the chat's id on it, as text
/// (Telegram ids need 52 bits; WhatsApp uses phone-based ids).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChatKey {
    pub channel: String,
    pub chat: String,
}

impl ChatKey {
    pub fn new(channel: impl Into<String>, chat: impl Into<String>) -> ChatKey {
        ChatKey {
            channel: channel.into(),
            chat: chat.into(),
        }
    }
}

/// A store that could not do what was asked. The message is for operators' logs,
/// never for citizens.
// The inner errors are shown in the message rather than chained as sources, so a
// report prints each cause once.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Database(sqlx::Error),
    #[error("database schema: {0}")]
    Migrate(sqlx::migrate::MigrateError),
    /// One failure met by several callers at once (a batch of turns).
    #[error("{0}")]
    Shared(std::sync::Arc<StoreError>),
    #[error("the store is shutting down")]
    Stopped,
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        StoreError::Database(err)
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(err: sqlx::migrate::MigrateError) -> Self {
        StoreError::Migrate(err)
    }
}

/// A session as stored, with the version it was saved at.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredSession {
    pub session: Session,
    pub version: i64,
}

/// Everything one turn changes, saved at once.
#[derive(Debug)]
pub struct TurnRecord<'a> {
    /// The version loaded; `None` for a conversation that had no session.
    pub expected_version: Option<i64>,
    pub session: &'a Session,
    /// Which dialogues wrote the session.
    pub dialogue_version: &'a str,
    pub effects: &'a [Effect],
    pub transcript: &'a [TranscriptLine],
}

/// One line of the transcript.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TranscriptLine {
    /// `in` (from the citizen) or `out`.
    pub direction: &'static str,
    pub state: String,
    pub body: String,
    /// False for a citizen text the bot did not understand: staff review these.
    pub understood: bool,
}

/// How a turn's commit went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Committed {
    Saved,
    /// Another turn of the same chat saved first: run the turn again on its session.
    Conflict,
}

/// The citizen aggregate: session, subscriptions, transcript.
pub trait CitizenStore: Send + Sync {
    fn load(
        &self,
        key: &ChatKey,
    ) -> impl Future<Output = Result<Option<StoredSession>, StoreError>> + Send;

    /// The topics the citizen follows (none while blocked).
    fn topics(&self, key: &ChatKey)
    -> impl Future<Output = Result<Vec<String>, StoreError>> + Send;

    /// Saves the session, applies the effects and appends the transcript, all or
    /// nothing; `Conflict` if the session changed since it was loaded. A turn with
    /// `Effect::Erase` saves nothing and leaves nothing of the citizen.
    fn commit(
        &self,
        key: &ChatKey,
        record: TurnRecord<'_>,
    ) -> impl Future<Output = Result<Committed, StoreError>> + Send;

    /// Marks the citizen's subscriptions blocked (they blocked the bot or left) or
    /// active again. A citizen without subscriptions is left alone.
    fn set_blocked(
        &self,
        key: &ChatKey,
        blocked: bool,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Deletes everything stored about the citizen, in one transaction.
    fn erase(
        &self,
        key: &ChatKey,
    ) -> impl Future<Output = Result<ErasureReceipt, StoreError>> + Send;
}

/// What citizens ask about: calendar, news, FAQ.
pub trait ContentSource: Send + Sync {
    /// Events of `category` still current at `now`, soonest first.
    fn upcoming_events(
        &self,
        category: &str,
        now: DateTime<Utc>,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<CalendarEvent>, StoreError>> + Send;

    /// News current at `now` (of `topic`, or all), newest first.
    fn latest_news(
        &self,
        topic: Option<&str>,
        now: DateTime<Utc>,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<NewsItem>, StoreError>> + Send;

    /// The best FAQ for `text`, or `None` when nothing matches well enough.
    fn search_faq(
        &self,
        text: &str,
        lang: &str,
    ) -> impl Future<Output = Result<Option<Faq>, StoreError>> + Send;
}
