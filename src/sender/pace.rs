//! A channel's sending limits, enforced with governor: messages per second overall,
//! per second per recipient, per minute per group or channel (Telegram), and a pause
//! for everyone when the channel answers "retry after".
//!
//! Every message of one channel — replies and the news relay — waits on that channel's
//! one `Pace`, so the limits hold for the bot as a whole. Waiting is exact (no polling
//! ticks).
//!
//! **Replies first**: a reply to a citizen waits at most for the slot in progress,
//! never behind queued news. Proactive messages ([`Class::Background`]: news,
//! reminders, consultations) take a slot only while no reply is waiting for one, so
//! they use what replies leave of the budget and catch up when replies calm down.
//!
//! **Waits are shown**: a reply that has to wait a perceptible while for the overall
//! slot ([`PERCEPTIBLE`], behind other replies or a "retry after") tells its
//! [`Wait`], so the channel can show the citizen it is coming
//! ([`Patience`](super::Patience)). A [`Class::Notice`] saying so goes ahead of the
//! replies waiting, after at most the slot in progress.
//!
//! A limit of `n` per second sends `n` a second for as long as there is work, so a bot
//! offered exactly its limit keeps up; a burst of 1% of `n` (at least one) catches up
//! a moment's hiccup (a slow call, a busy core) instead of losing those slots. No
//! second ever holds more than `n` plus that burst, less one: exactly `n` when the
//! burst is one (the free 30/s, 20/minute to a group).

use std::num::NonZeroU32;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use governor::clock::Clock;
use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter};
use tokio::time::Instant;

use super::Wait;

/// A wait shorter than this is not worth showing: the reply is there before a
/// "typing…" would be.
pub const PERCEPTIBLE: Duration = Duration::from_millis(250);

/// The quotas a [`Pace`] keeps, whatever the channel: messages per second overall,
/// per second to one recipient, and (where the channel has them) per minute to one
/// group or channel. Each channel has its own limits type that converts into this.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quotas {
    /// Messages per second, all recipients together.
    pub per_second: u32,
    /// Messages per second to one private recipient.
    pub per_recipient_per_second: u32,
    /// Messages one private recipient may get at once before that rate holds (1: the
    /// rate is strict over any window).
    pub per_recipient_burst: u32,
    /// Messages per minute to one group or channel (negative pace keys); `None` when
    /// the channel has no groups, and every recipient is paced per second.
    pub per_group_per_minute: Option<u32>,
}

/// Who a message is for, as the pace orders them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Class {
    /// An answer to a citizen (a turn's reply, a staff answer): first in line.
    Reply,
    /// A short notice to a citizen whose reply is waiting, that it is on its way: ahead
    /// of the replies waiting, or it would arrive after the reply it announces.
    /// [`Patience`](super::Patience) keeps these few.
    Notice,
    /// A proactive message (news, a reminder, a consultation): after the replies.
    Background,
}

impl Class {
    fn label(self) -> &'static str {
        match self {
            Class::Reply => "reply",
            Class::Notice => "notice",
            Class::Background => "background",
        }
    }
}

/// The shared pace of everything the bot sends.
pub struct Pace {
    overall: DefaultDirectRateLimiter,
    per_chat: DefaultKeyedRateLimiter<i64>,
    /// `None`: groups are paced like any recipient.
    per_group: Option<DefaultKeyedRateLimiter<i64>>,
    frozen_until: Mutex<Option<Instant>>,
    /// Senders waiting for the overall quota queue here, so one waits on the limiter
    /// at a time instead of all of them waking at every slot.
    overall_queue: tokio::sync::Mutex<()>,
    /// Background senders queue here, one waiting on the overall quota at a time.
    background_queue: tokio::sync::Mutex<()>,
    /// Replies and notices waiting for (or taking) an overall slot; background waits
    /// while > 0.
    replies_waiting: AtomicU32,
    /// Notices waiting for an overall slot; replies wait while > 0.
    notices_waiting: AtomicU32,
    /// Wakes the replies when the last waiting notice took its slot.
    notices_served: tokio::sync::Notify,
    /// The time between two overall slots, for telling how long a reply will wait.
    overall_period: Duration,
    /// Wakes the background sender when the last waiting reply took its slot.
    replies_served: tokio::sync::Notify,
    quotas: Quotas,
    /// Messages paced since the idle recipients' state was last forgotten.
    since_tidy: AtomicU32,
}

impl std::fmt::Debug for Pace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pace").finish_non_exhaustive()
    }
}

/// Messages between two tidy-ups of the per-recipient state.
const TIDY_EVERY: u32 = 4096;

fn at_least_one(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN)
}

/// `n` cells per `window`, sustained, after a burst of 1% of `n` (at least one): at
/// most `n + burst - 1` in any window.
fn per_window(n: u32, window: Duration) -> Quota {
    paced(n, window, n / 100)
}

