//! What a citizen sees while their reply waits for the shared limit (a spike: many
//! citizens writing at once): "typing…" at once and again while the wait lasts, and,
//! once it has lasted [`Patience`]'s threshold, one short notice that the reply is
//! coming.
//!
//! - A [`Wait`] follows one message: the [`Pace`](super::Pace) marks it when the
//!   message has to wait a perceptible while, [`Paced`](super::Paced) when it has its
//!   slot. A message that goes at once shows nothing.
//! - [`Patience`] (one per channel) shows the wait through the channel's [`Show`]:
//!   chat actions are not messages, so they take no slot of the pace, but each
//!   recipient gets at most one per [`TYPING_EVERY`]. The notice is a message: it goes
//!   as [`Class::Notice`](super::Class::Notice), ahead of the replies waiting, at most
//!   once per recipient in [`NOTICE_ONCE_IN`], and all notices together take at most
//!   a tenth of the rate ([`NOTICE_SHARE`]), so in a long spike the replies keep nine
//!   slots in ten. A notice that finds that share used is tried again at the next
//!   "typing…"; one whose reply got its slot first is not sent.
//!
//! It sends nothing itself: the channel's `Show` does, through the sender stack.

use std::collections::HashMap;
use std::future::Future;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use tokio::sync::watch;
use tokio::time::Instant;

/// How often "typing…" is renewed while a reply waits: Telegram shows it for 5 s.
pub const TYPING_EVERY: Duration = Duration::from_millis(4_500);
/// A recipient gets at most one notice in this long: once per spike.
pub const NOTICE_ONCE_IN: Duration = Duration::from_secs(600);
/// Notices take at most one slot in this many of the rate (and at least one a second).
pub const NOTICE_SHARE: u32 = 10;
/// Shown recipients looked at between two clean-ups of the idle ones.
const TIDY_EVERY: u32 = 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Not waiting (yet).
    NotYet,
    /// Waiting for the shared limit since then.
    Since(Instant),
    /// The message has its slot: nothing more is shown.
    Over,
}

/// One message's wait for its slot, as the pace reports it.
#[derive(Debug)]
pub struct Wait {
    /// When the citizen's message reached the bot: the wait is theirs from then.
    received: Option<Instant>,
    phase: watch::Sender<Phase>,
    /// Held while a notice goes, so the reply it announces goes after it.
    notice: tokio::sync::Mutex<()>,
}

impl Default for Wait {
    fn default() -> Self {
        Wait::new()
    }
}

impl Wait {
    /// A message not waiting yet.
    pub fn new() -> Wait {
        Wait {
            received: None,
            phase: watch::Sender::new(Phase::NotYet),
            notice: tokio::sync::Mutex::new(()),
        }
    }

    /// The reply to a message that reached the bot at `received`: the time it spent
    /// queued before its turn counts towards the notice's threshold.
    pub fn since(received: Instant) -> Wait {
        Wait {
            received: Some(received),
            ..Wait::new()
        }
    }

    /// The message waits a perceptible while for the shared limit: shown from now
    /// (the first time only), waiting since it was received.
    pub(super) fn behind_others(&self) {
        self.phase.send_if_modified(|phase| {
            let first = *phase == Phase::NotYet;
            if first {
                let now = Instant::now();
                *phase = Phase::Since(self.received.map_or(now, |at| at.min(now)));
            }
            first
        });
    }

    /// Since when the message waits (from its receipt, if known), if it waits for the
    /// shared limit and has not its slot yet.
    pub fn waiting_since(&self) -> Option<Instant> {
        match *self.phase.borrow() {
            Phase::Since(since) => Some(since),
            Phase::NotYet | Phase::Over => None,
        }
    }

    /// The message has its slot (or is done): nothing more is shown, and a notice on
    /// its way goes first.
    pub async fn over(&self) {
        self.phase.send_if_modified(|phase| {
            let changed = *phase != Phase::Over;
            *phase = Phase::Over;
            changed
        });
        drop(self.notice.lock().await);
    }

