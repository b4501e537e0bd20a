//! The Telegram channel: teloxide long polling (or a webhook served through axum),
//! one conversation turn per citizen update, replies rendered within Telegram's limits.
//!
//! Limits and ordering:
//! - updates of one chat are handled strictly in order (one worker per chat);
//!   different chats run concurrently, at most `max_in_flight` turns at once;
//! - every message waits for `pace` (governor: 1 message/s per chat, 20/min per
//!   group, 30/s overall by default); a 429 pauses all sending for its `retry_after`
//!   and the message is sent again; 5xx and network errors are retried a few times;
//! - an update seen twice (same `update_id`, e.g. a webhook retry) is handled once;
//! - texts are HTML (values escaped by the templates), at most 4096 characters per
//!   message; button ids are at most 64 bytes.

mod inbound;
pub mod pace;
mod render;

use std::collections::{HashMap, HashSet, VecDeque};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use futures_util::StreamExt;
use teloxide::prelude::*;
use teloxide::types::{
    BotCommand, CallbackQueryId, InlineKeyboardButton, InlineKeyboardMarkup, ParseMode,
};
use teloxide::update_listeners::UpdateListener;
use teloxide::update_listeners::webhooks;
use teloxide::{ApiError, RequestError};
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;
use tracing::Instrument;

pub use inbound::{Event, chat_of, classify};
pub use pace::{Limits, Pace};
pub use render::{TelegramMessage, render};

use super::log_id;
use crate::conversation::Conversation;
use crate::dialogue::Dialogues;
use crate::engine::{Inbound, Outbound};
use crate::store::{ChatKey, CitizenStore, ContentSource};
use crate::text::html_to_plain;

/// The bot as the channel uses it.
pub type TelegramBot = Bot;

/// Attempts for one message when Telegram answers 429, 5xx or the network fails.
const SEND_ATTEMPTS: u32 = 5;

/// Update ids remembered to drop redeliveries.
const RECENT_UPDATES: usize = 10_000;

/// How the channel connects to Telegram.
#[derive(Debug, Clone)]
pub struct TelegramConfig {
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
}

