//! `/admin/news`: list and create news items, publish one, follow its deliveries.
//!
//! An item is named in paths by its key (`news-20270618-080000-000000`) or its numeric
//! id. Creating checks what `sportello news add` checks (a title, a body, topics the
//! running dialogues declare, dates); publishing is `sportello news publish`: it
//! queues one delivery per active subscriber of the item's topics and per configured
//! channel, and never queues a delivery twice.

use axum::Json;
use axum::Router;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::AdminState;
use super::error::{ApiError, Body, Params, limit};
use super::time::{italian, parse};
use crate::content::{NewsItem, Vocabulary};
use crate::relay::{self, NewsStatus, PublishOptions, Published};
use crate::store::pg::NewNews;

/// Items listed when the request names no `limit`.
const DEFAULT_LIMIT: i64 = 20;
/// The most items one list returns.
const MAX_LIMIT: i64 = 1000;

pub(super) fn routes() -> Router<AdminState> {
    Router::new()
        .route("/admin/news", get(list).post(create))
        .route("/admin/news/{id}/publish", post(publish))
        .route("/admin/news/{id}/status", get(status))
}

/// A news item as the API shows it; times are RFC 3339 in Italian time.
#[derive(Debug, Serialize)]
struct NewsView {
    key: String,
    title: String,
    body: String,
    topics: Vec<String>,
    link: Option<String>,
    published_at: String,
    expires_at: Option<String>,
    author: Option<String>,
}

impl From<NewsItem> for NewsView {
    fn from(item: NewsItem) -> Self {
        NewsView {
            key: item.key,
            title: item.title,
            body: item.body,
            topics: item.topics,
            link: item.link,
            published_at: italian(item.published_at),
            expires_at: item.expires_at.map(italian),
            author: item.author,
        }
    }
}

/// What a publish queued now (zero for deliveries queued by an earlier publish).
#[derive(Debug, Serialize)]
struct PublishedView {
    news_id: i64,
    key: String,
    /// Subscriber deliveries queued now, all channels.
    subscribers: u64,
    /// Channel (`TELEGRAM_CHANNELS`) deliveries queued now.
    channels: u64,
    /// When sending may start.
    from: String,
}

