//! The one Bot API client: every call the bot makes to Telegram — receiving updates,
//! replies, news, commands, webhooks — goes through [`BotApi`], over one reqwest
//! client, and every answer is classified once, here, as a [`SendError`].
//!
//! Why not teloxide's `Bot` for the calls (teloxide still gives the update types):
//! - a `getUpdates` answer teloxide cannot parse as a whole (one update holding a lone
//!   UTF-16 surrogate) fails every update in it and holds up every chat; here each
//!   update is read on its own ([`RawUpdate`]) and a bad one is skipped;
//! - teloxide's errors carry the raw answer (chat ids, names, texts) into any log
//!   line that prints them; these errors never hold citizen data;
//! - the HTTP status decides between a transient failure (5xx) and a refusal (4xx),
//!   which teloxide's `ApiError::Unknown` loses; and only the fields used are read
//!   (`message_id`), so a Bot API emulator's sparse answers still count as sent.
//!
//! It neither paces nor retries: wrap it in [`Paced`](crate::sender::Paced) and
//! [`Retry`](crate::sender::Retry).

use std::time::Duration;

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Value, json};

use super::render::TelegramMessage;
use crate::sender::{ConsultationPart, Delivery, SendError, Sender};
use crate::text::html_to_plain;

/// The Bot API client could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum ApiSetupError {
    /// The API URL cannot take the bot's path.
    #[error("the Bot API URL cannot take a path")]
    Url,
    /// The HTTP client could not be built.
    #[error("HTTP client: {0}")]
    Client(String),
}

/// Updates one `getUpdates` returns at most (Telegram's own maximum).
pub(super) const GET_UPDATES_LIMIT: usize = 100;

/// The updates the bot asks for, by polling or webhook: Telegram remembers the last
/// list it was given, so it is always given in full. `poll` and `poll_answer` carry the
/// answers to consultations.
pub const ALLOWED_UPDATES: [&str; 5] = [
    "message",
    "callback_query",
    "my_chat_member",
    "poll",
    "poll_answer",
];

/// One update as Telegram sent it, not read yet: each is parsed on its own.
pub type RawUpdate = Box<RawValue>;

/// The Telegram Bot API for one bot. Cheap to clone.
#[derive(Debug, Clone)]
pub struct BotApi {
    client: reqwest::Client,
    /// `…/bot<token>/`: methods are joined to it.
    base: reqwest::Url,
    paid_broadcast: bool,
    bot_id: i64,
}

#[derive(Deserialize)]
struct Answer<T> {
    ok: bool,
    #[serde(default = "Option::default")]
    result: Option<T>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    parameters: Option<Parameters>,
}

#[derive(Deserialize)]
struct Parameters {
    #[serde(default)]
    retry_after: Option<u64>,
    #[serde(default)]
    migrate_to_chat_id: Option<i64>,
}

/// What a sent message's answer is read for.
#[derive(Deserialize)]
struct SentMessage {
    #[serde(default)]
    message_id: i64,
}

/// What `getMe` is read for.
#[derive(Deserialize)]
struct Me {
    #[serde(default)]
    username: Option<String>,
}

