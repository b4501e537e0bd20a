//! How the relay hands a message to a channel: one `Sender` trait taking a
//! [`Delivery`], and `Paced`, the wrapper that makes every send wait for a channel's
//! limits first (each channel has its own [`Pace`]: Telegram's is shared with the
//! bot's replies, WhatsApp's is the relay's alone).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use crate::channel::telegram::Pace;

/// Why a send did not deliver, as the relay acts on it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// The channel's overall rate limit (Telegram's 429, WhatsApp's throughput
    /// errors): nobody sharing the sender's [`Pace`] sends for this long; then the same
    /// message again.
    #[error("rate limited for {0:?}")]
    RetryAfter(Duration),
    /// This recipient cannot take a message now (WhatsApp's pair rate limit): the row
    /// goes back to the queue, due after this long, without counting an attempt;
    /// nobody else waits.
    #[error("deferred for {0:?}")]
    Deferred(Duration),
    /// The group became a supergroup with this id: send there instead.
    #[error("chat migrated")]
    Migrated(String),
    /// Blocked, deactivated, kicked or not found: never retried.
    #[error("recipient gone: {0}")]
    Gone(String),
    /// 5xx, timeouts, network: retried with backoff.
    #[error("transient: {0}")]
    Transient(String),
    /// Any other refusal: never retried.
    #[error("refused: {0}")]
    Permanent(String),
}

/// One message for one recipient, with what a channel may need besides the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivery<'a> {
    /// The chat: a Telegram chat id or `@channel`, a WhatsApp wa_id.
    pub recipient: &'a str,
    /// The message, Telegram-style HTML (rendered in `lang`).
    pub text: &'a str,
    /// The recipient's language.
    pub lang: &'a str,
    /// The news item's topics, those the recipient follows first (empty for other
    /// messages).
    pub topics: &'a [String],
    /// The news item's title and link as staff wrote them (plain text).
    pub title: Option<&'a str>,
    pub link: Option<&'a str>,
}

/// Sends one message on one channel. Implementations do not retry; the worker does.
pub trait Sender: Send + Sync + 'static {
    /// The outbox `channel` this sender serves (e.g. `telegram`).
    fn channel(&self) -> &str;

    /// Sends `delivery`; the channel's id of the message on success (Telegram's
    /// number as text, WhatsApp's `wamid.…`).
    fn send(
        &self,
        delivery: &Delivery<'_>,
    ) -> impl Future<Output = Result<String, SendError>> + Send;
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
/// freezes the pace for everyone sharing it (the bot's replies too, when they share
/// one `Pace`), and nobody else: give each channel its own.
#[derive(Debug)]
pub struct Paced<S> {
    inner: S,
    pace: Arc<Pace>,
}

impl<S> Paced<S> {
    pub fn new(inner: S, pace: Arc<Pace>) -> Paced<S> {
        Paced { inner, pace }
    }

    pub fn inner(&self) -> &S {
        &self.inner
    }

    pub fn into_inner(self) -> S {
        self.inner
    }

    pub fn pace(&self) -> &Arc<Pace> {
        &self.pace
    }
}

impl<S: Sender> Sender for Paced<S> {
    fn channel(&self) -> &str {
        self.inner.channel()
    }

    async fn send(&self, delivery: &Delivery<'_>) -> Result<String, SendError> {
        self.pace.ready(pace_key(delivery.recipient)).await;
        let result = self.inner.send(delivery).await;
        if let Err(SendError::RetryAfter(after)) = &result {
            self.pace.freeze(*after);
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_names_are_paced_as_groups() {
        assert_eq!(pace_key("42"), 42);
        assert_eq!(pace_key("-1001"), -1001);
        assert!(pace_key("@notizie") < 0);
        assert_eq!(pace_key("@notizie"), pace_key("@notizie"));
        assert_ne!(pace_key("@notizie"), pace_key("@avvisi"));
    }
}
