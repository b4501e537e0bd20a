//! Ordered dispatch, the one used by every channel: a chat's messages are handled
//! strictly one after another, different chats side by side.
//!
//! - **Bounded per chat**: a chat holds at most `per_chat` messages waiting; a flood
//!   beyond that is dropped (counted in `sportello_dispatch_dropped_total`), and the
//!   chat is told once, through [`Handler::overflow`], never other chats.
//! - **Bounded overall**: at most `waiting` messages wait across all chats; taking
//!   one more waits for room ([`Ordered::push`] is async), so the channel stops reading
//!   its source (Telegram keeps the updates) rather than growing without bound.
//! - **Workers only for chats with work**: a chat's worker is started by its first
//!   message and retires as soon as its queue is empty, so memory follows the
//!   conversations going on now, not every citizen ever seen.
//! - **A global bound on turns in flight** (`in_flight`), shared fairly (FIFO).
//! - **Drain**: [`Ordered::shutdown`] takes no more messages, lets the turns in
//!   flight finish, and drops (and counts) what was only waiting.

use std::collections::VecDeque;
use std::collections::hash_map::{Entry, HashMap};
use std::future::Future;
use std::hash::Hash;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_util::task::TaskTracker;

/// What a channel does with the messages of one chat.
pub trait Handler<K, T>: Send + Sync + 'static {
    /// Handles one message of `chat`; a chat's messages come one at a time, in order.
    fn handle(&self, chat: &K, message: T) -> impl Future<Output = ()> + Send;

    /// `chat` sent more than its queue holds: tell it once (the excess is dropped).
    fn overflow(&self, chat: &K) -> impl Future<Output = ()> + Send;
}

/// The bounds of an [`Ordered`] dispatch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    /// Turns handled at once, all chats together.
    pub in_flight: usize,
    /// Messages one chat may have waiting.
    pub per_chat: usize,
    /// Messages waiting, all chats together.
    pub waiting: usize,
}

impl Bounds {
    /// Bounds for `in_flight` turns at once: 20 waiting per chat, and room for 16
    /// waiting messages per turn in flight (at least 1,024).
    pub fn for_in_flight(in_flight: usize) -> Bounds {
        let in_flight = in_flight.max(1);
        Bounds {
            in_flight,
            per_chat: 20,
            waiting: (in_flight * 16).max(1_024),
        }
    }
}

/// What became of a pushed message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pushed {
    /// Waiting behind the chat's earlier messages, or being handled.
    Queued,
    /// The chat's queue was full: dropped.
    Dropped,
    /// The dispatch is shutting down: dropped.
    Closed,
}

/// The messages of one chat with work.
struct Chat<T> {
    /// Each with its share of the overall room, given back when taken.
    waiting: VecDeque<(T, OwnedSemaphorePermit)>,
    /// Told about a full queue already (once per flood).
    told: bool,
}

struct Shared<K, T, H> {
    handler: H,
    bounds: Bounds,
    /// Chats with a worker; an entry exists exactly while its worker runs.
    chats: Mutex<HashMap<K, Chat<T>>>,
    turns: Semaphore,
    room: Arc<Semaphore>,
    tasks: TaskTracker,
    closed: AtomicBool,
    dropped_at_shutdown: AtomicUsize,
}

impl<K, T, H> Shared<K, T, H> {
    fn chats(&self) -> MutexGuard<'_, HashMap<K, Chat<T>>> {
        // Every critical section is one map operation: never left half-done.
        self.chats.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Per-chat ordered dispatch to `H`. Cheap to clone.
pub struct Ordered<K, T, H> {
    shared: Arc<Shared<K, T, H>>,
}

impl<K, T, H> Clone for Ordered<K, T, H> {
    fn clone(&self) -> Self {
        Ordered {
            shared: Arc::clone(&self.shared),
        }
    }
}

/// How a shutdown went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Drained {
    /// Messages that were waiting, not started, and were dropped.
    pub dropped: usize,
}

