//! Forum topics in a staff supergroup, for the handoff to a person (issue #15): one
//! topic per ticket, where staff read what the citizen wrote and answer.
//!
//! Every call goes through the one client, [`BotApi`], so its answers are classified
//! once, as [`SendError`]; what a refusal says about the topic itself (deleted, or
//! closed by hand) is read from it by [`topic_problem`] as the relay's
//! [`TopicProblem`], so a caller can open a new topic or reopen the old one. Nothing here paces or retries: the caller's sender
//! stack does.
//!
//! Ids are the Bot API's integers: a topic is its `message_thread_id`, a message its
//! `message_id` as text (as every [`Sender`](crate::sender::Sender) answers).

use serde::Deserialize;
use serde_json::{Value, json};

use super::BotApi;
use crate::sender::SendError;
use crate::sender::TopicProblem;
use crate::text::html_to_plain;

/// What `createForumTopic` is read for: the topic's id, without which the topic is
/// no use (a missing one is an unreadable answer, not thread 0, the General topic).
#[derive(Deserialize)]
struct CreatedTopic {
    message_thread_id: i64,
}

/// What a sent or copied message's answer is read for (leniently, as in `api`).
#[derive(Deserialize)]
struct SentMessage {
    #[serde(default)]
    message_id: i64,
}

/// What `getChatMember` is read for.
#[derive(Deserialize)]
struct Member {
    status: String,
    /// Set for `restricted` members: still in the group, or restricted after leaving.
    #[serde(default)]
    is_member: bool,
}

/// Opens a topic called `name` (Telegram takes 1–128 characters) in the forum
/// supergroup `group`; its thread id. The bot must be an administrator allowed to
/// manage topics, in a group with topics enabled.
pub async fn create_topic(api: &BotApi, group: i64, name: &str) -> Result<i64, SendError> {
    let body = json!({ "chat_id": group, "name": name });
    let topic: CreatedTopic = api.call("createForumTopic", &body, None).await?;
    Ok(topic.message_thread_id)
}

/// Sends `text` into the topic `thread` of `group`, as Telegram HTML when `markup`
/// (else as its plain text, as every Telegram send does); the message id.
pub async fn send_to_topic(
    api: &BotApi,
    group: i64,
    thread: i64,
    text: &str,
    markup: bool,
) -> Result<String, SendError> {
    let body = if markup {
        json!({ "chat_id": group, "message_thread_id": thread, "text": text, "parse_mode": "HTML" })
    } else {
        json!({ "chat_id": group, "message_thread_id": thread, "text": html_to_plain(text) })
    };
    let sent: SentMessage = api.call("sendMessage", &body, None).await?;
    Ok(sent.message_id.to_string())
}

/// Copies message `message_id` of `from_chat` (a citizen's photo or document, say)
/// into the topic `thread` of `group`, without a "forwarded from" header that would
/// name the citizen; the copy's message id.
pub async fn copy_to_topic(
    api: &BotApi,
    group: i64,
    thread: i64,
    from_chat: i64,
    message_id: i64,
) -> Result<String, SendError> {
    let body = json!({
        "chat_id": group,
        "message_thread_id": thread,
        "from_chat_id": from_chat,
        "message_id": message_id,
    });
    let copy: SentMessage = api.call("copyMessage", &body, None).await?;
    Ok(copy.message_id.to_string())
}

/// Whether `user` belongs to the staff group `group` now: its creator, an
/// administrator, a member, or a restricted user still in it. Someone who left, was
/// banned or is unknown to Telegram is not; only a failure to ask is an error.
pub async fn is_staff_member(api: &BotApi, group: i64, user: i64) -> Result<bool, SendError> {
    let body = json!({ "chat_id": group, "user_id": user });
    let member: Member = match api.call("getChatMember", &body, None).await {
        Ok(member) => member,
        Err(err) if unknown_user(&err) => return Ok(false),
        Err(err) => return Err(err),
    };
    Ok(match member.status.as_str() {
        "creator" | "administrator" | "member" => true,
        "restricted" => member.is_member,
        _ => false,
    })
}

