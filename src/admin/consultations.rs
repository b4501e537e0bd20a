//! `/admin/consultations`: list consultations, define one (checked as a content file's
//! `consultations:` are), and read one with where it stands and its results.
//!
//! A consultation is named in paths by its key. Defining one only stores it: the
//! relay's scheduler sends its question when it opens and its results when it closes.

use std::collections::BTreeMap;

use axum::Json;
use axum::Router;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use chrono::Utc;
use serde::{Deserialize, Serialize};

use super::AdminState;
use super::error::{ApiError, Body, Params, limit};
use super::time::{italian, parse};
use crate::consultation::Consultation;
use crate::content::Vocabulary;
use crate::store::pg::{ConsultationReport, StoredConsultation};

/// Consultations listed when the request names no `limit`.
const DEFAULT_LIMIT: i64 = 20;
/// The most one list returns.
const MAX_LIMIT: i64 = 1000;

pub(super) fn routes() -> Router<AdminState> {
    Router::new()
        .route("/admin/consultations", get(list).post(create))
        .route("/admin/consultations/{key}", get(show))
}

/// A consultation as the API shows it; times are RFC 3339 in Italian time.
#[derive(Debug, Serialize)]
struct ConsultationView {
    key: String,
    question: String,
    options: Vec<String>,
    topics: Vec<String>,
    anonymous: bool,
    opens_at: String,
    closes_at: String,
    /// `scheduled`, `open` or `closed`.
    status: String,
    sent_at: Option<String>,
    closed_at: Option<String>,
    /// Answers counted so far.
    answers: u64,
}

impl ConsultationView {
    fn new(stored: StoredConsultation, answers: u64) -> ConsultationView {
        let c = stored.consultation;
        ConsultationView {
            key: c.key,
            question: c.question,
            options: c.options,
            topics: c.topics,
            anonymous: c.anonymous,
            opens_at: italian(c.opens_at),
            closes_at: italian(c.closes_at),
            status: stored.status,
            sent_at: stored.sent_at.map(italian),
            closed_at: stored.closed_at.map(italian),
            answers,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListParams {
    limit: Option<i64>,
}

#[derive(Debug, Serialize)]
struct ConsultationList {
    consultations: Vec<ConsultationView>,
}

/// `GET /admin/consultations?limit=N`: the latest to open first (default 20).
async fn list(
    State(state): State<AdminState>,
    Params(params): Params<ListParams>,
) -> Result<Json<ConsultationList>, ApiError> {
    let limit = limit(params.limit, DEFAULT_LIMIT, MAX_LIMIT)?;
    let rows = state.store.list_consultations(limit).await?;
    Ok(Json(ConsultationList {
        consultations: rows
            .into_iter()
            .map(|(stored, answers)| ConsultationView::new(stored, answers))
            .collect(),
    }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateConsultation {
    key: String,
    question: String,
    options: Vec<String>,
    #[serde(default)]
    topics: Vec<String>,
    /// Italian time or RFC 3339 (default now).
    #[serde(default)]
    opens_at: Option<String>,
    closes_at: String,
    #[serde(default = "anonymous_by_default")]
    anonymous: bool,
}

fn anonymous_by_default() -> bool {
    true
}

#[derive(Debug, Serialize)]
struct Created {
    consultation: ConsultationView,
}

/// `POST /admin/consultations`: defines a consultation, checked as a content file's
/// are, and not closing in the past. 201; 409 when the key is taken; 422 naming what
/// is wrong.
async fn create(
    State(state): State<AdminState>,
    Body(request): Body<CreateConsultation>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let now = Utc::now();
    let opens_at = match request.opens_at.as_deref() {
        Some(t) => parse("opens_at", t)?,
        None => now,
    };
    let consultation = Consultation {
        key: request.key,
        question: request.question,
        options: request.options,
        topics: request.topics,
        opens_at,
        closes_at: parse("closes_at", &request.closes_at)?,
        anonymous: request.anonymous,
    }
    .tidied();
    if consultation.closes_at <= now {
        return Err(ApiError::Invalid("`closes_at` is in the past".to_owned()));
    }
    let vocabulary = Vocabulary::of(&state.live.get());
    let problems: Vec<String> = consultation
        .problems(&vocabulary.topics)
        .into_iter()
        .map(|p| format!("`{}`: {}", p.field, p.message))
        .collect();
    if !problems.is_empty() {
        return Err(ApiError::Invalid(problems.join("; ")));
    }
    let Some(stored) = state.store.create_consultation(&consultation).await? else {
        return Err(ApiError::Conflict(format!(
            "a consultation `{}` exists already",
            consultation.key
        )));
    };
    tracing::info!(key = %stored.consultation.key, "admin API: consultation defined");
    Ok((
        StatusCode::CREATED,
        Json(Created {
            consultation: ConsultationView::new(stored, 0),
        }),
    ))
}

/// One option's results.
#[derive(Debug, Serialize)]
struct OptionResult {
    option: String,
    count: u64,
    /// Whole percentages adding up to 100 (all 0 without answers).
    percent: u64,
}

#[derive(Debug, Serialize)]
struct Results {
    /// Final once the consultation closed; so far while it is open.
    answers: u64,
    options: Vec<OptionResult>,
}

#[derive(Debug, Serialize)]
struct Report {
    consultation: ConsultationView,
    results: Results,
    /// Outbox rows by part (`question`, `results`) and status.
    deliveries: BTreeMap<&'static str, BTreeMap<String, u64>>,
}

impl From<ConsultationReport> for Report {
    fn from(report: ConsultationReport) -> Self {
        let percentages = report.tally.percentages();
        let options = report
            .stored
            .consultation
            .options
            .iter()
            .enumerate()
            .map(|(i, option)| OptionResult {
                option: option.clone(),
                count: report.tally.counts.get(i).copied().unwrap_or(0),
                percent: percentages.get(i).copied().unwrap_or(0),
            })
            .collect();
        let mut deliveries: BTreeMap<&'static str, BTreeMap<String, u64>> = BTreeMap::new();
        for (kind, status, n) in report.deliveries {
            let part = if kind == "consultation_results" {
                "results"
            } else {
                "question"
            };
            *deliveries
                .entry(part)
                .or_default()
                .entry(status)
                .or_default() += n;
        }
        let answers = report.tally.total();
        Report {
            consultation: ConsultationView::new(report.stored, answers),
            results: Results { answers, options },
            deliveries,
        }
    }
}

/// `GET /admin/consultations/{key}`: the consultation, its results (so far) and its
/// deliveries. 404 unknown key.
async fn show(
    State(state): State<AdminState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<Report>, ApiError> {
    let key = match path {
        Ok(Path(key)) => key,
        Err(rejection) => return Err(ApiError::BadRequest(rejection.body_text())),
    };
    match state.store.consultation_report(&key).await? {
        Some(report) => Ok(Json(report.into())),
        None => Err(ApiError::NotFound(format!("no consultation `{key}`"))),
    }
}
