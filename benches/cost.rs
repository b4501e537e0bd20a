//! Cost per turn at Telegram's paid ceiling (issue #18): an open-loop crowd of 10,000
//! citizens, offered 1,000 messages a second, each citizen thinking 1–3 s after a
//! reply before it may write again (never two messages waiting), against `sportello
//! serve` (`TELEGRAM_RATE=1000`, `TELEGRAM_PAID_BROADCAST=true`, PostgreSQL sessions)
//! and then against a teloxide 0.17 dialogue bot whose state lives in teloxide's
//! `PostgresStorage` (`benches/peer-teloxide/`), each on a fresh fake Bot API and its
//! own scratch database on the same PostgreSQL server. Citizens walk `/start`, `1`, a
//! question, `2`, `/menu`, then around again from `1`.
//!
//! Prints, for each bot over the measured window (after a warm-up): the offered and
//! achieved reply rates, the wait from a message to the first message of its reply
//! (p50/p99, and p99 of the turns the per-chat spacing cannot have held back), CPU
//! per turn of the bot and of every PostgreSQL process (utime + stime from /proc),
//! the bot's peak RSS; then the ratio of the two bots' CPU, beside the goals. Asserts
//! nothing.
//!
//! `DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres cargo bench --bench cost`
//!
//! Knobs: `COST_CITIZENS` (10,000), `COST_RATE` (messages/s offered, 1,000),
//! `COST_SECONDS` (measured window, 60), `COST_WARMUP` (seconds, 10), `COST_RUNS=
//! sportello` or `peer` runs only one, `COST_PEER_THROTTLE=off` runs the peer without
//! teloxide's `Throttle`, `COST_PEER_TARGET_DIR` where the peer is built (default
//! `<target dir>/peer`), `COST_STDERR=1` shows the bots' logs. PostgreSQL's figure is
//! the whole server's: other work on it during the run counts too (the idle load
//! measured before each run is printed).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

#[path = "../tests/common/fake_telegram.rs"]
mod fake_telegram;
mod support;

use fake_telegram::FakeTelegram;
use support::{ms, percentile};

const SCRIPT: [&str; 5] = ["/start", "1", "quando è la prima prova?", "2", "/menu"];
/// Chat ids of the crowd start here; chat 1 is the readiness probe.
const FIRST_CHAT: i64 = 1_000_000_000;
/// Telegram's per-chat spacing: a reply may be held back if the chat got a message
/// less than this long before the citizen wrote.
const SPACING: Duration = Duration::from_secs(1);
/// How long replies to messages of the window are awaited once offering stops.
const DRAIN: Duration = Duration::from_secs(10);
const GOAL_RATE: f64 = 0.97;
const GOAL_P99_MS: f64 = 50.0;

struct Setup {
    citizens: usize,
    rate: f64,
    window: Duration,
    warmup: Duration,
}

/// CPU ticks of everything measured, at one instant.
#[derive(Clone, Copy)]
struct Snapshot {
    at: Instant,
    bot: u64,
    postgres: u64,
    own: u64,
}

#[derive(Default)]
struct Figures {
    offered: usize,
    /// Slots of the window with no citizen free to write.
    missed: usize,
    /// First messages of replies delivered in the window: the turns.
    replies: usize,
    /// Every message delivered in the window.
    messages: usize,
    latencies: Vec<Duration>,
    /// Latencies of the turns the per-chat spacing may have held back.
    spaced: Vec<Duration>,
    unanswered: usize,
    lagged: u64,
    window: Duration,
    bot_ticks: u64,
    postgres_ticks: u64,
    own_ticks: u64,
    /// PostgreSQL's ticks per second before the bot started.
    postgres_idle: f64,
    peak_rss_mb: f64,
}

fn env<T: std::str::FromStr>(name: &str) -> Option<T> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

fn ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

