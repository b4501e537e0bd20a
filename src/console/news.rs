//! `/console/news`: write a news item with a live preview per channel, publish it now
//! or at a time, follow its deliveries as they go, stop it, correct it.

use std::sync::LazyLock;

use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::Form;
use chrono::{DateTime, Utc};
use minijinja::{Value, context};
use regex::Regex;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use super::audit;
use super::web::{
    ConsoleError, ConsoleState, CsrfForm, FieldError, FieldErrors, Staff, field_time, form_time,
    when,
};
use crate::channel::whatsapp::to_whatsapp;
use crate::content::{NewsItem, Vocabulary};
use crate::dialogue::{TELEGRAM_TEXT_LIMIT, gulpease};
use crate::relay::{self, PublishOptions};
use crate::store::pg::{NewNews, find_news, outbox};

pub(super) fn routes() -> Router<ConsoleState> {
    Router::new()
        .route("/console/news", get(list).post(create))
        .route("/console/news/new", get(compose))
        .route("/console/news/preview", post(preview))
        .route("/console/news/{key}", get(show))
        .route("/console/news/{key}/progress", get(progress))
        .route("/console/news/{key}/cancel", post(cancel))
        .route("/console/news/{key}/edit", get(edit).post(save_edit))
}

/// Items the list shows.
const LISTED: i64 = 50;

#[derive(Debug, Serialize)]
struct Listed {
    key: String,
    title: String,
    published_at: String,
    topics: Vec<String>,
    sent: i64,
    total: i64,
}

/// `GET /console/news`.
async fn list(State(state): State<ConsoleState>, staff: Staff) -> Result<Response, ConsoleError> {
    let items = state.store().list_news(LISTED).await?;
    let keys: Vec<&str> = items.iter().map(|i| i.key.as_str()).collect();
    // Every item's deliveries in one round trip (stopped ones do not count).
    let counts: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT n.key, count(*) FILTER (WHERE o.status = 'sent'), \
                count(o.id) FILTER (WHERE o.status <> 'cancelled') \
         FROM news n LEFT JOIN outbox o ON o.news_id = n.id \
         WHERE n.key = ANY($1) GROUP BY n.key",
    )
    .bind(&keys)
    .fetch_all(state.pool())
    .await?;
    let listed: Vec<Listed> = items
        .into_iter()
        .map(|item| {
            let (sent, total) = counts
                .iter()
                .find(|(key, _, _)| *key == item.key)
                .map_or((0, 0), |(_, sent, total)| (*sent, *total));
            Listed {
                key: item.key,
                title: item.title,
                published_at: when(item.published_at),
                topics: item.topics,
                sent,
                total,
            }
        })
        .collect();
    staff.page(&state, "news_list.html", context! { items => listed })
}

/// The item `key` names, with its id; 404 when there is none.
async fn find(pool: &PgPool, key: &str) -> Result<(i64, NewsItem), ConsoleError> {
    find_news(pool, key).await?.ok_or(ConsoleError::NotFound)
}

/// The words every item needs, checked alike when written and when corrected.
fn check_words(errors: &mut FieldErrors, title: &str, body: &str) {
    if title.is_empty() {
        errors.add("title", "Scrivi un titolo.", "Write a title.");
    }
    if body.is_empty() {
        errors.add(
            "body",
            "Scrivi il testo della notizia.",
            "Write the text of the item.",
        );
    }
}

/// What the compose form sends.
#[derive(Debug, Default, Clone, Deserialize)]
struct NewsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    link: String,
    /// The topics ticked, as `topic=a&topic=b`.
    #[serde(default)]
    topic: Vec<String>,
    /// `datetime-local` values, Italian time.
    #[serde(default)]
    expires: String,
    #[serde(default)]
    at: String,
    /// `now` or `later`.
    #[serde(default)]
    when: String,
}

/// A form checked as `sportello news add` checks it.
struct Checked {
    news: NewNews,
    at: Option<DateTime<Utc>>,
}

