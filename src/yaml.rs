//! Reading staff-written YAML with serde-saphyr: one place that sets the options and
//! turns a parse error into a line, a column and a message (without serde-saphyr's
//! own location text, since callers print `file:line:col`).

use serde::de::DeserializeOwned;

/// A YAML file that could not be read into the expected shape. Line and column start
/// at 1; 0 when unknown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    /// 1-based; 0 when unknown.
    pub line: u64,
    /// 1-based; 0 when unknown.
    pub column: u64,
    /// What is wrong, without a location (callers add `file:line:col`).
    pub message: String,
}

/// Parses `text` into `T`.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, YamlError> {
    let options = serde_saphyr::options! { with_snippet: false };
    serde_saphyr::from_str_with_options(text, options).map_err(|err| {
        let (line, column) = err.location().map_or((0, 0), |l| (l.line(), l.column()));
        YamlError {
            line,
            column,
            message: message_of(&err),
        }
    })
}

fn message_of(err: &serde_saphyr::Error) -> String {
    let text = err.without_snippet().to_string();
    let first = text.lines().next().unwrap_or("invalid YAML").trim();
    let cleaned = first.rfind(" at line ").map_or(first, |i| &first[..i]);
    match cleaned.strip_prefix("duplicate mapping key: ") {
        Some(rest) => {
            let key = rest.split(',').next().unwrap_or(rest);
            format!("`{key}` is written twice here; each key may appear once")
        }
        None => cleaned.to_owned(),
    }
}
