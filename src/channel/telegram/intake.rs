//! Updates in: long polling or the webhook, each update read on its own, redeliveries
//! dropped, then classified and handed to the ordered dispatch.
//!
//! Redeliveries: the last update ids are remembered in memory, and the highest id
//! taken is kept in the store ([`UpdateLog`]) so a restart neither answers again what
//! it took before nor, when polling, asks Telegram for it.
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

use super::api::{BotApi, RawUpdate};
use super::inbound::{Event, classify};
use super::polls_in::poll_update;
use crate::channel::ordered::{Handler, Ordered, Pushed};
use crate::channel::secrets_match;
use crate::dialogue::Live;
use crate::sender::SendError;
use crate::store::UpdateLog;

/// Update ids remembered to drop redeliveries.
const RECENT_UPDATES: usize = 10_000;
/// How long one long poll waits for an update.
const POLL_WAIT: Duration = Duration::from_secs(25);
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

/// The intake of one bot, in front of its dispatch.
pub(super) struct Intake<H, L> {
    api: BotApi,
    /// The bot's @username (empty if unknown), for telling group messages meant for it.
    username: String,
    /// The staff supergroups, whose topics hold the tickets.
    staff_groups: StaffGroups,
    dispatch: Ordered<i64, Event, H>,
    recent: Mutex<RecentUpdates>,
    log: L,
    /// The highest update id taken before this start: anything up to it is a
    /// redelivery.
    taken_before: Option<i64>,
}

/// Only the id of an update, read without looking at the rest.
#[derive(Deserialize)]
struct UpdateId {
    update_id: i64,
}

impl<H: Handler<i64, Event>, L: UpdateLog + 'static> Intake<H, L> {
    /// The intake of the bot behind `api`, reading from `log` what it took before.
    pub(super) async fn new(
        api: BotApi,
        username: String,
        staff_groups: StaffGroups,
        dispatch: Ordered<i64, Event, H>,
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
            username,
            staff_groups,
            dispatch,
            recent: Mutex::new(RecentUpdates::default()),
            log,
            taken_before,
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

    pub(super) fn dispatch(&self) -> &Ordered<i64, Event, H> {
        &self.dispatch
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
            let batch = tokio::select! {
                () = &mut shutdown => return,
                batch = self.api.get_updates(offset, POLL_WAIT) => batch,
            };
            match batch {
                Ok(updates) => {
                    failures = 0;
                    let before = offset;
                    for raw in updates {
                        if let Some(id) = self.take(&raw).await {
                            offset = offset.max(id + 1);
                        }
                    }
                    if offset > before {
                        self.remember(offset - 1).await;
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
    ) -> Result<axum::Router, SendError> {
        self.api.set_webhook(&url, &secret).await?;
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

    /// Reads one update and hands it on; its id, when it has a readable one.
    async fn take(&self, raw: &RawUpdate) -> Option<i64> {
        // Poll updates are read before teloxide, which panics on some it cannot read.
        if let Some((id, poll)) = poll_update(raw.get()) {
            if id.is_some_and(|id| !self.fresh(id)) {
                return id;
            }
            metrics::counter!("sportello_updates_total", "channel" => "telegram").increment(1);
            if let Some(poll) = poll
                && self.dispatch.push(poll.key(), Event::Poll(poll)).await == Pushed::Closed
            {
                tracing::debug!(update = ?id, "stopping: update not taken");
            }
            return id;
        }
        let update = match serde_json::from_str::<Update>(raw.get()) {
            Ok(mut update) => {
                // teloxide reads an update it does not understand as an empty
                // `UpdateKind::Error`; the lenient reader in `inbound` needs its JSON.
                if let UpdateKind::Error(value) = &mut update.kind {
                    *value = serde_json::from_str(raw.get()).unwrap_or_default();
                }
                update
            }
            Err(err) => {
                metrics::counter!("sportello_updates_unreadable_total").increment(1);
                let id = serde_json::from_str::<UpdateId>(raw.get())
                    .ok()
                    .map(|u| u.update_id);
                // The parser's message may quote the update: only its position goes.
                tracing::warn!(
                    update = ?id,
                    line = err.line(),
                    column = err.column(),
                    "Telegram update unreadable; skipped"
                );
                return id;
            }
        };
        let id = i64::from(update.id.0);
        if !self.fresh(id) {
            return Some(id);
        }
        metrics::counter!("sportello_updates_total", "channel" => "telegram").increment(1);
        let event = classify(&update, &self.username, &self.staff_groups.now());
        let chat = match &event {
            Event::Ignore => return Some(id),
            Event::Turn { chat, .. } | Event::Blocked { chat, .. } => *chat,
            // One queue per group: its staff's messages are handled in order.
            Event::Staff { group, .. } => *group,
            Event::Poll(poll) => poll.key(),
        };
        if self.dispatch.push(chat, event).await == Pushed::Closed {
            tracing::debug!(update = id, "stopping: update not taken");
        }
        Some(id)
    }
}

struct Webhook<H, L> {
    intake: Arc<Intake<H, L>>,
    secret: String,
}

/// One webhook call: refused with 401 without the secret; else read and taken (an
/// unreadable update is still answered 200, or Telegram would send it forever).
async fn webhook_update<H: Handler<i64, Event>, L: UpdateLog + 'static>(
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
            if let Some(id) = hook.intake.take(&raw).await {
                hook.intake.remember(id).await;
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
