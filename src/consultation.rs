//! Consultations: staff put a question with 2–10 options to the subscribers of some
//! topics between an opening and a closing time; each citizen's answer counts once
//! (they may change it until it closes); when it closes the results go to the same
//! subscribers and to the Telegram channels.
//!
//! This module holds the pure parts that the content file, the admin API, the relay
//! and the channels share: the definition and its checks ([`Consultation`]), what an
//! answer is ([`ballot`]), the results ([`results`]) and the texts citizens read
//! ([`texts`]). It does no I/O: the store keeps consultations and votes
//! (`store::pg::consultations`), the relay opens, sends and closes them
//! (`relay::consultations`), the channels render the question (a Telegram poll, a
//! WhatsApp list) and take the answers.
//!
//! Limits, checked when staff define one: the question at most 300 characters and each
//! option at most 100 (Telegram's poll limits, counted as Telegram counts them, in
//! UTF-16 units); 2 to 10 options (a WhatsApp list has at most 10 rows), no two alike;
//! the closing time after the opening time. An option longer than a WhatsApp row title
//! (24 characters) is shown there as a numbered short title with the whole text under it.

pub mod ballot;
pub mod results;
pub mod texts;

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::content::when;

/// The fewest options a consultation has.
pub const MIN_OPTIONS: usize = 2;
/// The most options a consultation has (a WhatsApp list's rows).
pub const MAX_OPTIONS: usize = 10;
/// Telegram's longest poll question.
pub const QUESTION_LIMIT: usize = 300;
/// Telegram's longest poll option.
pub const OPTION_LIMIT: usize = 100;

/// A consultation as staff define it (in a content file's `consultations:` or through
/// the admin API).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Consultation {
    /// Stable key: importing the same key again updates it while it is not sent yet.
    pub key: String,
    /// What citizens are asked.
    pub question: String,
    /// The answers they choose from, in order.
    pub options: Vec<String>,
    /// Whose subscribers are asked; empty: every active subscriber of any topic.
    #[serde(default)]
    pub topics: Vec<String>,
    /// When it is sent (Italian time in files).
    #[serde(with = "when::required")]
    pub opens_at: DateTime<Utc>,
    /// When answers stop counting and the results are published.
    #[serde(with = "when::required")]
    pub closes_at: DateTime<Utc>,
    /// Anonymous (the default): nothing kept links an answer to a citizen. Otherwise
    /// citizens are told, before they answer, that theirs is kept under a code of
    /// theirs, which erasing their data deletes.
    #[serde(default = "anonymous_by_default")]
    pub anonymous: bool,
}

fn anonymous_by_default() -> bool {
    true
}

/// Something wrong in a consultation: the field and what is wrong, in plain words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The field (`question`, `options`, …).
    pub field: &'static str,
    /// What is wrong with it.
    pub message: String,
}

