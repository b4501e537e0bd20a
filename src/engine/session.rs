//! The citizen's place in the dialogues, kept between turns by the store.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Where a conversation stands. An empty `state` means it has not started yet.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// `flow.state` the citizen is in.
    pub state: String,
    /// Values collected by `ask`, typed (a year is a number, yes/no a boolean).
    #[serde(default)]
    pub slots: BTreeMap<String, serde_json::Value>,
    /// Failed answers to the current `ask`.
    #[serde(default)]
    pub tries: u8,
    /// The citizen's language (`it`, `en`, …); empty means the bot's default.
    #[serde(default)]
    pub lang: String,
    /// Messages not understood in a row (the fallback escalates on the second).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub misses: u8,
    /// The choices of the last «Intendevi…?», so a typed number picks one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub offered: Vec<String>,
    /// The queue of the person the citizen is talking to: while set, what they
    /// write goes to that person and the bot stays silent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handoff: Option<String>,
    /// Staff closed the citizen's ticket: until then, what the bot cannot answer goes
    /// back to the same people instead of the fallback.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reopen: Option<Reopen>,
    /// The channel update this session last answered (Telegram's update id, by
    /// webhook) and its replies: an update taken again — its replica died after
    /// saving the turn, perhaps before sending it — gets the same replies again
    /// instead of a second turn. The engine never reads it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered: Option<Answered>,
}

/// The last update a session answered, and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answered {
    /// The channel's id of the update.
    pub update: i64,
    /// The replies the turn gave.
    pub replies: Vec<super::Outbound>,
}

/// A ticket staff closed, which a follow-up the bot cannot answer reopens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reopen {
    /// The queue it was in.
    pub queue: String,
    /// Until when.
    pub until: chrono::DateTime<chrono::Utc>,
}

fn is_zero(n: &u8) -> bool {
    *n == 0
}

impl Session {
    /// A new conversation in `lang`.
    pub fn new(lang: &str) -> Session {
        Session {
            lang: lang.to_owned(),
            ..Session::default()
        }
    }
}