/// The channel stopped for a reason other than being asked to.
#[derive(Debug, thiserror::Error)]
pub enum TelegramError {
    #[error("Telegram: {0}")]
    Request(#[from] RequestError),
    #[error("webhook listener: {0}")]
    Listen(#[from] std::io::Error),
}

/// A bot for `config`, with its API URL.
pub fn bot(config: &TelegramConfig) -> TelegramBot {
    let bot = Bot::new(&config.token);
    match &config.api_url {
        Some(url) => bot.set_api_url(url.clone()),
        None => bot,
    }
}

/// Serves Telegram on its own until `shutdown` resolves (the webhook, if any, on
/// `config.listen`), then stops taking updates, lets the turns in flight finish
/// (sessions are saved by each turn) and returns. `serve` composes the same steps with
/// other channels on one listener.
pub async fn run<C, S>(
    config: TelegramConfig,
    conversation: Conversation<C, S>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), TelegramError>
where
    C: ContentSource + 'static,
    S: CitizenStore + 'static,
{
    let pace = Arc::new(Pace::new(config.limits));
    let channel = TelegramChannel::start(&config, conversation, pace).await;
    match &config.webhook_url {
        None => channel.poll(shutdown).await,
        Some(url) => {
            let (listener, stopped, routes) = channel
                .webhook(url.clone(), config.webhook_secret.clone())
                .await?;
            let tcp = tokio::net::TcpListener::bind(config.listen).await?;
            tracing::info!(listen = %config.listen, "Telegram: webhook");
            let server = tokio::spawn(async move {
                axum::serve(tcp, routes)
                    .with_graceful_shutdown(stopped)
                    .await
            });
            channel.dispatch(listener, shutdown).await;
            if let Ok(Err(err)) = server.await {
                tracing::warn!("webhook server: {err}");
            }
        }
    }
    Ok(())
}

/// The Telegram channel, connected: the bot, its username and the turn service.
pub struct TelegramChannel<C, S> {
    bot: TelegramBot,
    service: Arc<Service<C, S>>,
}

impl<C, S> TelegramChannel<C, S>
where
    C: ContentSource + 'static,
    S: CitizenStore + 'static,
{
    /// Publishes the dialogues' commands and learns the bot's username. Replies wait for
    /// `pace`, which other senders (the news relay) share so the limits hold for the
    /// bot as a whole.
    pub async fn start(
        config: &TelegramConfig,
        conversation: Conversation<C, S>,
        pace: Arc<Pace>,
    ) -> TelegramChannel<C, S> {
        let bot = bot(config);
        publish_commands(&bot, &conversation.dialogues()).await;
        let username = bot_username(&bot, config).await;
        let service = Arc::new(Service {
            conversation,
            recent: Mutex::new(RecentUpdates::default()),
            in_flight: Semaphore::new(config.max_in_flight.max(1)),
            pace,
            username,
        });
        TelegramChannel { bot, service }
    }

    /// Long-polls until `shutdown` (deleting a webhook left behind first), then lets
    /// the turns in flight finish.
    pub async fn poll(self, shutdown: impl Future<Output = ()> + Send + 'static) {
        let listener = teloxide::update_listeners::polling_default(self.bot.clone()).await;
        tracing::info!("Telegram: long polling");
        self.dispatch(listener, shutdown).await;
    }

    /// Registers the webhook at `url` (with `secret`, generated when `None`) and returns
    /// the updates it will receive, a future that resolves once they have stopped, and
    /// the routes to serve them on; requests without the secret get 401.
    pub async fn webhook(
        &self,
        url: reqwest::Url,
        secret: Option<String>,
    ) -> Result<
        (
            impl UpdateListener<Err = std::convert::Infallible> + Send + 'static,
            impl Future<Output = ()> + Send + 'static,
            axum::Router,
        ),
        TelegramError,
    > {
        // The address is only used by teloxide's own server, which is not used here.
        let unused = SocketAddr::from(([127, 0, 0, 1], 0));
        let mut options = webhooks::Options::new(unused, url);
        if let Some(secret) = secret {
            options = options.secret_token(secret);
        }
        Ok(webhooks::axum_to_router(self.bot.clone(), options).await?)
    }

    /// Handles `updates` until `shutdown`; then stops them and lets every chat's turns
    /// finish.
    pub async fn dispatch<L>(self, updates: L, shutdown: impl Future<Output = ()> + Send + 'static)
    where
        L: UpdateListener,
        L::Err: std::fmt::Debug,
    {
        dispatch(updates, self.bot, self.service, shutdown).await;
        tracing::info!("Telegram channel stopped");
    }
}

/// Feeds updates to one worker per chat (so a chat's updates run in order and chats
/// run side by side) until `shutdown`; then stops the listener and lets every worker
/// finish what it holds.
async fn dispatch<L, C, S>(
    mut listener: L,
    bot: TelegramBot,
    service: Arc<Service<C, S>>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) where
    L: UpdateListener,
    L::Err: std::fmt::Debug,
    C: ContentSource + 'static,
    S: CitizenStore + 'static,
{
    let stop = listener.stop_token();
    tokio::spawn(async move {
        shutdown.await;
        tracing::info!("stopping: no new updates; finishing the turns in flight");
        stop.stop();
    });
    let mut chats: HashMap<i64, mpsc::UnboundedSender<Update>> = HashMap::new();
    let mut workers = JoinSet::new();
    {
        let updates = listener.as_stream();
        let mut updates = std::pin::pin!(updates);
        while let Some(next) = updates.next().await {
            let update = match next {
                Ok(update) => update,
                Err(err) => {
                    tracing::warn!("Telegram update listener: {err:?}");
                    continue;
                }
            };
            let Some(chat) = chat_of(&update) else {
                let (bot, service) = (bot.clone(), Arc::clone(&service));
                workers.spawn(async move { service.handle(&bot, update).await });
                continue;
            };
            let queue = chats.entry(chat).or_insert_with(|| {
                let (queue, mut inbox) = mpsc::unbounded_channel::<Update>();
                let (bot, service) = (bot.clone(), Arc::clone(&service));
                workers.spawn(async move {
                    while let Some(update) = inbox.recv().await {
                        service.handle(&bot, update).await;
                    }
                });
                queue
            });
            // The worker only stops after its queue closes, below.
            let _ = queue.send(update);
        }
    }
    drop(chats);
    while workers.join_next().await.is_some() {}
}

/// The bot's @username, for telling group messages meant for it. Read leniently: a
/// Bot API emulator may answer `getMe` with fewer fields than teloxide requires.
async fn bot_username(bot: &TelegramBot, config: &TelegramConfig) -> String {
    if let Ok(me) = bot.get_me().await {
        return me.username().to_owned();
    }
    let base = config
        .api_url
        .clone()
        .or_else(|| reqwest::Url::parse("https://api.telegram.org/").ok());
    let raw = async {
        let mut url = base?;
        url.path_segments_mut()
            .ok()?
            .push(&format!("bot{}", config.token))
            .push("getMe");
        let body: serde_json::Value = reqwest::get(url).await.ok()?.json().await.ok()?;
        body.pointer("/result/username")
            .and_then(|u| u.as_str())
            .map(str::to_owned)
    };
    raw.await.unwrap_or_else(|| {
        tracing::warn!("getMe gave no username; group messages will need a command");
        String::new()
    })
}

/// `setMyCommands` from the dialogues' global commands: the default list in the bot's
/// language, and one per language.
async fn publish_commands(bot: &TelegramBot, d: &Dialogues) {
    let commands_in = |lang: &str| -> Vec<BotCommand> {
        d.settings
            .commands
            .iter()
            .map(|c| BotCommand::new(&c.name, c.description.get(lang, &d.settings.default_lang)))
            .collect()
    };
    if let Err(err) = bot
        .set_my_commands(commands_in(&d.settings.default_lang))
        .await
    {
        tracing::warn!("setMyCommands: {err}");
    }
    for lang in &d.settings.languages {
        if let Err(err) = bot
            .set_my_commands(commands_in(lang))
            .language_code(lang.clone())
            .await
        {
            tracing::warn!(lang = %lang, "setMyCommands: {err}");
        }
    }
}

struct Service<C, S> {
    conversation: Conversation<C, S>,
    recent: Mutex<RecentUpdates>,
    in_flight: Semaphore,
    pace: Arc<Pace>,
    /// The bot's @username (empty if unknown).
    username: String,
}

impl<C: ContentSource, S: CitizenStore> Service<C, S> {
    async fn handle(&self, bot: &TelegramBot, update: Update) {
        let first_time = self
            .recent
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(update.id.0);
        if !first_time {
            tracing::debug!(update = update.id.0, "duplicate update dropped");
            return;
        }
        metrics::counter!("sportello_updates_total", "channel" => "telegram").increment(1);
        match classify(&update, &self.username) {
            Event::Ignore => {}
            Event::Blocked { chat, blocked } => {
                let key = ChatKey::new("telegram", chat.to_string());
                tracing::info!(chat = %log_id(&key.chat), blocked, "subscriber status changed");
                if let Err(err) = self
                    .conversation
                    .citizens()
                    .set_blocked(&key, blocked)
                    .await
                {
                    tracing::warn!(chat = %log_id(&key.chat), "cannot record blocked status: {err}");
                }
            }
            Event::Turn {
                chat,
                input,
                lang,
                callback,
            } => {
                if let Some(id) = callback {
                    // Stops the client's spinner; the turn's reply follows.
                    if let Err(err) = bot.answer_callback_query(CallbackQueryId(id)).await {
                        tracing::debug!("answerCallbackQuery: {err}");
                    }
                }
                let Ok(_permit) = self.in_flight.acquire().await else {
                    return;
                };
                let key = ChatKey::new("telegram", chat.to_string());
                let span =
                    tracing::info_span!("turn", channel = "telegram", chat = %log_id(&key.chat));
                async {
                    let inbound = Inbound {
                        at: Utc::now(),
                        input,
                    };
                    let replies = match self
                        .conversation
                        .turn(&key, &inbound, lang.as_deref())
                        .await
                    {
                        Ok(turn) => turn.replies,
                        Err(err) => {
                            tracing::warn!("turn failed: {err}");
                            vec![self.error_reply(lang.as_deref())]
                        }
                    };
                    for message in render(&replies) {
                        self.send(bot, &key, chat, message).await;
                    }
                }
                .instrument(span)
                .await;
            }
        }
    }

    fn error_reply(&self, lang: Option<&str>) -> Outbound {
        let d = self.conversation.dialogues();
        let text = d.settings.fallback.error.get(
            lang.unwrap_or(&d.settings.default_lang),
            &d.settings.default_lang,
        );
        Outbound {
            text: html_escape::encode_text(text).into_owned(),
            buttons: Vec::new(),
        }
    }

    async fn send(&self, bot: &TelegramBot, key: &ChatKey, chat: i64, message: TelegramMessage) {
        let mut text = message.text;
        let mut html = true;
        for attempt in 1..=SEND_ATTEMPTS {
            self.pace.ready(chat).await;
            let mut request = bot.send_message(ChatId(chat), &text);
            if html {
                request = request.parse_mode(ParseMode::Html);
            }
            if !message.keyboard.is_empty() {
                request = request.reply_markup(keyboard(&message.keyboard));
            }
            match request.await {
                Ok(_) => return,
                Err(RequestError::RetryAfter(after)) => {
                    tracing::info!(after = ?after.duration(), "Telegram asked to slow down");
                    self.pace.freeze(after.duration());
                }
                Err(RequestError::Api(ApiError::CantParseEntities(reason))) if html => {
                    // A staff text with broken HTML: deliver it as plain text rather than not at all.
                    tracing::warn!(chat = %log_id(&key.chat), "HTML refused ({reason}); sending as plain text");
                    text = html_to_plain(&text);
                    html = false;
                }
                Err(RequestError::Api(
                    ApiError::BotBlocked | ApiError::UserDeactivated | ApiError::ChatNotFound,
                )) => {
                    tracing::info!(chat = %log_id(&key.chat), "citizen unreachable; marking blocked");
                    if let Err(err) = self.conversation.citizens().set_blocked(key, true).await {
                        tracing::warn!("cannot record blocked status: {err}");
                    }
                    return;
                }
                Err(
                    err @ (RequestError::Network(_)
                    | RequestError::Io(_)
                    | RequestError::Api(ApiError::Unknown(_))),
                ) if attempt < SEND_ATTEMPTS => {
                    tracing::debug!(attempt, "reply not sent yet: {err}");
                    tokio::time::sleep(Duration::from_millis(200 * u64::from(attempt))).await;
                }
                Err(err) => {
                    tracing::warn!(chat = %log_id(&key.chat), "reply not delivered: {err}");
                    return;
                }
            }
        }
        tracing::warn!(chat = %log_id(&key.chat), "reply not delivered after {SEND_ATTEMPTS} attempts");
    }
}

fn keyboard(buttons: &[(String, String)]) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new(
        buttons
            .iter()
            .map(|(label, data)| vec![InlineKeyboardButton::callback(label.clone(), data.clone())]),
    )
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
}
