//! Memory of `sportello serve` as citizens come and go: 100,000 distinct chats send one
//! `/start` each through a fake Bot API (PostgreSQL sessions), then the bot sits idle.
//! Prints the process's peak RSS, its RSS once every chat was answered, and after the
//! chats have been idle a while. Asserts nothing.
//!
//! `DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres cargo bench --bench memory`
//! (`MEMORY_CHATS=20000` for a shorter run; `MEMORY_STDERR=1` shows serve's own log, e.g.
//! with `_RJEM_MALLOC_CONF=stats_print:true` for jemalloc's statistics at exit).
//!
//! Replies go at Telegram's highest allowed rate (1,000/s with paid broadcasts), so
//! 100,000 chats take about two minutes.

use std::process::Command;
use std::time::{Duration, Instant};

#[path = "../tests/common/fake_telegram.rs"]
mod fake_telegram;
mod support;

use fake_telegram::FakeTelegram;

/// How long the bot is left idle before each later reading.
const IDLE: [Duration; 2] = [Duration::from_secs(40), Duration::from_secs(60)];

/// (peak, current) resident set of `pid`, in MB.
fn rss(pid: u32) -> Option<(f64, f64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb = |field: &str| -> Option<f64> {
        let line = status.lines().find(|l| l.starts_with(field))?;
        line.split_whitespace().nth(1)?.parse::<f64>().ok()
    };
    Some((kb("VmHWM:")? / 1024.0, kb("VmRSS:")? / 1024.0))
}

fn main() {
    let chats: i64 = std::env::var("MEMORY_CHATS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    support::on_scratch_database("memory", |url| async move {
        let fake = FakeTelegram::start().await;
        let mut child =
            match support::serve_command(&url, fake.url.as_str(), 1_000, "MEMORY_STDERR").spawn() {
                Ok(child) => child,
                Err(err) => {
                    println!("cannot start serve: {err}");
                    return;
                }
            };
        let pid = child.id();
        fake.send_text(1, "/start");
        fake.wait_for(1, 1).await;
        let started = rss(pid).map_or(0.0, |(_, now)| now);

        let began = Instant::now();
        for chat in 0..chats {
            fake.send_text(1_000_000 + chat, "/start");
        }
        let mut answered = 0;
        while answered < chats as usize + 1 {
            tokio::time::sleep(Duration::from_millis(500)).await;
            answered = fake.sent().len();
            if began.elapsed() > Duration::from_secs(600) {
                println!("stalled at {answered} replies");
                break;
            }
        }
        let elapsed = began.elapsed();
        let busy = rss(pid);
        let mut idle = Vec::new();
        for pause in IDLE {
            tokio::time::sleep(pause).await;
            idle.push(rss(pid).map_or(0.0, |(_, now)| now));
        }
        println!(
            "{chats} distinct chats, one /start each: answered in {:.1} s ({:.0} replies/s)",
            elapsed.as_secs_f64(),
            chats as f64 / elapsed.as_secs_f64()
        );
        println!("RSS after the first chat     {started:>7.1} MB");
        if let Some((peak, done)) = busy {
            println!("RSS when all were answered   {done:>7.1} MB");
            let mut idle_for = Duration::ZERO;
            for (pause, rss) in IDLE.iter().zip(idle) {
                idle_for += *pause;
                println!(
                    "RSS after {:>3} s idle         {rss:>7.1} MB",
                    idle_for.as_secs()
                );
            }
            println!("peak RSS                     {peak:>7.1} MB");
        }
        let _ = Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status();
        let _ = child.wait();
    });
}