impl PublishedView {
    fn new(published: Published, from: DateTime<Utc>) -> PublishedView {
        PublishedView {
            news_id: published.news_id,
            key: published.key,
            subscribers: published.subscribers,
            channels: published.channels,
            from: italian(from),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListParams {
    limit: Option<i64>,
}

#[derive(Debug, Serialize)]
struct NewsList {
    news: Vec<NewsView>,
}

/// `GET /admin/news?limit=N`: news, newest first (default 20, at most 1000).
async fn list(
    State(state): State<AdminState>,
    Params(params): Params<ListParams>,
) -> Result<Json<NewsList>, ApiError> {
    let limit = limit(params.limit, DEFAULT_LIMIT, MAX_LIMIT)?;
    let items = state.store.list_news(limit).await?;
    Ok(Json(NewsList {
        news: items.into_iter().map(NewsView::from).collect(),
    }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateNews {
    title: String,
    body: String,
    topics: Vec<String>,
    #[serde(default)]
    link: Option<String>,
    /// Italian time (`2027-07-31 23:59`) or RFC 3339.
    #[serde(default)]
    expires_at: Option<String>,
    #[serde(default)]
    author: Option<String>,
    /// Queue it for its subscribers and channels at once.
    #[serde(default)]
    publish: bool,
    /// With `publish`: when sending may start (default now).
    #[serde(default)]
    at: Option<String>,
}

#[derive(Debug, Serialize)]
struct Created {
    news: NewsView,
    /// Present when the request asked to publish.
    #[serde(skip_serializing_if = "Option::is_none")]
    published: Option<PublishedView>,
}

/// `POST /admin/news`: adds an item (published now for the bot's "latest news"), and
/// with `"publish": true` queues it for its subscribers and channels. 201.
async fn create(
    State(state): State<AdminState>,
    Body(request): Body<CreateNews>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let checked = checked(&state, request)?;
    let item = state.store.add_news(&checked.news).await?;
    tracing::info!(key = %item.key, topics = ?item.topics, "admin API: news added");
    let published = if checked.publish {
        Some(
            publish_item(&state, &item.key, checked.at)
                .await
                .map_err(|err| not_published(&item.key, err))?,
        )
    } else {
        None
    };
    Ok((
        StatusCode::CREATED,
        Json(Created {
            news: item.into(),
            published,
        }),
    ))
}

/// A checked request to add an item.
struct Checked {
    news: NewNews,
    /// Queue it for its subscribers and channels, from `at` (default now).
    publish: bool,
    at: Option<DateTime<Utc>>,
}

/// The request checked as `sportello news add` checks it; 422 naming the field.
fn checked(state: &AdminState, request: CreateNews) -> Result<Checked, ApiError> {
    let title = request.title.trim().to_owned();
    let body = request.body.trim().to_owned();
    if title.is_empty() {
        return Err(ApiError::Invalid("`title` is empty".to_owned()));
    }
    if body.is_empty() {
        return Err(ApiError::Invalid("`body` is empty".to_owned()));
    }
    let vocabulary = Vocabulary::of(&state.live.get());
    let mut topics: Vec<String> = Vec::with_capacity(request.topics.len());
    for topic in request.topics {
        let topic = topic.trim().to_owned();
        if !vocabulary.topics.contains(&topic) {
            return Err(ApiError::UnknownTopic {
                topic,
                known: vocabulary.topics.iter().cloned().collect(),
            });
        }
        if !topics.contains(&topic) {
            topics.push(topic);
        }
    }
    if topics.is_empty() {
        return Err(ApiError::Invalid(format!(
            "`topics` is empty; name at least one of: {}",
            vocabulary
                .topics
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let link = request
        .link
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty());
    if let Some(link) = &link
        && !(link.starts_with("https://") || link.starts_with("http://"))
    {
        return Err(ApiError::Invalid(
            "`link` must be an http:// or https:// address".to_owned(),
        ));
    }
    let expires_at = request
        .expires_at
        .as_deref()
        .map(|t| parse("expires_at", t))
        .transpose()?;
    let at = request.at.as_deref().map(|t| parse("at", t)).transpose()?;
    if at.is_some() && !request.publish {
        return Err(ApiError::Invalid(
            "`at` is for publishing: send it with `\"publish\": true`".to_owned(),
        ));
    }
    let now = Utc::now();
    if let Some(expires_at) = expires_at {
        if expires_at <= now {
            return Err(ApiError::Invalid("`expires_at` is in the past".to_owned()));
        }
        if at.is_some_and(|at| expires_at <= at) {
            return Err(ApiError::Invalid(
                "`expires_at` is before `at`: the item would expire before it is sent".to_owned(),
            ));
        }
    }
    let author = request
        .author
        .map(|a| a.trim().to_owned())
        .filter(|a| !a.is_empty());
    let news = NewNews {
        title,
        body,
        topics,
        link,
        expires_at,
        author,
    };
    Ok(Checked {
        news,
        publish: request.publish,
        at,
    })
}

/// A publish that failed after the item was added: the client must know it exists.
fn not_published(key: &str, err: ApiError) -> ApiError {
    match err {
        err @ ApiError::Internal(_) => err,
        err => ApiError::Conflict(format!(
            "news item `{key}` was added but not published: {err}"
        )),
    }
}

async fn publish_item(
    state: &AdminState,
    news: &str,
    at: Option<DateTime<Utc>>,
) -> Result<PublishedView, ApiError> {
    let options = PublishOptions {
        at,
        broadcast_to: state.broadcast_to.to_vec(),
        ..PublishOptions::default()
    };
    let dialogues = state.live.get();
    let published = relay::publish(state.store.pool(), &dialogues, news, &options).await?;
    tracing::info!(
        key = %published.key,
        subscribers = published.subscribers,
        channels = published.channels,
        "admin API: news published"
    );
    Ok(PublishedView::new(
        published,
        at.unwrap_or_else(Utc::now).max(Utc::now()),
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PublishRequest {
    /// When sending may start: Italian time or RFC 3339 (default now).
    #[serde(default)]
    at: Option<String>,
}

/// The `{id}` of a path; a path that does not decode is a 400.
fn news_id(path: Result<Path<String>, PathRejection>) -> Result<String, ApiError> {
    match path {
        Ok(Path(id)) => Ok(id),
        Err(rejection) => Err(ApiError::BadRequest(rejection.body_text())),
    }
}

/// `POST /admin/news/{id}/publish` (body optional: `{"at": …}`): queues the item for
/// every active subscriber of its topics and every channel. Again later: only the
/// subscribers who arrived since. 404 unknown item, 409 expired.
async fn publish(
    State(state): State<AdminState>,
    path: Result<Path<String>, PathRejection>,
    Body(request): Body<PublishRequest>,
) -> Result<Json<PublishedView>, ApiError> {
    let id = news_id(path)?;
    let at = request.at.as_deref().map(|t| parse("at", t)).transpose()?;
    Ok(Json(publish_item(&state, &id, at).await?))
}

/// A news item's deliveries.
#[derive(Debug, Serialize)]
struct StatusView {
    news_id: i64,
    key: String,
    /// Waiting or being sent.
    queued: u64,
    sent: u64,
    failed: u64,
    blocked: u64,
    total: u64,
    /// Deliveries sent per second over the last ten seconds.
    rate: f64,
    /// Seconds to send the rest at `rate`: 0 when nothing is queued, null when
    /// nothing moves (is a relay running?).
    eta_seconds: Option<u64>,
}

impl From<NewsStatus> for StatusView {
    fn from(status: NewsStatus) -> Self {
        StatusView {
            total: status.total(),
            eta_seconds: status.eta().map(|eta| eta.as_secs_f64().ceil() as u64),
            news_id: status.news_id,
            key: status.key,
            queued: status.queued,
            sent: status.sent,
            failed: status.failed,
            blocked: status.blocked,
            rate: status.rate,
        }
    }
}

/// `GET /admin/news/{id}/status`: deliveries by status, the rate and an ETA. 404
/// unknown item.
async fn status(
    State(state): State<AdminState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<StatusView>, ApiError> {
    let id = news_id(path)?;
    let status = relay::news_status(state.store.pool(), &id).await?;
    Ok(Json(status.into()))
}
