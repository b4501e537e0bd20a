//! An exam-day spike: 20,000 citizens each write `/start` and then, once the menu has
//! come and after a few seconds of reading, a question; their first messages spread
//! evenly over 10 minutes. Against `sportello serve` (PostgreSQL sessions, a fake Bot
//! API) at the free limit (`TELEGRAM_RATE=30`) and at the paid ceiling
//! (`TELEGRAM_RATE=1000`, `TELEGRAM_PAID_BROADCAST=true`). Prints, for each: replies
//! per second, the wait from a citizen's message to its reply (p50/p90/p99/max), the
//! longest queue (messages written and not yet answered), how many citizens saw
//! "typing…" and how many got the arriving notice. Asserts nothing.
//!
//! `DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres cargo bench --bench spike`
//!
//! Knobs: `SPIKE_SCALE=10` divides the citizens and the 10 minutes by 10 and keeps the
//! rates, so the crowd per second is the same and the backlog (and the waits in it)
//! about 10 times smaller. The wait for a slot of the shared limit, which "typing…"
//! and the notice follow, is bounded by the turns in flight over the rate (64 / 30 ≈
//! 2 s), whatever the scale, so the 10 s threshold is kept. `SPIKE_IN_FLIGHT=N` sets
//! `SPORTELLO_MAX_IN_FLIGHT` (default 64); `SPIKE_ARRIVING_AFTER` the threshold;
//! `SPIKE_RUNS=free` or `paid` runs only one; `SPIKE_STDERR=1` shows serve's log.

use std::collections::{HashMap, HashSet};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[path = "../tests/common/fake_telegram.rs"]
mod fake_telegram;
mod support;

use fake_telegram::FakeTelegram;
use support::percentile;

const CITIZENS: u64 = 20_000;
const WINDOW: Duration = Duration::from_secs(600);
/// From the menu arriving to the question being sent.
const READING: Duration = Duration::from_secs(5);
const ARRIVING_AFTER: u64 = 10;
const QUESTION: &str = "quando è la prima prova?";
/// The built-in Italian notice (the bundled dialogues do not override it).
const NOTICE: &str = "Molte persone stanno scrivendo in questo momento";
/// A run with no message for this long has stalled.
const STALL: Duration = Duration::from_secs(120);

struct Setup {
    citizens: u64,
    window: Duration,
    reading: Duration,
    arriving_after: u64,
    in_flight: Option<String>,
}

struct Figures {
    replies: usize,
    notices: HashSet<i64>,
    twice: usize,
    typing: HashSet<i64>,
    chat_actions: usize,
    waits: Vec<Duration>,
    longest_queue: usize,
    elapsed: Duration,
}

fn env<T: std::str::FromStr>(name: &str) -> Option<T> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

fn serve(url: &str, fake: &FakeTelegram, rate: u32, setup: &Setup) -> Option<std::process::Child> {
    let mut command = support::serve_command(url, fake.url.as_str(), rate, "SPIKE_STDERR");
    command.env("TELEGRAM_ARRIVING_AFTER", setup.arriving_after.to_string());
    if let Some(in_flight) = &setup.in_flight {
        command.env("SPORTELLO_MAX_IN_FLIGHT", in_flight);
    }
    command
        .spawn()
        .map_err(|err| println!("cannot start serve: {err}"))
        .ok()
}

/// Who is waiting for what: (written at, it was the question).
type Pending = Arc<Mutex<HashMap<i64, (Instant, bool)>>>;

fn write(fake: &FakeTelegram, pending: &Pending, chat: i64, question: bool) {
    let mut pending = pending.lock().unwrap_or_else(|p| p.into_inner());
    pending.insert(chat, (Instant::now(), question));
    fake.send_text(chat, if question { QUESTION } else { "/start" });
}

