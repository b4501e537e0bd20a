//! The WhatsApp channel end to end: signed webhook posts into the channel's router
//! (`oneshot`, no socket), the real Graph client against the fake Cloud API on
//! loopback, sessions and records in a real PostgreSQL.

mod common;
/// The news sender: the 24-hour window, templates, Graph error classification.
#[path = "whatsapp/sender.rs"]
mod sender;

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::fake_whatsapp::{FakeWhatsApp, PHONE_NUMBER_ID, Sent, TOKEN};
use serde_json::{Value, json};
use sportello::channel::whatsapp::{self, WhatsApp, WhatsAppConfig};
use sportello::content::ContentFile;
use sportello::conversation::Conversation;
use sportello::dialogue::{self, Dialogues};
use sportello::store::WhatsAppRecords;
use sportello::store::pg::PgStore;
use sqlx::PgPool;
use tower::ServiceExt;

const SECRET: &str = "test-app-secret";
const VERIFY: &str = "test-verify-token";
const CITIZEN: &str = "393331234567";

type Channel = WhatsApp<PgStore, PgStore>;

fn config(fake: &FakeWhatsApp) -> WhatsAppConfig {
    let Ok(mut config) = WhatsAppConfig::new(TOKEN, PHONE_NUMBER_ID, SECRET, VERIFY) else {
        panic!("config")
    };
    config.api_url = fake.url.clone();
    config.max_in_flight = 8;
    config.news_templates = "maturita=news_maturita:it"
        .parse()
        .unwrap_or_else(|e| panic!("{e}"));
    config
}

fn bundled() -> Arc<Dialogues> {
    let (dialogues, report) = dialogue::load(&dialogue::bundled_files());
    match dialogues {
        Some(d) => Arc::new(d),
        None => panic!("{}", report.render_text()),
    }
}

async fn channel(pool: &PgPool, fake: &FakeWhatsApp, dialogues: Arc<Dialogues>) -> Channel {
    let store = PgStore::from_pool(pool.clone());
    let demo = ContentFile::demo().unwrap_or_else(|e| panic!("demo content: {e:?}"));
    if let Err(err) = store.import(&demo).await {
        panic!("demo content: {err}");
    }
    let conversation = Conversation::new(dialogues, store.clone(), store.clone());
    match WhatsApp::new(&config(fake), conversation, store) {
        Ok(channel) => channel,
        Err(err) => panic!("{err}"),
    }
}

/// A webhook body with `messages` from `CITIZEN` or `statuses`.
fn webhook(value: Value) -> Value {
    let mut value = value;
    value["messaging_product"] = json!("whatsapp");
    value["metadata"] =
        json!({ "display_phone_number": "390600000000", "phone_number_id": PHONE_NUMBER_ID });
    value["contacts"] = json!([{ "profile": { "name": "Giulia" }, "wa_id": CITIZEN }]);
    json!({
        "object": "whatsapp_business_account",
        "entry": [{ "id": "WABA", "changes": [{ "field": "messages", "value": value }] }]
    })
}

fn message(wamid: &str, kind: &str, content: Value) -> Value {
    let mut m = json!({ "from": CITIZEN, "id": wamid, "timestamp": "1800000000", "type": kind });
    m[kind] = content;
    webhook(json!({ "messages": [m] }))
}

fn text(wamid: &str, body: &str) -> Value {
    message(wamid, "text", json!({ "body": body }))
}

/// A press of a reply button (`button_reply`) or a list row (`list_reply`).
fn reply(wamid: &str, kind: &str, id: &str) -> Value {
    message(
        wamid,
        "interactive",
        json!({ "type": kind, kind: { "id": id, "title": "x" } }),
    )
}

async fn call(router: &Router, request: Request<Body>) -> (StatusCode, String) {
    let response = match router.clone().oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    };
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap_or_default();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

/// POSTs `body` with `signature` (None: unsigned).
async fn post_signed(router: &Router, body: &Value, signature: Option<String>) -> StatusCode {
    let raw = body.to_string();
    let mut request =
        Request::post(whatsapp::WEBHOOK_PATH).header("content-type", "application/json");
    if let Some(signature) = signature {
        request = request.header("X-Hub-Signature-256", signature);
    }
    let request = request
        .body(Body::from(raw))
        .unwrap_or_else(|e| panic!("{e}"));
    call(router, request).await.0
}

/// POSTs `body` signed with the app secret, expecting 200.
async fn post(router: &Router, body: &Value) {
    let signature = whatsapp::sign(SECRET.as_bytes(), body.to_string().as_bytes());
    assert_eq!(
        post_signed(router, body, Some(signature)).await,
        StatusCode::OK
    );
}