impl BotApi {
    /// A client for the bot `token` at `api_url` (default Telegram's), giving up on a
    /// call after `timeout` (long polls wait longer). `paid_broadcast` sets
    /// `allow_paid_broadcast` on news (needed above 30 messages per second; Telegram
    /// charges Stars for it).
    pub fn new(
        token: &str,
        api_url: Option<&reqwest::Url>,
        timeout: Duration,
        paid_broadcast: bool,
    ) -> Result<BotApi, ApiSetupError> {
        let mut base = match api_url {
            Some(url) => url.clone(),
            None => {
                reqwest::Url::parse("https://api.telegram.org/").map_err(|_| ApiSetupError::Url)?
            }
        };
        base.path_segments_mut()
            .map_err(|()| ApiSetupError::Url)?
            .pop_if_empty()
            .push(&format!("bot{token}"))
            .push("");
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .pool_max_idle_per_host(256)
            // Connections opened for a burst close once it has passed.
            .pool_idle_timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| ApiSetupError::Client(e.to_string()))?;
        Ok(BotApi {
            client,
            base,
            paid_broadcast,
            bot_id: bot_id(token),
        })
    }

    /// The bot's numeric id, read from its token (`<id>:<secret>`); 0 if it has none.
    pub fn bot_id(&self) -> i64 {
        self.bot_id
    }

    /// Calls `method` with `body` and reads the answer's `result` as `T`.
    pub(super) async fn call<T: serde::de::DeserializeOwned>(
        &self,
        method: &str,
        body: &Value,
        timeout: Option<Duration>,
    ) -> Result<T, SendError> {
        let url = self
            .base
            .join(method)
            .map_err(|_| SendError::Permanent(format!("bad method {method}")))?;
        let mut request = self.client.post(url).json(body);
        if let Some(timeout) = timeout {
            request = request.timeout(timeout);
        }
        // The URL holds the bot token: never let it into an error.
        let response = request
            .send()
            .await
            .map_err(|e| SendError::Transient(e.without_url().to_string()))?;
        let status = response.status();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| SendError::Transient(e.without_url().to_string()))?;
        let answer: Answer<T> = match serde_json::from_slice(&bytes) {
            Ok(answer) => answer,
            Err(_) if status.is_server_error() || status.is_success() => {
                return Err(SendError::Transient(format!(
                    "HTTP {status}: unreadable answer"
                )));
            }
            Err(_) => return Err(SendError::Permanent(format!("HTTP {status}"))),
        };
        match answer {
            Answer {
                ok: true,
                result: Some(result),
                ..
            } => Ok(result),
            Answer { ok: true, .. } => Err(SendError::Transient(format!(
                "HTTP {status}: an answer without a result"
            ))),
            failed => Err(classify(
                status.as_u16(),
                failed.description,
                failed.parameters,
            )),
        }
    }

    /// `chat_id` as the Bot API takes it: a number, or a channel's `@name`.
    pub(super) fn chat_id(recipient: &str) -> Value {
        match recipient.parse::<i64>() {
            Ok(id) => json!(id),
            Err(_) => json!(recipient),
        }
    }

    /// Sends `text` to `recipient` (a chat id or `@channel`), as HTML when `html`,
    /// with an inline keyboard of (label, callback data); the message id.
    async fn send_message(
        &self,
        recipient: &str,
        text: &str,
        html: bool,
        keyboard: &[(String, String)],
        paid_broadcast: bool,
    ) -> Result<String, SendError> {
        let chat_id = Self::chat_id(recipient);
        let mut body = if html {
            json!({ "chat_id": chat_id, "text": text, "parse_mode": "HTML" })
        } else {
            json!({ "chat_id": chat_id, "text": html_to_plain(text) })
        };
        if !keyboard.is_empty() {
            let rows: Vec<Value> = keyboard
                .iter()
                .map(|(label, data)| json!([{ "text": label, "callback_data": data }]))
                .collect();
            body["reply_markup"] = json!({ "inline_keyboard": rows });
        }
        if paid_broadcast {
            body["allow_paid_broadcast"] = json!(true);
        }
        let sent: SentMessage = self.call("sendMessage", &body, None).await?;
        Ok(sent.message_id.to_string())
    }

    /// The bot's @username (`getMe`), read leniently: an emulator may answer with
    /// fewer fields than Telegram.
    pub async fn username(&self) -> Result<String, SendError> {
        let me: Me = self.call("getMe", &json!({}), None).await?;
        Ok(me.username.unwrap_or_default())
    }

    /// `setMyCommands`: (command, description) pairs, for `lang` or the default list.
    pub async fn set_my_commands(
        &self,
        commands: &[(String, String)],
        lang: Option<&str>,
    ) -> Result<(), SendError> {
        let commands: Vec<Value> = commands
            .iter()
            .map(|(name, description)| json!({ "command": name, "description": description }))
            .collect();
        let mut body = json!({ "commands": commands });
        if let Some(lang) = lang {
            body["language_code"] = json!(lang);
        }
        self.call::<Value>("setMyCommands", &body, None)
            .await
            .map(drop)
    }

    /// Shows `action` (e.g. `typing`) in the chat for five seconds or until the bot's
    /// next message. Not a message: it takes no slot of the pace.
    pub async fn send_chat_action(&self, recipient: &str, action: &str) -> Result<(), SendError> {
        let body = json!({ "chat_id": Self::chat_id(recipient), "action": action });
        self.call::<Value>("sendChatAction", &body, None)
            .await
            .map(drop)
    }

    /// Stops the client's spinner after a button press.
    pub async fn answer_callback_query(&self, id: &str) -> Result<(), SendError> {
        self.call::<Value>(
            "answerCallbackQuery",
            &json!({ "callback_query_id": id }),
            None,
        )
        .await
        .map(drop)
    }

    /// Long-polls for the updates from `offset` on, waiting up to `wait` for one.
    pub async fn get_updates(
        &self,
        offset: i64,
        wait: Duration,
    ) -> Result<Vec<RawUpdate>, SendError> {
        let body = json!({
            "offset": offset, "timeout": wait.as_secs(), "limit": GET_UPDATES_LIMIT,
            "allowed_updates": ALLOWED_UPDATES
        });
        // The HTTP timeout must outlast the poll.
        self.call("getUpdates", &body, Some(wait + Duration::from_secs(15)))
            .await
    }

    /// Registers the webhook at `url`, signed with `secret`.
    pub async fn set_webhook(&self, url: &reqwest::Url, secret: &str) -> Result<(), SendError> {
        let body = json!({
            "url": url.as_str(), "secret_token": secret, "allowed_updates": ALLOWED_UPDATES
        });
        self.call::<Value>("setWebhook", &body, None)
            .await
            .map(drop)
    }

    /// Removes a webhook, so long polling may start.
    pub async fn delete_webhook(&self) -> Result<(), SendError> {
        self.call::<Value>("deleteWebhook", &json!({}), None)
            .await
            .map(drop)
    }
}

