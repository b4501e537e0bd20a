//! The Telegram channel end to end: the bot's Bot API client against the fake Bot API
//! on loopback, with sessions and content in a real PostgreSQL.

mod common;

use std::future::Future;
use std::time::Duration;

use common::bot::Running;
use common::fake_telegram::{BOT_USERNAME, FakeTelegram, Fault, message_update};
use serde_json::json;
use sportello::channel::telegram::TelegramConfig;
use sportello::content::ContentFile;
use sportello::conversation::Conversation;
use sportello::dialogue;
use sportello::store::pg::PgStore;
use sqlx::PgPool;

/// A PostgreSQL store holding the demo content.
async fn store(pool: &PgPool) -> PgStore {
    let store = PgStore::from_pool(pool.clone());
    let demo = ContentFile::demo().unwrap_or_else(|e| panic!("demo content: {e:?}"));
    if let Err(err) = store.import(&demo).await {
        panic!("demo content: {err}");
    }
    store
}

/// The bot on the bundled dialogues, as `serve` runs it.
fn serve(config: TelegramConfig, store: &PgStore) -> Running {
    let (dialogues, report) = dialogue::load(&dialogue::bundled_files());
    let Some(dialogues) = dialogues else {
        panic!("{}", report.render_text())
    };
    let conversation =
        Conversation::new(std::sync::Arc::new(dialogues), store.clone(), store.clone());
    common::bot::start(config, conversation)
}

/// Webhook mode on a free loopback port with the secret `s3cret-token`; the config and
/// the webhook's URL.
fn webhook_config(fake: &FakeTelegram) -> (TelegramConfig, String) {
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
        probe.local_addr().map(|a| a.port()).unwrap_or_default()
    };
    let hook = format!("http://127.0.0.1:{port}/telegram/webhook");
    let mut config = fake.bot_config(None);
    config.webhook_url = Some(reqwest::Url::parse(&hook).unwrap_or_else(|e| panic!("{e}")));
    config.webhook_secret = Some("s3cret-token".into());
    config.listen = format!("127.0.0.1:{port}")
        .parse()
        .unwrap_or_else(|e| panic!("{e}"));
    (config, hook)
}

