//! `/admin/unanswered`: citizen messages the bot did not understand, newest first,
//! for staff to improve the dialogues or the FAQ (`sportello unanswered`). Only the
//! time, the state and the text: never who wrote it.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use serde::{Deserialize, Serialize};

use super::AdminState;
use super::error::{ApiError, Params, limit};
use super::time::italian;
use crate::evaluation::explain::best_candidate;
use crate::store::ContentSource;
use crate::understand::FaqIndex;

/// Messages listed when the request names no `limit`.
const DEFAULT_LIMIT: i64 = 50;
/// The most messages one list returns.
const MAX_LIMIT: i64 = 1000;

pub(super) fn routes() -> Router<AdminState> {
    Router::new().route("/admin/unanswered", get(list))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListParams {
    limit: Option<i64>,
}

/// One message the bot did not understand.
#[derive(Debug, Serialize)]
struct Unanswered {
    /// When it arrived: RFC 3339, Italian time.
    at: String,
    /// The dialogue state the citizen was in (`flow.state`).
    state: String,
    text: String,
    /// The closest thing the dialogues or FAQs have (`flow.state` or `faq:key`) and its
    /// score: where to add the message as an example.
    closest: Option<Closest>,
}

#[derive(Debug, Serialize)]
struct Closest {
    target: String,
    score: f32,
}

#[derive(Debug, Serialize)]
struct UnansweredList {
    unanswered: Vec<Unanswered>,
}

/// `GET /admin/unanswered?limit=N`: newest first (default 50, at most 1000). Empty
/// when transcripts are off (`SPORTELLO_TRANSCRIPTS=false`) or past retention.
async fn list(
    State(state): State<AdminState>,
    Params(params): Params<ListParams>,
) -> Result<Json<UnansweredList>, ApiError> {
    let limit = limit(params.limit, DEFAULT_LIMIT, MAX_LIMIT)?;
    let rows = state.store.not_understood(limit).await?;
    let d = state.live.get();
    let list = state.store.faqs().await?;
    let faqs = FaqIndex::build(&d.understanding.analyzer, list.faqs.to_vec());
    Ok(Json(UnansweredList {
        unanswered: rows
            .into_iter()
            .map(|(at, state, text)| Unanswered {
                closest: best_candidate(&d, &faqs, &state, &text)
                    .map(|(target, score)| Closest { target, score }),
                at: italian(at),
                state,
                text,
            })
            .collect(),
    }))
}
