//! Answers to content questions kept for a few seconds: in exam season thousands of
//! citizens ask for the same calendar and the same FAQ, and content changes rarely.
//!
//! An answer is reused only while it is still right: for at most `CONTENT_TTL` (so
//! content imported by another process is live within seconds), never for a moment
//! before the one it was fetched for, and never past the first expiry among the items
//! it holds (an expired event or news item must drop out at once). Changes made through
//! this store clear the cache at once.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use crate::engine::{Answer, Query};
use crate::store::FaqList;

/// How long an answer is reused at most.
pub const CONTENT_TTL: Duration = Duration::from_secs(10);
/// Answers kept before the cache starts over.
const CACHED_ANSWERS: usize = 10_000;

#[derive(Debug, Default)]
pub(super) struct ContentCache {
    entries: Mutex<HashMap<Query, Cached>>,
    /// The FAQ list and when its fingerprint was last checked.
    faqs: Mutex<Option<(Instant, FaqList)>>,
}

#[derive(Debug)]
struct Cached {
    answer: Answer,
    fetched: Instant,
    /// The moment the answer was fetched for.
    valid_from: DateTime<Utc>,
    /// The first expiry among its items, if any.
    valid_until: Option<DateTime<Utc>>,
}

impl ContentCache {
    fn lock(&self) -> MutexGuard<'_, HashMap<Query, Cached>> {
        // Each operation is a single get, insert or clear: never half-done.
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The cached answer to `query` at `now`, if it is still right.
    pub(super) fn get(&self, query: &Query, now: DateTime<Utc>) -> Option<Answer> {
        let entries = self.lock();
        let cached = entries.get(query)?;
        let fresh = cached.fetched.elapsed() < CONTENT_TTL
            && cached.valid_from <= now
            && cached.valid_until.is_none_or(|until| now < until);
        fresh.then(|| cached.answer.clone())
    }

    fn faq_lock(&self) -> MutexGuard<'_, Option<(Instant, FaqList)>> {
        self.faqs.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The FAQ list, if its fingerprint was checked within `CONTENT_TTL`.
    pub(super) fn recent_faqs(&self) -> Option<FaqList> {
        let faqs = self.faq_lock();
        let (checked, list) = faqs.as_ref()?;
        (checked.elapsed() < CONTENT_TTL).then(|| list.clone())
    }

    /// The FAQ list if it is still at `version` (now checked again).
    pub(super) fn faqs_at(&self, version: &str) -> Option<FaqList> {
        let mut faqs = self.faq_lock();
        let (checked, list) = faqs.as_mut()?;
        if list.version != version {
            return None;
        }
        *checked = Instant::now();
        Some(list.clone())
    }

    pub(super) fn put_faqs(&self, list: FaqList) {
        *self.faq_lock() = Some((Instant::now(), list));
    }

    pub(super) fn put(&self, query: Query, now: DateTime<Utc>, answer: Answer) {
        let valid_until = first_expiry(&answer);
        let mut entries = self.lock();
        if entries.len() >= CACHED_ANSWERS && !entries.contains_key(&query) {
            entries.clear();
        }
        entries.insert(
            query,
            Cached {
                answer,
                fetched: Instant::now(),
                valid_from: now,
                valid_until,
            },
        );
    }

    /// Content changed: forget every answer.
    pub(super) fn clear(&self) {
        self.lock().clear();
        *self.faq_lock() = None;
    }
}

/// When the first item of `answer` stops being current.
fn first_expiry(answer: &Answer) -> Option<DateTime<Utc>> {
    match answer {
        Answer::Events(events) => events
            .iter()
            .map(|e| e.valid_until.or(e.ends_at).unwrap_or(e.starts_at))
            .min(),
        Answer::News(news) => news.iter().filter_map(|n| n.expires_at).min(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::CalendarEvent;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap_or_default()
    }

    fn event(starts_at: &str) -> CalendarEvent {
        CalendarEvent {
            key: "prima".into(),
            category: "maturita-prima".into(),
            title: "Prima prova".into(),
            starts_at: at(starts_at),
            ends_at: None,
            place: None,
            details: None,
            link: None,
            valid_until: None,
        }
    }

    #[test]
    fn an_answer_is_reused_only_while_its_items_are_current() {
        let cache = ContentCache::default();
        let query = Query::Events {
            category: "maturita-*".into(),
            limit: 10,
        };
        let answer = Answer::Events(vec![event("2027-06-16T06:30:00Z")]);
        cache.put(query.clone(), at("2027-06-01T00:00:00Z"), answer.clone());
        assert_eq!(cache.get(&query, at("2027-06-10T00:00:00Z")), Some(answer));
        assert_eq!(
            cache.get(&query, at("2027-06-16T06:30:00Z")),
            None,
            "the event has started: ask the database again"
        );
        assert_eq!(
            cache.get(&query, at("2027-05-01T00:00:00Z")),
            None,
            "an earlier moment may see items since expired"
        );
        cache.clear();
        assert_eq!(cache.get(&query, at("2027-06-10T00:00:00Z")), None);
    }

    #[test]
    fn the_cache_stays_bounded() {
        let cache = ContentCache::default();
        let now = at("2027-01-01T00:00:00Z");
        for i in 0..=CACHED_ANSWERS {
            let query = Query::Events {
                category: format!("categoria-{i}"),
                limit: 5,
            };
            cache.put(query, now, Answer::Events(Vec::new()));
        }
        assert!(cache.lock().len() <= CACHED_ANSWERS);
    }
}
