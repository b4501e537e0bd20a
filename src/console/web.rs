//! What every console page shares: the state, the templates, the error page, the
//! signed-in staff member, the page language and the CSRF check.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{StatusCode, Uri};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_csrf::{CsrfConfig, CsrfToken, Key};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use minijinja::{Environment, Value, context};
use serde::Serialize;
use sqlx::PgPool;
use tower_sessions::Session;

use super::accounts::{self, Role, StaffUser};
use super::session_store::PgSessionStore;
use crate::conversation::faq_cache::FaqCache;
use crate::dialogue::{Dialogues, Live};
use crate::store::StoreError;
use crate::store::pg::PgStore;
use crate::understand::FaqIndex;

/// The session key of the signed-in staff member's id.
pub(super) const USER_KEY: &str = "staff_id";
/// The session key of the page language (`it` or `en`).
pub(super) const LANG_KEY: &str = "lang";

/// What the console works on. Cheap to clone.
#[derive(Clone)]
pub struct ConsoleState {
    inner: Arc<Inner>,
}

struct Inner {
    store: PgStore,
    live: Live,
    broadcast_to: Vec<String>,
    templates: Environment<'static>,
    csrf: CsrfConfig,
    secure_cookies: bool,
    per_account: DefaultKeyedRateLimiter<String>,
    per_address: DefaultKeyedRateLimiter<IpAddr>,
    /// The FAQ index the inbox ranks against, rebuilt only when the FAQs change.
    faqs: FaqCache,
}

/// Sign-in attempts allowed per account, per minute.
const ATTEMPTS_PER_ACCOUNT: u32 = 5;
/// Sign-in attempts allowed per address, per minute (an office shares one).
const ATTEMPTS_PER_ADDRESS: u32 = 30;

impl ConsoleState {
    /// The console's state.
    ///
    /// - `store`, `live`, `broadcast_to`: as the admin API's (`AdminState::new`).
    /// - `secure_cookies`: send cookies only over HTTPS (on in production, behind TLS;
    ///   off for a console on plain loopback HTTP, as in tests).
    ///
    /// Reads (or, the first time, creates) the secret CSRF tokens are keyed with, so
    /// every replica accepts the forms of every other.
    pub async fn new(
        store: PgStore,
        live: Live,
        broadcast_to: Vec<String>,
        secure_cookies: bool,
    ) -> Result<ConsoleState, StoreError> {
        let secret = store.shared_secret("csrf").await?;
        let csrf = CsrfConfig::default()
            .with_cookie_name("sportello_csrf")
            .with_cookie_path("/console")
            .with_secure(secure_cookies)
            .with_http_only(true)
            .with_cookie_same_site(axum_csrf::SameSite::Strict)
            .with_lifetime(time::Duration::hours(12))
            .with_key(Key::try_from(secret.as_bytes()).ok())
            .with_salt(secret.chars().rev().collect::<String>());
        let per_minute = |n: u32| Quota::per_minute(NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN));
        Ok(ConsoleState {
            inner: Arc::new(Inner {
                store,
                live,
                broadcast_to,
                templates: super::templates::environment(),
                csrf,
                secure_cookies,
                per_account: RateLimiter::keyed(per_minute(ATTEMPTS_PER_ACCOUNT)),
                per_address: RateLimiter::keyed(per_minute(ATTEMPTS_PER_ADDRESS)),
                faqs: FaqCache::default(),
            }),
        })
    }

    pub(super) fn store(&self) -> &PgStore {
        &self.inner.store
    }

    pub(super) fn pool(&self) -> &PgPool {
        self.inner.store.pool()
    }

    pub(super) fn live(&self) -> &Live {
        &self.inner.live
    }

    pub(super) fn broadcast_to(&self) -> &[String] {
        &self.inner.broadcast_to
    }

    pub(super) fn secure_cookies(&self) -> bool {
        self.inner.secure_cookies
    }

    pub(super) fn session_store(&self) -> PgSessionStore {
        PgSessionStore::new(self.pool().clone())
    }

    /// Whether one more sign-in attempt for `username` from `address` may be tried.
    pub(super) fn may_try_login(&self, username: &str, address: Option<SocketAddr>) -> bool {
        let account_ok = self
            .inner
            .per_account
            .check_key(&username.trim().to_ascii_lowercase())
            .is_ok();
        let address_ok = address.is_none_or(|a| self.inner.per_address.check_key(&a.ip()).is_ok());
        account_ok && address_ok
    }

    /// The FAQs as the running dialogues read them.
    pub(super) async fn faq_index(&self, d: &Dialogues) -> Result<Arc<FaqIndex>, StoreError> {
        self.inner.faqs.index(d, &self.inner.store).await
    }

    /// `template` rendered with `ctx` plus what the layout needs.
    pub(super) fn render(
        &self,
        template: &str,
        page: &PageContext,
        ctx: Value,
    ) -> Result<Html<String>, ConsoleError> {
        let tmpl = self
            .inner
            .templates
            .get_template(template)
            .map_err(|e| ConsoleError::Internal(format!("template {template}: {e}")))?;
        let base = context! {
            lang => page.lang,
            csrf => page.csrf,
            staff => page.staff.as_ref().map(|s| context! {
                username => s.username,
                name => s.display_name,
                admin => s.role == Role::Admin,
            }),
            path => page.path,
        };
        tmpl.render(context! { ..ctx, ..base })
            .map(Html)
            .map_err(|e| ConsoleError::Internal(format!("template {template}: {e:#}")))
    }
}

