//! Consultations on Telegram: the outbox rows of the `telegram` channel go through
//! [`PollSender`], which sends a question as a native poll (`sendPoll`) and records
//! the poll's id against the consultation — only that, never the chat — so that the
//! `poll` and `poll_answer` updates naming it count. Everything else passes through.
//!
//! - A named (not anonymous) consultation's poll follows a message with the privacy
//!   notice, in the same row: citizens read it before they can answer. When the poll
//!   fails after the notice went (a 429, a timeout), the row's next attempt in this
//!   process sends only the poll.
//! - The results of a consultation first stop the recipient's poll (`stopPoll`), so
//!   nobody answers it any more; a poll already stopped or gone is no reason not to
//!   send the results.
//!
//! Every call waits for the pace when the inner sender is [`Paced`](crate::sender::Paced).

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

use crate::sender::{ConsultationPart, Delivery, Poll, Polls, SendError, Sender};
use crate::store::pg::PgStore;
use crate::text::log_id;

/// Notices remembered as sent while their poll is not; past this many, forgotten.
const PENDING_NOTICES: usize = 10_000;
/// Tries at recording a poll's id before the poll is left uncounted (and logged).
const RECORD_TRIES: u32 = 4;

/// The Telegram relay's sender: polls for consultations, the rest as `inner` sends it.
#[derive(Debug)]
pub struct PollSender<S> {
    inner: S,
    store: PgStore,
    /// (consultation, recipient) whose notice went and whose poll did not yet.
    noticed: Mutex<HashSet<(i64, String)>>,
}

impl<S> PollSender<S> {
    /// `inner` (usually the paced Bot API client), recording polls in `store`.
    pub fn new(inner: S, store: PgStore) -> PollSender<S> {
        PollSender {
            inner,
            store,
            noticed: Mutex::default(),
        }
    }

    /// The wrapped sender.
    pub fn inner(&self) -> &S {
        &self.inner
    }

    fn notices(&self) -> std::sync::MutexGuard<'_, HashSet<(i64, String)>> {
        self.noticed.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records poll `poll_id` of consultation `id`, a few times if the database fails.
    async fn record(&self, poll_id: &str, id: i64) {
        for attempt in 1..=RECORD_TRIES {
            match self.store.register_poll(poll_id, id).await {
                Ok(()) => return,
                Err(err) if attempt < RECORD_TRIES => {
                    tracing::debug!(consultation = id, "poll not recorded yet: {err}");
                    tokio::time::sleep(Duration::from_millis(200 * u64::from(attempt))).await;
                }
                Err(err) => {
                    metrics::counter!("sportello_consultation_polls_unrecorded_total").increment(1);
                    tracing::warn!(
                        consultation = id,
                        "a poll was sent but not recorded; its answers will not count: {err}"
                    );
                }
            }
        }
    }
}

fn sent(part: &'static str) {
    metrics::counter!("sportello_consultation_messages_total", "channel" => "telegram", "part" => part)
        .increment(1);
}

impl<'a, S> Sender<Delivery<'a>> for PollSender<S>
where
    S: for<'b> Sender<Delivery<'b>> + Polls,
{
    fn channel(&self) -> &str {
        self.inner.channel()
    }

    async fn send(&self, recipient: &str, delivery: &Delivery<'a>) -> Result<String, SendError> {
        let text_only = Delivery {
            consultation: None,
            ..*delivery
        };
        match delivery.consultation {
            None => self.inner.send(recipient, delivery).await,
            Some(ConsultationPart::Question {
                id,
                question,
                options,
                anonymous,
            }) => {
                let pending = (id, recipient.to_owned());
                if !anonymous && !self.notices().contains(&pending) {
                    self.inner.send(recipient, &text_only).await?;
                    let mut notices = self.notices();
                    if notices.len() >= PENDING_NOTICES {
                        notices.clear();
                    }
                    notices.insert(pending.clone());
                }
                let poll = Poll {
                    question,
                    options,
                    anonymous,
                };
                let poll = self.inner.send_poll(recipient, &poll).await?;
                self.notices().remove(&pending);
                self.record(&poll.poll_id, id).await;
                sent("question");
                Ok(poll.message_id)
            }
            Some(ConsultationPart::Results { poll_message }) => {
                if let Some(message) = poll_message {
                    match self.inner.stop_poll(recipient, message).await {
                        Ok(()) => {}
                        Err(
                            err @ (SendError::RetryAfter(_)
                            | SendError::Transient(_)
                            | SendError::Gone(_)
                            | SendError::Deferred(_)),
                        ) => return Err(err),
                        Err(err) => {
                            tracing::debug!(chat = %log_id(recipient), "stopPoll: {err}");
                        }
                    }
                }
                let message = self.inner.send(recipient, &text_only).await?;
                sent("results");
                Ok(message)
            }
        }
    }
}
