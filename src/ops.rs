//! What an operator's tooling asks a running bot: `/healthz` (the process is up, and
//! which dialogue version runs), `/readyz` (the database answers and dialogues are
//! loaded) and `/metrics` (Prometheus text).
//!
//! Metric names, all prefixed `sportello_`:
//! - `updates_total{channel}`: citizen updates received;
//! - `turns_total{channel}`, `turn_seconds{channel}` (histogram), `fallbacks_total`
//!   (messages not understood);
//! - `relay_deliveries_total{status}`, `relay_rate_limited_total`, `outbox_depth`
//!   (deliveries queued or being sent, read at each scrape);
//! - `rate_limit_waits_total`: sends that had to wait for Telegram's limits;
//! - `dialogue_reloads_total{outcome}`.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use serde_json::json;

use crate::dialogue::Live;
use crate::store::pg::PgStore;

/// How long readiness waits for the database.
const DATABASE_CHECK: Duration = Duration::from_secs(2);

/// Turn latency buckets (seconds): a turn usually takes about a millisecond.
const TURN_BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 5.0,
];

/// The metrics recorder could not be installed.
#[derive(Debug, thiserror::Error)]
#[error("metrics: {0}")]
pub struct MetricsError(String);

/// Installs the Prometheus recorder for this process; its handle renders `/metrics`.
pub fn install_metrics() -> Result<PrometheusHandle, MetricsError> {
    PrometheusBuilder::new()
        .set_buckets_for_metric(
            Matcher::Full("sportello_turn_seconds".to_owned()),
            &TURN_BUCKETS,
        )
        .map_err(|e| MetricsError(e.to_string()))?
        .install_recorder()
        .map_err(|e| MetricsError(e.to_string()))
}

/// How often the recorder folds recorded histogram samples into its buckets.
const UPKEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// Folds the recorder's raw histogram samples into buckets every few seconds. Without
/// it (`install_recorder` does not do it), every turn's sample is kept until the next
/// scrape: a process nobody scrapes grows without bound.
pub fn spawn_metrics_upkeep(handle: PrometheusHandle) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(UPKEEP_EVERY);
        loop {
            ticks.tick().await;
            handle.run_upkeep();
        }
    })
}

/// What the endpoints look at.
#[derive(Clone)]
pub struct OpsState {
    /// The database `/readyz` pings and `/metrics` reads the outbox depth from.
    pub store: PgStore,
    /// The running dialogues, whose version health names.
    pub dialogues: Live,
    /// `None` when no recorder is installed (`/metrics` then answers 404).
    pub metrics: Option<PrometheusHandle>,
}

/// `/healthz`, `/readyz` and `/metrics`, to merge into the HTTP listener's router.
pub fn router(state: OpsState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics_text))
        .with_state(Arc::new(state))
}

async fn healthz(State(state): State<Arc<OpsState>>) -> Response {
    let version = state.dialogues.get().version.clone();
    axum::Json(json!({ "status": "ok", "dialogues": version })).into_response()
}

async fn readyz(State(state): State<Arc<OpsState>>) -> Response {
    let database = tokio::time::timeout(DATABASE_CHECK, state.store.ping()).await;
    let database_ok = matches!(database, Ok(Ok(())));
    let dialogues = state.dialogues.get();
    let dialogues_ok = !dialogues.states.is_empty();
    let status = if database_ok && dialogues_ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = json!({
        "status": if status == StatusCode::OK { "ready" } else { "not ready" },
        "database": if database_ok { "ok" } else { "unreachable" },
        "dialogues": dialogues.version,
    });
    (status, axum::Json(body)).into_response()
}

async fn metrics_text(State(state): State<Arc<OpsState>>) -> Response {
    let Some(handle) = &state.metrics else {
        return StatusCode::NOT_FOUND.into_response();
    };
    // Read at each scrape: a gauge kept by the workers would go stale across processes.
    let depth = tokio::time::timeout(DATABASE_CHECK, state.store.outbox_depth()).await;
    if let Ok(Ok(depth)) = depth {
        metrics::gauge!("sportello_outbox_depth").set(depth as f64);
    }
    let open = tokio::time::timeout(DATABASE_CHECK, state.store.open_tickets()).await;
    if let Ok(Ok(open)) = open {
        for (queue, count) in open {
            metrics::gauge!("sportello_tickets_open", "queue" => queue).set(count as f64);
        }
    }
    (
        [("content-type", "text/plain; version=0.0.4")],
        handle.render(),
    )
        .into_response()
}
