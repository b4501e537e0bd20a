//! Webhook bodies → events: citizen messages (engine input or "unsupported"), and
//! delivery statuses. Read leniently: unknown fields and kinds are ignored, a change
//! for another phone number of the same app is skipped.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::dialogue::parse_payload;
use crate::engine::{Attachment, AttachmentKind, Input};

/// One thing a webhook told us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A citizen wrote or pressed something.
    Message {
        /// Meta's id of the message, for telling redeliveries.
        wamid: String,
        /// The citizen (their phone-based id).
        wa_id: String,
        /// When the citizen sent it (the 24-hour window starts there).
        sent_at: Option<DateTime<Utc>>,
        /// The contact's language when Meta gives one (it usually does not).
        lang: Option<String>,
        /// What the citizen sent.
        kind: MessageKind,
    },
    /// What became of a message we sent.
    Status {
        /// The id of the message we sent.
        wamid: String,
        /// Its recipient.
        wa_id: String,
        /// `sent`, `delivered`, `read` or `failed`.
        status: String,
        /// Meta's error code and title, for a failed message.
        error: Option<(i64, String)>,
    },
}

impl Event {
    /// The citizen the event is about (events of one citizen run in order).
    pub fn wa_id(&self) -> &str {
        match self {
            Event::Message { wa_id, .. } | Event::Status { wa_id, .. } => wa_id,
        }
    }
}

/// What kind of message a citizen sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MessageKind {
    /// Typed text (maybe a shortened button title), a reply button, a list row or a
    /// template quick reply.
    Input(Input),
    /// A kind the bot cannot read at all (an order, a poll…): answered politely, no
    /// turn. Photos, voice notes, locations are attachments (`Input::Attachment`).
    Unsupported(String),
    /// A reaction or a system notice: nothing to do.
    Ignore,
}

