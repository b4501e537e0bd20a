//! The admin HTTP API: JSON routes under `/admin` for staff tools and operators —
//! news (create, list, publish, status), consultations (define, list, results),
//! subscriber counts, the citizen messages the bot did not understand, and the
//! dialogues (reload, check).
//!
//! [`router`] builds the routes with their state, ready to merge into the listener
//! `serve` already runs; it never binds a socket itself.
//!
//! Guarantees:
//! - Every route needs `Authorization: Bearer <token>` with one of the configured
//!   [`AdminTokens`]; otherwise 401 with `WWW-Authenticate: Bearer` and a JSON error.
//!   Tokens are compared in constant time, kept only as keyed hashes, and never
//!   logged or echoed.
//! - With no token configured the API is disabled: every route answers 404
//!   `{"error": "the admin API is disabled …"}`, whatever the request carries.
//! - Errors are JSON `{"error": "…"}` (some with more fields): 4xx explain what to fix;
//!   5xx say only "internal error" while the details are logged once at warn. Database
//!   text never reaches a client.
//! - Reloading or checking the dialogues reads files off the async threads
//!   (`spawn_blocking`); a reload that fails keeps the running version.
//!
//! The API never runs a conversation and never sends a message itself: publishing
//! only queues deliveries in the outbox, which the relay sends.
//!
//! # Layout
//! - `auth`: the tokens and the middleware that checks them.
//! - `error`: `ApiError`, the JSON error every route answers with, and the body and
//!   query extractors whose rejections use it.
//! - `news`: `/admin/news…`: create, list, publish, status.
//! - `consultations`: `/admin/consultations…`: define, list, status and results.
//! - `subscribers`: `/admin/subscribers`: counts per channel and topic.
//! - `unanswered`: `/admin/unanswered`: messages the bot did not understand.
//! - `dialogues`: `/admin/reload` and `/admin/dialogues`.

mod auth;
mod consultations;
mod dialogues;
mod error;
mod news;
mod subscribers;
mod tickets;
mod time;
mod unanswered;

use std::sync::Arc;

use axum::Router;
use axum::middleware::from_fn_with_state;

use crate::dialogue::Live;
use crate::store::pg::PgStore;

pub use auth::{AdminTokens, MIN_TOKEN_LEN, TokensError};
pub use error::ApiError;

/// The path every admin route starts with.
pub const ADMIN_PREFIX: &str = "/admin";

/// What the admin routes work on. Cheap to clone (the router clones it per request).
#[derive(Clone)]
pub struct AdminState {
    store: PgStore,
    live: Live,
    broadcast_to: Arc<[String]>,
    tokens: Arc<AdminTokens>,
}

impl AdminState {
    /// The state of the admin API.
    ///
    /// - `store`: the database (news, outbox, subscribers, transcripts).
    /// - `live`: the running dialogues, shared with the bot: a reload through the API
    ///   is what the bot runs next; topics of new news are checked against them and
    ///   published news is rendered with their `news` template.
    /// - `broadcast_to`: the Telegram channels or groups that get every published item
    ///   (`TELEGRAM_CHANNELS`); entries are trimmed and empty ones dropped.
    /// - `tokens`: who may call the API; none disables it (every route 404).
    pub fn new(
        store: PgStore,
        live: Live,
        broadcast_to: Vec<String>,
        tokens: AdminTokens,
    ) -> AdminState {
        let broadcast_to: Vec<String> = broadcast_to
            .iter()
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty())
            .collect();
        AdminState {
            store,
            live,
            broadcast_to: broadcast_to.into(),
            tokens: Arc::new(tokens),
        }
    }
}

impl std::fmt::Debug for AdminState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminState")
            .field("dialogues", &self.live.dir())
            .field("broadcast_to", &self.broadcast_to)
            .field("tokens", &self.tokens)
            .finish_non_exhaustive()
    }
}

/// All admin routes under [`ADMIN_PREFIX`], with `state` applied and the token check
/// on every route: merge it into the listener's router.
///
/// Paths under `/admin` that match no route are left to the outer router (404).
pub fn router(state: AdminState) -> Router {
    Router::new()
        .merge(news::routes())
        .merge(consultations::routes())
        .merge(subscribers::routes())
        .merge(unanswered::routes())
        .merge(tickets::routes())
        .merge(dialogues::routes())
        .route_layer(from_fn_with_state(state.clone(), auth::require_token))
        .with_state(state)
}
