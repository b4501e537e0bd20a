//! The one error of the admin API and the extractors whose rejections use it.
//!
//! Every failure is JSON: `{"error": "…"}`, with more fields where they help (the
//! unknown topic and the known ones; the findings of broken dialogues). 4xx messages
//! say what to fix; 5xx say only "internal error" and log the details once at warn.
//! Database text never reaches a client.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::dialogue::{Diagnostic, Severity};
use crate::relay::RelayError;
use crate::store::StoreError;

/// What went wrong with an admin request, and the status it answers with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the request cannot be understood (a bad parameter).
    #[error("{0}")]
    BadRequest(String),
    /// 401: no bearer token, or not a valid one.
    #[error("{0}")]
    Unauthorized(&'static str),
    /// 404: no such item.
    #[error("{0}")]
    NotFound(String),
    /// 404 on every route: no admin token is configured.
    #[error("the admin API is disabled: set SPORTELLO_ADMIN_TOKENS to enable it")]
    Disabled,
    /// 409: the request is fine but the item's state forbids it (expired news,
    /// bundled dialogues).
    #[error("{0}")]
    Conflict(String),
    /// 422: the request is well-formed but its content is refused.
    #[error("{0}")]
    Invalid(String),
    /// 422: a news topic the dialogues do not declare.
    #[error("unknown topic `{topic}`; the dialogues declare: {}", .known.join(", "))]
    UnknownTopic {
        /// The topic asked for.
        topic: String,
        /// The topics the dialogues declare.
        known: Vec<String>,
    },
    /// 422: the dialogue files have errors; the running version (named) is kept.
    #[error(
        "the dialogues have {} error(s); the running version {running_version} is kept",
        .findings.iter().filter(|d| d.severity == Severity::Error).count()
    )]
    Dialogues {
        /// The version that keeps running.
        running_version: String,
        /// Every error and warning found, with file, line and column.
        findings: Vec<Diagnostic>,
    },
    /// A request axum's extractors refused (malformed JSON, wrong content type, a bad
    /// query string), with their status and message.
    #[error("{message}")]
    Rejected {
        /// The status the extractor chose (400, 415, 422…).
        status: StatusCode,
        /// The extractor's explanation.
        message: String,
    },
    /// 500: logged at warn with these details; the client reads only "internal error".
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    /// The HTTP status this error answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::NotFound(_) | ApiError::Disabled => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Invalid(_) | ApiError::UnknownTopic { .. } | ApiError::Dialogues { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ApiError::Rejected { status, .. } => *status,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    topic: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    known_topics: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    running_version: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    findings: Option<&'a [Diagnostic]>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if let ApiError::Internal(details) = &self {
            tracing::warn!("admin API: {details}");
        }
        let mut body = ErrorBody {
            error: self.to_string(),
            topic: None,
            known_topics: None,
            running_version: None,
            findings: None,
        };
        match &self {
            ApiError::UnknownTopic { topic, known } => {
                body.topic = Some(topic);
                body.known_topics = Some(known);
            }
            ApiError::Dialogues {
                running_version,
                findings,
            } => {
                body.running_version = Some(running_version);
                body.findings = Some(findings);
            }
            _ => {}
        }
        let mut response = (status, Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        ApiError::Internal(err.to_string())
    }
}

impl From<RelayError> for ApiError {
    fn from(err: RelayError) -> Self {
        match err {
            RelayError::NotFound(news) => ApiError::NotFound(format!("no news item `{news}`")),
            err @ RelayError::Expired(_) => ApiError::Conflict(err.to_string()),
            // The dialogues' `news` template failed on this item: staff can fix it.
            err @ RelayError::Template(_) => ApiError::Invalid(err.to_string()),
            err @ (RelayError::Database(_) | RelayError::Config(_)) => {
                ApiError::Internal(format!("relay: {err}"))
            }
        }
    }
}

impl From<tokio::task::JoinError> for ApiError {
    fn from(err: tokio::task::JoinError) -> Self {
        ApiError::Internal(format!("blocking task: {err}"))
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        ApiError::Rejected {
            status: rejection.status(),
            message: rejection.body_text(),
        }
    }
}

impl From<BytesRejection> for ApiError {
    fn from(rejection: BytesRejection) -> Self {
        ApiError::Rejected {
            status: rejection.status(),
            message: rejection.body_text(),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::Rejected {
            status: rejection.status(),
            message: rejection.body_text(),
        }
    }
}

/// A JSON request body; failures are [`ApiError`]s: malformed JSON 400, a missing or
/// mistyped field 422, a body that is not JSON 415, too large 413. An empty body reads
/// as `{}`, so a body of optional fields may be left out.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Body<T>(pub T);

impl<S, T> FromRequest<S> for Body<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = json_content_type(request.headers());
        let bytes = Bytes::from_request(request, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Body(Json::<T>::from_bytes(b"{}")?.0));
        }
        if !is_json {
            return Err(ApiError::Rejected {
                status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
                message: "send the body as JSON, with `Content-Type: application/json`".to_owned(),
            });
        }
        Ok(Body(Json::<T>::from_bytes(&bytes)?.0))
    }
}

fn json_content_type(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim();
    essence.eq_ignore_ascii_case("application/json")
        || essence.to_ascii_lowercase().ends_with("+json")
}

/// A query string; a bad one is a 400 [`ApiError`].
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Params<T>(pub T);

impl<S, T> FromRequestParts<S> for Params<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Query(params) = Query::<T>::from_request_parts(parts, state).await?;
        Ok(Params(params))
    }
}

/// A `limit` query parameter: `default` when absent, 400 outside `1..=max`.
pub(super) fn limit(value: Option<i64>, default: i64, max: i64) -> Result<i64, ApiError> {
    match value {
        None => Ok(default),
        Some(n) if (1..=max).contains(&n) => Ok(n),
        Some(n) => Err(ApiError::BadRequest(format!(
            "`limit` must be between 1 and {max} (got {n})"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_stay_generic() {
        let err = ApiError::from(StoreError::Stopped);
        assert_eq!(err.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(err.to_string(), "internal error");
    }

    #[test]
    fn unauthorized_asks_for_a_bearer_token() {
        let response = ApiError::Unauthorized("no").into_response();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            response.headers().get(header::WWW_AUTHENTICATE),
            Some(&header::HeaderValue::from_static("Bearer"))
        );
    }

    #[test]
    fn limits_are_checked() {
        assert!(matches!(limit(None, 20, 100), Ok(20)));
        assert!(matches!(limit(Some(100), 20, 100), Ok(100)));
        assert!(limit(Some(0), 20, 100).is_err());
        assert!(limit(Some(101), 20, 100).is_err());
    }

    #[test]
    fn json_types() {
        let mut headers = HeaderMap::new();
        assert!(!json_content_type(&headers));
        headers.insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static("application/json; charset=utf-8"),
        );
        assert!(json_content_type(&headers));
        headers.insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        assert!(!json_content_type(&headers));
    }
}
