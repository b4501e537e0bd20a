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

use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
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
    /// Signalled when the last chat with work retires.
    idle: Notify,
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
                idle: Notify::new(),
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
                .spawn(async move { Box::pin(this.shared.handler.overflow(&chat)).await });
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
                    if chats.is_empty() {
                        shared.idle.notify_waiters();
                    }
                }
                next
            };
            let Some((message, room)) = next else {
                retire.done = true;
                return;
            };
            drop(room);
            // Boxed, so a worker that waits for its turn stays small: the turn's state
            // exists only while it runs.
            Box::pin(shared.handler.handle(&chat, message)).await;
            if shared.closed.load(Ordering::Acquire) {
                break;
            }
        }
    }

    /// Chats with a worker now.
    pub fn active_chats(&self) -> usize {
        self.shared.chats().len()
    }

    /// Waits until every message pushed so far has been handled (for tests, and for
    /// callers that must not drop what they took).
    pub async fn idle(&self) {
        loop {
            let notified = self.shared.idle.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.shared.chats().is_empty() {
                return;
            }
            notified.await;
        }
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

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use futures_util::FutureExt;

    use super::*;

    /// Records what it handles; each message waits for a permit of `gate` first.
    #[derive(Default)]
    struct Recorder {
        handled: Mutex<Vec<(u32, u32)>>,
        told: Mutex<Vec<u32>>,
        gate: Option<Arc<Semaphore>>,
        running: AtomicUsize,
        most_at_once: AtomicUsize,
    }

    impl Handler<u32, u32> for Arc<Recorder> {
        async fn handle(&self, chat: &u32, message: u32) {
            let now = self.running.fetch_add(1, Ordering::AcqRel) + 1;
            self.most_at_once.fetch_max(now, Ordering::AcqRel);
            if let Some(gate) = &self.gate {
                gate.acquire().await.unwrap().forget();
            }
            tokio::task::yield_now().await;
            self.handled.lock().unwrap().push((*chat, message));
            self.running.fetch_sub(1, Ordering::AcqRel);
        }

        async fn overflow(&self, chat: &u32) {
            self.told.lock().unwrap().push(*chat);
        }
    }

    /// Waits until `recorder` has handled `count` messages.
    async fn settle(recorder: &Recorder, count: usize) {
        while recorder.handled.lock().unwrap().len() < count {
            tokio::task::yield_now().await;
        }
    }

    fn gated() -> (Arc<Recorder>, Arc<Semaphore>) {
        let gate = Arc::new(Semaphore::new(0));
        let recorder = Arc::new(Recorder {
            gate: Some(Arc::clone(&gate)),
            ..Recorder::default()
        });
        (recorder, gate)
    }

    fn bounds(in_flight: usize, per_chat: usize, waiting: usize) -> Bounds {
        Bounds {
            in_flight,
            per_chat,
            waiting,
        }
    }

    #[tokio::test]
    async fn each_chat_in_order_and_workers_retire_when_idle() {
        let recorder = Arc::new(Recorder::default());
        let ordered = Ordered::new(Arc::clone(&recorder), bounds(4, 100, 1_000));
        for n in 0..50 {
            for chat in 0..5 {
                assert_eq!(ordered.push(chat, n).await, Pushed::Queued);
            }
        }
        settle(&recorder, 250).await;
        assert_eq!(ordered.shutdown().await, Drained { dropped: 0 });
        let handled = recorder.handled.lock().unwrap().clone();
        for chat in 0..5 {
            let of_chat: Vec<u32> = handled
                .iter()
                .filter(|(c, _)| *c == chat)
                .map(|(_, n)| *n)
                .collect();
            assert_eq!(of_chat, (0..50).collect::<Vec<_>>(), "chat {chat} in order");
        }
        assert_eq!(ordered.active_chats(), 0, "no worker left for idle chats");
    }

    #[tokio::test]
    async fn idle_waits_for_everything_pushed() {
        let recorder = Arc::new(Recorder::default());
        let ordered = Ordered::new(Arc::clone(&recorder), bounds(2, 100, 1_000));
        for n in 0..30 {
            ordered.push(n % 3, n).await;
        }
        ordered.idle().await;
        assert_eq!(recorder.handled.lock().unwrap().len(), 30);
        assert_eq!(ordered.shutdown().await.dropped, 0);
    }

    #[tokio::test]
    async fn idle_chats_leave_nothing_behind() {
        let recorder = Arc::new(Recorder::default());
        let ordered = Ordered::new(Arc::clone(&recorder), bounds(8, 4, 64));
        for chat in 0..10_000 {
            ordered.push(chat, 1).await;
        }
        settle(&recorder, 10_000).await;
        // A worker removes its chat before it stops.
        while ordered.active_chats() > 0 {
            tokio::task::yield_now().await;
        }
        assert!(
            ordered.shared.chats().capacity() < 10_000,
            "the map never held every chat"
        );
        ordered.shutdown().await;
    }

    #[tokio::test]
    async fn a_flooding_chat_is_bounded_told_once_and_others_go_on() {
        let (recorder, gate) = gated();
        let ordered = Ordered::new(Arc::clone(&recorder), bounds(4, 3, 100));
        let mut outcomes = Vec::new();
        for n in 0..10 {
            outcomes.push(ordered.push(1, n).await);
        }
        // The first is being handled or waiting, three more wait; the rest are dropped.
        let queued = outcomes.iter().filter(|o| **o == Pushed::Queued).count();
        assert!((3..=4).contains(&queued), "{outcomes:?}");
        assert_eq!(
            ordered.push(2, 0).await,
            Pushed::Queued,
            "another chat is not held up"
        );
        gate.add_permits(100);
        settle(&recorder, queued + 1).await;
        ordered.shutdown().await;
        assert_eq!(recorder.told.lock().unwrap().clone(), [1], "told once");
        let handled = recorder.handled.lock().unwrap().clone();
        assert!(handled.contains(&(2, 0)));
        assert_eq!(handled.iter().filter(|(c, _)| *c == 1).count(), queued);
    }

    #[tokio::test]
    async fn turns_in_flight_are_bounded() {
        let (recorder, gate) = gated();
        let ordered = Ordered::new(Arc::clone(&recorder), bounds(2, 10, 100));
        for chat in 0..10 {
            ordered.push(chat, 0).await;
        }
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        assert_eq!(recorder.running.load(Ordering::Acquire), 2);
        gate.add_permits(100);
        ordered.shutdown().await;
        assert_eq!(recorder.most_at_once.load(Ordering::Acquire), 2);
    }

    #[tokio::test]
    async fn a_full_room_holds_the_source_back() {
        let (recorder, gate) = gated();
        let ordered = Ordered::new(Arc::clone(&recorder), bounds(1, 10, 3));
        for chat in 0..3 {
            assert_eq!(ordered.push(chat, 0).await, Pushed::Queued);
        }
        // Chat 0's message may have been taken already; fill the room for sure.
        let _ = ordered.push(4, 0).now_or_never();
        assert!(
            ordered.push(5, 0).now_or_never().is_none(),
            "waits for room"
        );
        gate.add_permits(100);
        assert_eq!(ordered.push(5, 0).await, Pushed::Queued);
        ordered.shutdown().await;
    }

    #[tokio::test]
    async fn shutdown_finishes_turns_in_flight_and_drops_the_waiting() {
        let (recorder, gate) = gated();
        let ordered = Ordered::new(Arc::clone(&recorder), bounds(1, 10, 100));
        for n in 0..5 {
            ordered.push(1, n).await;
        }
        ordered.push(2, 0).await;
        while recorder.running.load(Ordering::Acquire) == 0 {
            tokio::task::yield_now().await;
        }
        let stopping = tokio::spawn({
            let ordered = ordered.clone();
            async move { ordered.shutdown().await }
        });
        tokio::task::yield_now().await;
        assert_eq!(
            ordered.push(3, 0).await,
            Pushed::Closed,
            "nothing new is taken"
        );
        gate.add_permits(100);
        let drained = stopping.await.unwrap();
        let handled = recorder.handled.lock().unwrap().clone();
        assert_eq!(handled, [(1, 0)], "the turn in flight finished");
        assert_eq!(
            drained.dropped, 5,
            "four of chat 1 and one of chat 2 only waited"
        );
        assert_eq!(ordered.active_chats(), 0);
    }
}
