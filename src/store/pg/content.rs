//! Calendar, news and FAQ in PostgreSQL: what citizens read (`ContentSource`) and what
//! staff write (import, export, news).

use chrono::{DateTime, Utc};
use sqlx::FromRow;

use std::sync::Arc;

use super::PgStore;
use super::consultations::Upserted;
use crate::content::{CalendarEvent, ContentFile, Faq, NewsItem};
use crate::engine::{Answer, Query};
use crate::store::{ContentSource, FaqList, StoreError};

#[derive(FromRow)]
struct EventRow {
    key: String,
    category: String,
    title: String,
    starts_at: DateTime<Utc>,
    ends_at: Option<DateTime<Utc>>,
    place: Option<String>,
    details: Option<String>,
    link: Option<String>,
    valid_until: Option<DateTime<Utc>>,
}

impl From<EventRow> for CalendarEvent {
    fn from(r: EventRow) -> Self {
        CalendarEvent {
            key: r.key,
            category: r.category,
            title: r.title,
            starts_at: r.starts_at,
            ends_at: r.ends_at,
            place: r.place,
            details: r.details,
            link: r.link,
            valid_until: r.valid_until,
        }
    }
}

#[derive(FromRow)]
struct NewsRow {
    key: String,
    title: String,
    body: String,
    topics: Vec<String>,
    link: Option<String>,
    published_at: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
    author: Option<String>,
}

impl From<NewsRow> for NewsItem {
    fn from(r: NewsRow) -> Self {
        NewsItem {
            key: r.key,
            title: r.title,
            body: r.body,
            topics: r.topics,
            link: r.link,
            published_at: r.published_at,
            expires_at: r.expires_at,
            author: r.author,
        }
    }
}

#[derive(FromRow)]
struct FaqRow {
    key: String,
    question: String,
    answer: String,
    keywords: Vec<String>,
    lang: String,
    examples: Vec<String>,
}

impl From<FaqRow> for Faq {
    fn from(r: FaqRow) -> Self {
        Faq {
            key: r.key,
            question: r.question,
            answer: r.answer,
            keywords: r.keywords,
            lang: r.lang,
            examples: r.examples,
        }
    }
}

macro_rules! event_columns {
    () => {
        "key, category, title, starts_at, ends_at, place, details, link, valid_until"
    };
}

macro_rules! news_columns {
    () => {
        "key, title, body, topics, link, published_at, expires_at, author"
    };
}

/// A news item with its numeric id.
#[derive(FromRow)]
struct NumberedNewsRow {
    id: i64,
    #[sqlx(flatten)]
    news: NewsRow,
}

/// The news item whose key, or else numeric id, is `key_or_id`, with its id.
pub async fn find_news(
    ex: impl sqlx::PgExecutor<'_>,
    key_or_id: &str,
) -> Result<Option<(i64, NewsItem)>, sqlx::Error> {
    let row = sqlx::query_as::<_, NumberedNewsRow>(concat!(
        "SELECT id, ",
        news_columns!(),
        " FROM news WHERE key = $1 OR id::text = $1 ORDER BY key = $1 DESC LIMIT 1"
    ))
    .bind(key_or_id)
    .fetch_optional(ex)
    .await?;
    Ok(row.map(|r| (r.id, r.news.into())))
}

/// A dialogue category as a LIKE pattern: `maturita-*` → `maturita-%`, anything else
/// matched literally.
fn like_pattern(category: &str) -> String {
    let (literal, any) = match category.strip_suffix('*') {
        Some(prefix) => (prefix, "%"),
        None => (category, ""),
    };
    let escaped = literal
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("{escaped}{any}")
}

