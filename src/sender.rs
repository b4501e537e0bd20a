//! The one sender stack every outgoing message goes through — conversation replies,
//! news, and later staff messages — whatever the channel:
//!
//! - a [`Sender`] per channel speaks its API and classifies the answer as a
//!   [`SendError`]; it neither waits nor retries;
//! - [`Paced`] makes every message wait for the channel's [`Pace`] first, and freezes
//!   it for everyone when the channel says "retry after";
//! - [`Retry`] acts on the classified errors: the same message again after a rate
//!   limit or a transient failure (a bounded number of times), and once more as plain
//!   text when the channel refuses its markup.
//!
//! The stack reads `Retry<Paced<channel sender>>`, so every attempt waits for the pace.
//! A reply sent with [`Sender::send_watched`] reports its wait on a [`Wait`], which
//! [`Patience`] shows the citizen ("typing…", a notice that it is coming).

mod forum;
mod pace;
mod polls;
mod waiting;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

pub use forum::{Forum, TopicProblem};
pub use pace::{Class, PERCEPTIBLE, Pace, Quotas};
pub use polls::{Poll, Polls, SentPoll};
pub use waiting::{NOTICE_ONCE_IN, NOTICE_SHARE, Patience, Show, TYPING_EVERY, Wait};

/// Why a send did not deliver, as callers act on it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// The channel's overall rate limit (Telegram's 429, WhatsApp's throughput
    /// errors): nobody sharing the sender's [`Pace`] sends for this long; then the same
    /// message again.
    #[error("rate limited for {0:?}")]
    RetryAfter(Duration),
    /// This recipient cannot take a message now (WhatsApp's pair rate limit): the
    /// message waits this long without counting an attempt; nobody else waits.
    #[error("deferred for {0:?}")]
    Deferred(Duration),
    /// The group became a supergroup with this id: send there instead.
    #[error("chat migrated")]
    Migrated(String),
    /// Blocked, deactivated, kicked or not found: never retried.
    #[error("recipient gone: {0}")]
    Gone(String),
    /// The channel could not read the message's markup (a staff text with broken
    /// HTML): worth sending again as plain text.
    #[error("markup refused: {0}")]
    BadMarkup(String),
    /// 5xx, timeouts, network: worth retrying with backoff.
    #[error("transient: {0}")]
    Transient(String),
    /// Any other refusal: never retried.
    #[error("refused: {0}")]
    Permanent(String),
}

/// A news item for one recipient, with what a channel may need besides the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivery<'a> {
    /// The message, Telegram-style HTML (rendered in `lang`).
    pub text: &'a str,
    /// False once the channel refused the HTML: send `text` as plain text.
    pub markup: bool,
    /// The recipient's language.
    pub lang: &'a str,
    /// The news item's topics, those the recipient follows first.
    pub topics: &'a [String],
    /// The news item's title as staff wrote it (plain text).
    pub title: Option<&'a str>,
    /// The news item's link, if any.
    pub link: Option<&'a str>,
    /// The ticket a message to or from staff belongs to.
    pub ticket: Option<i64>,
    /// A reminder of a calendar event (WhatsApp sends its own template outside the
    /// 24-hour window).
    pub reminder: bool,
    /// The citizen's message to copy to staff as it is (an attachment on Telegram);
    /// `text` describes it where it cannot be copied.
    pub copy_of: Option<i64>,
    /// A consultation's question or results; `text` is then the words around them.
    pub consultation: Option<ConsultationPart<'a>>,
}

/// What a consultation's delivery carries besides its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsultationPart<'a> {
    /// The question: a poll on Telegram, a list on WhatsApp.
    Question {
        /// The consultation's id (list rows and poll records name it).
        id: i64,
        /// The question.
        question: &'a str,
        /// The options, in order.
        options: &'a [String],
        /// Anonymous: nothing kept links an answer to the citizen.
        anonymous: bool,
    },
    /// The results (the text); on Telegram the citizen's poll, shown by this message,
    /// is stopped first.
    Results {
        /// The message of the poll to stop, if the recipient got one.
        poll_message: Option<i64>,
    },
}

