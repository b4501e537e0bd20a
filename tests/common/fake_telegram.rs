//! A fake Telegram Bot API on loopback, for the bot's real client to talk to.
//!
//! It speaks the HTTP protocol (`POST /bot<token>/<Method>`, JSON in, `{ok, result}`
//! out), long-polls `getUpdates` with offsets, records every call with its time,
//! injects faults (429 with `retry_after`, 403, 400, 500, slow answers) and enforces
//! Telegram's limits (4096 characters, 64-byte `callback_data`, well-formed HTML): a
//! violation is answered with 400 and recorded, so tests can fail on it.
//!
//! Forum supergroups (topics, copies into them, staff membership, staff's own
//! messages) are in [`forum`]; polls (`sendPoll`, `stopPoll`, citizens answering with
//! `poll` and `poll_answer` updates) in [`polls`].
#![allow(dead_code)]

// The benches include this file by `#[path]`: a path keeps `forum` found from both.
#[path = "fake_telegram/forum.rs"]
pub mod forum;
#[path = "fake_telegram/polls.rs"]
pub mod polls;

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::sync::Notify;

pub const BOT_ID: i64 = 777_000;
pub const BOT_USERNAME: &str = "SportelloBot";

/// A fault to answer one call with.
#[derive(Debug, Clone)]
pub enum Fault {
    TooManyRequests {
        retry_after: u32,
    },
    Blocked,
    BadRequest(&'static str),
    ServerError,
    /// Answer normally, after this long.
    Slow(Duration),
    /// 400 with `migrate_to_chat_id`: the group became this supergroup.
    Migrated(i64),
}

/// One API call as received.
#[derive(Debug, Clone)]
pub struct Call {
    pub method: String,
    pub body: Value,
    pub at: Instant,
    /// The HTTP status answered.
    pub status: u16,
}

/// A message the bot sent, as a citizen would see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub chat: i64,
    /// `chat_id` as sent: the number as text, or a channel's `@name`.
    pub to: String,
    pub text: String,
    /// (label, callback_data) of every inline button.
    pub buttons: Vec<(String, String)>,
    /// The forum topic (`message_thread_id`) it went into, if any.
    pub thread: Option<i64>,
}

#[derive(Default)]
struct Inner {
    /// Pending updates as JSON text (a raw one may be JSON no parser accepts).
    updates: Vec<(i64, String)>,
    next_update_id: u32,
    calls: Vec<Call>,
    sent: Vec<Sent>,
    faults: HashMap<String, VecDeque<Fault>>,
    /// `sendMessage` to these chats always fails so.
    chat_faults: HashMap<String, Fault>,
    violations: Vec<String>,
    next_message_id: i64,
    webhook: Option<String>,
    /// Answer `getMe` with only the fields every Bot API emulator has.
    minimal_get_me: bool,
    /// Forum supergroups, their topics and members.
    forum: forum::Forums,
    /// Polls sent, with their answers.
    polls: polls::Polls,
}

struct Shared {
    inner: Mutex<Inner>,
    new_update: Notify,
    new_call: Notify,
    /// Every message sent, as it arrives, for drivers that react to replies.
    delivered: tokio::sync::broadcast::Sender<Sent>,
}

impl Default for Shared {
    fn default() -> Self {
        Shared {
            inner: Mutex::default(),
            new_update: Notify::new(),
            new_call: Notify::new(),
            delivered: tokio::sync::broadcast::channel(100_000).0,
        }
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Serves `app` on a free loopback port in the background; its address.
pub async fn serve_on_loopback(app: Router) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("a fake server cannot bind: {e}"));
    let address = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    address
}

/// A running fake Bot API.
#[derive(Clone)]
pub struct FakeTelegram {
    shared: Arc<Shared>,
    pub url: reqwest::Url,
}

