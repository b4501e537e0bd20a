//! The news relay end to end: publishing into the outbox of a real PostgreSQL, workers
//! sending to the fake Bot API on loopback with faults, crashes and rivals.

mod common;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::fake_telegram::{FakeTelegram, Fault, Sent};
use common::worker::{start, status};
use sportello::channel::telegram::{Limits, Pace};
use sportello::dialogue::{self, Dialogues};
use sportello::relay::{
    self, NewsStatus, Paced, PublishOptions, RelayError, TelegramSender, Worker, WorkerConfig,
};
use sportello::store::pg::{NewNews, PgStore};
use sqlx::PgPool;

type Sender = Paced<TelegramSender>;

fn dialogues() -> Arc<Dialogues> {
    let (dialogues, report) = dialogue::load(&dialogue::bundled_files());
    match dialogues {
        Some(d) => Arc::new(d),
        None => panic!("{}", report.render_text()),
    }
}

fn sender(fake: &FakeTelegram, limits: Limits) -> Sender {
    let telegram = TelegramSender::new(
        "123456:TEST",
        Some(&fake.url),
        Duration::from_secs(5),
        false,
    );
    match telegram {
        Ok(t) => Paced::new(t, Arc::new(Pace::new(limits))),
        Err(err) => panic!("{err}"),
    }
}

fn config(name: &str) -> WorkerConfig {
    WorkerConfig {
        name: Some(name.to_owned()),
        batch: 100,
        concurrency: 32,
        lease: Duration::from_secs(3),
        poll: Duration::from_millis(100),
        backoff: Duration::from_millis(20),
        backoff_cap: Duration::from_millis(200),
        ..WorkerConfig::default()
    }
}

/// `count` Telegram subscribers with chat ids from `first`; `topics(i)` for the i-th.
async fn subscribers(pool: &PgPool, first: i64, count: i64, topics: &str) {
    let done = sqlx::query(
        "INSERT INTO subscribers (channel, chat, topics, lang) \
         SELECT 'telegram', ($1 + g)::text, \
                CASE WHEN $3 = 'alternate' THEN \
                     CASE WHEN g % 2 = 0 THEN ARRAY['maturita'] ELSE ARRAY['concorsi'] END \
                ELSE ARRAY[$3] END, \
                CASE WHEN g % 10 = 0 THEN 'en' ELSE 'it' END \
         FROM generate_series(0, $2 - 1) AS g",
    )
    .bind(first)
    .bind(count)
    .bind(topics)
    .execute(pool)
    .await;
    if let Err(err) = done {
        panic!("subscribers: {err}");
    }
}

async fn news(pool: &PgPool, title: &str, topic: &str) -> String {
    let store = PgStore::from_pool(pool.clone());
    let item = store
        .add_news(&NewNews {
            title: title.to_owned(),
            body: format!("Il corpo di «{title}»."),
            topics: vec![topic.to_owned()],
            link: Some("https://www.mim.gov.it/".to_owned()),
            expires_at: None,
            author: None,
        })
        .await;
    match item {
        Ok(item) => item.key,
        Err(err) => panic!("news: {err}"),
    }
}

async fn publish(pool: &PgPool, key: &str, options: &PublishOptions) -> relay::Published {
    match relay::publish(pool, &dialogues(), key, options).await {
        Ok(published) => published,
        Err(err) => panic!("publish: {err}"),
    }
}

