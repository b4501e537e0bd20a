//! A news item's progress: deliveries by status, the current rate and an ETA.

use sqlx::PgExecutor;

use super::RelayError;
use crate::store::pg::outbox;
pub use crate::store::pg::outbox::NewsStatus;

/// Window over which the current rate is measured.
const RATE_WINDOW_SECONDS: f64 = 10.0;

/// The status of the news item `news` (key or numeric id).
pub async fn news_status(ex: impl PgExecutor<'_>, news: &str) -> Result<NewsStatus, RelayError> {
    let status = outbox::news_status(ex, news, RATE_WINDOW_SECONDS)
        .await?
        .ok_or_else(|| RelayError::NotFound(news.to_owned()))?;
    metrics::gauge!("sportello_relay_news_queued").set(status.queued as f64);
    metrics::gauge!("sportello_relay_rate").set(status.rate);
    Ok(status)
}
