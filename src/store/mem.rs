//! In-memory stores: the offline `chat`, `sportello test`, and engine tests.
//! Everything is lost when the process ends.

mod whatsapp;

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Utc};

use super::{
    Ballots, CITIZEN_CLOSED_NOTE, ChatKey, CitizenStore, Committed, ContentSource, ErasureReceipt,
    FaqList, StaffDesk, StoreError, StoredSession, Ticket, TicketMessage, TicketStore,
    TranscriptLine, TurnRecord, UpdateLog,
};
use super::{Claim, InboxUpdate};
use crate::consultation::ballot::{Ballot, Counted};
use crate::content::{CalendarEvent, ContentFile, NewsItem, category_matches};
use crate::engine::Effect;
use crate::reminder::Reminder;
use whatsapp::WhatsApp;

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
    /// The webhook inbox's unanswered updates, by (bot, update id).
    inbox: std::collections::BTreeMap<(i64, i64), Inboxed>,
    /// Conversations with a person, oldest first, with whose they are.
    tickets: Vec<(ChatKey, Ticket)>,
    /// Reminders still to come, with whose they are (never sent: nothing relays here).
    reminders: Vec<(ChatKey, Reminder)>,
    /// The number the next reminder gets.
    next_reminder: i64,
}

/// One update in the memory inbox.
#[derive(Debug)]
struct Inboxed {
    lane: i64,
    body: String,
    received: std::time::Instant,
    claim: Option<(String, std::time::Instant)>,
}

impl Inboxed {
    fn claimable_by(&self, holder: &str, now: std::time::Instant) -> bool {
        self.claim
            .as_ref()
            .is_none_or(|(by, until)| by == holder || *until < now)
    }
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
            tickets: 0,
            reminders: 0,
            votes: 0,
        };
        let before = self.reminders.len();
        self.reminders.retain(|(k, _)| k != key);
        receipt.reminders = (before - self.reminders.len()) as u64;
        let before = self.tickets.len();
        self.tickets.retain(|(k, _)| k != key);
        receipt.tickets = (before - self.tickets.len()) as u64;
        if key.channel == "whatsapp" {
            // As in PostgreSQL: the contact counts with the session.
            let (contacts, deliveries) = self.whatsapp.erase(&key.chat);
            receipt.sessions += contacts;
            receipt.deliveries = deliveries;
        }
        receipt
    }
}

impl Citizens {
    fn live_ticket(&mut self, key: &ChatKey) -> Option<&mut Ticket> {
        self.tickets
            .iter_mut()
            .find(|(k, t)| k == key && t.status != "closed")
            .map(|(_, t)| t)
    }

    /// As PostgreSQL does: the message joins the live ticket, else opens one.
    fn pass_to_staff(&mut self, key: &ChatKey, lang: &str, queue: &str, text: &str) {
        let message = TicketMessage {
            direction: "citizen".to_owned(),
            body: text.to_owned(),
            at: Utc::now(),
        };
        if let Some(ticket) = self.live_ticket(key) {
            ticket.messages.push(message);
            return;
        }
        let id = self.tickets.len() as i64 + 1;
        self.tickets.push((
            key.clone(),
            Ticket {
                id,
                queue: queue.to_owned(),
                status: "open".to_owned(),
                lang: lang.to_owned(),
                thread_id: None,
                opened_at: message.at,
                closed_at: None,
                messages: vec![message],
            },
        ));
    }
}

impl TicketStore for MemoryStore {
    async fn latest_ticket(&self, key: &ChatKey) -> Result<Option<Ticket>, StoreError> {
        let citizens = self.lock();
        let mine = || {
            citizens
                .tickets
                .iter()
                .filter(|(k, _)| k == key)
                .map(|(_, t)| t)
        };
        Ok(mine()
            .find(|t| t.status != "closed")
            .or_else(|| mine().next_back())
            .cloned())
    }
}

/// The offline chat has no staff group: no ticket is ever in a topic.
impl StaffDesk for MemoryStore {
    async fn ticket_in_topic(&self, _group: i64, _thread: i64) -> Result<Option<i64>, StoreError> {
        Ok(None)
    }

    async fn answer_ticket(
        &self,
        _id: i64,
        _text: &str,
        _html: &(dyn Fn(&str) -> String + Sync),
    ) -> Result<bool, StoreError> {
        Ok(false)
    }

    async fn note_ticket(&self, _id: i64, _text: &str) -> Result<(), StoreError> {
        Ok(())
    }

