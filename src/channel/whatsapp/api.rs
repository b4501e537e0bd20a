//! The Cloud API client: `POST {api_url}/{phone_number_id}/messages` with a Bearer
//! token, JSON built with serde, and Graph errors sorted by what the caller should do.
//!
//! Classification ([`classify`]):
//! - 131047 (re-engagement: outside the 24-hour window) → [`SendError::OutsideWindow`]:
//!   send an approved template instead;
//! - 130429 (throughput), 131056 (pair rate limit), 80007 / 4 (account and app rate
//!   limits) and HTTP 429 → [`SendError::RateLimited`] with a back-off delay;
//! - other 4xx → [`SendError::Permanent`] with Meta's reason;
//! - 5xx, timeouts and network failures → [`SendError::Retryable`].
//!
//! The client never retries by itself; callers decide (replies retry a few times, the
//! relay reschedules the outbox row).

use std::time::Duration;

use crate::sender::{self, Message, Sender};
use serde_json::{Value, json};

use super::WhatsAppError;
use super::config::{Template, WhatsAppConfig};
use super::render::{WaMessage, shorten};

/// How long one request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Back-off after a throughput limit (130429, 80007, 4, HTTP 429).
pub const THROUGHPUT_BACKOFF: Duration = Duration::from_secs(5);
/// Back-off after the pair rate limit (131056): too many messages to one citizen.
pub const PAIR_BACKOFF: Duration = Duration::from_secs(10);
/// Suggested delay before retrying a 5xx or a network failure.
pub(crate) const RETRY_BACKOFF: Duration = Duration::from_secs(2);
/// Characters in one template body parameter.
const PARAM_LIMIT: usize = 1024;

/// Why a message was not accepted, sorted by what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// The citizen last wrote more than 24 hours ago: only a template may be sent.
    #[error("outside the 24-hour window (Graph error {code}); send a template instead")]
    OutsideWindow {
        /// Meta's error code (131047).
        code: i64,
    },
    /// Too many messages: try again after `retry_after`.
    #[error("rate limited (Graph error {code}); retry in {retry_after:?}")]
    RateLimited {
        /// Meta's error code (130429, 131056, …).
        code: i64,
        /// How long to wait before the same message again.
        retry_after: Duration,
    },
    /// Refused for good (bad number, template not approved, expired token…).
    #[error("refused (Graph error {code}): {reason}")]
    Permanent {
        /// Meta's error code.
        code: i64,
        /// Meta's message, for operators.
        reason: String,
    },
    /// Meta or the network failed; the same request may succeed later.
    #[error("temporary failure: {reason}")]
    Retryable {
        /// What failed, for operators.
        reason: String,
    },
    /// Outside the window, and no template is configured for the topic.
    #[error("outside the 24-hour window and no template is configured for topic {topic:?}")]
    NoTemplate {
        /// The topic that needs a template in `WHATSAPP_NEWS_TEMPLATES`.
        topic: String,
    },
    /// A staff answer outside the window, and no answers' template is configured.
    #[error(
        "outside the 24-hour window and WHATSAPP_REPLY_TEMPLATE is not set: the answer reaches the citizen only if they write again"
    )]
    NoReplyTemplate,
    /// A reminder outside the window, and no reminders' template is configured.
    #[error(
        "outside the 24-hour window and WHATSAPP_REMINDER_TEMPLATE is not set: the reminder cannot reach the citizen"
    )]
    NoReminderTemplate,
}

impl SendError {
    /// When to try again, or `None` if retrying cannot help.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            SendError::RateLimited { retry_after, .. } => Some(*retry_after),
            SendError::Retryable { .. } => Some(RETRY_BACKOFF),
            _ => None,
        }
    }
}

/// Sends messages as the configured business number. Cheap to clone.
#[derive(Clone)]
pub struct GraphClient {
    http: reqwest::Client,
    url: reqwest::Url,
    token: String,
}

impl std::fmt::Debug for GraphClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GraphClient")
            .field("url", &self.url.as_str())
            .finish_non_exhaustive()
    }
}

impl GraphClient {
    /// A client for the business number of `config`.
    pub fn new(config: &WhatsAppConfig) -> Result<GraphClient, WhatsAppError> {
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .build()
            .map_err(|e| WhatsAppError::Config(format!("HTTP client: {e}")))?;
        Ok(GraphClient {
            http,
            url: config.messages_url()?,
            token: config.token.clone(),
        })
    }

    /// Sends a rendered message to `to` (a wa_id); returns the `wamid` Meta assigned
    /// (empty if the answer had none).
    pub async fn send(&self, to: &str, message: &WaMessage) -> Result<String, SendError> {
        self.post(&message_json(to, message)).await
    }

