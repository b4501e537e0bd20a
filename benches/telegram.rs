//! Turns per second through the fake Bot API: Sportello (dialogues, sessions and
//! transcripts in PostgreSQL) against a bare teloxide echo bot on the same fake, in
//! the same run. Prints figures, asserts nothing.
//!
//! `DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres cargo bench --bench telegram`
//!
//! 1,000 simulated citizens each send 5 messages, one after the other (each waits for
//! the reply to the previous one). Latency is from the update being available to
//! `getUpdates` to the reply reaching the fake.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sportello::channel::telegram::{self, Limits, TelegramConfig};
use sportello::content::ContentFile;
use sportello::conversation::Conversation;
use sportello::dialogue;
use sportello::store::mem::{MemoryContent, MemoryStore};
use sportello::store::pg::PgStore;
use sportello::store::{Ballots, CitizenStore, ContentSource, StaffDesk, UpdateLog};
use teloxide::prelude::*;
use tokio::sync::oneshot;

#[path = "../tests/common/fake_telegram.rs"]
mod fake_telegram;
mod support;

use fake_telegram::FakeTelegram;
use support::{ms, percentile};

const CITIZENS: i64 = 1_000;
const SCRIPT: [&str; 5] = ["/start", "1", "quando è la prima prova?", "2", "/menu"];

