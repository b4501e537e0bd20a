//! Content files: YAML (`events`, `news`, `faqs` and `consultations` lists) or CSV
//! (events, news or FAQs, one kind per file, told by its columns), checked against the
//! dialogues' categories and topics before any of it is stored. Every error names the
//! line (and column, or CSV row) and field.

mod check;
mod csv;
mod yaml;

pub use check::Vocabulary;

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{CalendarEvent, Faq, NewsItem};
use crate::consultation::Consultation;

/// The demo content bundled in the binary (`content/demo.yaml`).
pub const DEMO_CONTENT: &str = include_str!("../../content/demo.yaml");

/// Calendar, news, FAQ and consultations as staff write them; what `content import` reads,
/// `content export` writes and the demo store serves.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContentFile {
    /// Calendar events (`events:`).
    #[serde(default)]
    pub events: Vec<CalendarEvent>,
    /// News items (`news:`).
    #[serde(default)]
    pub news: Vec<NewsItem>,
    /// Frequently asked questions (`faqs:`).
    #[serde(default)]
    pub faqs: Vec<Faq>,
    /// Consultations (`consultations:`): questions put to subscribers (YAML only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub consultations: Vec<Consultation>,
}

/// A problem in a content file. `line` 0: the whole file; `column` 0: a whole line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ContentError {
    /// The file as it was named to the reader.
    pub file: String,
    /// 1-based; 0 for the whole file.
    pub line: u64,
    /// 1-based; 0 for a whole line (CSV rows).
    pub column: u64,
    /// What is wrong, naming the field, in plain words.
    pub message: String,
}

impl fmt::Display for ContentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (0, _) => write!(f, "{}: {}", self.file, self.message),
            (line, 0) => write!(f, "{}:{line}: {}", self.file, self.message),
            (line, column) => write!(f, "{}:{line}:{column}: {}", self.file, self.message),
        }
    }
}

/// Where each item and some of its fields were written, for error messages.
#[derive(Debug, Default)]
struct Origins {
    events: Vec<ItemOrigin>,
    news: Vec<ItemOrigin>,
    faqs: Vec<ItemOrigin>,
    consultations: Vec<ItemOrigin>,
}

/// Where one item starts, and where its checked fields are.
#[derive(Debug, Default, Clone)]
struct ItemOrigin {
    line: u64,
    column: u64,
    fields: HashMap<&'static str, (u64, u64)>,
}

impl ItemOrigin {
    /// Where `field` was written, else where its item starts.
    fn of(&self, field: &'static str) -> (u64, u64) {
        self.fields
            .get(field)
            .copied()
            .unwrap_or((self.line, self.column))
    }
}

impl ContentFile {
    /// The bundled demo content.
    pub fn demo() -> Result<ContentFile, Vec<ContentError>> {
        ContentFile::parse("content/demo.yaml", DEMO_CONTENT, &Vocabulary::default())
    }

    /// Reads a YAML or CSV content file and checks it against `vocabulary`.
    pub fn read(path: &Path, vocabulary: &Vocabulary) -> Result<ContentFile, Vec<ContentError>> {
        let name = path.display().to_string();
        let bytes = std::fs::read(path)
            .map_err(|err| vec![error(&name, 0, 0, format!("cannot read: {err}"))])?;
        let text = String::from_utf8(bytes)
            .map_err(|_| vec![error(&name, 0, 0, "not UTF-8 text; save it as UTF-8")])?;
        ContentFile::parse(&name, &text, vocabulary)
    }

    /// Parses `text` (CSV when `file` ends in `.csv`, else YAML) and checks it.
    pub fn parse(
        file: &str,
        text: &str,
        vocabulary: &Vocabulary,
    ) -> Result<ContentFile, Vec<ContentError>> {
        let (content, origins) = if file.ends_with(".csv") {
            csv::from_csv(file, text)?
        } else {
            yaml::from_yaml(file, text).map_err(|e| vec![e])?
        };
        let problems = content.check(file, &origins, vocabulary);
        if problems.is_empty() {
            Ok(content)
        } else {
            Err(problems)
        }
    }

    /// What `parse` would say of this content, as if read from `source` (no line
    /// numbers): for content written by other means than a file, such as the console.
    pub fn problems(&self, source: &str, vocabulary: &Vocabulary) -> Vec<ContentError> {
        self.check(source, &Origins::default(), vocabulary)
    }