    /// Sends an approved template with its body parameters, in order (newlines and
    /// long runs of spaces, which Meta refuses in parameters, are flattened).
    pub async fn send_template(
        &self,
        to: &str,
        template: &Template,
        params: &[String],
    ) -> Result<String, SendError> {
        self.post(&template_json(to, template, params)).await
    }

    async fn post(&self, body: &Value) -> Result<String, SendError> {
        let response = self
            .http
            .post(self.url.clone())
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .map_err(|e| SendError::Retryable {
                // Without the URL: it is ours and says nothing new.
                reason: e.without_url().to_string(),
            })?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await.map_err(|e| SendError::Retryable {
            reason: e.without_url().to_string(),
        })?;
        if !(200..300).contains(&status) {
            return Err(classify(status, &bytes));
        }
        let answer: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        let id = answer
            .pointer("/messages/0/id")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if id.is_empty() {
            tracing::warn!("WhatsApp accepted a message without returning its id");
        }
        Ok(id.to_owned())
    }
}

/// Sorts a failed answer (HTTP `status`, Graph error `body`).
pub fn classify(status: u16, body: &[u8]) -> SendError {
    let error = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.get("error").cloned())
        .unwrap_or(Value::Null);
    let code = error.get("code").and_then(Value::as_i64).unwrap_or(0);
    let message = error
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let details = error
        .pointer("/error_data/details")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let reason = match (message, details) {
        ("", "") => format!("HTTP {status}"),
        (m, "") => m.to_owned(),
        ("", d) => d.to_owned(),
        (m, d) => format!("{m}: {d}"),
    };
    match code {
        131047 => SendError::OutsideWindow { code },
        131056 => SendError::RateLimited {
            code,
            retry_after: PAIR_BACKOFF,
        },
        130429 | 80007 | 4 => SendError::RateLimited {
            code,
            retry_after: THROUGHPUT_BACKOFF,
        },
        _ if status == 429 => SendError::RateLimited {
            code,
            retry_after: THROUGHPUT_BACKOFF,
        },
        _ if status >= 500 => SendError::Retryable { reason },
        _ => SendError::Permanent { code, reason },
    }
}

/// The Cloud API body for `message` to `to`.
pub(crate) fn message_json(to: &str, message: &WaMessage) -> Value {
    let content = match message {
        WaMessage::Text(body) => json!({
            "type": "text",
            "text": { "preview_url": false, "body": body }
        }),
        WaMessage::Buttons { body, buttons } => json!({
            "type": "interactive",
            "interactive": {
                "type": "button",
                "body": { "text": body },
                "action": { "buttons": buttons.iter().map(|(id, title)| json!({
                    "type": "reply", "reply": { "id": id, "title": title }
                })).collect::<Vec<_>>() }
            }
        }),
        WaMessage::List { body, button, rows } => json!({
            "type": "interactive",
            "interactive": {
                "type": "list",
                "body": { "text": body },
                "action": {
                    "button": button,
                    "sections": [{ "rows": rows.iter().map(|r| {
                        let mut row = json!({ "id": r.id, "title": r.title });
                        if let Some(d) = &r.description {
                            row["description"] = json!(d);
                        }
                        row
                    }).collect::<Vec<_>>() }]
                }
            }
        }),
    };
    envelope(to, content)
}

/// The Cloud API body for a template message.
pub(crate) fn template_json(to: &str, template: &Template, params: &[String]) -> Value {
    let mut body = json!({
        "name": template.name,
        "language": { "code": template.lang }
    });
    if !params.is_empty() {
        body["components"] = json!([{
            "type": "body",
            "parameters": params.iter().map(|p| json!({ "type": "text", "text": flatten(p) })).collect::<Vec<_>>()
        }]);
    }
    envelope(to, json!({ "type": "template", "template": body }))
}

fn envelope(to: &str, mut content: Value) -> Value {
    content["messaging_product"] = json!("whatsapp");
    content["recipient_type"] = json!("individual");
    content["to"] = json!(to);
    content
}

/// One line, single spaces, at most `PARAM_LIMIT` characters.
fn flatten(param: &str) -> String {
    let line = param.split_whitespace().collect::<Vec<_>>().join(" ");
    shorten(&line, PARAM_LIMIT)
}

/// Graph error: the access token is invalid or expired.
const INVALID_TOKEN: i64 = 190;
/// Graph error: too many messages to one citizen.
const PAIR_RATE_LIMIT: i64 = 131_056;

