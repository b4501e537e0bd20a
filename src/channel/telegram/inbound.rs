//! Telegram updates → what the conversation should do with them. Channel posts are
//! never citizen input; in groups only commands and messages that mention the bot (or
//! reply to it) count.

use teloxide::types::{Message, Update, UpdateKind};

use super::polls_in::PollUpdate;
use crate::engine::{Attachment, AttachmentKind, Input};

/// What an update asks of the bot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A citizen turn in `chat`.
    Turn {
        /// The chat to answer in.
        chat: i64,
        /// What the citizen typed or pressed.
        input: Input,
        /// The citizen's language from their client (`it`, `en`, …).
        lang: Option<String>,
        /// A button press to acknowledge (`answerCallbackQuery`).
        callback: Option<String>,
    },
    /// The citizen blocked the bot (true) or allowed it again (false).
    Blocked {
        /// The private chat whose status changed.
        chat: i64,
        /// True when the bot can no longer write there.
        blocked: bool,
    },
    /// A staff member wrote in a ticket's forum topic of a staff group.
    Staff {
        /// The staff supergroup.
        group: i64,
        /// The topic (`message_thread_id`).
        thread: i64,
        /// Who wrote: only members of the group may answer.
        user: i64,
        /// Their first name, for replies signed with it (`sign_with_name`).
        name: String,
        /// What they wrote.
        text: String,
    },
    /// An answer to a consultation's poll (read before teloxide, in `polls_in`).
    Poll(PollUpdate),
    /// Nothing to do.
    Ignore,
}

/// Reads an update for the bot called `@bot_username`, whose staff answer citizens
/// from the forum topics of `staff_groups`.
pub fn classify(update: &Update, bot_username: &str, staff_groups: &[i64]) -> Event {
    match &update.kind {
        UpdateKind::Message(message) if staff_groups.contains(&message.chat.id.0) => {
            from_staff(message)
        }
        UpdateKind::Message(message) => from_message(message, bot_username),
        UpdateKind::CallbackQuery(query) => {
            let Some(message) = &query.message else {
                return Event::Ignore;
            };
            Event::Turn {
                chat: message.chat().id.0,
                input: Input::Button(query.data.clone().unwrap_or_default()),
                lang: language(query.from.language_code.as_deref()),
                callback: Some(query.id.0.clone()),
            }
        }
        UpdateKind::MyChatMember(change) if change.chat.is_private() => Event::Blocked {
            chat: change.chat.id.0,
            blocked: !change.new_chat_member.kind.is_present(),
        },
        UpdateKind::Error(raw) => from_raw(raw),
        _ => Event::Ignore,
    }
}

/// The chat an update belongs to, also for updates teloxide could not read.
pub fn chat_of(update: &Update) -> Option<i64> {
    match &update.kind {
        UpdateKind::Error(raw) => raw_private_chat(raw),
        _ => update.chat().map(|c| c.id.0),
    }
}

/// An update teloxide could not read: a Bot API emulator may leave out fields Telegram
/// always sends (`date`, `is_bot`, …). Private messages and button presses are read
/// from the JSON itself, so the citizen still gets an answer; anything else is ignored.
fn from_raw(raw: &serde_json::Value) -> Event {
    let lang = |from: &serde_json::Value| {
        language(from.pointer("/language_code").and_then(|c| c.as_str()))
    };
    if let Some(message) = raw.get("message")
        && let Some(chat) = raw_private_chat(raw)
    {
        let input = match message.get("text").and_then(|t| t.as_str()) {
            Some(text) => Input::from_text(text),
            None => Input::Attachment(Attachment {
                kind: raw_attachment_kind(message),
                caption: (message.get("caption").and_then(|c| c.as_str()))
                    .unwrap_or_default()
                    .to_owned(),
                message_id: message.get("message_id").and_then(|id| id.as_i64()),
            }),
        };
        return Event::Turn {
            chat,
            input,
            lang: message.get("from").and_then(&lang),
            callback: None,
        };
    }
    if let Some(query) = raw.get("callback_query")
        && let Some(chat) = raw_private_chat(raw)
    {
        let id = query.get("id").and_then(|id| match id {
            serde_json::Value::String(id) => Some(id.clone()),
            serde_json::Value::Number(id) => Some(id.to_string()),
            _ => None,
        });
        let data = query.get("data").and_then(|d| d.as_str()).unwrap_or("");
        return Event::Turn {
            chat,
            input: Input::Button(data.to_owned()),
            lang: query.get("from").and_then(lang),
            callback: id,
        };
    }
    Event::Ignore
}