fn check(
    form: &NewsForm,
    vocabulary: &Vocabulary,
    lang: &str,
    author: &str,
) -> Result<Checked, Vec<FieldError>> {
    let mut errors = FieldErrors::new(lang);
    let title = form.title.trim();
    let body = form.body.trim();
    let link = form.link.trim();
    check_words(&mut errors, title, body);
    let mut topics: Vec<String> = Vec::new();
    for topic in &form.topic {
        let topic = topic.trim();
        if vocabulary.topics.contains(topic) && !topics.iter().any(|t| t == topic) {
            topics.push(topic.to_owned());
        }
    }
    if topics.is_empty() {
        errors.add(
            "topic",
            "Scegli almeno un argomento: riceve la notizia chi lo segue.",
            "Pick at least one topic: its followers get the item.",
        );
    }
    errors.check_link(link);
    let now = Utc::now();
    let expires_at = match form_time(&form.expires) {
        None => None,
        Some(Ok(at)) if at > now => Some(at),
        Some(Ok(_)) => {
            errors.add(
                "expires",
                "La scadenza è già passata.",
                "The expiry is in the past.",
            );
            None
        }
        Some(Err(_)) => {
            errors.add(
                "expires",
                "Scadenza non valida: usa giorno e ora, per esempio 18/06/2027 08:00.",
                "Not a valid expiry: give a day and a time.",
            );
            None
        }
    };
    let at = if form.when == "later" {
        match form_time(&form.at) {
            Some(Ok(at)) if at > now => Some(at),
            Some(Ok(_)) => {
                errors.add(
                    "at",
                    "L'ora dell'invio è già passata: scegli un'ora futura o «Pubblica ora».",
                    "The sending time is in the past: pick a later time or «Publish now».",
                );
                None
            }
            _ => {
                errors.add(
                    "at",
                    "Scegli giorno e ora dell'invio.",
                    "Pick the day and time to send.",
                );
                None
            }
        }
    } else {
        None
    };
    if let (Some(expires), Some(at)) = (expires_at, at)
        && expires <= at
    {
        errors.add(
            "expires",
            "La notizia scadrebbe prima dell'invio.",
            "The item would expire before it is sent.",
        );
    }
    if !errors.is_empty() {
        return Err(errors.into_vec());
    }
    Ok(Checked {
        news: NewNews {
            title: title.to_owned(),
            body: body.to_owned(),
            topics,
            link: (!link.is_empty()).then(|| link.to_owned()),
            expires_at,
            author: Some(author.to_owned()),
        },
        at,
    })
}

/// The topics to tick, in the page language.
fn topic_choices(state: &ConsoleState, lang: &str, ticked: &[String]) -> Vec<Value> {
    let d = state.live().get();
    d.settings
        .topics
        .iter()
        .map(|t| {
            context! {
                key => t.key,
                name => t.name.get(lang, &d.settings.default_lang),
                ticked => ticked.contains(&t.key),
            }
        })
        .collect()
}

fn form_page(
    state: &ConsoleState,
    staff: Staff,
    form: &NewsForm,
    errors: &[FieldError],
) -> Result<Response, ConsoleError> {
    let topics = topic_choices(state, staff.lang(), &form.topic);
    staff.page(
        state,
        "news_form.html",
        context! {
            form => context! {
                title => form.title, body => form.body, link => form.link,
                expires => form.expires, at => form.at,
                later => form.when == "later",
            },
            topics,
            errors,
            limit => TELEGRAM_TEXT_LIMIT,
        },
    )
}

/// `GET /console/news/new`.
async fn compose(
    State(state): State<ConsoleState>,
    staff: Staff,
) -> Result<Response, ConsoleError> {
    form_page(&state, staff, &NewsForm::default(), &[])
}

