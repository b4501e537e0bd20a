//! `sportello serve` against hostile Telegram traffic, through the real binary and a
//! fake Bot API: an update no JSON parser reads, a reply longer than one message in
//! bold, a chat that floods while others talk, SIGTERM right after the flood. The logs
//! of every run are searched for citizen data.

mod common;

use std::time::Duration;

use common::fake_telegram::{FakeTelegram, Sent};
use common::fixture;
use common::serve::{free_addr, serve_command, spawn, stop};
use sqlx::PgPool;

/// Fails if `logs` hold any of `secrets` (chat ids, names, texts).
fn assert_no_citizen_data(logs: &str, secrets: &[&str]) {
    for secret in secrets {
        assert!(
            !logs.contains(secret),
            "the logs hold citizen data {secret:?}:\n{logs}"
        );
    }
}

/// The value of the Prometheus sample whose line starts with `name`, or 0.
async fn metric(listen: std::net::SocketAddr, name: &str) -> f64 {
    let url = format!("http://{listen}/metrics");
    let body = match reqwest::get(&url).await {
        Ok(response) => response.text().await.unwrap_or_default(),
        Err(err) => panic!("{url}: {err}"),
    };
    body.lines()
        .filter(|l| l.starts_with(name))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

#[sqlx::test(migrations = false)]
async fn an_unreadable_update_is_skipped_counted_and_holds_up_nobody(pool: PgPool) {
    let fake = FakeTelegram::start().await;
    let listen = free_addr();
    let child = spawn(&mut serve_command(&pool, &fake.url, &listen.to_string()));

    // A lone UTF-16 surrogate: valid JSON syntax, but no parser turns it into a string.
    let bad = fake.push_raw_update(
        r#"{"update_id":{id},"message":{"message_id":1,"date":1800000000,
            "chat":{"id":730040104,"type":"private","first_name":"Mariella"},
            "from":{"id":730040104,"is_bot":false,"first_name":"Mariella"},
            "text":"\ud800 segreto-di-mariella"}}"#,
    );
    fake.send_text(730_040_105, "/start");
    let sent = fake.wait_for(730_040_105, 1).await;
    assert!(sent[0].text.contains("sportello digitale"), "{sent:?}");
    assert!(
        fake.sent_to(730_040_104).is_empty(),
        "nothing could be read of it"
    );

    // The offset moved past it, so Telegram forgets it: the poll that brings the next
    // update confirms it.
    fake.send_text(730_040_105, "/menu");
    fake.wait_for(730_040_105, 2).await;
    let offsets: Vec<i64> = fake
        .calls_of("getUpdates")
        .iter()
        .filter_map(|c| c.body.get("offset").and_then(serde_json::Value::as_i64))
        .collect();
    assert!(
        offsets.iter().any(|o| *o > i64::from(bad)),
        "offset past the unreadable update: {offsets:?}"
    );
    assert_eq!(
        metric(listen, "sportello_updates_unreadable_total").await,
        1.0
    );

    let logs = stop(child).await;
    assert!(logs.contains("unreadable"), "{logs}");
    assert_no_citizen_data(
        &logs,
        &["730040104", "730040105", "Mariella", "segreto", "ud800"],
    );
}

#[sqlx::test(migrations = false)]
async fn a_long_bold_reply_is_split_with_its_tags_balanced(pool: PgPool) {
    let fake = FakeTelegram::start().await;
    let mut command = serve_command(&pool, &fake.url, "127.0.0.1:0");
    command.env("SPORTELLO_DIALOGUES", fixture("long"));
    let child = spawn(&mut command);

    fake.send_text(730_040_201, "/start");
    let sent = fake.wait_for(730_040_201, 2).await;
    // The fake refuses unbalanced HTML (400 "can't parse entities"), as Telegram does.
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
    assert_eq!(sent.len(), 2, "{sent:?}");
    for part in &sent {
        assert!(part.text.starts_with("<b>"), "{}", &part.text[..40]);
        assert!(part.text.contains("</b>"), "each part closes its bold");
        assert!(part.text.encode_utf16().count() <= 4096);
    }
    assert!(sent[1].text.ends_with("fine.</b> Grazie."));
    let words = |m: &Sent| m.text.matches("parola").count();
    assert_eq!(
        words(&sent[0]) + words(&sent[1]),
        900,
        "nothing lost at the cut"
    );

    let logs = stop(child).await;
    assert!(
        !logs.contains("plain text"),
        "sent as HTML, not degraded: {logs}"
    );
}