/// Drives the citizens of `first..first + setup.citizens` through `fake`.
async fn drive(fake: &FakeTelegram, first: i64, setup: &Setup) -> Figures {
    let mut deliveries = fake.deliveries();
    let pending: Pending = Arc::default();
    let total = setup.citizens as usize * 2;
    let began = Instant::now();
    let writer = {
        let (fake, pending) = (fake.clone(), Arc::clone(&pending));
        let (citizens, window) = (setup.citizens, setup.window);
        tokio::spawn(async move {
            for i in 0..citizens {
                let at = began + window.mul_f64(i as f64 / citizens as f64);
                tokio::time::sleep_until(at.into()).await;
                write(&fake, &pending, first + i as i64, false);
            }
        })
    };
    let mut figures = Figures {
        replies: 0,
        notices: HashSet::new(),
        twice: 0,
        typing: HashSet::new(),
        chat_actions: 0,
        waits: Vec::with_capacity(total),
        longest_queue: 0,
        elapsed: Duration::ZERO,
    };
    while figures.waits.len() < total {
        let sent = match tokio::time::timeout(STALL, deliveries.recv()).await {
            Ok(Ok(sent)) => sent,
            Ok(Err(tokio::sync::broadcast::error::RecvError::Lagged(n))) => {
                println!("the driver fell {n} messages behind; figures are partial");
                continue;
            }
            _ => {
                println!("stalled after {} replies", figures.waits.len());
                break;
            }
        };
        if sent.text.starts_with(NOTICE) {
            if !figures.notices.insert(sent.chat) {
                figures.twice += 1;
            }
            continue;
        }
        figures.replies += 1;
        let answered = {
            let mut pending = pending.lock().unwrap_or_else(|p| p.into_inner());
            figures.longest_queue = figures.longest_queue.max(pending.len());
            pending.remove(&sent.chat)
        };
        // A reply of several messages: its first one counts.
        let Some((written, question)) = answered else {
            continue;
        };
        figures.waits.push(written.elapsed());
        if !question {
            let (fake, pending, reading) = (fake.clone(), Arc::clone(&pending), setup.reading);
            tokio::spawn(async move {
                tokio::time::sleep(reading).await;
                write(&fake, &pending, sent.chat, true);
            });
        }
    }
    figures.elapsed = began.elapsed();
    writer.abort();
    for call in fake.calls_of("sendChatAction") {
        if let Some(chat) = call.body.get("chat_id").and_then(serde_json::Value::as_i64) {
            figures.chat_actions += 1;
            figures.typing.insert(chat);
        }
    }
    figures.waits.sort();
    figures
}

fn print(label: &str, setup: &Setup, f: &Figures) {
    let s = |d: Duration| d.as_secs_f64();
    println!("{label}:");
    println!(
        "  {} replies in {:.0} s = {:.1} replies/s; with the notices {:.1} messages/s",
        f.replies,
        s(f.elapsed),
        f.replies as f64 / s(f.elapsed),
        (f.replies + f.notices.len() + f.twice) as f64 / s(f.elapsed),
    );
    println!(
        "  wait from message to reply: p50 {:.1} s  p90 {:.1} s  p99 {:.1} s  max {:.1} s",
        s(percentile(&f.waits, 0.5)),
        s(percentile(&f.waits, 0.9)),
        s(percentile(&f.waits, 0.99)),
        f.waits.last().copied().map_or(0.0, s),
    );
    println!(
        "  longest queue: {} messages written and not yet answered",
        f.longest_queue
    );
    println!(
        "  saw \"typing…\": {} of {} citizens ({} chat actions)",
        f.typing.len(),
        setup.citizens,
        f.chat_actions
    );
    println!(
        "  got the arriving notice (after {} s): {} citizens{}",
        setup.arriving_after,
        f.notices.len(),
        if f.twice > 0 {
            format!(", {} of them twice", f.twice)
        } else {
            String::new()
        }
    );
}

fn main() {
    let scale = env::<u32>("SPIKE_SCALE").unwrap_or(1).max(1);
    let setup = Setup {
        citizens: CITIZENS / u64::from(scale),
        window: WINDOW / scale,
        reading: READING,
        arriving_after: env("SPIKE_ARRIVING_AFTER").unwrap_or(ARRIVING_AFTER),
        in_flight: std::env::var("SPIKE_IN_FLIGHT").ok(),
    };
    let runs = std::env::var("SPIKE_RUNS").unwrap_or_default();
    println!(
        "{} citizens over {} s (scale 1/{scale}), /start then a question {} s after the menu; in flight {}; 2 cores, fake Bot API on loopback",
        setup.citizens,
        setup.window.as_secs(),
        setup.reading.as_secs_f64(),
        setup.in_flight.as_deref().unwrap_or("64"),
    );
    let all = [
        ("free", "free limit, TELEGRAM_RATE=30", 30),
        ("paid", "paid broadcasts, TELEGRAM_RATE=1000", 1_000),
    ];
    for (name, label, rate) in all {
        if !runs.is_empty() && runs != name {
            continue;
        }
        // A database each: the update ids kept by one run would hide the next one's.
        support::on_scratch_database("spike", |url| run(url, label, rate, &setup));
    }
}

async fn run(url: String, label: &str, rate: u32, setup: &Setup) {
    if !support::import_demo(&url) {
        return;
    }
    let fake = FakeTelegram::start().await;
    let Some(mut child) = serve(&url, &fake, rate, setup) else {
        return;
    };
    // Up and answering before the spike starts.
    fake.send_text(1, "/start");
    fake.wait_for(1, 1).await;
    let figures = drive(&fake, 1_000_000_000, setup).await;
    print(label, setup, &figures);
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
}
