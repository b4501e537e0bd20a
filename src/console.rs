//! The staff console: server-rendered pages under `/console` on the bot's HTTP
//! listener, in Bootstrap Italia (vendored into the binary), Italian with English.
//!
//! Staff sign in with an account from `sportello staff add` (argon2id hashes); the
//! session lives in PostgreSQL (tower-sessions), so any replica serves any page. Every
//! form carries a CSRF token (axum_csrf, keyed by a secret every replica reads from
//! the database); sign-in attempts are limited per account and per address.
//!
//! Pages never run a conversation and never send a message: publishing queues the
//! deliveries in the outbox, which the relay sends, exactly as the admin API does.
//!
//! # Layout
//! - `accounts`: staff users and their passwords; `audit`: who did what.
//! - `session_store`: tower-sessions' store on PostgreSQL.
//! - `web`: the state, templates, errors and the signed-in staff extractors.
//! - `login`, `glance`, `news`, `inbox`, `content`, `dialogues`, `staff`: the pages.
//! - `templates`: the pages' HTML (minijinja, escaped); `charts`: inline SVG bar
//!   charts; `assets`: the vendored files.

pub mod accounts;
mod assets;
pub mod audit;
mod charts;
mod content;
mod dialogues;
mod glance;
mod inbox;
mod login;
mod news;
pub mod session_store;
mod staff;
mod templates;
mod web;

use axum::Router;
use axum::routing::get;
use tower_sessions::{Expiry, SessionManagerLayer, cookie::SameSite};

pub use web::ConsoleState;

/// The path every console page starts with.
pub const CONSOLE_PREFIX: &str = "/console";

/// How long a signed-in session lasts without use.
const IDLE: time::Duration = time::Duration::hours(8);

/// Every console route with its state and session layer: merge into the listener.
pub fn router(state: ConsoleState) -> Router {
    let sessions = SessionManagerLayer::new(state.session_store())
        .with_name("sportello_console")
        .with_path(CONSOLE_PREFIX)
        .with_secure(state.secure_cookies())
        .with_http_only(true)
        .with_same_site(SameSite::Strict)
        .with_expiry(Expiry::OnInactivity(IDLE));
    Router::new()
        .route("/console", get(glance::page))
        .merge(login::routes())
        .merge(glance::routes())
        .merge(news::routes())
        .merge(inbox::routes())
        .merge(content::routes())
        .merge(dialogues::routes())
        .merge(staff::routes())
        .layer(sessions)
        .merge(assets::routes())
        .with_state(state)
}