/// Telegram's HTML with only the tags Telegram shows kept as markup: anything else in
/// a template stays visible text, never markup in the console.
fn telegram_preview(html: &str) -> String {
    static TAGS: LazyLock<Option<Regex>> = LazyLock::new(|| {
        Regex::new(r"&lt;(/?)(b|strong|i|em|u|ins|s|strike|del|code|pre|blockquote)&gt;").ok()
    });
    static LINK: LazyLock<Option<Regex>> = LazyLock::new(|| {
        Regex::new(r#"&lt;a href=(?:&quot;|")(https?://[^"&<>\s]*)(?:&quot;|")&gt;"#).ok()
    });
    let escaped = html_escape::encode_text(html).into_owned();
    let tagged = match TAGS.as_ref() {
        Some(tags) => tags.replace_all(&escaped, "<$1$2>").into_owned(),
        None => escaped,
    };
    let linked = match LINK.as_ref() {
        Some(link) => link
            .replace_all(&tagged, r#"<a href="$1" rel="noopener noreferrer">"#)
            .into_owned(),
        None => tagged,
    };
    linked.replace("&lt;/a&gt;", "</a>")
}

/// `POST /console/news/preview` (htmx): the item as each channel will show it, its
/// length against Telegram's limit and how easy it is to read.
async fn preview(
    State(state): State<ConsoleState>,
    staff: Staff,
    Form(form): Form<NewsForm>,
) -> Result<Response, ConsoleError> {
    staff.check_csrf(&form.csrf)?;
    let d = state.live().get();
    let item = NewsItem {
        key: "anteprima".into(),
        title: form.title.trim().to_owned(),
        body: form.body.trim().to_owned(),
        topics: form.topic.clone(),
        link: Some(form.link.trim().to_owned()).filter(|l| !l.is_empty()),
        published_at: Utc::now(),
        expires_at: None,
        author: None,
    };
    let rendered = relay::render_news(&d, &item)
        .map_err(|e| ConsoleError::Internal(format!("news preview: {e}")))?;
    let by_lang: Vec<Value> = rendered
        .by_lang
        .iter()
        .map(|(lang, html)| {
            context! {
                lang => lang,
                telegram => Value::from_safe_string(telegram_preview(html.trim())),
                whatsapp => to_whatsapp(html).trim(),
                length => relay::visible_len(html),
            }
        })
        .collect();
    let plain = format!("{}. {}", item.title, item.body);
    let words = plain.split_whitespace().count();
    let readability = (words >= 5).then(|| gulpease(&plain).clamp(0.0, 100.0).round() as i64);
    let full = item.title.encode_utf16().count() + item.body.encode_utf16().count();
    let html = state.render(
        "news_preview.html",
        &staff.page,
        context! {
            rendered => by_lang,
            limit => TELEGRAM_TEXT_LIMIT,
            trimmed => full > TELEGRAM_TEXT_LIMIT,
            readability,
            easy => readability.is_some_and(|g| g >= 60),
            hard => readability.is_some_and(|g| g < 40),
        },
    )?;
    Ok(html.into_response())
}

/// `POST /console/news`: adds the item and publishes it now or at the time chosen.
async fn create(
    State(state): State<ConsoleState>,
    staff: Staff,
    Form(form): Form<NewsForm>,
) -> Result<Response, ConsoleError> {
    staff.check_csrf(&form.csrf)?;
    let vocabulary = Vocabulary::of(&state.live().get());
    let checked = match check(&form, &vocabulary, staff.lang(), &staff.user.username) {
        Ok(checked) => checked,
        Err(errors) => return form_page(&state, staff, &form, &errors),
    };
    let item = state.store().add_news(&checked.news).await?;
    let options = PublishOptions {
        at: checked.at,
        broadcast_to: state.broadcast_to().to_vec(),
        ..PublishOptions::default()
    };
    let d = state.live().get();
    let published = relay::publish(state.pool(), &d, &item.key, &options)
        .await
        .map_err(|e| ConsoleError::Internal(format!("publish {}: {e}", item.key)))?;
    let details = format!(
        "{} subscribers, {} channels{}",
        published.subscribers,
        published.channels,
        checked
            .at
            .map(|at| format!(", from {}", when(at)))
            .unwrap_or_default()
    );
    audit::record(
        state.pool(),
        &staff.user.username,
        "news.publish",
        &item.key,
        Some(&details),
    )
    .await?;
    tracing::info!(key = %item.key, subscribers = published.subscribers, "console: news published");
    Ok(Redirect::to(&format!("/console/news/{}", item.key)).into_response())
}

/// A publication's deliveries, as the progress view shows them.
async fn progress_context(state: &ConsoleState, key: &str) -> Result<Value, ConsoleError> {
    let status = match relay::news_status(state.pool(), key).await {
        Ok(status) => status,
        Err(relay::RelayError::NotFound(_)) => return Err(ConsoleError::NotFound),
        Err(err) => return Err(ConsoleError::Internal(err.to_string())),
    };
    let (cancelled, first_due): (i64, Option<DateTime<Utc>>) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE status = 'cancelled'), \
                min(not_before) FILTER (WHERE status = 'queued') \
         FROM outbox WHERE news_id = $1",
    )
    .bind(status.news_id)
    .fetch_one(state.pool())
    .await?;
    let reasons: Vec<(Option<String>, i64)> = sqlx::query_as(
        "SELECT last_error, count(*) FROM outbox WHERE news_id = $1 \
         AND status IN ('failed', 'blocked') GROUP BY 1 ORDER BY 2 DESC LIMIT 5",
    )
    .bind(status.news_id)
    .fetch_all(state.pool())
    .await?;
    let total = status.total() + cancelled.max(0) as u64;
    let done = status.done() + cancelled.max(0) as u64;
    let percent = (done * 100).checked_div(total).unwrap_or(100);
    let scheduled = first_due.filter(|at| *at > Utc::now()).map(when);
    Ok(context! {
        key => key,
        queued => status.queued,
        sent => status.sent,
        failed => status.failed,
        blocked => status.blocked,
        cancelled => cancelled,
        total => total,
        percent => percent,
        finished => status.queued == 0,
        rate => format!("{:.1}", status.rate),
        eta => status.eta().map(|eta| {
            let secs = eta.as_secs();
            if secs < 60 { format!("{secs} s") } else { format!("{} min", secs.div_ceil(60)) }
        }),
        scheduled => scheduled,
        reasons => reasons.into_iter().map(|(reason, n)| context! {
            reason => reason.unwrap_or_default(), count => n,
        }).collect::<Vec<_>>(),
    })
}