/// The private chat of a raw message or button press: `type` private, or, where the
/// emulator leaves `type` out, a positive id (groups and channels are negative).
fn raw_private_chat(raw: &serde_json::Value) -> Option<i64> {
    let chat = raw
        .pointer("/message/chat")
        .or_else(|| raw.pointer("/callback_query/message/chat"))?;
    let id = chat.get("id")?.as_i64()?;
    let private = match chat.get("type").and_then(|t| t.as_str()) {
        Some(kind) => kind == "private",
        None => id > 0,
    };
    private.then_some(id)
}

/// A message in a staff group: text in a topic is staff's, anything else (the
/// General topic, service messages, media) is not for citizens.
fn from_staff(message: &Message) -> Event {
    let (Some(thread), Some(user), Some(text)) = (
        message.thread_id.filter(|_| message.is_topic_message),
        message.from.as_ref(),
        message.text(),
    ) else {
        return Event::Ignore;
    };
    if user.is_bot {
        return Event::Ignore;
    }
    Event::Staff {
        group: message.chat.id.0,
        thread: i64::from(thread.0.0),
        user: i64::try_from(user.id.0).unwrap_or(i64::MAX),
        name: user.first_name.clone(),
        text: text.to_owned(),
    }
}

fn from_message(message: &Message, bot_username: &str) -> Event {
    let lang = language(
        message
            .from
            .as_ref()
            .and_then(|u| u.language_code.as_deref()),
    );
    let chat = message.chat.id.0;
    let Some(text) = message.text() else {
        // A photo, a sticker, a voice note: in private chats the bot reads its caption
        // (or answers "non ho capito" with the options), a person sees the original.
        return if message.chat.is_private() {
            Event::Turn {
                chat,
                input: Input::Attachment(attachment(message)),
                lang,
                callback: None,
            }
        } else {
            Event::Ignore
        };
    };
    if message.chat.is_private() {
        return Event::Turn {
            chat,
            input: Input::from_text(text),
            lang,
            callback: None,
        };
    }
    if !(message.chat.is_group() || message.chat.is_supergroup()) {
        return Event::Ignore;
    }
    let mention = format!("@{bot_username}");
    let input = if let Some(command) = text.strip_prefix('/') {
        // `/cmd@otherbot` is for another bot.
        let head = command.split_whitespace().next().unwrap_or_default();
        match head.split_once('@') {
            Some((_, addressee)) if !addressee.eq_ignore_ascii_case(bot_username) => {
                return Event::Ignore;
            }
            _ => Input::from_text(text),
        }
    } else if contains_ignore_case(text, &mention) {
        Input::from_text(&remove_ignore_case(text, &mention))
    } else if message
        .reply_to_message()
        .and_then(|m| m.from.as_ref())
        .and_then(|u| u.username.as_deref())
        .is_some_and(|u| u.eq_ignore_ascii_case(bot_username))
    {
        Input::from_text(text)
    } else {
        return Event::Ignore;
    };
    Event::Turn {
        chat,
        input,
        lang,
        callback: None,
    }
}

