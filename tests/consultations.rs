//! Consultations end to end against a real PostgreSQL: defined in a content file or
//! through the admin API, opened and closed by the scheduler, sent by the relay's real
//! senders to the fake Bot API (native polls) and the fake Cloud API (interactive
//! lists), answered through `poll`/`poll_answer` updates and signed WhatsApp webhooks,
//! one answer per citizen, results published.

/// The admin API's `/admin/consultations`.
#[path = "consultations/admin.rs"]
mod admin;
mod common;
/// Polls on the fake Bot API.
#[path = "consultations/telegram.rs"]
mod telegram;
/// Lists on the fake Cloud API.
#[path = "consultations/whatsapp.rs"]
mod whatsapp;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sportello::consultation::ballot::{Ballot, Choice, Counted, Target, Voter};
use sportello::content::{ContentFile, Vocabulary};
use sportello::dialogue::{self, Dialogues};
use sportello::relay::{ConsultationOptions, ConsultationsDone, WorkerConfig, run_consultations};
use sportello::store::pg::PgStore;
use sportello::store::{Ballots, ChatKey};
use sqlx::PgPool;

pub const QUESTION: &str = "Quale orario preferisci per lo sportello?";
pub const CHANNEL: &str = "@sportello_notizie";

pub fn dialogues() -> Arc<Dialogues> {
    let (dialogues, report) = dialogue::load(&dialogue::bundled_files());
    match dialogues {
        Some(d) => Arc::new(d),
        None => panic!("{}", report.render_text()),
    }
}

pub async fn exec(pool: &PgPool, sql: &str) {
    if let Err(err) = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(pool)
        .await
    {
        panic!("{sql}: {err}");
    }
}

pub async fn scalar<T>(pool: &PgPool, sql: &str) -> T
where
    T: for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres> + Send + Unpin,
{
    match sqlx::query_scalar::<_, T>(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(pool)
        .await
    {
        Ok(value) => value,
        Err(err) => panic!("{sql}: {err}"),
    }
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339()
}

/// A content file with consultation `key` (options `options`, of `topics`), opened an
/// hour ago and closing in an hour.
pub fn content(key: &str, options: &[&str], topics: &[&str], anonymous: bool) -> String {
    let now = Utc::now();
    let list = |items: &[&str]| {
        items
            .iter()
            .map(|i| format!("\"{i}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "consultations:\n  - key: {key}\n    question: \"{QUESTION}\"\n    options: [{}]\n    topics: [{}]\n    opens_at: \"{}\"\n    closes_at: \"{}\"\n    anonymous: {anonymous}\n",
        list(options),
        list(topics),
        rfc3339(now - chrono::Duration::hours(1)),
        rfc3339(now + chrono::Duration::hours(1)),
    )
}

/// Imports `yaml`, checked against the bundled dialogues as `content import` does.
pub async fn import(store: &PgStore, yaml: &str) -> sportello::store::pg::ImportSummary {
    let vocabulary = Vocabulary::of(&dialogues());
    let content = match ContentFile::parse("consultations.yaml", yaml, &vocabulary) {
        Ok(content) => content,
        Err(errors) => panic!("{errors:?}"),
    };
    match store.import(&content).await {
        Ok(summary) => summary,
        Err(err) => panic!("import: {err}"),
    }
}

/// One pass of the scheduler.
pub async fn schedule(pool: &PgPool) -> ConsultationsDone {
    let options = ConsultationOptions {
        broadcast_to: vec![format!(" {CHANNEL} ")],
        ..ConsultationOptions::default()
    };
    match run_consultations(pool, &options).await {
        Ok(done) => done,
        Err(err) => panic!("scheduler: {err}"),
    }
}

/// Moves consultation `key`'s closing time to now (it opened an hour ago).
pub async fn time_is_up(pool: &PgPool, key: &str) {
    if let Err(err) = sqlx::query("UPDATE consultations SET closes_at = now() WHERE key = $1")
        .bind(key)
        .execute(pool)
        .await
    {
        panic!("{err}");
    }
}

/// Answers per option of consultation `key`, in the options' order.
pub async fn tally(pool: &PgPool, key: &str) -> Vec<i64> {
    let counts: Vec<i64> = match sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM consultation_votes v \
                  WHERE v.consultation_id = c.id AND v.option = i - 1) \
           FROM consultations c, generate_subscripts(c.options, 1) AS i \
          WHERE c.key = $1 ORDER BY i",
    )
    .bind(key)
    .fetch_all(pool)
    .await
    {
        Ok(counts) => counts,
        Err(err) => panic!("tally: {err}"),
    };
    counts
}

/// Waits (up to 30 s, then fails) until `check` holds.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    for _ in 0..300 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("never: {what}");
}

