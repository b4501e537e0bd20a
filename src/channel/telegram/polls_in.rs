//! `poll` and `poll_answer` updates, read before teloxide and leniently (teloxide
//! fails a `poll_answer` without a voter by panicking, and an emulator may leave out
//! fields Telegram always sends): only the poll's id, the counts, the voter and the
//! options chosen are read.

use std::hash::{DefaultHasher, Hash, Hasher};

use serde::Deserialize;
use serde_json::Value;

/// An update about a consultation's poll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PollUpdate {
    /// The poll's state (`poll`): how anonymous polls are answered.
    Counts {
        /// The poll's id.
        poll_id: String,
        /// Voters per option.
        counts: Vec<u32>,
        /// Voters in all, when given.
        total: Option<u32>,
        /// Stopped: no answer any more.
        closed: bool,
    },
    /// Who chose what (`poll_answer`), for polls that are not anonymous.
    Answer {
        /// The poll's id.
        poll_id: String,
        /// The user who answered (in a private chat, the chat's id).
        user: i64,
        /// Their client's language.
        lang: Option<String>,
        /// The options chosen (0-based); empty: taken back.
        options: Vec<u16>,
    },
}

impl PollUpdate {
    /// The key its events run in order under: the user who answered, or for counts
    /// a number made from the poll's id (a collision only queues two polls together).
    pub fn key(&self) -> i64 {
        match self {
            PollUpdate::Answer { user, .. } => *user,
            PollUpdate::Counts { poll_id, .. } => {
                let mut hasher = DefaultHasher::new();
                poll_id.hash(&mut hasher);
                // Negative, like groups: no citizen's private chat shares it.
                -((hasher.finish() >> 2) as i64) - 1
            }
        }
    }
}

#[derive(Deserialize)]
struct Raw {
    update_id: Option<i64>,
    poll: Option<RawPoll>,
    poll_answer: Option<RawAnswer>,
}

#[derive(Deserialize)]
struct RawPoll {
    id: Value,
    #[serde(default)]
    options: Vec<RawOption>,
    #[serde(default)]
    total_voter_count: Option<u32>,
    #[serde(default)]
    is_closed: bool,
}

#[derive(Deserialize)]
struct RawOption {
    #[serde(default)]
    voter_count: u32,
}

#[derive(Deserialize)]
struct RawAnswer {
    poll_id: Value,
    #[serde(default)]
    user: Option<RawUser>,
    #[serde(default)]
    option_ids: Vec<u16>,
}

#[derive(Deserialize)]
struct RawUser {
    id: i64,
    #[serde(default)]
    language_code: Option<String>,
}

/// A poll id as text (Telegram's are strings; a number is taken too).
fn id_text(id: &Value) -> Option<String> {
    match id {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The poll update in `raw`, with the update's id; `None` when `raw` is no poll
/// update (or one without a poll id, or answered by a chat rather than a person).
pub fn poll_update(raw: &str) -> Option<(Option<i64>, Option<PollUpdate>)> {
    let raw: Raw = serde_json::from_str(raw).ok()?;
    let update = match (raw.poll, raw.poll_answer) {
        (Some(poll), _) => id_text(&poll.id).map(|poll_id| PollUpdate::Counts {
            poll_id,
            counts: poll.options.iter().map(|o| o.voter_count).collect(),
            total: poll.total_voter_count,
            closed: poll.is_closed,
        }),
        (None, Some(answer)) => match (id_text(&answer.poll_id), answer.user) {
            (Some(poll_id), Some(user)) => Some(PollUpdate::Answer {
                poll_id,
                user: user.id,
                lang: user
                    .language_code
                    .map(|c| c.split(['-', '_']).next().unwrap_or(&c).to_lowercase()),
                options: answer.option_ids,
            }),
            _ => None,
        },
        (None, None) => return None,
    };
    Some((raw.update_id, update))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polls_and_answers_are_read_leniently() {
        let poll = r#"{"update_id":5,"poll":{"id":"5263","question":"Q","options":[{"text":"A","voter_count":0},{"text":"B","voter_count":1}],"total_voter_count":1,"is_closed":false,"is_anonymous":true,"type":"regular","allows_multiple_answers":false}}"#;
        assert_eq!(
            poll_update(poll),
            Some((
                Some(5),
                Some(PollUpdate::Counts {
                    poll_id: "5263".into(),
                    counts: vec![0, 1],
                    total: Some(1),
                    closed: false
                })
            ))
        );
        let answer = r#"{"update_id":6,"poll_answer":{"poll_id":"77","user":{"id":42,"is_bot":false,"first_name":"G","language_code":"en-GB"},"option_ids":[2]}}"#;
        assert_eq!(
            poll_update(answer),
            Some((
                Some(6),
                Some(PollUpdate::Answer {
                    poll_id: "77".into(),
                    user: 42,
                    lang: Some("en".into()),
                    options: vec![2]
                })
            ))
        );
        // A chat answering (an anonymous admin), or no voter at all: nothing to count,
        // and no panic.
        let chat = r#"{"update_id":7,"poll_answer":{"poll_id":"77","voter_chat":{"id":-100,"type":"supergroup"},"option_ids":[0]}}"#;
        assert_eq!(poll_update(chat), Some((Some(7), None)));
        let bare = r#"{"update_id":8,"poll_answer":{"poll_id":"77","option_ids":[]}}"#;
        assert_eq!(poll_update(bare), Some((Some(8), None)));
        assert_eq!(poll_update(r#"{"update_id":9,"message":{}}"#), None);
        assert_eq!(poll_update("not json"), None);
    }

    #[test]
    fn counts_run_under_a_key_no_private_chat_has() {
        let counts = |id: &str| PollUpdate::Counts {
            poll_id: id.into(),
            counts: vec![],
            total: None,
            closed: false,
        };
        assert!(counts("5263").key() < 0);
        assert_eq!(counts("5263").key(), counts("5263").key());
        assert_ne!(counts("5263").key(), counts("5264").key());
    }
}
