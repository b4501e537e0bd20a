//! Updates in: long polling or the webhook, each update read on its own, redeliveries
//! dropped, then classified and handed to the ordered dispatch.
//!
//! Redeliveries, when polling: the last update ids are remembered in memory, and the
//! highest id taken is kept in the store ([`UpdateLog`]) so a restart neither answers
//! again what it took before nor asks Telegram for it.
//!
//! By webhook, each update is kept in the store's inbox before Telegram hears 200, and
//! answered from there (see [`inbox`](super::inbox)): redeliveries are dropped by id,
//! and any replica behind the load balancer may answer any update.
//!
//! An update that cannot be read (say a lone UTF-16 surrogate in a text, which no JSON
//! parser accepts as a string) is skipped: the offset moves past it, it is counted in
//! `sportello_updates_unreadable_total` and logged by its id only. Nothing from an
//! update's content — chat ids, names, texts, raw bodies — reaches a log line above
//! debug.

use std::collections::{HashSet, VecDeque};
use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde::Deserialize;
use teloxide::types::{Update, UpdateKind};

use super::api::{BotApi, GET_UPDATES_LIMIT, RawUpdate};
use super::inbound::{Event, classify};
use super::inbox::{Taken, Work};
use super::polls_in::poll_update;
use crate::channel::ordered::{Drained, Handler, Ordered, Pushed};
use crate::channel::secrets_match;
use crate::dialogue::Live;
use crate::sender::SendError;
use crate::store::{Claim, InboxUpdate, StoreError, UpdateLog};

/// Update ids remembered to drop redeliveries.
const RECENT_UPDATES: usize = 10_000;
/// How long one long poll waits for an update.
const POLL_WAIT: Duration = Duration::from_secs(25);
/// After a poll that brought fewer updates than a full batch, the next waits until
/// this long after it began: at a busy moment each poll then brings several updates,
/// and their one watermark write, instead of one or two each (on a fast link the
/// answer to a poll comes back before the next message is written).
const POLL_GATHER: Duration = Duration::from_millis(10);
/// The longest pause after failed polls.
const MAX_POLL_PAUSE: Duration = Duration::from_secs(30);
/// The header Telegram signs webhook calls with.
const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";

/// The staff supergroups as the running dialogues name them: a reload that gives a
/// queue its group is heard from at once.
pub(super) struct StaffGroups {
    pub(super) dialogues: Live,
    /// `SPORTELLO_STAFF_GROUP`, for queues that name none.
    pub(super) default: Option<i64>,
}

impl StaffGroups {
    fn now(&self) -> Vec<i64> {
        super::staff_groups(&self.dialogues.get(), self.default)
    }
}

/// Reads updates into events, knowing whom the bot is and which groups are staff's.
pub(super) struct Reader {
    /// The bot's @username (empty if unknown), for telling group messages meant for it.
    username: String,
    /// The staff supergroups, whose topics hold the tickets.
    staff_groups: StaffGroups,
}

/// What one update is, read on its own.
#[derive(Debug)]
pub(super) enum Read {
    /// An event to hand on in `lane` (the chat, or the staff group, it belongs to).
    Taken {
        update: Option<i64>,
        lane: i64,
        event: Event,
    },
    /// Nothing to do: unreadable (counted and logged) or of no concern. Its id, when
    /// readable.
    Skipped(Option<i64>),
}

impl Reader {
    pub(super) fn new(username: String, staff_groups: StaffGroups) -> Reader {
        Reader {
            username,
            staff_groups,
        }
    }

    /// Reads one update.
    pub(super) fn read(&self, raw: &str) -> Read {
        // Poll updates are read before teloxide, which panics on some it cannot read.
        if let Some((update, poll)) = poll_update(raw) {
            return match poll {
                Some(poll) => Read::Taken {
                    update,
                    lane: poll.key(),
                    event: Event::Poll(poll),
                },
                None => Read::Skipped(update),
            };
        }
        let update = match serde_json::from_str::<Update>(raw) {
            Ok(mut update) => {
                // teloxide reads an update it does not understand as an empty
                // `UpdateKind::Error`; the lenient reader in `inbound` needs its JSON.
                if let UpdateKind::Error(value) = &mut update.kind {
                    *value = serde_json::from_str(raw).unwrap_or_default();
                }
                update
            }
            Err(err) => {
                metrics::counter!("sportello_updates_unreadable_total").increment(1);
                let id = serde_json::from_str::<UpdateId>(raw)
                    .ok()
                    .map(|u| u.update_id);
                // The parser's message may quote the update: only its position goes.
                tracing::warn!(
                    update = ?id,
                    line = err.line(),
                    column = err.column(),
                    "Telegram update unreadable; skipped"
                );
                return Read::Skipped(id);
            }
        };
        let id = i64::from(update.id.0);
        let event = classify(&update, &self.username, &self.staff_groups.now());
        let lane = match &event {
            Event::Ignore => return Read::Skipped(Some(id)),
            Event::Turn { chat, .. } | Event::Blocked { chat, .. } => *chat,
            // One lane per group: its staff's messages are handled in order.
            Event::Staff { group, .. } => *group,
            Event::Poll(poll) => poll.key(),
        };
        Read::Taken {
            update: Some(id),
            lane,
            event,
        }
    }
}

