//! The fake's forum supergroups, where staff answer handed-off citizens (issue #15):
//! topics (`createForumTopic`, `closeForumTopic`, `reopenForumTopic`,
//! `deleteForumTopic`), sends and copies into a topic (`message_thread_id`), staff
//! membership (`getChatMember`), and what staff do by hand: write in a topic, close
//! it, delete it.
//!
//! Refusals word what Telegram answers: a topic method in a chat without topics
//! "not enough rights to create a topic", a send into a deleted or unknown topic
//! "message thread not found", into a closed one "TOPIC_CLOSED", a topic method on a
//! topic gone "TOPIC_ID_INVALID", closing a closed topic (or reopening an open one)
//! "TOPIC_NOT_MODIFIED". A topic name outside 1–128 characters is a violation.

use std::collections::{HashMap, HashSet};

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::{FakeTelegram, Sent, Shared, chat_text, deliver, error, ok};

/// The icon colour of a topic created without one (Telegram's first allowed colour).
pub const DEFAULT_ICON_COLOR: i64 = 7_322_096;
/// The staff member who closes a topic by hand in [`FakeTelegram::close_topic`].
pub const STAFF_ADMIN: i64 = 555_000;
/// Telegram's longest topic name, in characters.
const TOPIC_NAME_MAX: usize = 128;

const NO_FORUM: &str = "Bad Request: not enough rights to create a topic";
const THREAD_NOT_FOUND: &str = "Bad Request: message thread not found";
const TOPIC_CLOSED: &str = "Bad Request: TOPIC_CLOSED";
const TOPIC_ID_INVALID: &str = "Bad Request: TOPIC_ID_INVALID";
const TOPIC_NOT_MODIFIED: &str = "Bad Request: TOPIC_NOT_MODIFIED";

/// Where a topic stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TopicState {
    Open,
    Closed,
    Deleted,
}

/// A forum topic, as staff see it in the group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topic {
    /// Its `message_thread_id`.
    pub thread: i64,
    pub name: String,
    pub icon_color: i64,
    pub state: TopicState,
}

/// The forum side of the fake's state.
#[derive(Default)]
pub(super) struct Forums {
    /// Chats with topics enabled.
    forums: HashSet<i64>,
    /// Topics per chat, in the order created (deleted ones kept, marked).
    topics: HashMap<i64, Vec<Topic>>,
    /// Status per (chat, user); anyone else has `left`.
    members: HashMap<(i64, i64), String>,
}

impl Forums {
    fn is_forum(&self, chat: i64) -> bool {
        self.forums.contains(&chat)
    }

    fn topic(&self, chat: i64, thread: i64) -> Option<&Topic> {
        self.topics.get(&chat)?.iter().find(|t| t.thread == thread)
    }

    fn topic_mut(&mut self, chat: i64, thread: i64) -> Option<&mut Topic> {
        self.topics
            .get_mut(&chat)?
            .iter_mut()
            .find(|t| t.thread == thread)
    }

    /// Why a message into `thread` of `chat` is refused, if it is.
    pub(super) fn refusal(&self, chat: i64, thread: i64) -> Option<&'static str> {
        match self.topic(chat, thread).map(|t| t.state) {
            Some(TopicState::Open) => None,
            Some(TopicState::Closed) => Some(TOPIC_CLOSED),
            Some(TopicState::Deleted) | None => Some(THREAD_NOT_FOUND),
        }
    }

    /// The `chat` object of a message in `chat`.
    pub(super) fn chat(&self, chat: i64) -> Value {
        if self.is_forum(chat) {
            forum_chat(chat)
        } else {
            let kind = if chat > 0 { "private" } else { "group" };
            json!({ "id": chat, "type": kind, "first_name": "Cittadino", "title": "Gruppo" })
        }
    }
}

/// A forum supergroup's `chat` object.
pub fn forum_chat(group: i64) -> Value {
    json!({ "id": group, "type": "supergroup", "title": "Sportello · staff", "is_forum": true })
}

/// A staff member's `user` object.
pub fn staff_user(id: i64) -> Value {
    json!({ "id": id, "is_bot": false, "first_name": "Operatore", "language_code": "it" })
}

/// An update: staff member `from` writes `text` in the forum supergroup `group`, in
/// the topic `thread` if set (else in General). Its `message_id` is 1;
/// [`FakeTelegram::staff_writes`] gives each its own.
pub fn group_message_update(group: i64, from: i64, thread: Option<i64>, text: &str) -> Value {
    let mut message = json!({
        "message_id": 1, "date": 1_800_000_000, "chat": forum_chat(group),
        "from": staff_user(from), "text": text
    });
    if let Some(thread) = thread {
        in_topic(&mut message, thread, None);
    }
    json!({ "message": message })
}