/// Two options are alike when they differ only in case and spacing (emoji count:
/// "👍" and "👎" differ).
fn same_text(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Characters as Telegram counts them (UTF-16 code units).
pub fn telegram_len(text: &str) -> usize {
    text.encode_utf16().count()
}

impl Consultation {
    /// Every problem of the definition; `topics` are those the dialogues declare (an
    /// empty set accepts any). Times in the past are not checked here: a file may hold
    /// consultations long closed.
    pub fn problems(&self, topics: &BTreeSet<String>) -> Vec<Problem> {
        let mut problems = Vec::new();
        let mut report = |field: &'static str, message: String| {
            problems.push(Problem { field, message });
        };
        if self.key.trim().is_empty() {
            report("key", "is empty".into());
        }
        let question = self.question.trim();
        if question.is_empty() {
            report("question", "is empty".into());
        } else if telegram_len(question) > QUESTION_LIMIT {
            report(
                "question",
                format!(
                    "has {} characters; a Telegram poll's question has at most {QUESTION_LIMIT}",
                    telegram_len(question)
                ),
            );
        }
        if !(MIN_OPTIONS..=MAX_OPTIONS).contains(&self.options.len()) {
            report(
                "options",
                format!(
                    "has {} option(s); a consultation has {MIN_OPTIONS} to {MAX_OPTIONS}",
                    self.options.len()
                ),
            );
        }
        let mut seen: Vec<String> = Vec::with_capacity(self.options.len());
        for (i, option) in self.options.iter().enumerate() {
            let n = i + 1;
            let option = option.trim();
            if option.is_empty() {
                report("options", format!("option {n} is empty"));
                continue;
            }
            if telegram_len(option) > OPTION_LIMIT {
                report(
                    "options",
                    format!(
                        "option {n} has {} characters; a Telegram poll's option has at most {OPTION_LIMIT}",
                        telegram_len(option)
                    ),
                );
            }
            let same = same_text(option);
            if let Some(earlier) = seen.iter().position(|s| *s == same) {
                report(
                    "options",
                    format!("option {n} is the same as option {}", earlier + 1),
                );
            }
            seen.push(same);
        }
        for topic in &self.topics {
            if !topics.is_empty() && !topics.contains(topic) {
                let known: Vec<&str> = topics.iter().map(String::as_str).collect();
                report(
                    "topics",
                    format!(
                        "unknown topic `{topic}`; the dialogues declare: {}",
                        known.join(", ")
                    ),
                );
            }
        }
        if self.closes_at <= self.opens_at {
            report("closes_at", "is not after opens_at".into());
        }
        problems
    }

    /// The definition with its texts trimmed and repeated topics dropped, as it is
    /// stored.
    pub fn tidied(mut self) -> Consultation {
        self.key = self.key.trim().to_owned();
        self.question = self.question.trim().to_owned();
        for option in &mut self.options {
            *option = option.trim().to_owned();
        }
        let mut topics: Vec<String> = Vec::with_capacity(self.topics.len());
        for topic in self.topics {
            let topic = topic.trim().to_owned();
            if !topics.contains(&topic) {
                topics.push(topic);
            }
        }
        self.topics = topics;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap_or_default()
    }

    fn consultation() -> Consultation {
        Consultation {
            key: "orari".into(),
            question: "Quale orario preferisci per lo sportello?".into(),
            options: vec!["Mattina".into(), "Pomeriggio".into()],
            topics: vec!["maturita".into()],
            opens_at: at("2027-05-01T08:00:00Z"),
            closes_at: at("2027-05-08T08:00:00Z"),
            anonymous: true,
        }
    }

    fn topics() -> BTreeSet<String> {
        ["maturita".to_owned()].into()
    }

    fn fields(c: &Consultation) -> Vec<String> {
        c.problems(&topics())
            .into_iter()
            .map(|p| format!("{}: {}", p.field, p.message))
            .collect()
    }

    #[test]
    fn a_good_consultation_has_no_problems() {
        assert_eq!(fields(&consultation()), Vec::<String>::new());
    }

    #[test]
    fn options_are_two_to_ten_within_telegrams_limit_and_different() {
        let one = Consultation {
            options: vec!["Sì".into()],
            ..consultation()
        };
        assert_eq!(
            fields(&one),
            ["options: has 1 option(s); a consultation has 2 to 10"]
        );
        let eleven = Consultation {
            options: (1..=11).map(|i| format!("Opzione {i}")).collect(),
            ..consultation()
        };
        assert_eq!(
            fields(&eleven),
            ["options: has 11 option(s); a consultation has 2 to 10"]
        );
        let bad = Consultation {
            options: vec![
                "Sì".into(),
                " ".into(),
                "x".repeat(101),
                "sì ".into(),
                "👍".into(),
                "👎".into(),
            ],
            ..consultation()
        };
        assert_eq!(
            fields(&bad),
            [
                "options: option 2 is empty",
                "options: option 3 has 101 characters; a Telegram poll's option has at most 100",
                "options: option 4 is the same as option 1",
            ]
        );
    }

    #[test]
    fn the_question_fits_a_telegram_poll_counted_as_telegram_counts() {
        // 150 emoji are 300 UTF-16 units: just fits; one more does not.
        let fits = Consultation {
            question: "📊".repeat(150),
            ..consultation()
        };
        assert!(fields(&fits).is_empty(), "{:?}", fields(&fits));
        let long = Consultation {
            question: "📊".repeat(151),
            ..consultation()
        };
        assert_eq!(
            fields(&long),
            ["question: has 302 characters; a Telegram poll's question has at most 300"]
        );
        let empty = Consultation {
            question: "  ".into(),
            key: String::new(),
            ..consultation()
        };
        assert_eq!(fields(&empty), ["key: is empty", "question: is empty"]);
    }

    #[test]
    fn topics_are_the_dialogues_and_it_closes_after_it_opens() {
        let c = Consultation {
            topics: vec!["concorsi".into()],
            closes_at: at("2027-05-01T08:00:00Z"),
            ..consultation()
        };
        assert_eq!(
            fields(&c),
            [
                "topics: unknown topic `concorsi`; the dialogues declare: maturita",
                "closes_at: is not after opens_at"
            ]
        );
        assert!(c.problems(&BTreeSet::new()).len() == 1, "any topic goes");
    }

    #[test]
    fn tidied_trims_and_drops_repeated_topics() {
        let c = Consultation {
            key: " orari ".into(),
            options: vec![" Mattina".into(), "Sera ".into()],
            topics: vec!["maturita".into(), " maturita".into()],
            ..consultation()
        }
        .tidied();
        assert_eq!(c.key, "orari");
        assert_eq!(c.options, ["Mattina", "Sera"]);
        assert_eq!(c.topics, ["maturita"]);
    }
}