    /// Holds the message back while a notice goes; `None` once it has its slot.
    async fn before_the_message(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        let guard = self.notice.lock().await;
        (*self.phase.borrow() != Phase::Over).then_some(guard)
    }
}

/// How a channel shows a wait to its recipient.
pub trait Show: Sync {
    /// "typing…": not a message, so it waits for no slot. Failures are logged by the
    /// channel and otherwise ignored.
    fn typing(&self) -> impl Future<Output = ()> + Send;

    /// The notice that the reply is coming: a message, sent as
    /// [`Class::Notice`](super::Class::Notice) through the channel's pace.
    fn notice(&self) -> impl Future<Output = ()> + Send;
}

/// What was last shown to one recipient.
#[derive(Debug, Clone, Copy, Default)]
struct Shown {
    typing: Option<Instant>,
    notice: Option<Instant>,
}

#[derive(Debug, Default)]
struct Recent {
    shown: HashMap<i64, Shown>,
    since_tidy: u32,
}

/// Shows the waits of one channel's replies: "typing…" every [`TYPING_EVERY`] (or as
/// set) while a reply waits, and the notice once a wait passes the threshold.
#[derive(Debug)]
pub struct Patience {
    arriving_after: Option<Duration>,
    typing_every: Duration,
    /// The notices' share of the rate.
    notices: DefaultDirectRateLimiter,
    recent: Mutex<Recent>,
}

impl Patience {
    /// For a channel sending `rate` messages per second; the notice goes once a wait
    /// passes `arriving_after` (`None`: never).
    pub fn new(rate: u32, arriving_after: Option<Duration>) -> Patience {
        let share = NonZeroU32::new(rate / NOTICE_SHARE).unwrap_or(NonZeroU32::MIN);
        Patience {
            arriving_after: arriving_after.filter(|after| !after.is_zero()),
            typing_every: TYPING_EVERY,
            notices: RateLimiter::direct(Quota::per_second(share)),
            recent: Mutex::new(Recent::default()),
        }
    }

    /// Renews "typing…" every `every` instead (a channel that shows it longer).
    pub fn typing_every(self, every: Duration) -> Patience {
        Patience {
            typing_every: every.max(Duration::from_secs(1)),
            ..self
        }
    }

    /// Shows `wait` to `recipient` (its pace key) through `show` until the message
    /// has its slot; returns at once for a message that never waits. Run it beside
    /// the send, which must end with [`Wait::over`].
    pub async fn attend(&self, wait: &Wait, recipient: i64, show: &impl Show) {
        let mut phase = wait.phase.subscribe();
        let since = match phase.wait_for(|p| *p != Phase::NotYet).await.map(|p| *p) {
            Ok(Phase::Since(since)) => since,
            _ => return,
        };
        let mut notice_at = self.arriving_after.map(|after| since + after);
        loop {
            let now = Instant::now();
            let mut wake = match self.typing_due(recipient, now) {
                Ok(()) => {
                    tokio::select! {
                        () = show.typing() => {}
                        _ = phase.wait_for(|p| *p == Phase::Over) => return,
                    }
                    now + self.typing_every
                }
                Err(next) => next,
            };
            if let Some(at) = notice_at {
                if now < at {
                    wake = wake.min(at);
                } else if self.had_notice(recipient, now) {
                    notice_at = None;
                } else if self.notices.check().is_ok() {
                    notice_at = None;
                    let Some(_first) = wait.before_the_message().await else {
                        return;
                    };
                    self.record_notice(recipient, now);
                    show.notice().await;
                }
                // Otherwise the notices' share is used: tried again at the next typing.
            }
            tokio::select! {
                _ = phase.wait_for(|p| *p == Phase::Over) => return,
                () = tokio::time::sleep_until(wake) => {}
            }
        }
    }