impl FakeTelegram {
    /// Starts the fake on a free loopback port.
    pub async fn start() -> FakeTelegram {
        let shared = Arc::new(Shared::default());
        shared.lock().next_update_id = 1;
        shared.lock().next_message_id = 1;
        let app = Router::new()
            .fallback(handle)
            .with_state(Arc::clone(&shared));
        let address = serve_on_loopback(app).await;
        let url =
            reqwest::Url::parse(&format!("http://{address}/")).unwrap_or_else(|e| panic!("{e}"));
        FakeTelegram { shared, url }
    }

    /// Queues an update (its `update_id` is assigned unless given) and returns its id.
    pub fn push_update(&self, update: Value) -> u32 {
        push_update(&self.shared, update)
    }

    /// Queues an update given as JSON text, exactly as written (it may hold escapes no
    /// JSON parser accepts, e.g. a lone surrogate `\ud800`); `{id}` in it is replaced
    /// by the update's id, which is returned.
    pub fn push_raw_update(&self, template: &str) -> u32 {
        let id = {
            let mut inner = self.shared.lock();
            let id = inner.next_update_id;
            inner.next_update_id += 1;
            let text = template.replace("{id}", &id.to_string());
            inner.updates.push((i64::from(id), text));
            id
        };
        self.shared.new_update.notify_waiters();
        id
    }

    /// A citizen in a private chat types `text`.
    pub fn send_text(&self, chat: i64, text: &str) -> u32 {
        self.push_update(message_update(private_chat(chat), chat, text))
    }

    /// A citizen in a private chat sends a photo with `caption` as message
    /// `message_id`.
    pub fn send_photo(&self, chat: i64, message_id: i64, caption: &str) -> u32 {
        self.push_update(json!({
            "message": {
                "message_id": message_id, "date": 1_800_000_000, "chat": private_chat(chat),
                "from": citizen(chat), "caption": caption,
                "photo": [{ "file_id": "PHOTO", "file_unique_id": "P1", "width": 800, "height": 600, "file_size": 51200 }]
            }
        }))
    }

    /// A citizen presses the button with `data`.
    /// A new citizen `chat` subscribes to the news of `topic` (a button's label) through
    /// the bundled menus: /start, Notizie, Iscriviti, the topic. The four replies.
    pub async fn follow_topic(&self, chat: i64, topic: &str) -> Vec<Sent> {
        self.send_text(chat, "/start");
        for (step, label) in ["Notizie", "Iscriviti", topic].into_iter().enumerate() {
            let sent = self.wait_for(chat, step + 1).await;
            self.press_label(chat, &sent, label);
        }
        self.wait_for(chat, 4).await
    }

    /// Presses the button of the last message in `sent` whose label contains `label`.
    pub fn press_label(&self, chat: i64, sent: &[Sent], label: &str) -> u32 {
        let data = sent
            .last()
            .and_then(|m| m.buttons.iter().find(|(l, _)| l.contains(label)))
            .map(|(_, data)| data.clone());
        let Some(data) = data else {
            panic!("no button {label:?} in {sent:#?}")
        };
        self.press(chat, &data)
    }

    pub fn press(&self, chat: i64, data: &str) -> u32 {
        self.push_update(json!({
            "callback_query": {
                "id": format!("cb-{chat}-{data}"),
                "from": citizen(chat),
                "chat_instance": "test",
                "data": data,
                "message": { "message_id": 1, "date": 1_800_000_000, "chat": private_chat(chat), "text": "menu" }
            }
        }))
    }

    /// Makes the next calls of `method` (e.g. `sendmessage`) fail with `faults`, in order.
    pub fn inject(&self, method: &str, faults: impl IntoIterator<Item = Fault>) {
        self.shared
            .lock()
            .faults
            .entry(method.to_lowercase())
            .or_default()
            .extend(faults);
    }

    /// Makes every `sendMessage` and `copyMessage` to `chat` (a number or an `@name`)
    /// fail with `fault`.
    pub fn fail_chat(&self, chat: impl ToString, fault: Fault) {
        self.shared
            .lock()
            .chat_faults
            .insert(chat.to_string(), fault);
    }

