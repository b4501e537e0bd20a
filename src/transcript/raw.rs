//! The shape of a transcript file as staff write it, every value with the place it
//! was written, so that a failure can name its line. Nothing is checked here beyond
//! what serde enforces (types, unknown keys); `load` checks the rest.

use std::fmt;

use chrono::{DateTime, FixedOffset};
use serde::Deserialize;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use super::report::{Finding, Place};
use crate::dialogue::SourceFile;
use crate::say;

/// The keys of a turn, side by side: one found inside another is named as indented
/// too far.
const TURN_KEYS: &[&str] = &[
    "send",
    "press",
    "says",
    "says_exact",
    "says_regex",
    "not_says",
    "buttons",
    "state",
    "silent",
];

/// A transcript file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTranscript {
    #[serde(default)]
    pub(super) name: Option<String>,
    #[serde(default)]
    pub(super) lang: Option<String>,
    #[serde(default)]
    pub(super) now: Option<DateTime<FixedOffset>>,
    pub(super) turns: Spanned<Vec<Spanned<RawTurn>>>,
}

/// One turn: what the citizen does, then what the bot must answer.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTurn {
    #[serde(default)]
    pub(super) send: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) press: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) says: Texts,
    #[serde(default)]
    pub(super) says_exact: Texts,
    #[serde(default)]
    pub(super) says_regex: Texts,
    #[serde(default)]
    pub(super) not_says: Texts,
    #[serde(default)]
    pub(super) buttons: Texts,
    #[serde(default)]
    pub(super) state: Option<Spanned<String>>,
    /// `silent: true`: the bot says nothing (the citizen is talking to a person).
    #[serde(default)]
    pub(super) silent: Option<Spanned<bool>>,
}

/// A list of texts, or one text on its own (`says: Prima prova`), each with its place.
#[derive(Debug, Default)]
pub(super) struct Texts(pub(super) Vec<Spanned<String>>);

/// What `Texts` reads before the lone text is given the place of the whole value.
enum OneOrList {
    One(String),
    List(Vec<Spanned<String>>),
}

impl<'de> Deserialize<'de> for Texts {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let written = Spanned::<OneOrList>::deserialize(deserializer)?;
        Ok(Texts(match written.value {
            OneOrList::One(text) => vec![Spanned::new(text, written.referenced, written.defined)],
            OneOrList::List(texts) => texts,
        }))
    }
}

impl<'de> Deserialize<'de> for OneOrList {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OneOrListVisitor;

        impl<'de> Visitor<'de> for OneOrListVisitor {
            type Value = OneOrList;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a text, or a list of texts such as [\"Prima prova\", \"ore 8:30\"]")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<OneOrList, E> {
                Ok(OneOrList::One(v.to_owned()))
            }

            // `says: 2027` reads as a number; what is meant is its digits.
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<OneOrList, E> {
                Ok(OneOrList::One(v.to_string()))
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<OneOrList, E> {
                Ok(OneOrList::One(v.to_string()))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<OneOrList, A::Error> {
                let mut texts = Vec::new();
                while let Some(text) = seq.next_element()? {
                    texts.push(text);
                }
                Ok(OneOrList::List(texts))
            }
        }

        deserializer.deserialize_any(OneOrListVisitor)
    }
}

/// Reads `file`; a mistake comes back at the line where it starts, in plain words.
pub(super) fn parse(file: &SourceFile) -> Result<RawTranscript, Finding> {
    let text = std::str::from_utf8(&file.bytes).map_err(|_| Finding {
        place: Place::UNKNOWN,
        message: say!(
            "this file is not UTF-8 text; save it as UTF-8",
            "questo file non è testo UTF-8; salvalo come UTF-8"
        ),
        details: Vec::new(),
    })?;
    crate::yaml::from_str_knowing(text, TURN_KEYS).map_err(|err| Finding {
        place: Place {
            line: err.line,
            column: err.column,
        },
        message: err.message(),
        details: Vec::new(),
    })
}
