//! A spike: more citizens writing at once than the shared Telegram limit lets through.
//! The bot against the fake Bot API at one message a second overall, so replies wait:
//! a waiting citizen sees "typing…" before the reply, a citizen answered at once does
//! not, and a wait past the threshold brings the `fallback.arriving` notice once,
//! ahead of the reply. Nothing here asserts a duration: the tests wait for events.

mod common;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use common::bot::Running;
use common::fake_telegram::{Call, FakeTelegram};
use sportello::channel::telegram::{Limits, TelegramConfig};
use sportello::content::ContentFile;
use sportello::conversation::Conversation;
use sportello::dialogue::{self, Dialogues};
use sportello::store::pg::PgStore;
use sqlx::PgPool;

/// The override staff wrote for the notice in the tests' dialogues.
const ARRIVING: &str = "Tanti messaggi: la risposta arriva!";

fn bundled() -> Arc<Dialogues> {
    let (dialogues, report) = dialogue::load(&dialogue::bundled_files());
    match dialogues {
        Some(d) => Arc::new(d),
        None => panic!("{}", report.render_text()),
    }
}

/// The bundled dialogues with staff's own `fallback.arriving`.
fn with_arriving_override() -> Arc<Dialogues> {
    let dir = common::bundled_copy();
    let path = dir.path().join("sportello.yaml");
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("the bundled settings: {e}"));
    let edited = text.replacen(
        "\nfallback:\n",
        &format!("\nfallback:\n  arriving: {{ it: \"{ARRIVING}\" }}\n"),
        1,
    );
    assert_ne!(edited, text, "the settings have a fallback");
    std::fs::write(&path, edited).unwrap_or_else(|e| panic!("the edited settings: {e}"));
    common::load(dir.path())
}

/// The bot at one message a second overall, the notice after `arriving_after`.
async fn start(
    pool: &PgPool,
    fake: &FakeTelegram,
    dialogues: Arc<Dialogues>,
    arriving_after: Option<Duration>,
) -> Running {
    let store = PgStore::from_pool(pool.clone());
    let demo = ContentFile::demo().unwrap_or_else(|e| panic!("the demo content: {e:?}"));
    if let Err(err) = store.import(&demo).await {
        panic!("the demo content: {err}");
    }
    let config = TelegramConfig {
        limits: Limits::with_rate(1),
        arriving_after,
        ..fake.bot_config(None)
    };
    let conversation = Conversation::new(dialogues, store.clone(), store);
    common::bot::start(config, conversation)
}

fn chat_of(call: &Call) -> Option<i64> {
    call.body.get("chat_id").and_then(serde_json::Value::as_i64)
}

/// What each chat got, in order, with the call's place among all calls: `typing` for
/// a chat action, else the message's text.
fn per_chat(fake: &FakeTelegram) -> HashMap<i64, Vec<(usize, String)>> {
    let mut chats: HashMap<i64, Vec<(usize, String)>> = HashMap::new();
    for (at, call) in fake.calls().into_iter().enumerate() {
        let Some(chat) = chat_of(&call) else {
            continue;
        };
        let what = match call.method.as_str() {
            "sendchataction" => {
                assert_eq!(call.body["action"], "typing");
                "typing".to_owned()
            }
            "sendmessage" => call.body["text"].as_str().unwrap_or_default().to_owned(),
            _ => continue,
        };
        chats.entry(chat).or_default().push((at, what));
    }
    chats
}

/// Only what a chat got, in order.
fn got(chats: &HashMap<i64, Vec<(usize, String)>>, chat: i64) -> Vec<&str> {
    chats[&chat].iter().map(|(_, what)| what.as_str()).collect()
}

/// `chats` each write `text` at once; returns when each has `count` replies in all.
async fn crowd(fake: &FakeTelegram, chats: &[i64], text: &str, count: usize) {
    for chat in chats {
        fake.send_text(*chat, text);
    }
    for chat in chats {
        // A notice is a message too: wait for the replies themselves.
        let mut messages = count;
        loop {
            let got = fake.wait_for(*chat, messages).await;
            let notices = got.iter().filter(|m| m.text == ARRIVING).count();
            if got.len() - notices >= count {
                break;
            }
            messages = count + notices;
        }
    }
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn a_waiting_citizen_sees_typing_before_the_reply(pool: PgPool) {
    let fake = FakeTelegram::start().await;
    let bot = start(&pool, &fake, bundled(), None).await;

    // Alone: the reply takes the free slot at once.
    fake.send_text(1, "/start");
    fake.wait_for(1, 1).await;
    // Five at once, one slot a second: all but perhaps the first wait for theirs.
    let waiting = [11, 12, 13, 14, 15];
    crowd(&fake, &waiting, "/start", 1).await;
    bot.stop().await;

    let chats = per_chat(&fake);
    let alone = got(&chats, 1);
    assert!(
        !alone.contains(&"typing"),
        "a reply that went at once shows no typing: {alone:?}"
    );
    let mut typed = 0;
    for chat in waiting {
        let got = got(&chats, chat);
        if got.contains(&"typing") {
            typed += 1;
            assert_eq!(got[0], "typing", "typing comes before the reply: {got:?}");
        }
        assert!(got.iter().any(|w| *w != "typing"), "{chat} got its reply");
    }
    assert!(
        typed >= waiting.len() - 1,
        "{typed} of the waiting saw typing"
    );
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn a_long_wait_brings_the_notice_once_before_the_reply(pool: PgPool) {
    let fake = FakeTelegram::start().await;
    let arriving_after = Some(Duration::from_millis(500));
    let bot = start(&pool, &fake, with_arriving_override(), arriving_after).await;

    fake.send_text(1, "/start");
    fake.wait_for(1, 1).await;
    let waiting = [21, 22, 23, 24, 25];
    crowd(&fake, &waiting, "/start", 1).await;
    // They write again, and wait again, within ten minutes: no second notice.
    let second_round = fake.calls().len();
    crowd(&fake, &waiting, "quando è la prima prova?", 2).await;
    bot.stop().await;

    let chats = per_chat(&fake);
    assert!(
        !got(&chats, 1).contains(&ARRIVING),
        "no notice to a citizen who did not wait: {:?}",
        got(&chats, 1)
    );
    let mut noticed = 0;
    for chat in waiting {
        let messages: Vec<&(usize, String)> =
            chats[&chat].iter().filter(|(_, w)| w != "typing").collect();
        let notices: Vec<usize> = messages
            .iter()
            .filter(|(_, w)| w == ARRIVING)
            .map(|(at, _)| *at)
            .collect();
        assert!(notices.len() <= 1, "{chat}: {messages:?}");
        if let Some(notice) = notices.first() {
            noticed += 1;
            // The reply it announces, in the same round, comes after it.
            let reply = messages.iter().find(|(at, w)| at > notice && w != ARRIVING);
            let same_round = |at: usize| (at < second_round) == (*notice < second_round);
            assert!(
                reply.is_some_and(|(at, _)| same_round(*at)),
                "{chat}: the notice comes before its reply: {messages:?}"
            );
        }
    }
    assert!(noticed >= 1, "a citizen who waited got the notice");
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}

#[test]
fn the_notice_has_built_in_texts_in_both_languages() {
    let d = bundled();
    let arriving = &d.settings.fallback.arriving;
    assert!(
        arriving
            .get("it", "it")
            .starts_with("Molte persone stanno scrivendo")
    );
    assert!(
        arriving
            .get("en", "it")
            .starts_with("Many people are writing")
    );
}
