//! The Telegram channel: updates by long polling (or a webhook served through axum)
//! turned into conversation turns, replies rendered within Telegram's limits.
//!
//! The way of one message: [`intake`] reads each update on its own (an unreadable one
//! is skipped and counted, never holding up the rest), drops redeliveries and
//! classifies it; [`ordered`](super::ordered) runs each chat's events in order, chats
//! side by side, within the bounds; [`turns`] asks the [`Conversation`] for the
//! replies and sends them through the one sender stack (`Retry<Paced<BotApi>>`,
//! sharing its [`Pace`] with the news relay).
//!
//! Limits: 1 message/s per chat, 20/min per group, 30/s overall by default; a 429
//! pauses all sending for its `retry_after`; texts are HTML, at most 4096 characters
//! per message (split with tags kept balanced); button ids are at most 64 bytes.

mod api;
pub mod forum;
mod inbound;
mod inbox;
mod intake;
mod limits;
mod polls;
mod polls_in;
mod render;
mod staff;
mod topics;
mod turns;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

pub use api::{ALLOWED_UPDATES, ApiSetupError, BotApi, RawUpdate};
pub use inbound::{Event, chat_of, classify};
pub use limits::{Limits, PAID_BROADCAST_MAX};
pub use polls_in::{PollUpdate, poll_update};
pub use render::{TelegramMessage, render};

use crate::channel::ordered::{Bounds, Ordered};
use crate::conversation::Conversation;
use crate::dialogue::Dialogues;
pub use crate::sender::Pace;
use crate::sender::{Paced, Retry, RetryPolicy};
use crate::store::{Ballots, CitizenStore, Claim, ContentSource, StaffDesk, UpdateLog};
use inbox::{Inbox, Lanes};
use intake::{Intake, Reader, StaffGroups};
use turns::Turns;

/// How long one call to the Bot API may take before it counts as a timeout.
const CALL_TIMEOUT: Duration = Duration::from_secs(20);
/// How long a replica's claim on a webhook lane lasts unless renewed: how long a
/// replica that died keeps its chats waiting.
const WEBHOOK_LEASE: Duration = Duration::from_secs(10);

/// How the channel connects to Telegram.
#[derive(Debug, Clone)]
pub struct TelegramConfig {
    /// The bot's token from @BotFather.
    pub token: String,
    /// The Bot API's base URL (a fake or a local Bot API server in tests and staging).
    pub api_url: Option<reqwest::Url>,
    /// Set: receive updates by webhook at this public URL instead of long polling.
    pub webhook_url: Option<reqwest::Url>,
    /// The webhook's secret token (generated when unset).
    pub webhook_secret: Option<String>,
    /// Where the webhook is served.
    pub listen: SocketAddr,
    /// Turns processed at once across all chats.
    pub max_in_flight: usize,
    /// Outgoing message limits.
    pub limits: Limits,
    /// The staff supergroup of queues whose settings name none
    /// (`SPORTELLO_STAFF_GROUP`).
    pub staff_group: Option<i64>,
    /// A citizen whose reply has waited this long for the shared limit is told once
    /// that it is coming (`TELEGRAM_ARRIVING_AFTER`); `None`: never.
    pub arriving_after: Option<Duration>,
}