/// `n` per second after a burst of `burst` (as `per_window` when the burst is 1).
fn with_burst(n: u32, burst: u32) -> Quota {
    if burst <= 1 {
        return per_window(n, Duration::from_secs(1));
    }
    paced(n, Duration::from_secs(1), burst)
}

/// `n` cells per `window` (the period rounded up to the nanosecond, so never faster)
/// after `burst` at once.
fn paced(n: u32, window: Duration, burst: u32) -> Quota {
    let nanos = window.as_nanos().div_ceil(u128::from(n.max(1)));
    let period = Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX));
    Quota::with_period(period)
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MAX))
        .allow_burst(at_least_one(burst))
}

impl Pace {
    /// A pace keeping `quotas` (a channel's limits).
    pub fn new(quotas: impl Into<Quotas>) -> Pace {
        let quotas = quotas.into();
        let overall = per_window(quotas.per_second, Duration::from_secs(1));
        Pace {
            overall_period: overall.replenish_interval(),
            overall: RateLimiter::direct(overall),
            per_chat: RateLimiter::keyed(with_burst(
                quotas.per_recipient_per_second,
                quotas.per_recipient_burst,
            )),
            per_group: quotas
                .per_group_per_minute
                .map(|n| RateLimiter::keyed(per_window(n, Duration::from_secs(60)))),
            frozen_until: Mutex::new(None),
            overall_queue: tokio::sync::Mutex::new(()),
            background_queue: tokio::sync::Mutex::new(()),
            replies_waiting: AtomicU32::new(0),
            replies_served: tokio::sync::Notify::new(),
            notices_waiting: AtomicU32::new(0),
            notices_served: tokio::sync::Notify::new(),
            quotas,
            since_tidy: AtomicU32::new(0),
        }
    }

    /// The quotas this pace keeps.
    pub fn quotas(&self) -> Quotas {
        self.quotas
    }

    /// Waits until a reply to `chat` may go (negative ids are groups and channels).
    pub async fn ready(&self, chat: i64) {
        self.ready_as(chat, Class::Reply).await;
    }

    /// Waits until a message of `class` to `chat` may go: a notice before the replies
    /// waiting, a reply before any background message waiting at the same time.
    ///
    /// The overall slot and the chat's slot are both taken at the moment this returns,
    /// so a long wait for one cannot bunch messages for the other.
    pub async fn ready_as(&self, chat: i64, class: Class) {
        self.ready_watched(chat, class, None).await;
    }

    /// [`ready_as`](Self::ready_as), telling `wait` when a reply has to wait a
    /// perceptible while ([`PERCEPTIBLE`]) for the overall slot: behind other replies,
    /// for the limit's next slot, or for a "retry after". A wait for the chat's own
    /// quota (its earlier messages) is not told: it is no sign of a crowd.
    pub async fn ready_watched(&self, chat: i64, class: Class, wait: Option<&Wait>) {
        let started = Instant::now();
        self.wait_for_slots(chat, class, wait).await;
        metrics::histogram!("sportello_pace_wait_seconds", "class" => class.label())
            .record(started.elapsed().as_secs_f64());
    }

    async fn wait_for_slots(&self, chat: i64, class: Class, wait: Option<&Wait>) {
        let keyed = match &self.per_group {
            Some(per_group) if chat < 0 => per_group,
            _ => &self.per_chat,
        };
        if self.since_tidy.fetch_add(1, Ordering::Relaxed) >= TIDY_EVERY {
            self.since_tidy.store(0, Ordering::Relaxed);
            self.tidy();
        }
        loop {
            self.wait_out_freeze(wait).await;
            match class {
                Class::Reply => self.overall_slot_for_a_reply(wait).await,
                Class::Notice => self.overall_slot_for_a_notice().await,
                Class::Background => self.overall_slot_for_background().await,
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

    /// Takes the next overall slot, counted as a waiting reply until it has it; the
    /// notices waiting go first.
    async fn overall_slot_for_a_reply(&self, wait: Option<&Wait>) {
        let ahead = self.replies_waiting.fetch_add(1, Ordering::SeqCst);
        {
            let _turn = match self.overall_queue.try_lock() {
                Ok(turn) => turn,
                Err(_) => {
                    // About `ahead` slots go before this one.
                    if self.overall_period.saturating_mul(ahead) >= PERCEPTIBLE
                        && let Some(wait) = wait
                    {
                        wait.behind_others();
                    }
                    self.overall_queue.lock().await
                }
            };
            let mut counted = false;
            loop {
                self.let_notices_go_first().await;
                let Err(not_until) = self.overall.check() else {
                    break;
                };
                if !counted {
                    metrics::counter!("sportello_rate_limit_waits_total").increment(1);
                    counted = true;
                }
                let pause = not_until.wait_time_from(self.overall.clock().now());
                if pause >= PERCEPTIBLE
                    && let Some(wait) = wait
                {
                    wait.behind_others();
                }
                tokio::time::sleep(pause).await;
            }
        }
        if self.replies_waiting.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.replies_served.notify_waiters();
        }
    }

    /// Returns once no notice waits for an overall slot.
    async fn let_notices_go_first(&self) {
        loop {
            let served = self.notices_served.notified();
            tokio::pin!(served);
            served.as_mut().enable();
            if self.notices_waiting.load(Ordering::SeqCst) == 0 {
                return;
            }
            served.await;
        }
    }

    /// Takes the next overall slot before the replies waiting (the one whose slot is
    /// in progress may still go first). Notices are few (a share of the rate, see
    /// [`Patience`](super::Patience)), so they never hold the replies up for long.
    async fn overall_slot_for_a_notice(&self) {
        self.replies_waiting.fetch_add(1, Ordering::SeqCst);
        self.notices_waiting.fetch_add(1, Ordering::SeqCst);
        while let Err(not_until) = self.overall.check() {
            tokio::time::sleep(not_until.wait_time_from(self.overall.clock().now())).await;
        }
        if self.notices_waiting.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.notices_served.notify_waiters();
        }
        if self.replies_waiting.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.replies_served.notify_waiters();
        }
    }