    /// Lets sends to `chat` through again.
    pub fn heal_chat(&self, chat: impl ToString) {
        self.shared.lock().chat_faults.remove(&chat.to_string());
    }

    /// Messages received by `to` (a number as text or an `@name`).
    pub fn sent_to_name(&self, to: &str) -> Vec<Sent> {
        self.shared
            .lock()
            .sent
            .iter()
            .filter(|s| s.to == to)
            .cloned()
            .collect()
    }

    /// Answers `getMe` like a sparse emulator: id, is_bot, first_name, username only.
    pub fn minimal_get_me(&self) {
        self.shared.lock().minimal_get_me = true;
    }

    /// Pretends a webhook is registered (as a previous deployment may have left it).
    pub fn set_webhook(&self, url: &str) {
        self.shared.lock().webhook = Some(url.to_owned());
    }

    pub fn calls(&self) -> Vec<Call> {
        self.shared.lock().calls.clone()
    }

    pub fn calls_of(&self, method: &str) -> Vec<Call> {
        let method = method.to_lowercase();
        self.calls()
            .into_iter()
            .filter(|c| c.method == method)
            .collect()
    }

    pub fn sent_to(&self, chat: i64) -> Vec<Sent> {
        self.shared
            .lock()
            .sent
            .iter()
            .filter(|s| s.chat == chat)
            .cloned()
            .collect()
    }

    pub fn sent(&self) -> Vec<Sent> {
        self.shared.lock().sent.clone()
    }

    /// Each message the bot sends from now on, as it arrives.
    pub fn deliveries(&self) -> tokio::sync::broadcast::Receiver<Sent> {
        self.shared.delivered.subscribe()
    }

    pub fn violations(&self) -> Vec<String> {
        self.shared.lock().violations.clone()
    }

    /// Waits until `chat` has received `count` messages; fails the test after a
    /// generous deadline so a missing reply cannot hang the suite.
    pub async fn wait_for(&self, chat: i64, count: usize) -> Vec<Sent> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let notified = self.shared.new_call.notified();
            let sent = self.sent_to(chat);
            if sent.len() >= count {
                return sent;
            }
            if Instant::now() > deadline {
                panic!(
                    "chat {chat} got {} message(s), expected {count}: {sent:#?}",
                    sent.len()
                );
            }
            let _ = tokio::time::timeout(Duration::from_millis(200), notified).await;
        }
    }

    /// Waits until a call of `method` has been made `count` times.
    pub async fn wait_for_calls(&self, method: &str, count: usize) -> Vec<Call> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let notified = self.shared.new_call.notified();
            let calls = self.calls_of(method);
            if calls.len() >= count {
                return calls;
            }
            if Instant::now() > deadline {
                panic!("{method} called {} time(s), expected {count}", calls.len());
            }
            let _ = tokio::time::timeout(Duration::from_millis(200), notified).await;
        }
    }
}

impl FakeTelegram {
    /// The bot's settings for talking to this fake, its staff in `staff_group`.
    pub fn bot_config(
        &self,
        staff_group: Option<i64>,
    ) -> sportello::channel::telegram::TelegramConfig {
        sportello::channel::telegram::TelegramConfig {
            token: "123456:TEST".into(),
            api_url: Some(self.url.clone()),
            webhook_url: None,
            webhook_secret: None,
            listen: "127.0.0.1:0".parse().unwrap_or_else(|e| panic!("{e}")),
            max_in_flight: 16,
            // Telegram's pace would only slow the suite down (pace.rs tests it).
            limits: sportello::channel::telegram::Limits::unlimited(),
            staff_group,
            arriving_after: None,
        }
    }
}

/// Queues `update` (its `update_id` is assigned unless given); its id.
fn push_update(shared: &Shared, mut update: Value) -> u32 {
    let id = {
        let mut inner = shared.lock();
        let id = match update.get("update_id").and_then(Value::as_u64) {
            Some(id) => id as u32,
            None => {
                let id = inner.next_update_id;
                update["update_id"] = json!(id);
                id
            }
        };
        inner.next_update_id = inner.next_update_id.max(id + 1);
        inner.updates.push((i64::from(id), update.to_string()));
        id
    };
    shared.new_update.notify_waiters();
    id
}

