//! Telegram's sending limits, enforced with governor: messages per second overall,
//! one message per second per chat, twenty per minute per group or channel, and a
//! pause for everyone when Telegram answers 429 with `retry_after`.
//!
//! Every message to Telegram — replies now, news later — waits here first, so the
//! limits hold for the bot as a whole. Waiting is exact (no polling ticks).

use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter};
use tokio::time::Instant;

/// Limits, per Telegram's bot FAQ unless raised (paid broadcasts allow up to 1,000/s).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Messages per second, all chats together (default 30).
    pub per_second: u32,
    /// Messages per second to one private chat (default 1).
    pub per_chat_per_second: u32,
    /// Messages per minute to one group or channel (default 20).
    pub per_group_per_minute: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            per_second: 30,
            per_chat_per_second: 1,
            per_group_per_minute: 20,
        }
    }
}

impl Limits {
    /// No practical limit: for fakes and benchmarks.
    pub fn unlimited() -> Limits {
        Limits {
            per_second: 1_000_000,
            per_chat_per_second: 1_000_000,
            per_group_per_minute: 1_000_000,
        }
    }
}

/// The shared pace of everything the bot sends.
pub struct Pace {
    overall: DefaultDirectRateLimiter,
    per_chat: DefaultKeyedRateLimiter<i64>,
    per_group: DefaultKeyedRateLimiter<i64>,
    frozen_until: Mutex<Option<Instant>>,
}

impl std::fmt::Debug for Pace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pace").finish_non_exhaustive()
    }
}

fn at_least_one(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN)
}

impl Pace {
    pub fn new(limits: Limits) -> Pace {
        Pace {
            overall: RateLimiter::direct(Quota::per_second(at_least_one(limits.per_second))),
            per_chat: RateLimiter::keyed(Quota::per_second(at_least_one(
                limits.per_chat_per_second,
            ))),
            per_group: RateLimiter::keyed(Quota::per_minute(at_least_one(
                limits.per_group_per_minute,
            ))),
            frozen_until: Mutex::new(None),
        }
    }

    /// Waits until a message to `chat` may go (negative ids are groups and channels).
    pub async fn ready(&self, chat: i64) {
        self.wait_out_freeze().await;
        if chat < 0 {
            self.per_group.until_key_ready(&chat).await;
        } else {
            self.per_chat.until_key_ready(&chat).await;
        }
        self.overall.until_ready().await;
        // A 429 may have arrived while this message waited its turn.
        self.wait_out_freeze().await;
    }

    /// Telegram said "retry after": nobody sends until then.
    pub fn freeze(&self, retry_after: Duration) {
        let until = Instant::now() + retry_after;
        let mut frozen = self.frozen_until.lock().unwrap_or_else(|p| p.into_inner());
        if frozen.is_none_or(|current| current < until) {
            *frozen = Some(until);
        }
    }

    async fn wait_out_freeze(&self) {
        let until = *self.frozen_until.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(until) = until.filter(|u| *u > Instant::now()) {
            tokio::time::sleep_until(until).await;
        }
    }

    /// Forgets idle chats so the per-chat state stays small.
    pub fn tidy(&self) {
        self.per_chat.retain_recent();
        self.per_group.retain_recent();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_message_per_second_per_chat_and_a_freeze_for_everyone() {
        // Real time: governor keeps its own clock.
        let pace = Pace::new(Limits::default());
        let start = std::time::Instant::now();
        pace.ready(1).await;
        pace.ready(2).await;
        assert!(
            start.elapsed() < Duration::from_millis(500),
            "different chats do not wait for each other"
        );
        pace.ready(1).await;
        assert!(
            start.elapsed() >= Duration::from_millis(900),
            "the same chat waits a second"
        );
        pace.freeze(Duration::from_secs(1));
        let frozen = std::time::Instant::now();
        pace.ready(3).await;
        assert!(
            frozen.elapsed() >= Duration::from_millis(990),
            "retry_after holds for every chat"
        );
    }
}