/// utime + stime + cutime + cstime of `pid`, in clock ticks. The children's share
/// keeps the CPU of a PostgreSQL backend that exits mid-window: the postmaster reaps
/// it.
fn process_ticks(pid: &str) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces; the fields after it do not.
    let (_, fields) = stat.rsplit_once(") ")?;
    let fields: Vec<&str> = fields.split_whitespace().collect();
    (11..15).map(|i| fields.get(i)?.parse::<u64>().ok()).sum()
}

fn is_postgres(pid: &str) -> bool {
    let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
    if comm.trim() == "postgres" {
        return true;
    }
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    cmdline.starts_with(b"postgres")
}

/// All PostgreSQL processes' ticks together.
fn postgres_ticks() -> u64 {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|pid| pid.bytes().all(|b| b.is_ascii_digit()) && is_postgres(pid))
        .filter_map(|pid| process_ticks(&pid))
        .sum()
}

fn snapshot(bot: u32) -> Snapshot {
    Snapshot {
        at: Instant::now(),
        bot: process_ticks(&bot.to_string()).unwrap_or(0),
        postgres: postgres_ticks(),
        own: process_ticks("self").unwrap_or(0),
    }
}

/// Peak resident set of `pid`, in MB.
fn peak_rss(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn logs() -> Stdio {
    if std::env::var_os("COST_STDERR").is_some() {
        Stdio::inherit()
    } else {
        Stdio::null()
    }
}

struct Citizen {
    /// Index in `SCRIPT` of the next message.
    step: usize,
    /// When the message awaiting its reply was written, and whether the per-chat
    /// spacing could hold that reply back.
    waiting: Option<(Instant, bool)>,
    last_delivery: Option<Instant>,
}

/// Offers messages at `setup.rate` to the free citizens, oldest free first, and
/// follows the replies; CPU is read at both ends of the measured window.
async fn drive(fake: &FakeTelegram, setup: &Setup, bot: u32) -> (Figures, Snapshot, Snapshot) {
    let mut deliveries = fake.deliveries();
    let mut rng = StdRng::seed_from_u64(18);
    let mut citizens: Vec<Citizen> = (0..setup.citizens)
        .map(|_| Citizen {
            step: 0,
            waiting: None,
            last_delivery: None,
        })
        .collect();
    let mut free: VecDeque<usize> = (0..setup.citizens).collect();
    let mut thinking: BinaryHeap<Reverse<(Instant, usize)>> = BinaryHeap::new();
    let mut f = Figures::default();
    let began = Instant::now();
    let (from, to) = (began + setup.warmup, began + setup.warmup + setup.window);
    let mut first: Option<Snapshot> = None;
    let mut last: Option<Snapshot> = None;
    let mut slot: u64 = 0;
    let in_window = |t: Instant| t >= from && t < to;
    loop {
        let now = Instant::now();
        if last.is_some() {
            let waiting = citizens
                .iter()
                .filter(|c| c.waiting.is_some_and(|(at, _)| in_window(at)))
                .count();
            if waiting == 0 || now >= to + DRAIN {
                f.unanswered = waiting;
                break;
            }
        }
        let due = began + Duration::from_secs_f64(slot as f64 / setup.rate);
        let offering = last.is_none();
        tokio::select! {
            biased;
            got = deliveries.recv() => {
                let sent = match got {
                    Ok(sent) => sent,
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                        f.lagged += n;
                        continue;
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
                };
                let now = Instant::now();
                let Some(citizen) = usize::try_from(sent.chat - FIRST_CHAT)
                    .ok()
                    .and_then(|i| citizens.get_mut(i).map(|c| (i, c)))
                else {
                    continue;
                };
                let (i, c) = citizen;
                if in_window(now) {
                    f.messages += 1;
                }
                c.last_delivery = Some(now);
                // A reply of several messages: its first one ends the wait.
                let Some((written, spaced)) = c.waiting.take() else {
                    continue;
                };
                if in_window(now) {
                    f.replies += 1;
                }
                if in_window(written) {
                    let wait = now - written;
                    if spaced { f.spaced.push(wait) } else { f.latencies.push(wait) }
                }
                let think = Duration::from_secs_f64(rng.random_range(1.0..3.0));
                thinking.push(Reverse((now + think, i)));
            }
            () = tokio::time::sleep_until(due.into()), if offering => {
                let now = Instant::now();
                if first.is_none() && now >= from {
                    first = Some(snapshot(bot));
                }
                if now >= to {
                    last = Some(snapshot(bot));
                    continue;
                }
                while let Some(&Reverse((at, i))) = thinking.peek() {
                    if at > now {
                        break;
                    }
                    thinking.pop();
                    free.push_back(i);
                }
                // Every slot due by now, so a late wake-up does not lower the rate.
                while began + Duration::from_secs_f64(slot as f64 / setup.rate) <= now {
                    slot += 1;
                    let Some(i) = free.pop_front() else {
                        if in_window(now) {
                            f.missed += 1;
                        }
                        continue;
                    };
                    if in_window(now) {
                        f.offered += 1;
                    }
                    let c = &mut citizens[i];
                    let spaced = c.last_delivery.is_some_and(|at| now - at < SPACING);
                    c.waiting = Some((Instant::now(), spaced));
                    fake.send_text(FIRST_CHAT + i as i64, SCRIPT[c.step]);
                    // Round again from the menu's first topic, as after `/start`.
                    c.step = if c.step + 1 == SCRIPT.len() { 1 } else { c.step + 1 };
                }
            }
        }
    }
    let first = first.unwrap_or_else(|| snapshot(bot));
    let last = last.unwrap_or_else(|| snapshot(bot));
    f.latencies.sort();
    f.spaced.sort();
    (f, first, last)
}

/// Until chat 1 has its reply: the bot is up, polling and answering.
async fn ready(fake: &FakeTelegram, child: &mut Child) -> bool {
    fake.send_text(1, "/start");
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if !fake.sent_to(1).is_empty() {
            return true;
        }
        if let Ok(Some(status)) = child.try_wait() {
            println!("  the bot exited before answering: {status}");
            return false;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    println!("  the bot did not answer within 60 s");
    false
}

/// Measures the bot `start` spawns against `fake`; stops it with `stop`.
async fn measure(
    fake: &FakeTelegram,
    setup: &Setup,
    start: impl FnOnce() -> Option<Child>,
    stop: impl FnOnce(&mut Child),
) -> Option<Figures> {
    let idle_from = (Instant::now(), postgres_ticks());
    tokio::time::sleep(Duration::from_secs(2)).await;
    let postgres_idle =
        (postgres_ticks() - idle_from.1) as f64 / idle_from.0.elapsed().as_secs_f64();
    let mut child = start()?;
    if !ready(fake, &mut child).await {
        stop(&mut child);
        return None;
    }
    let (mut f, first, last) = drive(fake, setup, child.id()).await;
    f.window = last.at - first.at;
    f.bot_ticks = last.bot.saturating_sub(first.bot);
    f.postgres_ticks = last.postgres.saturating_sub(first.postgres);
    f.own_ticks = last.own.saturating_sub(first.own);
    f.postgres_idle = postgres_idle;
    f.peak_rss_mb = peak_rss(child.id());
    stop(&mut child);
    Some(f)
}

async fn sportello(url: String, setup: &Setup) -> Option<Figures> {
    if !support::import_demo(&url) {
        return None;
    }
    let fake = FakeTelegram::start().await;
    let start = || {
        support::serve_command(&url, fake.url.as_str(), 1_000, "COST_STDERR")
            .spawn()
            .map_err(|err| println!("cannot start serve: {err}"))
            .ok()
    };
    // SIGTERM: serve drains and closes its connections, as in production.
    let stop = |child: &mut Child| {
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let _ = child.wait();
    };
    measure(&fake, setup, start, stop).await
}

/// Builds the peer bot in release; its binary, or `None` (said why) if it will not
/// build.
fn build_peer() -> Option<PathBuf> {
    let manifest = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/benches/peer-teloxide/Cargo.toml"
    );
    // This bench runs from <target>/release/deps/.
    let target = std::env::var_os("COST_PEER_TARGET_DIR")
        .map(PathBuf::from)
        .or_else(|| {
            let exe = std::env::current_exe().ok()?;
            Some(exe.ancestors().nth(3)?.join("peer"))
        })?;
    println!(
        "building the teloxide peer into {} (minutes, the first time)…",
        target.display()
    );
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let built = Command::new(cargo)
        .args(["build", "--release", "--quiet", "--manifest-path", manifest])
        .env("CARGO_TARGET_DIR", &target)
        .stdout(Stdio::null())
        .output();
    match built {
        Ok(out) if out.status.success() => Some(target.join("release/peer-teloxide")),
        Ok(out) => {
            let log = String::from_utf8_lossy(&out.stderr);
            let tail: Vec<&str> = log.lines().rev().take(15).collect();
            println!("cannot build the teloxide peer; skipping it:");
            for line in tail.iter().rev() {
                println!("  {line}");
            }
            None
        }
        Err(err) => {
            println!("cannot run cargo to build the teloxide peer ({err}); skipping it");
            None
        }
    }
}

async fn peer(binary: PathBuf, url: String, setup: &Setup) -> Option<Figures> {
    let fake = FakeTelegram::start().await;
    let throttle = std::env::var("COST_PEER_THROTTLE").unwrap_or_else(|_| "on".into());
    let start = || {
        Command::new(&binary)
            .env("DATABASE_URL", &url)
            .env("PEER_API_URL", fake.url.as_str())
            .env("PEER_THROTTLE", &throttle)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(logs())
            .spawn()
            .map_err(|err| println!("cannot start the teloxide peer: {err}"))
            .ok()
    };
    // Nothing of the peer's outlives it: no drain to wait for.
    let stop = |child: &mut Child| {
        let _ = child.kill();
        let _ = child.wait();
    };
    measure(&fake, setup, start, stop).await
}

/// Microseconds of CPU per turn.
fn per_turn(ticks: u64, f: &Figures, hz: f64) -> f64 {
    ticks as f64 / hz * 1e6 / f.replies.max(1) as f64
}

fn print(rows: &[(&str, &Figures)], setup: &Setup, hz: f64) {
    let secs = |f: &Figures| f.window.as_secs_f64().max(1e-9);
    let line = |label: &str, value: &dyn Fn(&Figures) -> String, goal: &str| {
        print!("  {label:<34}");
        for (_, f) in rows {
            print!("{:>20}", value(f));
        }
        println!("   {goal}");
    };
    print!("  {:<34}", "");
    for (name, _) in rows {
        print!("{name:>20}");
    }
    println!("   goal");
    line(
        "offered (messages/s)",
        &|f| format!("{:.1}", f.offered as f64 / secs(f)),
        "",
    );
    line(
        "  slots with no citizen free",
        &|f| f.missed.to_string(),
        "",
    );
    line(
        "achieved replies/s",
        &|f| format!("{:.1}", f.replies as f64 / secs(f)),
        &format!("≥ {:.0}", GOAL_RATE * setup.rate),
    );
    line(
        "  messages sent per turn",
        &|f| format!("{:.2}", f.messages as f64 / f.replies.max(1) as f64),
        "",
    );
    line(
        "reply wait p50 (ms)",
        &|f| format!("{:.1}", ms(percentile(&f.latencies, 0.5))),
        "",
    );
    line(
        "reply wait p99 (ms)",
        &|f| format!("{:.1}", ms(percentile(&f.latencies, 0.99))),
        &format!("≤ {GOAL_P99_MS:.0}"),
    );
    line(
        "  turns the spacing may hold back",
        &|f| {
            format!(
                "{} (p99 {:.0})",
                f.spaced.len(),
                ms(percentile(&f.spaced, 0.99))
            )
        },
        "not in the p99 above",
    );
    line(
        "  unanswered / driver lagged",
        &|f| format!("{} / {}", f.unanswered, f.lagged),
        "",
    );
    line(
        "bot CPU per turn (µs)",
        &|f| format!("{:.0}", per_turn(f.bot_ticks, f, hz)),
        "",
    );
    line(
        "PostgreSQL CPU per turn (µs)",
        &|f| format!("{:.0}", per_turn(f.postgres_ticks, f, hz)),
        "",
    );
    line(
        "bot + PostgreSQL (µs per turn)",
        &|f| format!("{:.0}", per_turn(f.bot_ticks + f.postgres_ticks, f, hz)),
        "≤ ½ the peer's",
    );
    line(
        "  bot + PostgreSQL (cores busy)",
        &|f| {
            format!(
                "{:.2}",
                (f.bot_ticks + f.postgres_ticks) as f64 / hz / secs(f)
            )
        },
        "",
    );
    line(
        "  PostgreSQL idle before (cores)",
        &|f| format!("{:.3}", f.postgres_idle / hz),
        "",
    );
    line(
        "  driver + fake (cores busy)",
        &|f| format!("{:.2}", f.own_ticks as f64 / hz / secs(f)),
        "",
    );
    line(
        "bot peak RSS (MB)",
        &|f| format!("{:.1}", f.peak_rss_mb),
        "",
    );
}

fn main() {
    let setup = Setup {
        citizens: env("COST_CITIZENS").unwrap_or(10_000).max(1),
        rate: env::<f64>("COST_RATE").unwrap_or(1_000.0).max(1.0),
        window: Duration::from_secs(env("COST_SECONDS").unwrap_or(60)),
        warmup: Duration::from_secs(env("COST_WARMUP").unwrap_or(10)),
    };
    let setup = &setup;
    let runs = std::env::var("COST_RUNS").unwrap_or_default();
    let hz = ticks_per_second();
    println!(
        "{} citizens, {} messages/s offered, think 1–3 s after each reply; {} s measured after {} s warm-up; {} cores, load {}; fake Bot API on loopback",
        setup.citizens,
        setup.rate,
        setup.window.as_secs(),
        setup.warmup.as_secs(),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" "),
    );
    // Built before anything is measured, so its compiling does not share the window.
    let binary = if runs.is_empty() || runs == "peer" {
        build_peer()
    } else {
        None
    };
    let mut ours = None;
    if runs.is_empty() || runs == "sportello" {
        let slot = &mut ours;
        // A database each: the sessions and update ids of one bot stay out of the other's.
        support::on_scratch_database("cost", |url| async move {
            *slot = sportello(url, setup).await;
        });
    }
    let mut theirs = None;
    if let Some(binary) = binary {
        let slot = &mut theirs;
        support::on_scratch_database("cost", |url| async move {
            *slot = peer(binary, url, setup).await;
        });
    }
    let throttle = if std::env::var("COST_PEER_THROTTLE").as_deref() == Ok("off") {
        "teloxide, no Throttle"
    } else {
        "teloxide+Throttle"
    };
    let mut rows: Vec<(&str, &Figures)> = Vec::new();
    if let Some(f) = &ours {
        rows.push(("Sportello", f));
    }
    if let Some(f) = &theirs {
        println!("teloxide peer: dialogue state in teloxide's PostgresStorage (JSON)");
        rows.push((throttle, f));
    }
    if rows.is_empty() {
        return;
    }
    print(&rows, setup, hz);
    if let (Some(a), Some(b)) = (&ours, &theirs) {
        let a_cost = per_turn(a.bot_ticks + a.postgres_ticks, a, hz);
        let b_cost = per_turn(b.bot_ticks + b.postgres_ticks, b, hz);
        println!(
            "ratio Sportello / teloxide peer, bot + PostgreSQL CPU per turn: {:.2} (goal ≤ 0.50)",
            a_cost / b_cost.max(1e-9)
        );
    }
}
