//! Reading staff-written YAML with serde-saphyr: one place that sets the options and
//! turns a parse error into a line, a column and a message (without serde-saphyr's
//! own location text, since callers print `file:line:col`).

mod hints;

use serde::de::DeserializeOwned;

use crate::staff_language::Message;

/// A YAML file that could not be read into the expected shape. Line and column start
/// at 1; 0 when unknown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    /// 1-based; 0 when unknown.
    pub line: u64,
    /// 1-based; 0 when unknown.
    pub column: u64,
    /// What is wrong and what to do, without a location (callers add `file:line:col`).
    pub message: String,
    /// The same in Italian, where written.
    pub italian: Option<String>,
}

impl YamlError {
    /// The message in both languages.
    pub fn message(&self) -> Message {
        Message {
            english: self.message.clone(),
            italian: self.italian.clone(),
        }
    }
}

/// Parses `text` into `T`. A mistake is reported where it starts, in plain words
/// (see `hints`), rather than where the parser gave up.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, YamlError> {
    from_str_knowing(text, &[])
}

/// [`from_str`] for a format whose `keys` sit side by side in one mapping: one of them
/// found inside another is named as indented too far.
pub fn from_str_knowing<T: DeserializeOwned>(text: &str, keys: &[&str]) -> Result<T, YamlError> {
    let options = serde_saphyr::options! { with_snippet: false };
    serde_saphyr::from_str_with_options(text, options).map_err(|err| {
        let (line, column) = err.location().map_or((0, 0), |l| (l.line(), l.column()));
        let hint = hints::explain(text, line, column, &message_of(&err), keys);
        YamlError {
            line: hint.line,
            column: hint.column,
            message: hint.message.english,
            italian: hint.message.italian,
        }
    })
}

/// The parser's first line, without its location (`hints` words it for staff).
fn message_of(err: &serde_saphyr::Error) -> String {
    let text = err.without_snippet().to_string();
    let first = text.lines().next().unwrap_or("invalid YAML").trim();
    let cleaned = first.rfind(" at line ").map_or(first, |i| &first[..i]);
    cleaned.to_owned()
}
