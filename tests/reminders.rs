//! Reminders end to end on a real PostgreSQL: a citizen taps «🔔 Ricordamelo» in the
//! bundled dialogues, the scheduler (driven with an explicit clock, so a test can stand
//! on either side of a daylight-saving change) turns the due reminder into an outbox
//! row, and the relay worker sends it to the fake Bot API. Moved and deleted events,
//! a bot that was down, erasure, export and two schedulers at once.

mod common;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use common::at;
use common::fake_telegram::FakeTelegram;
use sportello::channel::telegram::{Limits, Pace};
use sportello::content::ContentFile;
use sportello::conversation::Conversation;
use sportello::dialogue::{self, Dialogues, Live};
use sportello::engine::{Inbound, Input, Turn};
use sportello::relay::{self, Paced, ReminderPass, TelegramSender, Worker, WorkerConfig};
use sportello::store::pg::PgStore;
use sportello::store::{ChatKey, CitizenStore};
use sqlx::PgPool;

const CHAT: i64 = 4242;

fn dialogues() -> Arc<Dialogues> {
    let (dialogues, report) = dialogue::load(&dialogue::bundled_files());
    match dialogues {
        Some(d) => Arc::new(d),
        None => panic!("{}", report.render_text()),
    }
}

/// The medicine admission test on `starts_at` (Italian time as written).
fn calendar(starts_at: &str) -> ContentFile {
    let yaml = format!(
        "events:\n  - key: medicina-2027\n    category: ammissione-medicina\n    title: Test di Medicina\n    starts_at: {starts_at}\n    place: nella sede scelta\n"
    );
    ContentFile::parse("calendario.yaml", &yaml, &Default::default())
        .unwrap_or_else(|e| panic!("{e:?}"))
}

fn no_events() -> ContentFile {
    ContentFile::parse("calendario.yaml", "events: []\n", &Default::default())
        .unwrap_or_else(|e| panic!("{e:?}"))
}

struct Bench {
    store: PgStore,
    live: Live,
    conversation: Conversation<PgStore, PgStore>,
    key: ChatKey,
}

impl Bench {
    async fn new(pool: &PgPool, content: &ContentFile) -> Bench {
        let store = PgStore::from_pool(pool.clone());
        if let Err(err) = store.import(content).await {
            panic!("import: {err}");
        }
        let live = Live::new(dialogues(), None);
        Bench {
            conversation: Conversation::new(live.clone(), store.clone(), store.clone()),
            store,
            live,
            key: ChatKey::new("telegram", CHAT.to_string()),
        }
    }

    async fn turn(&self, input: Input, now: DateTime<Utc>) -> Turn {
        let inbound = Inbound { at: now, input };
        match self
            .conversation
            .turn(&self.key, &inbound, Some("it"))
            .await
        {
            Ok(turn) => turn,
            Err(err) => panic!("turn failed: {err}"),
        }
    }

    /// Asks for the medicine test and taps «🔔 Ricordamelo»; what the bot said.
    async fn ask_to_be_reminded(&self, now: DateTime<Utc>) -> String {
        let dates = self
            .turn(Input::from_text("quando è il test di medicina?"), now)
            .await;
        let Some(button) = dates
            .replies
            .iter()
            .flat_map(|r| &r.buttons)
            .find(|b| b.label.contains("Ricordamelo"))
        else {
            panic!(
                "no «Ricordamelo» next to the date: {}",
                common::said(&dates)
            );
        };
        common::said(&self.turn(Input::Button(button.payload.clone()), now).await)
    }

    async fn pass(&self, now: &str) -> ReminderPass {
        match relay::remind_due(&self.store, &self.live, at(now)).await {
            Ok(pass) => pass,
            Err(err) => panic!("scheduler: {err}"),
        }
    }

