//! Content citizens ask about: calendar events, news, FAQ. The types, the rules of
//! what is current, and the in-memory FAQ search. `file` reads and checks the content
//! files staff import (YAML or CSV) and the bundled `content/demo.yaml`.

mod file;

pub use file::{ContentError, ContentFile, DEMO_CONTENT, Vocabulary, parse_when};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::text::normalize;

/// A dated event: an exam, a test, a deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarEvent {
    /// Stable key: re-importing the same key updates, never duplicates.
    pub key: String,
    pub category: String,
    pub title: String,
    #[serde(with = "file::when")]
    pub starts_at: DateTime<Utc>,
    #[serde(default, with = "file::when_opt")]
    pub ends_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub place: Option<String>,
    #[serde(default)]
    pub details: Option<String>,
    #[serde(default)]
    pub link: Option<String>,
    /// After this the event is no longer shown (default: when it ends).
    #[serde(default, with = "file::when_opt")]
    pub valid_until: Option<DateTime<Utc>>,
}

/// Whether an event category matches a dialogue's `category`: equal, or for a
/// pattern ending in `*` (`maturita-*`), starting with what comes before it.
pub fn category_matches(pattern: &str, category: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => category.starts_with(prefix),
        None => pattern == category,
    }
}

impl CalendarEvent {
    /// Whether it is still worth showing at `now`: not over and not past `valid_until`.
    pub fn is_current(&self, now: DateTime<Utc>) -> bool {
        let until = self
            .valid_until
            .unwrap_or_else(|| self.ends_at.unwrap_or(self.starts_at));
        until > now
    }
}

/// A news item for subscribers of its topics.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewsItem {
    pub key: String,
    pub title: String,
    pub body: String,
    #[serde(default)]
    pub topics: Vec<String>,
    #[serde(default)]
    pub link: Option<String>,
    #[serde(with = "file::when")]
    pub published_at: DateTime<Utc>,
    #[serde(default, with = "file::when_opt")]
    pub expires_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub author: Option<String>,
}

impl NewsItem {
    /// Published by `now` and not expired.
    pub fn is_current(&self, now: DateTime<Utc>) -> bool {
        self.published_at <= now && self.expires_at.is_none_or(|e| e > now)
    }
}

/// A frequently asked question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Faq {
    pub key: String,
    pub question: String,
    pub answer: String,
    #[serde(default)]
    pub keywords: Vec<String>,
    #[serde(default = "default_lang")]
    pub lang: String,
}

fn default_lang() -> String {
    "it".to_owned()
}

/// Italian words too common to tell one question from another.
const STOPWORDS: &[&str] = &[
    "il", "lo", "la", "i", "gli", "le", "un", "uno", "una", "di", "a", "da", "in", "con", "su",
    "per", "tra", "fra", "e", "ed", "o", "che", "chi", "come", "dove", "quando", "quale", "quali",
    "cosa", "del", "dello", "della", "dei", "degli", "delle", "al", "allo", "alla", "ai", "agli",
    "alle", "dal", "dalla", "nel", "nella", "sul", "sulla", "mi", "ti", "si", "ci", "vi", "non",
    "e", "sono", "posso", "devo", "puo", "the", "and", "for", "what", "when", "how", "is", "are",
    "esce", "ciao", "grazie",
];

/// Minimum score for a FAQ to count as the answer (a keyword is worth 3, a word of the
/// question 1): one keyword plus one more clue.
const FAQ_THRESHOLD: u32 = 4;

/// The best FAQ for `text` by keyword overlap, if good enough. The in-memory
/// counterpart of the Postgres full-text search.
pub fn best_faq<'a>(faqs: &'a [Faq], text: &str, lang: &str) -> Option<&'a Faq> {
    let words: Vec<String> = normalize(text)
        .split(' ')
        .filter(|w| w.chars().count() >= 3 && !STOPWORDS.contains(w))
        .map(str::to_owned)
        .collect();
    if words.is_empty() {
        return None;
    }
    faqs.iter()
        .map(|faq| {
            (
                score(faq, &words) + u32::from(faq.lang == lang && score(faq, &words) > 0),
                faq,
            )
        })
        .filter(|(score, _)| *score >= FAQ_THRESHOLD)
        // On a tie the FAQ written first wins (max_by_key would pick the last).
        .fold(None, |best: Option<(u32, &Faq)>, (score, faq)| match best {
            Some((top, _)) if top >= score => best,
            _ => Some((score, faq)),
        })
        .map(|(_, faq)| faq)
}