impl<K, T, H> Ordered<K, T, H>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    T: Send + 'static,
    H: Handler<K, T>,
{
    /// A dispatch to `handler` within `bounds`.
    pub fn new(handler: H, bounds: Bounds) -> Ordered<K, T, H> {
        let bounds = Bounds {
            in_flight: bounds.in_flight.max(1),
            per_chat: bounds.per_chat.max(1),
            waiting: bounds.waiting.max(1),
        };
        Ordered {
            shared: Arc::new(Shared {
                handler,
                bounds,
                chats: Mutex::new(HashMap::new()),
                turns: Semaphore::new(bounds.in_flight),
                room: Arc::new(Semaphore::new(bounds.waiting)),
                tasks: TaskTracker::new(),
                closed: AtomicBool::new(false),
                dropped_at_shutdown: AtomicUsize::new(0),
            }),
        }
    }

    /// The handler messages go to.
    pub fn handler(&self) -> &H {
        &self.shared.handler
    }

    /// Queues `message` behind `chat`'s earlier ones, starting the chat's worker if it
    /// has none. Waits while the overall room is full.
    pub async fn push(&self, chat: K, message: T) -> Pushed {
        let shared = &self.shared;
        if shared.closed.load(Ordering::Acquire) {
            return Pushed::Closed;
        }
        let Ok(room) = Arc::clone(&shared.room).acquire_owned().await else {
            return Pushed::Closed;
        };
        let tell = {
            let mut chats = shared.chats();
            match chats.entry(chat.clone()) {
                Entry::Occupied(mut entry) => {
                    let queue = entry.get_mut();
                    if queue.waiting.len() < shared.bounds.per_chat {
                        queue.waiting.push_back((message, room));
                        return Pushed::Queued;
                    }
                    !std::mem::replace(&mut queue.told, true)
                }
                Entry::Vacant(entry) => {
                    entry.insert(Chat {
                        waiting: VecDeque::from([(message, room)]),
                        told: false,
                    });
                    drop(chats);
                    let this = self.clone();
                    shared.tasks.spawn(async move { this.work(chat).await });
                    return Pushed::Queued;
                }
            }
        };
        metrics::counter!("sportello_dispatch_dropped_total", "why" => "flood").increment(1);
        if tell {
            let this = self.clone();
            shared
                .tasks
                .spawn(async move { this.shared.handler.overflow(&chat).await });
        }
        Pushed::Dropped
    }

    /// A chat's worker: its messages one at a time, until none is left.
    async fn work(self, chat: K) {
        let shared = &self.shared;
        let mut retire = Retire {
            shared,
            chat: &chat,
            done: false,
        };
        loop {
            let Ok(_turn) = shared.turns.acquire().await else {
                break; // shutting down
            };
            let next = {
                let mut chats = shared.chats();
                let next = chats.get_mut(&chat).and_then(|c| c.waiting.pop_front());
                if next.is_none() {
                    chats.remove(&chat);
                }
                next
            };
            let Some((message, room)) = next else {
                retire.done = true;
                return;
            };
            drop(room);
            shared.handler.handle(&chat, message).await;
            if shared.closed.load(Ordering::Acquire) {
                break;
            }
        }
    }

    /// Chats with a worker now.
    pub fn active_chats(&self) -> usize {
        self.shared.chats().len()
    }

    /// Takes no more messages, lets the turns in flight finish, drops what was only
    /// waiting; returns once every worker has stopped.
    pub async fn shutdown(&self) -> Drained {
        let shared = &self.shared;
        shared.closed.store(true, Ordering::Release);
        shared.room.close();
        shared.turns.close();
        shared.tasks.close();
        shared.tasks.wait().await;
        let dropped = shared.dropped_at_shutdown.load(Ordering::Acquire);
        if dropped > 0 {
            metrics::counter!("sportello_dispatch_dropped_total", "why" => "shutdown")
                .increment(dropped as u64);
        }
        Drained { dropped }
    }
}

/// Removes a stopping worker's chat, counting what it still held: on shutdown, and if
/// the handler panicked (the chat's next message then starts a fresh worker).
struct Retire<'a, K: Hash + Eq, T, H> {
    shared: &'a Shared<K, T, H>,
    chat: &'a K,
    /// The worker removed its own empty chat: nothing left to do.
    done: bool,
}

impl<K: Hash + Eq, T, H> Drop for Retire<'_, K, T, H> {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        if let Some(chat) = self.shared.chats().remove(self.chat) {
            self.shared
                .dropped_at_shutdown
                .fetch_add(chat.waiting.len(), Ordering::AcqRel);
        }
    }
}
