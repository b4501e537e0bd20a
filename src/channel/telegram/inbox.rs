//! Webhook mode's lanes: each update waits in the store's inbox until answered, and a
//! lane's updates (a chat's, a staff group's) are answered one at a time, in update
//! order, by whichever replica holds the lane's oldest — so several replicas behind a
//! round-robin balancer answer every update once and each chat in order.
//!
//! The replica that received an update claims its lane's oldest waiting update and
//! answers it, then marks it answered and claims the next in one statement, until
//! none waits. Another replica holding the lane makes the claim fail: that one goes on
//! with the lane. A replica that dies holds its lanes only until its lease lapses;
//! every replica's sweep hands it the lanes nobody holds.
//!
//! An update whose turn was saved but which was not marked answered (the replica died
//! in between) runs no second turn: the session keeps the last update it answered and
//! its replies, which go again
//! ([`Conversation::reply_to_update`](crate::conversation::Conversation)).

use std::sync::Arc;

use tokio::time::Instant;

use super::inbound::Event;
use super::intake::{Read, Reader};
use crate::channel::ordered::Handler;
use crate::store::{Claim, UpdateLog};

/// One update read, with its Telegram id when it has one.
#[derive(Debug)]
pub(super) struct Taken {
    pub(super) update: Option<i64>,
    pub(super) event: Event,
    /// When this replica read it: a reply's wait counts from then.
    pub(super) received: Instant,
}

impl Taken {
    /// Read just now.
    pub(super) fn now(update: Option<i64>, event: Event) -> Taken {
        Taken {
            update,
            event,
            received: Instant::now(),
        }
    }
}

/// What the dispatch runs for a lane.
#[derive(Debug)]
pub(super) enum Work {
    /// An update just taken, read already.
    Taken(Taken),
    /// The lane has updates in the inbox nobody holds.
    Waiting,
}

/// The inbox a replica answers from, and under which name.
pub(super) struct Inbox<L> {
    pub(super) log: L,
    pub(super) bot_id: i64,
    pub(super) claim: Claim,
    /// For the updates other replicas received.
    pub(super) reader: Arc<Reader>,
}

/// Runs a lane's work on `inner`: directly when polling, through the inbox by webhook.
pub(super) struct Lanes<H, L> {
    inner: H,
    inbox: Option<Inbox<L>>,
}

impl<H, L> Lanes<H, L> {
    pub(super) fn new(inner: H, inbox: Option<Inbox<L>>) -> Self {
        Lanes { inner, inbox }
    }
}

impl<H: Handler<i64, Taken>, L: UpdateLog + 'static> Handler<i64, Work> for Lanes<H, L> {
    async fn handle(&self, lane: &i64, work: Work) {
        let mut taken = match work {
            Work::Taken(taken) => Some(taken),
            Work::Waiting => None,
        };
        let Some(inbox) = &self.inbox else {
            if let Some(taken) = taken {
                self.inner.handle(lane, taken).await;
            }
            return;
        };
        let mut finished = None;
        loop {
            let claimed = inbox
                .log
                .claim_next(inbox.bot_id, *lane, &inbox.claim, finished)
                .await;
            let update = match claimed {
                Ok(Some(update)) => update,
                // Nothing waits, or another replica holds the lane and goes on with it.
                Ok(None) => return,
                Err(err) => {
                    // Left claimed: taken again by this replica's next work on the
                    // lane, or by another once the claim lapses.
                    tracing::warn!("cannot claim the next webhook update: {err}");
                    return;
                }
            };
            let id = update.update_id;
            let mine = taken.take_if(|t| t.update == Some(id));
            let next = match mine {
                Some(taken) => Some(taken),
                None => match inbox.reader.read(&update.body) {
                    Read::Taken { event, .. } => Some(Taken::now(Some(id), event)),
                    Read::Skipped(_) => None,
                },
            };
            if let Some(next) = next {
                self.inner.handle(lane, next).await;
            }
            finished = Some(id);
        }
    }

    async fn overflow(&self, lane: &i64) {
        self.inner.overflow(lane).await;
    }
}
