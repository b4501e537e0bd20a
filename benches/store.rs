//! Benchmarks of the PostgreSQL store; prints figures, asserts nothing.
//!
//! `DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres cargo bench --bench store`
//! Creates a scratch database next to the one named, and drops it afterwards.
//! - session load + save at 1,000 turns/s from many concurrent chats (goal: p99 ≤ 5 ms)

use std::sync::Arc;
use std::time::{Duration, Instant};

use sportello::engine::Session;
use sportello::store::pg::PgStore;
use sportello::store::{ChatKey, CitizenStore, TranscriptLine, TurnRecord};
use tokio::sync::Mutex;

mod support;
use support::{ms, percentile};

const TURNS_PER_SECOND: u64 = 1_000;
const SECONDS: u64 = 5;
const CHATS: usize = 500;

async fn bench_sessions(store: &PgStore) {
    // One unmeasured second first: the pool opens its connections, as in a running bot.
    run_turns(store, TURNS_PER_SECOND).await;
    let (samples, elapsed) = run_turns(store, TURNS_PER_SECOND * SECONDS).await;
    println!(
        "session load + save: {} turns over {CHATS} chats in {:.2} s ({:.0}/s offered {TURNS_PER_SECOND}/s): p50 {:.2} ms  p99 {:.2} ms  max {:.2} ms",
        samples.len(),
        elapsed.as_secs_f64(),
        samples.len() as f64 / elapsed.as_secs_f64(),
        ms(percentile(&samples, 0.5)),
        ms(percentile(&samples, 0.99)),
        ms(percentile(&samples, 1.0)),
    );
}

/// Offers `total` turns at `TURNS_PER_SECOND`; returns the sorted latencies.
async fn run_turns(store: &PgStore, total: u64) -> (Vec<Duration>, Duration) {
    let session = Session {
        state: "maturita.menu".into(),
        ..Session::new("it")
    };
    let line = TranscriptLine {
        direction: "in",
        state: "main.menu".into(),
        body: "1".into(),
        understood: true,
        faq: None,
    };
    let latencies = Arc::new(Mutex::new(Vec::new()));
    let mut tasks = Vec::new();
    let interval = Duration::from_nanos(1_000_000_000 / TURNS_PER_SECOND);
    let start = Instant::now();
    for turn in 0..total {
        // Pace the offered load: turn n starts at n / rate seconds.
        let due = start + interval * u32::try_from(turn).unwrap_or(u32::MAX);
        tokio::time::sleep_until(due.into()).await;
        let store = store.clone();
        let session = session.clone();
        let line = line.clone();
        let latencies = Arc::clone(&latencies);
        let key = ChatKey::new("telegram", format!("{}", turn as usize % CHATS));
        tasks.push(tokio::spawn(async move {
            let began = Instant::now();
            let Ok(stored) = store.load(&key).await else {
                return;
            };
            let record = TurnRecord {
                expected_version: stored.map(|s| s.version),
                session: &session,
                dialogue_version: "bench",
                effects: &[],
                transcript: std::slice::from_ref(&line),
            };
            if store.commit(&key, record).await.is_ok() {
                latencies.lock().await.push(began.elapsed());
            }
        }));
    }
    for task in tasks {
        let _ = task.await;
    }
    let elapsed = start.elapsed();
    let mut samples = latencies.lock().await.clone();
    samples.sort();
    (samples, elapsed)
}

fn main() {
    support::on_scratch_database("store", |scratch_url| async move {
        match PgStore::connect(&scratch_url).await {
            Ok(store) => {
                bench_sessions(&store).await;
                store.pool().close().await;
            }
            Err(err) => println!("cannot connect: {err}"),
        }
    });
}