/// POSTs `update` to the webhook at `hook` (with `secret` in Telegram's header),
/// waiting for the listener to bind; the HTTP status.
async fn post_update(hook: &str, secret: Option<&str>, update: &serde_json::Value) -> Option<u16> {
    let client = reqwest::Client::new();
    for _ in 0..50 {
        let mut request = client.post(hook).json(update);
        if let Some(secret) = secret {
            request = request.header("X-Telegram-Bot-Api-Secret-Token", secret);
        }
        match request.send().await {
            Ok(response) => return Some(response.status().as_u16()),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    None
}

fn texts(sent: &[common::fake_telegram::Sent]) -> String {
    sent.iter()
        .map(|s| s.text.as_str())
        .collect::<Vec<_>>()
        .join("\n---\n")
}

async fn eventually<F, Fut>(mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    for _ in 0..150 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("condition never became true");
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn start_buttons_dates_and_the_faq(pool: PgPool) {
    let fake = FakeTelegram::start().await;
    fake.set_webhook("https://old.example.org/hook");
    let store = store(&pool).await;
    let bot = serve(fake.bot_config(None), &store);
    let chat = 8_123_456_789; // ids past 32 bits

    fake.send_text(chat, "/start");
    let sent = fake.wait_for(chat, 1).await;
    assert!(
        sent[0].text.contains("sportello digitale"),
        "{}",
        sent[0].text
    );
    let labels: Vec<&str> = sent[0].buttons.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(
        labels,
        [
            "🎓 Esame di Stato",
            "🏛 Test di ammissione",
            "📰 Notizie",
            "❓ Aiuto e contatti"
        ]
    );
    assert_eq!(
        sent[0].buttons[0].1, "main.menu#0",
        "callback data is the compact id, not the label"
    );

    // Pressing Maturità, then the calendar.
    fake.press(chat, "main.menu#0");
    let sent = fake.wait_for(chat, 2).await;
    assert!(
        sent[1].text.contains("Esame di Stato 2027"),
        "{}",
        sent[1].text
    );
    fake.wait_for_calls("answerCallbackQuery", 1).await;
    fake.press(chat, &sent[1].buttons[0].1);
    let sent = fake.wait_for(chat, 3).await;
    assert!(
        sent[2].text.contains("mercoledì 16 giugno 2027, ore 8:30"),
        "{}",
        sent[2].text
    );

    // Typed text: a number, then a question the FAQ answers.
    fake.send_text(chat, "quando esce il bando di medicina?");
    let sent = fake.wait_for(chat, 4).await;
    assert!(
        sent[3].text.contains("Il bando per i test di medicina"),
        "{}",
        sent[3].text
    );

    // The commands menu was published in each language.
    let commands = fake.calls_of("setMyCommands");
    let languages: Vec<Option<&str>> = commands
        .iter()
        .map(|c| c.body.get("language_code").and_then(|l| l.as_str()))
        .collect();
    assert_eq!(languages, [None, Some("it"), Some("en")]);
    assert!(
        commands[2].body["commands"]
            .to_string()
            .contains("Delete my data")
    );
    let methods: Vec<String> = fake.calls().into_iter().map(|c| c.method).collect();
    assert!(
        methods.contains(&"deletewebhook".to_owned()),
        "long polling removes any webhook first: {methods:?}"
    );
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
    bot.stop().await;
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn subscribing_persists_and_a_restart_continues_the_conversation(pool: PgPool) {
    let fake = FakeTelegram::start().await;
    let store = store(&pool).await;
    let chat = 42;
    let bot = serve(fake.bot_config(None), &store);
    fake.send_text(chat, "/notizie");
    fake.wait_for(chat, 1).await;
    fake.press(chat, "notizie.menu#0");
    fake.wait_for(chat, 2).await;
    fake.press(chat, "notizie.scegli#0");
    let sent = fake.wait_for(chat, 3).await;
    assert!(
        sent[2]
            .text
            .contains("Ora ricevi le notizie su: Esame di Stato"),
        "{}",
        texts(&sent)
    );
    let topics: Vec<String> = sqlx::query_scalar(
        "SELECT unnest(topics) FROM subscribers WHERE channel = 'telegram' AND chat = '42'",
    )
    .fetch_all(&pool)
    .await
    .unwrap_or_default();
    assert_eq!(topics, ["maturita"]);

    fake.send_text(chat, "/start maturita");
    fake.wait_for(chat, 4).await;
    bot.stop().await;

    // A new process: "2" means «Cosa portare» only if the Maturità menu was remembered.
    let bot = serve(fake.bot_config(None), &store);
    fake.send_text(chat, "2");
    let sent = fake.wait_for(chat, 5).await;
    assert!(
        sent[4].text.contains("documento d'identità"),
        "{}",
        texts(&sent)
    );
    bot.stop().await;
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn a_429_is_waited_out_and_the_reply_still_arrives(pool: PgPool) {
    let fake = FakeTelegram::start().await;
    let store = store(&pool).await;
    fake.inject("sendMessage", [Fault::TooManyRequests { retry_after: 1 }]);
    let bot = serve(fake.bot_config(None), &store);
    fake.send_text(7, "/start");
    let sent = fake.wait_for(7, 1).await;
    assert!(sent[0].text.contains("sportello digitale"));
    let sends = fake.calls_of("sendMessage");
    assert_eq!(
        sends.iter().map(|c| c.status).collect::<Vec<_>>(),
        [429, 200]
    );
    assert!(
        sends[1].at.duration_since(sends[0].at) >= Duration::from_secs(1),
        "retry_after respected"
    );
    bot.stop().await;
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn a_repeated_update_is_handled_once(pool: PgPool) {
    let fake = FakeTelegram::start().await;
    let store = store(&pool).await;
    // Both copies are queued before the bot polls, so they arrive in one batch.
    let update = json!({ "update_id": 500, "message": {
        "message_id": 1, "date": 1_800_000_000, "chat": { "id": 9, "type": "private", "first_name": "C" },
        "from": { "id": 9, "is_bot": false, "first_name": "C" }, "text": "/start" } });
    fake.push_update(update.clone());
    fake.push_update(update);
    fake.send_text(9, "/aiuto");
    let bot = serve(fake.bot_config(None), &store);
    let sent = fake.wait_for(9, 2).await;
    assert!(sent[1].text.contains("Come funziono"), "{}", texts(&sent));
    bot.stop().await;
    assert_eq!(
        fake.sent_to(9).len(),
        2,
        "one reply to /start, one to /aiuto: {}",
        texts(&fake.sent_to(9))
    );
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn in_groups_only_commands_and_mentions_get_answers(pool: PgPool) {
    let fake = FakeTelegram::start().await;
    let store = store(&pool).await;
    let bot = serve(fake.bot_config(None), &store);
    let group = json!({ "id": -100, "type": "group", "title": "Classe 5B" });
    fake.push_update(message_update(group.clone(), 5, "quando è la prima prova?"));
    fake.push_update(message_update(group.clone(), 5, "/menu@AltroBot"));
    fake.push_update(json!({ "channel_post": {
        "message_id": 3, "date": 1_800_000_000, "chat": { "id": -100, "type": "channel", "title": "Canale" }, "text": "/start" } }));
    fake.push_update(message_update(
        group,
        5,
        &format!("@{BOT_USERNAME} quando è la prima prova?"),
    ));
    // Same chat, handled in order: when the mention's reply is there, the rest were seen.
    let sent = fake.wait_for(-100, 1).await;
    assert!(
        sent[0].text.contains("mercoledì 16 giugno 2027"),
        "{}",
        texts(&sent)
    );
    bot.stop().await;
    assert_eq!(
        fake.sent_to(-100).len(),
        1,
        "{}",
        texts(&fake.sent_to(-100))
    );
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn blocking_the_bot_marks_the_subscriber(pool: PgPool) {
    let fake = FakeTelegram::start().await;
    let store = store(&pool).await;
    let bot = serve(fake.bot_config(None), &store);
    fake.send_text(11, "/notizie");
    fake.wait_for(11, 1).await;
    fake.press(11, "notizie.menu#0");
    fake.wait_for(11, 2).await;
    fake.press(11, "notizie.scegli#3");
    fake.wait_for(11, 3).await;
    let member = |status: &str| json!({ "user": { "id": 777000, "is_bot": true, "first_name": "Sportello" }, "status": status, "until_date": 0 });
    let change = |old: &str, new: &str| {
        json!({ "my_chat_member": {
        "chat": { "id": 11, "type": "private", "first_name": "C" }, "from": { "id": 11, "is_bot": false, "first_name": "C" },
        "date": 1_800_000_000, "old_chat_member": member(old), "new_chat_member": member(new) } })
    };
    let status = || async {
        sqlx::query_scalar::<_, String>("SELECT status FROM subscribers WHERE chat = '11'")
            .fetch_one(&pool)
            .await
            .unwrap_or_default()
    };
    fake.push_update(change("member", "kicked"));
    eventually(|| async { status().await == "blocked" }).await;
    fake.push_update(change("kicked", "member"));
    eventually(|| async { status().await == "active" }).await;
    bot.stop().await;
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn webhook_mode_checks_the_secret(pool: PgPool) {
    let fake = FakeTelegram::start().await;
    let store = store(&pool).await;
    let (config, hook) = webhook_config(&fake);
    let bot = serve(config, &store);

    let registered = fake.wait_for_calls("setWebhook", 1).await;
    assert_eq!(registered[0].body["url"], hook);
    assert_eq!(registered[0].body["secret_token"], "s3cret-token");

    let update = json!({ "update_id": 1, "message": {
        "message_id": 1, "date": 1_800_000_000, "chat": { "id": 21, "type": "private", "first_name": "C" },
        "from": { "id": 21, "is_bot": false, "first_name": "C" }, "text": "/start" } });
    let post = |secret| post_update(&hook, secret, &update);
    let status = post(None).await;
    assert_eq!(status, Some(401), "no secret");
    assert_eq!(post(Some("wrong")).await, Some(401));
    assert_eq!(post(Some("s3cret-token")).await, Some(200));
    // A webhook retry of the same update.
    assert_eq!(post(Some("s3cret-token")).await, Some(200));
    let sent = fake.wait_for(21, 1).await;
    assert!(sent[0].text.contains("sportello digitale"));
    bot.stop().await;
    assert_eq!(
        fake.sent_to(21).len(),
        1,
        "unauthorised posts and the retry were not processed"
    );
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn a_sparse_emulator_get_me_is_enough(pool: PgPool) {
    let fake = FakeTelegram::start().await;
    fake.minimal_get_me();
    let store = store(&pool).await;
    let bot = serve(fake.bot_config(None), &store);
    fake.send_text(61, "/start");
    assert!(
        fake.wait_for(61, 1).await[0]
            .text
            .contains("sportello digitale")
    );
    // The username still comes through, so a mention in a group is recognised.
    let group = json!({ "id": -200, "type": "group", "title": "Classe 4A" });
    fake.push_update(message_update(group, 6, &format!("@{BOT_USERNAME} aiuto")));
    assert!(
        fake.wait_for(-200, 1).await[0]
            .text
            .contains("Come funziono")
    );
    bot.stop().await;
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn sparse_emulator_updates_still_get_answers(pool: PgPool) {
    let fake = FakeTelegram::start().await;
    let store = store(&pool).await;
    let bot = serve(fake.bot_config(None), &store);
    // No `date`, no `from.is_bot`, no chat `type`: more than teloxide will read.
    fake.push_update(json!({
        "message": { "message_id": 1, "chat": { "id": 62 }, "text": "/start",
                     "from": { "id": 62, "first_name": "Emu" } }
    }));
    let menu = fake.wait_for(62, 1).await;
    assert!(
        menu[0].text.contains("sportello digitale"),
        "{}",
        texts(&menu)
    );
    let Some((_, maturita)) = menu[0].buttons.first().cloned() else {
        panic!("the menu has buttons: {menu:?}")
    };
    fake.push_update(json!({
        "callback_query": { "id": "emu-1", "data": maturita,
                            "message": { "message_id": 2, "chat": { "id": 62 } } }
    }));
    let after = fake.wait_for(62, 2).await;
    assert!(
        after[1].text.contains("Esame di Stato"),
        "{}",
        texts(&after)
    );
    assert_eq!(fake.calls_of("answerCallbackQuery").len(), 1);
    bot.stop().await;
}

/// `/start` from private chat `chat` as update `id`.
fn start_update(id: u32, chat: i64) -> serde_json::Value {
    let mut update = message_update(common::fake_telegram::private_chat(chat), chat, "/start");
    update["update_id"] = json!(id);
    update
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn an_update_taken_before_a_restart_is_not_answered_again(pool: PgPool) {
    let fake = FakeTelegram::start().await;
    let store = store(&pool).await;
    let bot = serve(fake.bot_config(None), &store);
    fake.push_update(start_update(40, 71));
    fake.wait_for(71, 1).await;
    bot.stop().await;

    // Telegram offers it again (as it does when no later poll confirmed it), with a new
    // one behind it, to the next start.
    fake.push_update(start_update(40, 71));
    fake.push_update(start_update(41, 72));
    let bot = serve(fake.bot_config(None), &store);
    fake.wait_for(72, 1).await;
    bot.stop().await;
    assert_eq!(
        fake.sent_to(71).len(),
        1,
        "answered once across the restart"
    );
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn a_webhook_redelivery_after_a_restart_is_answered_once(pool: PgPool) {
    let fake = FakeTelegram::start().await;
    let store = store(&pool).await;
    let mut answered_by = Vec::new();
    for run in 0..2 {
        let (config, hook) = webhook_config(&fake);
        let bot = serve(config, &store);
        fake.wait_for_calls("setWebhook", run + 1).await;
        let status = post_update(&hook, Some("s3cret-token"), &start_update(90, 81)).await;
        assert_eq!(status, Some(200), "run {run}");
        if run == 0 {
            fake.wait_for(81, 1).await;
        }
        bot.stop().await;
        answered_by.push(fake.sent_to(81).len());
    }
    assert_eq!(
        answered_by,
        [1, 1],
        "the second start did not answer it again"
    );
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn a_poll_that_brought_a_few_updates_is_followed_by_the_next_after_a_moment(pool: PgPool) {
    let fake = FakeTelegram::start().await;
    let store = store(&pool).await;
    let bot = serve(fake.bot_config(None), &store);
    // A crowd writing one message each, a couple of milliseconds apart.
    let chats = 9_100..9_160;
    for chat in chats.clone() {
        fake.send_text(chat, "/start");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    for chat in chats {
        fake.wait_for(chat, 1).await;
    }
    bot.stop().await;

    let polls = fake.calls_of("getUpdates");
    let offset = |call: &common::fake_telegram::Call| call.body["offset"].as_i64().unwrap_or(0);
    // A poll that brought updates is the one before an offset that moved on.
    let after_updates: Vec<Duration> = polls
        .windows(2)
        .filter(|pair| offset(&pair[1]) > offset(&pair[0]))
        .map(|pair| pair[1].at.duration_since(pair[0].at))
        .collect();
    assert!(after_updates.len() >= 2, "{after_updates:?}");
    // The next poll waits until 10 ms after the one before began (a little less as the
    // fake sees it: the two calls may travel differently).
    assert!(
        after_updates
            .iter()
            .all(|gap| *gap >= Duration::from_millis(8)),
        "{after_updates:?}"
    );
}