    /// The citizen's reminders still to come.
    async fn listed(&self) -> Vec<sportello::reminder::Reminder> {
        self.store
            .reminders(&self.key)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// The reminder messages queued for the citizen, oldest first.
    async fn queued(&self, pool: &PgPool) -> Vec<String> {
        sqlx::query_scalar(
            "SELECT payload FROM outbox WHERE kind = 'reminder' AND recipient = $1 ORDER BY id",
        )
        .bind(&self.key.chat)
        .fetch_all(pool)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
    }
}

async fn count(pool: &PgPool, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

fn telegram_worker(pool: &PgPool, fake: &FakeTelegram) -> Worker<Paced<TelegramSender>> {
    let telegram = TelegramSender::new(
        "123456:TEST",
        Some(&fake.url),
        Duration::from_secs(5),
        false,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let sender = Paced::new(telegram, Arc::new(Pace::new(Limits::unlimited())));
    Worker::new(pool.clone(), sender, WorkerConfig::default())
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn the_day_before_at_nine_holds_across_the_change_to_summer_time(pool: PgPool) {
    // The test is on Monday 29 March 2027 at 9:00, the day after clocks go forward.
    let bench = Bench::new(&pool, &calendar("2027-03-29T09:00:00+02:00")).await;
    let said = bench.ask_to_be_reminded(at("2027-03-20T10:00:00Z")).await;
    assert!(said.contains("Ti manderò un promemoria"), "{said}");
    assert!(said.contains("domenica 28 marzo 2027, ore 9:00"), "{said}");

    // 08:59 in Rome (06:59 UTC, summer time since 02:00): not yet.
    assert_eq!(bench.pass("2027-03-28T06:59:00Z").await.sent, 0);
    assert!(bench.queued(&pool).await.is_empty());
    // 09:00 in Rome: sent, once.
    assert_eq!(bench.pass("2027-03-28T07:00:00Z").await.sent, 1);
    assert_eq!(
        bench.pass("2027-03-28T07:05:00Z").await,
        ReminderPass::default()
    );
    let queued = bench.queued(&pool).await;
    assert_eq!(queued.len(), 1, "{queued:?}");
    assert!(queued[0].contains("Promemoria"), "{}", queued[0]);
    assert!(
        queued[0].contains("lunedì 29 marzo 2027, ore 9:00"),
        "{}",
        queued[0]
    );

    // The relay sends it like any other outbox row.
    let fake = FakeTelegram::start().await;
    let worker = telegram_worker(&pool, &fake);
    assert_eq!(worker.run_once().await.ok(), Some(1));
    let sent = fake.wait_for(CHAT, 1).await;
    assert!(
        sent[0].text.contains("Test di Medicina"),
        "{}",
        sent[0].text
    );

    // Sent reminders are no longer listed.
    let listed = bench.listed().await;
    assert!(listed.is_empty(), "{listed:?}");
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn a_moved_event_moves_its_reminder_and_tells_the_citizen_once(pool: PgPool) {
    let bench = Bench::new(&pool, &calendar("2027-09-02T11:00:00+02:00")).await;
    bench.ask_to_be_reminded(at("2027-08-01T10:00:00Z")).await;

    // The ministry moves the test a week later: the import changes the date.
    if let Err(err) = bench
        .store
        .import(&calendar("2027-09-09T11:00:00+02:00"))
        .await
    {
        panic!("{err}");
    }
    let pass = bench.pass("2027-08-02T10:00:00Z").await;
    assert_eq!((pass.moved, pass.sent), (1, 0), "{pass:?}");
    let queued = bench.queued(&pool).await;
    assert_eq!(queued.len(), 1, "{queued:?}");
    assert!(queued[0].contains("è stata spostata"), "{}", queued[0]);
    assert!(
        queued[0].contains("giovedì 9 settembre 2027, ore 11:00"),
        "{}",
        queued[0]
    );
    assert!(
        queued[0].contains("mercoledì 8 settembre 2027, ore 9:00"),
        "{}",
        queued[0]
    );
    // Told once: the next pass says nothing.
    assert_eq!(
        bench.pass("2027-08-02T10:01:00Z").await,
        ReminderPass::default()
    );
    let listed = bench.listed().await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].remind_at, at("2027-09-08T07:00:00Z"));

    // The old due time passes quietly; the new one sends the reminder.
    assert_eq!(bench.pass("2027-09-01T07:30:00Z").await.sent, 0);
    assert_eq!(bench.pass("2027-09-08T07:00:00Z").await.sent, 1);
    assert_eq!(bench.queued(&pool).await.len(), 2);
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn a_deleted_event_cancels_its_reminder_and_tells_the_citizen_once(pool: PgPool) {
    let bench = Bench::new(&pool, &calendar("2027-09-02T11:00:00+02:00")).await;
    bench.ask_to_be_reminded(at("2027-08-01T10:00:00Z")).await;

    // A whole-calendar import without the test deletes it.
    let summary = bench
        .store
        .import_calendar(&no_events(), true)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(summary.removed, 1);
    let pass = bench.pass("2027-08-02T10:00:00Z").await;
    assert_eq!(pass.cancelled, 1, "{pass:?}");
    let queued = bench.queued(&pool).await;
    assert_eq!(queued.len(), 1, "{queued:?}");
    assert!(
        queued[0].contains("non è più in calendario"),
        "{}",
        queued[0]
    );
    assert_eq!(
        bench.pass("2027-09-01T08:00:00Z").await,
        ReminderPass::default()
    );
    assert_eq!(bench.queued(&pool).await.len(), 1);

    let listing = common::said(
        &bench
            .turn(Input::from_text("/promemoria"), at("2027-08-03T10:00:00Z"))
            .await,
    );
    assert!(listing.contains("Non hai promemoria"), "{listing}");
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn a_reminder_due_while_the_bot_was_down_goes_late_if_still_useful(pool: PgPool) {
    let bench = Bench::new(&pool, &calendar("2027-09-02T11:00:00+02:00")).await;
    bench.ask_to_be_reminded(at("2027-08-01T10:00:00Z")).await;
    // Due 1 September at 9:00; the bot comes back at 18:00, before the test: sent.
    assert_eq!(bench.pass("2027-09-01T16:00:00Z").await.sent, 1);

    // Down until after the test started: dropped, nothing sent.
    let other = Bench {
        key: ChatKey::new("telegram", "777"),
        ..Bench::new_sharing(&bench)
    };
    other.ask_to_be_reminded(at("2027-08-01T10:00:00Z")).await;
    let pass = other.pass("2027-09-02T09:30:00Z").await;
    assert_eq!((pass.dropped, pass.sent), (1, 0), "{pass:?}");
    assert!(other.queued(&pool).await.is_empty());

    // Queued but the worker only came back after the event began: not sent either.
    sqlx::query(
        "UPDATE outbox SET expires_at = now() - interval '1 minute' WHERE kind = 'reminder'",
    )
    .execute(&pool)
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let fake = FakeTelegram::start().await;
    assert_eq!(telegram_worker(&pool, &fake).run_once().await.ok(), Some(1));
    assert!(fake.sent_to(CHAT).is_empty());
    let status: String =
        sqlx::query_scalar("SELECT last_error FROM outbox WHERE kind = 'reminder'")
            .fetch_one(&pool)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(status, "expired");
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn a_reminder_too_close_to_the_event_is_not_set(pool: PgPool) {
    let bench = Bench::new(&pool, &calendar("2027-09-02T11:00:00+02:00")).await;
    // The evening before: 9:00 that day has gone.
    let said = bench.ask_to_be_reminded(at("2027-09-01T18:00:00Z")).await;
    assert!(said.contains("troppo vicina"), "{said}");
    let listed = bench.listed().await;
    assert!(listed.is_empty(), "{listed:?}");
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn erasure_deletes_reminders_and_export_shows_them(pool: PgPool) {
    let bench = Bench::new(&pool, &calendar("2027-09-02T11:00:00+02:00")).await;
    bench.ask_to_be_reminded(at("2027-08-01T10:00:00Z")).await;
    let export = bench
        .store
        .export_citizen(&bench.key)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(export.reminders.len(), 1);
    assert_eq!(export.reminders[0]["event_key"], "medicina-2027");
    assert_eq!(export.reminders[0]["at_local"], "09:00");

    let receipt = bench
        .store
        .erase(&bench.key)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(receipt.reminders, 1);
    let left = count(&pool, "SELECT count(*) FROM reminders").await;
    assert_eq!(left, 0);
    assert_eq!(
        bench.pass("2027-09-01T08:00:00Z").await,
        ReminderPass::default()
    );
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn two_schedulers_at_once_send_each_reminder_once(pool: PgPool) {
    let bench = Bench::new(&pool, &calendar("2027-09-02T11:00:00+02:00")).await;
    for chat in 0..40 {
        let citizen = Bench {
            key: ChatKey::new("telegram", (10_000 + chat).to_string()),
            ..Bench::new_sharing(&bench)
        };
        citizen.ask_to_be_reminded(at("2027-08-01T10:00:00Z")).await;
    }
    let now = at("2027-09-01T07:00:00Z");
    let (a, b) = tokio::join!(
        relay::remind_due(&bench.store, &bench.live, now),
        relay::remind_due(&bench.store, &bench.live, now)
    );
    let sent = a.map(|p| p.sent).unwrap_or_else(|e| panic!("{e}"))
        + b.map(|p| p.sent).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sent, 40);
    let rows = count(
        &pool,
        "SELECT count(DISTINCT reminder_id) FROM outbox WHERE kind = 'reminder'",
    )
    .await;
    let all = count(&pool, "SELECT count(*) FROM outbox WHERE kind = 'reminder'").await;
    assert_eq!((rows, all), (40, 40));
}

impl Bench {
    /// Another citizen of the same bot and database.
    fn new_sharing(other: &Bench) -> Bench {
        Bench {
            store: other.store.clone(),
            live: other.live.clone(),
            conversation: Conversation::new(
                other.live.clone(),
                other.store.clone(),
                other.store.clone(),
            ),
            key: other.key.clone(),
        }
    }
}
