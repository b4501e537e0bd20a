//! A news item's progress: deliveries by status, the current rate and an ETA.

use std::time::Duration;

use sqlx::PgExecutor;

use crate::store::pg::outbox::{NewsCounts, news_counts};

use super::RelayError;

/// Window over which the current rate is measured.
const RATE_WINDOW_SECONDS: f64 = 10.0;

/// Deliveries of one news item, by status.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewsStatus {
    /// The news item's id.
    pub news_id: i64,
    /// The news item's key.
    pub key: String,
    /// Waiting or being sent.
    pub queued: u64,
    /// Delivered.
    pub sent: u64,
    /// Given up on (refused, or out of attempts).
    pub failed: u64,
    /// The recipient blocked the bot or is gone.
    pub blocked: u64,
    /// Messages delivered per second over the last ten seconds.
    pub rate: f64,
}

impl NewsStatus {
    /// Every delivery of the item, whatever its status.
    pub fn total(&self) -> u64 {
        self.queued + self.sent + self.failed + self.blocked
    }

    /// Finished deliveries (sent, failed or blocked).
    pub fn done(&self) -> u64 {
        self.sent + self.failed + self.blocked
    }

    /// Time to send the rest at the current rate; `None` when nothing moves.
    pub fn eta(&self) -> Option<Duration> {
        if self.queued == 0 {
            return Some(Duration::ZERO);
        }
        (self.rate > 0.0).then(|| Duration::from_secs_f64(self.queued as f64 / self.rate))
    }
}

/// The status of the news item `news` (key or numeric id).
pub async fn news_status(ex: impl PgExecutor<'_>, news: &str) -> Result<NewsStatus, RelayError> {
    let NewsCounts {
        news_id,
        key,
        queued,
        sent,
        failed,
        blocked,
        recent,
    } = news_counts(ex, news, RATE_WINDOW_SECONDS)
        .await?
        .ok_or_else(|| RelayError::NotFound(news.to_owned()))?;
    let status = NewsStatus {
        news_id,
        key,
        queued,
        sent,
        failed,
        blocked,
        rate: recent as f64 / RATE_WINDOW_SECONDS,
    };
    metrics::gauge!("sportello_relay_news_queued").set(status.queued as f64);
    metrics::gauge!("sportello_relay_rate").set(status.rate);
    Ok(status)
}
