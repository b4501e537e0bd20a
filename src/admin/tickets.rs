//! `/admin/tickets`: conversations citizens have with a person (`sportello tickets`).
//! Tickets go by their number; the citizen's chat id never leaves the database.

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};

use super::AdminState;
use super::error::{ApiError, Params, limit};
use super::time::italian;
use crate::store::StaffDesk;

/// Tickets listed when the request names no `limit`.
const DEFAULT_LIMIT: i64 = 50;
/// The most tickets one list returns.
const MAX_LIMIT: i64 = 1000;

pub(super) fn routes() -> Router<AdminState> {
    Router::new()
        .route("/admin/tickets", get(list))
        .route("/admin/tickets/{id}", get(show))
        .route("/admin/tickets/{id}/close", post(close))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListParams {
    limit: Option<i64>,
    /// Closed ones too.
    all: Option<bool>,
}

#[derive(Debug, Serialize)]
struct Line {
    id: i64,
    queue: String,
    status: String,
    channel: String,
    /// RFC 3339, Italian time.
    opened_at: String,
    messages: i64,
    last_at: Option<String>,
}

#[derive(Debug, Serialize)]
struct TicketList {
    tickets: Vec<Line>,
}

/// `GET /admin/tickets?all=true&limit=N`: the live tickets (or all), newest first.
async fn list(
    State(state): State<AdminState>,
    Params(params): Params<ListParams>,
) -> Result<Json<TicketList>, ApiError> {
    let limit = limit(params.limit, DEFAULT_LIMIT, MAX_LIMIT)?;
    let lines = state
        .store
        .list_tickets(params.all.unwrap_or(false), limit)
        .await?;
    Ok(Json(TicketList {
        tickets: lines
            .into_iter()
            .map(|l| Line {
                id: l.id,
                queue: l.queue,
                status: l.status,
                channel: l.channel,
                opened_at: italian(l.opened_at),
                messages: l.messages,
                last_at: l.last_at.map(italian),
            })
            .collect(),
    }))
}

#[derive(Debug, Serialize)]
struct Message {
    direction: String,
    body: String,
    at: String,
}

#[derive(Debug, Serialize)]
struct Ticket {
    id: i64,
    queue: String,
    status: String,
    lang: String,
    opened_at: String,
    closed_at: Option<String>,
    messages: Vec<Message>,
}

/// `GET /admin/tickets/{id}`: one ticket with its messages.
async fn show(
    State(state): State<AdminState>,
    Path(id): Path<i64>,
) -> Result<Json<Ticket>, ApiError> {
    let Some(ticket) = state.store.ticket(id).await? else {
        return Err(ApiError::NotFound(format!("no ticket #{id}")));
    };
    Ok(Json(Ticket {
        id: ticket.id,
        queue: ticket.queue,
        status: ticket.status,
        lang: ticket.lang,
        opened_at: italian(ticket.opened_at),
        closed_at: ticket.closed_at.map(italian),
        messages: ticket
            .messages
            .into_iter()
            .map(|m| Message {
                direction: m.direction,
                body: m.body,
                at: italian(m.at),
            })
            .collect(),
    }))
}

#[derive(Debug, Serialize)]
struct Closed {
    id: i64,
    closed: bool,
}

/// `POST /admin/tickets/{id}/close`: the citizen is told and talks to the bot again;
/// 409 when the ticket is closed already.
async fn close(
    State(state): State<AdminState>,
    Path(id): Path<i64>,
) -> Result<Json<Closed>, ApiError> {
    if state.store.ticket(id).await?.is_none() {
        return Err(ApiError::NotFound(format!("no ticket #{id}")));
    }
    let d = state.live.get();
    let handoff = &d.settings.handoff;
    let text = |lang: &str| {
        html_escape::encode_text(handoff.closed.get(lang, &d.settings.default_lang)).into_owned()
    };
    if state
        .store
        .close_ticket(id, &text, handoff.reopen_days)
        .await?
    {
        Ok(Json(Closed { id, closed: true }))
    } else {
        Err(ApiError::Conflict(format!(
            "ticket #{id} is closed already"
        )))
    }
}
