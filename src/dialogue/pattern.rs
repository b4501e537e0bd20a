//! A staff regex: checked when the dialogues load, compiled the first time it is used.
//!
//! Parsing finds every syntax error in microseconds; building the matcher costs tens of
//! microseconds per pattern, which adds up to most of a load with thousands of rules.
//! Deferring it keeps `check` and reloads fast; each pattern is still built only once.

use std::fmt;
use std::sync::OnceLock;

use regex::{Regex, RegexBuilder};

/// Largest compiled regex; a staff regex is a few hundred bytes.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// A staff regex, checked but compiled only when first matched.
pub struct Pattern {
    source: String,
    compiled: OnceLock<Option<Regex>>,
}

impl fmt::Debug for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Pattern").field(&self.source).finish()
    }
}

impl Pattern {
    /// Checks the syntax; the error is the regex library's reason, one line.
    pub fn parse(source: &str) -> Result<Pattern, String> {
        regex_syntax::Parser::new().parse(source).map_err(|err| {
            let text = err.to_string();
            text.lines()
                .rev()
                .find_map(|l| l.trim().strip_prefix("error: "))
                .unwrap_or(text.trim())
                .to_owned()
        })?;
        Ok(Pattern {
            source: source.to_owned(),
            compiled: OnceLock::new(),
        })
    }

    /// Whether the pattern matches somewhere in `text`. A pattern too large to build
    /// (past the size limit) matches nothing.
    pub fn is_match(&self, text: &str) -> bool {
        self.regex().is_some_and(|re| re.is_match(text))
    }

    /// The compiled regex, built on first use.
    pub fn regex(&self) -> Option<&Regex> {
        self.compiled
            .get_or_init(|| {
                RegexBuilder::new(&self.source)
                    .size_limit(REGEX_SIZE_LIMIT)
                    .build()
                    .ok()
            })
            .as_ref()
    }

    /// The regex as staff wrote it.
    pub fn as_str(&self) -> &str {
        &self.source
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_errors_are_found_without_building() {
        assert_eq!(
            Pattern::parse("(unclosed").err().as_deref(),
            Some("unclosed group")
        );
        assert!(Pattern::parse(r"(?i)\bprima prova\b").is_ok());
    }

    #[test]
    fn matching_builds_once_and_oversized_patterns_match_nothing() {
        let p = Pattern::parse(r"(?i)\bquando\b").unwrap_or_else(|e| panic!("{e}"));
        assert!(p.is_match("Quando è la prova?"));
        assert!(!p.is_match("quandoo"));
        let huge = Pattern::parse("a{1000}{1000}").unwrap_or_else(|e| panic!("{e}"));
        assert!(!huge.is_match("aaaa"));
    }
}
