//! Content files in YAML: the content itself, and a second read for where each item
//! and the checked fields were written, so errors can point at them.

use std::collections::HashMap;

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::{ContentError, ContentFile, ItemOrigin, Origins, error};

/// The positions of the fields that checks look at, read alongside the content.
#[derive(Deserialize)]
struct SpannedFile {
    #[serde(default)]
    events: Vec<Spanned<SpannedItem>>,
    #[serde(default)]
    news: Vec<Spanned<SpannedItem>>,
    #[serde(default)]
    faqs: Vec<Spanned<SpannedItem>>,
    #[serde(default)]
    consultations: Vec<Spanned<SpannedItem>>,
}

#[derive(Deserialize)]
struct SpannedItem {
    #[serde(default)]
    key: Option<Spanned<serde::de::IgnoredAny>>,
    #[serde(default)]
    category: Option<Spanned<serde::de::IgnoredAny>>,
    #[serde(default)]
    title: Option<Spanned<serde::de::IgnoredAny>>,
    #[serde(default)]
    body: Option<Spanned<serde::de::IgnoredAny>>,
    #[serde(default)]
    topics: Option<Spanned<serde::de::IgnoredAny>>,
    #[serde(default)]
    ends_at: Option<Spanned<serde::de::IgnoredAny>>,
    #[serde(default)]
    question: Option<Spanned<serde::de::IgnoredAny>>,
    #[serde(default)]
    answer: Option<Spanned<serde::de::IgnoredAny>>,
    #[serde(default)]
    options: Option<Spanned<serde::de::IgnoredAny>>,
    #[serde(default)]
    closes_at: Option<Spanned<serde::de::IgnoredAny>>,
}

/// Where each item and its checked fields start.
fn origins_of(items: Vec<Spanned<SpannedItem>>) -> Vec<ItemOrigin> {
    items
        .into_iter()
        .map(|item| {
            let mut fields = HashMap::new();
            let v = &item.value;
            for (name, span) in [
                ("key", &v.key),
                ("category", &v.category),
                ("title", &v.title),
                ("body", &v.body),
                ("topics", &v.topics),
                ("ends_at", &v.ends_at),
                ("question", &v.question),
                ("answer", &v.answer),
                ("options", &v.options),
                ("closes_at", &v.closes_at),
            ] {
                if let Some(span) = span {
                    fields.insert(name, (span.referenced.line(), span.referenced.column()));
                }
            }
            ItemOrigin {
                line: item.referenced.line(),
                column: item.referenced.column(),
                fields,
            }
        })
        .collect()
}

/// Reads the content; a second, lenient read finds positions (none if it fails).
pub(super) fn from_yaml(file: &str, text: &str) -> Result<(ContentFile, Origins), ContentError> {
    if text.trim().is_empty() {
        return Ok((ContentFile::default(), Origins::default()));
    }
    let content: ContentFile =
        crate::yaml::from_str(text).map_err(|e| error(file, e.line, e.column, e.message))?;
    let origins = match crate::yaml::from_str::<SpannedFile>(text) {
        Ok(spans) => Origins {
            events: origins_of(spans.events),
            news: origins_of(spans.news),
            faqs: origins_of(spans.faqs),
            consultations: origins_of(spans.consultations),
        },
        Err(_) => Origins::default(),
    };
    Ok((content, origins))
}
