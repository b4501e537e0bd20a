//! `/admin/subscribers`: how many citizens follow the news, per channel and per
//! topic, active and blocked (a blocked subscriber stopped the bot; nothing is sent
//! to them). Counts only: no chat id leaves the database.

use std::collections::BTreeMap;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use serde::Serialize;
use sqlx::PgPool;

use super::AdminState;
use super::error::ApiError;
use crate::content::Vocabulary;

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
    fn add(&mut self, status: &str, n: i64) {
        let n = n.max(0) as u64;
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
    /// Counts from the `subscribers` table (two grouped scans).
    async fn fetch(pool: &PgPool) -> Result<SubscriberCounts, sqlx::Error> {
        let mut counts = SubscriberCounts::default();
        let per_channel: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT channel, status, count(*) FROM subscribers GROUP BY channel, status",
        )
        .fetch_all(pool)
        .await?;
        for (channel, status, n) in per_channel {
            counts.total.add(&status, n);
            counts.channels.entry(channel).or_default().add(&status, n);
        }
        let per_topic: Vec<(String, String, String, i64)> = sqlx::query_as(
            "SELECT t.topic, s.channel, s.status, count(*) \
             FROM subscribers s CROSS JOIN LATERAL unnest(s.topics) AS t(topic) \
             GROUP BY t.topic, s.channel, s.status",
        )
        .fetch_all(pool)
        .await?;
        for (topic, channel, status, n) in per_topic {
            let entry = counts.topics.entry(topic).or_default();
            entry.all.add(&status, n);
            entry.channels.entry(channel).or_default().add(&status, n);
        }
        Ok(counts)
    }
}

/// `GET /admin/subscribers`: counts per channel and per topic, active and blocked.
async fn counts(State(state): State<AdminState>) -> Result<Json<SubscriberCounts>, ApiError> {
    let mut counts = SubscriberCounts::fetch(state.store.pool())
        .await
        .map_err(|err| ApiError::Internal(format!("subscriber counts: {err}")))?;
    for topic in Vocabulary::of(&state.live.get()).topics {
        counts.topics.entry(topic).or_default();
    }
    Ok(Json(counts))
}
