//! In-memory stores: the offline `chat`, `sportello test`, and engine tests.
//! Everything is lost when the process ends.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Utc};

use super::{ChatKey, CitizenEraser, ContentSource, SessionStore, StoreError, SubscriberStore};
use crate::content::{CalendarEvent, ContentFile, Faq, NewsItem, best_faq};
use crate::engine::Session;

/// Sessions and subscriptions in memory; cheap to clone (shared).
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    inner: Arc<Mutex<Citizens>>,
}

#[derive(Debug, Default)]
struct Citizens {
    sessions: HashMap<ChatKey, Session>,
    topics: HashMap<ChatKey, BTreeSet<String>>,
}

impl MemoryStore {
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    fn lock(&self) -> MutexGuard<'_, Citizens> {
        // A panic elsewhere cannot leave these maps half-updated: every change is one
        // insert or remove. So a poisoned lock is still safe to use.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl SessionStore for MemoryStore {
    async fn load(&self, key: &ChatKey) -> Result<Option<Session>, StoreError> {
        Ok(self.lock().sessions.get(key).cloned())
    }

    async fn save(&self, key: &ChatKey, session: &Session) -> Result<(), StoreError> {
        self.lock().sessions.insert(key.clone(), session.clone());
        Ok(())
    }
}

impl SubscriberStore for MemoryStore {
    async fn topics(&self, key: &ChatKey) -> Result<Vec<String>, StoreError> {
        Ok(self
            .lock()
            .topics
            .get(key)
            .map(|t| t.iter().cloned().collect())
            .unwrap_or_default())
    }

    async fn subscribe(&self, key: &ChatKey, topic: &str, _lang: &str) -> Result<(), StoreError> {
        self.lock()
            .topics
            .entry(key.clone())
            .or_default()
            .insert(topic.to_owned());
        Ok(())
    }

    async fn unsubscribe(&self, key: &ChatKey, topic: Option<&str>) -> Result<(), StoreError> {
        let mut citizens = self.lock();
        match topic {
            Some(topic) => {
                if let Some(topics) = citizens.topics.get_mut(key) {
                    topics.remove(topic);
                }
            }
            None => {
                citizens.topics.remove(key);
            }
        }
        Ok(())
    }
}

impl CitizenEraser for MemoryStore {
    async fn erase(&self, key: &ChatKey) -> Result<Vec<(String, u64)>, StoreError> {
        let mut citizens = self.lock();
        let sessions = u64::from(citizens.sessions.remove(key).is_some());
        let topics = citizens.topics.remove(key).map_or(0, |t| t.len() as u64);
        Ok(vec![
            ("sessions".to_owned(), sessions),
            ("subscriptions".to_owned(), topics),
        ])
    }
}

/// Content served from a `ContentFile` in memory.
#[derive(Debug, Clone, Default)]
pub struct MemoryContent {
    content: Arc<ContentFile>,
}

impl MemoryContent {
    pub fn new(content: ContentFile) -> MemoryContent {
        MemoryContent {
            content: Arc::new(content),
        }
    }
}

impl ContentSource for MemoryContent {
    async fn upcoming_events(
        &self,
        category: &str,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<CalendarEvent>, StoreError> {
        let mut events: Vec<CalendarEvent> = self
            .content
            .events
            .iter()
            .filter(|e| e.category == category && e.is_current(now))
            .cloned()
            .collect();
        events.sort_by_key(|e| e.starts_at);
        events.truncate(limit);
        Ok(events)
    }

    async fn latest_news(
        &self,
        topic: Option<&str>,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<NewsItem>, StoreError> {
        let mut news: Vec<NewsItem> = self
            .content
            .news
            .iter()
            .filter(|n| n.is_current(now) && topic.is_none_or(|t| n.topics.iter().any(|x| x == t)))
            .cloned()
            .collect();
        news.sort_by_key(|n| std::cmp::Reverse(n.published_at));
        news.truncate(limit);
        Ok(news)
    }

    async fn search_faq(&self, text: &str, lang: &str) -> Result<Option<Faq>, StoreError> {
        Ok(best_faq(&self.content.faqs, text, lang).cloned())
    }
}
