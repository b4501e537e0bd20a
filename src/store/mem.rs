//! In-memory stores: the offline `chat`, `sportello test`, and engine tests.
//! Everything is lost when the process ends.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Utc};

use super::{
    ChatKey, CitizenStore, Committed, Contact, ContentSource, Delivery, ErasureReceipt, MenuEntry,
    StoreError, StoredSession, TranscriptLine, TurnRecord, UpdateLog, WhatsAppRecords,
    known_status, status_moves,
};
use crate::content::{CalendarEvent, ContentFile, Faq, NewsItem, best_faq, category_matches};
use crate::engine::Effect;

/// Sessions, subscriptions, transcripts, WhatsApp records and the Telegram update
/// watermark in memory; cheap to clone (shared).
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    inner: Arc<Mutex<Citizens>>,
}

#[derive(Debug, Default)]
struct Citizens {
    sessions: HashMap<ChatKey, StoredSession>,
    topics: HashMap<ChatKey, BTreeSet<String>>,
    blocked: BTreeSet<ChatKey>,
    transcripts: HashMap<ChatKey, Vec<TranscriptLine>>,
    whatsapp: WhatsApp,
    /// The highest Telegram update id taken, per bot.
    updates: HashMap<i64, i64>,
}

/// The WhatsApp channel's records.
#[derive(Debug, Default)]
struct WhatsApp {
    /// Message ids taken, with when.
    seen: HashMap<String, DateTime<Utc>>,
    contacts: HashMap<String, MemContact>,
    /// Deliveries with the citizen's id and when they were recorded.
    deliveries: HashMap<String, (Delivery, String, DateTime<Utc>)>,
}

#[derive(Debug)]
struct MemContact {
    last_inbound_at: DateTime<Utc>,
    menu: Vec<MenuEntry>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    fn lock(&self) -> MutexGuard<'_, Citizens> {
        // Every change below is complete before the lock is released, so a poisoned
        // lock still guards consistent maps.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The transcript kept for `key`.
    pub fn transcript(&self, key: &ChatKey) -> Vec<TranscriptLine> {
        self.lock()
            .transcripts
            .get(key)
            .cloned()
            .unwrap_or_default()
    }
}

impl Citizens {
    fn erase(&mut self, key: &ChatKey) -> ErasureReceipt {
        self.blocked.remove(key);
        let mut receipt = ErasureReceipt {
            at: Utc::now(),
            sessions: u64::from(self.sessions.remove(key).is_some()),
            subscriptions: u64::from(self.topics.remove(key).is_some_and(|t| !t.is_empty())),
            transcripts: self.transcripts.remove(key).map_or(0, |t| t.len() as u64),
            deliveries: 0,
        };
        if key.channel == "whatsapp" {
            // As in PostgreSQL: the contact counts with the session.
            receipt.sessions += u64::from(self.whatsapp.contacts.remove(&key.chat).is_some());
            let before = self.whatsapp.deliveries.len();
            self.whatsapp
                .deliveries
                .retain(|_, (_, wa_id, _)| *wa_id != key.chat);
            receipt.deliveries = (before - self.whatsapp.deliveries.len()) as u64;
        }
        receipt
    }
}

impl CitizenStore for MemoryStore {
    async fn load(&self, key: &ChatKey) -> Result<Option<StoredSession>, StoreError> {
        Ok(self.lock().sessions.get(key).cloned())
    }

    async fn topics(&self, key: &ChatKey) -> Result<Vec<String>, StoreError> {
        Ok(self
            .lock()
            .topics
            .get(key)
            .map(|t| t.iter().cloned().collect())
            .unwrap_or_default())
    }

    async fn commit(&self, key: &ChatKey, record: TurnRecord<'_>) -> Result<Committed, StoreError> {
        let mut citizens = self.lock();
        // An erasing turn already deleted the citizen (that changed the version); make
        // sure nothing of it is left, and save nothing.
        if record.effects.contains(&Effect::Erase) {
            citizens.erase(key);
            return Ok(Committed::Saved);
        }
        let current = citizens.sessions.get(key).map(|s| s.version);
        if current != record.expected_version {
            return Ok(Committed::Conflict);
        }
        for effect in record.effects {
            match effect {
                Effect::Subscribe { topic } => {
                    citizens
                        .topics
                        .entry(key.clone())
                        .or_default()
                        .insert(topic.clone());
                }
                Effect::Unsubscribe { topic: Some(topic) } => {
                    if let Some(topics) = citizens.topics.get_mut(key) {
                        topics.remove(topic);
                    }
                }
                Effect::Unsubscribe { topic: None } => {
                    citizens.topics.remove(key);
                }
                Effect::Erase => {}
            }
        }
        let version = current.unwrap_or(0) + 1;
        let stored = StoredSession {
            session: record.session.clone(),
            version,
        };
        citizens.sessions.insert(key.clone(), stored);
        citizens
            .transcripts
            .entry(key.clone())
            .or_default()
            .extend(record.transcript.iter().cloned());
        Ok(Committed::Saved)
    }