/// The id in a token `<id>:<secret>`.
fn bot_id(token: &str) -> i64 {
    token
        .split_once(':')
        .and_then(|(id, _)| id.parse().ok())
        .unwrap_or_default()
}

/// A refusal, as callers act on it.
fn classify(status: u16, description: Option<String>, parameters: Option<Parameters>) -> SendError {
    let description = description.unwrap_or_else(|| format!("HTTP {status}"));
    if let Some(after) = parameters.as_ref().and_then(|p| p.retry_after) {
        return SendError::RetryAfter(Duration::from_secs(after.max(1)));
    }
    if let Some(to) = parameters.as_ref().and_then(|p| p.migrate_to_chat_id) {
        return SendError::Migrated(to.to_string());
    }
    let lower = description.to_lowercase();
    match status {
        429 => SendError::RetryAfter(Duration::from_secs(1)),
        403 => SendError::Gone(description),
        400 if lower.contains("chat not found")
            || lower.contains("user not found")
            || lower.contains("deactivated") =>
        {
            SendError::Gone(description)
        }
        400 if lower.contains("can't parse entities") => SendError::BadMarkup(description),
        500.. => SendError::Transient(description),
        // A wrong token or URL: an operator's mistake, worth retrying once fixed.
        401 | 404 => SendError::Transient(description),
        _ => SendError::Permanent(description),
    }
}

impl Sender<TelegramMessage> for BotApi {
    fn channel(&self) -> &str {
        "telegram"
    }

    async fn send(&self, recipient: &str, message: &TelegramMessage) -> Result<String, SendError> {
        self.send_message(
            recipient,
            &message.text,
            message.markup,
            &message.keyboard,
            false,
        )
        .await
    }
}

impl<'a> Sender<Delivery<'a>> for BotApi {
    fn channel(&self) -> &str {
        "telegram"
    }

    async fn send(&self, recipient: &str, news: &Delivery<'a>) -> Result<String, SendError> {
        if let Some(ConsultationPart::Question { .. }) = news.consultation {
            // Its poll's id must be recorded, or no answer would count.
            return Err(SendError::Permanent(
                "a consultation's question goes through the relay's poll sender".into(),
            ));
        }
        self.send_message(recipient, news.text, news.markup, &[], self.paid_broadcast)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(retry_after: Option<u64>, migrate_to_chat_id: Option<i64>) -> Option<Parameters> {
        Some(Parameters {
            retry_after,
            migrate_to_chat_id,
        })
    }

    fn said(text: &str) -> Option<String> {
        Some(text.to_owned())
    }

    #[test]
    fn answers_are_classified() {
        assert_eq!(
            classify(429, said("Too Many Requests"), params(Some(3), None)),
            SendError::RetryAfter(Duration::from_secs(3))
        );
        assert_eq!(
            classify(400, said("migrated"), params(None, Some(-100_123))),
            SendError::Migrated("-100123".into())
        );
        assert!(matches!(
            classify(403, said("Forbidden: bot was blocked by the user"), None),
            SendError::Gone(_)
        ));
        assert!(matches!(
            classify(400, said("Bad Request: chat not found"), None),
            SendError::Gone(_)
        ));
        assert!(matches!(
            classify(
                400,
                said("Bad Request: can't parse entities: unclosed <b>"),
                None
            ),
            SendError::BadMarkup(_)
        ));
        assert!(matches!(
            classify(502, said("Bad Gateway"), None),
            SendError::Transient(_)
        ));
        assert!(matches!(
            classify(400, said("Bad Request: message is too long"), None),
            SendError::Permanent(_)
        ));
    }

    #[test]
    fn the_bot_id_comes_from_the_token() {
        assert_eq!(bot_id("123456:ABC-def"), 123_456);
        assert_eq!(bot_id("not a token"), 0);
    }

    #[test]
    fn methods_join_the_bot_path() {
        let api = BotApi::new("42:SECRET", None, Duration::from_secs(1), false);
        assert!(api.is_ok_and(|api| api.base.as_str().ends_with("/bot42:SECRET/")));
    }
}