/// Closes the topic `thread` of `group` (staff see it greyed, members cannot write).
/// A topic already closed counts as closed.
pub async fn close_topic(api: &BotApi, group: i64, thread: i64) -> Result<(), SendError> {
    manage(api, "closeForumTopic", group, thread).await
}

/// Reopens the topic `thread` of `group`, closed by hand or by [`close_topic`]. A
/// topic already open counts as reopened (staff may have beaten the bot to it).
pub async fn reopen_topic(api: &BotApi, group: i64, thread: i64) -> Result<(), SendError> {
    manage(api, "reopenForumTopic", group, thread).await
}

/// Calls a topic method whose answer is `true`; "not modified" is the state asked for.
async fn manage(api: &BotApi, method: &str, group: i64, thread: i64) -> Result<(), SendError> {
    let body = json!({ "chat_id": group, "message_thread_id": thread });
    match api.call::<Value>(method, &body, None).await {
        Ok(_) => Ok(()),
        Err(err) if says(&err, &["topic_not_modified"]) => Ok(()),
        Err(err) => Err(err),
    }
}

/// What `err` says about the topic a call was aimed at: gone (deleted, or an id
/// Telegram does not know) or closed; `None` for anything else, the group itself
/// being gone included.
pub fn topic_problem(err: &SendError) -> Option<TopicProblem> {
    if says(err, &["topic_closed"]) {
        Some(TopicProblem::Closed)
    } else if says(
        err,
        &[
            "message thread not found",
            "topic_deleted",
            "topic_id_invalid",
        ],
    ) {
        Some(TopicProblem::Gone)
    } else {
        None
    }
}

/// Telegram does not know `user`, or not in that chat: not a member.
fn unknown_user(err: &SendError) -> bool {
    says(err, &["user not found", "participant_id_invalid"])
}

/// Whether a refusal's description holds one of `markers` (lower case).
fn says(err: &SendError, markers: &[&str]) -> bool {
    let description = match err {
        SendError::Gone(text) | SendError::Permanent(text) => text.to_lowercase(),
        _ => return false,
    };
    markers.iter().any(|marker| description.contains(marker))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn refusals_tell_what_became_of_the_topic() {
        let refused = |text: &str| SendError::Permanent(text.to_owned());
        assert_eq!(
            topic_problem(&refused("Bad Request: message thread not found")),
            Some(TopicProblem::Gone)
        );
        assert_eq!(
            topic_problem(&refused("Bad Request: TOPIC_DELETED")),
            Some(TopicProblem::Gone)
        );
        assert_eq!(
            topic_problem(&refused("Bad Request: TOPIC_ID_INVALID")),
            Some(TopicProblem::Gone)
        );
        assert_eq!(
            topic_problem(&refused("Bad Request: TOPIC_CLOSED")),
            Some(TopicProblem::Closed)
        );
        // The group itself gone, or any other failure, says nothing about the topic.
        assert_eq!(
            topic_problem(&SendError::Gone("Bad Request: chat not found".into())),
            None
        );
        assert_eq!(
            topic_problem(&refused("Bad Request: message is too long")),
            None
        );
        assert_eq!(
            topic_problem(&SendError::Transient("TOPIC_CLOSED".into())),
            None
        );
        assert_eq!(
            topic_problem(&SendError::RetryAfter(Duration::from_secs(1))),
            None
        );
    }

    #[test]
    fn an_unknown_user_is_no_member() {
        assert!(unknown_user(&SendError::Gone(
            "Bad Request: user not found".into()
        )));
        assert!(unknown_user(&SendError::Permanent(
            "Bad Request: PARTICIPANT_ID_INVALID".into()
        )));
        assert!(!unknown_user(&SendError::Gone(
            "Bad Request: chat not found".into()
        )));
    }
}