    async fn set_blocked(&self, key: &ChatKey, blocked: bool) -> Result<(), StoreError> {
        let mut citizens = self.lock();
        if !citizens.topics.contains_key(key) {
            return Ok(());
        }
        if blocked {
            citizens.blocked.insert(key.clone());
        } else {
            citizens.blocked.remove(key);
        }
        Ok(())
    }

    async fn erase(&self, key: &ChatKey) -> Result<ErasureReceipt, StoreError> {
        Ok(self.lock().erase(key))
    }
}

impl MemoryStore {
    /// Whether the citizen's subscriptions are blocked.
    pub fn is_blocked(&self, key: &ChatKey) -> bool {
        self.lock().blocked.contains(key)
    }
}

impl WhatsAppRecords for MemoryStore {
    async fn first_time(&self, wamid: &str) -> Result<bool, StoreError> {
        let seen = &mut self.lock().whatsapp.seen;
        if seen.contains_key(wamid) {
            return Ok(false);
        }
        seen.insert(wamid.to_owned(), Utc::now());
        Ok(true)
    }

    async fn touch_contact(
        &self,
        wa_id: &str,
        at: DateTime<Utc>,
    ) -> Result<Vec<MenuEntry>, StoreError> {
        let mut citizens = self.lock();
        let contact = citizens
            .whatsapp
            .contacts
            .entry(wa_id.to_owned())
            .or_insert(MemContact {
                last_inbound_at: at,
                menu: Vec::new(),
            });
        contact.last_inbound_at = contact.last_inbound_at.max(at);
        Ok(contact.menu.clone())
    }

    async fn save_menu(&self, wa_id: &str, menu: &[MenuEntry]) -> Result<(), StoreError> {
        if let Some(contact) = self.lock().whatsapp.contacts.get_mut(wa_id) {
            contact.menu = menu.to_vec();
        }
        Ok(())
    }

    async fn contact(&self, wa_id: &str) -> Result<Option<Contact>, StoreError> {
        Ok(self.lock().whatsapp.contacts.get(wa_id).map(|c| Contact {
            wa_id: wa_id.to_owned(),
            last_inbound_at: c.last_inbound_at,
        }))
    }

    async fn record_sent(&self, wamid: &str, wa_id: &str, kind: &str) -> Result<(), StoreError> {
        if wamid.is_empty() {
            return Ok(());
        }
        let delivery = Delivery {
            wamid: wamid.to_owned(),
            kind: kind.to_owned(),
            status: "accepted".to_owned(),
            error_code: None,
            error_title: None,
        };
        self.lock()
            .whatsapp
            .deliveries
            .entry(wamid.to_owned())
            .or_insert((delivery, wa_id.to_owned(), Utc::now()));
        Ok(())
    }

    async fn record_status(
        &self,
        wamid: &str,
        wa_id: &str,
        status: &str,
        error: Option<&(i64, String)>,
    ) -> Result<(), StoreError> {
        if !known_status(status) {
            return Ok(());
        }
        let mut citizens = self.lock();
        let (delivery, _, _) = citizens
            .whatsapp
            .deliveries
            .entry(wamid.to_owned())
            .or_insert_with(|| {
                let delivery = Delivery {
                    wamid: wamid.to_owned(),
                    kind: "text".to_owned(),
                    status: "accepted".to_owned(),
                    error_code: None,
                    error_title: None,
                };
                (delivery, wa_id.to_owned(), Utc::now())
            });
        if status_moves(&delivery.status, status) {
            delivery.status = status.to_owned();
            delivery.error_code = error.map(|(code, _)| i32::try_from(*code).unwrap_or(i32::MAX));
            delivery.error_title = error.map(|(_, title)| title.clone());
        }
        Ok(())
    }

    async fn delivery(&self, wamid: &str) -> Result<Option<Delivery>, StoreError> {
        Ok(self
            .lock()
            .whatsapp
            .deliveries
            .get(wamid)
            .map(|(d, _, _)| d.clone()))
    }

