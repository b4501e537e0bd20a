//! `sportello serve` as an operator runs it: configured by environment, talking to a
//! (fake) Bot API, stopped by SIGTERM with a clean exit.

mod common;

use std::process::Command;
use std::time::Duration;

use common::fake_telegram::{FakeTelegram, Sent};
use common::fake_whatsapp::{self, FakeWhatsApp};
use common::serve::{free_addr, serve_command, spawn, start_serve, stop};
use common::{bundled_copy, url_of};
use sqlx::PgPool;

/// GETs `url` until it answers; its status and body.
async fn get_when_up(client: &reqwest::Client, url: &str) -> (u16, String) {
    for _ in 0..150 {
        if let Ok(response) = client.get(url).send().await {
            let status = response.status().as_u16();
            return (status, response.text().await.unwrap_or_default());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{url} never answered")
}

/// Runs a staff command of the binary on the test database; returns its stdout.
fn staff(pool: &PgPool, args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_sportello"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("DATABASE_URL", url_of(pool))
        .output()
        .unwrap_or_else(|e| panic!("cannot run sportello: {e}"));
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[sqlx::test(migrations = false)]
async fn serve_answers_on_telegram_and_stops_cleanly_on_sigterm(pool: PgPool) {
    let fake = FakeTelegram::start().await;
    let child = start_serve(&pool, &fake);

    fake.send_text(31, "/start");
    let sent = fake.wait_for(31, 1).await;
    assert!(
        sent[0].text.contains("sportello digitale"),
        "{}",
        sent[0].text
    );

    let output = stop(child).await;
    assert!(output.contains("stopping"), "{output}");
    assert!(
        !output.contains("SECRET-TOKEN"),
        "the token never reaches the logs"
    );
    assert!(
        !output.contains("/start"),
        "citizen text stays out of info logs"
    );
    assert!(
        !output.contains(" 31"),
        "raw chat ids stay out of info logs"
    );
}

#[sqlx::test(migrations = false)]
async fn a_subscriber_gets_the_news_of_their_topic_once_from_serve(pool: PgPool) {
    let fake = FakeTelegram::start().await;
    let child = start_serve(&pool, &fake);
    let citizen = 41;
    let sent = fake.follow_topic(citizen, "Esame di Stato").await;
    assert!(sent[3].text.contains("Fatto"), "{}", sent[3].text);

    // Staff publish one item of the citizen's topic and one of another.
    for (title, topic) in [
        ("Calendario prove 2027", "maturita"),
        ("Bando concorso docenti", "concorsi"),
    ] {
        let out = staff(
            &pool,
            &[
                "news",
                "add",
                "--title",
                title,
                "--body",
                "Testo",
                "--topic",
                topic,
                "--publish",
            ],
        );
        assert!(out.contains("published"), "{out}");
    }
    let sent = fake.wait_for(citizen, 5).await;
    assert!(
        sent[4].text.contains("Calendario prove 2027"),
        "{}",
        sent[4].text
    );
    // Both items are sent or never will be before the relay stops.
    let output = stop(child).await;
    let sent = fake.sent_to(citizen);
    assert_eq!(sent.len(), 5, "exactly the one item: {sent:#?}");
    assert!(
        !output.contains("Calendario"),
        "news text stays out of info logs"
    );
    let status = staff(&pool, &["news", "status", "1"]);
    assert!(status.contains("1 sent"), "{status}");
}

#[sqlx::test(migrations = false)]
async fn serve_answers_whatsapp_on_the_same_listener(pool: PgPool) {
    let telegram = FakeTelegram::start().await;
    let whatsapp = FakeWhatsApp::start().await;
    let listen = free_addr();
    let secret = "serve-app-secret";
    let child = spawn(
        serve_command(&pool, &telegram.url, &listen.to_string())
            .env("WHATSAPP_TOKEN", fake_whatsapp::TOKEN)
            .env("WHATSAPP_PHONE_NUMBER_ID", fake_whatsapp::PHONE_NUMBER_ID)
            .env("WHATSAPP_APP_SECRET", secret)
            .env("WHATSAPP_VERIFY_TOKEN", "serve-verify")
            .env("WHATSAPP_API_URL", whatsapp.url.as_str()),
    );
    let webhook = format!("http://{listen}/whatsapp/webhook");
    let client = reqwest::Client::new();
    // The listener is up once the handshake answers.
    let handshake =
        format!("{webhook}?hub.mode=subscribe&hub.verify_token=serve-verify&hub.challenge=42");
    let mut up = false;
    for _ in 0..150 {
        if let Ok(response) = client.get(&handshake).send().await
            && response.status().is_success()
        {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(up, "the WhatsApp webhook never answered");

    let citizen = "393330000001";
    let body = serde_json::json!({
        "object": "whatsapp_business_account",
        "entry": [{ "id": "WABA", "changes": [{ "field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": { "display_phone_number": "390600000000",
                          "phone_number_id": fake_whatsapp::PHONE_NUMBER_ID },
            "contacts": [{ "profile": { "name": "Luca" }, "wa_id": citizen }],
            "messages": [{ "from": citizen, "id": "wamid.serve1", "timestamp": "1800000000",
                           "type": "text", "text": { "body": "/start" } }]
        } }] }]
    })
    .to_string();
    let post = |signature: String| {
        client
            .post(&webhook)
            .header("content-type", "application/json")
            .header("X-Hub-Signature-256", signature)
            .body(body.clone())
            .send()
    };
    let forged = sportello::channel::whatsapp::sign(b"wrong", body.as_bytes());
    assert_eq!(
        post(forged).await.map(|r| r.status().as_u16()).ok(),
        Some(401)
    );
    let signed = sportello::channel::whatsapp::sign(secret.as_bytes(), body.as_bytes());
    assert_eq!(
        post(signed).await.map(|r| r.status().as_u16()).ok(),
        Some(200)
    );
    let sent = whatsapp.wait_for(citizen, 1).await;
    assert!(sent[0].text.contains("sportello digitale"), "{sent:#?}");
    assert_eq!(sent[0].kind, "list", "four buttons make a list");

    // News reaches the WhatsApp subscriber through serve's WhatsApp relay worker (as
    // text: the citizen has just written).
    let subscribed = sqlx::query(
        "INSERT INTO subscribers (channel, chat, topics) VALUES ('whatsapp', $1, '{maturita}')",
    )
    .bind(citizen)
    .execute(&pool)
    .await;
    assert!(subscribed.is_ok(), "{subscribed:?}");
    let out = staff(
        &pool,
        &[
            "news",
            "add",
            "--title",
            "Calendario prove 2027",
            "--body",
            "Testo",
            "--topic",
            "maturita",
            "--publish",
        ],
    );
    assert!(out.contains("1 subscriber deliveries"), "{out}");
    let sent = whatsapp.wait_for(citizen, 2).await;
    assert_eq!(sent[1].kind, "text");
    assert!(sent[1].text.contains("Calendario prove 2027"), "{sent:#?}");
    let output = stop(child).await;
    assert!(
        !output.contains(citizen),
        "phone numbers stay out of info logs"
    );
    assert!(!output.contains(secret));
}

#[sqlx::test(migrations = false)]
async fn a_dialogue_edit_is_live_without_a_restart_and_a_broken_one_changes_nothing(pool: PgPool) {
    let fake = FakeTelegram::start().await;
    let dir = bundled_copy();
    let main = dir.path().join("main.yaml");
    let original = std::fs::read_to_string(&main).unwrap_or_default();
    let listen = free_addr();
    let mut child = spawn(
        serve_command(&pool, &fake.url, &listen.to_string()).env("SPORTELLO_DIALOGUES", dir.path()),
    );
    // What serve logs, read as it comes.
    let logged = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    if let Some(stderr) = child.stderr.take() {
        let logged = std::sync::Arc::clone(&logged);
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(stderr)
                .lines()
                .map_while(Result::ok)
            {
                if let Ok(mut all) = logged.lock() {
                    all.push_str(&line);
                    all.push('\n');
                }
            }
        });
    }
    let client = reqwest::Client::new();
    let health = format!("http://{listen}/healthz");
    let (status, first) = get_when_up(&client, &health).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(
        get_when_up(&client, &format!("http://{listen}/readyz"))
            .await
            .0,
        200
    );

    fake.send_text(51, "/start");
    assert!(
        fake.wait_for(51, 1).await[0]
            .text
            .contains("sportello digitale")
    );

    // A text edit: live for the next message, no restart.
    let edited = original.replace("Sono lo sportello digitale", "Sono lo sportello rinnovato");
    assert_ne!(edited, original);
    if let Err(err) = std::fs::write(&main, &edited) {
        panic!("{err}");
    }
    let mut version = first.clone();
    for _ in 0..150 {
        version = get_when_up(&client, &health).await.1;
        if version != first {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_ne!(version, first, "the edit was never picked up");
    fake.send_text(51, "/start");
    let sent = fake.wait_for(51, 2).await;
    assert!(
        sent[1].text.contains("sportello rinnovato"),
        "{}",
        sent[1].text
    );

    // A broken edit: reported with its line, nothing changes live.
    let broken = edited.replace("goto: maturita }", "goto: maturta }");
    assert_ne!(broken, edited);
    if let Err(err) = std::fs::write(&main, &broken) {
        panic!("{err}");
    }
    let mut reported = false;
    for _ in 0..150 {
        if logged
            .lock()
            .is_ok_and(|l| l.contains("main.yaml:") && l.contains("maturta"))
        {
            reported = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        reported,
        "{}",
        logged.lock().map(|l| l.clone()).unwrap_or_default()
    );
    assert_eq!(
        get_when_up(&client, &health).await.1,
        version,
        "still the edited version"
    );
    fake.send_text(51, "/start");
    assert!(
        fake.wait_for(51, 3).await[2]
            .text
            .contains("sportello rinnovato")
    );

    let (status, metrics) = get_when_up(&client, &format!("http://{listen}/metrics")).await;
    assert_eq!(status, 200);
    for name in [
        "sportello_updates_total",
        "sportello_turns_total",
        "sportello_turn_seconds",
        "sportello_dialogue_reloads_total",
        "sportello_outbox_depth",
    ] {
        assert!(metrics.contains(name), "{name} missing:\n{metrics}");
    }

    stop(child).await;
}

#[sqlx::test(migrations = false)]
async fn the_admin_api_refuses_without_a_token_and_publishes_with_one(pool: PgPool) {
    let fake = FakeTelegram::start().await;
    let listen = free_addr();
    let token = "admin-token-0123456789abcdef";
    let child = spawn(
        serve_command(&pool, &fake.url, &listen.to_string()).env("SPORTELLO_ADMIN_TOKENS", token),
    );
    let client = reqwest::Client::new();
    let (status, _) = get_when_up(&client, &format!("http://{listen}/readyz")).await;
    assert_eq!(status, 200);
    // The container health check says the same.
    let health = Command::new(env!("CARGO_BIN_EXE_sportello"))
        .args(["healthcheck", "--listen", &listen.to_string()])
        .output();
    assert!(health.is_ok_and(|o| o.status.success()));
    // A subscriber of `maturita` (serve has migrated the database by now).
    let inserted = sqlx::query(
        "INSERT INTO subscribers (channel, chat, topics) VALUES ('telegram', '71', '{maturita}')",
    )
    .execute(&pool)
    .await;
    assert!(inserted.is_ok(), "{inserted:?}");

    let news = format!("http://{listen}/admin/news");
    let item = serde_json::json!({
        "title": "Prove suppletive", "body": "Le date.", "topics": ["maturita"], "publish": true
    });
    let refused = client.post(&news).json(&item).send().await;
    assert_eq!(refused.map(|r| r.status().as_u16()).ok(), Some(401));
    let wrong = client
        .post(&news)
        .bearer_auth("not-the-token-at-all")
        .json(&item)
        .send()
        .await;
    assert_eq!(wrong.map(|r| r.status().as_u16()).ok(), Some(401));
    assert!(
        fake.sent_to(71).is_empty(),
        "nothing published without the token"
    );
    let created = client
        .post(&news)
        .bearer_auth(token)
        .json(&item)
        .send()
        .await;
    assert_eq!(created.map(|r| r.status().as_u16()).ok(), Some(201));
    let sent = fake.wait_for(71, 1).await;
    assert!(
        sent[0].text.contains("Prove suppletive"),
        "{}",
        sent[0].text
    );

    let output = stop(child).await;
    assert!(!output.contains(token), "admin tokens never reach the logs");
}

#[sqlx::test(migrations = false)]
async fn sighup_reloads_the_dialogues(pool: PgPool) {
    let fake = FakeTelegram::start().await;
    let dir = bundled_copy();
    let listen = free_addr();
    let child = spawn(
        serve_command(&pool, &fake.url, &listen.to_string())
            .env("SPORTELLO_DIALOGUES", dir.path())
            // Only the signal reloads.
            .env("SPORTELLO_WATCH", "off"),
    );
    let client = reqwest::Client::new();
    let health = format!("http://{listen}/healthz");
    let (_, first) = get_when_up(&client, &health).await;
    let main = dir.path().join("main.yaml");
    let text = std::fs::read_to_string(&main).unwrap_or_default();
    let edited = text.replace(
        "Sono lo sportello digitale",
        "Sono lo sportello del segnale",
    );
    assert_ne!(edited, text);
    if let Err(err) = std::fs::write(&main, edited) {
        panic!("{err}");
    }
    let pid = child.id().to_string();
    let mut reloaded = false;
    for _ in 0..100 {
        // Repeated: the signal handler may not be installed yet at the first one.
        let _ = Command::new("kill").args(["-HUP", &pid]).status();
        tokio::time::sleep(Duration::from_millis(100)).await;
        if get_when_up(&client, &health).await.1 != first {
            reloaded = true;
            break;
        }
    }
    assert!(reloaded, "SIGHUP never reloaded the dialogues");
    fake.send_text(81, "/start");
    assert!(
        fake.wait_for(81, 1).await[0]
            .text
            .contains("sportello del segnale")
    );
    stop(child).await;
}

/// Waits until `sql` (one count) is at least `at_least`.
async fn until_count(pool: &PgPool, sql: &'static str, at_least: i64) {
    for _ in 0..600 {
        let count: i64 = sqlx::query_scalar(sql)
            .fetch_one(pool)
            .await
            .unwrap_or_default();
        if count >= at_least {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("never {at_least}: {sql}");
}

#[sqlx::test(migrations = false)]
async fn a_kill_9_between_a_message_and_its_delivery_loses_nothing_in_either_direction(
    pool: PgPool,
) {
    use common::fake_telegram::Fault;
    use common::fake_telegram::forum::STAFF_ADMIN;
    const GROUP: i64 = -1_008_000_000_001;
    const CITIZEN: i64 = 4_040;
    const ANSWER: &str = "Buongiorno, il certificato è stato spedito ieri.";
    const FOLLOW_UP: &str = "ci siete ancora?";
    let fake = FakeTelegram::start().await;
    fake.make_forum(GROUP);
    fake.add_member(GROUP, STAFF_ADMIN, "administrator");
    let mut command = serve_command(&pool, &fake.url, "127.0.0.1:0");
    command
        .env("SPORTELLO_STAFF_GROUP", GROUP.to_string())
        // A row a killed process was sending is another's after 3 s.
        .env("SPORTELLO_RELAY_LEASE", "3");
    let mut first = spawn(&mut command);

    fake.send_text(CITIZEN, "/operatore");
    fake.wait_for(CITIZEN, 1).await;
    fake.send_text(CITIZEN, "il certificato non mi è arrivato");
    // The topic opens with the summary, then the message.
    let opened = fake.wait_for(GROUP, 2).await;
    let Some(thread) = opened.last().and_then(|s| s.thread) else {
        panic!("not in a topic: {opened:#?}")
    };

    // Neither the citizen nor the staff group can be reached now: a staff answer and
    // a citizen's follow-up wait in the outbox, tried once each.
    fake.fail_chat(CITIZEN, Fault::ServerError);
    fake.fail_chat(GROUP, Fault::ServerError);
    fake.staff_writes(GROUP, STAFF_ADMIN, Some(thread), ANSWER);
    fake.send_text(CITIZEN, FOLLOW_UP);
    until_count(
        &pool,
        "SELECT count(*) FROM outbox WHERE ticket_id IS NOT NULL AND attempts >= 1 \
         AND status <> 'sent' AND kind IN ('reply', 'ticket')",
        2,
    )
    .await;
    // kill -9: no drain, no goodbye.
    if let Err(err) = first.kill() {
        panic!("cannot kill serve: {err}");
    }
    let _ = first.wait();

    fake.heal_chat(CITIZEN);
    fake.heal_chat(GROUP);
    let second = spawn(&mut command);
    let delivered =
        |sent: Vec<Sent>, text: &str| sent.iter().filter(|s| s.text.contains(text)).count();
    for _ in 0..600 {
        if delivered(fake.sent_to(CITIZEN), ANSWER) > 0
            && delivered(fake.sent_to(GROUP), FOLLOW_UP) > 0
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    until_count(
        &pool,
        "SELECT count(*) FROM outbox WHERE ticket_id IS NOT NULL AND status = 'sent' \
         AND kind IN ('reply', 'ticket') AND attempts >= 2",
        2,
    )
    .await;
    stop(second).await;
    assert_eq!(
        delivered(fake.sent_to(CITIZEN), ANSWER),
        1,
        "{:#?}",
        fake.sent_to(CITIZEN)
    );
    assert_eq!(
        fake.sent_to(GROUP)
            .iter()
            .filter(|s| s.text == FOLLOW_UP && s.thread == Some(thread))
            .count(),
        1,
        "{:#?}",
        fake.sent_to(GROUP)
    );
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn a_reply_is_not_kept_behind_a_broadcast_in_the_shared_limit(pool: PgPool) {
    // 300 subscribers and a slow overall limit: the broadcast takes 15 seconds.
    sqlx::query(
        "INSERT INTO subscribers (channel, chat, topics) \
         SELECT 'telegram', (100000 + g)::text, '{maturita}' FROM generate_series(1, 300) g",
    )
    .execute(&pool)
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let fake = FakeTelegram::start().await;
    let child = spawn(serve_command(&pool, &fake.url, "127.0.0.1:0").env("TELEGRAM_RATE", "20"));
    let out = staff(
        &pool,
        &[
            "news",
            "add",
            "--title",
            "Calendario",
            "--body",
            "Testo",
            "--topic",
            "maturita",
            "--publish",
        ],
    );
    assert!(out.contains("published"), "{out}");
    // The broadcast is under way: the relay holds a batch of news waiting for slots.
    while fake.sent().len() < 10 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let before = fake.sent().len();
    let citizen = 41;
    fake.send_text(citizen, "/start");
    fake.wait_for(citizen, 1).await;
    let sent = fake.sent();
    let reply_at = sent
        .iter()
        .position(|s| s.chat == citizen)
        .unwrap_or(sent.len());
    // At most the news in progress went between the message and its answer, where a
    // reply queued behind the batch would wait for dozens.
    assert!(
        reply_at - before <= 4,
        "{} news went before the reply",
        reply_at - before
    );
    let queued: i64 =
        sqlx::query_scalar("SELECT count(*) FROM outbox WHERE status IN ('queued', 'sending')")
            .fetch_one(&pool)
            .await
            .unwrap_or_default();
    assert!(queued > 100, "the broadcast was still going: {queued} left");
    stop(child).await;
}