pub fn private_chat(chat: i64) -> Value {
    json!({ "id": chat, "type": "private", "first_name": "Cittadino" })
}

pub fn citizen(id: i64) -> Value {
    json!({ "id": id, "is_bot": false, "first_name": "Cittadino", "language_code": "it" })
}

pub fn message_update(chat: Value, from: i64, text: &str) -> Value {
    json!({
        "message": {
            "message_id": 1, "date": 1_800_000_000, "chat": chat, "from": citizen(from), "text": text
        }
    })
}

/// JSON bodies as they are; multipart forms (teloxide sends `setWebhook` so, for its
/// optional certificate) as an object of their text fields, JSON-decoded where they are JSON.
fn parse_body(content_type: &str, body: &[u8]) -> Value {
    let Some(boundary) = content_type.split("boundary=").nth(1) else {
        return serde_json::from_slice(body).unwrap_or(Value::Null);
    };
    let text = String::from_utf8_lossy(body);
    let mut fields = serde_json::Map::new();
    for part in text.split(&format!("--{}", boundary.trim_matches('"'))) {
        let Some((head, value)) = part.split_once("\r\n\r\n") else {
            continue;
        };
        let Some(name) = head
            .split("name=\"")
            .nth(1)
            .and_then(|n| n.split('"').next())
        else {
            continue;
        };
        let value = value.trim_end_matches("\r\n");
        let parsed =
            serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.to_owned()));
        fields.insert(name.to_owned(), parsed);
    }
    Value::Object(fields)
}

fn ok(result: Value) -> Response {
    (
        StatusCode::OK,
        axum::Json(json!({ "ok": true, "result": result })),
    )
        .into_response()
}

fn error(status: StatusCode, description: &str, parameters: Option<Value>) -> Response {
    let mut body =
        json!({ "ok": false, "error_code": status.as_u16(), "description": description });
    if let Some(parameters) = parameters {
        body["parameters"] = parameters;
    }
    (status, axum::Json(body)).into_response()
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let method = uri
        .path()
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_lowercase();
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let body = parse_body(content_type, &body);
    let fault = {
        let mut inner = shared.lock();
        let delivers = method == "sendmessage" || method == "copymessage";
        let per_chat = if delivers && !inner.chat_faults.is_empty() {
            inner
                .chat_faults
                .get(&chat_text(body.get("chat_id")))
                .cloned()
        } else {
            None
        };
        per_chat.or_else(|| inner.faults.get_mut(&method).and_then(VecDeque::pop_front))
    };
    if let Some(Fault::Slow(delay)) = &fault {
        tokio::time::sleep(*delay).await;
    }
    let response = match fault {
        Some(Fault::TooManyRequests { retry_after }) => error(
            StatusCode::TOO_MANY_REQUESTS,
            &format!("Too Many Requests: retry after {retry_after}"),
            Some(json!({ "retry_after": retry_after })),
        ),
        Some(Fault::Blocked) => error(
            StatusCode::FORBIDDEN,
            "Forbidden: bot was blocked by the user",
            None,
        ),
        Some(Fault::BadRequest(description)) => error(StatusCode::BAD_REQUEST, description, None),
        Some(Fault::Migrated(to)) => error(
            StatusCode::BAD_REQUEST,
            "Bad Request: group chat was upgraded to a supergroup chat",
            Some(json!({ "migrate_to_chat_id": to })),
        ),
        Some(Fault::ServerError) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal Server Error",
            None,
        ),
        Some(Fault::Slow(_)) | None => answer(&shared, &method, &body).await,
    };
    let call = Call {
        method,
        body,
        at: Instant::now(),
        status: response.status().as_u16(),
    };
    shared.lock().calls.push(call);
    shared.new_call.notify_waiters();
    response
}