/// Waits until consultation `key`'s answers are `expected`.
pub async fn until_tally(pool: &PgPool, key: &str, expected: &[i64]) {
    eventually(&format!("{key} counts {expected:?}"), || async {
        tally(pool, key).await == expected
    })
    .await;
}

pub fn worker_config(name: &str) -> WorkerConfig {
    WorkerConfig {
        name: Some(name.to_owned()),
        batch: 100,
        concurrency: 8,
        lease: Duration::from_secs(30),
        poll: Duration::from_millis(50),
        backoff: Duration::from_millis(20),
        backoff_cap: Duration::from_millis(200),
        ..WorkerConfig::default()
    }
}

async fn id_of(pool: &PgPool, key: &str) -> i64 {
    match sqlx::query_scalar("SELECT id FROM consultations WHERE key = $1")
        .bind(key)
        .fetch_one(pool)
        .await
    {
        Ok(id) => id,
        Err(err) => panic!("{err}"),
    }
}

async fn vote(store: &PgStore, ballot: Ballot) -> Counted {
    match store.vote(&ballot).await {
        Ok(counted) => counted,
        Err(err) => panic!("vote: {err}"),
    }
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn opening_queues_the_question_once_for_the_subscribers_of_its_topics(pool: PgPool) {
    let store = PgStore::from_pool(pool.clone());
    exec(
        &pool,
        "INSERT INTO subscribers (channel, chat, topics, lang) VALUES
           ('telegram', '101', '{maturita}', 'it'), ('telegram', '102', '{universita}', 'en'),
           ('telegram', '103', '{concorsi}', 'it'), ('whatsapp', '393330000001', '{maturita}', 'it')",
    )
    .await;
    exec(
        &pool,
        "INSERT INTO subscribers (channel, chat, topics, status) VALUES ('telegram', '104', '{maturita}', 'blocked')",
    )
    .await;
    import(
        &store,
        &content(
            "orari",
            &["Mattina", "Pomeriggio"],
            &["maturita", "universita"],
            false,
        ),
    )
    .await;
    // Two replicas at once: one opens it, the other finds nothing to do.
    let (a, b) = tokio::join!(schedule(&pool), schedule(&pool));
    let mut opened = [a.opened, b.opened].concat();
    opened.sort();
    assert_eq!(opened, [("orari".to_owned(), 3)]);
    assert!(schedule(&pool).await.opened.is_empty(), "opened once");
    let rows: Vec<(String, String, String, Option<String>)> = match sqlx::query_as(
        "SELECT channel, recipient, lang, payload FROM outbox WHERE kind = 'consultation' ORDER BY channel, recipient",
    )
    .fetch_all(&pool)
    .await
    {
        Ok(rows) => rows,
        Err(err) => panic!("{err}"),
    };
    let who: Vec<(&str, &str)> = rows
        .iter()
        .map(|(c, r, _, _)| (c.as_str(), r.as_str()))
        .collect();
    assert_eq!(
        who,
        [
            ("telegram", "101"),
            ("telegram", "102"),
            ("whatsapp", "393330000001")
        ]
    );
    // The words around the question, in each subscriber's language, with the privacy
    // notice of a named consultation.
    let payload = |i: usize| rows[i].3.clone().unwrap_or_default();
    assert!(payload(0).contains("non è anonima"), "{}", payload(0));
    assert!(payload(1).contains("not anonymous"), "{}", payload(1));
    assert!(payload(2).contains(QUESTION), "{}", payload(2));
    let status: String = scalar(&pool, "SELECT status FROM consultations").await;
    assert_eq!(status, "open");
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn closing_cancels_questions_not_sent_and_one_past_its_time_is_never_sent(pool: PgPool) {
    let store = PgStore::from_pool(pool.clone());
    exec(
        &pool,
        "INSERT INTO subscribers (channel, chat, topics) VALUES ('telegram', '101', '{maturita}')",
    )
    .await;
    import(
        &store,
        &content("orari", &["Sì", "No"], &["maturita"], true),
    )
    .await;
    schedule(&pool).await;
    time_is_up(&pool, "orari").await;
    let done = schedule(&pool).await;
    // Nobody got the question: only the channel hears the results.
    assert_eq!(done.closed, [("orari".to_owned(), 1)]);
    let cancelled: i64 = scalar(
        &pool,
        "SELECT count(*) FROM outbox WHERE kind = 'consultation' AND status = 'cancelled'",
    )
    .await;
    assert_eq!(cancelled, 1);
    let to_channel: String = scalar(
        &pool,
        "SELECT payload FROM outbox WHERE kind = 'consultation_results' AND recipient = '@sportello_notizie'",
    )
    .await;
    assert!(
        to_channel.starts_with("📊 <b>Risultati della consultazione «"),
        "{to_channel}"
    );
    assert!(to_channel.contains("Nessuna risposta."), "{to_channel}");

    // Defined too late: closed without a message.
    let past = format!(
        "consultations:\n  - key: tardi\n    question: Q?\n    options: [Sì, No]\n    opens_at: \"{}\"\n    closes_at: \"{}\"\n",
        rfc3339(Utc::now() - chrono::Duration::hours(2)),
        rfc3339(Utc::now() - chrono::Duration::hours(1)),
    );
    import(&store, &past).await;
    let done = schedule(&pool).await;
    assert_eq!(done.opened, [("tardi".to_owned(), 0)]);
    let (status, sent): (String, Option<DateTime<Utc>>) =
        match sqlx::query_as("SELECT status, sent_at FROM consultations WHERE key = 'tardi'")
            .fetch_one(&pool)
            .await
        {
            Ok(row) => row,
            Err(err) => panic!("{err}"),
        };
    assert_eq!((status.as_str(), sent), ("closed", None));
    assert!(schedule(&pool).await.closed.is_empty(), "no results for it");
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn answers_count_once_per_voter_only_while_open_and_only_as_declared(pool: PgPool) {
    let store = PgStore::from_pool(pool.clone());
    // Asked of everybody: every subscriber of some topic, not one who left them all.
    exec(
        &pool,
        "INSERT INTO subscribers (channel, chat, topics) VALUES
           ('telegram', '101', '{concorsi}'), ('telegram', '102', '{}')",
    )
    .await;
    import(&store, &content("anonima", &["Sì", "No"], &[], true)).await;
    import(&store, &content("nominale", &["Sì", "No"], &[], false)).await;
    let opened = schedule(&pool).await.opened;
    assert_eq!(
        opened,
        [("anonima".to_owned(), 1), ("nominale".to_owned(), 1)]
    );
    let anonymous = id_of(&pool, "anonima").await;
    let named = id_of(&pool, "nominale").await;
    let citizen = ChatKey::new("whatsapp", "393330000001");
    let ballot = |id: i64, voter: Voter, choice: Choice| Ballot {
        target: Target::Consultation(id),
        voter,
        choice,
    };
    let token = || Voter::Ballot("ballot:abc".into());
    let named_voter = || Voter::Citizen(citizen.clone());

    let first = vote(&store, ballot(anonymous, token(), Choice::Option(1))).await;
    assert!(
        matches!(
            first,
            Counted::Recorded {
                option: 1,
                changed: false,
                ..
            }
        ),
        "{first:?}"
    );
    let again = vote(&store, ballot(anonymous, token(), Choice::Option(0))).await;
    assert!(
        matches!(
            again,
            Counted::Recorded {
                option: 0,
                changed: true,
                ..
            }
        ),
        "{again:?}"
    );
    assert_eq!(tally(&pool, "anonima").await, [1, 0], "one answer, changed");

    // A named voter for an anonymous consultation (or the other way round), an option
    // it does not have, an unknown poll: nothing counted.
    for refused in [
        ballot(anonymous, named_voter(), Choice::Option(0)),
        ballot(named, token(), Choice::Option(0)),
        ballot(named, named_voter(), Choice::Option(2)),
    ] {
        assert_eq!(vote(&store, refused).await, Counted::Refused);
    }
    let unknown = Ballot {
        target: Target::Poll("nope".into()),
        voter: token(),
        choice: Choice::Option(0),
    };
    assert_eq!(vote(&store, unknown).await, Counted::Unknown);

    assert!(matches!(
        vote(&store, ballot(named, named_voter(), Choice::Option(1))).await,
        Counted::Recorded { .. }
    ));
    let voter: String = scalar(
        &pool,
        "SELECT voter FROM consultation_votes v JOIN consultations c ON c.id = v.consultation_id WHERE c.key = 'nominale'",
    )
    .await;
    assert_eq!(voter.len(), 64, "a keyed hash: {voter}");
    assert!(!voter.contains("393330000001"));
    // The anonymous answer keeps only its day.
    let at: DateTime<Utc> = scalar(
        &pool,
        "SELECT v.at FROM consultation_votes v JOIN consultations c ON c.id = v.consultation_id WHERE c.key = 'anonima'",
    )
    .await;
    assert_eq!(at.timestamp() % 86_400, 0, "{at}");

    // Its closing time passed, though the scheduler has not closed it yet.
    time_is_up(&pool, "anonima").await;
    let late = vote(&store, ballot(anonymous, token(), Choice::Option(1))).await;
    assert!(matches!(late, Counted::Closed { .. }), "{late:?}");
    assert_eq!(tally(&pool, "anonima").await, [1, 0]);
    schedule(&pool).await;
    let closed = vote(&store, ballot(anonymous, token(), Choice::Retract)).await;
    assert!(matches!(closed, Counted::Closed { .. }), "{closed:?}");

    // Erasure takes the named answer, and leaves the anonymous one (which leads to no one).
    let export = match store.export_citizen(&citizen).await {
        Ok(export) => export,
        Err(err) => panic!("{err}"),
    };
    assert_eq!(export.votes.len(), 1);
    assert_eq!(export.votes[0]["answer"], "No");
    assert_eq!(export.votes[0]["consultation"], "nominale");
    let receipt = match sportello::store::CitizenStore::erase(&store, &citizen).await {
        Ok(receipt) => receipt,
        Err(err) => panic!("{err}"),
    };
    assert_eq!(receipt.votes, 1);
    assert!(receipt.found());
    assert_eq!(tally(&pool, "nominale").await, [0, 0]);
    assert_eq!(tally(&pool, "anonima").await, [1, 0]);
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn importing_again_changes_a_consultation_until_it_is_sent_and_export_keeps_it(pool: PgPool) {
    let store = PgStore::from_pool(pool.clone());
    let first = content("orari", &["Mattina", "Pomeriggio"], &["maturita"], true);
    let summary = import(&store, &first).await;
    assert_eq!((summary.added, summary.changed), (1, 0));
    let exported = match store.export().await {
        Ok(content) => content,
        Err(err) => panic!("{err}"),
    };
    assert_eq!(exported.consultations.len(), 1);
    let yaml = exported.to_yaml().unwrap_or_default();
    assert_eq!(
        import(&store, &yaml).await.unchanged,
        1,
        "export re-imports as it is"
    );

    let changed = first.replace("Pomeriggio", "Sera");
    assert_eq!(import(&store, &changed).await.changed, 1);
    schedule(&pool).await;
    let summary = import(&store, &first).await;
    assert_eq!(summary.kept, ["orari"], "sent: left as it was");
    let options: Vec<String> = scalar(&pool, "SELECT options FROM consultations").await;
    assert_eq!(options, ["Mattina", "Sera"]);
}

#[test]
fn content_files_check_consultations_where_they_are_written() {
    let yaml = "consultations:\n  - key: orari\n    question: Quale orario?\n    options: [Mattina]\n    topics: [maturita, corsi]\n    opens_at: 2027-05-08 08:00\n    closes_at: 2027-05-01 08:00\n";
    let errors = match ContentFile::parse("c.yaml", yaml, &Vocabulary::of(&dialogues())) {
        Ok(content) => panic!("accepted: {content:?}"),
        Err(errors) => errors,
    };
    let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        [
            "c.yaml:4:14: `options`: has 1 option(s); a consultation has 2 to 10",
            "c.yaml:5:13: `topics`: unknown topic `corsi`; the dialogues declare: concorsi, generale, maturita, universita",
            "c.yaml:7:16: `closes_at`: is not after opens_at",
        ]
    );
    let missing = "consultations:\n  - key: orari\n    question: Q?\n    options: [Sì, No]\n    opens_at: 2027-05-08 08:00\n";
    let errors = ContentFile::parse("c.yaml", missing, &Vocabulary::default())
        .err()
        .unwrap_or_default();
    assert!(
        errors.iter().any(|e| e.message.contains("closes_at")),
        "{errors:?}"
    );
}
