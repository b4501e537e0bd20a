//! Content citizens ask about: calendar events, news, FAQ. The types and the rules of
//! what is current; `faq_search` finds a FAQ in memory; `file` reads and checks the
//! content files staff import (YAML or CSV) and the bundled `content/demo.yaml`;
//! `when` reads the times staff write.

mod file;
pub(crate) mod when;

pub use file::{ContentError, ContentFile, DEMO_CONTENT, Vocabulary};
pub use when::parse_when;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A dated event: an exam, a test, a deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarEvent {
    /// Stable key: re-importing the same key updates, never duplicates.
    pub key: String,
    /// What dialogues select it by (`events: { category }`), e.g. `maturita-prima`.
    pub category: String,
    /// What citizens see in the list.
    pub title: String,
    /// When it starts (stored in UTC, written in Italian time).
    #[serde(with = "when::required")]
    pub starts_at: DateTime<Utc>,
    /// When it ends, if it lasts; never before `starts_at`.
    #[serde(default, with = "when::optional")]
    pub ends_at: Option<DateTime<Utc>>,
    /// Where it happens.
    #[serde(default)]
    pub place: Option<String>,
    /// More words for the citizen.
    #[serde(default)]
    pub details: Option<String>,
    /// Where to read the official notice.
    #[serde(default)]
    pub link: Option<String>,
    /// After this the event is no longer shown (default: when it ends).
    #[serde(default, with = "when::optional")]
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
    /// Stable key: re-importing the same key updates, never duplicates.
    pub key: String,
    /// The headline.
    pub title: String,
    /// The text; the relay trims it to the channel's limit.
    pub body: String,
    /// Keys of the topics whose subscribers receive it.
    #[serde(default)]
    pub topics: Vec<String>,
    /// Where to read it all.
    #[serde(default)]
    pub link: Option<String>,
    /// From when it is shown and sent.
    #[serde(with = "when::required")]
    pub published_at: DateTime<Utc>,
    /// After this it is no longer shown.
    #[serde(default, with = "when::optional")]
    pub expires_at: Option<DateTime<Utc>>,
    /// Who wrote it, for staff; citizens do not see it.
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
    /// Stable key: re-importing the same key updates, never duplicates.
    pub key: String,
    /// The question as citizens would ask it; its words count in the search.
    pub question: String,
    /// The reply, plain text.
    pub answer: String,
    /// Words that point to it strongly (each worth more than a question word).
    #[serde(default)]
    pub keywords: Vec<String>,
    /// The language it is written in (default `it`).
    #[serde(default = "default_lang")]
    pub lang: String,
    /// Other ways citizens ask it, as staff wrote them.
    #[serde(default)]
    pub examples: Vec<String>,
}

fn default_lang() -> String {
    "it".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

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
        // What the dialogues answer is not repeated as a FAQ; the rest is.
        assert!(demo.faqs.len() >= 8, "{} FAQs", demo.faqs.len());
        assert!(
            demo.faqs.iter().all(|f| !f.examples.is_empty()),
            "every FAQ has examples"
        );
        assert!(demo.events.iter().any(|e| e.category == "maturita-prima"));
        assert!(
            demo.events
                .iter()
                .any(|e| e.category == "ammissione-medicina")
        );
    }
}
