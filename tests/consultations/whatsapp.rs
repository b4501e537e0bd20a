//! Consultations on WhatsApp: the relay's WhatsApp sender against the fake Cloud API,
//! answers as signed webhooks into the channel's router.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};
use sportello::channel::telegram::Pace;
use sportello::channel::whatsapp::{self, WhatsApp, WhatsAppConfig};
use sportello::conversation::Conversation;
use sportello::relay::{Paced, WhatsAppSender, whatsapp_limits};
use sportello::store::pg::PgStore;
use sportello::store::{ChatKey, CitizenStore};
use sqlx::PgPool;
use tower::ServiceExt;

use super::common::fake_whatsapp::{FakeWhatsApp, PHONE_NUMBER_ID, TOKEN};
use super::common::worker::{Running, start};
use super::{
    QUESTION, content, dialogues, eventually, exec, import, scalar, schedule, time_is_up,
    until_tally, worker_config,
};

const SECRET: &str = "test-app-secret";
/// Wrote an hour ago; never wrote (topic with a template); never wrote (no template).
const INSIDE: &str = "393330000001";
const OUTSIDE: &str = "393330000002";
const FAR: &str = "393330000003";
const LONG: &str = "Il pomeriggio, dalle 14 alle 18, su appuntamento";

type Channel = WhatsApp<PgStore, PgStore>;

fn config(fake: &FakeWhatsApp) -> WhatsAppConfig {
    let Ok(mut config) = WhatsAppConfig::new(TOKEN, PHONE_NUMBER_ID, SECRET, "verify") else {
        panic!("config")
    };
    config.api_url = fake.url.clone();
    config.news_templates = "maturita=news_maturita:it"
        .parse()
        .unwrap_or_else(|e| panic!("{e}"));
    config
}

fn channel(fake: &FakeWhatsApp, store: &PgStore) -> Channel {
    let conversation = Conversation::new(dialogues(), store.clone(), store.clone());
    match WhatsApp::new(&config(fake), conversation, store.clone()) {
        Ok(channel) => channel,
        Err(err) => panic!("{err}"),
    }
}

fn relay(fake: &FakeWhatsApp, store: &PgStore) -> Running {
    let sender = match WhatsAppSender::new(&config(fake), store.clone()) {
        Ok(sender) => sender,
        Err(err) => panic!("{err}"),
    };
    let paced = Paced::new(sender, Arc::new(Pace::new(whatsapp_limits(1_000))));
    start(store.pool(), paced, worker_config("whatsapp"))
}

/// A message from `from` as Meta posts it.
fn message(from: &str, wamid: &str, kind: &str, content: Value) -> Value {
    let mut m = json!({ "from": from, "id": wamid, "timestamp": "1800000000", "type": kind });
    m[kind] = content;
    json!({
        "object": "whatsapp_business_account",
        "entry": [{ "id": "WABA", "changes": [{ "field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": { "display_phone_number": "390600000000", "phone_number_id": PHONE_NUMBER_ID },
            "contacts": [{ "profile": { "name": "Giulia" }, "wa_id": from }],
            "messages": [m]
        } }] }]
    })
}

/// The citizen picks the row `id` of a list.
fn list_reply(from: &str, wamid: &str, id: &str) -> Value {
    message(
        from,
        wamid,
        "interactive",
        json!({ "type": "list_reply", "list_reply": { "id": id, "title": "x" } }),
    )
}

async fn post(channel: &Channel, body: &Value) {
    let raw = body.to_string();
    let signature = whatsapp::sign(SECRET.as_bytes(), raw.as_bytes());
    let request = Request::post(whatsapp::WEBHOOK_PATH)
        .header("content-type", "application/json")
        .header("X-Hub-Signature-256", signature)
        .body(Body::from(raw))
        .unwrap_or_else(|e| panic!("{e}"));
    let response = match channel.router().oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    };
    assert_eq!(response.status(), StatusCode::OK);
    channel.drain().await;
}