    /// Takes an overall slot no reply is waiting for: before each try, the replies
    /// waiting go first; a slot not yet free is slept for, then looked at again.
    async fn overall_slot_for_background(&self) {
        let _turn = self.background_queue.lock().await;
        let mut waited = false;
        loop {
            loop {
                let served = self.replies_served.notified();
                tokio::pin!(served);
                served.as_mut().enable();
                if self.replies_waiting.load(Ordering::SeqCst) == 0 {
                    break;
                }
                served.await;
            }
            match self.overall.check() {
                Ok(()) => return,
                Err(not_until) => {
                    if !waited {
                        metrics::counter!("sportello_rate_limit_waits_total").increment(1);
                        waited = true;
                    }
                    let clock = self.overall.clock();
                    tokio::time::sleep(not_until.wait_time_from(clock.now())).await;
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

    async fn wait_out_freeze(&self, wait: Option<&Wait>) {
        let until = *self.frozen_until.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(until) = until.filter(|u| *u > Instant::now()) {
            if until - Instant::now() >= PERCEPTIBLE
                && let Some(wait) = wait
            {
                wait.behind_others();
            }
            tokio::time::sleep_until(until).await;
        }
    }

    /// Forgets recipients whose quota has refilled, so the per-recipient state follows
    /// the live conversations rather than every citizen ever written to. Done every
    /// [`TIDY_EVERY`] messages.
    pub fn tidy(&self) {
        self.per_chat.retain_recent();
        self.per_chat.shrink_to_fit();
        if let Some(per_group) = &self.per_group {
            per_group.retain_recent();
            per_group.shrink_to_fit();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEST_QUOTAS: Quotas = Quotas {
        per_second: 30,
        per_recipient_per_second: 1,
        per_recipient_burst: 1,
        per_group_per_minute: Some(20),
    };

    #[tokio::test]
    async fn idle_recipients_are_forgotten() {
        let pace = Pace::new(Quotas {
            per_second: 1_000_000,
            per_recipient_per_second: 1_000,
            per_recipient_burst: 1,
            per_group_per_minute: None,
        });
        for chat in 0..100 {
            pace.ready(chat).await;
        }
        assert_eq!(pace.per_chat.len(), 100);
        tokio::time::sleep(Duration::from_millis(20)).await;
        pace.tidy();
        assert_eq!(pace.per_chat.len(), 0, "refilled quotas are dropped");
    }

    #[tokio::test]
    async fn one_message_per_second_per_chat() {
        let pace = Pace::new(TEST_QUOTAS);
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

    #[tokio::test]
    async fn a_chat_gets_a_short_burst_then_one_a_second() {
        let pace = Pace::new(Quotas {
            per_recipient_burst: 3,
            ..TEST_QUOTAS
        });
        for _ in 0..3 {
            assert!(
                pace.per_chat.check_key(&7).is_ok(),
                "the burst goes at once"
            );
        }
        assert!(
            pace.per_chat.check_key(&7).is_err(),
            "then the chat waits for its one a second"
        );
    }

    #[test]
    fn a_quota_sustains_its_limit_and_bursts_at_most_one_percent_over_it() {
        for (n, window, most) in [
            (30, Duration::from_secs(1), 30.0),
            (1_000, Duration::from_secs(1), 1_009.0),
            (20, Duration::from_secs(60), 20.0),
        ] {
            let quota = per_window(n, window);
            let sustained = window.as_secs_f64() / quota.replenish_interval().as_secs_f64();
            assert!(sustained <= f64::from(n), "{n} per {window:?}: {sustained}");
            assert!(sustained > f64::from(n) * 0.999_999, "{n} per {window:?}");
            // The burst at once, then one cell per period.
            let in_a_window = f64::from(quota.burst_size().get() - 1) + sustained;
            assert!(in_a_window <= most, "{n} per {window:?}: {in_a_window}");
        }
    }

    #[tokio::test]
    async fn a_reply_goes_before_the_news_already_waiting() {
        use std::sync::Arc;
        // Two messages a second overall: the news queue at once, then a reply comes.
        let pace = Arc::new(Pace::new(Quotas {
            per_second: 2,
            per_recipient_per_second: 1_000,
            per_recipient_burst: 1,
            per_group_per_minute: None,
        }));
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut news = Vec::new();
        for chat in 0..4 {
            let (pace, order) = (Arc::clone(&pace), Arc::clone(&order));
            news.push(tokio::spawn(async move {
                pace.ready_as(100 + chat, Class::Background).await;
                order.lock().unwrap_or_else(|p| p.into_inner()).push("news");
            }));
        }
        // Let the first news item take the one free slot and the rest queue.
        while order.lock().unwrap_or_else(|p| p.into_inner()).is_empty() {
            tokio::task::yield_now().await;
        }
        pace.ready_as(1, Class::Reply).await;
        order
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push("reply");
        for task in news {
            let _ = task.await;
        }
        let order = order.lock().unwrap_or_else(|p| p.into_inner()).clone();
        // At most the news item in progress went before it.
        let before = order.iter().position(|o| *o == "reply");
        assert!(matches!(before, Some(0..=2)), "{order:?}");
        assert_eq!(order.len(), 5);
    }

    /// One message a second overall, no limit per chat.
    fn one_a_second() -> Pace {
        Pace::new(Quotas {
            per_second: 1,
            per_recipient_per_second: 1_000,
            per_recipient_burst: 1_000,
            per_group_per_minute: None,
        })
    }

    #[tokio::test]
    async fn a_reply_that_goes_at_once_reports_no_wait_and_one_behind_does() {
        let pace = one_a_second();
        let first = Wait::new();
        pace.ready_watched(1, Class::Reply, Some(&first)).await;
        assert_eq!(first.waiting_since(), None, "the free slot: no wait");
        let second = Wait::new();
        pace.ready_watched(2, Class::Reply, Some(&second)).await;
        assert!(
            second.waiting_since().is_some(),
            "the next slot is a second away"
        );
    }

    #[tokio::test]
    async fn a_wait_for_the_chat_alone_is_not_reported() {
        // Plenty overall; one a second to each chat.
        let pace = Pace::new(Quotas {
            per_second: 1_000,
            ..TEST_QUOTAS
        });
        pace.ready(1).await;
        let again = Wait::new();
        pace.ready_watched(1, Class::Reply, Some(&again)).await;
        assert_eq!(again.waiting_since(), None, "its own pace, not a crowd");
    }

    #[tokio::test]
    async fn a_notice_goes_before_the_replies_already_waiting() {
        use std::sync::Arc;
        let pace = Arc::new(one_a_second());
        pace.ready(1).await;
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut replies = Vec::new();
        for chat in 2..5 {
            let (pace, order) = (Arc::clone(&pace), Arc::clone(&order));
            replies.push(tokio::spawn(async move {
                pace.ready(chat).await;
                order.lock().unwrap_or_else(|p| p.into_inner()).push(chat);
            }));
        }
        // Let the replies queue for the next slot, then a notice comes.
        while pace.replies_waiting.load(Ordering::SeqCst) < 3 {
            tokio::task::yield_now().await;
        }
        pace.ready_as(9, Class::Notice).await;
        order.lock().unwrap_or_else(|p| p.into_inner()).push(9);
        for task in replies {
            let _ = task.await;
        }
        let order = order.lock().unwrap_or_else(|p| p.into_inner()).clone();
        // At most the reply whose slot was in progress went before it.
        let at = order.iter().position(|c| *c == 9);
        assert!(matches!(at, Some(0..=1)), "{order:?}");
        assert_eq!(order.len(), 4);
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_holds_everyone_for_its_retry_after() {
        let pace = Pace::new(TEST_QUOTAS);
        pace.freeze(Duration::from_secs(5));
        assert!(pace.is_frozen());
        let frozen = Instant::now();
        pace.ready(3).await;
        // Virtual time: the clock only moves while everything waits.
        assert!(frozen.elapsed() >= Duration::from_secs(5));
    }
}