/// Places `message` in the topic `thread`: as Telegram does, a message in a topic
/// that answers nothing else answers the topic's first (service) message.
fn in_topic(message: &mut Value, thread: i64, topic: Option<&Topic>) {
    message["message_thread_id"] = json!(thread);
    message["is_topic_message"] = json!(true);
    if let Some(topic) = topic {
        message["reply_to_message"] = json!({
            "message_id": topic.thread, "date": 1_800_000_000,
            "chat": message["chat"].clone(), "from": super::bot_user(),
            "message_thread_id": thread, "is_topic_message": true,
            "forum_topic_created": { "name": topic.name, "icon_color": topic.icon_color }
        });
    }
}

/// A `ChatMember` object for `user` with `status`, with the fields Telegram sends
/// for it.
fn chat_member(user: i64, status: &str) -> Value {
    let mut member = json!({ "status": status, "user": staff_user(user) });
    let fields = match status {
        "creator" => json!({ "is_anonymous": false }),
        "administrator" => json!({
            "is_anonymous": false, "can_be_edited": false, "can_manage_chat": true,
            "can_change_info": false, "can_delete_messages": true,
            "can_manage_video_chats": false, "can_invite_users": true,
            "can_restrict_members": false, "can_promote_members": false,
            "can_pin_messages": true, "can_manage_topics": true
        }),
        "restricted" => json!({
            "until_date": 0, "is_member": true, "can_send_messages": true,
            "can_send_audios": false, "can_send_documents": false, "can_send_photos": false,
            "can_send_videos": false, "can_send_video_notes": false,
            "can_send_voice_notes": false, "can_send_polls": false,
            "can_send_other_messages": false, "can_add_web_page_previews": false,
            "can_change_info": false, "can_invite_users": false, "can_pin_messages": false,
            "can_manage_topics": false
        }),
        "kicked" => json!({ "until_date": 0 }),
        _ => json!({}),
    };
    if let (Some(member), Value::Object(fields)) = (member.as_object_mut(), fields) {
        member.extend(fields);
    }
    member
}

fn number(body: &Value, field: &str) -> i64 {
    body.get(field).and_then(Value::as_i64).unwrap_or(0)
}

/// `createForumTopic`.
pub(super) fn create_topic(shared: &Shared, body: &Value) -> Response {
    let chat = number(body, "chat_id");
    let name = body
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let icon_color = body
        .get("icon_color")
        .and_then(Value::as_i64)
        .unwrap_or(DEFAULT_ICON_COLOR);
    let mut inner = shared.lock();
    if !inner.forum.is_forum(chat) {
        return error(StatusCode::BAD_REQUEST, NO_FORUM, None);
    }
    let length = name.chars().count();
    if length == 0 || length > TOPIC_NAME_MAX {
        let violation = format!("TOPIC_NAME_INVALID ({length} characters)");
        inner.violations.push(violation.clone());
        return error(
            StatusCode::BAD_REQUEST,
            &format!("Bad Request: {violation}"),
            None,
        );
    }
    // A topic's id is the id of its first (service) message.
    inner.next_message_id += 1;
    let thread = inner.next_message_id;
    inner.forum.topics.entry(chat).or_default().push(Topic {
        thread,
        name: name.clone(),
        icon_color,
        state: TopicState::Open,
    });
    ok(json!({ "message_thread_id": thread, "name": name, "icon_color": icon_color }))
}

/// `closeForumTopic`, `reopenForumTopic`, `deleteForumTopic`.
pub(super) fn manage_topic(shared: &Shared, method: &str, body: &Value) -> Response {
    let chat = number(body, "chat_id");
    let thread = number(body, "message_thread_id");
    let next = match method {
        "closeforumtopic" => TopicState::Closed,
        "reopenforumtopic" => TopicState::Open,
        _ => TopicState::Deleted,
    };
    let mut inner = shared.lock();
    if !inner.forum.is_forum(chat) {
        return error(StatusCode::BAD_REQUEST, NO_FORUM, None);
    }
    let topic = inner
        .forum
        .topic_mut(chat, thread)
        .filter(|t| t.state != TopicState::Deleted);
    match topic {
        None => error(StatusCode::BAD_REQUEST, TOPIC_ID_INVALID, None),
        Some(topic) if topic.state == next => {
            error(StatusCode::BAD_REQUEST, TOPIC_NOT_MODIFIED, None)
        }
        Some(topic) => {
            topic.state = next;
            ok(json!(true))
        }
    }
}