async fn answer(shared: &Shared, method: &str, body: &Value) -> Response {
    match method {
        "getme" if shared.lock().minimal_get_me => ok(json!({
            "id": BOT_ID, "is_bot": true, "first_name": "Sportello", "username": BOT_USERNAME
        })),
        "getme" => ok(json!({
            "id": BOT_ID, "is_bot": true, "first_name": "Sportello", "username": BOT_USERNAME,
            "can_join_groups": true, "can_read_all_group_messages": false,
            "supports_inline_queries": false, "has_main_web_app": false
        })),
        "getupdates" => get_updates(shared, body).await,
        "sendmessage" => send_message(shared, body),
        "copymessage" => forum::copy_message(shared, body),
        "createforumtopic" => forum::create_topic(shared, body),
        "closeforumtopic" | "reopenforumtopic" | "deleteforumtopic" => {
            forum::manage_topic(shared, method, body)
        }
        "getchatmember" => forum::get_chat_member(shared, body),
        "sendpoll" => polls::send_poll(shared, body),
        "stoppoll" => polls::stop_poll(shared, body),
        "editmessagetext" | "editmessagereplymarkup" => ok(json!(true)),
        "answercallbackquery" | "setmycommands" | "sendchataction" => ok(json!(true)),
        "setwebhook" => {
            shared.lock().webhook = body.get("url").and_then(Value::as_str).map(str::to_owned);
            ok(json!(true))
        }
        "deletewebhook" => {
            shared.lock().webhook = None;
            ok(json!(true))
        }
        "getwebhookinfo" => {
            let url = shared.lock().webhook.clone().unwrap_or_default();
            ok(json!({ "url": url, "has_custom_certificate": false, "pending_update_count": 0 }))
        }
        other => error(
            StatusCode::NOT_FOUND,
            &format!("Not Found: method {other} is not faked"),
            None,
        ),
    }
}

