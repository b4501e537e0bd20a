//! `/console/inbox`: what citizens asked and the bot did not understand, grouped by
//! the closest thing the bot knows, so staff teach it in a few clicks: add a message as
//! an example of an FAQ (written to the content store, live in every replica at the
//! next content check), get the snippet to paste into a dialogue file and where it
//! goes, turn it into a new FAQ, or set it aside.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::Form;
use minijinja::context;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use super::audit;
use super::web::{ConsoleError, ConsoleState, Staff};
use crate::dialogue::Dialogues;
use crate::evaluation::explain::best_candidate;

pub(super) fn routes() -> Router<ConsoleState> {
    Router::new()
        .route("/console/inbox", get(page))
        .route("/console/inbox/example", post(add_example))
        .route("/console/inbox/dismiss", post(dismiss))
}

/// Messages read for the inbox at most, newest first.
const READ: i64 = 500;
/// Messages shown per group.
const SHOWN: usize = 8;

#[derive(Debug, Clone, Serialize)]
struct Message {
    id: i64,
    at: String,
    text: String,
}

#[derive(Debug, Serialize)]
struct Group {
    /// `faq:KEY`, `flow.state`, or empty when nothing is close.
    target: String,
    /// What staff read for the target: the FAQ's question or the state's name.
    label: String,
    is_faq: bool,
    score: f32,
    count: usize,
    messages: Vec<Message>,
    /// For a dialogue state: where its examples are written, and the lines to add.
    file_line: Option<String>,
    snippet: Option<String>,
}

/// Where the examples leading to `target` are written in the dialogue files: the
/// line after the last one.
fn where_examples_go(d: &Dialogues, target: &str) -> Option<String> {
    let id = d.find(target)?;
    let rules = d
        .settings
        .intents
        .iter()
        .chain(d.states.iter().flat_map(|s| s.rules.iter()));
    rules
        .filter(|rule| rule.target == id)
        .filter_map(|rule| rule.examples.last())
        .map(|example| &example.position)
        .max_by_key(|p| p.line)
        .map(|p| format!("{}:{}", p.file, p.line + 1))
}

/// What staff read for a dialogue state: its flow's title and its name
/// («Esame di Stato › date»); the bare name when it has none.
fn state_label(d: &Dialogues, target: &str, lang: &str) -> String {
    let Some(id) = d.find(target) else {
        return target.to_owned();
    };
    let state = d.state(id);
    let flow = d.flows.get(state.flow);
    let title = flow
        .and_then(|f| f.title.as_ref())
        .map(|t| t.get(lang, &d.settings.default_lang).to_owned());
    match title {
        Some(title) if !title.is_empty() => format!("{title} › {}", state.name),
        _ => target.to_owned(),
    }
}

/// What a citizen wrote in the transcript line `id`, if it is one of theirs.
pub(super) async fn citizen_words(pool: &PgPool, id: i64) -> Result<Option<String>, ConsoleError> {
    let text: Option<(String,)> =
        sqlx::query_as("SELECT body FROM transcripts WHERE id = $1 AND direction = 'in'")
            .bind(id)
            .fetch_optional(pool)
            .await?;
    Ok(text.map(|(text,)| text))
}

/// A YAML list item that reads back as exactly `text`.
fn yaml_item(text: &str) -> String {
    let quoted = text.replace('\\', "\\\\").replace('"', "\\\"");
    format!("- \"{quoted}\"")
}

#[derive(Debug, Default, Deserialize)]
struct Notice {
    done: Option<String>,
}