impl FromRef<ConsoleState> for CsrfConfig {
    fn from_ref(state: &ConsoleState) -> CsrfConfig {
        state.inner.csrf.clone()
    }
}

/// What the layout of every page needs.
#[derive(Debug, Clone)]
pub(super) struct PageContext {
    pub lang: &'static str,
    pub csrf: String,
    pub path: String,
    pub staff: Option<StaffUser>,
}

/// `it` or `en`, picked.
pub(super) fn pick<'a>(lang: &str, italian: &'a str, english: &'a str) -> &'a str {
    if lang == "en" { english } else { italian }
}

/// Any visitor, signed in or not: the session, the CSRF token, the page language and
/// the address the request came from (when the listener records it).
pub(super) struct Visitor {
    pub page: PageContext,
    pub session: Session,
    pub csrf: CsrfToken,
    pub address: Option<SocketAddr>,
}

impl Visitor {
    /// `template` as a full page with `status`, the CSRF cookie set.
    pub(super) fn page(
        &self,
        state: &ConsoleState,
        status: StatusCode,
        template: &str,
        ctx: Value,
    ) -> Response {
        match state.render(template, &self.page, ctx) {
            Ok(html) => (status, self.csrf.clone(), html).into_response(),
            Err(err) => err.into_response(),
        }
    }
}

impl FromRequestParts<ConsoleState> for Visitor {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &ConsoleState,
    ) -> Result<Visitor, Response> {
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let csrf = CsrfToken::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        // Italian unless English was picked in this browser's session.
        let lang = match session.get::<String>(LANG_KEY).await {
            Ok(Some(lang)) if lang == "en" => "en",
            _ => "it",
        };
        let page = PageContext {
            lang,
            csrf: csrf.authenticity_token().unwrap_or_default(),
            path: parts.uri.path().to_owned(),
            staff: None,
        };
        let address = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| *addr);
        Ok(Visitor {
            page,
            session,
            csrf,
            address,
        })
    }
}

/// A signed-in staff member, with what every page needs: the extractor sends anyone
/// else to the sign-in page and back.
pub(super) struct Staff {
    pub user: StaffUser,
    pub page: PageContext,
    pub session: Session,
    pub csrf: CsrfToken,
}

impl Staff {
    pub(super) fn lang(&self) -> &'static str {
        self.page.lang
    }

    /// Refuses a form whose CSRF token is missing or not this browser's.
    pub(super) fn check_csrf(&self, token: &str) -> Result<(), ConsoleError> {
        self.csrf.verify(token).map_err(|_| ConsoleError::Forged)
    }

    /// `template` as a full page, the CSRF cookie set.
    pub(super) fn page(
        self,
        state: &ConsoleState,
        template: &str,
        ctx: Value,
    ) -> Result<Response, ConsoleError> {
        let html = state.render(template, &self.page, ctx)?;
        Ok((self.csrf, html).into_response())
    }
}