async fn count(pool: &PgPool, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

fn titles(sent: &Sent) -> Vec<&str> {
    sent.buttons.iter().map(|(_, t)| t.as_str()).collect()
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn the_handshake_echoes_the_challenge_only_for_our_token(pool: PgPool) {
    let fake = FakeWhatsApp::start().await;
    let router = channel(&pool, &fake, bundled()).await.router();
    let get = |token: &str| {
        Request::get(format!(
            "{}?hub.mode=subscribe&hub.verify_token={token}&hub.challenge=1158201444",
            whatsapp::WEBHOOK_PATH
        ))
        .body(Body::empty())
        .unwrap_or_else(|e| panic!("{e}"))
    };
    assert_eq!(
        call(&router, get(VERIFY)).await,
        (StatusCode::OK, "1158201444".to_owned())
    );
    assert_eq!(call(&router, get("wrong")).await.0, StatusCode::FORBIDDEN);
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn forged_and_unsigned_posts_are_refused_before_anything_happens(pool: PgPool) {
    let fake = FakeWhatsApp::start().await;
    let channel = channel(&pool, &fake, bundled()).await;
    let router = channel.router();
    let body = text("wamid.FORGED", "/start");
    let forged = whatsapp::sign(b"not-the-secret", body.to_string().as_bytes());
    assert_eq!(
        post_signed(&router, &body, Some(forged)).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        post_signed(&router, &body, None).await,
        StatusCode::UNAUTHORIZED
    );
    // Signed for another body: the signature covers the exact bytes.
    let other = whatsapp::sign(SECRET.as_bytes(), b"{}");
    assert_eq!(
        post_signed(&router, &body, Some(other)).await,
        StatusCode::UNAUTHORIZED
    );
    channel.drain().await;
    assert_eq!(count(&pool, "SELECT count(*) FROM sessions").await, 0);
    assert_eq!(count(&pool, "SELECT count(*) FROM whatsapp_seen").await, 0);
    assert!(fake.requests().is_empty(), "{:?}", fake.requests());
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn a_conversation_with_lists_and_the_calendar(pool: PgPool) {
    let fake = FakeWhatsApp::start().await;
    let channel = channel(&pool, &fake, bundled()).await;
    let router = channel.router();

    post(&router, &text("wamid.1", "/start")).await;
    let sent = fake.wait_for(CITIZEN, 1).await;
    assert_eq!(
        sent[0].kind, "list",
        "the main menu has 4 buttons: {sent:#?}"
    );
    assert!(
        sent[0].text.contains("sportello digitale"),
        "{}",
        sent[0].text
    );
    assert_eq!(
        titles(&sent[0]),
        [
            "🎓 Esame di Stato",
            "🏛 Test di ammissione",
            "📰 Notizie",
            "❓ Aiuto e contatti"
        ]
    );
    assert_eq!(
        sent[0].buttons[0].0, "main.menu#0",
        "row ids are the compact button ids"
    );
    assert!(
        !sent[0].text.contains("<b>"),
        "HTML converted: {}",
        sent[0].text
    );

    // A list reply opens the Maturità menu (4 buttons: a list again).
    post(&router, &reply("wamid.2", "list_reply", "main.menu#0")).await;
    let sent = fake.wait_for(CITIZEN, 2).await;
    assert_eq!(sent[1].kind, "list", "{sent:#?}");
    assert!(
        sent[1].text.contains("*Esame di Stato 2027*"),
        "{}",
        sent[1].text
    );
    let calendar = sent[1].buttons[0].0.clone();

    post(&router, &reply("wamid.3", "list_reply", &calendar)).await;
    let sent = fake.wait_for(CITIZEN, 3).await;
    assert!(
        sent[2].text.contains("mercoledì 16 giugno 2027, ore 8:30"),
        "{}",
        sent[2].text
    );

    // A typed label works as a press.
    post(&router, &text("wamid.4", "cosa portare")).await;
    let sent = fake.wait_for(CITIZEN, 4).await;
    assert!(
        sent[3].text.to_lowercase().contains("document"),
        "{}",
        sent[3].text
    );

    channel.drain().await;
    let sessions = count(
        &pool,
        "SELECT count(*) FROM sessions WHERE channel = 'whatsapp'",
    )
    .await;
    assert_eq!(sessions, 1);
    let recorded = count(&pool, "SELECT count(*) FROM whatsapp_deliveries").await;
    assert_eq!(recorded, 4, "every reply recorded by its wamid");
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn twelve_buttons_make_a_numbered_menu_and_short_titles_still_match(pool: PgPool) {
    let fake = FakeWhatsApp::start().await;
    let dialogues = common::load(&common::fixture("whatsapp"));
    let channel = channel(&pool, &fake, dialogues).await;
    let router = channel.router();

    post(&router, &text("wamid.1", "/start")).await;
    let sent = fake.wait_for(CITIZEN, 1).await;
    assert_eq!(sent[0].kind, "text");
    assert!(sent[0].text.contains("\n7. Tributi\n"), "{}", sent[0].text);
    assert!(
        sent[0].text.contains("12. Esami e prove"),
        "{}",
        sent[0].text
    );

    // Answered by number: the seventh button.
    post(&router, &text("wamid.2", "7")).await;
    let sent = fake.wait_for(CITIZEN, 2).await;
    assert_eq!(sent[1].kind, "button", "{sent:#?}");
    assert!(sent[1].text.contains("Ufficio tributi"), "{}", sent[1].text);
    assert_eq!(titles(&sent[1]), ["📅 Calendario delle…", "Sedi", "Menu"]);

    // The shortened title, typed back, is the long button.
    post(&router, &text("wamid.3", "Calendario delle…")).await;
    let sent = fake.wait_for(CITIZEN, 3).await;
    assert!(
        sent[2].text.contains("Prove scritte: *16 giugno*"),
        "{}",
        sent[2].text
    );
    // And so is the whole label.
    post(&router, &text("wamid.4", "calendario delle prove scritte")).await;
    let sent = fake.wait_for(CITIZEN, 4).await;
    assert!(sent[3].text.contains("Prove scritte"), "{}", sent[3].text);
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn a_redelivered_message_is_answered_once_even_days_later(pool: PgPool) {
    let fake = FakeWhatsApp::start().await;
    let first = channel(&pool, &fake, bundled()).await;
    let body = text("wamid.SAME", "/start");
    post(&first.router(), &body).await;
    post(&first.router(), &body).await;
    first.drain().await;
    assert_eq!(fake.sent_to(CITIZEN).len(), 1);

    // A new process (nothing in memory) gets the same message again.
    let later = channel(&pool, &fake, bundled()).await;
    post(&later.router(), &body).await;
    later.drain().await;
    assert_eq!(fake.sent_to(CITIZEN).len(), 1, "{:#?}", fake.sent());
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn an_image_without_words_gets_a_polite_reply_and_its_caption_is_read(pool: PgPool) {
    let fake = FakeWhatsApp::start().await;
    let channel = channel(&pool, &fake, bundled()).await;
    post(
        &channel.router(),
        &message(
            "wamid.IMG",
            "image",
            json!({ "id": "MEDIA1", "mime_type": "image/jpeg" }),
        ),
    )
    .await;
    let sent = fake.wait_for(CITIZEN, 1).await;
    assert_eq!(sent[0].kind, "text");
    assert!(
        sent[0].text.contains("solo i messaggi scritti"),
        "{}",
        sent[0].text
    );
    assert_eq!(
        count(&pool, "SELECT count(*) FROM whatsapp_contacts").await,
        1,
        "the window opened"
    );
    post(
        &channel.router(),
        &message(
            "wamid.IMG2",
            "image",
            json!({ "id": "MEDIA2", "mime_type": "image/jpeg", "caption": "quando è la prima prova?" }),
        ),
    )
    .await;
    let sent = fake.wait_for(CITIZEN, 2).await;
    assert!(
        sent[1].text.contains("giugno"),
        "the caption is answered: {}",
        sent[1].text
    );
    channel.drain().await;
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn statuses_move_delivery_records_forward_only(pool: PgPool) {
    let fake = FakeWhatsApp::start().await;
    let channel = channel(&pool, &fake, bundled()).await;
    let router = channel.router();
    post(&router, &text("wamid.1", "/start")).await;
    let sent = fake.wait_for(CITIZEN, 1).await;
    let wamid = sent[0].wamid.clone();
    let status = |s: &str| {
        webhook(
            json!({ "statuses": [{ "id": wamid, "status": s, "timestamp": "1800000001", "recipient_id": CITIZEN }] }),
        )
    };
    for s in ["delivered", "read", "sent"] {
        post(&router, &status(s)).await;
    }
    channel.drain().await;
    let record = PgStore::from_pool(pool.clone())
        .delivery(&wamid)
        .await
        .ok()
        .flatten();
    assert_eq!(
        record.map(|d| d.status).as_deref(),
        Some("read"),
        "a late 'sent' does not undo 'read'"
    );

    let failed = webhook(
        json!({ "statuses": [{ "id": "wamid.NEWS1", "status": "failed", "timestamp": "1800000002",
        "recipient_id": CITIZEN, "errors": [{ "code": 131047, "title": "Re-engagement message" }] }] }),
    );
    post(&router, &failed).await;
    channel.drain().await;
    let record = PgStore::from_pool(pool.clone())
        .delivery("wamid.NEWS1")
        .await
        .ok()
        .flatten();
    assert_eq!(
        record.map(|d| (d.status, d.error_code, d.error_title)),
        Some((
            "failed".into(),
            Some(131047),
            Some("Re-engagement message".into())
        ))
    );
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn a_reply_that_fails_does_not_stop_the_rest_of_the_turn(pool: PgPool) {
    let fake = FakeWhatsApp::start().await;
    // A welcome of two text messages (it is longer than 4,096 characters).
    let channel = channel(&pool, &fake, common::load(&common::fixture("long"))).await;
    // The first is refused for good (131026: message undeliverable).
    fake.inject([(400, 131_026)]);
    post(&channel.router(), &text("wamid.LONG", "/start")).await;
    channel.drain().await;
    let sent = fake.sent_to(CITIZEN);
    assert_eq!(sent.len(), 1, "the second part still went: {sent:?}");
    assert!(sent[0].text.ends_with("Grazie."), "{}", sent[0].text);
    let refused = fake.requests().iter().filter(|r| r.status == 400).count();
    assert_eq!(refused, 1, "a refusal is not retried");
}