/// A Cloud API error as the sender stack acts on it: a throughput limit pauses
/// WhatsApp, a pair rate limit defers that citizen only, an expired token is an
/// operator's mistake worth retrying, other refusals are final.
impl From<SendError> for sender::SendError {
    fn from(err: SendError) -> sender::SendError {
        use SendError as Wa;
        match err {
            Wa::RateLimited {
                code: PAIR_RATE_LIMIT,
                retry_after,
            } => Self::Deferred(retry_after),
            Wa::RateLimited { retry_after, .. } => Self::RetryAfter(retry_after),
            Wa::Retryable { reason } => Self::Transient(reason),
            Wa::Permanent {
                code: INVALID_TOKEN,
                reason,
            } => Self::Transient(format!("Graph error {INVALID_TOKEN}: {reason}")),
            Wa::Permanent { code, reason } => {
                Self::Permanent(format!("Graph error {code}: {reason}"))
            }
            err @ (Wa::NoTemplate { .. }
            | Wa::NoReplyTemplate
            | Wa::NoReminderTemplate
            | Wa::OutsideWindow { .. }) => Self::Permanent(err.to_string()),
        }
    }
}

impl Message for WaMessage {
    fn without_markup(&self) -> Option<Self> {
        None
    }
}

/// Replies to citizens: the text, buttons or list as rendered.
impl Sender<WaMessage> for GraphClient {
    fn channel(&self) -> &str {
        "whatsapp"
    }

    async fn send(&self, to: &str, message: &WaMessage) -> Result<String, sender::SendError> {
        GraphClient::send(self, to, message)
            .await
            .map_err(Into::into)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sender;

    use SendError as Wa;

    #[test]
    fn cloud_api_errors_become_what_the_worker_does() {
        let after = Duration::from_secs(5);
        assert_eq!(
            sender::SendError::from(Wa::RateLimited {
                code: 130_429,
                retry_after: after
            }),
            sender::SendError::RetryAfter(after)
        );
        assert_eq!(
            sender::SendError::from(Wa::RateLimited {
                code: PAIR_RATE_LIMIT,
                retry_after: after
            }),
            sender::SendError::Deferred(after)
        );
        assert_eq!(
            sender::SendError::from(Wa::Permanent {
                code: 131_026,
                reason: "Message undeliverable".into()
            }),
            sender::SendError::Permanent("Graph error 131026: Message undeliverable".into())
        );
        assert!(matches!(
            sender::SendError::from(Wa::Permanent {
                code: INVALID_TOKEN,
                reason: "expired".into()
            }),
            sender::SendError::Transient(_)
        ));
        assert!(matches!(
            sender::SendError::from(Wa::NoTemplate { topic: "concorsi".into() }),
            sender::SendError::Permanent(r) if r.contains("no template") && r.contains("concorsi")
        ));
        assert!(matches!(
            sender::SendError::from(Wa::Retryable {
                reason: "HTTP 503".into()
            }),
            sender::SendError::Transient(_)
        ));
    }

    fn graph(code: i64) -> Vec<u8> {
        json!({ "error": { "message": "(#x) Something", "type": "OAuthException", "code": code,
                           "error_data": { "messaging_product": "whatsapp", "details": "why" },
                           "fbtrace_id": "A" } })
        .to_string()
        .into_bytes()
    }

    #[test]
    fn graph_errors_are_sorted_by_what_to_do() {
        assert_eq!(
            classify(400, &graph(131047)),
            SendError::OutsideWindow { code: 131047 }
        );
        assert_eq!(
            classify(400, &graph(130429)).retry_after(),
            Some(THROUGHPUT_BACKOFF)
        );
        assert_eq!(
            classify(400, &graph(131056)).retry_after(),
            Some(PAIR_BACKOFF)
        );
        assert_eq!(
            classify(400, &graph(131026)),
            SendError::Permanent {
                code: 131026,
                reason: "(#x) Something: why".into()
            }
        );
        assert!(
            matches!(classify(503, b"<html>"), SendError::Retryable { reason } if reason == "HTTP 503")
        );
        assert!(matches!(classify(429, b""), SendError::RateLimited { .. }));
        assert_eq!(classify(401, b"").retry_after(), None);
    }

    #[test]
    fn bodies_follow_the_cloud_api() {
        let m = message_json(
            "39333",
            &WaMessage::Buttons {
                body: "Menu".into(),
                buttons: vec![("a.b#0".into(), "Sì".into())],
            },
        );
        assert_eq!(m["to"], "39333");
        assert_eq!(m["messaging_product"], "whatsapp");
        assert_eq!(
            m["interactive"]["action"]["buttons"][0]["reply"]["id"],
            "a.b#0"
        );
        let t = template_json(
            "39333",
            &Template {
                name: "news_maturita".into(),
                lang: "it".into(),
            },
            &["Titolo\n\ncon   spazi".into()],
        );
        assert_eq!(t["template"]["language"]["code"], "it");
        assert_eq!(
            t["template"]["components"][0]["parameters"][0]["text"],
            "Titolo con spazi"
        );
    }
}