/// A chat may get three replies at once (Telegram allows short bursts), then one a
/// second.
const PER_CHAT_BURST: usize = 3;

/// Runs of replies to `chat` more than the burst in under a second: a fourth reply
/// less than a second after the first of three before it.
fn too_close(fake: &FakeTelegram, chat: i64) -> usize {
    let times: Vec<std::time::Instant> = fake
        .calls_of("sendMessage")
        .iter()
        .filter(|c| c.body.get("chat_id").and_then(serde_json::Value::as_i64) == Some(chat))
        .filter(|c| c.status == 200)
        .map(|c| c.at)
        .collect();
    times
        .windows(PER_CHAT_BURST + 1)
        // The burst, then 1/s per chat, with the fake's own scheduling jitter.
        .filter(|w| w[PER_CHAT_BURST].duration_since(w[0]) < Duration::from_millis(900))
        .count()
}

#[sqlx::test(migrations = false)]
async fn a_flooding_chat_is_bounded_others_keep_their_pace_and_sigterm_stops_promptly(
    pool: PgPool,
) {
    const FLOODER: i64 = 730_041_200;
    const OTHERS: std::ops::Range<i64> = 730_041_201..730_041_251;
    let fake = FakeTelegram::start().await;
    let listen = free_addr();
    let mut command = serve_command(&pool, &fake.url, &listen.to_string());
    // The overall limit is not what this test is about.
    command
        .env("TELEGRAM_RATE", "1000")
        .env("TELEGRAM_PAID_BROADCAST", "true");
    let child = spawn(&mut command);
    fake.send_text(OTHERS.start, "/start");
    fake.wait_for(OTHERS.start, 1).await;

    // Ten seconds: the flooder sends 100 messages a second, 50 others one each.
    for _second in 0..10 {
        for _tenth in 0..10 {
            for _ in 0..10 {
                fake.send_text(FLOODER, "ciao");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        for chat in OTHERS {
            fake.send_text(chat, "/menu");
        }
    }
    // Every other citizen gets every answer, exactly once.
    for chat in OTHERS {
        let expected = if chat == OTHERS.start { 11 } else { 10 };
        let sent = fake.wait_for(chat, expected).await;
        assert_eq!(sent.len(), expected, "chat {chat}");
        assert_eq!(
            too_close(&fake, chat),
            0,
            "chat {chat} kept its burst and 1 message/s"
        );
    }
    let dropped = metric(listen, "sportello_dispatch_dropped_total").await;
    let flooder_got = fake.sent_to(FLOODER).len();
    assert!(
        dropped >= 900.0,
        "the flood beyond the queue is dropped at once, not kept: {dropped}"
    );
    assert!(
        flooder_got <= 40,
        "the flooder is answered within its bound, not 1,000 times: {flooder_got}"
    );
    // The notice waits for the flooder's own slot, behind the replies in flight.
    let told = |fake: &FakeTelegram| {
        fake.sent_to(FLOODER)
            .iter()
            .filter(|m| m.text.contains("Un attimo"))
            .count()
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while told(&fake) == 0 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(told(&fake), 1, "told once to slow down");
    assert_eq!(
        too_close(&fake, FLOODER),
        0,
        "even the flooder gets 1 message/s"
    );

    // SIGTERM at once: the turn in flight finishes, what only waited is dropped.
    let logs = stop(child).await;
    assert!(logs.contains("dropped"), "{logs}");
    assert!(
        fake.sent_to(FLOODER).len() <= flooder_got + 1,
        "nothing queued was answered after the signal"
    );
    assert_no_citizen_data(&logs, &["730041200", "730041201", "ciao", "Cittadino"]);
}
