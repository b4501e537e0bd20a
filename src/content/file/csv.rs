//! Content files in CSV: one kind per file (events, news or FAQs), told by the
//! header; every problem names its row.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::{ContentError, ContentFile, ItemOrigin, Origins, error};
use crate::content::{CalendarEvent, Faq, NewsItem, parse_when};

/// What a CSV file holds, told by its columns.
#[derive(Clone, Copy)]
enum CsvKind {
    Events,
    News,
    Faqs,
}

/// The columns an events file may have.
const EVENT_COLUMNS: &[&str] = &[
    "key",
    "category",
    "title",
    "starts_at",
    "ends_at",
    "place",
    "details",
    "link",
    "valid_until",
];
/// The columns a news file may have.
const NEWS_COLUMNS: &[&str] = &[
    "key",
    "title",
    "body",
    "topics",
    "link",
    "published_at",
    "expires_at",
    "author",
];
/// The columns a FAQ file may have.
const FAQ_COLUMNS: &[&str] = &["key", "question", "answer", "keywords", "lang", "examples"];

/// Reads every row by the kind the header tells; all bad rows are reported at once.
pub(super) fn from_csv(
    file: &str,
    text: &str,
) -> Result<(ContentFile, Origins), Vec<ContentError>> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| {
            vec![error(
                file,
                1,
                0,
                format!("cannot read the header row: {e}"),
            )]
        })?
        .iter()
        .map(|h| h.to_lowercase())
        .collect();
    let has = |name: &str| headers.iter().any(|h| h == name);
    let (kind, allowed) = if has("question") {
        (CsvKind::Faqs, FAQ_COLUMNS)
    } else if has("body") {
        (CsvKind::News, NEWS_COLUMNS)
    } else if has("starts_at") || has("category") {
        (CsvKind::Events, EVENT_COLUMNS)
    } else {
        return Err(vec![error(
            file,
            1,
            0,
            format!(
                "cannot tell what this CSV holds; its header must name the columns of events ({}), news ({}) or FAQs ({})",
                EVENT_COLUMNS.join(","),
                NEWS_COLUMNS.join(","),
                FAQ_COLUMNS.join(",")
            ),
        )]);
    };
    let mut problems = Vec::new();
    for header in &headers {
        if !allowed.contains(&header.as_str()) {
            problems.push(error(
                file,
                1,
                0,
                format!(
                    "unknown column `{header}`; expected: {}",
                    allowed.join(", ")
                ),
            ));
        }
    }
    let mut content = ContentFile::default();
    let mut origins = Origins::default();
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                problems.push(error(file, line, 0, format!("unreadable row: {e}")));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        let row = Row {
            file,
            line,
            headers: &headers,
            record: &record,
        };
        let origin = ItemOrigin {
            line,
            column: 0,
            fields: HashMap::new(),
        };
        match kind {
            CsvKind::Events => match row.event() {
                Ok(e) => {
                    content.events.push(e);
                    origins.events.push(origin);
                }
                Err(e) => problems.push(e),
            },
            CsvKind::News => match row.news() {
                Ok(n) => {
                    content.news.push(n);
                    origins.news.push(origin);
                }
                Err(e) => problems.push(e),
            },
            CsvKind::Faqs => match row.faq() {
                Ok(f) => {
                    content.faqs.push(f);
                    origins.faqs.push(origin);
                }
                Err(e) => problems.push(e),
            },
        }
    }
    if problems.is_empty() {
        Ok((content, origins))
    } else {
        Err(problems)
    }
}

/// One CSV row, read by column name.
struct Row<'a> {
    file: &'a str,
    line: u64,
    headers: &'a [String],
    record: &'a csv::StringRecord,
}

impl Row<'_> {
    /// The cell of `column`, if the file has it and it is not empty.
    fn optional(&self, column: &str) -> Option<String> {
        let index = self.headers.iter().position(|h| h == column)?;
        self.record
            .get(index)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    }

    /// The cell of `column`, or the error that it is missing.
    fn required(&self, column: &'static str) -> Result<String, ContentError> {
        self.optional(column)
            .ok_or_else(|| self.problem(column, "is missing"))
    }

    /// The time in `column`, read as staff write times.
    fn when(&self, column: &'static str) -> Result<Option<DateTime<Utc>>, ContentError> {
        self.optional(column)
            .map(|v| parse_when(&v).map_err(|m| self.problem(column, &m)))
            .transpose()
    }

    /// The cell of `column` split at `;` or `|`.
    fn list(&self, column: &str) -> Vec<String> {
        self.optional(column)
            .map(|v| {
                v.split([';', '|'])
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// An error about `column` of this row.
    fn problem(&self, column: &str, message: &str) -> ContentError {
        error(self.file, self.line, 0, format!("`{column}`: {message}"))
    }

    /// The row as a calendar event.
    fn event(&self) -> Result<CalendarEvent, ContentError> {
        Ok(CalendarEvent {
            key: self.required("key")?,
            category: self.required("category")?,
            title: self.required("title")?,
            starts_at: self
                .when("starts_at")?
                .ok_or_else(|| self.problem("starts_at", "is missing"))?,
            ends_at: self.when("ends_at")?,
            place: self.optional("place"),
            details: self.optional("details"),
            link: self.optional("link"),
            valid_until: self.when("valid_until")?,
        })
    }

    /// The row as a news item.
    fn news(&self) -> Result<NewsItem, ContentError> {
        Ok(NewsItem {
            key: self.required("key")?,
            title: self.required("title")?,
            body: self.required("body")?,
            topics: self.list("topics"),
            link: self.optional("link"),
            published_at: self
                .when("published_at")?
                .ok_or_else(|| self.problem("published_at", "is missing"))?,
            expires_at: self.when("expires_at")?,
            author: self.optional("author"),
        })
    }

    /// The row as a FAQ.
    fn faq(&self) -> Result<Faq, ContentError> {
        Ok(Faq {
            key: self.required("key")?,
            question: self.required("question")?,
            answer: self.required("answer")?,
            keywords: self.list("keywords"),
            lang: self.optional("lang").unwrap_or_else(|| "it".to_owned()),
            examples: self.list("examples"),
        })
    }
}
