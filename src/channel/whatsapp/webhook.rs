//! `/whatsapp/webhook`: `GET` answers Meta's subscription handshake, `POST` takes
//! signed event bodies. A POST is checked against `X-Hub-Signature-256` on its raw
//! bytes before anything is parsed (401 otherwise), handed to the ordered dispatch
//! per citizen, and answered 200; the turns run afterwards.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::inbound::{Event, events};
use super::signature::{SIGNATURE_HEADER, verify};
use super::turns::Turns;
use crate::channel::ordered::Ordered;
use crate::channel::secrets_match;
use crate::store::{Ballots, CitizenStore, ContentSource};

/// The path Meta is configured to call.
pub const WEBHOOK_PATH: &str = "/whatsapp/webhook";

/// What the webhook needs: the secrets it checks, and the dispatch it feeds.
pub(super) struct Webhook<C, S> {
    pub(super) dispatch: Ordered<String, Event, Turns<C, S>>,
    pub(super) phone_number_id: String,
    pub(super) app_secret: String,
    pub(super) verify_token: String,
}

pub(super) fn router<C, S>(service: Arc<Webhook<C, S>>) -> Router
where
    C: ContentSource + 'static,
    S: CitizenStore + Ballots + 'static,
{
    Router::new()
        .route(WEBHOOK_PATH, get(handshake::<C, S>).post(receive::<C, S>))
        .with_state(service)
}

/// `hub.mode=subscribe&hub.verify_token=…&hub.challenge=…` → the challenge as plain
/// text when the token is ours; 403 otherwise.
async fn handshake<C, S>(
    State(service): State<Arc<Webhook<C, S>>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response
where
    C: ContentSource + 'static,
    S: CitizenStore + Ballots + 'static,
{
    let mode = query.get("hub.mode").map(String::as_str);
    let token = query
        .get("hub.verify_token")
        .map(String::as_str)
        .unwrap_or_default();
    let challenge = query.get("hub.challenge");
    match challenge {
        Some(challenge)
            if mode == Some("subscribe")
                && secrets_match(token.as_bytes(), service.verify_token.as_bytes()) =>
        {
            tracing::info!("WhatsApp webhook subscription verified");
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                challenge.clone(),
            )
                .into_response()
        }
        _ => {
            tracing::warn!("WhatsApp webhook handshake refused");
            StatusCode::FORBIDDEN.into_response()
        }
    }
}

async fn receive<C, S>(
    State(service): State<Arc<Webhook<C, S>>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode
where
    C: ContentSource + 'static,
    S: CitizenStore + Ballots + 'static,
{
    let signature = headers.get(SIGNATURE_HEADER).and_then(|v| v.to_str().ok());
    if !verify(service.app_secret.as_bytes(), signature, &body) {
        tracing::warn!(
            signed = signature.is_some(),
            "WhatsApp webhook refused: bad signature"
        );
        return StatusCode::UNAUTHORIZED;
    }
    let events = match events(&body, &service.phone_number_id) {
        Ok(events) => events,
        Err(err) => {
            tracing::warn!("WhatsApp webhook body unreadable: {err}");
            return StatusCode::BAD_REQUEST;
        }
    };
    for event in events {
        if matches!(event, Event::Message { .. }) {
            metrics::counter!("sportello_updates_total", "channel" => "whatsapp").increment(1);
        }
        let wa_id = event.wa_id().to_owned();
        service.dispatch.push(wa_id, event).await;
    }
    StatusCode::OK
}
