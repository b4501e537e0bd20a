//! The admin HTTP API against a real PostgreSQL (`#[sqlx::test]`, from DATABASE_URL),
//! called through `oneshot` without a socket: tokens, news, subscribers, unanswered
//! messages and dialogue reloads.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use serde_json::{Value, json};
use sportello::admin::{self, AdminState, AdminTokens};
use sportello::dialogue::{self, Dialogues, Live};
use sportello::store::pg::PgStore;
use sqlx::PgPool;
use tower::ServiceExt;

const TOKEN: &str = "admin-test-token-0123456789abcdef";
const OTHER_TOKEN: &str = "second-admin-token-0123456789";
const CHANNEL: &str = "@sportello_test";

/// The dialogues built into the binary.
fn bundled() -> Arc<Dialogues> {
    let (dialogues, report) = dialogue::load(&dialogue::bundled_files());
    match dialogues {
        Some(d) => Arc::new(d),
        None => panic!("bundled dialogues do not load:\n{}", report.render_text()),
    }
}

fn tokens(list: &str) -> AdminTokens {
    match list.parse() {
        Ok(tokens) => tokens,
        Err(err) => panic!("tokens: {err}"),
    }
}

fn app_with(pool: &PgPool, live: Live, tokens: AdminTokens) -> Router {
    let state = AdminState::new(
        PgStore::from_pool(pool.clone()),
        live,
        vec![format!(" {CHANNEL} "), String::new()],
        tokens,
    );
    admin::router(state)
}

/// The API over the bundled dialogues, opened by `TOKEN` and `OTHER_TOKEN`.
fn app(pool: &PgPool) -> Router {
    app_with(
        pool,
        Live::from(bundled()),
        tokens(&format!("{TOKEN},{OTHER_TOKEN}")),
    )
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
}

async fn send(app: &Router, request: Request<Body>) -> Answer {
    let response = match app.clone().oneshot(request).await {
        Ok(response) => response,
        Err(err) => panic!("request failed: {err}"),
    };
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = match axum::body::to_bytes(response.into_body(), 1 << 20).await {
        Ok(bytes) => bytes,
        Err(err) => panic!("body: {err}"),
    };
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|err| panic!("not JSON ({err}): {}", String::from_utf8_lossy(&bytes)))
    };
    Answer {
        status,
        headers,
        body,
    }
}

