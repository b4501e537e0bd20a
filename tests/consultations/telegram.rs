//! Consultations on Telegram: the relay's poll sender and the bot's update intake
//! against the fake Bot API, as an emulator would see them.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use sportello::channel::telegram::{BotApi, Limits, Pace};
use sportello::consultation::ballot::{Ballot, Choice, Counted, Target, Voter};
use sportello::conversation::Conversation;
use sportello::relay::{Paced, PollSender};
use sportello::store::pg::PgStore;
use sportello::store::{Ballots, ChatKey, CitizenStore};
use sqlx::PgPool;

use super::common::bot;
use super::common::fake_telegram::{FakeTelegram, Sent};
use super::common::worker::{Running, start};
use super::{
    CHANNEL, QUESTION, content, dialogues, eventually, exec, import, scalar, schedule, time_is_up,
    until_tally, worker_config,
};

/// The bot taking updates from the fake.
fn start_bot(fake: &FakeTelegram, store: &PgStore) -> bot::Running {
    let conversation = Conversation::new(dialogues(), store.clone(), store.clone());
    bot::start(fake.bot_config(None), conversation)
}

/// The relay's Telegram worker against the fake.
fn relay(fake: &FakeTelegram, store: &PgStore) -> Running {
    let api = match BotApi::new(
        "123456:TEST",
        Some(&fake.url),
        Duration::from_secs(5),
        false,
    ) {
        Ok(api) => api,
        Err(err) => panic!("{err}"),
    };
    let paced = Paced::new(api, Arc::new(Pace::new(Limits::unlimited())));
    start(
        store.pool(),
        PollSender::new(paced, store.clone()),
        worker_config("telegram"),
    )
}

