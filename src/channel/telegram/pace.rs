//! Telegram's sending limits, enforced with governor: messages per second overall,
//! one message per second per chat, twenty per minute per group or channel, and a
//! pause for everyone when Telegram answers 429 with `retry_after`.
//!
//! Every message to Telegram — replies and the news relay — waits here first, so the
//! limits hold for the bot as a whole. Waiting is exact (no polling ticks).
//!
//! The quotas are strict over any window: a limit of `n` per second never lets more
//! than `n` messages go in any one second (governor's burst is counted in), at the
//! price of running about 1% under the nominal rate.

use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::Duration;

use governor::clock::Clock;
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

/// The most Telegram allows with `allow_paid_broadcast` (messages per second).
pub const PAID_BROADCAST_MAX: u32 = 1_000;

impl Limits {
    /// Telegram's defaults with the overall rate set to `per_second` (clamped to
    /// 1..=1,000; above 30 needs Telegram's paid broadcasts).
    pub fn with_rate(per_second: u32) -> Limits {
        Limits {
            per_second: per_second.clamp(1, PAID_BROADCAST_MAX),
            ..Limits::default()
        }
    }

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
    /// Senders waiting for the overall quota queue here, so one waits on the limiter
    /// at a time instead of all of them waking at every slot.
    overall_queue: tokio::sync::Mutex<()>,
    limits: Limits,
}

impl std::fmt::Debug for Pace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pace").finish_non_exhaustive()
    }
}

fn at_least_one(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN)
}

/// A quota that never lets more than `n` cells through in any `window`: a burst of
/// `b` (1% of `n`, at least 1) plus one cell every `window / r` with
/// `b + ⌊r⌋ ≤ n`; `r` keeps 1% of slack for the jitter between here and the server.
fn strict(n: u32, window: Duration) -> Quota {
    let n = at_least_one(n).get();
    let burst = (n / 100).max(1);
    let steady = f64::from(n - burst + 1) * 0.99;
    let period = window.div_f64(steady.max(0.01));
    Quota::with_period(period)
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MAX))
        .allow_burst(at_least_one(burst))
}

impl Pace {
    pub fn new(limits: Limits) -> Pace {
        Pace {
            overall: RateLimiter::direct(strict(limits.per_second, Duration::from_secs(1))),
            per_chat: RateLimiter::keyed(strict(
                limits.per_chat_per_second,
                Duration::from_secs(1),
            )),
            per_group: RateLimiter::keyed(strict(
                limits.per_group_per_minute,
                Duration::from_secs(60),
            )),
            frozen_until: Mutex::new(None),
            overall_queue: tokio::sync::Mutex::new(()),
            limits,
        }
    }

    /// The limits this pace keeps.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Waits until a message to `chat` may go (negative ids are groups and channels).
    ///
    /// The overall slot and the chat's slot are both taken at the moment this returns,
    /// so a long wait for one cannot bunch messages for the other.
    pub async fn ready(&self, chat: i64) {
        let keyed = if chat < 0 {
            &self.per_group
        } else {
            &self.per_chat
        };
        loop {
            self.wait_out_freeze().await;
            {
                let _turn = self.overall_queue.lock().await;
                if self.overall.check().is_err() {
                    metrics::counter!("sportello_rate_limit_waits_total").increment(1);
                    self.overall.until_ready().await;
                }
            }
            match keyed.check_key(&chat) {
                // A 429 may have arrived while this message waited its turn.
                Ok(()) if !self.is_frozen() => return,
                Ok(()) => {}
                // The chat is not ready: the overall slot just taken goes unused
                // (fewer messages, never more) and the chat is waited for.
                Err(not_until) => {
                    tokio::time::sleep(not_until.wait_time_from(keyed.clock().now())).await;
                }
            }
        }
    }

    fn is_frozen(&self) -> bool {
        let until = *self.frozen_until.lock().unwrap_or_else(|p| p.into_inner());
        until.is_some_and(|u| u > Instant::now())
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
    async fn one_message_per_second_per_chat() {
        let pace = Pace::new(Limits::default());
        pace.ready(1).await;
        pace.ready(2).await;
        assert!(
            pace.per_chat.check_key(&1).is_err(),
            "chat 1 waits before its next message"
        );
        assert!(
            pace.per_chat.check_key(&3).is_ok(),
            "other chats do not wait for it"
        );
    }

    #[test]
    fn a_quota_never_lets_more_than_its_limit_through_in_a_window() {
        for (n, window) in [
            (30, Duration::from_secs(1)),
            (1_000, Duration::from_secs(1)),
            (20, Duration::from_secs(60)),
        ] {
            let quota = strict(n, window);
            // At most the burst at once, then one cell per period.
            let most = f64::from(quota.burst_size().get() - 1)
                + window.as_secs_f64() / quota.replenish_interval().as_secs_f64();
            assert!(most <= f64::from(n), "{n} per {window:?}: {most}");
            assert!(most >= f64::from(n) * 0.98, "{n} per {window:?}: {most}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_holds_everyone_for_its_retry_after() {
        let pace = Pace::new(Limits::default());
        pace.freeze(Duration::from_secs(5));
        assert!(pace.is_frozen());
        let frozen = Instant::now();
        pace.ready(3).await;
        // Virtual time: the clock only moves while everything waits.
        assert!(frozen.elapsed() >= Duration::from_secs(5));
    }
}