fn request(method: Method, uri: &str, token: Option<&str>, body: Option<&Value>) -> Request<Body> {
    let mut builder = Request::builder().method(method).uri(uri);
    if let Some(token) = token {
        builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    let body = match body {
        Some(json) => {
            builder = builder.header(header::CONTENT_TYPE, "application/json");
            Body::from(json.to_string())
        }
        None => Body::empty(),
    };
    match builder.body(body) {
        Ok(request) => request,
        Err(err) => panic!("request: {err}"),
    }
}

async fn get(app: &Router, uri: &str) -> Answer {
    send(app, request(Method::GET, uri, Some(TOKEN), None)).await
}

async fn post(app: &Router, uri: &str, body: Option<&Value>) -> Answer {
    send(app, request(Method::POST, uri, Some(TOKEN), body)).await
}

fn error_of(answer: &Answer) -> &str {
    match answer.body["error"].as_str() {
        Some(error) => error,
        None => panic!("no JSON error in {}: {}", answer.status, answer.body),
    }
}

async fn subscribe(pool: &PgPool, channel: &str, chat: &str, topics: &[&str], status: &str) {
    let inserted = sqlx::query(
        "INSERT INTO subscribers (channel, chat, topics, status) VALUES ($1, $2, $3, $4)",
    )
    .bind(channel)
    .bind(chat)
    .bind(topics)
    .bind(status)
    .execute(pool)
    .await;
    if let Err(err) = inserted {
        panic!("subscriber: {err}");
    }
}

async fn deliveries(pool: &PgPool, key: &str) -> i64 {
    let count = sqlx::query_scalar(
        "SELECT count(*) FROM outbox o JOIN news n ON n.id = o.news_id WHERE n.key = $1",
    )
    .bind(key)
    .fetch_one(pool)
    .await;
    match count {
        Ok(n) => n,
        Err(err) => panic!("outbox: {err}"),
    }
}

fn news_request(topics: &[&str], publish: bool) -> Value {
    json!({
        "title": "Calendario della prima prova",
        "body": "La prima prova scritta si terrà il 16 giugno alle 8:30.",
        "topics": topics,
        "link": "https://www.mim.gov.it/",
        "expires_at": "2099-07-31 23:59",
        "author": "Ufficio stampa",
        "publish": publish,
    })
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn a_request_without_a_token_is_refused(pool: PgPool) {
    let app = app(&pool);
    for (method, uri) in [
        (Method::GET, "/admin/news"),
        (Method::POST, "/admin/news"),
        (Method::GET, "/admin/subscribers"),
        (Method::POST, "/admin/reload"),
    ] {
        let answer = send(&app, request(method, uri, None, None)).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{uri}");
        assert_eq!(
            answer.headers.get(header::WWW_AUTHENTICATE),
            Some(&header::HeaderValue::from_static("Bearer"))
        );
        assert!(error_of(&answer).contains("Bearer"), "{}", answer.body);
    }
    // Nothing was added by the refused POST.
    assert_eq!(get(&app, "/admin/news").await.body["news"], json!([]));
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn a_wrong_token_is_refused_and_not_echoed(pool: PgPool) {
    let app = app(&pool);
    let wrong = "admin-test-token-0123456789abcdeX";
    for token in [wrong, "", TOKEN.trim_end_matches('f')] {
        let answer = send(&app, request(Method::GET, "/admin/news", Some(token), None)).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
        assert!(
            !answer.body.to_string().contains("0123456789"),
            "{}",
            answer.body
        );
    }
    let basic = Request::builder()
        .uri("/admin/news")
        .header(header::AUTHORIZATION, format!("Basic {TOKEN}"))
        .body(Body::empty());
    let Ok(basic) = basic else { panic!("request") };
    assert_eq!(send(&app, basic).await.status, StatusCode::UNAUTHORIZED);
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn the_right_token_is_let_in(pool: PgPool) {
    let app = app(&pool);
    let answer = get(&app, "/admin/news").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.body, json!({ "news": [] }));
    // Any configured token, any case of the scheme.
    let second = Request::builder()
        .uri("/admin/subscribers")
        .header(header::AUTHORIZATION, format!("bearer {OTHER_TOKEN}"))
        .body(Body::empty());
    let Ok(second) = second else {
        panic!("request")
    };
    assert_eq!(send(&app, second).await.status, StatusCode::OK);
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn without_tokens_the_api_is_disabled(pool: PgPool) {
    let app = app_with(&pool, Live::from(bundled()), AdminTokens::none());
    let answer = get(&app, "/admin/news").await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert!(error_of(&answer).contains("SPORTELLO_ADMIN_TOKENS"));
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn news_created_with_publish_is_queued_once(pool: PgPool) {
    subscribe(&pool, "telegram", "1001", &["maturita"], "active").await;
    subscribe(&pool, "telegram", "1002", &["maturita"], "blocked").await;
    subscribe(&pool, "telegram", "1003", &["concorsi"], "active").await;
    let app = app(&pool);

    let created = post(
        &app,
        "/admin/news",
        Some(&news_request(&["maturita"], true)),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let news = &created.body["news"];
    let key = news["key"].as_str().unwrap_or_default().to_owned();
    assert!(key.starts_with("news-"), "{news}");
    assert_eq!(news["topics"], json!(["maturita"]));
    assert_eq!(news["author"], json!("Ufficio stampa"));
    assert_eq!(news["expires_at"], json!("2099-07-31T23:59:00+02:00"));
    let published = &created.body["published"];
    assert_eq!(published["subscribers"], json!(1), "{published}");
    assert_eq!(published["channels"], json!(1), "{published}");
    assert_eq!(deliveries(&pool, &key).await, 2);

    // Listed, newest first.
    let listed = get(&app, "/admin/news?limit=5").await;
    assert_eq!(listed.status, StatusCode::OK);
    assert_eq!(listed.body["news"][0]["key"], json!(key));

    // Its status: two deliveries waiting for a relay.
    let status = get(&app, &format!("/admin/news/{key}/status")).await;
    assert_eq!(status.status, StatusCode::OK, "{}", status.body);
    assert_eq!(status.body["queued"], json!(2));
    assert_eq!(status.body["sent"], json!(0));
    assert_eq!(status.body["failed"], json!(0));
    assert_eq!(status.body["blocked"], json!(0));
    assert_eq!(status.body["total"], json!(2));
    assert_eq!(status.body["eta_seconds"], Value::Null);

    // Publishing again queues nothing new, by key or by numeric id.
    let again = post(&app, &format!("/admin/news/{key}/publish"), None).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_eq!(
        (&again.body["subscribers"], &again.body["channels"]),
        (&json!(0), &json!(0))
    );
    let id = again.body["news_id"].as_i64().unwrap_or_default();
    let by_id = post(&app, &format!("/admin/news/{id}/publish"), Some(&json!({}))).await;
    assert_eq!(by_id.status, StatusCode::OK, "{}", by_id.body);
    assert_eq!(deliveries(&pool, &key).await, 2);

    // A subscriber who arrived since gets it on the next publish, from `at`.
    subscribe(
        &pool,
        "telegram",
        "1004",
        &["maturita", "concorsi"],
        "active",
    )
    .await;
    let later = post(
        &app,
        &format!("/admin/news/{key}/publish"),
        Some(&json!({ "at": "2099-06-18 08:00" })),
    )
    .await;
    assert_eq!(later.body["subscribers"], json!(1), "{}", later.body);
    assert_eq!(later.body["from"], json!("2099-06-18T08:00:00+02:00"));
    assert_eq!(deliveries(&pool, &key).await, 3);
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn news_created_without_publish_is_not_queued(pool: PgPool) {
    subscribe(&pool, "telegram", "1001", &["maturita"], "active").await;
    let app = app(&pool);
    let created = post(
        &app,
        "/admin/news",
        Some(&news_request(&["maturita"], false)),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert!(created.body.get("published").is_none(), "{}", created.body);
    let key = created.body["news"]["key"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(deliveries(&pool, &key).await, 0);
    let status = get(&app, &format!("/admin/news/{key}/status")).await;
    assert_eq!(status.body["total"], json!(0));
    assert_eq!(status.body["eta_seconds"], json!(0));
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn an_unknown_topic_is_named(pool: PgPool) {
    let app = app(&pool);
    let answer = post(
        &app,
        "/admin/news",
        Some(&news_request(&["maturita", "astronomia"], true)),
    )
    .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        error_of(&answer).contains("`astronomia`"),
        "{}",
        answer.body
    );
    assert_eq!(answer.body["topic"], json!("astronomia"));
    let known = answer.body["known_topics"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(known.contains(&json!("maturita")), "{}", answer.body);
    assert_eq!(get(&app, "/admin/news").await.body["news"], json!([]));
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn bad_requests_get_json_errors(pool: PgPool) {
    let app = app(&pool);
    let json_request = |body: &'static str, content_type: &'static str| {
        let request = Request::builder()
            .method(Method::POST)
            .uri("/admin/news")
            .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body));
        match request {
            Ok(request) => request,
            Err(err) => panic!("request: {err}"),
        }
    };
    // Malformed JSON: 400.
    let malformed = send(&app, json_request(r#"{"title": "#, "application/json")).await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    assert!(!error_of(&malformed).is_empty());
    // A missing field: 422 naming it.
    let missing = send(&app, json_request(r#"{"title": "T"}"#, "application/json")).await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error_of(&missing).contains("body"), "{}", missing.body);
    // An unknown field (a typo): 422 naming it.
    let mut typo = news_request(&["maturita"], false);
    typo["publsh"] = json!(true);
    let typo = post(&app, "/admin/news", Some(&typo)).await;
    assert_eq!(typo.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error_of(&typo).contains("publsh"), "{}", typo.body);
    // Not JSON: 415.
    let form = send(
        &app,
        json_request("title=T", "application/x-www-form-urlencoded"),
    )
    .await;
    assert_eq!(form.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(!error_of(&form).is_empty());
    // A bad date, an expired item, an empty title: 422 naming the field.
    let mut date = news_request(&["maturita"], false);
    date["expires_at"] = json!("domani");
    let date = post(&app, "/admin/news", Some(&date)).await;
    assert_eq!(date.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error_of(&date).contains("expires_at"), "{}", date.body);
    let mut past = news_request(&["maturita"], true);
    past["expires_at"] = json!("2020-01-01 00:00");
    let past = post(&app, "/admin/news", Some(&past)).await;
    assert_eq!(past.status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut empty = news_request(&["maturita"], false);
    empty["title"] = json!("  ");
    let empty = post(&app, "/admin/news", Some(&empty)).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error_of(&empty).contains("title"));
    // A bad limit: 400.
    assert_eq!(
        get(&app, "/admin/news?limit=0").await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        get(&app, "/admin/news?limit=many").await.status,
        StatusCode::BAD_REQUEST
    );
    // Unknown news: 404.
    let unknown = get(&app, "/admin/news/news-nope/status").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(error_of(&unknown).contains("news-nope"));
    let unknown = post(&app, "/admin/news/news-nope/publish", None).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    // Nothing was added by any of them.
    assert_eq!(get(&app, "/admin/news").await.body["news"], json!([]));
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn subscribers_are_counted_per_channel_and_topic(pool: PgPool) {
    subscribe(&pool, "telegram", "1", &["maturita", "concorsi"], "active").await;
    subscribe(&pool, "telegram", "2", &["maturita"], "blocked").await;
    subscribe(&pool, "whatsapp", "393331234567", &["maturita"], "active").await;
    let answer = get(&app(&pool), "/admin/subscribers").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let counts = &answer.body;
    assert_eq!(counts["total"], json!({ "active": 2, "blocked": 1 }));
    assert_eq!(
        counts["channels"]["telegram"],
        json!({ "active": 1, "blocked": 1 })
    );
    assert_eq!(
        counts["channels"]["whatsapp"],
        json!({ "active": 1, "blocked": 0 })
    );
    let maturita = &counts["topics"]["maturita"];
    assert_eq!(
        (&maturita["active"], &maturita["blocked"]),
        (&json!(2), &json!(1))
    );
    assert_eq!(
        maturita["channels"]["whatsapp"],
        json!({ "active": 1, "blocked": 0 })
    );
    assert_eq!(counts["topics"]["concorsi"]["active"], json!(1));
    // A topic the dialogues declare that nobody follows yet.
    assert_eq!(counts["topics"]["generale"]["active"], json!(0));
    assert!(!answer.body.to_string().contains("393331234567"));
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn unanswered_messages_are_listed_newest_first(pool: PgPool) {
    let inserted = sqlx::query(
        "INSERT INTO transcripts (channel, chat, direction, state, body, understood, at) VALUES \
         ('telegram', '1', 'in', 'main.menu', 'come si fa il tiramisù', false, '2027-01-15T08:00:00Z'), \
         ('telegram', '1', 'in', 'main.menu', 'quando è la prima prova', true, '2027-01-15T08:01:00Z'), \
         ('telegram', '2', 'in', 'maturita.menu', 'e le date della terza prova?', false, '2027-01-15T08:02:00Z')",
    )
    .execute(&pool)
    .await;
    if let Err(err) = inserted {
        panic!("transcripts: {err}");
    }
    let app = app(&pool);
    let answer = get(&app, "/admin/unanswered").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let mut listed = answer.body.clone();
    // Each message's closest target, for staff to add it as an example there.
    let closest = |i: usize| listed["unanswered"][i]["closest"]["target"].clone();
    assert_eq!(closest(0), json!("maturita.date"), "{}", answer.body);
    // A recipe is close to nothing we answer: no candidate, or a weak one.
    let recipe = &listed["unanswered"][1]["closest"];
    assert!(
        recipe.is_null() || recipe["score"].as_f64().is_some_and(|s| s < 0.5),
        "{}",
        answer.body
    );
    for item in listed["unanswered"].as_array_mut().into_iter().flatten() {
        if let Some(item) = item.as_object_mut() {
            item.remove("closest");
        }
    }
    assert_eq!(
        listed,
        json!({ "unanswered": [
            { "at": "2027-01-15T09:02:00+01:00", "state": "maturita.menu", "text": "e le date della terza prova?" },
            { "at": "2027-01-15T09:00:00+01:00", "state": "main.menu", "text": "come si fa il tiramisù" },
        ]})
    );
    let one = get(&app, "/admin/unanswered?limit=1").await;
    assert_eq!(one.body["unanswered"].as_array().map(Vec::len), Some(1));
}

/// A copy of the bundled dialogue files that a test may edit.
fn editable_dialogues() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("dialogues");
    for entry in std::fs::read_dir(&source).into_iter().flatten().flatten() {
        if entry.path().is_file()
            && let Err(err) = std::fs::copy(entry.path(), dir.path().join(entry.file_name()))
        {
            panic!("copy: {err}");
        }
    }
    dir
}

fn edit(dir: &Path, file: &str, from: &str, to: &str) {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(text.contains(from), "{file} has no {from:?}");
    if let Err(err) = std::fs::write(&path, text.replacen(from, to, 1)) {
        panic!("write: {err}");
    }
}

fn live_from(dir: &Path) -> Live {
    let (dialogues, report) = dialogue::load_dir(dir);
    match dialogues {
        Some(d) => Live::new(Arc::new(d), Some(PathBuf::from(dir))),
        None => panic!("{}", report.render_text()),
    }
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn a_valid_edit_is_reloaded(pool: PgPool) {
    let dir = editable_dialogues();
    let live = live_from(dir.path());
    let before = live.get().version.clone();
    let app = app_with(&pool, live.clone(), tokens(TOKEN));

    let unchanged = post(&app, "/admin/reload", None).await;
    assert_eq!(unchanged.status, StatusCode::OK, "{}", unchanged.body);
    assert_eq!(unchanged.body["changed"], json!(false));
    assert_eq!(unchanged.body["version"], json!(before));

    edit(
        dir.path(),
        "main.yaml",
        "Ciao! Sono lo sportello",
        "Buongiorno! Sono lo sportello",
    );
    let shown = get(&app, "/admin/dialogues").await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
    assert_eq!(shown.body["source"], json!("directory"));
    assert_eq!(shown.body["version"], json!(before));
    assert_eq!(shown.body["check"]["errors"], json!(0), "{}", shown.body);
    assert_eq!(
        shown.body["check"]["running"],
        json!(false),
        "not reloaded yet"
    );

    let reloaded = post(&app, "/admin/reload", None).await;
    assert_eq!(reloaded.status, StatusCode::OK, "{}", reloaded.body);
    assert_eq!(reloaded.body["changed"], json!(true));
    assert_ne!(reloaded.body["version"], json!(before));
    assert_eq!(reloaded.body["version"], json!(live.get().version));
    assert!(reloaded.body["warnings"].is_array());
    let shown = get(&app, "/admin/dialogues").await;
    assert_eq!(
        shown.body["check"]["running"],
        json!(true),
        "{}",
        shown.body
    );
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn a_broken_edit_is_refused_with_its_line_and_column(pool: PgPool) {
    let dir = editable_dialogues();
    let live = live_from(dir.path());
    let before = live.get().version.clone();
    let app = app_with(&pool, live.clone(), tokens(TOKEN));
    edit(
        dir.path(),
        "main.yaml",
        "goto: notizie }",
        "goto: notiziee }",
    );

    let refused = post(&app, "/admin/reload", None).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert!(
        error_of(&refused).contains("running version"),
        "{}",
        refused.body
    );
    assert_eq!(refused.body["running_version"], json!(before));
    let findings = refused.body["findings"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let finding = findings
        .iter()
        .find(|f| {
            f["message"]
                .as_str()
                .is_some_and(|m| m.contains("notiziee"))
        })
        .unwrap_or_else(|| panic!("no finding names the target: {}", refused.body));
    assert_eq!(finding["severity"], json!("error"));
    assert!(
        finding["file"]
            .as_str()
            .is_some_and(|f| f.ends_with("main.yaml")),
        "{finding}"
    );
    assert!(finding["line"].as_u64().is_some_and(|l| l > 1), "{finding}");
    assert!(
        finding["column"].as_u64().is_some_and(|c| c > 0),
        "{finding}"
    );

    // The running version is kept, and `check` shows the same findings.
    assert_eq!(live.get().version, before);
    let shown = get(&app, "/admin/dialogues").await;
    assert_eq!(shown.body["version"], json!(before));
    assert_eq!(shown.body["check"]["version"], Value::Null);
    assert!(
        shown.body["check"]["errors"]
            .as_u64()
            .is_some_and(|n| n > 0)
    );
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn bundled_dialogues_cannot_be_reloaded(pool: PgPool) {
    let app = app(&pool);
    let refused = post(&app, "/admin/reload", None).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(error_of(&refused).contains("built into the binary"));
    let shown = get(&app, "/admin/dialogues").await;
    assert_eq!(shown.status, StatusCode::OK);
    assert_eq!(shown.body["source"], json!("bundled"));
    assert!(
        shown.body["flows"]
            .as_array()
            .is_some_and(|f| f.contains(&json!("main")))
    );
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn tickets_are_listed_read_and_closed_by_number(pool: PgPool) {
    use sportello::conversation::Conversation;
    use sportello::engine::{Inbound, Input};
    use sportello::store::ChatKey;
    let store = PgStore::from_pool(pool.clone());
    let c = Conversation::new(bundled(), store.clone(), store);
    let key = ChatKey::new("telegram", "8080");
    for text in ["/operatore", "ho un dubbio sul mio esonero"] {
        let inbound = Inbound {
            at: chrono::Utc::now(),
            input: Input::from_text(text),
        };
        if let Err(err) = c.turn(&key, &inbound, Some("it")).await {
            panic!("turn: {err}");
        }
    }
    let app = app(&pool);
    let list = get(&app, "/admin/tickets").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert_eq!(list.body["tickets"].as_array().map(Vec::len), Some(1));
    let id = list.body["tickets"][0]["id"].as_i64().unwrap_or_default();
    assert_eq!(list.body["tickets"][0]["queue"], "urp");
    assert!(
        !list.body.to_string().contains("8080"),
        "no chat id: {}",
        list.body
    );

    let one = get(&app, &format!("/admin/tickets/{id}")).await;
    assert_eq!(
        one.body["messages"][0]["body"],
        "ho un dubbio sul mio esonero"
    );
    assert_eq!(one.body["messages"][0]["direction"], "citizen");

    let closed = post(&app, &format!("/admin/tickets/{id}/close"), None).await;
    assert_eq!(closed.status, StatusCode::OK, "{}", closed.body);
    let again = post(&app, &format!("/admin/tickets/{id}/close"), None).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let missing = get(&app, "/admin/tickets/999").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let open = get(&app, "/admin/tickets").await;
    assert_eq!(open.body["tickets"].as_array().map(Vec::len), Some(0));
    let all = get(&app, "/admin/tickets?all=true").await;
    assert_eq!(all.body["tickets"][0]["status"], "closed");
}
