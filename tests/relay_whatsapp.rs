//! News to WhatsApp subscribers through the outbox, end to end: publishing into a real
//! PostgreSQL, one worker per channel sending to the fake Bot API and the fake Cloud
//! API on loopback: the 24-hour window, templates, 131047, rate limits that hold up
//! WhatsApp only, refusals, and status webhooks joined to the outbox.

mod common;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::fake_telegram::FakeTelegram;
use common::fake_whatsapp::{FakeWhatsApp, PHONE_NUMBER_ID, TOKEN};
use common::worker::{start, status};
use serde_json::{Value, json};
use sportello::channel::telegram::{Limits, Pace};
use sportello::channel::whatsapp::{self, Template, WhatsApp, WhatsAppConfig};
use sportello::conversation::Conversation;
use sportello::dialogue::{self, Dialogues};
use sportello::relay::{
    self, NewsStatus, Paced, PublishOptions, Sender, TelegramSender, WhatsAppSender, Worker,
    WorkerConfig, whatsapp_limits,
};
use sportello::store::pg::{NewNews, PgStore};
use sqlx::PgPool;
use tower::ServiceExt;

const SECRET: &str = "test-app-secret";
const TITLE: &str = "Calendario delle prove";
const LINK: &str = "https://www.mim.gov.it/";
/// WhatsApp citizens: one who wrote an hour ago, one who never wrote.
const INSIDE: &str = "393330000001";
const OUTSIDE: &str = "393330000002";

fn dialogues() -> Arc<Dialogues> {
    let (dialogues, report) = dialogue::load(&dialogue::bundled_files());
    match dialogues {
        Some(d) => Arc::new(d),
        None => panic!("{}", report.render_text()),
    }
}

fn wa_config(fake: &FakeWhatsApp) -> WhatsAppConfig {
    let Ok(mut config) = WhatsAppConfig::new(TOKEN, PHONE_NUMBER_ID, SECRET, "verify") else {
        panic!("config")
    };
    config.api_url = fake.url.clone();
    config.news_templates = "maturita=news_maturita:it,universita=news_universita:en_US"
        .parse()
        .unwrap_or_else(|e| panic!("{e}"));
    config
}

fn telegram(fake: &FakeTelegram) -> Paced<TelegramSender> {
    match TelegramSender::new(
        "123456:TEST",
        Some(&fake.url),
        Duration::from_secs(5),
        false,
    ) {
        Ok(t) => Paced::new(t, Arc::new(Pace::new(Limits::unlimited()))),
        Err(err) => panic!("{err}"),
    }
}

fn whatsapp(pool: &PgPool, fake: &FakeWhatsApp) -> Paced<WhatsAppSender> {
    match WhatsAppSender::new(&wa_config(fake), PgStore::from_pool(pool.clone())) {
        Ok(s) => Paced::new(s, Arc::new(Pace::new(whatsapp_limits(1_000)))),
        Err(err) => panic!("{err}"),
    }
}

fn config(name: &str) -> WorkerConfig {
    WorkerConfig {
        name: Some(name.to_owned()),
        batch: 100,
        concurrency: 16,
        lease: Duration::from_secs(30),
        poll: Duration::from_millis(50),
        backoff: Duration::from_millis(20),
        backoff_cap: Duration::from_millis(200),
        ..WorkerConfig::default()
    }
}

async fn exec(pool: &PgPool, sql: &'static str) {
    if let Err(err) = sqlx::query(sql).execute(pool).await {
        panic!("{sql}: {err}");
    }
}

