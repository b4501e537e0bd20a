//! `/admin/subscribers`: how many citizens follow the news, per channel and per
//! topic, active and blocked (a blocked subscriber stopped the bot; nothing is sent
//! to them). Counts only: no chat id leaves the database.

use std::collections::BTreeMap;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use serde::Serialize;

use super::AdminState;
use super::error::ApiError;
use crate::content::Vocabulary;
use crate::store::StoreError;
use crate::store::pg::{PgStore, SubscriberGroup};

pub(super) fn routes() -> Router<AdminState> {
    Router::new().route("/admin/subscribers", get(counts))
}

/// Subscribers by status.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
struct Counts {
    active: u64,
    blocked: u64,
}

impl Counts {
    fn add(&mut self, status: &str, n: u64) {
        match status {
            "blocked" => self.blocked += n,
            _ => self.active += n,
        }
    }
}

/// One topic: its subscribers, all channels and per channel.
#[derive(Debug, Default, Serialize)]
struct TopicCounts {
    #[serde(flatten)]
    all: Counts,
    channels: BTreeMap<String, Counts>,
}

/// Every subscriber counted once in `total` and in their channel, and once in each
/// of their topics. Topics the running dialogues declare are listed even with none.
#[derive(Debug, Default, Serialize)]
struct SubscriberCounts {
    total: Counts,
    channels: BTreeMap<String, Counts>,
    topics: BTreeMap<String, TopicCounts>,
}

impl SubscriberCounts {
    /// Counts from the store's subscriber groups.
    async fn fetch(store: &PgStore) -> Result<SubscriberCounts, StoreError> {
        let mut counts = SubscriberCounts::default();
        for group in store.subscriber_groups().await? {
            let SubscriberGroup {
                topic,
                channel,
                status,
                count,
            } = group;
            let (all, per_channel) = match topic {
                None => (&mut counts.total, &mut counts.channels),
                Some(topic) => {
                    let entry = counts.topics.entry(topic).or_default();
                    (&mut entry.all, &mut entry.channels)
                }
            };
            all.add(&status, count);
            per_channel.entry(channel).or_default().add(&status, count);
        }
        Ok(counts)
    }
}

/// `GET /admin/subscribers`: counts per channel and per topic, active and blocked.
async fn counts(State(state): State<AdminState>) -> Result<Json<SubscriberCounts>, ApiError> {
    let mut counts = SubscriberCounts::fetch(&state.store)
        .await
        .map_err(|err| ApiError::Internal(format!("subscriber counts: {err}")))?;
    for topic in Vocabulary::of(&state.live.get()).topics {
        counts.topics.entry(topic).or_default();
    }
    Ok(Json(counts))
}
