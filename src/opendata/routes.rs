//! `GET /opendata/` (the index page; `/opendata` redirects there), `/opendata/catalogo.jsonld` and
//! `/opendata/<dataset>.csv`: public, without a token, to merge into the listener
//! `serve` runs.
//!
//! What is served was built at most [`CACHE_FOR`] ago and on the same Italian day,
//! once for every caller: crawlers cannot make the database count more than once
//! every five minutes. A name that is not published answers 404 without building
//! anything. When the database fails, the last files built are served; with none
//! yet, 503 (the details go to the log, never to the client).

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use chrono::NaiveDate;

use super::{ALL, CATALOG_FILE, Config, INDEX_FILE, Labels, Publication, publish_from, today};
use crate::dialogue::Live;
use crate::store::pg::PgStore;

/// How long built files are served before they are built again.
pub const CACHE_FOR: Duration = Duration::from_secs(300);

/// What the open-data routes need. Cheap to clone.
#[derive(Clone)]
pub struct OpenDataState {
    store: PgStore,
    live: Live,
    config: Arc<Config>,
    built: Arc<tokio::sync::Mutex<Option<Built>>>,
}

impl OpenDataState {
    /// The routes' state: `store` for the figures, `live` for the flow titles and
    /// topic names of the running dialogues, `config` for the rest.
    pub fn new(store: PgStore, live: Live, config: Config) -> OpenDataState {
        OpenDataState {
            store,
            live,
            config: Arc::new(config),
            built: Arc::default(),
        }
    }

    /// The files to serve: the cached ones while fresh, else built now (callers
    /// arriving meanwhile wait for that one build).
    async fn publication(&self) -> Option<Arc<Publication>> {
        let today = today();
        // Held across the build on purpose: one build for everyone waiting.
        let mut built = self.built.lock().await;
        let now = Instant::now();
        if let Some(b) = built.as_ref()
            && b.fresh(now, today)
        {
            return Some(Arc::clone(&b.publication));
        }
        let labels = Labels::from_dialogues(&self.live.get());
        match publish_from(&self.store, &labels, &self.config, today).await {
            Ok(publication) => {
                let publication = Arc::new(publication);
                *built = Some(Built {
                    at: now,
                    day: today,
                    publication: Arc::clone(&publication),
                });
                Some(publication)
            }
            Err(err) => {
                tracing::warn!("open data: {err}");
                // Serve the last files, and leave the database alone for a while.
                let stale = built.as_mut()?;
                stale.at = now;
                Some(Arc::clone(&stale.publication))
            }
        }
    }
}

impl std::fmt::Debug for OpenDataState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenDataState")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// Files built at one moment.
struct Built {
    at: Instant,
    day: NaiveDate,
    publication: Arc<Publication>,
}

impl Built {
    /// Whether these files may still be served at `now`, on `today`.
    fn fresh(&self, now: Instant, today: NaiveDate) -> bool {
        self.day == today && now.saturating_duration_since(self.at) < CACHE_FOR
    }
}

/// The open-data routes with their state.
pub fn router(state: OpenDataState) -> Router {
    Router::new()
        // The page links its files relatively: it must be read from `/opendata/`.
        .route(
            "/opendata",
            get(|| async { Redirect::permanent("/opendata/") }),
        )
        .route("/opendata/", get(index))
        .route("/opendata/{name}", get(file))
        .with_state(state)
}

async fn index(State(state): State<OpenDataState>) -> Response {
    serve(&state, INDEX_FILE).await
}

async fn file(State(state): State<OpenDataState>, Path(name): Path<String>) -> Response {
    serve(&state, &name).await
}

async fn serve(state: &OpenDataState, name: &str) -> Response {
    let published =
        name == INDEX_FILE || name == CATALOG_FILE || ALL.iter().any(|d| d.file_name() == name);
    if !published {
        return (StatusCode::NOT_FOUND, "not found\n").into_response();
    }
    let Some(publication) = state.publication().await else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, "60")],
            "open data temporarily unavailable\n",
        )
            .into_response();
    };
    let Some(file) = publication.file(name) else {
        return (StatusCode::NOT_FOUND, "not found\n").into_response();
    };
    (
        [
            (header::CONTENT_TYPE, file.content_type.to_owned()),
            (
                header::CACHE_CONTROL,
                format!("public, max-age={}", CACHE_FOR.as_secs()),
            ),
            // Open data is meant to be read by anyone's web page too.
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*".to_owned()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        ],
        file.bytes.clone(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn built(day: NaiveDate, at: Instant) -> Built {
        Built {
            at,
            day,
            publication: Arc::new(Publication {
                files: Vec::new(),
                tables: Vec::new(),
            }),
        }
    }

    #[test]
    fn files_are_fresh_for_five_minutes_of_the_same_day() {
        let day: NaiveDate = "2027-01-20".parse().unwrap();
        let start = Instant::now();
        let files = built(day, start);
        assert!(files.fresh(start, day));
        assert!(files.fresh(start + CACHE_FOR - Duration::from_secs(1), day));
        assert!(!files.fresh(start + CACHE_FOR, day));
        assert!(!files.fresh(start, day.succ_opt().unwrap()));
    }
}
