//! Consultations' polls through the Bot API: `sendPoll` with the options as
//! `InputPollOption` objects (Bot API 7.3+), one answer, never a quiz; `stopPoll` when
//! the consultation closes. Answers are read leniently: only the message id and the
//! poll's id are needed.

use serde::Deserialize;
use serde_json::{Value, json};

use super::api::BotApi;
use crate::sender::{Poll, Polls, SendError, SentPoll};

/// What a `sendPoll` answer is read for.
#[derive(Deserialize)]
struct PollMessage {
    #[serde(default)]
    message_id: i64,
    #[serde(default)]
    poll: Option<PollId>,
}

#[derive(Deserialize)]
struct PollId {
    /// A string in the Bot API; an emulator's number is taken too.
    #[serde(default)]
    id: Value,
}

impl PollId {
    fn text(self) -> Option<String> {
        match self.id {
            Value::String(id) if !id.is_empty() => Some(id),
            Value::Number(id) => Some(id.to_string()),
            _ => None,
        }
    }
}

/// The body of `sendPoll`.
pub(super) fn send_poll_body(recipient: &str, poll: &Poll<'_>) -> Value {
    let options: Vec<Value> = poll
        .options
        .iter()
        .map(|text| json!({ "text": text }))
        .collect();
    json!({
        "chat_id": BotApi::chat_id(recipient),
        "question": poll.question,
        "options": options,
        "is_anonymous": poll.anonymous,
        "type": "regular",
        "allows_multiple_answers": false,
    })
}

impl Polls for BotApi {
    async fn send_poll(&self, recipient: &str, poll: &Poll<'_>) -> Result<SentPoll, SendError> {
        let sent: PollMessage = self
            .call("sendPoll", &send_poll_body(recipient, poll), None)
            .await?;
        match sent.poll.and_then(PollId::text) {
            Some(poll_id) => Ok(SentPoll {
                message_id: sent.message_id.to_string(),
                poll_id,
            }),
            // Sent, but its answers could never be told apart from others'.
            None => Err(SendError::Permanent(
                "sendPoll answered without the poll's id: its answers cannot be counted".into(),
            )),
        }
    }

    async fn stop_poll(&self, recipient: &str, message_id: i64) -> Result<(), SendError> {
        let body = json!({ "chat_id": BotApi::chat_id(recipient), "message_id": message_id });
        self.call::<Value>("stopPoll", &body, None).await.map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_poll_id_is_read_as_text_or_number() {
        let read = |answer: Value| {
            serde_json::from_value::<PollMessage>(answer)
                .ok()
                .and_then(|m| m.poll)
                .and_then(PollId::text)
        };
        assert_eq!(
            read(json!({ "message_id": 3, "poll": { "id": "5263" } })).as_deref(),
            Some("5263")
        );
        assert_eq!(
            read(json!({ "message_id": 3, "poll": { "id": 5263 } })).as_deref(),
            Some("5263")
        );
        assert_eq!(read(json!({ "message_id": 3, "poll": { "id": "" } })), None);
        assert_eq!(read(json!({ "message_id": 3 })), None);
    }

    #[test]
    fn options_are_input_poll_options_and_one_answer_only() {
        let options = ["Mattina".to_owned(), "Sera".to_owned()];
        let body = send_poll_body(
            "42",
            &Poll {
                question: "Quale orario?",
                options: &options,
                anonymous: true,
            },
        );
        assert_eq!(
            body,
            json!({
                "chat_id": 42, "question": "Quale orario?",
                "options": [{ "text": "Mattina" }, { "text": "Sera" }],
                "is_anonymous": true, "type": "regular", "allows_multiple_answers": false
            })
        );
    }
}