/// The channel stopped for a reason other than being asked to.
#[derive(Debug, thiserror::Error)]
pub enum TelegramError {
    /// The Bot API client could not be set up.
    #[error("Telegram: {0}")]
    Setup(#[from] ApiSetupError),
    /// Telegram refused to register the webhook.
    #[error("Telegram: cannot register the webhook: {0}")]
    Webhook(crate::sender::SendError),
    /// The webhook's listener could not start.
    #[error("webhook listener: {0}")]
    Listen(#[from] std::io::Error),
}

/// Serves Telegram on its own until `shutdown` resolves (the webhook, if any, on
/// `config.listen`), then stops taking updates, lets the turns in flight finish and
/// returns. `serve` composes the same steps with other channels on one listener.
pub async fn run<C, S>(
    config: TelegramConfig,
    conversation: Conversation<C, S>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), TelegramError>
where
    C: ContentSource + 'static,
    S: CitizenStore + StaffDesk + Ballots + UpdateLog + Clone + 'static,
{
    let pace = Arc::new(Pace::new(config.limits));
    // The citizens' store also keeps the channel's update watermark.
    let log = conversation.citizens().clone();
    let channel = TelegramChannel::start(&config, conversation, log, pace).await?;
    match &config.webhook_url {
        None => channel.poll(shutdown).await,
        Some(url) => {
            let routes = channel
                .webhook(url.clone(), config.webhook_secret.clone())
                .await?;
            let tcp = tokio::net::TcpListener::bind(config.listen).await?;
            tracing::info!(listen = %config.listen, "Telegram: webhook");
            axum::serve(tcp, routes)
                .with_graceful_shutdown(shutdown)
                .await?;
            channel.stop().await;
        }
    }
    Ok(())
}

/// The sender stack replies go through.
type ReplySender = Retry<Paced<BotApi>>;

/// The intake in front of a chat's turns, lane by lane.
type TurnIntake<C, S, L> = Intake<Lanes<Turns<C, S>, L>, L>;

/// The Telegram channel, connected: the Bot API, the intake and the dispatch behind it.
pub struct TelegramChannel<C, S, L> {
    intake: Arc<TurnIntake<C, S, L>>,
    /// By webhook: this replica's name on the inbox updates it answers.
    claim: Option<Claim>,
}

impl<C, S, L> TelegramChannel<C, S, L>
where
    C: ContentSource + 'static,
    S: CitizenStore + StaffDesk + Ballots + 'static,
    L: UpdateLog + Clone + 'static,
{
    /// Publishes the dialogues' commands and learns the bot's username. Replies wait for
    /// `pace`, which other senders (the news relay) share so the limits hold for the
    /// bot as a whole; `log` keeps the highest update id taken, across restarts.
    pub async fn start(
        config: &TelegramConfig,
        conversation: Conversation<C, S>,
        log: L,
        pace: Arc<Pace>,
    ) -> Result<TelegramChannel<C, S, L>, TelegramError> {
        let api = BotApi::new(&config.token, config.api_url.as_ref(), CALL_TIMEOUT, false)?;
        publish_commands(&api, &conversation.dialogues()).await;
        let username = match api.username().await {
            Ok(username) => username,
            Err(err) => {
                tracing::warn!("getMe: {err}; group messages will need a command");
                String::new()
            }
        };
        let staff_groups = StaffGroups {
            dialogues: conversation.live().clone(),
            default: config.staff_group,
        };
        let reader = Arc::new(Reader::new(username, staff_groups));
        let claim = config.webhook_url.as_ref().map(|_| Claim {
            holder: intake::generate_secret()[..16].to_owned(),
            lease: WEBHOOK_LEASE,
        });
        let inbox = claim.clone().map(|claim| Inbox {
            log: log.clone(),
            bot_id: api.bot_id(),
            claim,
            reader: Arc::clone(&reader),
        });
        let sender = Retry::new(Paced::new(api.clone(), pace), RetryPolicy::REPLY);
        let turns = Turns::new(conversation, sender, api.clone(), config.arriving_after);
        let turns = Lanes::new(turns, inbox);
        let dispatch = Ordered::new(turns, Bounds::for_in_flight(config.max_in_flight));
        Ok(TelegramChannel {
            intake: Arc::new(Intake::new(api, reader, dispatch, log).await),
            claim,
        })
    }

    /// Long-polls until `shutdown` (deleting a webhook left behind first), then lets
    /// the turns in flight finish.
    pub async fn poll(self, shutdown: impl Future<Output = ()> + Send + 'static) {
        tracing::info!("Telegram: long polling");
        self.intake.poll(shutdown).await;
        self.stop().await;
    }

    /// Registers the webhook at `url` (with `secret`, generated when `None`) and returns
    /// the routes that take its updates; requests without the secret get 401. Call
    /// [`stop`](Self::stop) once the HTTP server has stopped.
    pub async fn webhook(
        &self,
        url: reqwest::Url,
        secret: Option<String>,
    ) -> Result<axum::Router, TelegramError> {
        let secret = secret.unwrap_or_else(intake::generate_secret);
        Arc::clone(&self.intake)
            .webhook(url, secret, self.claim.clone())
            .await
            .map_err(TelegramError::Webhook)
    }

    /// Takes no more updates, lets the turns in flight finish and drops what was only
    /// queued (logged as a count; by webhook it stays in the inbox for the other
    /// replicas, and so do this replica's claims).
    pub async fn stop(&self) {
        let drained = self.intake.stop(self.claim.as_ref()).await;
        tracing::info!(
            dropped = drained.dropped,
            "Telegram channel stopped (queued updates not started were dropped)"
        );
    }
}

/// The staff groups of the dialogues' queues, and `default` for those that name none.
pub fn staff_groups(d: &Dialogues, default: Option<i64>) -> Vec<i64> {
    let mut groups: Vec<i64> = d
        .settings
        .handoff
        .queues
        .iter()
        .filter_map(|q| q.group.or(default))
        .collect();
    groups.sort_unstable();
    groups.dedup();
    groups
}

/// `setMyCommands` from the dialogues' global commands: the default list in the bot's
/// language, and one per language.
async fn publish_commands(api: &BotApi, d: &Dialogues) {
    let commands_in = |lang: &str| -> Vec<(String, String)> {
        d.settings
            .commands
            .iter()
            .map(|c| {
                let description = c.description.get(lang, &d.settings.default_lang);
                (c.name.clone(), description.to_owned())
            })
            .collect()
    };
    if let Err(err) = api
        .set_my_commands(&commands_in(&d.settings.default_lang), None)
        .await
    {
        tracing::warn!("setMyCommands: {err}");
    }
    for lang in &d.settings.languages {
        if let Err(err) = api.set_my_commands(&commands_in(lang), Some(lang)).await {
            tracing::warn!(lang = %lang, "setMyCommands: {err}");
        }
    }
}