fn score(faq: &Faq, words: &[String]) -> u32 {
    let keywords: Vec<String> = faq.keywords.iter().map(|k| normalize(k)).collect();
    let question = normalize(&faq.question);
    let question_words: Vec<&str> = question.split(' ').collect();
    words
        .iter()
        .map(|w| {
            if keywords.iter().any(|k| same_stem(k, w)) {
                3
            } else if question_words.iter().any(|q| same_stem(q, w)) {
                1
            } else {
                0
            }
        })
        .sum()
}

/// Equal, or sharing the first five letters (iscrizione / iscriversi).
fn same_stem(a: &str, b: &str) -> bool {
    a == b || (a.len() >= 5 && b.len() >= 5 && a.chars().take(5).eq(b.chars().take(5)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn faq(key: &str, question: &str, keywords: &[&str]) -> Faq {
        Faq {
            key: key.into(),
            question: question.into(),
            answer: format!("answer {key}"),
            keywords: keywords.iter().map(|k| k.to_string()).collect(),
            lang: "it".into(),
        }
    }

    #[test]
    fn faq_search_finds_the_right_question_and_refuses_nonsense() {
        let faqs = vec![
            faq(
                "medicina",
                "Quando esce il bando per il test di medicina?",
                &["medicina", "bando", "test"],
            ),
            faq(
                "portare",
                "Cosa devo portare alla maturità?",
                &["portare", "documento", "maturita"],
            ),
        ];
        let hit = best_faq(&faqs, "quando esce il bando di medicina?", "it");
        assert_eq!(hit.map(|f| f.key.as_str()), Some("medicina"));
        let hit = best_faq(&faqs, "cosa porto alla maturita", "it");
        assert_eq!(hit.map(|f| f.key.as_str()), Some("portare"));
        assert_eq!(best_faq(&faqs, "xyzzy", "it"), None);
        assert_eq!(best_faq(&faqs, "ciao come stai", "it"), None);
        assert_eq!(best_faq(&faqs, "", "it"), None);
    }

    #[test]
    fn on_a_tie_the_first_faq_wins() {
        let faqs = vec![
            faq("a", "Prima?", &["bando", "medicina"]),
            faq("b", "Seconda?", &["bando", "medicina"]),
        ];
        assert_eq!(
            best_faq(&faqs, "bando medicina", "it").map(|f| f.key.as_str()),
            Some("a")
        );
    }

    #[test]
    fn categories_match_exactly_or_by_prefix() {
        assert!(category_matches("maturita", "maturita"));
        assert!(!category_matches("maturita", "maturita-prima"));
        assert!(category_matches("maturita-*", "maturita-prima"));
        assert!(!category_matches("maturita-*", "ammissione-medicina"));
    }

    #[test]
    fn events_and_news_expire() {
        let now: DateTime<Utc> = "2027-06-20T10:00:00Z".parse().unwrap_or_default();
        let event = CalendarEvent {
            key: "k".into(),
            category: "maturita".into(),
            title: "Prima prova".into(),
            starts_at: "2027-06-16T06:30:00Z".parse().unwrap_or_default(),
            ends_at: None,
            place: None,
            details: None,
            link: None,
            valid_until: None,
        };
        assert!(!event.is_current(now));
        let later = CalendarEvent {
            valid_until: Some("2027-06-30T00:00:00Z".parse().unwrap_or_default()),
            ..event
        };
        assert!(later.is_current(now));
    }

    #[test]
    fn the_demo_content_fits_the_bundled_dialogues() {
        let (dialogues, report) = crate::dialogue::load(&crate::dialogue::bundled_files());
        let Some(dialogues) = dialogues else {
            panic!("{}", report.render_text())
        };
        let demo = ContentFile::parse(
            "content/demo.yaml",
            DEMO_CONTENT,
            &Vocabulary::of(&dialogues),
        );
        assert!(demo.is_ok(), "{demo:?}");
        let demo = demo.unwrap_or_default();
        assert!(demo.faqs.len() >= 15);
        assert!(demo.events.iter().any(|e| e.category == "maturita-prima"));
        assert!(
            demo.events
                .iter()
                .any(|e| e.category == "ammissione-medicina")
        );
    }
}