/// `GET /console/news/{key}`.
async fn show(
    State(state): State<ConsoleState>,
    staff: Staff,
    Path(key): Path<String>,
) -> Result<Response, ConsoleError> {
    let (_, item) = find(state.pool(), &key).await?;
    let progress = progress_context(&state, &item.key).await?;
    staff.page(
        &state,
        "news_show.html",
        context! {
            item => context! {
                key => item.key, title => item.title, body => item.body, link => item.link,
                topics => item.topics, published_at => when(item.published_at),
                expires_at => item.expires_at.map(when), author => item.author,
            },
            progress,
        },
    )
}

/// `GET /console/news/{key}/progress` (htmx, polled while deliveries are queued).
async fn progress(
    State(state): State<ConsoleState>,
    staff: Staff,
    Path(key): Path<String>,
) -> Result<Response, ConsoleError> {
    let progress = progress_context(&state, &key).await?;
    Ok(state
        .render("news_progress.html", &staff.page, context! { progress })?
        .into_response())
}

/// `POST /console/news/{key}/cancel`: stops what is still queued.
async fn cancel(
    State(state): State<ConsoleState>,
    staff: Staff,
    Path(key): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, ConsoleError> {
    staff.check_csrf(&form.csrf)?;
    let (id, item) = find(state.pool(), &key).await?;
    let stopped = outbox::cancel_news(state.pool(), id).await?;
    audit::record(
        state.pool(),
        &staff.user.username,
        "news.cancel",
        &item.key,
        Some(&format!("{stopped} deliveries stopped")),
    )
    .await?;
    Ok(Redirect::to(&format!("/console/news/{}", item.key)).into_response())
}

/// What the edit form sends: the words and the dates, never the topics (whoever got
/// the item got it for those).
#[derive(Debug, Default, Clone, Deserialize)]
struct EditForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    link: String,
    #[serde(default)]
    expires: String,
}

fn edit_page(
    state: &ConsoleState,
    staff: Staff,
    key: &str,
    form: &EditForm,
    errors: &[FieldError],
) -> Result<Response, ConsoleError> {
    staff.page(
        state,
        "news_edit.html",
        context! {
            key,
            form => context! { title => form.title, body => form.body, link => form.link, expires => form.expires },
            errors,
        },
    )
}

/// `GET /console/news/{key}/edit`.
async fn edit(
    State(state): State<ConsoleState>,
    staff: Staff,
    Path(key): Path<String>,
) -> Result<Response, ConsoleError> {
    let (_, item) = find(state.pool(), &key).await?;
    let form = EditForm {
        title: item.title,
        body: item.body,
        link: item.link.unwrap_or_default(),
        expires: item.expires_at.map(field_time).unwrap_or_default(),
        ..EditForm::default()
    };
    edit_page(&state, staff, &item.key, &form, &[])
}

