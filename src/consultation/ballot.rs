//! What an answer is: the consultation it goes to, who gives it, and the option chosen
//! (or none: taken back); how a WhatsApp list row names it; how a Telegram poll's
//! counts become one answer.
//!
//! Who gives it is never a chat id: an anonymous answer names only its ballot (the
//! Telegram poll, of which each citizen gets their own, or the random id of a WhatsApp
//! list message); a named one names the citizen, whom the store turns into a keyed
//! hash before anything is written.

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::store::{ChatKey, MenuEntry};

/// What a list row's id starts with: an answer, never a dialogue button (whose ids
/// are `flow.state#n`).
const ROW_PREFIX: &str = "cv:";

/// Where an answer goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The consultation of this Telegram poll.
    Poll(String),
    /// The consultation with this id (a WhatsApp list row names it).
    Consultation(i64),
}

/// Who answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Voter {
    /// An anonymous ballot: a Telegram poll's id, or `ballot:<random id>` of a WhatsApp
    /// list. Only anonymous consultations take these.
    Ballot(String),
    /// A citizen, for a consultation that is not anonymous (and only those).
    Citizen(ChatKey),
}

/// What they answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    /// The option at this index (0-based, as Telegram numbers them).
    Option(usize),
    /// No answer any more: a vote taken back in Telegram.
    Retract,
}

/// One answer to a consultation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ballot {
    /// The consultation.
    pub target: Target,
    /// Who answers.
    pub voter: Voter,
    /// The option.
    pub choice: Choice,
}

/// A consultation as a reply about an answer needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asked {
    /// Its key.
    pub key: String,
    /// The question.
    pub question: String,
    /// The options.
    pub options: Vec<String>,
    /// When answers stop counting.
    pub closes_at: DateTime<Utc>,
}

/// What became of an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Counted {
    /// Counted: the voter's first answer, or (`changed`) in place of an earlier one.
    Recorded {
        /// The consultation.
        asked: Asked,
        /// The option chosen.
        option: usize,
        /// It replaced an earlier answer.
        changed: bool,
    },
    /// The earlier answer was taken back.
    Retracted {
        /// The consultation.
        asked: Asked,
    },
    /// The consultation is closed (or its closing time passed): not counted.
    Closed {
        /// The consultation.
        asked: Asked,
    },
    /// No consultation has this poll or id (a poll just sent may not be recorded yet).
    Unknown,
    /// Nothing to count: an option it does not have, an anonymous ballot for a named
    /// consultation or the other way round.
    Refused,
}

impl Counted {
    /// A short name for metrics and debug logs.
    pub fn outcome(&self) -> &'static str {
        match self {
            Counted::Recorded { changed: false, .. } => "recorded",
            Counted::Recorded { changed: true, .. } => "changed",
            Counted::Retracted { .. } => "retracted",
            Counted::Closed { .. } => "closed",
            Counted::Unknown => "unknown",
            Counted::Refused => "refused",
        }
    }
}

/// A list row's answer: the consultation, the option, and the ballot id of an
/// anonymous consultation's list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowAnswer {
    /// The consultation's id.
    pub consultation: i64,
    /// The option's index (0-based).
    pub option: usize,
    /// The random id of an anonymous list (the same in every row of one message).
    pub ballot: Option<String>,
}

/// The id of the list row for `option` of `consultation`: `cv:<id>:<option>` or, for
/// an anonymous list, `cv:<id>:<option>:<ballot>`.
pub fn row_id(consultation: i64, option: usize, ballot: Option<&str>) -> String {
    match ballot {
        Some(ballot) => format!("{ROW_PREFIX}{consultation}:{option}:{ballot}"),
        None => format!("{ROW_PREFIX}{consultation}:{option}"),
    }
}

/// The answer a list row's id stands for; `None` for any other id.
pub fn parse_row_id(id: &str) -> Option<RowAnswer> {
    let mut parts = id.strip_prefix(ROW_PREFIX)?.split(':');
    let consultation = parts.next()?.parse().ok()?;
    let option = parts.next()?.parse().ok()?;
    let ballot = match parts.next() {
        Some(b) if !b.is_empty() && b.chars().all(|c| c.is_ascii_alphanumeric()) => {
            Some(b.to_owned())
        }
        Some(_) => return None,
        None => None,
    };
    if parts.next().is_some() {
        return None;
    }
    Some(RowAnswer {
        consultation,
        option,
        ballot,
    })
}

impl RowAnswer {
    /// The ballot of `citizen` choosing this row: anonymous when the list was.
    pub fn ballot(&self, citizen: ChatKey) -> Ballot {
        Ballot {
            target: Target::Consultation(self.consultation),
            voter: match &self.ballot {
                Some(id) => Voter::Ballot(format!("ballot:{id}")),
                None => Voter::Citizen(citizen),
            },
            choice: Choice::Option(self.option),
        }
    }
}