/// The intake of one bot, in front of its dispatch.
pub(super) struct Intake<H, L> {
    api: BotApi,
    reader: Arc<Reader>,
    dispatch: Ordered<i64, Work, H>,
    recent: Mutex<RecentUpdates>,
    log: L,
    /// The highest update id taken before this start: anything up to it is a
    /// redelivery.
    taken_before: Option<i64>,
    /// In webhook mode: the sweep for lanes whose replica stopped, while it runs.
    sweep: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

/// Only the id of an update, read without looking at the rest.
#[derive(Deserialize)]
struct UpdateId {
    update_id: i64,
}

impl<H: Handler<i64, Work>, L: UpdateLog + Clone + 'static> Intake<H, L> {
    /// The intake of the bot behind `api`, reading from `log` what it took before.
    pub(super) async fn new(
        api: BotApi,
        reader: Arc<Reader>,
        dispatch: Ordered<i64, Work, H>,
        log: L,
    ) -> Self {
        let taken_before = match log.last_update_id(api.bot_id()).await {
            Ok(last) => last,
            Err(err) => {
                tracing::warn!("cannot read the last Telegram update taken: {err}");
                None
            }
        };
        Intake {
            api,
            reader,
            dispatch,
            recent: Mutex::new(RecentUpdates::default()),
            log,
            taken_before,
            sweep: Mutex::new(None),
        }
    }

    /// Remembers `update_id` as taken, across restarts.
    async fn remember(&self, update_id: i64) {
        if let Err(err) = self
            .log
            .record_update_id(self.api.bot_id(), update_id)
            .await
        {
            tracing::warn!("cannot record the last Telegram update taken: {err}");
        }
    }

    /// Stops taking updates and lets the turns in flight finish; in webhook mode the
    /// sweep stops and this replica's claims go back to the others.
    pub(super) async fn stop(&self, claim: Option<&Claim>) -> Drained {
        let sweep = self.sweep.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(sweep) = sweep {
            sweep.abort();
        }
        let drained = self.dispatch.shutdown().await;
        if let Some(claim) = claim
            && let Err(err) = self.log.renew(self.api.bot_id(), claim, true).await
        {
            tracing::warn!("cannot give back the webhook updates this replica held: {err}");
        }
        drained
    }

    /// Long-polls until `shutdown`. Updates not yet confirmed when it stops are
    /// delivered again by Telegram to the next start.
    pub(super) async fn poll(&self, shutdown: impl Future<Output = ()> + Send) {
        if let Err(err) = self.api.delete_webhook().await {
            tracing::warn!("deleteWebhook: {err}");
        }
        let mut offset: i64 = self.taken_before.map_or(0, |id| id + 1);
        let mut failures: u32 = 0;
        tokio::pin!(shutdown);
        loop {
            let polled_at = tokio::time::Instant::now();
            let batch = tokio::select! {
                () = &mut shutdown => return,
                batch = self.api.get_updates(offset, POLL_WAIT) => batch,
            };
            match batch {
                Ok(updates) => {
                    failures = 0;
                    let before = offset;
                    let partial = !updates.is_empty() && updates.len() < GET_UPDATES_LIMIT;
                    for raw in updates {
                        if let Some(id) = self.take(&raw).await {
                            offset = offset.max(id + 1);
                        }
                    }
                    if offset > before {
                        self.remember(offset - 1).await;
                    }
                    if partial {
                        tokio::select! {
                            () = &mut shutdown => return,
                            () = tokio::time::sleep_until(polled_at + POLL_GATHER) => {}
                        }
                    }
                }
                Err(err) => {
                    failures += 1;
                    let pause = match &err {
                        SendError::RetryAfter(after) => *after,
                        _ => (Duration::from_millis(500) * failures).min(MAX_POLL_PAUSE),
                    };
                    tracing::warn!("getUpdates failed ({err}); again in {pause:?}");
                    tokio::select! {
                        () = &mut shutdown => return,
                        () = tokio::time::sleep(pause) => {}
                    }
                }
            }
        }
    }