/// Waits until no delivery of `key` is queued or being sent.
async fn until_done(pool: &PgPool, key: &str) -> NewsStatus {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let status = status(pool, key).await;
        if status.queued == 0 && status.total() > 0 {
            return status;
        }
        if Instant::now() > deadline {
            panic!("deliveries never finished: {status:?}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Messages per recipient (`to`).
fn per_recipient(sent: &[Sent]) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for s in sent {
        *counts.entry(s.to.clone()).or_insert(0) += 1;
    }
    counts
}

async fn count(pool: &PgPool, sql: &str) -> i64 {
    match sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(pool)
        .await
    {
        Ok(n) => n,
        Err(err) => panic!("{sql}: {err}"),
    }
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn a_thousand_subscribers_each_get_the_item_once_by_topic(pool: PgPool) {
    let fake = FakeTelegram::start().await;
    subscribers(&pool, 1_000_000, 1_000, "alternate").await;
    let key = news(&pool, "Calendario delle prove", "maturita").await;
    let other = news(&pool, "Bando di concorso", "generale").await;
    let options = PublishOptions {
        broadcast_to: vec!["@sportello_notizie".to_owned()],
        chunk: 128,
        ..PublishOptions::default()
    };
    let first = publish(&pool, &key, &options).await;
    assert_eq!((first.subscribers, first.channels), (500, 1));
    let again = publish(&pool, &key, &options).await;
    assert_eq!(
        (again.subscribers, again.channels),
        (0, 0),
        "publishing twice adds nothing"
    );
    let none = publish(&pool, &other, &PublishOptions::default()).await;
    assert_eq!(none.subscribers, 0, "nobody follows `generale`");

    let worker = start(&pool, sender(&fake, Limits::unlimited()), config("w1"));
    let done = until_done(&pool, &key).await;
    worker.stop().await;
    assert_eq!((done.sent, done.failed, done.blocked), (501, 0, 0));

    let counts = per_recipient(&fake.sent());
    for g in 0..1_000_i64 {
        let to = (1_000_000 + g).to_string();
        let expected = usize::from(g % 2 == 0);
        assert_eq!(counts.get(&to).copied().unwrap_or(0), expected, "chat {to}");
    }
    assert_eq!(counts.get("@sportello_notizie"), Some(&1));
    let english = fake.sent_to_name("1000010");
    assert!(english[0].text.contains("More"), "{}", english[0].text);
    let italian = fake.sent_to_name("1000002");
    assert!(italian[0].text.contains("Calendario delle prove"));
    assert!(italian[0].text.contains("Approfondisci"));
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn a_429_storm_and_5xx_bursts_lose_nothing(pool: PgPool) {
    let fake = FakeTelegram::start().await;
    subscribers(&pool, 2_000_000, 300, "maturita").await;
    let key = news(&pool, "Avviso", "maturita").await;
    publish(&pool, &key, &PublishOptions::default()).await;
    let mut faults = Vec::new();
    for round in 0..6 {
        faults.extend(std::iter::repeat_n(Fault::ServerError, 20));
        faults.push(Fault::TooManyRequests { retry_after: 1 });
        if round % 2 == 0 {
            faults.extend(std::iter::repeat_n(
                Fault::TooManyRequests { retry_after: 1 },
                5,
            ));
        }
    }
    fake.inject("sendMessage", faults);

    let worker = start(&pool, sender(&fake, Limits::unlimited()), config("w1"));
    let done = until_done(&pool, &key).await;
    worker.stop().await;
    assert_eq!((done.sent, done.failed, done.blocked), (300, 0, 0));
    let counts = per_recipient(&fake.sent());
    assert_eq!(counts.len(), 300);
    assert!(counts.values().all(|&n| n == 1), "each exactly once");
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn retries_stop_at_max_attempts_with_the_reason(pool: PgPool) {
    let fake = FakeTelegram::start().await;
    subscribers(&pool, 2_500_000, 3, "maturita").await;
    sqlx::query("ALTER TABLE outbox ALTER COLUMN max_attempts SET DEFAULT 3")
        .execute(&pool)
        .await
        .ok();
    let key = news(&pool, "Avviso", "maturita").await;
    publish(&pool, &key, &PublishOptions::default()).await;
    fake.fail_chat(2_500_001, Fault::ServerError);

    let worker = start(&pool, sender(&fake, Limits::unlimited()), config("w1"));
    let done = until_done(&pool, &key).await;
    worker.stop().await;
    assert_eq!((done.sent, done.failed), (2, 1));
    let (attempts, error): (i32, Option<String>) =
        match sqlx::query_as("SELECT attempts, last_error FROM outbox WHERE recipient = '2500001'")
            .fetch_one(&pool)
            .await
        {
            Ok(row) => row,
            Err(err) => panic!("{err}"),
        };
    assert_eq!(attempts, 3);
    assert!(
        error.is_some_and(|e| e.contains("Internal Server Error")),
        "the reason is kept"
    );
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn gone_recipients_are_deactivated_and_the_rest_delivered(pool: PgPool) {
    let fake = FakeTelegram::start().await;
    subscribers(&pool, 3_000_000, 200, "maturita").await;
    for g in (0..200).step_by(10) {
        fake.fail_chat(3_000_000 + g, Fault::Blocked);
    }
    fake.fail_chat(3_000_001, Fault::BadRequest("Bad Request: chat not found"));
    let key = news(&pool, "Avviso", "maturita").await;
    publish(&pool, &key, &PublishOptions::default()).await;

    let worker = start(&pool, sender(&fake, Limits::unlimited()), config("w1"));
    let done = until_done(&pool, &key).await;
    worker.stop().await;
    assert_eq!((done.sent, done.blocked, done.failed), (179, 21, 0));
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM subscribers WHERE status = 'blocked'"
        )
        .await,
        21
    );
    assert_eq!(per_recipient(&fake.sent()).len(), 179);

    // The next item skips them.
    let next = news(&pool, "Secondo avviso", "maturita").await;
    assert_eq!(
        publish(&pool, &next, &PublishOptions::default())
            .await
            .subscribers,
        179
    );
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn a_migrated_group_gets_the_item_at_its_new_id(pool: PgPool) {
    let fake = FakeTelegram::start().await;
    subscribers(&pool, -400, 1, "maturita").await;
    fake.fail_chat(-400, Fault::Migrated(-100_400));
    let key = news(&pool, "Avviso", "maturita").await;
    publish(&pool, &key, &PublishOptions::default()).await;

    let worker = start(&pool, sender(&fake, Limits::unlimited()), config("w1"));
    let done = until_done(&pool, &key).await;
    worker.stop().await;
    assert_eq!(done.sent, 1);
    assert_eq!(fake.sent_to(-100_400).len(), 1);
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM subscribers WHERE chat = '-100400'"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM outbox WHERE recipient = '-100400' AND status = 'sent'"
        )
        .await,
        1
    );
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn expired_news_is_never_sent(pool: PgPool) {
    let fake = FakeTelegram::start().await;
    subscribers(&pool, 5_000_000, 10, "maturita").await;
    let key = news(&pool, "Avviso", "maturita").await;
    publish(&pool, &key, &PublishOptions::default()).await;
    sqlx::query("UPDATE news SET expires_at = now() - interval '1 minute'")
        .execute(&pool)
        .await
        .ok();
    let refused = relay::publish(&pool, &dialogues(), &key, &PublishOptions::default()).await;
    assert!(
        matches!(refused, Err(RelayError::Expired(_))),
        "{refused:?}"
    );

    let worker = start(&pool, sender(&fake, Limits::unlimited()), config("w1"));
    let done = until_done(&pool, &key).await;
    worker.stop().await;
    assert_eq!((done.sent, done.failed), (0, 10));
    assert!(fake.sent().is_empty());
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn a_killed_worker_is_resumed_with_bounded_duplicates(pool: PgPool) {
    let fake = FakeTelegram::start().await;
    subscribers(&pool, 6_000_000, 1_000, "maturita").await;
    let key = news(&pool, "Avviso", "maturita").await;
    publish(&pool, &key, &PublishOptions::default()).await;
    let cfg = config("doomed");
    let in_flight = cfg.batch;
    // Slow enough to be caught mid-broadcast.
    let limits = Limits {
        per_second: 400,
        ..Limits::unlimited()
    };
    let doomed = start(&pool, sender(&fake, limits), cfg);
    let deadline = Instant::now() + Duration::from_secs(60);
    while fake.sent().len() < 300 {
        assert!(
            Instant::now() < deadline,
            "the first worker never got going"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    doomed.kill().await;
    let before = fake.sent().len();
    assert!(before < 1_000, "killed mid-broadcast");

    let heir = start(&pool, sender(&fake, Limits::unlimited()), config("heir"));
    let done = until_done(&pool, &key).await;
    heir.stop().await;
    assert_eq!(done.sent, 1_000);
    let counts = per_recipient(&fake.sent());
    assert_eq!(counts.len(), 1_000, "nobody is left without it");
    let duplicates: usize = counts.values().map(|n| n - 1).sum();
    assert!(
        duplicates <= in_flight,
        "{duplicates} duplicates, more than the {in_flight} rows in flight"
    );
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn two_workers_at_once_send_no_row_twice(pool: PgPool) {
    let fake = FakeTelegram::start().await;
    subscribers(&pool, 7_000_000, 1_000, "maturita").await;
    let key = news(&pool, "Avviso", "maturita").await;
    publish(&pool, &key, &PublishOptions::default()).await;
    let mut small = config("a");
    small.batch = 20;
    let a = start(&pool, sender(&fake, Limits::unlimited()), small.clone());
    small.name = Some("b".to_owned());
    let b = start(&pool, sender(&fake, Limits::unlimited()), small);
    let done = until_done(&pool, &key).await;
    a.stop().await;
    b.stop().await;
    assert_eq!(done.sent, 1_000);
    let counts = per_recipient(&fake.sent());
    assert_eq!(counts.len(), 1_000);
    assert!(counts.values().all(|&n| n == 1), "no row sent twice");
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn the_call_log_keeps_the_global_and_per_chat_rates(pool: PgPool) {
    let fake = FakeTelegram::start().await;
    subscribers(&pool, 8_000_000, 40, "maturita").await;
    let first = news(&pool, "Primo avviso", "maturita").await;
    let second = news(&pool, "Secondo avviso", "maturita").await;
    publish(&pool, &first, &PublishOptions::default()).await;
    publish(&pool, &second, &PublishOptions::default()).await;
    let rate = 30;
    let worker = start(&pool, sender(&fake, Limits::with_rate(rate)), config("w1"));
    until_done(&pool, &first).await;
    until_done(&pool, &second).await;
    worker.stop().await;

    let calls = fake.calls_of("sendMessage");
    assert_eq!(calls.len(), 80);
    let times: Vec<Instant> = calls.iter().map(|c| c.at).collect();
    // The pace sends 30 a second; on the way to the server two messages may come a
    // little closer than they left, so a second seen there may hold one more.
    for (i, start) in times.iter().enumerate() {
        let in_window = times[i..]
            .iter()
            .filter(|t| t.duration_since(*start) < Duration::from_secs(1))
            .count();
        assert!(
            in_window <= rate as usize + 1,
            "{in_window} messages within one second"
        );
    }
    // And no faster than 30 a second over the whole run.
    let (Some(first), Some(last)) = (times.first(), times.last()) else {
        panic!("nothing sent");
    };
    let least = Duration::from_secs_f64((times.len() - 1) as f64 / f64::from(rate));
    assert!(
        last.duration_since(*first) >= least.mul_f64(0.99),
        "80 messages in {:?}",
        last.duration_since(*first)
    );
    let mut by_chat: HashMap<String, Vec<Instant>> = HashMap::new();
    for call in &calls {
        by_chat
            .entry(call.body["chat_id"].to_string())
            .or_default()
            .push(call.at);
    }
    for (chat, mut at) in by_chat {
        at.sort();
        assert_eq!(at.len(), 2);
        assert!(
            at[1].duration_since(at[0]) >= Duration::from_secs(1),
            "chat {chat} got two messages within a second"
        );
    }
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn a_notification_wakes_an_idle_worker(pool: PgPool) {
    let fake = FakeTelegram::start().await;
    subscribers(&pool, 9_000_000, 1, "maturita").await;
    let mut cfg = config("w1");
    cfg.poll = Duration::from_secs(600);
    let worker = start(&pool, sender(&fake, Limits::unlimited()), cfg);
    // Let it find nothing and go idle.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let key = news(&pool, "Avviso", "maturita").await;
    publish(&pool, &key, &PublishOptions::default()).await;
    fake.wait_for(9_000_000, 1).await;
    worker.stop().await;
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn run_once_sends_one_batch_and_status_counts_it(pool: PgPool) {
    let fake = FakeTelegram::start().await;
    subscribers(&pool, 9_500_000, 30, "maturita").await;
    let key = news(&pool, "Avviso", "maturita").await;
    let later = PublishOptions {
        at: Some(chrono::Utc::now() + chrono::Duration::hours(1)),
        ..PublishOptions::default()
    };
    publish(&pool, &key, &later).await;
    let mut cfg = config("w1");
    cfg.batch = 10;
    let worker = Worker::new(pool.clone(), sender(&fake, Limits::unlimited()), cfg);
    let first = worker.run_once().await;
    assert_eq!(
        first.as_ref().ok(),
        Some(&0),
        "not due before --at: {first:?}"
    );
    sqlx::query("UPDATE outbox SET not_before = now()")
        .execute(&pool)
        .await
        .ok();
    assert_eq!(worker.run_once().await.ok(), Some(10));
    let now = status(&pool, &key).await;
    assert_eq!((now.queued, now.sent), (20, 10));
    assert!(now.rate > 0.0);
    assert!(now.eta().is_some());
}
