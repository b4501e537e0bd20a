//! A fake WhatsApp Cloud API (Graph API) on loopback, for the real channel to talk to.
//!
//! It serves `POST /{version}/{phone_number_id}/messages`, checks the Bearer token and
//! WhatsApp's limits (text ≤ 4096, interactive body ≤ 1024, ≤ 3 reply buttons with
//! unique titles ≤ 20, one list section with ≤ 10 rows, titles ≤ 24, descriptions
//! ≤ 72, ids ≤ 256/200): a violation is answered 400 and recorded, so tests fail on
//! it. Faults (Graph errors with their HTTP status) can be injected for the next calls.
#![allow(dead_code)]

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::sync::Notify;

pub const TOKEN: &str = "TEST-WA-TOKEN";
pub const PHONE_NUMBER_ID: &str = "1098765432";
pub const VERSION: &str = "v21.0";

/// A message the business number sent, as the citizen would see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub to: String,
    /// `text`, `button`, `list` or `template`.
    pub kind: String,
    /// The text, or the interactive body, or the template name.
    pub text: String,
    /// (id, title) of reply buttons or list rows.
    pub buttons: Vec<(String, String)>,
    /// Template language and body parameters.
    pub template: Option<(String, Vec<String>)>,
    pub wamid: String,
}

/// One request as received.
#[derive(Debug, Clone)]
pub struct Request {
    pub path: String,
    pub body: Value,
    pub status: u16,
}

#[derive(Default)]
struct Inner {
    requests: Vec<Request>,
    sent: Vec<Sent>,
    faults: VecDeque<(u16, i64)>,
    violations: Vec<String>,
    next_id: u64,
}

#[derive(Default)]
struct Shared {
    inner: Mutex<Inner>,
    new_request: Notify,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A running fake Graph API.
#[derive(Clone)]
pub struct FakeWhatsApp {
    shared: Arc<Shared>,
    /// The API base with its version, for `WHATSAPP_API_URL`.
    pub url: reqwest::Url,
}

impl FakeWhatsApp {
    pub async fn start() -> FakeWhatsApp {
        let shared = Arc::new(Shared::default());
        let app = Router::new()
            .fallback(handle)
            .with_state(Arc::clone(&shared));
        let address = super::fake_telegram::serve_on_loopback(app).await;
        let url = reqwest::Url::parse(&format!("http://{address}/{VERSION}"))
            .unwrap_or_else(|e| panic!("{e}"));
        FakeWhatsApp { shared, url }
    }

    /// Answers the next calls with these Graph errors (HTTP status, error code), in order.
    pub fn inject(&self, faults: impl IntoIterator<Item = (u16, i64)>) {
        self.shared.lock().faults.extend(faults);
    }

    pub fn requests(&self) -> Vec<Request> {
        self.shared.lock().requests.clone()
    }

    pub fn sent(&self) -> Vec<Sent> {
        self.shared.lock().sent.clone()
    }

    pub fn sent_to(&self, to: &str) -> Vec<Sent> {
        self.sent().into_iter().filter(|s| s.to == to).collect()
    }

    pub fn violations(&self) -> Vec<String> {
        self.shared.lock().violations.clone()
    }

    /// Waits until `to` has received `count` messages; fails after a generous deadline.
    pub async fn wait_for(&self, to: &str, count: usize) -> Vec<Sent> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let notified = self.shared.new_request.notified();
            let sent = self.sent_to(to);
            if sent.len() >= count {
                return sent;
            }
            if Instant::now() > deadline {
                panic!(
                    "{to} got {} message(s), expected {count}: {sent:#?}\nviolations: {:?}",
                    sent.len(),
                    self.violations()
                );
            }
            let _ = tokio::time::timeout(Duration::from_millis(200), notified).await;
        }
    }
}

fn graph_error(status: u16, code: i64, message: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    let body = json!({ "error": {
        "message": message, "type": "OAuthException", "code": code,
        "error_data": { "messaging_product": "whatsapp", "details": message },
        "fbtrace_id": "FAKE"
    }});
    (status, axum::Json(body)).into_response()
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_owned();
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let response = answer(&shared, &path, &headers, &body);
    shared.lock().requests.push(Request {
        path,
        body,
        status: response.status().as_u16(),
    });
    shared.new_request.notify_waiters();
    response
}

