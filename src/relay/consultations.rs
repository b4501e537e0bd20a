//! The consultations' scheduler: opens those due (their question into the outbox for
//! every active subscriber of their topics, on the subscriber's channel) and closes
//! those whose time is up (counts, then the results into the outbox for the same
//! subscribers and for the Telegram channels). The relay's workers send the rows.
//!
//! Guarantees:
//! - **One step, one transaction**: a consultation is locked (`FOR UPDATE SKIP
//!   LOCKED`), its rows are written in chunks of subscribers and its status changes, all
//!   in one transaction: a crash leaves it as it was, to be done again, and several
//!   replicas never open or close the same one twice (the rows are unique per
//!   consultation, kind and recipient as well).
//! - **Too late is never sent**: a question still queued when its consultation closes
//!   is cancelled, and one claimed after it closed is not sent (its `expires_at`). A
//!   consultation that was never opened before its closing time is closed without a
//!   message.
//! - **The results** are counted in the closing transaction, after the status changed:
//!   an answer being counted at that moment is waited for, a later one is refused. They
//!   go to every subscriber the question reached who still follows the bot, and to the
//!   Telegram channels (`TELEGRAM_CHANNELS`), in Italian (English for subscribers who
//!   speak it). The channels get no poll: a channel's poll counts everyone who sees
//!   it, and one answer per citizen could not be kept.

use std::time::Duration;

use sqlx::PgPool;

use super::RelayError;
use super::publish::{DEFAULT_CHUNK, SUBSCRIBER_CHANNELS};
use crate::consultation::texts::{self, Lang};
use crate::store::pg::PgStore;
use crate::store::pg::consultations::{self as store, LangTexts, StoredConsultation};

/// How often the scheduler looks for consultations to open or close.
pub const CONSULTATIONS_EVERY: Duration = Duration::from_secs(2);

/// How the scheduler opens and closes.
#[derive(Debug, Clone)]
pub struct ConsultationOptions {
    /// Telegram channels or groups that get the results (`@name` or id).
    pub broadcast_to: Vec<String>,
    /// Subscribers per statement (default 20,000).
    pub chunk: i64,
}

impl Default for ConsultationOptions {
    fn default() -> Self {
        ConsultationOptions {
            broadcast_to: Vec::new(),
            chunk: DEFAULT_CHUNK,
        }
    }
}

/// What one pass did: the consultations opened (key, questions queued) and closed
/// (key, results queued).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConsultationsDone {
    /// Opened now: key and the questions queued.
    pub opened: Vec<(String, u64)>,
    /// Closed now: key and the results queued (subscribers and channels).
    pub closed: Vec<(String, u64)>,
}

/// Opens every consultation due and closes every one whose time is up, now.
pub async fn run_consultations(
    pool: &PgPool,
    options: &ConsultationOptions,
) -> Result<ConsultationsDone, RelayError> {
    let mut done = ConsultationsDone::default();
    while let Some(opened) = open_next(pool, options).await? {
        done.opened.push(opened);
    }
    while let Some(closed) = close_next(pool, options).await? {
        done.closed.push(closed);
    }
    Ok(done)
}

/// Runs [`run_consultations`] every [`CONSULTATIONS_EVERY`] until aborted; failures
/// are logged and tried again.
pub fn spawn_consultations(
    store: PgStore,
    options: ConsultationOptions,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(CONSULTATIONS_EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            if let Err(err) = run_consultations(store.pool(), &options).await {
                tracing::warn!("consultations: {err}");
            }
        }
    })
}

/// The payload of `c`'s question on `channel`, per language.
fn question_texts(c: &StoredConsultation, channel: &str) -> LangTexts {
    let text = |lang: Lang| {
        let d = &c.consultation;
        match channel {
            "whatsapp" => texts::whatsapp_body(&d.question, d.closes_at, d.anonymous, lang),
            _ => texts::telegram_preamble(d.closes_at, d.anonymous, lang),
        }
    };
    by_lang(text)
}

fn by_lang(text: impl Fn(Lang) -> String) -> LangTexts {
    LangTexts {
        langs: Lang::ALL.iter().map(|(l, _)| (*l).to_owned()).collect(),
        texts: Lang::ALL.iter().map(|(_, lang)| text(*lang)).collect(),
        default: text(Lang::It),
    }
}

/// Opens the next consultation due, if any: its key and the questions queued.
async fn open_next(
    pool: &PgPool,
    options: &ConsultationOptions,
) -> Result<Option<(String, u64)>, RelayError> {
    let mut tx = pool.begin().await?;
    let Some(c) = store::lock_due(&mut *tx, store::Due::Opening).await? else {
        return Ok(None);
    };
    let key = c.consultation.key.clone();
    if c.consultation.closes_at <= chrono::Utc::now() {
        store::set_status(&mut *tx, c.id, false).await?;
        tx.commit().await?;
        tracing::warn!(consultation = %key, "consultation due after its closing time: closed, never sent");
        return Ok(Some((key, 0)));
    }
    let chunk = options.chunk.max(1);
    let mut queued = 0;
    for channel in SUBSCRIBER_CHANNELS {
        let payload = question_texts(&c, channel);
        let mut after = String::new();
        loop {
            let done =
                store::fan_out_question(&mut *tx, &c, channel, &payload, (&after, chunk)).await?;
            queued += done.inserted;
            match done.last {
                Some(last) if done.seen >= chunk.unsigned_abs() => after = last,
                _ => break,
            }
        }
    }
    store::set_status(&mut *tx, c.id, true).await?;
    tx.commit().await?;
    metrics::counter!("sportello_relay_enqueued_total").increment(queued);
    tracing::info!(consultation = %key, questions = queued, "consultation opened");
    Ok(Some((key, queued)))
}

/// Closes the next consultation whose time is up, if any: its key and the results
/// queued.
async fn close_next(
    pool: &PgPool,
    options: &ConsultationOptions,
) -> Result<Option<(String, u64)>, RelayError> {
    let mut tx = pool.begin().await?;
    let Some(c) = store::lock_due(&mut *tx, store::Due::Closing).await? else {
        return Ok(None);
    };
    let d = &c.consultation;
    store::set_status(&mut *tx, c.id, false).await?;
    let cancelled = store::cancel_unsent_questions(&mut *tx, c.id).await?;
    let tally = store::tally(&mut *tx, c.id, d.options.len()).await?;
    let results = by_lang(|lang| texts::results(&d.question, &d.options, &tally, lang));
    let mut queued = store::fan_out_results(&mut *tx, c.id, &results).await?;
    let channels: Vec<String> = options
        .broadcast_to
        .iter()
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty())
        .collect();
    queued += store::results_to_channels(&mut *tx, c.id, &channels, "it", &results.default).await?;
    tx.commit().await?;
    metrics::counter!("sportello_relay_enqueued_total").increment(queued);
    tracing::info!(
        consultation = %d.key,
        answers = tally.total(),
        results = queued,
        cancelled,
        "consultation closed"
    );
    Ok(Some((d.key.clone(), queued)))
}