/// `copyMessage`: recorded as a message whose text is `[copy of <from>:<id>]`.
pub(super) fn copy_message(shared: &Shared, body: &Value) -> Response {
    let chat = number(body, "chat_id");
    let thread = body.get("message_thread_id").and_then(Value::as_i64);
    if let Some(refusal) = thread.and_then(|thread| shared.lock().forum.refusal(chat, thread)) {
        return error(StatusCode::BAD_REQUEST, refusal, None);
    }
    let from = chat_text(body.get("from_chat_id"));
    let original = number(body, "message_id");
    let message_id = deliver(
        shared,
        Sent {
            chat,
            to: chat_text(body.get("chat_id")),
            text: format!("[copy of {from}:{original}]"),
            buttons: Vec::new(),
            thread,
        },
    );
    ok(json!({ "message_id": message_id }))
}

/// `getChatMember`.
pub(super) fn get_chat_member(shared: &Shared, body: &Value) -> Response {
    let chat = number(body, "chat_id");
    let user = number(body, "user_id");
    let status = shared
        .lock()
        .forum
        .members
        .get(&(chat, user))
        .cloned()
        .unwrap_or_else(|| "left".to_owned());
    ok(chat_member(user, &status))
}

impl FakeTelegram {
    /// Turns topics on in `chat` (a supergroup), so the bot may create them there.
    pub fn make_forum(&self, chat: i64) {
        self.shared.lock().forum.forums.insert(chat);
    }

    /// Sets what `getChatMember` answers for `user` in `chat`: `creator`,
    /// `administrator`, `member`, `restricted` (still a member), `left` or `kicked`.
    pub fn add_member(&self, chat: i64, user: i64, status: &str) {
        self.shared
            .lock()
            .forum
            .members
            .insert((chat, user), status.to_owned());
    }

    /// The topics of `chat`, in the order created, deleted ones included.
    pub fn topics(&self, chat: i64) -> Vec<Topic> {
        self.shared
            .lock()
            .forum
            .topics
            .get(&chat)
            .cloned()
            .unwrap_or_default()
    }

    /// Messages that went into the topic `thread` of `chat`.
    pub fn sent_to_thread(&self, chat: i64, thread: i64) -> Vec<Sent> {
        self.sent_to(chat)
            .into_iter()
            .filter(|s| s.thread == Some(thread))
            .collect()
    }

    /// Staff delete the topic by hand: Telegram sends the bot nothing about it.
    pub fn delete_topic(&self, chat: i64, thread: i64) {
        self.set_topic_state(chat, thread, TopicState::Deleted);
    }

    /// Staff ([`STAFF_ADMIN`]) close the topic by hand; the bot gets the service
    /// message `forum_topic_closed` in that thread. The update's id.
    pub fn close_topic(&self, chat: i64, thread: i64) -> u32 {
        self.set_topic_state(chat, thread, TopicState::Closed);
        let mut message = json!({
            "message_id": self.next_message_id(), "date": 1_800_000_000,
            "chat": forum_chat(chat), "from": staff_user(STAFF_ADMIN),
            "forum_topic_closed": {}
        });
        let topic = self.topic(chat, thread);
        in_topic(&mut message, thread, topic.as_ref());
        self.push_update(json!({ "message": message }))
    }

    /// Staff member `from` writes `text` in `group`, in the topic `thread` if set:
    /// [`group_message_update`] with a message id of its own and, in a topic the
    /// fake knows, the topic's first message as `reply_to_message`, as Telegram
    /// sends it. The update's id and the message's.
    pub fn staff_writes(
        &self,
        group: i64,
        from: i64,
        thread: Option<i64>,
        text: &str,
    ) -> (u32, i64) {
        let mut update = group_message_update(group, from, thread, text);
        let message_id = self.next_message_id();
        update["message"]["message_id"] = json!(message_id);
        if let Some(thread) = thread {
            let topic = self.topic(group, thread);
            in_topic(&mut update["message"], thread, topic.as_ref());
        }
        (self.push_update(update), message_id)
    }

    fn topic(&self, chat: i64, thread: i64) -> Option<Topic> {
        self.shared.lock().forum.topic(chat, thread).cloned()
    }

    fn set_topic_state(&self, chat: i64, thread: i64, state: TopicState) {
        match self.shared.lock().forum.topic_mut(chat, thread) {
            Some(topic) => topic.state = state,
            None => panic!("chat {chat} has no topic {thread} to make {state:?}"),
        }
    }

    fn next_message_id(&self) -> i64 {
        let mut inner = self.shared.lock();
        inner.next_message_id += 1;
        inner.next_message_id
    }
}