impl ContentSource for PgStore {
    // Each answer comes from the cache while it is still right (see `content_cache`).
    async fn upcoming_events(
        &self,
        category: &str,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<CalendarEvent>, StoreError> {
        let query = Query::Events {
            category: category.to_owned(),
            limit,
        };
        if let Some(Answer::Events(events)) = self.content.get(&query, now) {
            return Ok(events);
        }
        let rows = sqlx::query_as::<_, EventRow>(concat!(
            "SELECT ",
            event_columns!(),
            " FROM events \
             WHERE category LIKE $1 ESCAPE '\\' AND coalesce(valid_until, ends_at, starts_at) > $2 \
             ORDER BY starts_at, key LIMIT $3"
        ))
        .bind(like_pattern(category))
        .bind(now)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?;
        let events: Vec<CalendarEvent> = rows.into_iter().map(CalendarEvent::from).collect();
        self.content.put(query, now, Answer::Events(events.clone()));
        Ok(events)
    }

    async fn latest_news(
        &self,
        topic: Option<&str>,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<NewsItem>, StoreError> {
        let query = Query::News {
            topic: topic.map(str::to_owned),
            limit,
        };
        if let Some(Answer::News(news)) = self.content.get(&query, now) {
            return Ok(news);
        }
        let rows = sqlx::query_as::<_, NewsRow>(concat!(
            "SELECT ",
            news_columns!(),
            " FROM news \
             WHERE published_at <= $2 AND (expires_at IS NULL OR expires_at > $2) \
               AND ($1::text IS NULL OR $1 = ANY (topics)) \
             ORDER BY published_at DESC, id DESC LIMIT $3"
        ))
        .bind(topic)
        .bind(now)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?;
        let news: Vec<NewsItem> = rows.into_iter().map(NewsItem::from).collect();
        self.content.put(query, now, Answer::News(news.clone()));
        Ok(news)
    }

    async fn faqs(&self) -> Result<FaqList, StoreError> {
        if let Some(list) = self.content.recent_faqs() {
            return Ok(list);
        }
        // Checked by a fingerprint, so a replica reads the whole list only when it
        // changed (an import here or elsewhere), within `CONTENT_TTL`.
        let version: String = sqlx::query_scalar(
            "SELECT count(*)::text || '/' || coalesce(max(updated_at)::text, '') FROM faqs",
        )
        .fetch_one(&self.pool)
        .await?;
        if let Some(list) = self.content.faqs_at(&version) {
            return Ok(list);
        }
        let rows = sqlx::query_as::<_, FaqRow>(
            "SELECT key, question, answer, keywords, lang, examples FROM faqs ORDER BY key",
        )
        .fetch_all(&self.pool)
        .await?;
        let list = FaqList {
            version,
            faqs: Arc::new(rows.into_iter().map(Faq::from).collect()),
        };
        self.content.put_faqs(list.clone());
        Ok(list)
    }
}

/// How an import went: per kind, rows added, changed and already identical.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ImportSummary {
    /// Rows that were new.
    pub added: u64,
    /// Rows that existed and changed.
    pub changed: u64,
    /// Rows already as the file has them.
    pub unchanged: u64,
    /// Calendar events deleted because the file, a whole calendar, no longer has them.
    pub removed: u64,
    /// Consultations already sent that the file would change: left as they are
    /// (their answers are to the question as it was sent).
    pub kept: Vec<String>,
}

impl ImportSummary {
    fn count(&mut self, outcome: Option<bool>) {
        match outcome {
            Some(true) => self.added += 1,
            Some(false) => self.changed += 1,
            None => self.unchanged += 1,
        }
    }
}

/// A news item written by staff from the command line.
#[derive(Debug, Clone)]
pub struct NewNews {
    /// The headline.
    pub title: String,
    /// The text, as staff wrote it.
    pub body: String,
    /// The topics whose subscribers get it.
    pub topics: Vec<String>,
    /// A link to the full story, if any.
    pub link: Option<String>,
    /// When it stops being current (not shown, not sent), if ever.
    pub expires_at: Option<DateTime<Utc>>,
    /// Who wrote it, for the record.
    pub author: Option<String>,
}

impl PgStore {
    /// Upserts every item of `content` by key in one transaction: all or nothing.
    pub async fn import(&self, content: &ContentFile) -> Result<ImportSummary, StoreError> {
        self.import_calendar(content, false).await
    }