struct Figures {
    turns: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl Figures {
    fn rate(&self) -> f64 {
        self.turns as f64 / self.elapsed.as_secs_f64()
    }

    fn print(&self, name: &str) {
        println!(
            "{name:<34} {} turns in {:.2} s = {:>6.0} turns/s   latency p50 {:.2} ms  p99 {:.2} ms",
            self.turns,
            self.elapsed.as_secs_f64(),
            self.rate(),
            ms(percentile(&self.latencies, 0.5)),
            ms(percentile(&self.latencies, 0.99)),
        );
    }
}

/// Drives the citizens: each reply triggers that citizen's next message.
async fn drive(fake: &FakeTelegram) -> Figures {
    let mut deliveries = fake.deliveries();
    let mut next: HashMap<i64, usize> = HashMap::new();
    let mut pushed_at: HashMap<i64, Instant> = HashMap::new();
    let mut latencies = Vec::new();
    let start = Instant::now();
    for citizen in 1..=CITIZENS {
        pushed_at.insert(citizen, Instant::now());
        fake.send_text(citizen, SCRIPT[0]);
        next.insert(citizen, 1);
    }
    let total = CITIZENS as usize * SCRIPT.len();
    while latencies.len() < total {
        let sent = match tokio::time::timeout(Duration::from_secs(30), deliveries.recv()).await {
            Ok(Ok(sent)) => sent,
            _ => {
                println!("stalled after {} turns", latencies.len());
                break;
            }
        };
        if let Some(at) = pushed_at.remove(&sent.chat) {
            latencies.push(at.elapsed());
        }
        let Some(step) = next.get_mut(&sent.chat) else {
            continue;
        };
        if *step < SCRIPT.len() {
            pushed_at.insert(sent.chat, Instant::now());
            fake.send_text(sent.chat, SCRIPT[*step]);
            *step += 1;
        }
    }
    let elapsed = start.elapsed();
    latencies.sort();
    Figures {
        turns: latencies.len(),
        elapsed,
        latencies,
    }
}

async fn sportello_on_postgres(url: &str) -> Option<Figures> {
    let store = PgStore::connect(url)
        .await
        .map_err(|e| println!("connect: {e}"))
        .ok()?;
    store
        .import(&ContentFile::demo().unwrap_or_default())
        .await
        .ok()?;
    sportello(store.clone(), store).await
}

async fn sportello_in_memory() -> Option<Figures> {
    let content = MemoryContent::new(ContentFile::demo().unwrap_or_default());
    sportello(content, MemoryStore::new()).await
}

async fn sportello<C, S>(content: C, citizens: S) -> Option<Figures>
where
    C: ContentSource + 'static,
    S: CitizenStore + StaffDesk + Ballots + UpdateLog + Clone + 'static,
{
    let (dialogues, _) = dialogue::load(&dialogue::bundled_files());
    let conversation = Conversation::new(Arc::new(dialogues?), content, citizens);
    let fake = FakeTelegram::start().await;
    let config = TelegramConfig {
        token: "1:bench".into(),
        api_url: Some(fake.url.clone()),
        webhook_url: None,
        webhook_secret: None,
        listen: "127.0.0.1:0".parse().ok()?,
        max_in_flight: 64,
        // The fake has no limits to respect: measure the bot, not the pacing.
        limits: Limits::unlimited(),
        staff_group: None,
        arriving_after: None,
    };
    let (stop, stopped) = oneshot::channel::<()>();
    let bot = tokio::spawn(telegram::run(config, conversation, async move {
        let _ = stopped.await;
    }));
    let figures = drive(&fake).await;
    let _ = stop.send(());
    let _ = bot.await;
    Some(figures)
}

/// The turn alone (load, engine, content, commit), without Telegram or the fake: the
/// bot's own share of the latency. Each citizen's messages go one after the other; the
/// messages of all citizens are offered at `rate` turns per second (`None`: as fast as
/// `serve`'s 64 turns in flight allow).
async fn turns_alone(url: &str, base_chat: i64, rate: Option<u32>) -> Option<Vec<Duration>> {
    use sportello::engine::{Inbound, Input};
    use sportello::store::ChatKey;
    let store = PgStore::connect(url).await.ok()?;
    let (dialogues, _) = dialogue::load(&dialogue::bundled_files());
    let conversation = Arc::new(Conversation::new(
        Arc::new(dialogues?),
        store.clone(),
        store,
    ));
    let permits = Arc::new(tokio::sync::Semaphore::new(64));
    let start = tokio::time::Instant::now();
    let mut tasks = Vec::new();
    for citizen in 0..CITIZENS {
        let conversation = Arc::clone(&conversation);
        let permits = Arc::clone(&permits);
        tasks.push(tokio::spawn(async move {
            let key = ChatKey::new("bench", (base_chat + citizen).to_string());
            let mut times = Vec::new();
            for (step, text) in (0_i64..).zip(SCRIPT) {
                if let Some(rate) = rate {
                    // Turn `step` of every citizen, spread evenly over one round.
                    let slot = (step * CITIZENS + citizen) as f64 / f64::from(rate);
                    tokio::time::sleep_until(start + Duration::from_secs_f64(slot)).await;
                }
                let Ok(_permit) = permits.acquire().await else {
                    break;
                };
                let inbound = Inbound {
                    at: chrono::Utc::now(),
                    input: Input::from_text(text),
                };
                let began = Instant::now();
                let done = conversation.turn(&key, &inbound, Some("it")).await.is_ok();
                // Paced runs skip their first round: pool connections open, statements
                // get prepared.
                if done && (rate.is_none() || step > 0) {
                    times.push(began.elapsed());
                }
            }
            times
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap_or_default());
    }
    all.sort();
    Some(all)
}

async fn echo() -> Figures {
    let fake = FakeTelegram::start().await;
    let bot = Bot::new("1:echo").set_api_url(fake.url.clone());
    let handler = Update::filter_message().endpoint(|bot: Bot, message: Message| async move {
        let text = message.text().unwrap_or("…").to_owned();
        let _ = bot.send_message(message.chat.id, text).await;
        respond(())
    });
    let mut dispatcher = Dispatcher::builder(bot, handler).build();
    let token = dispatcher.shutdown_token();
    let running = tokio::spawn(async move { dispatcher.dispatch().await });
    let figures = drive(&fake).await;
    if let Ok(done) = token.shutdown() {
        done.await;
    }
    let _ = running.await;
    figures
}

fn main() {
    support::on_scratch_database("Telegram", |scratch| async move {
        println!(
            "{CITIZENS} citizens × {} messages, 2 cores, fake Bot API on loopback:",
            SCRIPT.len()
        );
        let echo = echo().await;
        echo.print("bare teloxide echo bot");
        if let Some(ours) = sportello_on_postgres(&scratch).await {
            ours.print("Sportello (PostgreSQL sessions)");
            println!("ratio Sportello / echo: {:.2}", ours.rate() / echo.rate());
        }
        if let Some(ours) = sportello_in_memory().await {
            ours.print("Sportello (in-memory store)");
            println!(
                "ratio in-memory Sportello / echo: {:.2} (the channel and engine alone)",
                ours.rate() / echo.rate()
            );
        }
        for (label, base_chat, rate) in [
            ("64 at once", 10_000_000, None),
            (
                "1,000 turns/s offered, after a 1 s warm-up",
                20_000_000,
                Some(1_000),
            ),
        ] {
            if let Some(turns) = turns_alone(&scratch, base_chat, rate).await {
                println!(
                    "one turn alone ({label}, PostgreSQL): {} turns, p50 {:.2} ms  p99 {:.2} ms",
                    turns.len(),
                    ms(percentile(&turns, 0.5)),
                    ms(percentile(&turns, 0.99)),
                );
            }
        }
    });
}
