//! Sessions of the conversations going on now, kept in this process so a citizen's
//! next message within the minute skips one query. A session unused for
//! `SESSION_IDLE` to twice that is forgotten, by a sweep that runs even while the bot
//! is idle: memory follows the live conversations, not every citizen ever seen.
//! (Another replica's change is caught by the session's version at commit.)

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};
use std::time::Duration;

use crate::store::{ChatKey, StoredSession};

/// How long an unused session stays at least (and at most twice that).
const SESSION_IDLE: Duration = Duration::from_secs(15);
/// Sessions kept before the cache starts over, whatever their age.
const CACHED_SESSIONS: usize = 50_000;

#[derive(Debug, Default)]
pub(super) struct SessionCache {
    generations: Mutex<Generations>,
    sweeper: OnceLock<()>,
}

/// Sessions used in this period (`young`) and in the one before (`old`).
#[derive(Debug, Default)]
struct Generations {
    young: HashMap<ChatKey, StoredSession>,
    old: HashMap<ChatKey, StoredSession>,
}

impl SessionCache {
    fn lock(&self) -> MutexGuard<'_, Generations> {
        // Each operation is a single insert, get, remove or swap: never half-done.
        self.generations.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(super) fn get(&self, key: &ChatKey) -> Option<StoredSession> {
        let mut generations = self.lock();
        if let Some(found) = generations.young.get(key) {
            return Some(found.clone());
        }
        // Used again: it moves to this period.
        let found = generations.old.remove(key)?;
        generations.young.insert(key.clone(), found.clone());
        Some(found)
    }

    pub(super) fn put(self: &Arc<Self>, key: &ChatKey, stored: StoredSession) {
        self.start_sweeping();
        let mut generations = self.lock();
        if generations.young.len() >= CACHED_SESSIONS && !generations.young.contains_key(key) {
            *generations = Generations::default();
        }
        generations.old.remove(key);
        generations.young.insert(key.clone(), stored);
    }

    pub(super) fn forget(&self, key: &ChatKey) {
        let mut generations = self.lock();
        generations.young.remove(key);
        generations.old.remove(key);
    }

    /// Forgets the sessions unused for a whole period.
    fn sweep(&self) {
        let mut generations = self.lock();
        let young = std::mem::take(&mut generations.young);
        generations.old = young;
    }

    /// The sweep runs every `SESSION_IDLE` for as long as the cache lives (outside a
    /// runtime, as in a plain unit test, nothing is cached long enough to matter).
    fn start_sweeping(self: &Arc<Self>) {
        self.sweeper.get_or_init(|| {
            let Ok(runtime) = tokio::runtime::Handle::try_current() else {
                return;
            };
            let cache: Weak<SessionCache> = Arc::downgrade(self);
            runtime.spawn(async move {
                let mut every = tokio::time::interval(SESSION_IDLE);
                every.tick().await;
                loop {
                    every.tick().await;
                    let Some(cache) = cache.upgrade() else { return };
                    cache.sweep();
                }
            });
        });
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        let generations = self.lock();
        generations.young.len() + generations.old.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Session;

    fn stored(state: &str) -> StoredSession {
        StoredSession {
            session: Session {
                state: state.to_owned(),
                ..Session::default()
            },
            version: 1,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn unused_sessions_are_forgotten_and_used_ones_kept() {
        let cache = Arc::new(SessionCache::default());
        let (busy, idle) = (ChatKey::new("telegram", "1"), ChatKey::new("telegram", "2"));
        cache.put(&busy, stored("main.menu"));
        cache.put(&idle, stored("main.menu"));
        for _ in 0..4 {
            tokio::time::sleep(SESSION_IDLE).await;
            assert!(cache.get(&busy).is_some(), "a session in use stays");
        }
        assert!(cache.get(&idle).is_none(), "an unused one goes");
        tokio::time::sleep(SESSION_IDLE * 3).await;
        assert_eq!(cache.len(), 0, "nothing stays once everyone is idle");
    }

    #[test]
    fn forget_removes_from_both_periods() {
        let cache = Arc::new(SessionCache::default());
        let key = ChatKey::new("telegram", "1");
        cache.put(&key, stored("a.b"));
        cache.sweep();
        cache.forget(&key);
        assert!(cache.get(&key).is_none());
    }
}
