//! Signing in and out, and the page language.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::Form;
use minijinja::context;
use serde::Deserialize;

use super::accounts;
use super::audit;
use super::web::{ConsoleError, ConsoleState, CsrfForm, LANG_KEY, Staff, USER_KEY, Visitor, pick};

pub(super) fn routes() -> Router<ConsoleState> {
    Router::new()
        .route("/console/login", get(form).post(sign_in))
        .route("/console/logout", post(sign_out))
        .route("/console/lingua/{lang}", get(language))
}

#[derive(Debug, Default, Deserialize)]
struct Next {
    next: Option<String>,
}

/// Only a console path: never another site (`//evil.example`) after signing in.
fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(n) if n.starts_with("/console") && !n.starts_with("//") && !n.contains('\\') => n,
        _ => "/console",
    }
}

/// `GET /console/login`.
async fn form(
    State(state): State<ConsoleState>,
    visitor: Visitor,
    Query(next): Query<Next>,
) -> Response {
    let ctx = context! { next => safe_next(next.next.as_deref()), username => "", error => () };
    visitor.page(&state, StatusCode::OK, "login.html", ctx)
}

#[derive(Debug, Deserialize)]
struct SignIn {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: Option<String>,
}

/// `POST /console/login`: a wrong pair, too many attempts or a forged form each get
/// the form again with a plain explanation; the password is never echoed.
async fn sign_in(
    State(state): State<ConsoleState>,
    visitor: Visitor,
    Form(form): Form<SignIn>,
) -> Response {
    let lang = visitor.page.lang;
    let again = |status: StatusCode, error: &str| {
        let ctx = context! {
            next => safe_next(form.next.as_deref()),
            username => form.username.trim(),
            error => error,
        };
        visitor.page(&state, status, "login.html", ctx)
    };
    if visitor.csrf.verify(&form.csrf).is_err() {
        return again(
            StatusCode::FORBIDDEN,
            pick(
                lang,
                "Il modulo è scaduto: riprova ad accedere.",
                "The form has expired: try signing in again.",
            ),
        );
    }
    if !state.may_try_login(&form.username, visitor.address) {
        tracing::warn!("console: sign-in attempts over the limit");
        return again(
            StatusCode::TOO_MANY_REQUESTS,
            pick(
                lang,
                "Troppi tentativi di accesso: aspetta un minuto e riprova.",
                "Too many sign-in attempts: wait a minute and try again.",
            ),
        );
    }
    let user = match accounts::verify(state.pool(), &form.username, &form.password).await {
        Ok(user) => user,
        Err(err) => return ConsoleError::from(err).into_response(),
    };
    let Some(user) = user else {
        tracing::info!("console: a sign-in with a wrong username or password");
        return again(
            StatusCode::UNAUTHORIZED,
            pick(
                lang,
                "Nome utente o password non corretti.",
                "Wrong username or password.",
            ),
        );
    };
    let session = &visitor.session;
    // A new session id on sign-in: an id planted before cannot be taken over.
    if let Err(err) = session.cycle_id().await {
        return ConsoleError::Internal(format!("session: {err}")).into_response();
    }
    if let Err(err) = session.insert(USER_KEY, user.id).await {
        return ConsoleError::Internal(format!("session: {err}")).into_response();
    }
    if let Err(err) =
        audit::record(state.pool(), &user.username, "login", &user.username, None).await
    {
        return ConsoleError::from(err).into_response();
    }
    tracing::info!(staff = %user.username, "console: signed in");
    Redirect::to(safe_next(form.next.as_deref())).into_response()
}

/// `POST /console/logout`.
async fn sign_out(staff: Staff, Form(form): Form<CsrfForm>) -> Result<Response, ConsoleError> {
    staff.check_csrf(&form.csrf)?;
    staff
        .session
        .flush()
        .await
        .map_err(|e| ConsoleError::Internal(format!("session: {e}")))?;
    Ok(Redirect::to("/console/login").into_response())
}

/// `GET /console/lingua/{it|en}`: back to the page it was asked from.
async fn language(visitor: Visitor, Path(lang): Path<String>, headers: HeaderMap) -> Response {
    let lang = if lang == "en" { "en" } else { "it" };
    if let Err(err) = visitor.session.insert(LANG_KEY, lang).await {
        return ConsoleError::Internal(format!("session: {err}")).into_response();
    }
    let back = headers
        .get(header::REFERER)
        .and_then(|r| r.to_str().ok())
        .and_then(|r| r.find("/console").map(|i| r[i..].to_owned()));
    Redirect::to(safe_next(back.as_deref())).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signing_in_leads_only_back_into_the_console() {
        assert_eq!(safe_next(Some("/console/news/x")), "/console/news/x");
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/consolex\\..",
            "/admin",
        ] {
            let next = safe_next(Some(bad));
            assert!(
                next == "/console" || next.starts_with("/console"),
                "{bad} → {next}"
            );
            assert_ne!(next, bad.replace("/consolex\\..", "x"));
        }
        assert_eq!(safe_next(Some("//evil.example")), "/console");
        assert_eq!(safe_next(None), "/console");
    }
}