async fn scalar<T>(pool: &PgPool, sql: &'static str) -> T
where
    T: for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres> + Send + Unpin,
{
    match sqlx::query_scalar::<_, T>(sql).fetch_one(pool).await {
        Ok(value) => value,
        Err(err) => panic!("{sql}: {err}"),
    }
}

/// Telegram chats 101–103 and the two WhatsApp citizens follow `maturita` (one of
/// each channel also `universita`); Telegram 104 and WhatsApp …03 follow other topics.
/// `INSIDE` wrote an hour ago.
async fn subscribers(pool: &PgPool) {
    exec(
        pool,
        "INSERT INTO subscribers (channel, chat, topics) VALUES
           ('telegram', '101', '{maturita}'), ('telegram', '102', '{universita,maturita}'),
           ('telegram', '103', '{maturita}'), ('telegram', '104', '{concorsi}'),
           ('whatsapp', '393330000001', '{maturita}'),
           ('whatsapp', '393330000002', '{universita,maturita}'),
           ('whatsapp', '393330000003', '{concorsi}')",
    )
    .await;
    exec(
        pool,
        "INSERT INTO whatsapp_contacts (wa_id, last_inbound_at)
         VALUES ('393330000001', now() - interval '1 hour')",
    )
    .await;
}

async fn news(pool: &PgPool, topics: &[&str], link: Option<&str>) -> String {
    let store = PgStore::from_pool(pool.clone());
    let item = store
        .add_news(&NewNews {
            title: TITLE.to_owned(),
            body: "La prima prova scritta è il 16 giugno alle 8:30.".to_owned(),
            topics: topics.iter().map(|t| (*t).to_owned()).collect(),
            link: link.map(str::to_owned),
            expires_at: None,
            author: None,
        })
        .await;
    match item {
        Ok(item) => item.key,
        Err(err) => panic!("news: {err}"),
    }
}

async fn publish(pool: &PgPool, key: &str) -> relay::Published {
    let options = PublishOptions {
        broadcast_to: vec!["@sportello_notizie".to_owned()],
        ..PublishOptions::default()
    };
    match relay::publish(pool, &dialogues(), key, &options).await {
        Ok(published) => published,
        Err(err) => panic!("publish: {err}"),
    }
}

/// Waits until `done(status)`; fails after a generous deadline.
async fn until(pool: &PgPool, key: &str, done: impl Fn(&NewsStatus) -> bool) -> NewsStatus {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let status = status(pool, key).await;
        if done(&status) {
            return status;
        }
        if Instant::now() > deadline {
            panic!("deliveries never got there: {status:?}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// (status, attempts, message id, last error) of `key`'s delivery to `recipient`.
async fn row(
    pool: &PgPool,
    key: &str,
    recipient: &str,
) -> (String, i32, Option<String>, Option<String>) {
    let row = sqlx::query_as(
        "SELECT o.status, o.attempts, o.message_id, o.last_error FROM outbox o \
         JOIN news n ON n.id = o.news_id WHERE n.key = $1 AND o.recipient = $2",
    )
    .bind(key)
    .bind(recipient)
    .fetch_one(pool)
    .await;
    match row {
        Ok(row) => row,
        Err(err) => panic!("outbox row of {recipient}: {err}"),
    }
}

async fn run_once<S: for<'a> Sender<relay::Delivery<'a>>>(pool: &PgPool, sender: S) -> usize {
    match Worker::new(pool.clone(), sender, config("once"))
        .run_once()
        .await
    {
        Ok(n) => n,
        Err(err) => panic!("run_once: {err}"),
    }
}

/// POSTs a signed webhook body to the channel's router, expecting 200.
async fn post(router: &axum::Router, body: &Value) {
    let raw = body.to_string();
    let signature = whatsapp::sign(SECRET.as_bytes(), raw.as_bytes());
    let request = Request::post(whatsapp::WEBHOOK_PATH)
        .header("content-type", "application/json")
        .header("X-Hub-Signature-256", signature)
        .body(Body::from(raw))
        .unwrap_or_else(|e| panic!("{e}"));
    let response = match router.clone().oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    };
    assert_eq!(response.status(), StatusCode::OK);
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn a_mixed_broadcast_reaches_everyone_once_on_their_own_channel(pool: PgPool) {
    let (tg, wa) = (FakeTelegram::start().await, FakeWhatsApp::start().await);
    subscribers(&pool).await;
    let key = news(&pool, &["maturita"], Some(LINK)).await;
    let published = publish(&pool, &key).await;
    assert_eq!((published.subscribers, published.channels), (5, 1));
    assert_eq!(
        published.per_channel,
        [("telegram".to_owned(), 3), ("whatsapp".to_owned(), 2)]
    );
    let again = publish(&pool, &key).await;
    assert_eq!((again.subscribers, again.channels), (0, 0), "idempotent");

    let telegram_worker = start(&pool, telegram(&tg), config("tg"));
    let whatsapp_worker = start(&pool, whatsapp(&pool, &wa), config("wa"));
    let done = until(&pool, &key, |s| s.queued == 0 && s.total() > 0).await;
    telegram_worker.stop().await;
    whatsapp_worker.stop().await;
    assert_eq!((done.sent, done.failed, done.blocked), (6, 0, 0));

    let mut on_telegram: HashMap<String, usize> = HashMap::new();
    for sent in tg.sent() {
        *on_telegram.entry(sent.to).or_default() += 1;
    }
    let expected: HashMap<String, usize> = ["101", "102", "103", "@sportello_notizie"]
        .iter()
        .map(|c| ((*c).to_owned(), 1))
        .collect();
    assert_eq!(on_telegram, expected, "Telegram: each once, nobody else");
    let mut on_whatsapp: Vec<String> = wa.sent().into_iter().map(|s| s.to).collect();
    on_whatsapp.sort();
    assert_eq!(on_whatsapp, [INSIDE, OUTSIDE], "WhatsApp: each once");

    // Inside the window: the news text, converted for WhatsApp.
    let inside = wa.sent_to(INSIDE);
    assert_eq!(inside[0].kind, "text");
    assert!(inside[0].text.contains(TITLE), "{}", inside[0].text);
    // Outside: the topic's template with [title, link]; `OUTSIDE` follows
    // `universita` too, but the item is about `maturita` only.
    let outside = wa.sent_to(OUTSIDE);
    assert_eq!(outside[0].kind, "template");
    assert_eq!(outside[0].text, "news_maturita");
    assert_eq!(
        outside[0].template,
        Some(("it".to_owned(), vec![TITLE.to_owned(), LINK.to_owned()]))
    );
    assert!(wa.violations().is_empty(), "{:?}", wa.violations());
    assert!(tg.violations().is_empty(), "{:?}", tg.violations());

    // The outbox keeps the wamid, and Meta's status webhook reaches it by a join.
    let (_, _, wamid, _) = row(&pool, &key, OUTSIDE).await;
    assert_eq!(wamid.as_deref(), Some(outside[0].wamid.as_str()));
    let store = PgStore::from_pool(pool.clone());
    let conversation = Conversation::new(dialogues(), store.clone(), store.clone());
    let channel = match WhatsApp::new(&wa_config(&wa), conversation, store) {
        Ok(channel) => channel,
        Err(err) => panic!("{err}"),
    };
    let statuses = json!({ "statuses": [{ "id": outside[0].wamid, "status": "delivered",
        "timestamp": "1800000001", "recipient_id": OUTSIDE }] });
    let webhook = json!({
        "object": "whatsapp_business_account",
        "entry": [{ "id": "WABA", "changes": [{ "field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": { "display_phone_number": "390600000000", "phone_number_id": PHONE_NUMBER_ID },
            "statuses": statuses["statuses"] } }] }]
    });
    post(&channel.router(), &webhook).await;
    channel.drain().await;
    let joined: Vec<(String, String, String)> = match sqlx::query_as(
        "SELECT o.recipient, d.kind, d.status FROM outbox o \
         JOIN whatsapp_deliveries d ON d.wamid = o.message_id \
         WHERE o.channel = 'whatsapp' ORDER BY o.recipient",
    )
    .fetch_all(&pool)
    .await
    {
        Ok(rows) => rows,
        Err(err) => panic!("join: {err}"),
    };
    assert_eq!(
        joined,
        [
            (INSIDE.to_owned(), "text".to_owned(), "accepted".to_owned()),
            (
                OUTSIDE.to_owned(),
                "template".to_owned(),
                "delivered".to_owned()
            ),
        ]
    );
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn error_131047_sends_the_template_and_no_link_is_a_dash(pool: PgPool) {
    let wa = FakeWhatsApp::start().await;
    subscribers(&pool).await;
    exec(
        &pool,
        "DELETE FROM subscribers WHERE chat <> '393330000001'",
    )
    .await;
    // Both topics have a template; the one the subscriber follows is chosen.
    let key = news(&pool, &["universita", "maturita"], None).await;
    publish(&pool, &key).await;
    wa.inject([(400, 131047)]);
    assert_eq!(run_once(&pool, whatsapp(&pool, &wa)).await, 1);
    let sent = wa.sent_to(INSIDE);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].kind, "template");
    assert_eq!(sent[0].text, "news_maturita");
    assert_eq!(
        sent[0].template,
        Some(("it".to_owned(), vec![TITLE.to_owned(), "—".to_owned()]))
    );
    let (status, _, wamid, _) = row(&pool, &key, INSIDE).await;
    assert_eq!(
        (status.as_str(), wamid.as_deref()),
        ("sent", Some(sent[0].wamid.as_str()))
    );
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn a_whatsapp_throughput_limit_does_not_hold_up_telegram(pool: PgPool) {
    let (tg, wa) = (FakeTelegram::start().await, FakeWhatsApp::start().await);
    subscribers(&pool).await;
    exec(&pool, "DELETE FROM subscribers WHERE chat = '393330000002'").await;
    let key = news(&pool, &["maturita"], Some(LINK)).await;
    publish(&pool, &key).await;
    wa.inject([(400, 130429)]);

    let whatsapp_worker = start(&pool, whatsapp(&pool, &wa), config("wa"));
    // The WhatsApp pace is frozen once the 130429 is in.
    let deadline = Instant::now() + Duration::from_secs(30);
    while wa.requests().is_empty() {
        assert!(Instant::now() < deadline, "WhatsApp was never called");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let telegram_worker = start(&pool, telegram(&tg), config("tg"));
    let telegram_done: i64 = loop {
        let sent: i64 = scalar(
            &pool,
            "SELECT count(*) FROM outbox WHERE channel = 'telegram' AND status = 'sent'",
        )
        .await;
        if sent == 4 {
            break sent;
        }
        assert!(Instant::now() < deadline, "Telegram deliveries held up");
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    assert_eq!(telegram_done, 4);
    assert!(
        wa.sent().is_empty(),
        "Telegram finished while WhatsApp still waited out its limit"
    );
    let requests: Vec<u16> = wa.requests().iter().map(|r| r.status).collect();
    assert_eq!(requests, [400]);

    // Then WhatsApp tries again and delivers, without counting a failed attempt.
    let sent = wa.wait_for(INSIDE, 1).await;
    let done = until(&pool, &key, |s| s.queued == 0).await;
    telegram_worker.stop().await;
    whatsapp_worker.stop().await;
    assert_eq!((done.sent, done.failed), (5, 0));
    let (status, _, wamid, _) = row(&pool, &key, INSIDE).await;
    assert_eq!(
        (status.as_str(), wamid.as_deref()),
        ("sent", Some(sent[0].wamid.as_str()))
    );
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn a_pair_rate_limit_puts_only_that_row_back(pool: PgPool) {
    let wa = FakeWhatsApp::start().await;
    subscribers(&pool).await;
    let key = news(&pool, &["maturita"], Some(LINK)).await;
    publish(&pool, &key).await;
    // Whichever goes first is limited; the other is delivered at once.
    wa.inject([(400, 131056)]);
    assert_eq!(run_once(&pool, whatsapp(&pool, &wa)).await, 2);
    assert_eq!(wa.sent().len(), 1);
    let limited = if wa.sent_to(INSIDE).is_empty() {
        INSIDE
    } else {
        OUTSIDE
    };
    let (status, attempts, _, _) = row(&pool, &key, limited).await;
    assert_eq!((status.as_str(), attempts), ("queued", 0));
    let later: bool = scalar(
        &pool,
        "SELECT bool_and(not_before > now()) FROM outbox \
         WHERE channel = 'whatsapp' AND status = 'queued'",
    )
    .await;
    assert!(later, "the limited row waits before it is due again");
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn refusals_fail_the_row_with_the_reason_and_outages_retry(pool: PgPool) {
    let wa = FakeWhatsApp::start().await;
    subscribers(&pool).await;
    // Everyone follows `concorsi`, which has no template: `OUTSIDE` never wrote, so
    // nothing can go; `INSIDE` and `…03` are inside the window.
    exec(
        &pool,
        "UPDATE subscribers SET topics = '{concorsi}' WHERE channel = 'whatsapp'",
    )
    .await;
    exec(
        &pool,
        "INSERT INTO whatsapp_contacts (wa_id, last_inbound_at) VALUES ('393330000003', now())",
    )
    .await;
    let concorsi = news(&pool, &["concorsi"], Some(LINK)).await;
    let published = publish(&pool, &concorsi).await;
    assert_eq!(published.per_channel[1], ("whatsapp".to_owned(), 3));
    // One text is refused by Meta, the other meets a Meta outage.
    wa.inject([(400, 132001), (503, 1)]);
    let sender = whatsapp(&pool, &wa);
    assert_eq!(run_once(&pool, sender).await, 3);
    assert!(wa.sent().is_empty());

    let (status, _, _, error) = row(&pool, &concorsi, OUTSIDE).await;
    assert_eq!(status, "failed");
    let error = error.unwrap_or_default();
    assert!(
        error.contains("no template") && error.contains("concorsi"),
        "{error}"
    );
    let refused = row(&pool, &concorsi, INSIDE).await;
    let down = row(&pool, &concorsi, "393330000003").await;
    // The two calls went in either order.
    let (refused, down) = if refused.0 == "failed" {
        (refused, down)
    } else {
        (down, refused)
    };
    assert_eq!(refused.0, "failed");
    let reason = refused.3.unwrap_or_default();
    assert!(
        reason.contains("132001") && reason.contains("injected error 132001"),
        "{reason}"
    );
    assert_eq!((down.0.as_str(), down.1), ("queued", 1), "retried later");
}

/// A text message from `from`, as the Cloud API's webhook posts it.
fn citizen_text(from: &str, wamid: &str, body: &str) -> Value {
    json!({
        "object": "whatsapp_business_account",
        "entry": [{ "id": "WABA", "changes": [{ "field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": { "display_phone_number": "390600000000", "phone_number_id": PHONE_NUMBER_ID },
            "contacts": [{ "profile": { "name": "Giulia" }, "wa_id": from }],
            "messages": [{ "from": from, "id": wamid, "timestamp": "1800000000",
                           "type": "text", "text": { "body": body } }]
        } }] }]
    })
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn a_whatsapp_citizen_is_handed_to_staff_on_telegram_and_gets_the_answer(pool: PgPool) {
    use common::fake_telegram::forum::STAFF_ADMIN;
    use sportello::relay::StaffSender;
    use sportello::store::StaffDesk;
    const GROUP: i64 = -1_007_000_000_001;
    let (tg, wa) = (FakeTelegram::start().await, FakeWhatsApp::start().await);
    tg.make_forum(GROUP);
    tg.add_member(GROUP, STAFF_ADMIN, "member");
    let store = PgStore::from_pool(pool.clone());
    let d = dialogues();
    let conversation = Conversation::new(Arc::clone(&d), store.clone(), store.clone());
    let channel = match WhatsApp::new(&wa_config(&wa), conversation, store.clone()) {
        Ok(channel) => channel,
        Err(err) => panic!("{err}"),
    };
    let router = channel.router();
    post(
        &router,
        &citizen_text(INSIDE, "wamid.h1", "vorrei parlare con un operatore"),
    )
    .await;
    let said = wa.wait_for(INSIDE, 1).await;
    assert!(
        said.iter().any(|s| s.text.contains("Ti metto in contatto")),
        "{said:#?}"
    );
    post(
        &router,
        &citizen_text(INSIDE, "wamid.h2", "non ricevo le notifiche sul telefono"),
    )
    .await;
    // The turn runs in the channel's own task: wait for the row to staff.
    let mut queued = 0;
    for _ in 0..300 {
        queued =
            sqlx::query_scalar::<_, i64>("SELECT count(*) FROM outbox WHERE channel = 'staff'")
                .fetch_one(&pool)
                .await
                .unwrap_or_default();
        if queued > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(queued, 1);

    let api = match TelegramSender::new("123456:TEST", Some(&tg.url), Duration::from_secs(5), false)
    {
        Ok(api) => api,
        Err(err) => panic!("{err}"),
    };
    let pace = Arc::new(Pace::new(Limits::unlimited()));
    let staff = StaffSender::new(
        api,
        store.clone(),
        sportello::dialogue::Live::from(d),
        Some(GROUP),
        pace,
    );
    assert_eq!(run_once(&pool, staff).await, 1);
    let topics = tg.topics(GROUP);
    assert_eq!(topics.len(), 1);
    let in_topic = tg.sent_to_thread(GROUP, topics[0].thread);
    assert!(
        in_topic[0].text.contains("Canale: whatsapp"),
        "{}",
        in_topic[0].text
    );
    assert!(
        !in_topic[0].text.contains(INSIDE),
        "no phone number: {}",
        in_topic[0].text
    );
    assert_eq!(in_topic[1].text, "non ricevo le notifiche sul telefono");

    // Staff answer (through the desk, as the Telegram intake does): it goes to the
    // citizen on WhatsApp, inside the 24-hour window, signed.
    let Ok(Some(ticket)) = store.ticket_in_topic(GROUP, topics[0].thread).await else {
        panic!("no ticket in the topic")
    };
    let signed = |_: &str| {
        "<b>Ufficio relazioni con il pubblico</b>\nLe controlliamo l'iscrizione.".to_owned()
    };
    assert!(matches!(
        store
            .answer_ticket(ticket, "Le controlliamo l'iscrizione.", &signed)
            .await,
        Ok(true)
    ));
    let before = wa.sent_to(INSIDE).len();
    assert_eq!(run_once(&pool, whatsapp(&pool, &wa)).await, 1);
    let answered = wa.wait_for(INSIDE, before + 1).await;
    let last = answered
        .last()
        .map(|s| (s.kind.clone(), s.text.clone()))
        .unwrap_or_default();
    assert_eq!(last.0, "text");
    assert!(
        last.1.contains("Ufficio relazioni con il pubblico") && last.1.contains("Le controlliamo"),
        "{last:?}"
    );

    // A day later the window has closed: with no answers' template the answer fails,
    // saying why; with one it goes as that template, the answer on one line.
    exec(
        &pool,
        "UPDATE whatsapp_contacts SET last_inbound_at = now() - interval '2 days'",
    )
    .await;
    let signed = |_: &str| {
        "<b>Ufficio relazioni con il pubblico</b>\nLe mandiamo il modulo.\n\nCordiali saluti"
            .to_owned()
    };
    for _ in 0..2 {
        assert!(matches!(
            store
                .answer_ticket(ticket, "Le mandiamo il modulo.", &signed)
                .await,
            Ok(true)
        ));
    }
    let before = wa.sent_to(INSIDE).len();
    let one_at_a_time = WorkerConfig {
        batch: 1,
        ..config("once")
    };
    let one = Worker::new(pool.clone(), whatsapp(&pool, &wa), one_at_a_time);
    assert!(matches!(one.run_once().await, Ok(1)));
    let failed: (String, Option<String>) = match sqlx::query_as(
        "SELECT status, last_error FROM outbox WHERE channel = 'whatsapp' AND kind = 'reply' \
         ORDER BY id DESC OFFSET 1 LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    {
        Ok(row) => row,
        Err(err) => panic!("{err}"),
    };
    assert_eq!(failed.0, "failed");
    assert!(
        failed
            .1
            .as_deref()
            .is_some_and(|e| e.contains("WHATSAPP_REPLY_TEMPLATE")),
        "{failed:?}"
    );
    // Staff learn it in the ticket's topic, in Italian.
    let warning: Option<String> = sqlx::query_scalar(
        "SELECT payload FROM outbox WHERE channel = 'staff' AND ticket_id = $1 \
         ORDER BY id DESC LIMIT 1",
    )
    .bind(ticket)
    .fetch_optional(&pool)
    .await
    .unwrap_or_default();
    assert!(
        warning
            .as_deref()
            .is_some_and(|w| w.contains("non è arrivato al cittadino") && w.contains("24 ore")),
        "{warning:?}"
    );
    let mut with_template = wa_config(&wa);
    with_template.reply_template = Some(Template {
        name: "risposta_ufficio".into(),
        lang: "it".into(),
    });
    let sender = match WhatsAppSender::new(&with_template, store.clone()) {
        Ok(s) => Paced::new(s, Arc::new(Pace::new(whatsapp_limits(1_000)))),
        Err(err) => panic!("{err}"),
    };
    assert_eq!(run_once(&pool, sender).await, 1);
    let sent = wa.wait_for(INSIDE, before + 1).await;
    let template = sent
        .last()
        .map(|s| (s.kind.clone(), s.text.clone(), s.template.clone()));
    assert_eq!(
        template,
        Some((
            "template".to_owned(),
            "risposta_ufficio".to_owned(),
            Some((
                "it".to_owned(),
                vec![
                    ticket.to_string(),
                    "Ufficio relazioni con il pubblico Le mandiamo il modulo. Cordiali saluti"
                        .to_owned()
                ]
            ))
        ))
    );
    channel.stop().await;
}