fn answer(shared: &Shared, path: &str, headers: &HeaderMap, body: &Value) -> Response {
    if path != format!("/{VERSION}/{PHONE_NUMBER_ID}/messages") {
        return graph_error(404, 803, &format!("unknown path {path}"));
    }
    let auth = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok());
    if auth != Some(&format!("Bearer {TOKEN}")) {
        shared
            .lock()
            .violations
            .push("missing or wrong bearer token".into());
        return graph_error(401, 190, "Invalid OAuth access token");
    }
    if let Some((status, code)) = shared.lock().faults.pop_front() {
        return graph_error(status, code, &format!("injected error {code}"));
    }
    let sent = match read(body) {
        Ok(sent) => sent,
        Err(violation) => {
            shared.lock().violations.push(violation.clone());
            return graph_error(400, 100, &format!("Invalid parameter: {violation}"));
        }
    };
    let mut inner = shared.lock();
    inner.next_id += 1;
    let wamid = format!("wamid.FAKE{:06}", inner.next_id);
    let to = sent.to.clone();
    inner.sent.push(Sent {
        wamid: wamid.clone(),
        ..sent
    });
    (
        StatusCode::OK,
        axum::Json(json!({
            "messaging_product": "whatsapp",
            "contacts": [{ "input": to, "wa_id": to }],
            "messages": [{ "id": wamid }]
        })),
    )
        .into_response()
}

fn str_at<'a>(value: &'a Value, pointer: &str) -> &'a str {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

fn within(what: &str, text: &str, min: usize, max: usize) -> Result<(), String> {
    let n = text.chars().count();
    if n < min || n > max {
        return Err(format!(
            "{what} has {n} characters (allowed {min}–{max}): {text:?}"
        ));
    }
    Ok(())
}

/// Reads a message body, enforcing the Cloud API's rules.
fn read(body: &Value) -> Result<Sent, String> {
    if str_at(body, "/messaging_product") != "whatsapp" {
        return Err("messaging_product must be whatsapp".into());
    }
    let to = str_at(body, "/to").to_owned();
    if to.is_empty() {
        return Err("no recipient".into());
    }
    let kind = str_at(body, "/type");
    let mut sent = Sent {
        to,
        kind: kind.to_owned(),
        text: String::new(),
        buttons: Vec::new(),
        template: None,
        wamid: String::new(),
    };
    match kind {
        "text" => {
            sent.text = str_at(body, "/text/body").to_owned();
            within("text body", &sent.text, 1, 4096)?;
        }
        "interactive" => {
            sent.text = str_at(body, "/interactive/body/text").to_owned();
            within("interactive body", &sent.text, 1, 1024)?;
            match str_at(body, "/interactive/type") {
                "button" => {
                    sent.kind = "button".into();
                    let buttons = body
                        .pointer("/interactive/action/buttons")
                        .and_then(Value::as_array)
                        .cloned()
                        .unwrap_or_default();
                    if buttons.is_empty() || buttons.len() > 3 {
                        return Err(format!("{} reply buttons (1–3 allowed)", buttons.len()));
                    }
                    for b in &buttons {
                        let (id, title) = (str_at(b, "/reply/id"), str_at(b, "/reply/title"));
                        within("button title", title, 1, 20)?;
                        within("button id", id, 1, 256)?;
                        sent.buttons.push((id.to_owned(), title.to_owned()));
                    }
                }
                "list" => {
                    sent.kind = "list".into();
                    within(
                        "list button",
                        str_at(body, "/interactive/action/button"),
                        1,
                        20,
                    )?;
                    let sections = body
                        .pointer("/interactive/action/sections")
                        .and_then(Value::as_array)
                        .cloned()
                        .unwrap_or_default();
                    if sections.len() != 1 {
                        return Err(format!("{} sections (this bot sends one)", sections.len()));
                    }
                    let rows = sections[0]
                        .get("rows")
                        .and_then(Value::as_array)
                        .cloned()
                        .unwrap_or_default();
                    if rows.is_empty() || rows.len() > 10 {
                        return Err(format!("{} list rows (1–10 allowed)", rows.len()));
                    }
                    for row in &rows {
                        let (id, title) = (str_at(row, "/id"), str_at(row, "/title"));
                        within("row title", title, 1, 24)?;
                        within("row id", id, 1, 200)?;
                        if let Some(d) = row.get("description").and_then(Value::as_str) {
                            within("row description", d, 0, 72)?;
                        }
                        sent.buttons.push((id.to_owned(), title.to_owned()));
                    }
                }
                other => return Err(format!("interactive type {other:?} is not faked")),
            }
            let ids: HashSet<&String> = sent.buttons.iter().map(|(id, _)| id).collect();
            let titles: HashSet<&String> = sent.buttons.iter().map(|(_, t)| t).collect();
            if ids.len() != sent.buttons.len() || titles.len() != sent.buttons.len() {
                return Err(format!("ids and titles must be unique: {:?}", sent.buttons));
            }
        }
        "template" => {
            sent.text = str_at(body, "/template/name").to_owned();
            let lang = str_at(body, "/template/language/code").to_owned();
            if sent.text.is_empty() || lang.is_empty() {
                return Err("template without name or language".into());
            }
            let params = body
                .pointer("/template/components/0/parameters")
                .and_then(Value::as_array)
                .map(|ps| ps.iter().map(|p| str_at(p, "/text").to_owned()).collect())
                .unwrap_or_default();
            sent.template = Some((lang, params));
        }
        other => return Err(format!("message type {other:?} is not faked")),
    }
    Ok(sent)
}