impl Message for Delivery<'_> {
    fn without_markup(&self) -> Option<Self> {
        self.markup.then_some(Delivery {
            markup: false,
            ..*self
        })
    }

    /// A staff answer in a ticket is a reply; news, reminders and consultations wait
    /// for the replies.
    fn class(&self) -> Class {
        if self.ticket.is_some() {
            Class::Reply
        } else {
            Class::Background
        }
    }
}

/// A message a [`Sender`] can send.
pub trait Message: Send + Sync {
    /// The same message as plain text, when it has markup a channel may refuse.
    fn without_markup(&self) -> Option<Self>
    where
        Self: Sized;

    /// Where it stands in the pace's line: replies unless said otherwise.
    fn class(&self) -> Class {
        Class::Reply
    }
}

/// Sends one message of type `M` on one channel. Implementations neither pace nor
/// retry: wrap them in [`Paced`] and [`Retry`].
pub trait Sender<M: Message>: Send + Sync + 'static {
    /// The channel this sender writes to (e.g. `telegram`), as the outbox names it.
    fn channel(&self) -> &str;

    /// Sends `message` to `recipient` (a Telegram chat id or `@channel`, a WhatsApp
    /// wa_id); the channel's id of the message on success (Telegram's number as text,
    /// WhatsApp's `wamid.…`).
    fn send(
        &self,
        recipient: &str,
        message: &M,
    ) -> impl Future<Output = Result<String, SendError>> + Send;

    /// [`send`](Self::send), telling `wait` when the message has to wait for the
    /// shared limit and when it has its slot ([`Paced`] does; a sender that does not
    /// wait leaves it alone).
    fn send_watched(
        &self,
        recipient: &str,
        message: &M,
        wait: &Wait,
    ) -> impl Future<Output = Result<String, SendError>> + Send {
        let _ = wait;
        self.send(recipient, message)
    }
}

/// The key a recipient is paced under: its numeric id, or for `@channel` names a
/// stable negative number (channels are paced like groups).
pub fn pace_key(recipient: &str) -> i64 {
    if let Ok(id) = recipient.parse::<i64>() {
        return id;
    }
    // FNV-1a, folded into the negative range.
    let hash = recipient.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    -((hash >> 2) as i64) - 1
}

/// A sender whose every message first waits for `pace`; a [`SendError::RetryAfter`]
/// freezes the pace for everyone sharing it (the bot's replies and its news, when they
/// share one `Pace`), and nobody else: give each channel its own.
#[derive(Debug)]
pub struct Paced<S> {
    inner: S,
    pace: Arc<Pace>,
}

impl<S> Paced<S> {
    /// `inner`, waiting for `pace` before each message.
    pub fn new(inner: S, pace: Arc<Pace>) -> Paced<S> {
        Paced { inner, pace }
    }

    /// The wrapped sender.
    pub fn inner(&self) -> &S {
        &self.inner
    }

    /// The pace every message waits for.
    pub fn pace(&self) -> &Arc<Pace> {
        &self.pace
    }
}

impl<M: Message, S: Sender<M>> Sender<M> for Paced<S> {
    fn channel(&self) -> &str {
        self.inner.channel()
    }

    async fn send(&self, recipient: &str, message: &M) -> Result<String, SendError> {
        self.send_paced(recipient, message, None).await
    }

    async fn send_watched(
        &self,
        recipient: &str,
        message: &M,
        wait: &Wait,
    ) -> Result<String, SendError> {
        self.send_paced(recipient, message, Some(wait)).await
    }
}