/// What a private message without text holds.
fn attachment(message: &Message) -> Attachment {
    let kind = if message.photo().is_some() {
        AttachmentKind::Photo
    } else if message.sticker().is_some() || message.animation().is_some() {
        AttachmentKind::Sticker
    } else if message.voice().is_some() {
        AttachmentKind::Voice
    } else if message.audio().is_some() {
        AttachmentKind::Audio
    } else if message.video().is_some() || message.video_note().is_some() {
        AttachmentKind::Video
    } else if message.document().is_some() {
        AttachmentKind::Document
    } else if message.location().is_some() || message.venue().is_some() {
        AttachmentKind::Location
    } else if message.contact().is_some() {
        AttachmentKind::Contact
    } else {
        AttachmentKind::Other
    };
    Attachment {
        kind,
        caption: message.caption().unwrap_or_default().to_owned(),
        message_id: Some(i64::from(message.id.0)),
    }
}

/// The kind of attachment a raw message's field holds (`photo`, `voice`…).
fn raw_attachment_kind(message: &serde_json::Value) -> AttachmentKind {
    const FIELDS: &[(&str, AttachmentKind)] = &[
        ("photo", AttachmentKind::Photo),
        ("sticker", AttachmentKind::Sticker),
        ("animation", AttachmentKind::Sticker),
        ("voice", AttachmentKind::Voice),
        ("audio", AttachmentKind::Audio),
        ("video", AttachmentKind::Video),
        ("video_note", AttachmentKind::Video),
        ("document", AttachmentKind::Document),
        ("location", AttachmentKind::Location),
        ("venue", AttachmentKind::Location),
        ("contact", AttachmentKind::Contact),
    ];
    FIELDS
        .iter()
        .find(|(field, _)| message.get(field).is_some())
        .map_or(AttachmentKind::Other, |(_, kind)| *kind)
}

/// `en-GB` → `en`.
fn language(code: Option<&str>) -> Option<String> {
    code.map(|c| c.split(['-', '_']).next().unwrap_or(c).to_lowercase())
}

fn contains_ignore_case(text: &str, needle: &str) -> bool {
    text.to_lowercase().contains(&needle.to_lowercase())
}