impl FromRequestParts<ConsoleState> for Staff {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &ConsoleState,
    ) -> Result<Staff, Response> {
        let Visitor {
            mut page,
            session,
            csrf,
            ..
        } = Visitor::from_request_parts(parts, state).await?;
        let id: Option<i64> = session.get(USER_KEY).await.ok().flatten();
        let user = match id {
            Some(id) => accounts::by_id(state.pool(), id)
                .await
                .map_err(|e| ConsoleError::from(e).into_response())?,
            None => None,
        };
        let Some(user) = user else {
            return Err(to_login(&parts.uri).into_response());
        };
        page.staff = Some(user.clone());
        Ok(Staff {
            user,
            page,
            session,
            csrf,
        })
    }
}

/// A form that carries only its CSRF token (sign out, stop a sending).
#[derive(Debug, serde::Deserialize)]
pub(super) struct CsrfForm {
    #[serde(default)]
    pub csrf: String,
}

/// One field's problem, for the form to show beside it.
#[derive(Debug, Clone, Serialize)]
pub(super) struct FieldError {
    pub field: &'static str,
    pub message: String,
}

/// A form's problems, field by field, in the page language.
pub(super) struct FieldErrors {
    english: bool,
    list: Vec<FieldError>,
}

impl FieldErrors {
    pub(super) fn new(lang: &str) -> FieldErrors {
        FieldErrors {
            english: lang == "en",
            list: Vec::new(),
        }
    }

    /// `field` is wrong: `italian` or `english`, as the page reads.
    pub(super) fn add(&mut self, field: &'static str, italian: &str, english: &str) {
        let message = if self.english { english } else { italian };
        self.push(field, message.to_owned());
    }

    /// An optional web address in the field `link`: empty, or http(s).
    pub(super) fn check_link(&mut self, link: &str) {
        if !(link.is_empty() || link.starts_with("https://") || link.starts_with("http://")) {
            self.add(
                "link",
                "Il collegamento deve iniziare con https://",
                "The link must start with https://",
            );
        }
    }

    pub(super) fn push(&mut self, field: &'static str, message: String) {
        self.list.push(FieldError { field, message });
    }

    pub(super) fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    pub(super) fn into_vec(self) -> Vec<FieldError> {
        self.list
    }
}

/// `dd/mm/yyyy HH:MM`, Italian time: how pages show a time.
pub(super) fn when(at: chrono::DateTime<chrono::Utc>) -> String {
    at.with_timezone(&chrono_tz::Europe::Rome)
        .format("%d/%m/%Y %H:%M")
        .to_string()
}

/// `at` as a `datetime-local` field's value, Italian time.
pub(super) fn field_time(at: chrono::DateTime<chrono::Utc>) -> String {
    at.with_timezone(&chrono_tz::Europe::Rome)
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

/// A `datetime-local` field (`2027-06-18T08:00`, Italian time) or what `parse_when`
/// reads; `None` when empty.
pub(super) fn form_time(text: &str) -> Option<Result<chrono::DateTime<chrono::Utc>, String>> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let text = if text.len() == 16 && text.as_bytes().get(10) == Some(&b'T') {
        text.replacen('T', " ", 1)
    } else {
        text.to_owned()
    };
    Some(crate::content::parse_when(&text))
}

/// The sign-in page, coming back to `uri` afterwards.
fn to_login(uri: &Uri) -> Redirect {
    let back = uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/console");
    let encoded: String = url_escape(back);
    Redirect::to(&format!("/console/login?next={encoded}"))
}