/// `GET /console/inbox`.
async fn page(
    State(state): State<ConsoleState>,
    staff: Staff,
    Query(notice): Query<Notice>,
) -> Result<Response, ConsoleError> {
    let rows: Vec<(i64, chrono::DateTime<chrono::Utc>, String, String)> = sqlx::query_as(
        "SELECT id, at, state, body FROM transcripts \
         WHERE NOT understood AND NOT dismissed AND direction = 'in' \
         ORDER BY at DESC LIMIT $1",
    )
    .bind(READ)
    .fetch_all(state.pool())
    .await?;
    let d = state.live().get();
    let staff_lang = staff.lang();
    let faqs = state.faq_index(&d).await?;
    let mut groups: BTreeMap<String, Group> = BTreeMap::new();
    for (id, at, at_state, text) in rows {
        let best = best_candidate(&d, &faqs, &at_state, &text);
        let (target, score) = best.unwrap_or_default();
        let group = groups.entry(target.clone()).or_insert_with(|| {
            let faq_key = target.strip_prefix("faq:");
            let label = match faq_key {
                Some(key) => faqs
                    .find(key)
                    .map_or_else(|| key.to_owned(), |(_, f)| f.question.clone()),
                None => state_label(&d, &target, staff_lang),
            };
            Group {
                is_faq: faq_key.is_some(),
                file_line: (faq_key.is_none() && !target.is_empty())
                    .then(|| where_examples_go(&d, &target))
                    .flatten(),
                label,
                target: target.clone(),
                score,
                count: 0,
                messages: Vec::new(),
                snippet: None,
            }
        });
        group.count += 1;
        group.score = group.score.max(score);
        if group.messages.len() < SHOWN {
            group.messages.push(Message {
                id,
                at: at
                    .with_timezone(&chrono_tz::Europe::Rome)
                    .format("%d/%m %H:%M")
                    .to_string(),
                text,
            });
        }
    }
    let mut groups: Vec<Group> = groups.into_values().collect();
    for group in &mut groups {
        if !group.is_faq && !group.target.is_empty() {
            let lines: Vec<String> = group.messages.iter().map(|m| yaml_item(&m.text)).collect();
            group.snippet = Some(lines.join("\n"));
        }
    }
    // The biggest groups first; what matches nothing last.
    groups.sort_by_key(|g| (g.target.is_empty(), std::cmp::Reverse(g.count)));
    staff.page(
        &state,
        "inbox.html",
        context! { groups, done => notice.done },
    )
}

#[derive(Debug, Deserialize)]
struct AddExample {
    #[serde(default)]
    csrf: String,
    faq: String,
    id: i64,
}

/// `POST /console/inbox/example`: the message becomes an example of the FAQ.
async fn add_example(
    State(state): State<ConsoleState>,
    staff: Staff,
    Form(form): Form<AddExample>,
) -> Result<Response, ConsoleError> {
    staff.check_csrf(&form.csrf)?;
    let text = citizen_words(state.pool(), form.id)
        .await?
        .ok_or(ConsoleError::NotFound)?;
    let example = text.trim();
    let mut tx = state.pool().begin().await?;
    let updated = sqlx::query(
        "UPDATE faqs SET examples = CASE WHEN $2 = ANY(examples) THEN examples \
                                         ELSE array_append(examples, $2) END, \
                         updated_at = now() WHERE key = $1",
    )
    .bind(&form.faq)
    .bind(example)
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(ConsoleError::NotFound);
    }
    // Taught: it leaves the inbox, with every copy of the same words.
    sqlx::query(
        "UPDATE transcripts SET dismissed = true WHERE NOT understood AND direction = 'in' AND body = $1",
    )
    .bind(&text)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    audit::record(
        state.pool(),
        &staff.user.username,
        "faq.example",
        &form.faq,
        None,
    )
    .await?;
    Ok(Redirect::to("/console/inbox?done=example").into_response())
}

#[derive(Debug, Deserialize)]
struct Dismiss {
    #[serde(default)]
    csrf: String,
    /// The messages set aside (a whole group, or one).
    #[serde(default)]
    id: Vec<i64>,
}

/// `POST /console/inbox/dismiss`.
async fn dismiss(
    State(state): State<ConsoleState>,
    staff: Staff,
    Form(form): Form<Dismiss>,
) -> Result<Response, ConsoleError> {
    staff.check_csrf(&form.csrf)?;
    let done = sqlx::query("UPDATE transcripts SET dismissed = true WHERE id = ANY($1)")
        .bind(&form.id)
        .execute(state.pool())
        .await?;
    audit::record(
        state.pool(),
        &staff.user.username,
        "inbox.dismiss",
        &format!("{} messages", done.rows_affected()),
        None,
    )
    .await?;
    Ok(Redirect::to("/console/inbox?done=dismiss").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snippet_line_reads_back_as_the_message() {
        let line = yaml_item(r#"ma la "prima" prova \ quando"#);
        let parsed: Result<Vec<String>, _> = serde_saphyr::from_str(&line);
        assert_eq!(
            parsed.ok(),
            Some(vec![r#"ma la "prima" prova \ quando"#.to_owned()])
        );
    }
}
