//! `/admin/reload` and `/admin/dialogues`: put edited dialogue files live, and see
//! what runs and what `sportello check` says about the directory.
//!
//! A reload that finds errors keeps the running version and answers 422 with every
//! finding (file, line, column, message). Files are read on the blocking pool.

use std::path::PathBuf;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use serde::Serialize;

use super::AdminState;
use super::error::ApiError;
use crate::dialogue::{Diagnostic, ReloadError, Severity, load_dir};

pub(super) fn routes() -> Router<AdminState> {
    Router::new()
        .route("/admin/reload", post(reload))
        .route("/admin/dialogues", get(running))
}

/// A reload that took.
#[derive(Debug, Serialize)]
struct ReloadView {
    /// The version running now.
    version: String,
    /// False when the files had not changed since the running version.
    changed: bool,
    /// Findings about the new version that do not stop it.
    warnings: Vec<Diagnostic>,
}

/// `POST /admin/reload`: loads and checks the dialogue directory and, when it has no
/// errors, runs it from the next turn on. 422 with the findings when it has errors
/// (the running version is kept); 409 when the dialogues are the bundled ones.
async fn reload(State(state): State<AdminState>) -> Result<Json<ReloadView>, ApiError> {
    let live = state.live.clone();
    match tokio::task::spawn_blocking(move || live.reload_and_log()).await? {
        Ok(reloaded) => {
            if reloaded.changed
                && let Err(err) =
                    crate::replicas::announce_reload(&state.store, &reloaded.version).await
            {
                // This replica runs the new version; the others still follow their files.
                tracing::warn!("reload not announced to the other replicas: {err}");
            }
            Ok(Json(ReloadView {
                version: reloaded.version,
                changed: reloaded.changed,
                warnings: reloaded.warnings,
            }))
        }
        Err(err @ ReloadError::Bundled) => Err(ApiError::Conflict(format!(
            "{err} (set SPORTELLO_DIALOGUES to run a directory)"
        ))),
        Err(ReloadError::Invalid(mut report)) => {
            report.sort();
            Err(ApiError::Dialogues {
                running_version: state.live.get().version.clone(),
                findings: report.diagnostics,
            })
        }
    }
}

/// What runs and what the directory holds now.
#[derive(Debug, Serialize)]
struct RunningView {
    /// The version running now.
    version: String,
    /// `directory` or `bundled` (built into the binary, never reloaded).
    source: &'static str,
    /// The directory, when there is one.
    dir: Option<PathBuf>,
    /// The running flows, by name.
    flows: Vec<String>,
    /// `sportello check` of the directory as it is on disk now; absent when bundled.
    #[serde(skip_serializing_if = "Option::is_none")]
    check: Option<CheckView>,
    /// Said when the dialogues are bundled.
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<&'static str>,
}

/// The findings of one check.
#[derive(Debug, Serialize)]
struct CheckView {
    /// The version the files would run as; null when they have errors.
    version: Option<String>,
    /// True when the files on disk are what runs (nothing to reload).
    running: bool,
    errors: usize,
    warnings: usize,
    findings: Vec<Diagnostic>,
}

/// `GET /admin/dialogues`: the running version and flows, and the findings of
/// `sportello check` on the directory as it is now.
async fn running(State(state): State<AdminState>) -> Result<Json<RunningView>, ApiError> {
    let current = state.live.get();
    let flows = current.flows.iter().map(|f| f.name.clone()).collect();
    let Some(dir) = state.live.dir().map(PathBuf::from) else {
        return Ok(Json(RunningView {
            version: current.version.clone(),
            source: "bundled",
            dir: None,
            flows,
            check: None,
            note: Some(
                "the dialogues are built into the binary: checked when it was built, never reloaded",
            ),
        }));
    };
    let checked_dir = dir.clone();
    let (loaded, mut report) = tokio::task::spawn_blocking(move || load_dir(&checked_dir)).await?;
    report.sort();
    let version = loaded.map(|d| d.version);
    let check = CheckView {
        running: version.as_deref() == Some(current.version.as_str()),
        version,
        errors: report.count(Severity::Error),
        warnings: report.count(Severity::Warning),
        findings: report.diagnostics,
    };
    Ok(Json(RunningView {
        version: current.version.clone(),
        source: "directory",
        dir: Some(dir),
        flows,
        check: Some(check),
        note: None,
    }))
}