    /// Whether "typing…" may be shown to `recipient` now (then it counts as shown);
    /// else when it may.
    fn typing_due(&self, recipient: i64, now: Instant) -> Result<(), Instant> {
        self.with_shown(recipient, |shown| match shown.typing {
            Some(last) if last + self.typing_every > now => Err(last + self.typing_every),
            _ => {
                shown.typing = Some(now);
                Ok(())
            }
        })
    }

    fn had_notice(&self, recipient: i64, now: Instant) -> bool {
        self.with_shown(recipient, |shown| {
            shown.notice.is_some_and(|last| last + NOTICE_ONCE_IN > now)
        })
    }

    fn record_notice(&self, recipient: i64, now: Instant) {
        self.with_shown(recipient, |shown| shown.notice = Some(now));
    }

    /// `f` on what `recipient` was shown; now and then the recipients with nothing
    /// recent are forgotten, so this follows the waits of the last minutes only.
    fn with_shown<T>(&self, recipient: i64, f: impl FnOnce(&mut Shown) -> T) -> T {
        let mut recent = self.recent.lock().unwrap_or_else(|p| p.into_inner());
        recent.since_tidy += 1;
        if recent.since_tidy >= TIDY_EVERY {
            recent.since_tidy = 0;
            let now = Instant::now();
            let every = self.typing_every;
            recent.shown.retain(|_, shown| {
                shown.notice.is_some_and(|t| t + NOTICE_ONCE_IN > now)
                    || shown.typing.is_some_and(|t| t + every > now)
            });
            recent.shown.shrink_to_fit();
        }
        f(recent.shown.entry(recipient).or_default())
    }