    /// The content as YAML, in the import format.
    pub fn to_yaml(&self) -> Result<String, String> {
        serde_saphyr::to_string(self).map_err(|e| e.to_string())
    }
}

/// A `ContentError` at `line`:`column` of `file`.
fn error(file: &str, line: u64, column: u64, message: impl Into<String>) -> ContentError {
    ContentError {
        file: file.to_owned(),
        line,
        column,
        message: message.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocabulary() -> Vocabulary {
        Vocabulary {
            categories: ["maturita".to_owned()].into(),
            topics: ["maturita".to_owned(), "generale".to_owned()].into(),
        }
    }

    #[test]
    fn yaml_errors_name_line_column_and_field() {
        let text = "events:\n  - key: a\n    category: matruita\n    title: Prima prova\n    starts_at: 2027-06-16 08:30\n";
        let errors = ContentFile::parse("c.yaml", text, &vocabulary())
            .err()
            .unwrap_or_default();
        assert_eq!(errors.len(), 1);
        assert_eq!((errors[0].line, errors[0].column), (3, 15));
        assert!(
            errors[0]
                .message
                .starts_with("`category`: unknown category `matruita`"),
            "{}",
            errors[0]
        );

        let text = "events:\n  - key: a\n    category: maturita\n    title: Prima prova\n    starts_at: 2027-13-16 08:30\n";
        let errors = ContentFile::parse("c.yaml", text, &vocabulary())
            .err()
            .unwrap_or_default();
        assert_eq!(errors[0].line, 5, "{}", errors[0]);
        assert!(errors[0].message.contains("not a date"), "{}", errors[0]);

        let text = "events:\n  - key: a\n    category: maturita\n    starts_at: 2027-06-16 08:30\n";
        let errors = ContentFile::parse("c.yaml", text, &vocabulary())
            .err()
            .unwrap_or_default();
        assert!(
            errors[0].message.contains("`title:` is missing"),
            "{}",
            errors[0]
        );
        assert!(
            (2..=4).contains(&errors[0].line),
            "within the item: {}",
            errors[0]
        );
    }

    #[test]
    fn csv_kinds_rows_and_errors() {
        let text = "key,category,title,starts_at\nprima,maturita,\"Prima prova, italiano\",2027-06-16 08:30\n";
        let content = ContentFile::parse("e.csv", text, &vocabulary()).unwrap_or_default();
        assert_eq!(content.events.len(), 1);
        assert_eq!(content.events[0].title, "Prima prova, italiano");

        let text = "key,category,title,starts_at\nok,maturita,Ok,2027-06-16 08:30\nbad,maturita,,2027-06-16\nworse,maturita,X,domani\n";
        let errors = ContentFile::parse("e.csv", text, &vocabulary())
            .err()
            .unwrap_or_default();
        let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "e.csv:3: `title`: is missing",
                "e.csv:4: `starts_at`: not a date: `domani` (write 2027-06-16 08:30, Italian time, or 2027-06-16T08:30:00+02:00)"
            ]
        );

        let text = "key,question,answer,keywords\nf1,Quando?,Presto.,quando;data\n";
        let content = ContentFile::parse("f.csv", text, &vocabulary()).unwrap_or_default();
        assert_eq!(content.faqs[0].keywords, ["quando", "data"]);

        let text = "key,title,body,topics,published_at\nn1,T,B,concorsi,2026-11-20\n";
        let errors = ContentFile::parse("n.csv", text, &vocabulary())
            .err()
            .unwrap_or_default();
        assert_eq!(errors[0].line, 2);
        assert!(errors[0].message.contains("unknown topic `concorsi`"));

        assert!(ContentFile::parse("x.csv", "a,b\n1,2\n", &vocabulary()).is_err());
    }

    #[test]
    fn export_reimports_identically() {
        let text = "events:\n  - key: a\n    category: maturita\n    title: \"Prova 'uno' <b>&</b> 🎓\"\n    starts_at: 2027-06-16 08:30\nfaqs:\n  - key: f\n    question: Q?\n    answer: A.\n";
        let content = ContentFile::parse("c.yaml", text, &vocabulary()).unwrap_or_default();
        let yaml = content.to_yaml().unwrap_or_default();
        let again = ContentFile::parse("again.yaml", &yaml, &vocabulary()).unwrap_or_default();
        assert_eq!(content, again);
        assert_eq!(again.events[0].title, "Prova 'uno' <b>&</b> 🎓");
    }
}
