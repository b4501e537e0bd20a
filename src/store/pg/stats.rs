//! Aggregates for staff and operators: subscriber counts, the outbox depth, and the
//! readiness ping. Counts only: no chat id leaves the database.

use super::PgStore;
use crate::store::StoreError;

/// Subscribers of one channel with one status, and of one topic when `topic` is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriberGroup {
    /// `None` for the channel's total; a subscriber counts once in it and once in each
    /// of their topics.
    pub topic: Option<String>,
    /// `telegram` or `whatsapp`.
    pub channel: String,
    /// `active`, or `blocked` (the citizen stopped the bot; nothing is sent to them).
    pub status: String,
    /// How many subscribers.
    pub count: u64,
}

impl PgStore {
    /// Subscribers grouped by channel and status, then by topic, channel and status
    /// (two grouped scans of `subscribers`).
    pub async fn subscriber_groups(&self) -> Result<Vec<SubscriberGroup>, StoreError> {
        let per_channel: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT channel, status, count(*) FROM subscribers GROUP BY channel, status",
        )
        .fetch_all(&self.pool)
        .await?;
        let per_topic: Vec<(String, String, String, i64)> = sqlx::query_as(
            "SELECT t.topic, s.channel, s.status, count(*) \
             FROM subscribers s CROSS JOIN LATERAL unnest(s.topics) AS t(topic) \
             GROUP BY t.topic, s.channel, s.status",
        )
        .fetch_all(&self.pool)
        .await?;
        let count = |n: i64| n.max(0) as u64;
        let channels = per_channel
            .into_iter()
            .map(|(channel, status, n)| SubscriberGroup {
                topic: None,
                channel,
                status,
                count: count(n),
            });
        let topics = per_topic
            .into_iter()
            .map(|(topic, channel, status, n)| SubscriberGroup {
                topic: Some(topic),
                channel,
                status,
                count: count(n),
            });
        Ok(channels.chain(topics).collect())
    }

    /// Deliveries in the outbox still queued or being sent, all channels.
    pub async fn outbox_depth(&self) -> Result<u64, StoreError> {
        let depth: i64 =
            sqlx::query_scalar("SELECT count(*) FROM outbox WHERE status IN ('queued', 'sending')")
                .fetch_one(&self.pool)
                .await?;
        Ok(depth.max(0) as u64)
    }

    /// Tickets not closed, per queue (the open-tickets gauge, read at each scrape).
    pub async fn open_tickets(&self) -> Result<Vec<(String, i64)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT queue, count(*) FROM tickets WHERE status <> 'closed' GROUP BY queue ORDER BY queue",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// Whether the database answers a trivial query (readiness); the error when not.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query_scalar::<_, i32>("SELECT 1")
            .fetch_one(&self.pool)
            .await?;
        Ok(())
    }
}