impl<S> Paced<S> {
    async fn send_paced<M: Message>(
        &self,
        recipient: &str,
        message: &M,
        wait: Option<&Wait>,
    ) -> Result<String, SendError>
    where
        S: Sender<M>,
    {
        self.pace
            .ready_watched(pace_key(recipient), message.class(), wait)
            .await;
        if let Some(wait) = wait {
            // A notice announcing this message goes first.
            wait.over().await;
        }
        let result = self.inner.send(recipient, message).await;
        if let Err(SendError::RetryAfter(after)) = &result {
            self.pace.freeze(*after);
        }
        result
    }
}

/// How [`Retry`] retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Sends of one message at most, rate limits and transient failures included
    /// (at least 1).
    pub attempts: u32,
    /// The pause after the first transient failure; it grows by as much per attempt.
    pub backoff: Duration,
    /// The longest pause between two attempts.
    pub max_pause: Duration,
}

impl RetryPolicy {
    /// For replies to a citizen who is waiting: a few quick attempts.
    pub const REPLY: RetryPolicy = RetryPolicy {
        attempts: 5,
        backoff: Duration::from_millis(200),
        max_pause: Duration::from_secs(30),
    };

    /// One attempt, and the plain-text resend after refused markup: for the relay,
    /// whose durable outbox retries on its own schedule.
    pub const ONCE: RetryPolicy = RetryPolicy {
        attempts: 1,
        backoff: Duration::ZERO,
        max_pause: Duration::ZERO,
    };
}

/// A sender that acts on classified errors: rate limits, a recipient's own limit and
/// transient failures are retried (up to the policy's attempts), refused markup is sent
/// once more as plain text; everything else is returned at once.
#[derive(Debug)]
pub struct Retry<S> {
    inner: S,
    policy: RetryPolicy,
}

impl<S> Retry<S> {
    /// `inner`, retried as `policy` says.
    pub fn new(inner: S, policy: RetryPolicy) -> Retry<S> {
        Retry { inner, policy }
    }

    /// The wrapped sender.
    pub fn inner(&self) -> &S {
        &self.inner
    }
}

impl<M: Message, S: Sender<M>> Sender<M> for Retry<S> {
    fn channel(&self) -> &str {
        self.inner.channel()
    }

    async fn send(&self, recipient: &str, message: &M) -> Result<String, SendError> {
        self.send_retried(recipient, message, None).await
    }

    async fn send_watched(
        &self,
        recipient: &str,
        message: &M,
        wait: &Wait,
    ) -> Result<String, SendError> {
        self.send_retried(recipient, message, Some(wait)).await
    }
}

