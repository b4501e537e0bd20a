//! News relay benchmarks; prints figures, asserts nothing.
//!
//! `DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres cargo bench --bench relay`
//! Creates a scratch database next to the one named, and drops it afterwards.
//! - fan-out: publishing one item to 100,000 subscribers (goal ≤ 2 s)
//! - capacity: deliveries/s to a zero-latency fake Bot API, limiter off (goal ≥ 5,000/s)
//! - fidelity: achieved ÷ configured rate at 30/s and 1,000/s (goal ≥ 0.97, never above),
//!   with the busiest one-second window from the fake's call log

use std::sync::Arc;
use std::time::{Duration, Instant};

use sportello::channel::telegram::{Limits, Pace};
use sportello::dialogue;
use sportello::relay::{self, Paced, PublishOptions, TelegramSender, Worker, WorkerConfig};
use sportello::store::pg::{NewNews, PgStore};
use sqlx::PgPool;

#[path = "../tests/common/fake_telegram.rs"]
mod fake_telegram;
mod support;

use fake_telegram::FakeTelegram;

const FAN_OUT: i64 = 100_000;
const CAPACITY_ROWS: i64 = 30_000;

async fn subscribers(
    pool: &PgPool,
    first: i64,
    count: i64,
    topic: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO subscribers (channel, chat, topics) \
         SELECT 'telegram', ($1 + g)::text, ARRAY[$3] FROM generate_series(0, $2 - 1) AS g",
    )
    .bind(first)
    .bind(count)
    .bind(topic)
    .execute(pool)
    .await?;
    sqlx::query("ANALYZE subscribers").execute(pool).await?;
    Ok(())
}

async fn news(store: &PgStore, topic: &str) -> Result<String, Box<dyn std::error::Error>> {
    let item = store
        .add_news(&NewNews {
            title: format!("Avviso {topic}"),
            body: "Le prove scritte si svolgeranno secondo il calendario pubblicato.".into(),
            topics: vec![topic.to_owned()],
            link: Some("https://www.mim.gov.it/".into()),
            expires_at: None,
            author: None,
        })
        .await?;
    Ok(item.key)
}

fn sender(fake: &FakeTelegram, limits: Limits) -> Result<Paced<TelegramSender>, relay::RelayError> {
    let telegram = TelegramSender::new("1:BENCH", Some(&fake.url), Duration::from_secs(10), false)?;
    Ok(Paced::new(telegram, Arc::new(Pace::new(limits))))
}

/// Runs a worker until `key` has nothing queued; returns the time it took.
async fn drain(
    pool: &PgPool,
    sender: Paced<TelegramSender>,
    config: WorkerConfig,
    key: &str,
) -> Result<Duration, relay::RelayError> {
    let worker = Worker::new(pool.clone(), sender, config);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let started = Instant::now();
    let running = tokio::spawn(async move {
        worker
            .run(async move {
                let _ = stopped.await;
            })
            .await
    });
    loop {
        let status = relay::news_status(pool, key).await?;
        if status.queued == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let took = started.elapsed();
    let _ = stop.send(());
    let _ = running.await;
    Ok(took)
}

async fn run(url: &str) -> Result<(), Box<dyn std::error::Error>> {
    let store = PgStore::connect(url).await?;
    let pool = store.pool().clone();
    let dialogues = dialogue::load(&dialogue::bundled_files())
        .0
        .ok_or("bundled dialogues do not load")?;

    // Fan-out.
    subscribers(&pool, 1_000_000_000, FAN_OUT, "fanout").await?;
    let key = news(&store, "fanout").await?;
    let started = Instant::now();
    let published = relay::publish(&pool, &dialogues, &key, &PublishOptions::default()).await?;
    let took = started.elapsed();
    println!(
        "fan-out: {} deliveries queued in {:.2} s ({:.0} rows/s; goal ≤ 2 s)",
        published.subscribers,
        took.as_secs_f64(),
        published.subscribers as f64 / took.as_secs_f64()
    );
    sqlx::query("UPDATE outbox SET status = 'sent'")
        .execute(&pool)
        .await?;

    // Capacity.
    let fake = FakeTelegram::start().await;
    subscribers(&pool, 2_000_000_000, CAPACITY_ROWS, "capacity").await?;
    let key = news(&store, "capacity").await?;
    relay::publish(&pool, &dialogues, &key, &PublishOptions::default()).await?;
    let config = WorkerConfig {
        batch: 1_000,
        concurrency: 128,
        record_every: 256,
        ..WorkerConfig::default()
    };
    let took = drain(&pool, sender(&fake, Limits::unlimited())?, config, &key).await?;
    println!(
        "capacity: {CAPACITY_ROWS} deliveries in {:.2} s = {:.0}/s (limiter off, zero-latency fake; goal ≥ 5,000/s)",
        took.as_secs_f64(),
        CAPACITY_ROWS as f64 / took.as_secs_f64()
    );

    // Fidelity.
    for (rate, count, first) in [
        (30_u32, 300_i64, 3_000_000_000_i64),
        (1_000, 15_000, 4_000_000_000),
    ] {
        let fake = FakeTelegram::start().await;
        let topic = format!("rate{rate}");
        subscribers(&pool, first, count, &topic).await?;
        let key = news(&store, &topic).await?;
        relay::publish(&pool, &dialogues, &key, &PublishOptions::default()).await?;
        let config = WorkerConfig {
            batch: (rate as usize * 2).clamp(60, 1_000),
            concurrency: 128,
            ..WorkerConfig::default()
        };
        drain(&pool, sender(&fake, Limits::with_rate(rate))?, config, &key).await?;
        let mut times: Vec<Instant> = fake.calls_of("sendMessage").iter().map(|c| c.at).collect();
        times.sort();
        let (Some(start), Some(end)) = (times.first(), times.last()) else {
            continue;
        };
        let achieved = (times.len() - 1) as f64 / end.duration_since(*start).as_secs_f64();
        let mut busiest = 0;
        let mut j = 0;
        for i in 0..times.len() {
            while j < times.len() && times[j].duration_since(times[i]) < Duration::from_secs(1) {
                j += 1;
            }
            busiest = busiest.max(j - i);
        }
        println!(
            "fidelity at {rate}/s: {} messages, achieved {achieved:.1}/s = {:.3} of configured (goal ≥ 0.97); busiest 1 s window {busiest} (limit {rate})",
            times.len(),
            achieved / f64::from(rate)
        );
    }
    Ok(())
}

fn main() {
    support::on_scratch_database("relay", |scratch| async move {
        if let Err(err) = run(&scratch).await {
            println!("relay benchmark failed: {err}");
        }
    });
}
