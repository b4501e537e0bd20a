//! What goes into a turn (`Inbound`) and what comes out (`Outbound`, `Effect`), plus
//! the data a turn may ask for (`Query`) and receive (`Answer`).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::content::{CalendarEvent, NewsItem};
use crate::reminder::{RemindRule, Reminder};
use crate::text::clean;

/// One normalized message from a citizen, on any channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inbound {
    /// When it arrived: the engine's only clock.
    pub at: DateTime<Utc>,
    /// What the citizen did.
    pub input: Input,
}

/// What the citizen did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// Free text (already cleaned and bounded by `Input::from_text`).
    Text(String),
    /// A pressed button, by its payload (`flow.state#index`).
    Button(String),
    /// `/name arg`, name lowercased without the `@bot` suffix.
    Command {
        /// The command without the slash, e.g. `start`.
        name: String,
        /// The rest of the line, trimmed; `None` when empty.
        arg: Option<String>,
    },
    /// A photo, a document, a voice note…: the bot reads its caption; a person it is
    /// handed to sees the original.
    Attachment(Attachment),
}

/// Something the citizen sent that is not text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// What it is.
    pub kind: AttachmentKind,
    /// Its caption as written; empty for none.
    pub caption: String,
    /// The channel's id of the message, where the channel can copy it to staff
    /// (Telegram's `copyMessage`); `None` elsewhere.
    pub message_id: Option<i64>,
}

/// The kinds of attachment, as staff are told of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttachmentKind {
    /// A picture.
    Photo,
    /// A file.
    Document,
    /// A voice note.
    Voice,
    /// A music or audio file.
    Audio,
    /// A video or video note.
    Video,
    /// A sticker or an animation.
    Sticker,
    /// A shared place.
    Location,
    /// A shared contact card.
    Contact,
    /// Anything else.
    Other,
}

impl AttachmentKind {
    /// Its name in the staff group's language (Italian).
    pub fn staff_label(self) -> &'static str {
        match self {
            AttachmentKind::Photo => "foto",
            AttachmentKind::Document => "documento",
            AttachmentKind::Voice => "messaggio vocale",
            AttachmentKind::Audio => "audio",
            AttachmentKind::Video => "video",
            AttachmentKind::Sticker => "sticker",
            AttachmentKind::Location => "posizione",
            AttachmentKind::Contact => "contatto",
            AttachmentKind::Other => "allegato",
        }
    }
}

impl Attachment {
    /// How staff and the transcript read it: `[foto] caption`.
    pub fn describe(&self) -> String {
        let label = self.kind.staff_label();
        if self.caption.is_empty() {
            format!("[{label}]")
        } else {
            format!("[{label}] {}", self.caption)
        }
    }
}

impl Input {
    /// Reads typed text: `/cmd[@bot] [arg]` is a command, anything else free text.
    pub fn from_text(text: &str) -> Input {
        let text = clean(text);
        if let Some(rest) = text.strip_prefix('/') {
            let (head, arg) = match rest.split_once(char::is_whitespace) {
                Some((head, arg)) => (head, Some(arg.trim().to_owned()).filter(|a| !a.is_empty())),
                None => (rest, None),
            };
            let name = head.split('@').next().unwrap_or(head).to_lowercase();
            if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Input::Command { name, arg };
            }
        }
        Input::Text(text)
    }
}

/// One message to the citizen: text (Telegram-style HTML) and optional buttons.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Outbound {
    /// The message, in the HTML subset Telegram accepts; channels convert it.
    pub text: String,
    /// Buttons under the message, in order; empty for none.
    pub buttons: Vec<OutButton>,
}

/// A button as sent: what it says and the payload that comes back when pressed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OutButton {
    /// What the button says, in the citizen's language.
    pub label: String,
    /// What comes back when pressed: `flow.state#index`.
    pub payload: String,
}