    async fn purge(&self, days: u32) -> Result<u64, StoreError> {
        let cutoff = Utc::now() - chrono::Duration::days(i64::from(days));
        let records = &mut self.lock().whatsapp;
        let before = records.seen.len() + records.deliveries.len() + records.contacts.len();
        records.seen.retain(|_, at| *at >= cutoff);
        records.deliveries.retain(|_, (_, _, at)| *at >= cutoff);
        records.contacts.retain(|_, c| c.last_inbound_at >= cutoff);
        let after = records.seen.len() + records.deliveries.len() + records.contacts.len();
        Ok((before - after) as u64)
    }
}

impl UpdateLog for MemoryStore {
    async fn last_update_id(&self, bot_id: i64) -> Result<Option<i64>, StoreError> {
        Ok(self.lock().updates.get(&bot_id).copied())
    }

    async fn record_update_id(&self, bot_id: i64, update_id: i64) -> Result<(), StoreError> {
        let mut citizens = self.lock();
        let last = citizens.updates.entry(bot_id).or_insert(update_id);
        *last = (*last).max(update_id);
        Ok(())
    }
}

/// Content served from a `ContentFile` in memory.
#[derive(Debug, Clone, Default)]
pub struct MemoryContent {
    content: Arc<ContentFile>,
}

impl MemoryContent {
    /// Serves the events, news and FAQ of `content`.
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
            .filter(|e| category_matches(category, &e.category) && e.is_current(now))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn ok<T>(result: Result<T, StoreError>) -> T {
        result.unwrap_or_else(|e| panic!("{e}"))
    }

    fn some<T>(option: Option<T>) -> T {
        option.unwrap_or_else(|| panic!("nothing stored"))
    }

    #[tokio::test]
    async fn whatsapp_records_keep_the_first_id_the_latest_window_and_forward_statuses() {
        let store = MemoryStore::new();
        assert!(ok(store.first_time("wamid.1").await));
        assert!(!ok(store.first_time("wamid.1").await));

        let menu = vec![MenuEntry {
            title: "Date".into(),
            label: "📅 Date".into(),
            payload: "maturita.menu#0".into(),
        }];
        ok(store.save_menu("39", &menu).await);
        assert!(ok(store.contact("39").await).is_none(), "never wrote");
        let late = Utc::now() - chrono::Duration::days(40);
        assert!(ok(store.touch_contact("39", late).await).is_empty());
        ok(store.save_menu("39", &menu).await);
        let early = late - chrono::Duration::hours(1);
        assert_eq!(ok(store.touch_contact("39", early).await), menu);
        let contact = some(ok(store.contact("39").await));
        assert_eq!(contact.last_inbound_at, late, "the window never moves back");

        ok(store.record_sent("wamid.2", "39", "text").await);
        ok(store.record_sent("", "39", "text").await);
        for status in ["delivered", "read", "sent", "bogus"] {
            ok(store.record_status("wamid.2", "39", status, None).await);
        }
        let delivery = some(ok(store.delivery("wamid.2").await));
        assert_eq!(
            (delivery.kind.as_str(), delivery.status.as_str()),
            ("text", "read")
        );
        let error = (131047, "Re-engagement message".to_owned());
        ok(store
            .record_status("wamid.3", "39", "failed", Some(&error))
            .await);
        ok(store.record_status("wamid.3", "39", "read", None).await);
        let failed = some(ok(store.delivery("wamid.3").await));
        assert_eq!(
            (failed.status.as_str(), failed.error_code),
            ("failed", Some(131047)),
            "failed is final"
        );

        // The contact is older than 30 days; the ids and deliveries are new.
        assert_eq!(ok(store.purge(30).await), 1);
        assert!(ok(store.contact("39").await).is_none());
        assert!(!ok(store.first_time("wamid.1").await));

        let erased = ok(store.erase(&ChatKey::new("whatsapp", "39")).await);
        assert_eq!(erased.deliveries, 2);
        assert!(ok(store.delivery("wamid.2").await).is_none());
    }

    #[tokio::test]
    async fn the_update_watermark_never_moves_back() {
        let store = MemoryStore::new();
        assert_eq!(ok(store.last_update_id(7).await), None);
        ok(store.record_update_id(7, 100).await);
        ok(store.record_update_id(7, 90).await);
        ok(store.record_update_id(8, 5).await);
        assert_eq!(ok(store.last_update_id(7).await), Some(100));
        ok(store.record_update_id(7, 101).await);
        assert_eq!(ok(store.last_update_id(7).await), Some(101));
        assert_eq!(ok(store.last_update_id(8).await), Some(5));
    }
}
