//! The Bot API sender: `sendMessage` over reqwest, HTML parse mode, the answer
//! classified for the relay (429, migration, blocked or gone, 5xx, other refusals).
//!
//! It does not pace or retry: wrap it in [`Paced`](super::Paced) and let the worker
//! retry. A text Telegram cannot parse as HTML is sent once more as plain text.

use std::time::Duration;

use serde::Deserialize;
use serde_json::json;

use super::RelayError;
use super::sender::{Delivery, SendError, Sender};
use crate::text::html_to_plain;

/// Sends through the Telegram Bot API.
#[derive(Debug, Clone)]
pub struct TelegramSender {
    client: reqwest::Client,
    url: reqwest::Url,
    paid_broadcast: bool,
}

#[derive(Deserialize)]
struct Answer {
    ok: bool,
    #[serde(default)]
    result: Option<serde_json::Value>,
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

impl TelegramSender {
    /// A sender for the bot `token` at `api_url` (default Telegram's), giving up on a
    /// request after `timeout`. `paid_broadcast` sets `allow_paid_broadcast` (needed
    /// above 30 messages per second; Telegram charges Stars for it).
    pub fn new(
        token: &str,
        api_url: Option<&reqwest::Url>,
        timeout: Duration,
        paid_broadcast: bool,
    ) -> Result<TelegramSender, RelayError> {
        let base = match api_url {
            Some(url) => url.clone(),
            None => reqwest::Url::parse("https://api.telegram.org/")
                .map_err(|e| RelayError::Config(e.to_string()))?,
        };
        let mut url = base;
        url.path_segments_mut()
            .map_err(|()| RelayError::Config("the Bot API URL cannot take a path".into()))?
            .pop_if_empty()
            .push(&format!("bot{token}"))
            .push("sendMessage");
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .pool_max_idle_per_host(256)
            .build()
            .map_err(|e| RelayError::Config(e.to_string()))?;
        Ok(TelegramSender {
            client,
            url,
            paid_broadcast,
        })
    }

    async fn post(&self, recipient: &str, text: &str, html: bool) -> Result<String, SendError> {
        let chat_id = match recipient.parse::<i64>() {
            Ok(id) => json!(id),
            Err(_) => json!(recipient),
        };
        let mut body = json!({ "chat_id": chat_id, "text": text });
        if html {
            body["parse_mode"] = json!("HTML");
        }
        if self.paid_broadcast {
            body["allow_paid_broadcast"] = json!(true);
        }
        let response = self
            .client
            .post(self.url.clone())
            .json(&body)
            .send()
            .await
            .map_err(|e| SendError::Transient(without_url(e).to_string()))?;
        let status = response.status();
        let answer: Answer = match response.json().await {
            Ok(answer) => answer,
            Err(_) if status.is_server_error() || status.is_success() => {
                return Err(SendError::Transient(format!("HTTP {status}")));
            }
            Err(_) => return Err(SendError::Permanent(format!("HTTP {status}"))),
        };
        if answer.ok {
            let id = answer
                .result
                .as_ref()
                .and_then(|r| r.get("message_id"))
                .and_then(serde_json::Value::as_i64)
                .unwrap_or_default();
            return Ok(id.to_string());
        }
        Err(classify(status.as_u16(), answer))
    }
}

fn without_url(err: reqwest::Error) -> reqwest::Error {
    // The URL holds the bot token.
    err.without_url()
}

fn classify(status: u16, answer: Answer) -> SendError {
    let description = answer
        .description
        .unwrap_or_else(|| format!("HTTP {status}"));
    let parameters = answer.parameters;
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
        500.. => SendError::Transient(description),
        // A wrong token or URL: an operator's mistake, worth retrying once fixed.
        401 | 404 => SendError::Transient(description),
        _ => SendError::Permanent(description),
    }
}

impl Sender for TelegramSender {
    fn channel(&self) -> &str {
        "telegram"
    }

    async fn send(&self, delivery: &Delivery<'_>) -> Result<String, SendError> {
        let Delivery {
            recipient, text, ..
        } = *delivery;
        match self.post(recipient, text, true).await {
            Err(SendError::Permanent(reason)) if reason.contains("can't parse entities") => {
                // Broken staff HTML: delivered as plain text rather than not at all.
                self.post(recipient, &html_to_plain(text), false).await
            }
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(description: &str, parameters: Option<Parameters>) -> Answer {
        Answer {
            ok: false,
            result: None,
            description: Some(description.into()),
            parameters,
        }
    }

    #[test]
    fn answers_are_classified() {
        let limited = Parameters {
            retry_after: Some(3),
            migrate_to_chat_id: None,
        };
        assert_eq!(
            classify(429, answer("Too Many Requests", Some(limited))),
            SendError::RetryAfter(Duration::from_secs(3))
        );
        let moved = Parameters {
            retry_after: None,
            migrate_to_chat_id: Some(-100_123),
        };
        assert_eq!(
            classify(400, answer("migrated", Some(moved))),
            SendError::Migrated("-100123".into())
        );
        assert!(matches!(
            classify(403, answer("Forbidden: bot was blocked by the user", None)),
            SendError::Gone(_)
        ));
        assert!(matches!(
            classify(400, answer("Bad Request: chat not found", None)),
            SendError::Gone(_)
        ));
        assert!(matches!(
            classify(502, answer("Bad Gateway", None)),
            SendError::Transient(_)
        ));
        assert!(matches!(
            classify(400, answer("Bad Request: message is too long", None)),
            SendError::Permanent(_)
        ));
    }
}