/// A change the conversation must make in the store after the turn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Follow a topic.
    Subscribe {
        /// A topic key the settings declare.
        topic: String,
    },
    /// Stop following a topic.
    Unsubscribe {
        /// `None`: every topic.
        topic: Option<String>,
    },
    /// Delete everything stored about the citizen, the session included.
    Erase,
    /// Pass what the citizen wrote to a person of `queue` (opening a ticket when
    /// there is none).
    ToStaff {
        /// A key of `handoff.queues`.
        queue: String,
        /// What the citizen wrote.
        text: String,
        /// A follow-up to the ticket staff closed last: it opens again.
        reopen: bool,
        /// The citizen's message to show staff as it is (an attachment), where the
        /// channel can copy it.
        copy_of: Option<i64>,
    },
    /// The citizen ended the conversation with a person: the ticket closes.
    EndHandoff,
    /// Remind the citizen of an event (replacing a reminder of it they had).
    Remind {
        /// The event's key.
        event_key: String,
        /// Its title, as the citizen saw it.
        title: String,
        /// When it starts.
        starts_at: DateTime<Utc>,
        /// The rule the reminder follows when the event moves.
        rule: RemindRule,
        /// When the reminder goes.
        remind_at: DateTime<Utc>,
    },
    /// The citizen cancelled one of their reminders.
    ForgetReminder {
        /// Its number.
        id: i64,
    },
}

/// Data a turn needs from the content store or the subscriber store.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Query {
    /// Upcoming events of a category, soonest first.
    Events {
        /// As the state's `events` action names it.
        category: String,
        /// The action's limit.
        limit: usize,
    },
    /// Latest news, of one topic or all, newest first.
    News {
        /// As the state's `news` action names it (`None`: all).
        topic: Option<String>,
        /// The action's limit.
        limit: usize,
    },
    /// The topics the citizen follows.
    Subscriptions,
    /// Delete everything stored about the citizen now, and say what went.
    Erase,
    /// The citizen's reminders still to come, soonest first.
    Reminders,
}

/// The answer to a `Query`.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// For `Query::Events`.
    Events(Vec<CalendarEvent>),
    /// For `Query::News`.
    News(Vec<NewsItem>),
    /// For `Query::Subscriptions`: topic keys.
    Subscriptions(Vec<String>),
    /// For `Query::Erase`.
    Erased(ErasureReceipt),
    /// For `Query::Reminders`.
    Reminders(Vec<Reminder>),
}

/// What the right to erasure deleted, and when.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ErasureReceipt {
    /// When the deletion ran.
    pub at: DateTime<Utc>,
    /// Sessions deleted.
    pub sessions: u64,
    /// Topic subscriptions deleted.
    pub subscriptions: u64,
    /// Transcript lines deleted.
    pub transcripts: u64,
    /// Outbox deliveries deleted.
    pub deliveries: u64,
    /// Conversations with a person deleted, with their messages.
    pub tickets: u64,
    /// Reminders deleted.
    pub reminders: u64,
    /// Answers to consultations that were not anonymous.
    pub votes: u64,
}

impl ErasureReceipt {
    /// Whether anything was stored at all.
    pub fn found(&self) -> bool {
        self.sessions
            + self.subscriptions
            + self.transcripts
            + self.deliveries
            + self.tickets
            + self.reminders
            + self.votes
            > 0
    }
}

/// Answers gathered so far in a turn.
#[derive(Debug, Default, Clone)]
pub struct Answers(HashMap<Query, Answer>);

impl Answers {
    /// Records the answer to `query`, replacing an earlier one.
    pub fn insert(&mut self, query: Query, answer: Answer) {
        self.0.insert(query, answer);
    }

    /// The answer to `query`, if it was fetched.
    pub fn get(&self, query: &Query) -> Option<&Answer> {
        self.0.get(query)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_recognised_with_bot_suffix_and_argument() {
        assert_eq!(
            Input::from_text("/start@SportelloBot maturita"),
            Input::Command {
                name: "start".into(),
                arg: Some("maturita".into())
            }
        );
        assert_eq!(
            Input::from_text("/AIUTO"),
            Input::Command {
                name: "aiuto".into(),
                arg: None
            }
        );
        assert_eq!(
            Input::from_text("/ciao mondo!").clone(),
            Input::Command {
                name: "ciao".into(),
                arg: Some("mondo!".into())
            }
        );
        assert_eq!(
            Input::from_text("1/2 di voto"),
            Input::Text("1/2 di voto".into())
        );
        assert_eq!(Input::from_text("/"), Input::Text("/".into()));
    }
}