/// `POST /console/news/{key}/edit`: the bot's «ultime notizie» show the new words at
/// once, and so do the deliveries still queued (the message is rendered again);
/// messages already sent stay as they were.
async fn save_edit(
    State(state): State<ConsoleState>,
    staff: Staff,
    Path(key): Path<String>,
    Form(form): Form<EditForm>,
) -> Result<Response, ConsoleError> {
    staff.check_csrf(&form.csrf)?;
    let (id, mut item) = find(state.pool(), &key).await?;
    let mut errors = FieldErrors::new(staff.lang());
    let title = form.title.trim();
    let body = form.body.trim();
    let link = form.link.trim();
    check_words(&mut errors, title, body);
    errors.check_link(link);
    let expires_at = match form_time(&form.expires) {
        None => None,
        Some(Ok(at)) => Some(at),
        Some(Err(_)) => {
            errors.add(
                "expires",
                "Scadenza non valida: usa giorno e ora.",
                "Not a valid expiry: give a day and a time.",
            );
            None
        }
    };
    if !errors.is_empty() {
        return edit_page(&state, staff, &item.key, &form, &errors.into_vec());
    }
    item.title = title.to_owned();
    item.body = body.to_owned();
    item.link = (!link.is_empty()).then(|| link.to_owned());
    item.expires_at = expires_at;
    let mut tx = state.pool().begin().await?;
    let relayed: (bool,) = sqlx::query_as(
        "UPDATE news SET title = $2, body = $3, link = $4, expires_at = $5 WHERE id = $1 \
         RETURNING relayed_at IS NOT NULL",
    )
    .bind(id)
    .bind(&item.title)
    .bind(&item.body)
    .bind(&item.link)
    .bind(item.expires_at)
    .fetch_one(&mut *tx)
    .await?;
    if relayed.0 {
        let rendered = relay::render_news(&state.live().get(), &item)
            .map_err(|e| ConsoleError::Internal(format!("news {}: {e}", item.key)))?;
        outbox::save_rendered(&mut *tx, id, rendered.to_json()).await?;
    }
    tx.commit().await?;
    audit::record(
        state.pool(),
        &staff.user.username,
        "news.edit",
        &item.key,
        None,
    )
    .await?;
    Ok(Redirect::to(&format!("/console/news/{}", item.key)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_telegram_preview_keeps_telegram_tags_and_nothing_else() {
        let html = "<b>Titolo</b>\n<script>alert(1)</script> <a href=\"https://www.mim.gov.it\">leggi</a> <img src=x onerror=y>";
        let shown = telegram_preview(html);
        assert!(shown.contains("<b>Titolo</b>"), "{shown}");
        assert!(
            shown.contains(
                r#"<a href="https://www.mim.gov.it" rel="noopener noreferrer">leggi</a>"#
            ),
            "{shown}"
        );
        assert!(
            !shown.contains("<script") && shown.contains("&lt;script&gt;"),
            "{shown}"
        );
        assert!(!shown.contains("<img"), "{shown}");
        let sneaky = telegram_preview("<a href=\"javascript:alert(1)\">x</a>");
        assert!(!sneaky.contains("<a "), "{sneaky}");
    }

    #[test]
    fn a_form_is_checked_field_by_field_in_the_page_language() {
        let mut vocabulary = Vocabulary::default();
        vocabulary.topics.insert("maturita".into());
        let form = NewsForm {
            title: " ".into(),
            body: "Testo".into(),
            link: "www.mim.gov.it".into(),
            topic: vec!["ignoto".into()],
            when: "later".into(),
            at: "2020-01-01T08:00".into(),
            ..NewsForm::default()
        };
        let errors = check(&form, &vocabulary, "it", "mario")
            .err()
            .unwrap_or_default();
        let fields: Vec<&str> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["title", "topic", "link", "at"]);
        assert!(errors[0].message.starts_with("Scrivi"));

        let good = NewsForm {
            title: "Prima prova".into(),
            body: "Il 18 giugno alle 8:30.".into(),
            topic: vec!["maturita".into(), "maturita".into()],
            when: "now".into(),
            ..NewsForm::default()
        };
        let checked = check(&good, &vocabulary, "en", "mario").ok();
        let checked = checked.map(|c| (c.news.topics, c.news.author, c.at));
        assert_eq!(
            checked,
            Some((vec!["maturita".to_owned()], Some("mario".to_owned()), None))
        );
    }
}
