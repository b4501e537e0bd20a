//! `/console/dialogues`: the dialogues running, what `sportello check` says of their
//! files, and the picture of the flows.

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use minijinja::{Value, context};

use super::web::{ConsoleError, ConsoleState, Staff};
use crate::dialogue::{self, Severity, graph};
use crate::staff_language::StaffLanguage;

pub(super) fn routes() -> Router<ConsoleState> {
    Router::new().route("/console/dialogues", get(page))
}

/// `GET /console/dialogues`.
async fn page(State(state): State<ConsoleState>, staff: Staff) -> Result<Response, ConsoleError> {
    let current = state.live().get();
    let language = if staff.lang() == "en" {
        StaffLanguage::English
    } else {
        StaffLanguage::Italian
    };
    let dir = state.live().dir().map(std::path::Path::to_path_buf);
    let source = dir.as_ref().map(|d| d.display().to_string());
    // Reading and checking files is blocking work.
    let (loaded, mut report) = tokio::task::spawn_blocking(move || match dir {
        Some(dir) => dialogue::load_dir(&dir),
        None => dialogue::load(&dialogue::bundled_files()),
    })
    .await
    .map_err(|e| ConsoleError::Internal(format!("check: {e}")))?;
    report.sort();
    let findings: Vec<Value> = report
        .diagnostics
        .iter()
        .map(|d| {
            context! {
                error => d.severity == Severity::Error,
                place => format!("{}:{}:{}", d.position.file, d.position.line, d.position.column),
                message => match (language, &d.italian) {
                    (StaffLanguage::Italian, Some(italian)) => italian.clone(),
                    _ => d.message.clone(),
                },
            }
        })
        .collect();
    let files_version = loaded.map(|d| d.version);
    let options = graph::GraphOptions {
        flow: None,
        language,
    };
    let picture = graph::render(&current, graph::GraphFormat::Svg, &options)
        .map_err(|e| ConsoleError::Internal(format!("graph: {e}")))?;
    staff.page(
        &state,
        "dialogues.html",
        context! {
            version => current.version,
            source,
            files_version,
            running_files => files_version.as_deref() == Some(current.version.as_str()),
            errors => report.count(Severity::Error),
            warnings => report.count(Severity::Warning),
            findings,
            flows => current.flows.iter().map(|f| f.name.clone()).collect::<Vec<_>>(),
            picture => Value::from_safe_string(picture),
        },
    )
}
