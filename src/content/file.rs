//! Content files: YAML (`events`, `news`, `faqs` lists) or CSV (one kind per file, told
//! by its columns), checked against the dialogues' categories and topics before any
//! of it is stored. Every error names the line (and column, or CSV row) and field.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt;
use std::path::Path;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Europe::Rome;
use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;

use super::{CalendarEvent, Faq, NewsItem};
use crate::dialogue::{Action, Dialogues};

/// The demo content bundled in the binary (`content/demo.yaml`).
pub const DEMO_CONTENT: &str = include_str!("../../content/demo.yaml");

/// Calendar, news and FAQ as staff write them; what `content import` reads,
/// `content export` writes and the demo store serves.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContentFile {
    #[serde(default)]
    pub events: Vec<CalendarEvent>,
    #[serde(default)]
    pub news: Vec<NewsItem>,
    #[serde(default)]
    pub faqs: Vec<Faq>,
}

/// A problem in a content file. `line` 0: the whole file; `column` 0: a whole line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ContentError {
    pub file: String,
    pub line: u64,
    pub column: u64,
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

/// What content may refer to: the event categories the dialogues list and the news
/// topics they declare. An empty set accepts anything.
#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    pub categories: BTreeSet<String>,
    pub topics: BTreeSet<String>,
}

impl Vocabulary {
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

/// Where each item and some of its fields were written, for error messages.
#[derive(Debug, Default)]
struct Origins {
    events: Vec<ItemOrigin>,
    news: Vec<ItemOrigin>,
    faqs: Vec<ItemOrigin>,
}

#[derive(Debug, Default, Clone)]
struct ItemOrigin {
    line: u64,
    column: u64,
    fields: HashMap<&'static str, (u64, u64)>,
}

impl ItemOrigin {
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
            from_csv(file, text)?
        } else {
            from_yaml(file, text).map_err(|e| vec![e])?
        };
        let problems = content.check(file, &origins, vocabulary);
        if problems.is_empty() {
            Ok(content)
        } else {
            Err(problems)
        }
    }

    /// The content as YAML, in the import format.
    pub fn to_yaml(&self) -> Result<String, String> {
        serde_saphyr::to_string(self).map_err(|e| e.to_string())
    }

    fn check(&self, file: &str, origins: &Origins, vocabulary: &Vocabulary) -> Vec<ContentError> {
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
                .any(|pattern| super::category_matches(pattern, &e.category));
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
        problems
    }
}

fn error(file: &str, line: u64, column: u64, message: impl Into<String>) -> ContentError {
    ContentError {
        file: file.to_owned(),
        line,
        column,
        message: message.into(),
    }
}

/// The positions of the fields that checks look at, read alongside the content.
#[derive(Deserialize)]
struct SpannedFile {
    #[serde(default)]
    events: Vec<Spanned<SpannedItem>>,
    #[serde(default)]
    news: Vec<Spanned<SpannedItem>>,
    #[serde(default)]
    faqs: Vec<Spanned<SpannedItem>>,
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
}

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

fn from_yaml(file: &str, text: &str) -> Result<(ContentFile, Origins), ContentError> {
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
        },
        Err(_) => Origins::default(),
    };
    Ok((content, origins))
}

/// Parses a time as staff write it: RFC 3339 (`2027-06-16T08:30:00+02:00`), or a local
/// Italian time (`2027-06-16 08:30`, `2027-06-16`), which is read in Europe/Rome.
pub fn parse_when(text: &str) -> Result<DateTime<Utc>, String> {
    let text = text.trim();
    if let Ok(when) = DateTime::parse_from_rfc3339(text) {
        return Ok(when.with_timezone(&Utc));
    }
    let naive = [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ]
    .iter()
    .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
    .or_else(|| {
        NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
    });
    let Some(naive) = naive else {
        return Err(format!(
            "not a date: `{text}` (write 2027-06-16 08:30, Italian time, or 2027-06-16T08:30:00+02:00)"
        ));
    };
    Rome.from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| format!("`{text}` does not exist in Italian time (the clocks skip it)"))
}

/// Serde for required times: staff formats in, RFC 3339 in Italian time out.
pub(crate) mod when {
    use chrono::{DateTime, Utc};
    use chrono_tz::Europe::Rome;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(when: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&when.with_timezone(&Rome).to_rfc3339())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let text = String::deserialize(d)?;
        super::parse_when(&text).map_err(serde::de::Error::custom)
    }
}

/// Serde for optional times.
pub(crate) mod when_opt {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(when: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match when {
            Some(when) => super::when::serialize(when, s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        match Option::<String>::deserialize(d)? {
            Some(text) if !text.trim().is_empty() => super::parse_when(&text)
                .map(Some)
                .map_err(serde::de::Error::custom),
            _ => Ok(None),
        }
    }
}

/// What a CSV file holds, told by its columns.
#[derive(Clone, Copy)]
enum CsvKind {
    Events,
    News,
    Faqs,
}

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
const FAQ_COLUMNS: &[&str] = &["key", "question", "answer", "keywords", "lang"];

fn from_csv(file: &str, text: &str) -> Result<(ContentFile, Origins), Vec<ContentError>> {
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
    fn optional(&self, column: &str) -> Option<String> {
        let index = self.headers.iter().position(|h| h == column)?;
        self.record
            .get(index)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    }

    fn required(&self, column: &'static str) -> Result<String, ContentError> {
        self.optional(column)
            .ok_or_else(|| self.problem(column, "is missing"))
    }

    fn when(&self, column: &'static str) -> Result<Option<DateTime<Utc>>, ContentError> {
        self.optional(column)
            .map(|v| parse_when(&v).map_err(|m| self.problem(column, &m)))
            .transpose()
    }

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

    fn problem(&self, column: &str, message: &str) -> ContentError {
        error(self.file, self.line, 0, format!("`{column}`: {message}"))
    }

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

    fn faq(&self) -> Result<Faq, ContentError> {
        Ok(Faq {
            key: self.required("key")?,
            question: self.required("question")?,
            answer: self.required("answer")?,
            keywords: self.list("keywords"),
            lang: self.optional("lang").unwrap_or_else(|| "it".to_owned()),
        })
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
    fn staff_times_are_read_in_italian_time() {
        assert_eq!(
            parse_when("2027-06-16 08:30").map(|t| t.to_rfc3339()),
            Ok("2027-06-16T06:30:00+00:00".into())
        );
        assert_eq!(
            parse_when("2027-01-10").map(|t| t.to_rfc3339()),
            Ok("2027-01-09T23:00:00+00:00".into())
        );
        assert_eq!(
            parse_when("2027-06-16T08:30:00+02:00").map(|t| t.to_rfc3339()),
            Ok("2027-06-16T06:30:00+00:00".into())
        );
        assert!(parse_when("2027-13-01").is_err());
        assert!(
            parse_when("2027-03-28 02:30").is_err(),
            "skipped by daylight saving"
        );
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
            errors[0].message.contains("missing field `title`"),
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
