//! Checks on content before it is stored: keys unique per kind, required texts not
//! empty, categories and topics the dialogues know, and consultations within the
//! channels' limits ([`Consultation::problems`](crate::consultation::Consultation::problems)).

use std::collections::{BTreeSet, HashSet};

use super::{ContentError, ContentFile, ItemOrigin, Origins, error};
use crate::content::category_matches;
use crate::dialogue::{Action, Dialogues};

/// What content may refer to: the event categories the dialogues list and the news
/// topics they declare. An empty set accepts anything.
#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    /// Event categories (or `prefix*` patterns) that `events` actions ask for.
    pub categories: BTreeSet<String>,
    /// Topic keys the settings declare.
    pub topics: BTreeSet<String>,
}

impl Vocabulary {
    /// What the dialogues `d` refer to.
    pub fn of(d: &Dialogues) -> Vocabulary {
        let categories = d
            .states
            .iter()
            .flat_map(|s| &s.actions)
            .filter_map(|a| match a {
                Action::Events { category, .. } => Some(category.clone()),
                _ => None,
            })
            .collect();
        let topics = d.settings.topics.iter().map(|t| t.key.clone()).collect();
        Vocabulary { categories, topics }
    }
}

impl ContentFile {
    /// Every problem found, each at its item (or field) when the origin is known.
    pub(super) fn check(
        &self,
        file: &str,
        origins: &Origins,
        vocabulary: &Vocabulary,
    ) -> Vec<ContentError> {
        let mut problems = Vec::new();
        let mut report = |origin: Option<&ItemOrigin>, field: &'static str, message: String| {
            let (line, column) = origin.map_or((0, 0), |o| o.of(field));
            problems.push(error(file, line, column, format!("`{field}`: {message}")));
        };
        let mut keys = HashSet::new();
        for (i, e) in self.events.iter().enumerate() {
            let at = origins.events.get(i);
            if !keys.insert(("event", e.key.as_str())) {
                report(
                    at,
                    "key",
                    format!("`{}` is used by another event in this file", e.key),
                );
            }
            if e.key.trim().is_empty() {
                report(at, "key", "is empty".into());
            }
            if e.title.trim().is_empty() {
                report(at, "title", "is empty".into());
            }
            let listed = vocabulary
                .categories
                .iter()
                .any(|pattern| category_matches(pattern, &e.category));
            if !vocabulary.categories.is_empty() && !listed {
                let known: Vec<&str> = vocabulary.categories.iter().map(String::as_str).collect();
                report(
                    at,
                    "category",
                    format!(
                        "unknown category `{}`; the dialogues list: {}",
                        e.category,
                        known.join(", ")
                    ),
                );
            }
            if e.ends_at.is_some_and(|end| end < e.starts_at) {
                report(at, "ends_at", "is before starts_at".into());
            }
        }
        for (i, n) in self.news.iter().enumerate() {
            let at = origins.news.get(i);
            if !keys.insert(("news", n.key.as_str())) {
                report(
                    at,
                    "key",
                    format!("`{}` is used by another news item in this file", n.key),
                );
            }
            if n.title.trim().is_empty() {
                report(at, "title", "is empty".into());
            }
            if n.body.trim().is_empty() {
                report(at, "body", "is empty".into());
            }
            for topic in &n.topics {
                if !vocabulary.topics.is_empty() && !vocabulary.topics.contains(topic) {
                    let known: Vec<&str> = vocabulary.topics.iter().map(String::as_str).collect();
                    report(
                        at,
                        "topics",
                        format!(
                            "unknown topic `{topic}`; the dialogues declare: {}",
                            known.join(", ")
                        ),
                    );
                }
            }
        }
        for (i, f) in self.faqs.iter().enumerate() {
            let at = origins.faqs.get(i);
            if !keys.insert(("faq", f.key.as_str())) {
                report(
                    at,
                    "key",
                    format!("`{}` is used by another FAQ in this file", f.key),
                );
            }
            if f.question.trim().is_empty() {
                report(at, "question", "is empty".into());
            }
            if f.answer.trim().is_empty() {
                report(at, "answer", "is empty".into());
            }
        }
        for (i, c) in self.consultations.iter().enumerate() {
            let at = origins.consultations.get(i);
            if !keys.insert(("consultation", c.key.as_str())) {
                report(
                    at,
                    "key",
                    format!("`{}` is used by another consultation in this file", c.key),
                );
            }
            for problem in c.problems(&vocabulary.topics) {
                report(at, problem.field, problem.message);
            }
        }
        problems
    }
}
