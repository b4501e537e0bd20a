//! The WhatsApp channel: the Cloud API spoken directly (reqwest + serde), webhooks
//! served as an axum [`Router`] at `/whatsapp/webhook`, one conversation turn per
//! citizen message, replies rendered within WhatsApp's limits.
//!
//! Limits and ordering:
//! - a webhook POST is refused with 401 unless `X-Hub-Signature-256` signs its raw
//!   body with the app secret (checked before parsing); a good one is answered 200
//!   at once and handled afterwards;
//! - one citizen's events are handled strictly in order (one worker per wa_id while
//!   it has events); different citizens run concurrently, at most `max_in_flight`
//!   turns at once;
//! - a message id (`wamid`) is handled once, even when Meta redelivers it days later
//!   (ids are kept in PostgreSQL for 30 days);
//! - text ≤ 4096 characters per message; ≤ 3 buttons as reply buttons (titles ≤ 20),
//!   4–10 as a list (rows ≤ 24, descriptions ≤ 72), more as a numbered text menu;
//!   interactive bodies ≤ 1024 characters (see `render`);
//! - replies retry rate limits and temporary failures a few times; proactive
//!   messages ([`NewsSender`]) respect the 24-hour window and fall back to templates;
//! - images, voice notes, locations… get a polite "text only" reply and no turn;
//! - logs carry only a hash of the wa_id, never message text; the access token, app
//!   secret and verify token are never logged.

mod api;
mod config;
mod consultation;
mod inbound;
mod limits;
mod render;
mod sender;
mod signature;
mod turns;
mod webhook;
mod window;

use std::sync::Arc;

use axum::Router;

pub use api::{GraphClient, PAIR_BACKOFF, SendError, THROUGHPUT_BACKOFF, classify};
pub use config::{DEFAULT_API_URL, NewsTemplates, Template, WhatsAppConfig};
pub use consultation::{Question as ConsultationQuestion, consultation_question};
pub use inbound::{Event, MessageKind, events};
pub use limits::{DEFAULT_WHATSAPP_RATE, MAX_WHATSAPP_RATE, WhatsAppLimits};
pub use render::{
    MenuEntry, Rendered, Row, WaMessage, render, shorten, shorten_unique, to_whatsapp,
};
pub use sender::{Delivered, NewsMessage, NewsSender, Outside, Via};
pub use signature::{SIGNATURE_HEADER, sign, verify};
// The console's WhatsApp preview reads typed titles as this channel does.
pub(crate) use turns::typed_title;
pub use webhook::WEBHOOK_PATH;
pub use window::{WINDOW, within_window};

pub use crate::store::{Contact, Delivery, WHATSAPP_RETENTION_DAYS as RETENTION_DAYS};

use crate::channel::ordered::{Bounds, Ordered};
use crate::conversation::Conversation;
use crate::sender::{Pace, Paced, Retry, RetryPolicy};
use crate::store::pg::PgStore;
use crate::store::{Ballots, CitizenStore, ContentSource};
use turns::Turns;
use webhook::Webhook;

/// The sender stack replies go through.
type ReplySender = Retry<Paced<GraphClient>>;

/// The channel could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum WhatsAppError {
    /// A setting is missing or wrong (named in the message).
    #[error("WhatsApp configuration: {0}")]
    Config(String),
}

/// The running channel: its webhook router and the dispatch behind it. Cheap to clone.
pub struct WhatsApp<C, S> {
    webhook: Arc<Webhook<C, S>>,
}

impl<C, S> Clone for WhatsApp<C, S> {
    fn clone(&self) -> Self {
        WhatsApp {
            webhook: Arc::clone(&self.webhook),
        }
    }
}

impl<C: ContentSource + 'static, S: CitizenStore + Ballots + 'static> WhatsApp<C, S> {
    /// The channel for `config`, running turns on `conversation` and keeping its own
    /// records (seen ids, contacts, deliveries) in `records`; replies keep the default
    /// limits ([`WhatsAppLimits::default`]) on a pace of their own.
    pub fn new(
        config: &WhatsAppConfig,
        conversation: Conversation<C, S>,
        records: PgStore,
    ) -> Result<WhatsApp<C, S>, WhatsAppError> {
        let pace = Arc::new(Pace::new(WhatsAppLimits::default()));
        WhatsApp::with_pace(config, conversation, records, pace)
    }

    /// Like [`new`](Self::new), with replies waiting for `pace`, which the WhatsApp
    /// news relay shares so the number's limits hold for everything it sends.
    pub fn with_pace(
        config: &WhatsAppConfig,
        conversation: Conversation<C, S>,
        records: PgStore,
        pace: Arc<Pace>,
    ) -> Result<WhatsApp<C, S>, WhatsAppError> {
        config.validate()?;
        let sender = Retry::new(
            Paced::new(GraphClient::new(config)?, pace),
            RetryPolicy::REPLY,
        );
        let turns = Turns {
            conversation,
            sender,
            records,
        };
        let webhook = Webhook {
            dispatch: Ordered::new(turns, Bounds::for_in_flight(config.max_in_flight)),
            phone_number_id: config.phone_number_id.clone(),
            app_secret: config.app_secret.clone(),
            verify_token: config.verify_token.clone(),
        };
        Ok(WhatsApp {
            webhook: Arc::new(webhook),
        })
    }

    /// `GET`/`POST /whatsapp/webhook`, to merge into the HTTP listener's router.
    pub fn router(&self) -> Router {
        webhook::router(Arc::clone(&self.webhook))
    }

    /// Waits until every event taken so far has been handled.
    pub async fn drain(&self) {
        self.webhook.dispatch.idle().await;
    }

    /// Takes no more events, lets the turns in flight finish and drops what was only
    /// queued (logged as a count): for shutdown, after the HTTP server stopped.
    pub async fn stop(&self) {
        let drained = self.webhook.dispatch.shutdown().await;
        tracing::info!(
            dropped = drained.dropped,
            "WhatsApp channel stopped (queued events not started were dropped)"
        );
    }
}