    /// Registers the webhook and returns its route at `url`'s path.
    pub(super) async fn webhook(
        self: Arc<Self>,
        url: reqwest::Url,
        secret: String,
        claim: Option<Claim>,
    ) -> Result<axum::Router, SendError> {
        self.api.set_webhook(&url, &secret).await?;
        if let Some(claim) = claim {
            let sweep = tokio::spawn(sweep_stranded(Arc::clone(&self), claim));
            *self.sweep.lock().unwrap_or_else(|p| p.into_inner()) = Some(sweep);
        }
        let path = match url.path() {
            "" => "/".to_owned(),
            path => path.to_owned(),
        };
        let state = Arc::new(Webhook {
            intake: self,
            secret,
        });
        Ok(axum::Router::new()
            .route(&path, post(webhook_update::<H, L>))
            .with_state(state))
    }

    /// Whether update `id` is new: neither taken before a restart nor seen lately.
    fn fresh(&self, id: i64) -> bool {
        if self.taken_before.is_some_and(|before| id <= before) {
            tracing::debug!(update = id, "update taken before a restart dropped");
            return false;
        }
        let first_time = self
            .recent
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(u32::try_from(id).unwrap_or(u32::MAX));
        if !first_time {
            tracing::debug!(update = id, "duplicate update dropped");
        }
        first_time
    }

    /// Reads one polled update and hands it on; its id, when it has a readable one.
    async fn take(&self, raw: &RawUpdate) -> Option<i64> {
        let (update, lane, event) = match self.reader.read(raw.get()) {
            Read::Skipped(update) => return update,
            Read::Taken {
                update,
                lane,
                event,
            } => (update, lane, event),
        };
        if update.is_some_and(|id| !self.fresh(id)) {
            return update;
        }
        metrics::counter!("sportello_updates_total", "channel" => "telegram").increment(1);
        // Polled updates are taken once (the offset): no need to keep their replies.
        let taken = Work::Taken(Taken::now(None, event));
        if self.dispatch.push(lane, taken).await == Pushed::Closed {
            tracing::debug!(update = ?update, "stopping: update not taken");
        }
        update
    }

    /// Keeps one webhook update in the inbox and hands it on. `Err` when it could not
    /// be kept: Telegram is then asked to send it again.
    async fn receive(&self, raw: &RawUpdate) -> Result<(), StoreError> {
        let (update, lane, event) = match self.reader.read(raw.get()) {
            Read::Skipped(_) => return Ok(()),
            // An update without an id cannot be kept: it is answered at once.
            Read::Taken {
                update: None,
                lane,
                event,
            } => {
                let taken = Work::Taken(Taken::now(None, event));
                self.dispatch.push(lane, taken).await;
                return Ok(());
            }
            Read::Taken {
                update: Some(update),
                lane,
                event,
            } => (update, lane, event),
        };
        let kept = InboxUpdate {
            update_id: update,
            body: raw.get().to_owned(),
        };
        if !self.log.receive(self.api.bot_id(), &kept, lane).await? {
            tracing::debug!(update, "update received before: dropped");
            return Ok(());
        }
        metrics::counter!("sportello_updates_total", "channel" => "telegram").increment(1);
        let taken = Work::Taken(Taken::now(Some(update), event));
        match self.dispatch.push(lane, taken).await {
            Pushed::Queued => {}
            // Beyond what a chat may have waiting: dropped here as when polling.
            Pushed::Dropped => self.log.skip(self.api.bot_id(), update).await?,
            // Left in the inbox for the replicas still running.
            Pushed::Closed => tracing::debug!(update, "stopping: update left to others"),
        }
        Ok(())
    }
}

/// How often a replica looks for lanes nobody holds, and renews its own claims.
const SWEEP_EVERY: Duration = Duration::from_secs(1);
/// How long an update may wait unclaimed before another replica takes it (its own
/// replica claims it within milliseconds unless it stopped).
const UNCLAIMED_FOR: Duration = Duration::from_secs(2);

/// Until aborted: every second, hands this replica the lanes whose updates nobody
/// holds (a replica died, or stopped before taking them), and renews its own claims
/// well before they lapse.
async fn sweep_stranded<H: Handler<i64, Work>, L: UpdateLog + Clone + 'static>(
    intake: Arc<Intake<H, L>>,
    claim: Claim,
) {
    let bot = intake.api.bot_id();
    // Renewing runs on its own: a sweep waiting for room in a busy dispatch must not
    // let this replica's claims lapse under the turns holding them.
    let renew = async {
        let mut ticks = tokio::time::interval(claim.lease / 3);
        loop {
            ticks.tick().await;
            if let Err(err) = intake.log.renew(bot, &claim, false).await {
                tracing::warn!("cannot renew this replica's webhook claims: {err}");
            }
        }
    };
    let sweep = async {
        let mut ticks = tokio::time::interval(SWEEP_EVERY);
        loop {
            ticks.tick().await;
            match intake.log.stranded(bot, UNCLAIMED_FOR).await {
                Ok(lanes) => {
                    if !lanes.is_empty() {
                        tracing::info!(
                            lanes = lanes.len(),
                            "taking over webhook updates nobody holds"
                        );
                    }
                    for lane in lanes {
                        if intake.dispatch.push(lane, Work::Waiting).await == Pushed::Closed {
                            return;
                        }
                    }
                }
                Err(err) => tracing::warn!("cannot look for webhook updates nobody holds: {err}"),
            }
        }
    };
    tokio::select! {
        () = renew => {}
        () = sweep => {}
    }
}

