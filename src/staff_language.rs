//! The language the staff tools speak (`check`, `test`, `graph` and the CLI's own
//! messages): Italian when the locale is Italian or `--lang it` is given, English
//! otherwise. Citizens' languages are the dialogues' business, not this module's.

use std::sync::OnceLock;

/// A language staff read findings and reports in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StaffLanguage {
    /// The fallback for any locale that is not Italian.
    #[default]
    English,
    /// `LANG=it_IT.UTF-8` and friends, or `--lang it`.
    Italian,
}

static CHOSEN: OnceLock<StaffLanguage> = OnceLock::new();

impl StaffLanguage {
    /// `it`, `it_IT.UTF-8`, `it-CH` → Italian; `en…`, `C`, `POSIX` → English; else `None`.
    pub fn parse(code: &str) -> Option<StaffLanguage> {
        let lower = code.trim().to_ascii_lowercase();
        let primary = lower.split(['_', '-', '.', '@']).next().unwrap_or_default();
        match primary {
            "it" | "ita" | "italian" | "italiano" => Some(StaffLanguage::Italian),
            "en" | "eng" | "english" | "c" | "posix" => Some(StaffLanguage::English),
            _ => None,
        }
    }

    /// The language the locale asks for: the first of `LC_ALL`, `LC_MESSAGES` and `LANG`
    /// that is set and not empty, as POSIX orders them; English when none says Italian.
    pub fn from_locale(var: impl Fn(&str) -> Option<String>) -> StaffLanguage {
        ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|name| var(name))
            .find(|value| !value.trim().is_empty())
            .and_then(|value| StaffLanguage::parse(&value))
            .unwrap_or_default()
    }

    /// Fixes the language for the rest of the process (the CLI calls it once, from
    /// `--lang` or the locale). Later calls change nothing.
    pub fn choose(language: StaffLanguage) {
        let _ = CHOSEN.set(language);
    }

    /// The language chosen at start, else the locale's.
    pub fn current() -> StaffLanguage {
        *CHOSEN.get_or_init(|| StaffLanguage::from_locale(|name| std::env::var(name).ok()))
    }

    /// The text for this language out of an English and an Italian one.
    pub fn pick<'a>(self, english: &'a str, italian: &'a str) -> &'a str {
        match self {
            StaffLanguage::English => english,
            StaffLanguage::Italian => italian,
        }
    }
}

/// A message for staff in English and, where written, Italian.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Always present: logs and English-speaking staff read it.
    pub english: String,
    /// The same in Italian; `None` shows the English text.
    pub italian: Option<String>,
}

impl Message {
    /// A message in both languages.
    pub fn new(english: impl Into<String>, italian: impl Into<String>) -> Message {
        Message {
            english: english.into(),
            italian: Some(italian.into()),
        }
    }

    /// The text in `language` (English where no Italian was written).
    pub fn in_language(&self, language: StaffLanguage) -> &str {
        match (language, &self.italian) {
            (StaffLanguage::Italian, Some(italian)) => italian,
            _ => &self.english,
        }
    }

    /// The text in the language chosen for this process.
    pub fn current(&self) -> &str {
        self.in_language(StaffLanguage::current())
    }
}

impl From<String> for Message {
    fn from(english: String) -> Message {
        Message {
            english,
            italian: None,
        }
    }
}

impl From<&str> for Message {
    fn from(english: &str) -> Message {
        Message::from(english.to_owned())
    }
}

/// `say!("english {x}", "italiano {x}")`: a [`Message`] formatted in both languages.
#[macro_export]
macro_rules! say {
    ($english:literal, $italian:literal $(,)?) => {
        $crate::staff_language::Message::new(format!($english), format!($italian))
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn italian_locales_and_codes_choose_italian() {
        for code in ["it", "it_IT.UTF-8", "it-CH", "IT_it", "italiano"] {
            assert_eq!(
                StaffLanguage::parse(code),
                Some(StaffLanguage::Italian),
                "{code}"
            );
        }
        for code in ["en", "en_GB.UTF-8", "C", "POSIX", "C.UTF-8"] {
            assert_eq!(
                StaffLanguage::parse(code),
                Some(StaffLanguage::English),
                "{code}"
            );
        }
        assert_eq!(StaffLanguage::parse("de_DE"), None);
    }

    #[test]
    fn lc_all_wins_over_lang_and_empty_values_are_skipped() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        let italian = StaffLanguage::Italian;
        assert_eq!(
            StaffLanguage::from_locale(env(&[("LANG", "it_IT.UTF-8")])),
            italian
        );
        assert_eq!(
            StaffLanguage::from_locale(env(&[("LC_ALL", "C"), ("LANG", "it_IT.UTF-8")])),
            StaffLanguage::English
        );
        assert_eq!(
            StaffLanguage::from_locale(env(&[("LC_ALL", ""), ("LANG", "it_IT.UTF-8")])),
            italian
        );
        assert_eq!(StaffLanguage::from_locale(env(&[])), StaffLanguage::English);
        assert_eq!(
            StaffLanguage::from_locale(env(&[("LANG", "de_DE.UTF-8")])),
            StaffLanguage::English
        );
    }

    #[test]
    fn messages_fall_back_to_english_where_no_italian_was_written() {
        let x = 3;
        let both = say!("{x} errors", "{x} errori");
        assert_eq!(both.in_language(StaffLanguage::Italian), "3 errori");
        assert_eq!(both.in_language(StaffLanguage::English), "3 errors");
        let english = Message::from("only English");
        assert_eq!(english.in_language(StaffLanguage::Italian), "only English");
    }
}