    /// As [`import`](PgStore::import); with `whole_calendar`, the file's events are
    /// the whole calendar and events it no longer has are deleted (their reminders
    /// are cancelled, and the citizens told, by the reminder scheduler).
    pub async fn import_calendar(
        &self,
        content: &ContentFile,
        whole_calendar: bool,
    ) -> Result<ImportSummary, StoreError> {
        let mut tx = self.pool.begin().await?;
        let mut summary = ImportSummary::default();
        if whole_calendar {
            let keys: Vec<&str> = content.events.iter().map(|e| e.key.as_str()).collect();
            summary.removed = sqlx::query("DELETE FROM events WHERE NOT (key = ANY($1))")
                .bind(&keys)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        }
        for e in &content.events {
            let inserted: Option<bool> =
                sqlx::query_scalar(include_str!("../queries/upsert_event.sql"))
                    .bind(&e.key)
                    .bind(&e.category)
                    .bind(&e.title)
                    .bind(e.starts_at)
                    .bind(e.ends_at)
                    .bind(&e.place)
                    .bind(&e.details)
                    .bind(&e.link)
                    .bind(e.valid_until)
                    .fetch_optional(&mut *tx)
                    .await?;
            summary.count(inserted);
        }
        for n in &content.news {
            let inserted: Option<bool> =
                sqlx::query_scalar(include_str!("../queries/upsert_news.sql"))
                    .bind(&n.key)
                    .bind(&n.title)
                    .bind(&n.body)
                    .bind(&n.topics)
                    .bind(&n.link)
                    .bind(n.published_at)
                    .bind(n.expires_at)
                    .bind(&n.author)
                    .fetch_optional(&mut *tx)
                    .await?;
            summary.count(inserted);
        }
        for c in &content.consultations {
            match super::consultations::upsert(&mut tx, c).await? {
                Upserted::Added => summary.added += 1,
                Upserted::Changed => summary.changed += 1,
                Upserted::Unchanged => summary.unchanged += 1,
                Upserted::Kept => summary.kept.push(c.key.clone()),
            }
        }
        for f in &content.faqs {
            let inserted: Option<bool> =
                sqlx::query_scalar(include_str!("../queries/upsert_faq.sql"))
                    .bind(&f.key)
                    .bind(&f.question)
                    .bind(&f.answer)
                    .bind(&f.keywords)
                    .bind(&f.lang)
                    .bind(&f.examples)
                    .fetch_optional(&mut *tx)
                    .await?;
            summary.count(inserted);
        }
        tx.commit().await?;
        self.content.clear();
        Ok(summary)
    }

    /// All content, in the import format (re-importing it changes nothing).
    pub async fn export(&self) -> Result<ContentFile, StoreError> {
        let events = sqlx::query_as::<_, EventRow>(concat!(
            "SELECT ",
            event_columns!(),
            " FROM events ORDER BY starts_at, key"
        ))
        .fetch_all(&self.pool)
        .await?;
        let news = sqlx::query_as::<_, NewsRow>(concat!(
            "SELECT ",
            news_columns!(),
            " FROM news ORDER BY published_at, key"
        ))
        .fetch_all(&self.pool)
        .await?;
        let faqs = sqlx::query_as::<_, FaqRow>(
            "SELECT key, question, answer, keywords, lang, examples FROM faqs ORDER BY key",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(ContentFile {
            events: events.into_iter().map(CalendarEvent::from).collect(),
            news: news.into_iter().map(NewsItem::from).collect(),
            faqs: faqs.into_iter().map(Faq::from).collect(),
            consultations: super::consultations::all(&self.pool).await?,
        })
    }

    /// Adds a news item published now; returns it with its generated key.
    pub async fn add_news(&self, news: &NewNews) -> Result<NewsItem, StoreError> {
        let row = sqlx::query_as::<_, NewsRow>(concat!("INSERT INTO news (key, title, body, topics, link, published_at, expires_at, author) \
             VALUES ('news-' || to_char(now() AT TIME ZONE 'UTC', 'YYYYMMDD-HH24MISS-US'), $1, $2, $3, $4, now(), $5, $6) \
             RETURNING ", news_columns!()))
        .bind(&news.title)
        .bind(&news.body)
        .bind(&news.topics)
        .bind(&news.link)
        .bind(news.expires_at)
        .bind(&news.author)
        .fetch_one(&self.pool)
        .await?;
        self.content.clear();
        Ok(row.into())
    }

    /// News items, newest first.
    pub async fn list_news(&self, limit: i64) -> Result<Vec<NewsItem>, StoreError> {
        let rows = sqlx::query_as::<_, NewsRow>(concat!(
            "SELECT ",
            news_columns!(),
            " FROM news ORDER BY published_at DESC, id DESC LIMIT $1"
        ))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(NewsItem::from).collect())
    }
}