/// The last message `to` got.
fn last_text(fake: &FakeWhatsApp, to: &str) -> String {
    fake.sent_to(to)
        .last()
        .map(|s| s.text.clone())
        .unwrap_or_default()
}

async fn subscribers(pool: &PgPool) {
    exec(
        pool,
        "INSERT INTO subscribers (channel, chat, topics) VALUES
           ('whatsapp', '393330000001', '{maturita}'), ('whatsapp', '393330000002', '{maturita}'),
           ('whatsapp', '393330000003', '{concorsi}')",
    )
    .await;
    exec(
        pool,
        "INSERT INTO whatsapp_contacts (wa_id, last_inbound_at) VALUES ('393330000001', now() - interval '1 hour')",
    )
    .await;
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn an_anonymous_list_counts_one_answer_per_citizen_and_sends_the_results(pool: PgPool) {
    let wa = FakeWhatsApp::start().await;
    let store = PgStore::from_pool(pool.clone());
    subscribers(&pool).await;
    import(
        &store,
        // Asked of everybody: outside the window each gets the template of a topic
        // of theirs.
        &content("orari", &["Mattina", LONG], &[], true),
    )
    .await;
    assert_eq!(schedule(&pool).await.opened, [("orari".to_owned(), 3)]);
    let worker = relay(&wa, &store);
    let channel = channel(&wa, &store);

    // Inside the 24-hour window: the list, numbered since an option is long.
    let list = wa.wait_for(INSIDE, 1).await;
    assert_eq!(list[0].kind, "list");
    assert!(list[0].text.contains(QUESTION), "{}", list[0].text);
    let titles: Vec<&str> = list[0].buttons.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(titles, ["1. Mattina", "2. Il pomeriggio, dalle…"]);
    let ids: Vec<String> = list[0].buttons.iter().map(|(id, _)| id.clone()).collect();
    assert!(
        ids.iter()
            .all(|id| id.starts_with("cv:") && id.split(':').count() == 4),
        "{ids:?}"
    );
    // Outside it: the topic's template; without one, the row fails saying why.
    let outside = wa.wait_for(OUTSIDE, 1).await;
    assert_eq!(outside[0].kind, "template");
    assert_eq!(
        outside[0].template,
        Some(("it".to_owned(), vec![QUESTION.to_owned(), "—".to_owned()]))
    );
    eventually("the row without a template fails", || async {
        let status: String = scalar(
            &pool,
            "SELECT status FROM outbox WHERE recipient = '393330000003'",
        )
        .await;
        status == "failed"
    })
    .await;
    let reason: String = scalar(
        &pool,
        "SELECT last_error FROM outbox WHERE recipient = '393330000003'",
    )
    .await;
    assert!(
        reason.contains("no template") && reason.contains("concorsi"),
        "{reason}"
    );

    // A tap counts, a second tap changes it; neither reaches the dialogues.
    post(&channel, &list_reply(INSIDE, "wamid.in1", &ids[1])).await;
    assert_eq!(
        last_text(&wa, INSIDE),
        format!(
            "✅ Grazie, risposta registrata: «{LONG}». Puoi cambiarla fino al {}.",
            closing(&pool).await
        )
    );
    post(&channel, &list_reply(INSIDE, "wamid.in2", &ids[0])).await;
    assert!(last_text(&wa, INSIDE).starts_with("✅ Risposta cambiata: «Mattina»"));
    until_tally(&pool, "orari", &[1, 0]).await;
    let voter: String = scalar(&pool, "SELECT voter FROM consultation_votes").await;
    assert!(
        voter.starts_with("ballot:") && !voter.contains(INSIDE),
        "{voter}"
    );
    let sessions: i64 = scalar(
        &pool,
        "SELECT count(*) FROM sessions WHERE chat = '393330000001'",
    )
    .await;
    assert_eq!(sessions, 0, "no turn ran");
    let menu: Value = scalar(
        &pool,
        "SELECT menu FROM whatsapp_contacts WHERE wa_id = '393330000001'",
    )
    .await;
    assert!(
        !menu.to_string().contains("cv:"),
        "an anonymous list is never stored: {menu}"
    );

    time_is_up(&pool, "orari").await;
    // The two it reached (not the one it failed to), and the Telegram channel.
    assert_eq!(schedule(&pool).await.closed, [("orari".to_owned(), 3)]);
    let results = wa.wait_for(INSIDE, 4).await;
    assert_eq!(results[3].kind, "text");
    assert!(
        results[3].text.contains("• Mattina — 1 (100%)"),
        "{}",
        results[3].text
    );
    let outside = wa.wait_for(OUTSIDE, 2).await;
    assert_eq!(outside[1].kind, "template");
    let params = outside[1]
        .template
        .clone()
        .map(|(_, p)| p)
        .unwrap_or_default();
    assert!(
        params[0].starts_with("📊 Risultati della consultazione"),
        "{params:?}"
    );
    assert!(wa.sent_to(FAR).is_empty());

    // Too late.
    post(&channel, &list_reply(INSIDE, "wamid.in3", &ids[1])).await;
    assert!(
        last_text(&wa, INSIDE).contains("è chiusa"),
        "{}",
        last_text(&wa, INSIDE)
    );
    assert_eq!(super::tally(&pool, "orari").await, [1, 0]);
    assert!(wa.violations().is_empty(), "{:?}", wa.violations());
    worker.stop().await;
    channel.stop().await;
}

/// `closes_at` as the replies write it.
async fn closing(pool: &PgPool) -> String {
    let at: chrono::DateTime<chrono::Utc> =
        scalar(pool, "SELECT closes_at FROM consultations").await;
    sportello::consultation::texts::closing(at, sportello::consultation::texts::Lang::It)
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn a_named_list_is_answered_by_its_number_or_title_and_erasure_takes_the_answer(
    pool: PgPool,
) {
    let wa = FakeWhatsApp::start().await;
    let store = PgStore::from_pool(pool.clone());
    subscribers(&pool).await;
    exec(
        &pool,
        "DELETE FROM subscribers WHERE chat <> '393330000001'",
    )
    .await;
    import(
        &store,
        &content("orari", &["Mattina", "Pomeriggio"], &["maturita"], false),
    )
    .await;
    schedule(&pool).await;
    let worker = relay(&wa, &store);
    let channel = channel(&wa, &store);
    let list = wa.wait_for(INSIDE, 1).await;
    assert!(list[0].text.contains("non è anonima"), "{}", list[0].text);
    eventually("the list is the citizen's last menu", || async {
        let menu: Value = scalar(
            &pool,
            "SELECT menu FROM whatsapp_contacts WHERE wa_id = '393330000001'",
        )
        .await;
        menu.to_string().contains("cv:1:1")
    })
    .await;
    assert_eq!(
        list[0].buttons[1],
        ("cv:1:1".to_owned(), "Pomeriggio".to_owned())
    );

    post(
        &channel,
        &message(INSIDE, "wamid.t1", "text", json!({ "body": "2" })),
    )
    .await;
    assert!(
        last_text(&wa, INSIDE).contains("«Pomeriggio»"),
        "{}",
        last_text(&wa, INSIDE)
    );
    post(
        &channel,
        &message(INSIDE, "wamid.t2", "text", json!({ "body": "mattina" })),
    )
    .await;
    assert!(last_text(&wa, INSIDE).starts_with("✅ Risposta cambiata: «Mattina»"));
    until_tally(&pool, "orari", &[1, 0]).await;
    let voter: String = scalar(&pool, "SELECT voter FROM consultation_votes").await;
    assert_eq!(voter.len(), 64, "{voter}");

    let receipt = match store.erase(&ChatKey::new("whatsapp", INSIDE)).await {
        Ok(receipt) => receipt,
        Err(err) => panic!("{err}"),
    };
    assert_eq!(receipt.votes, 1);
    assert_eq!(super::tally(&pool, "orari").await, [0, 0]);
    assert!(wa.violations().is_empty(), "{:?}", wa.violations());
    worker.stop().await;
    channel.stop().await;
}