impl<S> Retry<S> {
    /// The first attempt reports its wait on `wait`; later ones (after a refusal) go
    /// unwatched: the citizen has been shown the wait already.
    async fn send_retried<M: Message>(
        &self,
        recipient: &str,
        message: &M,
        wait: Option<&Wait>,
    ) -> Result<String, SendError>
    where
        S: Sender<M>,
    {
        let mut plain: Option<M> = None;
        let mut attempt = 1;
        loop {
            let current = plain.as_ref().unwrap_or(message);
            let sent = match wait.filter(|_| attempt == 1 && plain.is_none()) {
                Some(wait) => self.inner.send_watched(recipient, current, wait).await,
                None => self.inner.send(recipient, current).await,
            };
            let error = match sent {
                Ok(id) => return Ok(id),
                Err(error) => error,
            };
            match error {
                SendError::BadMarkup(reason) if plain.is_none() => match message.without_markup() {
                    Some(without) => {
                        tracing::warn!("markup refused ({reason}); sending as plain text");
                        plain = Some(without);
                    }
                    None => return Err(SendError::BadMarkup(reason)),
                },
                // The pace was frozen by `Paced`: the next attempt waits it out.
                SendError::RetryAfter(_) if attempt < self.policy.attempts => attempt += 1,
                // Only this recipient must wait (WhatsApp's pair rate limit).
                SendError::Deferred(after) if attempt < self.policy.attempts => {
                    tokio::time::sleep(after.min(self.policy.max_pause)).await;
                    attempt += 1;
                }
                SendError::Transient(reason) if attempt < self.policy.attempts => {
                    tracing::debug!(attempt, "not sent yet: {reason}");
                    let pause = self.policy.backoff * attempt;
                    tokio::time::sleep(pause.min(self.policy.max_pause)).await;
                    attempt += 1;
                }
                other => return Err(other),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    #[test]
    fn channel_names_are_paced_as_groups() {
        assert_eq!(pace_key("42"), 42);
        assert_eq!(pace_key("-1001"), -1001);
        assert!(pace_key("@notizie") < 0);
        assert_eq!(pace_key("@notizie"), pace_key("@notizie"));
        assert_ne!(pace_key("@notizie"), pace_key("@avvisi"));
    }

    #[derive(Debug, Clone, PartialEq)]
    struct Text {
        body: String,
        html: bool,
    }

    impl Message for Text {
        fn without_markup(&self) -> Option<Text> {
            self.html.then(|| Text {
                body: self.body.replace("<b>", ""),
                html: false,
            })
        }
    }

    /// Answers with the scripted errors first, then succeeds; records what it got.
    #[derive(Default)]
    struct Scripted {
        errors: Mutex<Vec<SendError>>,
        got: Mutex<Vec<Text>>,
    }

    impl Sender<Text> for Scripted {
        fn channel(&self) -> &str {
            "test"
        }

        async fn send(&self, _: &str, message: &Text) -> Result<String, SendError> {
            self.got.lock().unwrap().push(message.clone());
            let mut errors = self.errors.lock().unwrap();
            if errors.is_empty() {
                Ok("1".into())
            } else {
                Err(errors.remove(0))
            }
        }
    }

    fn scripted(errors: Vec<SendError>) -> Scripted {
        Scripted {
            errors: Mutex::new(errors),
            got: Mutex::default(),
        }
    }

    fn html() -> Text {
        Text {
            body: "<b>ciao".into(),
            html: true,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn transient_failures_and_rate_limits_are_retried_up_to_the_attempts() {
        let sender = Retry::new(
            scripted(vec![
                SendError::Transient("502".into()),
                SendError::RetryAfter(Duration::from_secs(1)),
            ]),
            RetryPolicy::REPLY,
        );
        assert_eq!(sender.send("1", &html()).await, Ok("1".into()));
        assert_eq!(sender.inner().got.lock().unwrap().len(), 3);

        let failing = vec![SendError::Transient("502".into()); 10];
        let sender = Retry::new(scripted(failing), RetryPolicy::REPLY);
        assert!(matches!(
            sender.send("1", &html()).await,
            Err(SendError::Transient(_))
        ));
        assert_eq!(sender.inner().got.lock().unwrap().len(), 5);
    }

    #[tokio::test]
    async fn refused_markup_is_sent_once_more_as_plain_text() {
        let sender = Retry::new(
            scripted(vec![SendError::BadMarkup("can't parse entities".into())]),
            RetryPolicy::ONCE,
        );
        assert_eq!(sender.send("1", &html()).await, Ok("1".into()));
        let got = sender.inner().got.lock().unwrap().clone();
        assert_eq!(got.len(), 2);
        assert_eq!(
            got[1],
            Text {
                body: "ciao".into(),
                html: false
            }
        );
    }

    #[tokio::test]
    async fn gone_and_permanent_are_returned_at_once() {
        for error in [
            SendError::Gone("blocked".into()),
            SendError::Permanent("too long".into()),
        ] {
            let sender = Retry::new(scripted(vec![error.clone()]), RetryPolicy::REPLY);
            assert_eq!(sender.send("1", &html()).await, Err(error));
            assert_eq!(sender.inner().got.lock().unwrap().len(), 1);
        }
    }
}