fn url_escape(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A signed-in admin: editors get a page saying the page is for admins.
pub(super) struct Admin(pub Staff);

impl FromRequestParts<ConsoleState> for Admin {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &ConsoleState,
    ) -> Result<Admin, Response> {
        let staff = Staff::from_request_parts(parts, state).await?;
        if staff.user.role != Role::Admin {
            let lang = staff.lang();
            return Err(error_page(
                state,
                &staff.page,
                StatusCode::FORBIDDEN,
                pick(
                    lang,
                    "Questa pagina è riservata agli amministratori.",
                    "This page is for administrators only.",
                ),
            ));
        }
        Ok(Admin(staff))
    }
}

/// Why a page could not be shown.
#[derive(Debug, thiserror::Error)]
pub(super) enum ConsoleError {
    /// A form without this browser's CSRF token: possibly another site posting.
    #[error("the form has expired or did not come from the console")]
    Forged,
    #[error("not found")]
    NotFound,
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for ConsoleError {
    fn from(err: StoreError) -> Self {
        ConsoleError::Internal(err.to_string())
    }
}

impl From<sqlx::Error> for ConsoleError {
    fn from(err: sqlx::Error) -> Self {
        ConsoleError::Internal(err.to_string())
    }
}

impl IntoResponse for ConsoleError {
    fn into_response(self) -> Response {
        // Plain and bilingual: an error page must not depend on the state that failed.
        let (status, italian, english) = match &self {
            ConsoleError::Forged => (
                StatusCode::FORBIDDEN,
                "Il modulo è scaduto o non viene dalla console. Torna indietro, ricarica la pagina e riprova.",
                "The form has expired or did not come from the console. Go back, reload the page and try again.",
            ),
            ConsoleError::NotFound => (
                StatusCode::NOT_FOUND,
                "Questa pagina non esiste.",
                "This page does not exist.",
            ),
            ConsoleError::Internal(details) => {
                tracing::warn!("console: {details}");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Qualcosa non ha funzionato. Riprova tra poco; se succede ancora, avvisa chi gestisce il servizio.",
                    "Something went wrong. Try again shortly; if it happens again, tell whoever runs the service.",
                )
            }
        };
        let body = format!(
            "<!doctype html><html lang=\"it\"><head><meta charset=\"utf-8\"><title>Sportello</title>\
             <link rel=\"stylesheet\" href=\"/console/assets/vendor/bootstrap-italia/css/bootstrap-italia.min.css\"></head>\
             <body><main class=\"container my-5\"><h1 class=\"h3\">Sportello</h1>\
             <div class=\"alert alert-danger\" role=\"alert\"><p class=\"mb-1\">{italian}</p><p class=\"mb-0\" lang=\"en\">{english}</p></div>\
             <a class=\"btn btn-primary\" href=\"/console\">Torna alla console</a></main></body></html>"
        );
        (status, Html(body)).into_response()
    }
}

/// An error shown inside the console's layout.
pub(super) fn error_page(
    state: &ConsoleState,
    page: &PageContext,
    status: StatusCode,
    message: &str,
) -> Response {
    match state.render("error.html", page, context! { message => message }) {
        Ok(html) => (status, html).into_response(),
        Err(err) => err.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_way_back_after_signing_in_is_escaped() {
        let uri: Uri = "/console/news?x=1&y=%C3%A8".parse().unwrap_or_default();
        let redirect = to_login(&uri).into_response();
        let location = redirect
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        assert_eq!(
            location,
            "/console/login?next=/console/news%3Fx%3D1%26y%3D%25C3%25A8"
        );
    }

    #[test]
    fn datetime_local_fields_read_as_italian_time() {
        let at = form_time("2027-06-18T08:00").and_then(Result::ok);
        assert_eq!(
            at.map(|a| a.to_rfc3339()).as_deref(),
            Some("2027-06-18T06:00:00+00:00")
        );
        assert!(form_time("  ").is_none());
        assert!(form_time("domani").is_some_and(|r| r.is_err()));
    }

    #[test]
    fn a_field_time_reads_back() {
        let at = form_time("2027-06-18T08:00").and_then(Result::ok);
        assert_eq!(at.map(field_time).as_deref(), Some("2027-06-18T08:00"));
    }
}