    /// Recipients remembered (for tests of the clean-up).
    #[cfg(test)]
    fn remembered(&self) -> usize {
        self.recent
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .shown
            .len()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    /// Counts what it was asked to show, in order.
    #[derive(Default)]
    struct Shows {
        log: Mutex<Vec<(&'static str, Instant)>>,
        typing: AtomicU32,
    }

    impl Show for Shows {
        async fn typing(&self) {
            self.typing.fetch_add(1, Ordering::SeqCst);
            self.log.lock().unwrap().push(("typing", Instant::now()));
        }

        async fn notice(&self) {
            self.log.lock().unwrap().push(("notice", Instant::now()));
        }
    }

    impl Shows {
        fn kinds(&self) -> Vec<&'static str> {
            self.log.lock().unwrap().iter().map(|(k, _)| *k).collect()
        }
    }

    /// A message that waits `for_` behind others, shown to `recipient`.
    async fn waiting(patience: &Patience, recipient: i64, for_: Duration, shows: &Shows) {
        let wait = Wait::new();
        let send = async {
            wait.behind_others();
            tokio::time::sleep(for_).await;
            wait.over().await;
        };
        tokio::join!(send, patience.attend(&wait, recipient, shows));
    }

    #[tokio::test(start_paused = true)]
    async fn a_message_that_goes_at_once_shows_nothing() {
        let patience = Patience::new(30, Some(Duration::from_secs(10)));
        let shows = Shows::default();
        let wait = Wait::new();
        tokio::join!(wait.over(), patience.attend(&wait, 1, &shows));
        assert!(shows.kinds().is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn typing_is_renewed_while_the_wait_lasts_and_the_notice_comes_once() {
        let patience = Patience::new(30, Some(Duration::from_secs(10)));
        let shows = Shows::default();
        waiting(&patience, 1, Duration::from_secs(12), &shows).await;
        // "typing…" at 0, 4.5 and 9 s; the notice at 10 s.
        assert_eq!(shows.kinds(), ["typing", "typing", "typing", "notice"]);
        let log = shows.log.lock().unwrap().clone();
        assert!(log[1].1 - log[0].1 >= TYPING_EVERY, "{log:?}");
        // The next wait within ten minutes: typing again, but no second notice.
        let again = Shows::default();
        waiting(&patience, 1, Duration::from_secs(12), &again).await;
        assert!(!again.kinds().contains(&"notice"), "{:?}", again.kinds());
        assert!(again.kinds().contains(&"typing"));
        // Another citizen gets their own.
        let other = Shows::default();
        waiting(&patience, 2, Duration::from_secs(12), &other).await;
        assert!(other.kinds().contains(&"notice"));
    }

    #[tokio::test(start_paused = true)]
    async fn a_short_wait_gets_typing_but_no_notice() {
        let patience = Patience::new(30, Some(Duration::from_secs(10)));
        let shows = Shows::default();
        waiting(&patience, 1, Duration::from_secs(3), &shows).await;
        assert_eq!(shows.kinds(), ["typing"]);
    }

    #[tokio::test(start_paused = true)]
    async fn the_time_queued_before_the_turn_counts_towards_the_notice() {
        let patience = Patience::new(30, Some(Duration::from_secs(10)));
        // Received 8 s ago, queued behind other chats' turns; its reply then waits 3 s.
        let received = Instant::now();
        tokio::time::sleep(Duration::from_secs(8)).await;
        let shows = Shows::default();
        let wait = Wait::since(received);
        let send = async {
            wait.behind_others();
            tokio::time::sleep(Duration::from_secs(3)).await;
            wait.over().await;
        };
        tokio::join!(send, patience.attend(&wait, 1, &shows));
        assert_eq!(shows.kinds(), ["typing", "notice"]);
        let log = shows.log.lock().unwrap().clone();
        assert_eq!(log[1].1 - received, Duration::from_secs(10), "{log:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn typing_is_never_shown_twice_within_its_interval() {
        let patience = Patience::new(30, None);
        let shows = Shows::default();
        // Two messages of one turn, one after the other, each waiting 2 s.
        waiting(&patience, 1, Duration::from_secs(2), &shows).await;
        waiting(&patience, 1, Duration::from_secs(2), &shows).await;
        assert_eq!(shows.typing.load(Ordering::SeqCst), 1);
        // The third, waiting past the interval, renews it once the interval is over.
        waiting(&patience, 1, Duration::from_secs(2), &shows).await;
        let log = shows.log.lock().unwrap().clone();
        assert_eq!(log.len(), 2, "{log:?}");
        assert!(log[1].1 - log[0].1 >= TYPING_EVERY, "{log:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn notices_keep_to_their_share_of_the_rate() {
        // 30/s: three notices a second at most; six citizens due at the same moment.
        let patience = Arc::new(Patience::new(30, Some(Duration::from_secs(1))));
        let mut tasks = Vec::new();
        for recipient in 0..6 {
            let patience = Arc::clone(&patience);
            tasks.push(tokio::spawn(async move {
                let shows = Shows::default();
                // Shorter than the next typing: a notice not sent at 1 s never is.
                waiting(&patience, recipient, Duration::from_secs(3), &shows).await;
                shows.kinds().contains(&"notice")
            }));
        }
        let mut noticed = 0;
        for task in tasks {
            noticed += u32::from(task.await.unwrap());
        }
        assert_eq!(noticed, 3);
    }

    #[tokio::test(start_paused = true)]
    async fn a_notice_not_sent_before_the_message_has_its_slot_is_dropped() {
        let patience = Patience::new(30, Some(Duration::from_secs(10)));
        let shows = Shows::default();
        let wait = Wait::new();
        wait.behind_others();
        wait.over().await;
        patience.attend(&wait, 1, &shows).await;
        assert!(shows.kinds().is_empty());
        assert!(wait.before_the_message().await.is_none());
    }

    #[tokio::test(start_paused = true)]
    async fn recipients_with_nothing_recent_are_forgotten() {
        let patience = Patience::new(30, None);
        for recipient in 0..i64::from(TIDY_EVERY) - 1 {
            let _ = patience.typing_due(recipient, Instant::now());
        }
        tokio::time::sleep(TYPING_EVERY).await;
        let _ = patience.typing_due(-1, Instant::now());
        assert_eq!(patience.remembered(), 1);
    }
}