async fn get_updates(shared: &Shared, body: &Value) -> Response {
    let offset = body.get("offset").and_then(Value::as_i64).unwrap_or(0);
    let timeout = body.get("timeout").and_then(Value::as_u64).unwrap_or(0);
    let limit = body.get("limit").and_then(Value::as_u64).unwrap_or(100) as usize;
    let deadline = Instant::now() + Duration::from_secs(timeout);
    // As Telegram does: an offset confirms every update before it, which is forgotten.
    shared.lock().updates.retain(|(id, _)| *id >= offset);
    loop {
        let notified = shared.new_update.notified();
        let ready: Vec<String> = shared
            .lock()
            .updates
            .iter()
            .filter(|(id, _)| *id >= offset)
            .take(limit)
            .map(|(_, text)| text.clone())
            .collect();
        let now = Instant::now();
        if !ready.is_empty() || now >= deadline {
            // Written as text, so a raw update goes out exactly as it was given.
            let body = format!(r#"{{"ok":true,"result":[{}]}}"#, ready.join(","));
            return (StatusCode::OK, [(CONTENT_TYPE, "application/json")], body).into_response();
        }
        let _ = tokio::time::timeout(deadline - now, notified).await;
    }
}

fn send_message(shared: &Shared, body: &Value) -> Response {
    let chat = body.get("chat_id").and_then(Value::as_i64).unwrap_or(0);
    let to = chat_text(body.get("chat_id"));
    let thread = body.get("message_thread_id").and_then(Value::as_i64);
    let text = body
        .get("text")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let html = body.get("parse_mode").and_then(Value::as_str) == Some("HTML");
    let buttons: Vec<(String, String)> = body
        .pointer("/reply_markup/inline_keyboard")
        .and_then(Value::as_array)
        .map(|rows| {
            rows.iter()
                .flat_map(|row| row.as_array().cloned().unwrap_or_default())
                .map(|b| {
                    let label = b
                        .get("text")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned();
                    let data = b
                        .get("callback_data")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned();
                    (label, data)
                })
                .collect()
        })
        .unwrap_or_default();
    if let Err(violation) = check_limits(&text, html, &buttons) {
        shared.lock().violations.push(violation.clone());
        return error(
            StatusCode::BAD_REQUEST,
            &format!("Bad Request: {violation}"),
            None,
        );
    }
    if let Some(refusal) = thread.and_then(|thread| shared.lock().forum.refusal(chat, thread)) {
        return error(StatusCode::BAD_REQUEST, refusal, None);
    }
    let message_id = deliver(
        shared,
        Sent {
            chat,
            to,
            text: text.clone(),
            buttons,
            thread,
        },
    );
    let mut message = json!({
        "message_id": message_id, "date": 1_800_000_000,
        "chat": shared.lock().forum.chat(chat),
        "from": bot_user(),
        "text": text
    });
    if let Some(thread) = thread {
        message["message_thread_id"] = json!(thread);
        message["is_topic_message"] = json!(true);
    }
    ok(message)
}

/// The bot's `user` object, as the author of its messages.
fn bot_user() -> Value {
    json!({ "id": BOT_ID, "is_bot": true, "first_name": "Sportello", "username": BOT_USERNAME })
}

/// `chat_id` as the bot wrote it: a number as text, or a channel's `@name`.
fn chat_text(chat_id: Option<&Value>) -> String {
    chat_id
        .map(|c| c.as_str().map_or_else(|| c.to_string(), str::to_owned))
        .unwrap_or_default()
}

/// Records a message the bot got through to a chat; its new message id.
fn deliver(shared: &Shared, sent: Sent) -> i64 {
    let mut inner = shared.lock();
    let _ = shared.delivered.send(sent.clone());
    inner.sent.push(sent);
    inner.next_message_id += 1;
    inner.next_message_id
}

/// Telegram's own rules for a message.
fn check_limits(text: &str, html: bool, buttons: &[(String, String)]) -> Result<(), String> {
    let visible = if html {
        visible_text(text)?
    } else {
        text.to_owned()
    };
    if visible.trim().is_empty() {
        return Err("message text is empty".into());
    }
    let length = visible.encode_utf16().count();
    if length > 4096 {
        return Err(format!("message is too long ({length} UTF-16 units)"));
    }
    for (label, data) in buttons {
        if data.is_empty() || data.len() > 64 {
            return Err(format!(
                "BUTTON_DATA_INVALID ({} bytes for {label:?})",
                data.len()
            ));
        }
    }
    Ok(())
}

/// The text of Telegram HTML, refusing unknown or unbalanced tags.
fn visible_text(html: &str) -> Result<String, String> {
    const ALLOWED: &[&str] = &[
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "a",
        "code",
        "pre",
        "tg-spoiler",
        "blockquote",
        "span",
    ];
    let mut open: Vec<String> = Vec::new();
    let mut text = String::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        text.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('>') else {
            return Err("can't parse entities: unclosed tag".into());
        };
        let tag = &rest[start + 1..start + end];
        let closing = tag.starts_with('/');
        let name = tag
            .trim_start_matches('/')
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_lowercase();
        if !ALLOWED.contains(&name.as_str()) {
            return Err(format!("can't parse entities: unsupported tag <{name}>"));
        }
        if closing {
            if open.pop().as_deref() != Some(name.as_str()) {
                return Err(format!("can't parse entities: unexpected </{name}>"));
            }
        } else {
            open.push(name);
        }
        rest = &rest[start + end + 1..];
    }
    text.push_str(rest);
    if let Some(unclosed) = open.last() {
        return Err(format!("can't parse entities: <{unclosed}> is not closed"));
    }
    for entity in text.match_indices('&') {
        let tail = &text[entity.0..];
        let valid = ["&lt;", "&gt;", "&amp;", "&quot;", "&#"]
            .iter()
            .any(|e| tail.starts_with(e));
        if !valid {
            return Err("can't parse entities: bare &".into());
        }
    }
    Ok(html_escape::decode_html_entities(&text).into_owned())
}
