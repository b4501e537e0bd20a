//! One outbox row sent: the answer of the sender stack turned into what the worker
//! records — sent, blocked, failed, back to the queue after a while, or retried with
//! a growing, jittered backoff.

use std::sync::Arc;
use std::time::Duration;

use super::config::WorkerConfig;
use super::outbox::{Claimed, Outcome};
use crate::sender::{ConsultationPart, Delivery, SendError, Sender};
use crate::text::log_id;

/// Consecutive rate limits (429s) for one message before it goes back to the queue.
const ROUNDS_AFTER_429: u32 = 20;

/// Sends one row: follows a migration once, waits out rate limits (the `Paced` sender
/// froze its channel's pace), and turns the answer into an outcome.
pub(super) async fn deliver<S: for<'a> Sender<Delivery<'a>>>(
    sender: Arc<S>,
    row: Claimed,
    config: WorkerConfig,
) -> (i64, Outcome) {
    let id = row.id;
    if row.expired {
        return (id, Outcome::Failed("expired".into()));
    }
    let Some(text) = row.text.as_deref() else {
        return (id, Outcome::Failed("no message text".into()));
    };
    let consultation = consultation_part(&row);
    let mut recipient = row.recipient.clone();
    let mut migrated_to = None;
    for _ in 0..ROUNDS_AFTER_429 {
        let delivery = Delivery {
            text,
            markup: true,
            lang: &row.lang,
            topics: &row.topics,
            title: row.title.as_deref(),
            link: row.link.as_deref(),
            ticket: row.ticket_id,
            copy_of: row.copy_of,
            reminder: row.kind == "reminder",
            consultation,
        };
        match sender.send(&recipient, &delivery).await {
            Ok(message_id) => {
                return (
                    id,
                    Outcome::Sent {
                        message_id,
                        migrated_to,
                    },
                );
            }
            Err(SendError::RetryAfter(after)) => {
                tracing::debug!(channel = %row.channel, after = ?after, "relay: asked to slow down");
                metrics::counter!("sportello_relay_rate_limited_total", "channel" => row.channel.clone())
                    .increment(1);
            }
            Err(SendError::Deferred(after)) => {
                tracing::debug!(channel = %row.channel, chat = %log_id(&recipient), after = ?after, "relay: recipient rate limited; back to the queue");
                metrics::counter!("sportello_relay_rate_limited_total", "channel" => row.channel.clone())
                    .increment(1);
                return (id, Outcome::Release { delay: after });
            }
            Err(SendError::Migrated(to)) if migrated_to.is_none() => {
                tracing::info!(chat = %log_id(&recipient), "relay: group migrated; following it");
                recipient = to.clone();
                migrated_to = Some(to);
            }
            Err(SendError::Migrated(_)) => {
                return (id, Outcome::Failed("migrated twice".into()));
            }
            Err(SendError::Gone(reason)) => {
                tracing::info!(chat = %log_id(&recipient), "relay: recipient unreachable; marking blocked");
                return (id, Outcome::Blocked(reason));
            }
            Err(SendError::Permanent(reason) | SendError::BadMarkup(reason)) => {
                tracing::warn!(channel = %row.channel, chat = %log_id(&recipient), "relay: message refused: {reason}");
                return (id, Outcome::Failed(reason));
            }
            Err(SendError::Transient(reason)) => {
                tracing::debug!(channel = %row.channel, chat = %log_id(&recipient), attempt = row.attempts + 1, "relay: not sent yet: {reason}");
                let delay = backoff(&config, row.attempts, id);
                return (
                    id,
                    Outcome::Retry {
                        delay,
                        error: reason,
                    },
                );
            }
        }
    }
    (
        id,
        Outcome::Release {
            delay: Duration::from_secs(1),
        },
    )
}

/// What a consultation's row carries besides its text.
fn consultation_part(row: &Claimed) -> Option<ConsultationPart<'_>> {
    let id = row.consultation_id?;
    match row.kind.as_str() {
        "consultation" => Some(ConsultationPart::Question {
            id,
            question: row.question.as_deref().unwrap_or_default(),
            options: row.options.as_deref().unwrap_or_default(),
            anonymous: row.anonymous.unwrap_or(true),
        }),
        "consultation_results" => Some(ConsultationPart::Results {
            poll_message: row.poll_message.as_deref().and_then(|m| m.parse().ok()),
        }),
        _ => None,
    }
}

/// `backoff · 2^attempts`, capped, times a jitter in [0.5, 1) that differs per row
/// and attempt, so a burst of failures does not come back as one burst.
fn backoff(config: &WorkerConfig, attempts: i32, id: i64) -> Duration {
    let exponent = attempts.clamp(0, 20) as u32;
    let full = config
        .backoff
        .saturating_mul(1_u32 << exponent)
        .min(config.backoff_cap);
    let mut x = (id as u64) ^ (u64::from(exponent) << 56) ^ nanos();
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    let jitter = 0.5 + (x % 1_000) as f64 / 2_000.0;
    full.mul_f64(jitter)
}

fn nanos() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::from(d.subsec_nanos()))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        let config = WorkerConfig {
            backoff: Duration::from_secs(1),
            backoff_cap: Duration::from_secs(60),
            ..WorkerConfig::default()
        };
        let first = backoff(&config, 0, 1);
        assert!(first >= Duration::from_millis(500) && first < Duration::from_secs(1));
        let third = backoff(&config, 2, 1);
        assert!(third >= Duration::from_secs(2) && third < Duration::from_secs(4));
        let late = backoff(&config, 30, 1);
        assert!(late >= Duration::from_secs(30) && late <= Duration::from_secs(60));
    }
}