fn remove_ignore_case(text: &str, needle: &str) -> String {
    let lower = text.to_lowercase();
    match lower.find(&needle.to_lowercase()) {
        // Lowercasing can change byte lengths; only cut when the offsets still line up.
        Some(at)
            if text.is_char_boundary(at)
                && text.is_char_boundary(at + needle.len())
                && lower.len() == text.len() =>
        {
            format!("{}{}", &text[..at], &text[at + needle.len()..])
        }
        _ => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn update(json: serde_json::Value) -> Update {
        // From text, as updates arrive: teloxide reads some kinds only that way.
        serde_json::from_str(&json.to_string()).unwrap_or_else(|e| panic!("bad test update: {e}"))
    }

    /// As teloxide hands over an update it cannot read: the raw JSON in `Error`.
    fn unreadable(json: serde_json::Value) -> Update {
        let mut update = update(json.clone());
        if let UpdateKind::Error(raw) = &mut update.kind {
            *raw = json;
        }
        update
    }

    fn message(chat: serde_json::Value, text: &str) -> Update {
        update(serde_json::json!({
            "update_id": 1,
            "message": {
                "message_id": 7, "date": 1_800_000_000, "chat": chat, "text": text,
                "from": { "id": 42, "is_bot": false, "first_name": "Giulia", "language_code": "en-GB" }
            }
        }))
    }

    fn private() -> serde_json::Value {
        serde_json::json!({ "id": 42, "type": "private", "first_name": "Giulia" })
    }

    fn group() -> serde_json::Value {
        serde_json::json!({ "id": -100, "type": "group", "title": "Classe 5B" })
    }

    #[test]
    fn private_messages_are_turns_with_the_client_language() {
        assert_eq!(
            classify(&message(private(), "/start maturita"), "SportelloBot", &[]),
            Event::Turn {
                chat: 42,
                input: Input::Command {
                    name: "start".into(),
                    arg: Some("maturita".into())
                },
                lang: Some("en".into()),
                callback: None
            }
        );
    }

    #[test]
    fn text_in_a_staff_groups_topic_is_staff_and_the_rest_of_the_group_is_ignored() {
        let staff = serde_json::json!({ "id": -1001, "type": "supergroup", "title": "URP", "is_forum": true });
        let in_topic = |thread: Option<i64>, text: &str| {
            let mut message = serde_json::json!({
                "message_id": 7, "date": 1_800_000_000, "chat": staff, "text": text,
                "from": { "id": 9, "is_bot": false, "first_name": "Anna" }
            });
            if let Some(thread) = thread {
                message["message_thread_id"] = thread.into();
                message["is_topic_message"] = true.into();
            }
            update(serde_json::json!({ "update_id": 1, "message": message }))
        };
        assert_eq!(
            classify(
                &in_topic(Some(55), "Buongiorno, la domanda è valida"),
                "SportelloBot",
                &[-1001]
            ),
            Event::Staff {
                group: -1001,
                thread: 55,
                user: 9,
                name: "Anna".into(),
                text: "Buongiorno, la domanda è valida".into()
            }
        );
        // The General topic, and the group when it is not a staff group.
        assert_eq!(
            classify(&in_topic(None, "ciao"), "SportelloBot", &[-1001]),
            Event::Ignore
        );
        assert_eq!(
            classify(&in_topic(Some(55), "ciao"), "SportelloBot", &[]),
            Event::Ignore
        );
    }

    #[test]
    fn groups_need_a_command_or_a_mention() {
        let turn = |text: &str| match classify(&message(group(), text), "SportelloBot", &[]) {
            Event::Turn { input, .. } => Some(input),
            _ => None,
        };
        assert_eq!(turn("quando è la prima prova?"), None);
        assert_eq!(turn("/menu@AltroBot"), None);
        assert_eq!(
            turn("/menu@sportellobot"),
            Some(Input::Command {
                name: "menu".into(),
                arg: None
            })
        );
        assert_eq!(
            turn("/aiuto"),
            Some(Input::Command {
                name: "aiuto".into(),
                arg: None
            })
        );
        assert_eq!(
            turn("@SportelloBot quando è la prima prova?"),
            Some(Input::Text("quando è la prima prova?".into()))
        );
    }

    #[test]
    fn updates_teloxide_cannot_read_are_read_leniently_in_private_chats() {
        // No `date`, no `is_bot`, no chat `type`: teloxide gives up on these.
        let sparse = unreadable(serde_json::json!({
            "update_id": 5,
            "message": { "message_id": 1, "chat": { "id": 42 }, "text": "/start",
                         "from": { "id": 42, "language_code": "it" } }
        }));
        assert!(matches!(sparse.kind, UpdateKind::Error(_)), "{sparse:?}");
        assert_eq!(chat_of(&sparse), Some(42));
        assert_eq!(
            classify(&sparse, "SportelloBot", &[]),
            Event::Turn {
                chat: 42,
                input: Input::Command {
                    name: "start".into(),
                    arg: None
                },
                lang: Some("it".into()),
                callback: None
            }
        );
        let press = unreadable(serde_json::json!({
            "update_id": 6,
            "callback_query": { "id": 77, "data": "main.menu#1",
                                "message": { "message_id": 2, "chat": { "id": 42 } } }
        }));
        assert_eq!(
            classify(&press, "SportelloBot", &[]),
            Event::Turn {
                chat: 42,
                input: Input::Button("main.menu#1".into()),
                lang: None,
                callback: Some("77".into())
            }
        );
        let group = unreadable(serde_json::json!({
            "update_id": 7,
            "message": { "message_id": 3, "chat": { "id": -100 }, "text": "/start" }
        }));
        assert_eq!(classify(&group, "SportelloBot", &[]), Event::Ignore);
        assert_eq!(chat_of(&group), None);
    }

    #[test]
    fn attachments_in_private_chats_are_turns_with_their_kind_caption_and_id() {
        let with = |media: serde_json::Value| {
            let mut message = serde_json::json!({
                "message_id": 31, "date": 1_800_000_000, "chat": private(),
                "from": { "id": 42, "is_bot": false, "first_name": "Giulia" }
            });
            if let (Some(message), Some(media)) = (message.as_object_mut(), media.as_object()) {
                message.extend(media.clone());
            }
            update(serde_json::json!({ "update_id": 1, "message": message }))
        };
        let input = |update: &Update| match classify(update, "SportelloBot", &[]) {
            Event::Turn { input, .. } => input,
            other => panic!("not a turn: {other:?}"),
        };
        let photo = serde_json::json!({
            "photo": [{ "file_id": "a", "file_unique_id": "b", "width": 90, "height": 90 }],
            "caption": "la ricevuta"
        });
        assert_eq!(
            input(&with(photo)),
            Input::Attachment(Attachment {
                kind: AttachmentKind::Photo,
                caption: "la ricevuta".into(),
                message_id: Some(31)
            })
        );
        let voice = serde_json::json!({
            "voice": { "file_id": "a", "file_unique_id": "b", "duration": 4,
                       "mime_type": "audio/ogg", "file_size": 5120 }
        });
        assert_eq!(
            input(&with(voice)),
            Input::Attachment(Attachment {
                kind: AttachmentKind::Voice,
                caption: String::new(),
                message_id: Some(31)
            })
        );
        // As an emulator may send it, with fields teloxide wants left out.
        let sparse = unreadable(serde_json::json!({
            "update_id": 5,
            "message": { "message_id": 8, "chat": { "id": 42 }, "caption": "modulo",
                         "document": { "file_id": "a" } }
        }));
        assert_eq!(
            input(&sparse),
            Input::Attachment(Attachment {
                kind: AttachmentKind::Document,
                caption: "modulo".into(),
                message_id: Some(8)
            })
        );
    }

    #[test]
    fn channel_posts_are_never_input() {
        let post = update(serde_json::json!({
            "update_id": 2,
            "channel_post": {
                "message_id": 1, "date": 1_800_000_000, "text": "/start",
                "chat": { "id": -1001, "type": "channel", "title": "Ministero" }
            }
        }));
        assert_eq!(classify(&post, "SportelloBot", &[]), Event::Ignore);
    }

    #[test]
    fn presses_and_blocks_are_read() {
        let press = update(serde_json::json!({
            "update_id": 3,
            "callback_query": {
                "id": "cb1", "chat_instance": "x", "data": "main.menu#0",
                "from": { "id": 42, "is_bot": false, "first_name": "Giulia" },
                "message": { "message_id": 9, "date": 1_800_000_000, "chat": private(), "text": "Menu" }
            }
        }));
        assert_eq!(
            classify(&press, "SportelloBot", &[]),
            Event::Turn {
                chat: 42,
                input: Input::Button("main.menu#0".into()),
                lang: None,
                callback: Some("cb1".into())
            }
        );
        let blocked = update(serde_json::json!({
            "update_id": 4,
            "my_chat_member": {
                "chat": private(), "date": 1_800_000_000,
                "from": { "id": 42, "is_bot": false, "first_name": "Giulia" },
                "old_chat_member": { "user": { "id": 1, "is_bot": true, "first_name": "Bot" }, "status": "member" },
                "new_chat_member": { "user": { "id": 1, "is_bot": true, "first_name": "Bot" }, "status": "kicked", "until_date": 0 }
            }
        }));
        assert_eq!(
            classify(&blocked, "SportelloBot", &[]),
            Event::Blocked {
                chat: 42,
                blocked: true
            }
        );
    }
}
