//! The news relay: every proactive message (news, consultations, staff replies)
//! leaves through one durable outbox table in PostgreSQL.
//!
//! Guarantees:
//! - **Publishing** a news item writes one outbox row per active subscriber whose
//!   topics match, on the subscriber's channel (Telegram or WhatsApp), and one per
//!   configured Telegram channel, in chunked transactions; the rows are
//!   unique per (news, channel, recipient), so publishing twice sends nothing twice.
//!   Expired news is refused at publishing and never sent afterwards.
//! - **Claiming**: workers claim due rows in batches (`FOR UPDATE SKIP LOCKED`), each
//!   stamped with the worker's name and a lease that the worker renews while it holds
//!   the rows. Two live workers never hold the same row; a row whose worker died is
//!   claimed again when its lease runs out, so a crash loses nothing and repeats at
//!   most the sends that were in flight and not yet recorded.
//! - **Channels**: one worker per channel claims only that channel's rows, so a slow
//!   or rate-limited channel never holds up another.
//! - **Replies first**: news, reminders and consultations wait for the pace as
//!   background messages: a citizen's reply never waits behind them, only for the
//!   slot in progress; they use the rest of the budget.
//! - **Limits**: Telegram sends wait for the shared [`Pace`](crate::sender::Pace)
//!   (overall rate, one per second per chat, twenty per minute per group or channel);
//!   a 429 pauses everyone on Telegram for its `retry_after`. WhatsApp sends wait for a
//!   pace of their own (`WHATSAPP_RATE`, default 80/s); a throughput limit pauses
//!   WhatsApp only, a pair rate limit (131056) puts only that row back for a while.
//! - **Failures**: 5xx and timeouts are retried with capped exponential backoff and
//!   jitter up to `max_attempts`, then failed with the reason; refusals (a WhatsApp
//!   citizen outside the 24-hour window whose topic has no template, other 4xx) fail
//!   at once with the reason; blocked or vanished recipients are marked and their
//!   subscriptions deactivated, and the broadcast goes on.
//! - `LISTEN sportello_outbox` only wakes a worker early; it polls as well.
//!
//! # Layout
//! - `message`: a news item rendered from the dialogues' `news` template, trimmed to fit.
//! - `publish`: the fan-out into the outbox.
//! - `outbox`: the outbox queries (claim, record, renew, counts).
//! - `whatsapp`: news on WhatsApp (24-hour window, templates), and a consultation's
//!   question as a list.
//! - `consultations`: the scheduler that opens consultations (question fan-out) and
//!   closes them (count, results fan-out); `polls`: their Telegram polls.
//!
//! Messages leave through the one sender stack ([`crate::sender`]): the Telegram Bot
//! API client ([`TelegramSender`]) and the WhatsApp sender, each `Paced`.
//! - `worker`: the loop that claims, sends and records; `deliver`: one row's send and
//!   what becomes of it (the retry policy).
//! - `status`: a news item's progress.
//! - `reminders`: the scheduler that turns due reminders into outbox rows and
//!   follows the calendar (moved and cancelled events).
//!
//! The relay never runs a conversation and never reads sessions.

mod config;
mod consultations;
mod deliver;
mod message;
mod outbox;
mod polls;
mod publish;
mod reminders;
mod staff;
mod status;
mod waiting;
mod whatsapp;
mod worker;

pub use crate::sender::{Delivery, Paced, SendError, Sender, pace_key};
pub use crate::sender::{Forum, TopicProblem};
pub use consultations::{
    CONSULTATIONS_EVERY, ConsultationOptions, ConsultationsDone, run_consultations,
    spawn_consultations,
};
pub use message::{NewsMessages, render_news, visible_len};
pub use outbox::{Claimed, Outcome};
pub use polls::PollSender;
pub use publish::{PublishOptions, Published, SUBSCRIBER_CHANNELS, publish};
pub use reminders::{ReminderPass, remind_due, spawn_reminders};
pub use staff::StaffSender;
pub use status::{NewsStatus, news_status};
pub use waiting::{spawn_waiting_check, tell_the_waiting};
pub use whatsapp::{DEFAULT_WHATSAPP_RATE, WhatsAppSender, whatsapp_limits};

/// News to Telegram go through the bot's one Bot API client.
pub type TelegramSender = crate::channel::telegram::BotApi;
pub use config::WorkerConfig;
pub use worker::Worker;

/// What went wrong in the relay. Messages are for staff and operators, never citizens.
#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    /// The outbox query failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// No news item has this key or id.
    #[error("no news item `{0}`")]
    NotFound(String),
    /// The item expired before it was published.
    #[error("news item `{0}` has expired; it is not sent")]
    Expired(String),
    /// The dialogues' news template cannot render the item.
    #[error("news template: {0}")]
    Template(String),
    /// A sender could not be set up from the settings.
    #[error("relay settings: {0}")]
    Config(String),
}

impl From<crate::channel::telegram::ApiSetupError> for RelayError {
    fn from(err: crate::channel::telegram::ApiSetupError) -> Self {
        RelayError::Config(err.to_string())
    }
}
