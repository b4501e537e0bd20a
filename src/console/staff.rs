//! `/console/staff` and `/console/audit`, for admins: staff accounts (add, remove, new
//! password) and the log of who did what.

use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::Form;
use chrono_tz::Europe::Rome;
use minijinja::context;
use serde::Deserialize;

use super::accounts::{self, AccountError, MIN_PASSWORD_LEN, Role};
use super::audit;
use super::web::{Admin, ConsoleError, ConsoleState, pick};

pub(super) fn routes() -> Router<ConsoleState> {
    Router::new()
        .route("/console/staff", get(list).post(add))
        .route("/console/staff/remove", post(remove))
        .route("/console/staff/password", post(password))
        .route("/console/audit", get(log))
}

#[derive(Debug, Default, Deserialize)]
struct Notice {
    done: Option<String>,
}

async fn page(
    state: &ConsoleState,
    Admin(staff): Admin,
    done: Option<String>,
    problem: Option<String>,
) -> Result<Response, ConsoleError> {
    let users: Vec<_> = accounts::list(state.pool())
        .await?
        .into_iter()
        .map(|u| {
            context! {
                username => u.username,
                name => u.display_name,
                admin => u.role == Role::Admin,
                since => u.created_at.with_timezone(&Rome).format("%d/%m/%Y").to_string(),
            }
        })
        .collect();
    staff.page(
        state,
        "staff.html",
        context! { users, done, problem, min => MIN_PASSWORD_LEN },
    )
}

/// `GET /console/staff`.
async fn list(
    State(state): State<ConsoleState>,
    admin: Admin,
    Query(notice): Query<Notice>,
) -> Result<Response, ConsoleError> {
    page(&state, admin, notice.done, None).await
}

/// An account problem in the page language.
fn explain(err: &AccountError, lang: &str) -> Option<String> {
    let text = match err {
        AccountError::BadUsername(_) => pick(
            lang,
            "Nome utente non valido: da 2 a 64 lettere minuscole, cifre, punti o trattini.",
            "Not a valid username: 2 to 64 lowercase letters, digits, dots or dashes.",
        ),
        AccountError::ShortPassword => pick(lang, "Password troppo corta.", "Password too short."),
        AccountError::Exists(_) => pick(
            lang,
            "Esiste già un account con questo nome.",
            "An account with this name exists already.",
        ),
        AccountError::NoSuchUser(_) => pick(lang, "Account inesistente.", "No such account."),
        AccountError::LastAdmin(_) => pick(
            lang,
            "È l'ultimo amministratore: aggiungine un altro prima.",
            "It is the last administrator: add another first.",
        ),
        AccountError::Hash(_) | AccountError::Store(_) => return None,
    };
    Some(text.to_owned())
}

#[derive(Debug, Deserialize)]
struct NewAccount {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
}

/// What changed, for the audit log and the page after it.
struct Change<'a> {
    /// `staff.add`, `staff.remove`, `staff.password`.
    action: &'static str,
    username: &'a str,
    details: Option<&'a str>,
    /// The notice the page shows (`?done=…`).
    done: &'static str,
}

/// What an account change came to: recorded and the page's notice, or the page again
/// with what went wrong.
async fn outcome(
    state: &ConsoleState,
    admin: Admin,
    result: Result<(), AccountError>,
    change: Change<'_>,
) -> Result<Response, ConsoleError> {
    match result {
        Ok(()) => {
            let actor = &admin.0.user.username;
            audit::record(
                state.pool(),
                actor,
                change.action,
                change.username,
                change.details,
            )
            .await?;
            Ok(Redirect::to(&format!("/console/staff?done={}", change.done)).into_response())
        }
        Err(err) => match explain(&err, admin.0.lang()) {
            Some(problem) => page(state, admin, None, Some(problem)).await,
            None => Err(ConsoleError::Internal(err.to_string())),
        },
    }
}

/// `POST /console/staff`: a new account.
async fn add(
    State(state): State<ConsoleState>,
    admin: Admin,
    Form(form): Form<NewAccount>,
) -> Result<Response, ConsoleError> {
    admin.0.check_csrf(&form.csrf)?;
    let role = Role::parse(&form.role).unwrap_or(Role::Editor);
    let username = form.username.trim().to_ascii_lowercase();
    let result = accounts::add(state.pool(), &username, &form.name, role, &form.password)
        .await
        .map(drop);
    let change = Change {
        action: "staff.add",
        username: &username,
        details: Some(role.as_str()),
        done: "added",
    };
    outcome(&state, admin, result, change).await
}

#[derive(Debug, Deserialize)]
struct Named {
    #[serde(default)]
    csrf: String,
    username: String,
    #[serde(default)]
    password: String,
}

/// `POST /console/staff/remove`.
async fn remove(
    State(state): State<ConsoleState>,
    admin: Admin,
    Form(form): Form<Named>,
) -> Result<Response, ConsoleError> {
    admin.0.check_csrf(&form.csrf)?;
    let result = accounts::remove(state.pool(), &form.username).await;
    let change = Change {
        action: "staff.remove",
        username: &form.username,
        details: None,
        done: "removed",
    };
    outcome(&state, admin, result, change).await
}

/// `POST /console/staff/password`.
async fn password(
    State(state): State<ConsoleState>,
    admin: Admin,
    Form(form): Form<Named>,
) -> Result<Response, ConsoleError> {
    admin.0.check_csrf(&form.csrf)?;
    let result = accounts::reset_password(state.pool(), &form.username, &form.password).await;
    let change = Change {
        action: "staff.password",
        username: &form.username,
        details: None,
        done: "password",
    };
    outcome(&state, admin, result, change).await
}

/// Entries the audit page shows.
const AUDIT_SHOWN: i64 = 200;

/// `GET /console/audit`.
async fn log(
    State(state): State<ConsoleState>,
    Admin(staff): Admin,
) -> Result<Response, ConsoleError> {
    let entries: Vec<_> = audit::recent(state.pool(), AUDIT_SHOWN)
        .await?
        .into_iter()
        .map(|e| {
            context! {
                at => e.at.with_timezone(&Rome).format("%d/%m/%Y %H:%M:%S").to_string(),
                actor => e.actor, action => e.action, subject => e.subject, details => e.details,
            }
        })
        .collect();
    staff.page(&state, "audit.html", context! { entries })
}