#[derive(Debug, Deserialize)]
struct Body {
    #[serde(default)]
    entry: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
struct Entry {
    #[serde(default)]
    changes: Vec<Change>,
}

#[derive(Debug, Deserialize)]
struct Change {
    #[serde(default)]
    field: String,
    value: Option<Value>,
}

#[derive(Debug, Deserialize)]
struct Value {
    metadata: Option<Metadata>,
    #[serde(default)]
    contacts: Vec<Contact>,
    #[serde(default)]
    messages: Vec<Message>,
    #[serde(default)]
    statuses: Vec<Status>,
}

#[derive(Debug, Deserialize)]
struct Metadata {
    phone_number_id: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Contact {
    wa_id: Option<String>,
    profile: Option<Profile>,
}

#[derive(Debug, Deserialize)]
struct Profile {
    /// Not part of today's payloads; read in case Meta adds it.
    language: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Message {
    id: String,
    from: String,
    timestamp: Option<String>,
    #[serde(rename = "type", default)]
    kind: String,
    text: Option<Text>,
    interactive: Option<Interactive>,
    button: Option<QuickReply>,
    image: Option<Media>,
    document: Option<Media>,
    video: Option<Media>,
}

/// A photo, file or video: only its caption matters here.
#[derive(Debug, Deserialize)]
struct Media {
    caption: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Text {
    #[serde(default)]
    body: String,
}

#[derive(Debug, Deserialize)]
struct Interactive {
    button_reply: Option<Reply>,
    list_reply: Option<Reply>,
}

#[derive(Debug, Deserialize)]
struct Reply {
    #[serde(default)]
    id: String,
    #[serde(default)]
    title: String,
}

#[derive(Debug, Deserialize)]
struct QuickReply {
    #[serde(default)]
    payload: String,
    #[serde(default)]
    text: String,
}

#[derive(Debug, Deserialize)]
struct Status {
    id: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    recipient_id: String,
    #[serde(default)]
    errors: Vec<StatusError>,
}

#[derive(Debug, Deserialize)]
struct StatusError {
    #[serde(default)]
    code: i64,
    #[serde(default)]
    title: String,
}

/// The events in a webhook body meant for `phone_number_id`, in body order.
pub fn events(body: &[u8], phone_number_id: &str) -> Result<Vec<Event>, serde_json::Error> {
    let body: Body = serde_json::from_slice(body)?;
    let mut events = Vec::new();
    for change in body.entry.into_iter().flat_map(|e| e.changes) {
        let Some(value) = change.value else { continue };
        if change.field != "messages" {
            continue;
        }
        let ours = value
            .metadata
            .as_ref()
            .and_then(|m| m.phone_number_id.as_deref())
            .is_none_or(|id| id == phone_number_id);
        if !ours {
            tracing::debug!("webhook change for another phone number ignored");
            continue;
        }
        for message in value.messages {
            let lang = value
                .contacts
                .iter()
                .find(|c| c.wa_id.as_deref() == Some(message.from.as_str()))
                .and_then(|c| c.profile.as_ref()?.language.as_deref())
                .map(language);
            events.push(Event::Message {
                sent_at: message
                    .timestamp
                    .as_deref()
                    .and_then(|t| t.parse::<i64>().ok())
                    .and_then(|t| DateTime::from_timestamp(t, 0)),
                kind: kind(&message),
                wamid: message.id,
                wa_id: message.from,
                lang,
            });
        }
        for status in value.statuses {
            let error = status.errors.first().map(|e| (e.code, e.title.clone()));
            events.push(Event::Status {
                wamid: status.id,
                wa_id: status.recipient_id,
                status: status.status,
                error,
            });
        }
    }
    Ok(events)
}

fn kind(message: &Message) -> MessageKind {
    let reply_input = |reply: &Reply| {
        if reply.id.is_empty() {
            Input::from_text(&reply.title)
        } else {
            Input::Button(reply.id.clone())
        }
    };
    match message.kind.as_str() {
        "text" => MessageKind::Input(Input::from_text(
            message.text.as_ref().map_or("", |t| t.body.as_str()),
        )),
        "interactive" => {
            let interactive = message.interactive.as_ref();
            match interactive.and_then(|i| i.button_reply.as_ref().or(i.list_reply.as_ref())) {
                Some(reply) => MessageKind::Input(reply_input(reply)),
                None => MessageKind::Unsupported("interactive".into()),
            }
        }
        // A quick reply of a template: its payload when it is one of our button ids,
        // else what the button said.
        "button" => match &message.button {
            Some(b) if parse_payload(&b.payload).is_some() => {
                MessageKind::Input(Input::Button(b.payload.clone()))
            }
            Some(b) => MessageKind::Input(Input::from_text(&b.text)),
            None => MessageKind::Ignore,
        },
        "reaction" | "system" | "ephemeral" => MessageKind::Ignore,
        other => match attachment(message, other) {
            Some(attachment) => MessageKind::Input(Input::Attachment(attachment)),
            None => MessageKind::Unsupported(other.to_owned()),
        },
    }
}

/// The attachment a message of `type` is, with its caption (photos, files and
/// videos have one); `None` for a kind the bot cannot read at all.
fn attachment(message: &Message, kind: &str) -> Option<Attachment> {
    let (kind, captioned) = match kind {
        "image" => (AttachmentKind::Photo, message.image.as_ref()),
        "document" => (AttachmentKind::Document, message.document.as_ref()),
        "video" => (AttachmentKind::Video, message.video.as_ref()),
        "audio" => (AttachmentKind::Voice, None),
        "sticker" => (AttachmentKind::Sticker, None),
        "location" => (AttachmentKind::Location, None),
        "contacts" => (AttachmentKind::Contact, None),
        _ => return None,
    };
    Some(Attachment {
        kind,
        caption: captioned
            .and_then(|m| m.caption.clone())
            .unwrap_or_default(),
        // The Cloud API cannot forward a citizen's media as it is.
        message_id: None,
    })
}

/// `en_US` → `en`.
fn language(code: &str) -> String {
    code.split(['-', '_']).next().unwrap_or(code).to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(value: serde_json::Value) -> Vec<u8> {
        json!({
            "object": "whatsapp_business_account",
            "entry": [{ "id": "WABA", "changes": [{ "field": "messages", "value": value }] }]
        })
        .to_string()
        .into_bytes()
    }

    fn one(message: serde_json::Value) -> MessageKind {
        let raw = body(json!({
            "messaging_product": "whatsapp",
            "metadata": { "display_phone_number": "390600000", "phone_number_id": "PN" },
            "contacts": [{ "profile": { "name": "Giulia" }, "wa_id": "393331112222" }],
            "messages": [message]
        }));
        match events(&raw, "PN").ok().as_deref() {
            Some([Event::Message { kind, .. }]) => kind.clone(),
            other => panic!("{other:?}"),
        }
    }

    fn msg(kind: &str, extra: serde_json::Value) -> serde_json::Value {
        let mut m = json!({ "from": "393331112222", "id": "wamid.1", "timestamp": "1800000000", "type": kind });
        if let (Some(m), Some(extra)) = (m.as_object_mut(), extra.as_object()) {
            m.extend(extra.clone());
        }
        m
    }

    #[test]
    fn texts_replies_and_quick_replies_become_input() {
        assert_eq!(
            one(msg(
                "text",
                json!({ "text": { "body": "/start maturita" } })
            )),
            MessageKind::Input(Input::Command {
                name: "start".into(),
                arg: Some("maturita".into())
            })
        );
        assert_eq!(
            one(msg(
                "interactive",
                json!({ "interactive": { "type": "button_reply", "button_reply": { "id": "main.menu#0", "title": "🎓 Esame di Stato" } } })
            )),
            MessageKind::Input(Input::Button("main.menu#0".into()))
        );
        assert_eq!(
            one(msg(
                "interactive",
                json!({ "interactive": { "type": "list_reply", "list_reply": { "id": "main.menu#3", "title": "Aiuto", "description": "x" } } })
            )),
            MessageKind::Input(Input::Button("main.menu#3".into()))
        );
        assert_eq!(
            one(msg(
                "button",
                json!({ "button": { "payload": "notizie.menu#0", "text": "Notizie" } })
            )),
            MessageKind::Input(Input::Button("notizie.menu#0".into()))
        );
        assert_eq!(
            one(msg(
                "button",
                json!({ "button": { "payload": "STOP_NEWS", "text": "Stop" } })
            )),
            MessageKind::Input(Input::Text("Stop".into()))
        );
    }

    #[test]
    fn media_are_attachments_other_kinds_unsupported_and_reactions_ignored() {
        assert_eq!(
            one(msg(
                "image",
                json!({ "image": { "id": "MEDIA", "mime_type": "image/jpeg", "caption": "la ricevuta" } })
            )),
            MessageKind::Input(Input::Attachment(Attachment {
                kind: AttachmentKind::Photo,
                caption: "la ricevuta".into(),
                message_id: None
            }))
        );
        assert_eq!(
            one(msg(
                "audio",
                json!({ "audio": { "id": "MEDIA", "mime_type": "audio/ogg; codecs=opus", "voice": true } })
            )),
            MessageKind::Input(Input::Attachment(Attachment {
                kind: AttachmentKind::Voice,
                caption: String::new(),
                message_id: None
            }))
        );
        assert_eq!(
            one(msg("order", json!({ "order": { "catalog_id": "1" } }))),
            MessageKind::Unsupported("order".into())
        );
        assert_eq!(one(msg("reaction", json!({}))), MessageKind::Ignore);
    }

    #[test]
    fn statuses_are_read_and_other_numbers_skipped() {
        let raw = body(json!({
            "metadata": { "phone_number_id": "PN" },
            "statuses": [{ "id": "wamid.9", "status": "failed", "timestamp": "1800000000", "recipient_id": "39333",
                           "errors": [{ "code": 131047, "title": "Re-engagement message" }] }]
        }));
        assert_eq!(
            events(&raw, "PN").ok(),
            Some(vec![Event::Status {
                wamid: "wamid.9".into(),
                wa_id: "39333".into(),
                status: "failed".into(),
                error: Some((131047, "Re-engagement message".into()))
            }])
        );
        assert_eq!(events(&raw, "OTHER").ok(), Some(vec![]));
        assert!(events(b"not json", "PN").is_err());
    }
}