    async fn close_ticket(
        &self,
        _id: i64,
        _html: &(dyn Fn(&str) -> String + Sync),
        _reopen_days: u32,
    ) -> Result<bool, StoreError> {
        Ok(false)
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
                Effect::ToStaff { queue, text, .. } => {
                    citizens.pass_to_staff(key, &record.session.lang, queue, text);
                }
                Effect::EndHandoff => {
                    if let Some(ticket) = citizens.live_ticket(key) {
                        ticket.status = "closed".to_owned();
                        ticket.closed_at = Some(Utc::now());
                        ticket.messages.push(TicketMessage {
                            direction: "note".to_owned(),
                            body: CITIZEN_CLOSED_NOTE.to_owned(),
                            at: Utc::now(),
                        });
                    }
                }
                Effect::Remind {
                    event_key,
                    title,
                    starts_at,
                    remind_at,
                    ..
                } => {
                    citizens
                        .reminders
                        .retain(|(k, r)| !(k == key && r.event_key == *event_key));
                    citizens.next_reminder += 1;
                    let reminder = Reminder {
                        id: citizens.next_reminder,
                        event_key: event_key.clone(),
                        title: title.clone(),
                        starts_at: *starts_at,
                        remind_at: *remind_at,
                    };
                    citizens.reminders.push((key.clone(), reminder));
                }
                Effect::ForgetReminder { id } => {
                    citizens
                        .reminders
                        .retain(|(k, r)| !(k == key && r.id == *id));
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

    async fn reminders(&self, key: &ChatKey) -> Result<Vec<Reminder>, StoreError> {
        let mut mine: Vec<Reminder> = self
            .lock()
            .reminders
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, r)| r.clone())
            .collect();
        mine.sort_by_key(|r| (r.remind_at, r.id));
        Ok(mine)
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

/// Consultations live in PostgreSQL only: in memory no consultation is known, so no
/// answer counts (the offline `chat` and the benches never send one).
impl Ballots for MemoryStore {
    async fn vote(&self, _: &Ballot) -> Result<Counted, StoreError> {
        Ok(Counted::Unknown)
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

    async fn receive(
        &self,
        bot_id: i64,
        update: &InboxUpdate,
        lane: i64,
    ) -> Result<bool, StoreError> {
        let mut citizens = self.lock();
        let key = (bot_id, update.update_id);
        if citizens.inbox.contains_key(&key) {
            return Ok(false);
        }
        citizens.inbox.insert(
            key,
            Inboxed {
                lane,
                body: update.body.clone(),
                received: std::time::Instant::now(),
                claim: None,
            },
        );
        Ok(true)
    }

    async fn claim_next(
        &self,
        bot_id: i64,
        lane: i64,
        claim: &Claim,
        finished: Option<i64>,
    ) -> Result<Option<InboxUpdate>, StoreError> {
        let mut citizens = self.lock();
        let now = std::time::Instant::now();
        // Answered updates go at once (memory stays bounded); the session's last
        // update still keeps a redelivered turn from being answered twice.
        if let Some(id) = finished
            && citizens
                .inbox
                .get(&(bot_id, id))
                .and_then(|update| update.claim.as_ref())
                .is_some_and(|(by, _)| *by == claim.holder)
        {
            citizens.inbox.remove(&(bot_id, id));
        }
        let oldest = citizens
            .inbox
            .range_mut((bot_id, i64::MIN)..=(bot_id, i64::MAX))
            .find(|(_, update)| update.lane == lane);
        Ok(match oldest {
            Some((&(_, update_id), update)) if update.claimable_by(&claim.holder, now) => {
                update.claim = Some((claim.holder.clone(), now + claim.lease));
                Some(InboxUpdate {
                    update_id,
                    body: update.body.clone(),
                })
            }
            _ => None,
        })
    }

    async fn skip(&self, bot_id: i64, update_id: i64) -> Result<(), StoreError> {
        self.lock().inbox.remove(&(bot_id, update_id));
        Ok(())
    }

    async fn stranded(
        &self,
        bot_id: i64,
        unclaimed_for: std::time::Duration,
    ) -> Result<Vec<i64>, StoreError> {
        let citizens = self.lock();
        let now = std::time::Instant::now();
        let mut seen = BTreeSet::new();
        let mut lanes = Vec::new();
        for (_, update) in citizens
            .inbox
            .range((bot_id, i64::MIN)..=(bot_id, i64::MAX))
        {
            // Only a lane's oldest waiting update decides.
            if !seen.insert(update.lane) {
                continue;
            }
            let stranded = match &update.claim {
                Some((_, until)) => *until < now,
                None => update.received + unclaimed_for < now,
            };
            if stranded {
                lanes.push(update.lane);
            }
        }
        Ok(lanes)
    }

    async fn renew(&self, bot_id: i64, claim: &Claim, release: bool) -> Result<(), StoreError> {
        let mut citizens = self.lock();
        let until = std::time::Instant::now() + claim.lease;
        for (_, update) in citizens
            .inbox
            .range_mut((bot_id, i64::MIN)..=(bot_id, i64::MAX))
        {
            if let Some((by, lease)) = &mut update.claim
                && *by == claim.holder
            {
                if release {
                    update.claim = None;
                } else {
                    *lease = until;
                }
            }
        }
        Ok(())
    }
}

/// Content served from a `ContentFile` in memory.
#[derive(Debug, Clone, Default)]
pub struct MemoryContent {
    content: Arc<ContentFile>,
    faqs: FaqList,
}

impl MemoryContent {
    /// Serves the events, news and FAQ of `content`.
    pub fn new(content: ContentFile) -> MemoryContent {
        let faqs = FaqList {
            version: format!("{}", content.faqs.len()),
            faqs: Arc::new(content.faqs.clone()),
        };
        MemoryContent {
            content: Arc::new(content),
            faqs,
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

    async fn faqs(&self) -> Result<FaqList, StoreError> {
        // The demo content never changes while the process runs.
        Ok(self.faqs.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok<T>(result: Result<T, StoreError>) -> T {
        result.unwrap_or_else(|e| panic!("{e}"))
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
