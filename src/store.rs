//! Storage behind traits: sessions, subscribers and content. `mem` keeps everything in
//! memory (the offline `chat`, `test` and engine tests); Postgres comes beside it.
//!
//! Callers own ordering: a store never decides what a turn means.

pub mod mem;

use std::future::Future;

use chrono::{DateTime, Utc};

use crate::content::{CalendarEvent, Faq, NewsItem};
use crate::engine::Session;

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
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store unavailable: {0}")]
    Unavailable(String),
}

/// Where conversations are kept between turns.
pub trait SessionStore: Send + Sync {
    fn load(
        &self,
        key: &ChatKey,
    ) -> impl Future<Output = Result<Option<Session>, StoreError>> + Send;
    fn save(
        &self,
        key: &ChatKey,
        session: &Session,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// Who follows which news topics.
pub trait SubscriberStore: Send + Sync {
    fn topics(&self, key: &ChatKey)
    -> impl Future<Output = Result<Vec<String>, StoreError>> + Send;
    fn subscribe(
        &self,
        key: &ChatKey,
        topic: &str,
        lang: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// `None` removes every topic.
    fn unsubscribe(
        &self,
        key: &ChatKey,
        topic: Option<&str>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// Deletes everything stored about a citizen (the right to erasure).
pub trait CitizenEraser: Send + Sync {
    /// Returns what was deleted, as (kind, count) pairs.
    fn erase(
        &self,
        key: &ChatKey,
    ) -> impl Future<Output = Result<Vec<(String, u64)>, StoreError>> + Send;
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