fn texts(sent: &[Sent]) -> Vec<String> {
    sent.iter().map(|s| s.text.clone()).collect()
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn an_anonymous_poll_counts_each_citizen_once_and_its_results_reach_them_and_the_channel(
    pool: PgPool,
) {
    let fake = FakeTelegram::start().await;
    let store = PgStore::from_pool(pool.clone());
    exec(
        &pool,
        "INSERT INTO subscribers (channel, chat, topics) VALUES
           ('telegram', '101', '{maturita}'), ('telegram', '102', '{universita,maturita}'),
           ('telegram', '103', '{concorsi}')",
    )
    .await;
    import(
        &store,
        &content("orari", &["Mattina", "Pomeriggio"], &["maturita"], true),
    )
    .await;
    assert_eq!(schedule(&pool).await.opened, [("orari".to_owned(), 2)]);
    let bot = start_bot(&fake, &store);
    let worker = relay(&fake, &store);

    let polls = fake.wait_for_polls(2).await;
    let to: BTreeSet<&str> = polls.iter().map(|p| p.to.as_str()).collect();
    assert_eq!(
        to,
        ["101", "102"].into(),
        "the subscribers of its topics only"
    );
    assert!(polls.iter().all(|p| p.question == QUESTION && p.anonymous));
    let call = &fake.calls_of("sendPoll")[0].body;
    assert_eq!(
        call["options"],
        json!([{ "text": "Mattina" }, { "text": "Pomeriggio" }])
    );
    assert_eq!(call["is_anonymous"], json!(true));
    assert_eq!(call["allows_multiple_answers"], json!(false));
    assert!(
        fake.sent_to(101).is_empty(),
        "an anonymous poll goes alone: {:?}",
        fake.sent_to(101)
    );
    // The bot asks Telegram for the updates that carry the answers.
    let polled = fake.wait_for_calls("getUpdates", 1).await;
    let allowed: Vec<Value> = polled[0].body["allowed_updates"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        allowed.contains(&json!("poll")) && allowed.contains(&json!("poll_answer")),
        "{allowed:?}"
    );

    let poll_of = |chat: &str| {
        polls
            .iter()
            .find(|p| p.to == chat)
            .map(|p| p.poll_id.clone())
            .unwrap_or_default()
    };
    let (first, second) = (poll_of("101"), poll_of("102"));
    fake.vote(&first, Some(0));
    fake.vote(&second, Some(1));
    until_tally(&pool, "orari", &[1, 1]).await;
    // A change of mind, and an answer taken back then given again.
    fake.vote(&second, Some(0));
    until_tally(&pool, "orari", &[2, 0]).await;
    fake.vote(&first, None);
    until_tally(&pool, "orari", &[1, 0]).await;
    fake.vote(&first, Some(1));
    until_tally(&pool, "orari", &[1, 1]).await;

    // The answers name their polls, and nothing ties a poll to its chat.
    let voters: Vec<String> =
        match sqlx::query_scalar("SELECT voter FROM consultation_votes ORDER BY voter")
            .fetch_all(&pool)
            .await
        {
            Ok(voters) => voters,
            Err(err) => panic!("{err}"),
        };
    let mut expected = vec![first.clone(), second.clone()];
    expected.sort();
    assert_eq!(voters, expected);
    let columns: Vec<String> = match sqlx::query_scalar(
        "SELECT column_name::text FROM information_schema.columns WHERE table_name = 'consultation_polls' ORDER BY 1",
    )
    .fetch_all(&pool)
    .await
    {
        Ok(columns) => columns,
        Err(err) => panic!("{err}"),
    };
    assert_eq!(columns, ["consultation_id", "poll_id"]);
    let linked: i64 = scalar(
        &pool,
        &format!(
            "SELECT count(*) FROM outbox WHERE message_id IN ('{first}', '{second}') OR payload LIKE '%{first}%'"
        ),
    )
    .await;
    assert_eq!(linked, 0);

    time_is_up(&pool, "orari").await;
    assert_eq!(
        schedule(&pool).await.closed,
        [("orari".to_owned(), 3)],
        "two subscribers and the channel"
    );
    fake.wait_for(101, 1).await;
    fake.wait_for(102, 1).await;
    let stopped = fake.wait_for_calls("stopPoll", 2).await;
    assert!(stopped.iter().all(|c| c.status == 200), "{stopped:?}");
    assert!(fake.polls().iter().all(|p| p.closed));
    let results = texts(&fake.sent_to(101)).join("\n");
    assert!(
        results.starts_with(
            "📊 <b>Risultati della consultazione «Quale orario preferisci per lo sportello?»</b>"
        ),
        "{results}"
    );
    assert!(
        results.contains("• Mattina — 1 (50%)\n• Pomeriggio — 1 (50%)"),
        "{results}"
    );
    assert!(results.contains("2 risposte in tutto."), "{results}");
    eventually("the channel's results", || async {
        !fake.sent_to_name(CHANNEL).is_empty()
    })
    .await;
    assert_eq!(
        texts(&fake.sent_to_name(CHANNEL)),
        texts(&fake.sent_to(102))
    );
    assert!(fake.sent_to(103).is_empty() && fake.polls_to("103").is_empty());

    // Too late: the poll's own closing update and any later answer change nothing.
    let late = store
        .vote(&Ballot {
            target: Target::Poll(first.clone()),
            voter: Voter::Ballot(first.clone()),
            choice: Choice::Option(0),
        })
        .await;
    assert!(matches!(late, Ok(Counted::Closed { .. })), "{late:?}");
    assert_eq!(super::tally(&pool, "orari").await, [1, 1]);
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
    worker.stop().await;
    bot.stop().await;
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn a_named_poll_comes_after_the_privacy_notice_and_its_answers_are_the_citizens(
    pool: PgPool,
) {
    let fake = FakeTelegram::start().await;
    let store = PgStore::from_pool(pool.clone());
    exec(
        &pool,
        "INSERT INTO subscribers (channel, chat, topics) VALUES ('telegram', '201', '{maturita}')",
    )
    .await;
    import(
        &store,
        &content("orari", &["Mattina", "Pomeriggio"], &["maturita"], false),
    )
    .await;
    schedule(&pool).await;
    let bot = start_bot(&fake, &store);
    let worker = relay(&fake, &store);
    let polls = fake.wait_for_polls(1).await;
    assert!(!polls[0].anonymous);
    let notice = fake.wait_for(201, 1).await;
    assert!(
        notice[0].text.contains("non è anonima"),
        "{}",
        notice[0].text
    );
    // The notice came first.
    let calls = fake.calls();
    let position = |method: &str| calls.iter().position(|c| c.method == method);
    assert!(position("sendmessage") < position("sendpoll"), "{calls:?}");

    let poll = polls[0].poll_id.clone();
    fake.answer_poll(&poll, 201, &[1]);
    until_tally(&pool, "orari", &[0, 1]).await;
    fake.answer_poll(&poll, 201, &[]);
    until_tally(&pool, "orari", &[0, 0]).await;
    fake.answer_poll(&poll, 201, &[0]);
    until_tally(&pool, "orari", &[1, 0]).await;
    let voter: String = scalar(&pool, "SELECT voter FROM consultation_votes").await;
    assert_eq!(voter.len(), 64, "a keyed hash, never the chat: {voter}");

    time_is_up(&pool, "orari").await;
    schedule(&pool).await;
    let results = fake.wait_for(201, 2).await;
    assert!(
        results[1].text.contains("• Mattina — 1 (100%)"),
        "{}",
        results[1].text
    );
    // An answer after the close is told it did not count.
    fake.answer_poll(&poll, 201, &[1]);
    let told = fake.wait_for(201, 3).await;
    assert!(told[2].text.contains("è chiusa"), "{}", told[2].text);
    assert_eq!(super::tally(&pool, "orari").await, [1, 0]);

    // Erasing the citizen's data takes their answer.
    let key = ChatKey::new("telegram", "201");
    let export = match store.export_citizen(&key).await {
        Ok(export) => export,
        Err(err) => panic!("{err}"),
    };
    assert_eq!(export.votes.len(), 1, "{:?}", export.votes);
    let receipt = match store.erase(&key).await {
        Ok(receipt) => receipt,
        Err(err) => panic!("{err}"),
    };
    assert_eq!(receipt.votes, 1);
    assert_eq!(super::tally(&pool, "orari").await, [0, 0]);
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
    worker.stop().await;
    bot.stop().await;
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn serve_opens_sends_counts_and_closes_a_consultation_on_its_own(pool: PgPool) {
    let fake = FakeTelegram::start().await;
    let store = PgStore::from_pool(pool.clone());
    exec(
        &pool,
        "INSERT INTO subscribers (channel, chat, topics) VALUES ('telegram', '301', '{maturita}')",
    )
    .await;
    import(
        &store,
        &content("orari", &["Sì", "No"], &["maturita"], true),
    )
    .await;
    let serve = super::common::serve::start_serve(&pool, &fake);
    let polls = fake.wait_for_polls(1).await;
    assert_eq!(polls[0].to, "301");
    fake.vote(&polls[0].poll_id, Some(1));
    until_tally(&pool, "orari", &[0, 1]).await;
    time_is_up(&pool, "orari").await;
    let results = fake.wait_for(301, 1).await;
    assert!(
        results[0].text.contains("• No — 1 (100%)"),
        "{}",
        results[0].text
    );
    let status: String = scalar(&pool, "SELECT status FROM consultations").await;
    assert_eq!(status, "closed");
    super::common::serve::stop(serve).await;
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}
