//! Per-citizen ordering: events of one wa_id run one after another on a worker that
//! exists only while that citizen has events queued; different citizens run side by
//! side (turns bounded by the service's semaphore). A citizen with more than
//! `MAX_QUEUED` events waiting loses the newest ones (logged).

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use super::inbound::Event;
use super::service::Service;
use crate::channel::log_id;
use crate::store::{CitizenStore, ContentSource};

/// Events one citizen may have waiting.
const MAX_QUEUED: usize = 100;

/// Queued events by wa_id; an entry exists exactly while its worker runs.
#[derive(Default)]
pub(super) struct Queues {
    waiting: Mutex<HashMap<String, VecDeque<Event>>>,
    workers: AtomicUsize,
}

impl Queues {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, VecDeque<Event>>> {
        // Each operation is one push, pop or remove: never left half-done.
        self.waiting.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The next event of `wa_id`, or `None` after retiring its worker.
    fn next(&self, wa_id: &str) -> Option<Event> {
        let mut waiting = self.lock();
        let next = waiting.get_mut(wa_id).and_then(VecDeque::pop_front);
        if next.is_none() {
            waiting.remove(wa_id);
        }
        next
    }

    /// Workers running now.
    pub(super) fn busy(&self) -> usize {
        self.workers.load(Ordering::Acquire)
    }
}

/// Counts a running worker; a worker that did not finish (it panicked) takes its
/// queue along, so the citizen's next event starts a fresh one.
struct Worker<'a> {
    queues: &'a Queues,
    wa_id: &'a str,
    finished: bool,
}

impl Drop for Worker<'_> {
    fn drop(&mut self) {
        if !self.finished {
            self.queues.lock().remove(self.wa_id);
        }
        self.queues.workers.fetch_sub(1, Ordering::AcqRel);
    }
}

impl<C: ContentSource + 'static, S: CitizenStore + 'static> Service<C, S> {
    /// Queues `event` behind its citizen's earlier events, starting a worker if none runs.
    pub(super) fn enqueue(self: &Arc<Self>, event: Event) {
        let wa_id = event.wa_id().to_owned();
        let first = {
            let mut waiting = self.queues.lock();
            match waiting.get_mut(&wa_id) {
                Some(queue) if queue.len() >= MAX_QUEUED => {
                    tracing::warn!(chat = %log_id(&wa_id), "too many WhatsApp events waiting; one dropped");
                    return;
                }
                Some(queue) => {
                    queue.push_back(event);
                    return;
                }
                None => {
                    waiting.insert(wa_id.clone(), VecDeque::new());
                    event
                }
            }
        };
        self.queues.workers.fetch_add(1, Ordering::AcqRel);
        let service = Arc::clone(self);
        tokio::spawn(async move {
            let mut worker = Worker {
                queues: &service.queues,
                wa_id: &wa_id,
                finished: false,
            };
            let mut event = Some(first);
            while let Some(current) = event {
                service.handle(current).await;
                event = service.queues.next(&wa_id);
            }
            worker.finished = true;
        });
    }

    /// Waits until every queued event has been handled.
    pub(super) async fn drain(&self) {
        while self.queues.busy() > 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