struct Webhook<H, L> {
    intake: Arc<Intake<H, L>>,
    secret: String,
}

/// One webhook call: refused with 401 without the secret; else read and taken (an
/// unreadable update is still answered 200, or Telegram would send it forever).
async fn webhook_update<H: Handler<i64, Work>, L: UpdateLog + Clone + 'static>(
    State(hook): State<Arc<Webhook<H, L>>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let given = headers
        .get(SECRET_HEADER)
        .map(|v| v.as_bytes())
        .unwrap_or_default();
    if !secrets_match(given, hook.secret.as_bytes()) {
        return StatusCode::UNAUTHORIZED;
    }
    let raw = std::str::from_utf8(&body)
        .ok()
        .and_then(|text| RawValueOwned::from_string(text.to_owned()).ok());
    match raw {
        Some(raw) => {
            if let Err(err) = hook.intake.receive(&raw).await {
                tracing::warn!("Telegram update not kept ({err}); Telegram will send it again");
                return StatusCode::SERVICE_UNAVAILABLE;
            }
        }
        None => {
            metrics::counter!("sportello_updates_unreadable_total").increment(1);
            tracing::warn!("Telegram webhook body unreadable; skipped");
        }
    }
    StatusCode::OK
}

type RawValueOwned = serde_json::value::RawValue;

/// A webhook secret for when none is configured: 64 hex digits from the standard
/// library's OS-seeded hasher keys.
pub(super) fn generate_secret() -> String {
    (0..4)
        .map(|i: u64| {
            let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
            hasher.write_u64(i);
            hasher.write_u128(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos())
                    .unwrap_or_default(),
            );
            format!("{:016x}", hasher.finish())
        })
        .collect()
}

/// The last `RECENT_UPDATES` update ids, to drop redeliveries.
#[derive(Default)]
struct RecentUpdates {
    seen: HashSet<u32>,
    order: VecDeque<u32>,
}

impl RecentUpdates {
    /// False if `id` was seen recently.
    fn insert(&mut self, id: u32) -> bool {
        if !self.seen.insert(id) {
            return false;
        }
        self.order.push_back(id);
        if self.order.len() > RECENT_UPDATES
            && let Some(oldest) = self.order.pop_front()
        {
            self.seen.remove(&oldest);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recent_updates_drop_repeats_and_stay_bounded() {
        let mut recent = RecentUpdates::default();
        assert!(recent.insert(1));
        assert!(!recent.insert(1));
        for id in 2..=(RECENT_UPDATES as u32 + 1) {
            recent.insert(id);
        }
        assert_eq!(recent.seen.len(), RECENT_UPDATES);
        assert!(recent.insert(1), "forgotten once out of the window");
    }

    #[test]
    fn a_lone_surrogate_spoils_only_its_own_update() {
        let body = r#"{"ok":true,"result":[
            {"update_id":7,"message":{"message_id":1,"date":1,"chat":{"id":5,"type":"private","first_name":"A"},"text":"\ud800"}},
            {"update_id":8,"message":{"message_id":2,"date":1,"chat":{"id":6,"type":"private","first_name":"B"},"text":"ciao"}}]}"#;
        #[derive(Deserialize)]
        struct Batch {
            result: Vec<RawUpdate>,
        }
        let batch: Result<Batch, _> = serde_json::from_str(body);
        let Ok(batch) = batch else {
            panic!("the batch itself is readable")
        };
        assert!(serde_json::from_str::<Update>(batch.result[0].get()).is_err());
        let id = serde_json::from_str::<UpdateId>(batch.result[0].get()).map(|u| u.update_id);
        assert_eq!(id.ok(), Some(7), "its id still reads");
        assert!(serde_json::from_str::<Update>(batch.result[1].get()).is_ok());
    }

    #[test]
    fn secrets_are_generated_fresh() {
        let secret = generate_secret();
        assert_eq!(secret.len(), 64);
        assert_ne!(secret, generate_secret());
    }
}