/// The answer a Telegram `poll` update means, from the poll's option `counts` and its
/// `total` voters: in a private chat the only voter is the citizen, so one vote on
/// one option is their answer and no vote at all is an answer taken back. A poll
/// forwarded and voted on by others is ambiguous: `None`, nothing changes.
pub fn choice_from_counts(counts: &[u32], total: Option<u32>) -> Option<Choice> {
    let sum: u32 = counts.iter().fold(0, |s, c| s.saturating_add(*c));
    let total = total.unwrap_or(sum);
    let chosen: Vec<usize> = (0..counts.len()).filter(|i| counts[*i] > 0).collect();
    match (total, sum, chosen.as_slice()) {
        (0, 0, []) => Some(Choice::Retract),
        (1, 1, [option]) => Some(Choice::Option(*option)),
        _ => None,
    }
}

/// How a named consultation's vote row names `citizen`: HMAC-SHA256 of
/// `channel:chat` under `key` (kept in the database), in hex. Erasure computes it again
/// to find their votes; without the key it leads back to no one.
pub fn voter_hash(key: &[u8], citizen: &ChatKey) -> String {
    match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mac) => hex::encode(
            mac.chain_update(citizen.channel.as_bytes())
                .chain_update(b":")
                .chain_update(citizen.chat.as_bytes())
                .finalize()
                .into_bytes(),
        ),
        // HMAC takes keys of any length: this cannot happen.
        Err(_) => String::new(),
    }
}

/// What a citizen typed after a consultation's list, when it is the last menu they
/// were shown: the number of a row (`2`, `2.`) becomes that row's id. Typed titles are
/// found as for any menu (`typed_title`).
pub fn typed_number(text: &str, menu: &[MenuEntry]) -> Option<String> {
    if menu.is_empty() || !menu.iter().all(|e| parse_row_id(&e.payload).is_some()) {
        return None;
    }
    let number: usize = text.trim().trim_end_matches(['.', ')']).parse().ok()?;
    let entry = menu.get(number.checked_sub(1)?)?;
    Some(entry.payload.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_ids_round_trip_and_other_ids_are_not_answers() {
        assert_eq!(row_id(7, 2, None), "cv:7:2");
        assert_eq!(
            parse_row_id(&row_id(7, 2, Some("a1B2"))),
            Some(RowAnswer {
                consultation: 7,
                option: 2,
                ballot: Some("a1B2".into())
            })
        );
        assert_eq!(
            parse_row_id("cv:7:2").map(|r| r.ballot),
            Some(None),
            "a named list has no ballot id"
        );
        for other in [
            "main.menu#3",
            "cv:x:1",
            "cv:7",
            "cv:7:-1",
            "cv:7:1:",
            "cv:7:1:a:b",
            "cv:7:1:no way",
        ] {
            assert_eq!(parse_row_id(other), None, "{other}");
        }
    }

    #[test]
    fn a_row_of_an_anonymous_list_names_its_ballot_never_the_citizen() {
        let citizen = ChatKey::new("whatsapp", "393330000001");
        let anonymous = parse_row_id("cv:7:1:abc").map(|r| r.ballot(citizen.clone()));
        assert_eq!(
            anonymous.map(|b| b.voter),
            Some(Voter::Ballot("ballot:abc".into()))
        );
        let named = parse_row_id("cv:7:1").map(|r| r.ballot(citizen.clone()));
        assert_eq!(named.map(|b| b.voter), Some(Voter::Citizen(citizen)));
    }

    #[test]
    fn voters_are_keyed_hashes_never_the_chat() {
        let citizen = ChatKey::new("telegram", "4242");
        let hash = voter_hash(b"key", &citizen);
        assert_eq!(hash.len(), 64);
        assert!(!hash.contains("4242"));
        assert_eq!(
            hash,
            voter_hash(b"key", &citizen),
            "stable, so erasure finds it"
        );
        assert_ne!(hash, voter_hash(b"other", &citizen));
        assert_ne!(hash, voter_hash(b"key", &ChatKey::new("whatsapp", "4242")));
    }

    #[test]
    fn poll_counts_in_a_private_chat_are_one_answer_or_none() {
        assert_eq!(
            choice_from_counts(&[0, 1, 0], Some(1)),
            Some(Choice::Option(1))
        );
        assert_eq!(
            choice_from_counts(&[0, 0, 0], Some(0)),
            Some(Choice::Retract)
        );
        assert_eq!(choice_from_counts(&[0, 1], None), Some(Choice::Option(1)));
        // Forwarded and voted on by others: whose is whose cannot be told.
        assert_eq!(choice_from_counts(&[1, 1], Some(2)), None);
        assert_eq!(choice_from_counts(&[2, 0], Some(2)), None);
        assert_eq!(choice_from_counts(&[0, 1], Some(3)), None);
    }

    #[test]
    fn a_typed_number_picks_a_row_of_the_last_list_only() {
        let entry = |payload: &str| MenuEntry {
            title: "t".into(),
            label: "l".into(),
            payload: payload.into(),
        };
        let list = vec![entry("cv:7:0"), entry("cv:7:1")];
        assert_eq!(typed_number("2", &list).as_deref(), Some("cv:7:1"));
        assert_eq!(typed_number(" 1. ", &list).as_deref(), Some("cv:7:0"));
        assert_eq!(typed_number("3", &list), None);
        assert_eq!(typed_number("0", &list), None);
        assert_eq!(typed_number("uno", &list), None);
        let menu = vec![entry("main.menu#0"), entry("main.menu#1")];
        assert_eq!(typed_number("1", &menu), None, "the engine's menu");
    }
}
