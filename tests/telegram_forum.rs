//! The forum client of the handoff to a person (issue #15) against the fake Bot API
//! on loopback: topics in the staff supergroup, messages and copies into them, what
//! a deleted or closed topic answers, who counts as staff.

mod common;

use std::time::Duration;

use common::fake_telegram::forum::{TopicState, group_message_update};
use common::fake_telegram::{FakeTelegram, Fault};
use serde_json::{Value, json};
use sportello::channel::telegram::BotApi;
use sportello::channel::telegram::forum;
use sportello::relay::TopicProblem;
use sportello::sender::SendError;
use teloxide::types::{ChatMember, ForumTopic, MessageId, ThreadId, Update, UpdateKind};

const TOKEN: &str = "123456:TEST";
const GROUP: i64 = -100_123_456;
const CITIZEN: i64 = 42;

/// The fake, the bot's client pointed at it, and a forum supergroup `GROUP`.
async fn start() -> (FakeTelegram, BotApi) {
    let fake = FakeTelegram::start().await;
    fake.make_forum(GROUP);
    let api = BotApi::new(TOKEN, Some(&fake.url), Duration::from_secs(10), false)
        .unwrap_or_else(|e| panic!("the client does not build: {e}"));
    (fake, api)
}

async fn open(api: &BotApi, name: &str) -> i64 {
    forum::create_topic(api, GROUP, name)
        .await
        .unwrap_or_else(|e| panic!("the topic is not created: {e}"))
}

/// The updates waiting for the bot, as teloxide reads them.
async fn updates(api: &BotApi) -> Vec<Update> {
    api.get_updates(0, Duration::ZERO)
        .await
        .unwrap_or_else(|e| panic!("getUpdates fails: {e}"))
        .iter()
        .map(|raw| {
            serde_json::from_str(raw.get())
                .unwrap_or_else(|e| panic!("teloxide cannot read {}: {e}", raw.get()))
        })
        .collect()
}

/// Calls `method` on the fake directly and returns its `result`.
async fn raw_call(fake: &FakeTelegram, method: &str, body: Value) -> Value {
    let url = format!("{}bot{TOKEN}/{method}", fake.url);
    let answer: Value = reqwest::Client::new()
        .post(url)
        .json(&body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("the fake does not answer: {e}"))
        .json()
        .await
        .unwrap_or_else(|e| panic!("not a JSON answer: {e}"));
    answer["result"].clone()
}

#[tokio::test]
async fn a_topic_is_created_and_messages_land_in_its_thread() {
    let (fake, api) = start().await;
    let thread = open(&api, "#7 · Esami").await;

    let topics = fake.topics(GROUP);
    assert_eq!(topics.len(), 1);
    assert_eq!(topics[0].thread, thread);
    assert_eq!(topics[0].name, "#7 · Esami");
    assert_eq!(topics[0].state, TopicState::Open);

    let html = forum::send_to_topic(&api, GROUP, thread, "<b>Richiesta</b> &amp; altro", true)
        .await
        .expect("sent into the topic");
    let plain = forum::send_to_topic(&api, GROUP, thread, "<b>solo</b> testo", false)
        .await
        .expect("sent as plain text");
    assert_ne!(html, plain, "each message has its own id");

    let sent = fake.sent_to_thread(GROUP, thread);
    let texts: Vec<&str> = sent.iter().map(|s| s.text.as_str()).collect();
    assert_eq!(texts, ["<b>Richiesta</b> &amp; altro", "solo testo"]);
    let calls = fake.calls_of("sendMessage");
    assert_eq!(calls[0].body["parse_mode"], "HTML");
    assert_eq!(calls[0].body["message_thread_id"], thread);
    assert!(calls[1].body.get("parse_mode").is_none());
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}

#[tokio::test]
async fn a_group_without_topics_or_a_bad_name_is_refused() {
    let (fake, api) = start().await;
    let not_a_forum = forum::create_topic(&api, -100_999, "#1").await;
    assert!(
        matches!(&not_a_forum, Err(SendError::Permanent(text)) if text.contains("not enough rights")),
        "{not_a_forum:?}"
    );

    let too_long = forum::create_topic(&api, GROUP, &"x".repeat(129)).await;
    assert!(
        matches!(too_long, Err(SendError::Permanent(_))),
        "{too_long:?}"
    );
    assert_eq!(
        fake.violations().len(),
        1,
        "the fake counts it against the bot"
    );
    assert!(fake.topics(GROUP).is_empty());
}

#[tokio::test]
async fn a_deleted_topic_is_gone() {
    let (fake, api) = start().await;
    let thread = open(&api, "#1 · Esami").await;
    fake.delete_topic(GROUP, thread);

    let err = forum::send_to_topic(&api, GROUP, thread, "ciao", true)
        .await
        .expect_err("a deleted topic takes no message");
    assert_eq!(
        forum::topic_problem(&err),
        Some(TopicProblem::Gone),
        "{err:?}"
    );
    let err = forum::copy_to_topic(&api, GROUP, thread, CITIZEN, 5)
        .await
        .expect_err("nor a copy");
    assert_eq!(
        forum::topic_problem(&err),
        Some(TopicProblem::Gone),
        "{err:?}"
    );
    let err = forum::reopen_topic(&api, GROUP, thread)
        .await
        .expect_err("nor can it be reopened");
    assert_eq!(
        forum::topic_problem(&err),
        Some(TopicProblem::Gone),
        "{err:?}"
    );
    assert!(fake.sent_to(GROUP).is_empty());
    assert!(
        updates(&api).await.is_empty(),
        "Telegram tells the bot nothing"
    );

    // What the caller does then: a new topic, which takes the message.
    let again = open(&api, "#1 · Esami").await;
    assert_ne!(again, thread);
    forum::send_to_topic(&api, GROUP, again, "ciao", true)
        .await
        .expect("the new topic takes it");
    assert_eq!(fake.sent_to_thread(GROUP, again).len(), 1);
}

#[tokio::test]
async fn a_topic_closed_by_hand_is_closed_until_reopened() {
    let (fake, api) = start().await;
    let thread = open(&api, "#2 · Test di medicina").await;
    fake.close_topic(GROUP, thread);

    let err = forum::send_to_topic(&api, GROUP, thread, "ciao", true)
        .await
        .expect_err("a closed topic takes no message");
    assert_eq!(
        forum::topic_problem(&err),
        Some(TopicProblem::Closed),
        "{err:?}"
    );

    // The bot was told, in the topic's thread.
    let updates = updates(&api).await;
    let [update] = updates.as_slice() else {
        panic!("one service message expected: {updates:#?}")
    };
    let UpdateKind::Message(message) = &update.kind else {
        panic!("a message expected: {update:#?}")
    };
    assert!(message.forum_topic_closed().is_some(), "{message:#?}");
    assert_eq!(message.thread_id, Some(ThreadId(MessageId(thread as i32))));

    forum::reopen_topic(&api, GROUP, thread)
        .await
        .expect("reopened");
    assert_eq!(fake.topics(GROUP)[0].state, TopicState::Open);
    forum::send_to_topic(&api, GROUP, thread, "ciao", true)
        .await
        .expect("the reopened topic takes it");
    assert_eq!(fake.sent_to_thread(GROUP, thread).len(), 1);
}

#[tokio::test]
async fn closing_and_reopening_reach_the_state_asked_for() {
    let (fake, api) = start().await;
    let thread = open(&api, "#3 · Esami").await;

    forum::reopen_topic(&api, GROUP, thread)
        .await
        .expect("an open topic counts as reopened");
    forum::close_topic(&api, GROUP, thread)
        .await
        .expect("closed");
    forum::close_topic(&api, GROUP, thread)
        .await
        .expect("a closed topic counts as closed");
    assert_eq!(fake.topics(GROUP)[0].state, TopicState::Closed);
    let err = forum::send_to_topic(&api, GROUP, thread, "ciao", true)
        .await
        .expect_err("closed by the bot, closed all the same");
    assert_eq!(forum::topic_problem(&err), Some(TopicProblem::Closed));
}

#[tokio::test]
async fn a_copy_lands_in_the_thread() {
    let (fake, api) = start().await;
    let thread = open(&api, "#4 · Esami").await;
    let copy = forum::copy_to_topic(&api, GROUP, thread, CITIZEN, 17)
        .await
        .expect("copied");

    let sent = fake.sent_to_thread(GROUP, thread);
    let [only] = sent.as_slice() else {
        panic!("one copy expected: {sent:#?}")
    };
    assert_eq!(only.text, "[copy of 42:17]");
    assert_ne!(copy, "0", "the copy's own id");
    let calls = fake.calls_of("copyMessage");
    assert_eq!(calls[0].body["from_chat_id"], CITIZEN);
    assert_eq!(calls[0].body["message_thread_id"], thread);
}

#[tokio::test]
async fn staff_are_members_administrators_and_the_creator() {
    let (fake, api) = start().await;
    fake.add_member(GROUP, 1, "member");
    fake.add_member(GROUP, 2, "administrator");
    fake.add_member(GROUP, 3, "creator");
    fake.add_member(GROUP, 4, "restricted");
    fake.add_member(GROUP, 5, "left");
    fake.add_member(GROUP, 6, "kicked");
    // Membership in another group is not membership in this one.
    fake.add_member(-100_999, 7, "member");

    let mut staff = Vec::new();
    for user in 1..=8 {
        let member = forum::is_staff_member(&api, GROUP, user)
            .await
            .expect("getChatMember answers");
        staff.push(member);
    }
    assert_eq!(staff, [true, true, true, true, false, false, false, false]);

    fake.inject(
        "getChatMember",
        [Fault::BadRequest("Bad Request: user not found")],
    );
    let unknown = forum::is_staff_member(&api, GROUP, 1).await;
    assert_eq!(
        unknown,
        Ok(false),
        "a user Telegram does not know is no staff"
    );
    fake.inject(
        "getChatMember",
        [Fault::BadRequest("Bad Request: chat not found")],
    );
    let no_group = forum::is_staff_member(&api, GROUP, 1).await;
    assert!(matches!(no_group, Err(SendError::Gone(_))), "{no_group:?}");
}

#[tokio::test]
async fn faults_reach_the_topic_methods() {
    let (fake, api) = start().await;
    fake.inject(
        "createForumTopic",
        [Fault::TooManyRequests { retry_after: 3 }],
    );
    let limited = forum::create_topic(&api, GROUP, "#5").await;
    assert_eq!(limited, Err(SendError::RetryAfter(Duration::from_secs(3))));
    let thread = open(&api, "#5").await;

    fake.inject("sendMessage", [Fault::ServerError]);
    let failed = forum::send_to_topic(&api, GROUP, thread, "ciao", true).await;
    assert!(matches!(failed, Err(SendError::Transient(_))), "{failed:?}");
    fake.fail_chat(GROUP, Fault::Blocked);
    let gone = forum::copy_to_topic(&api, GROUP, thread, CITIZEN, 1).await;
    assert!(matches!(gone, Err(SendError::Gone(_))), "{gone:?}");
    assert_eq!(
        forum::topic_problem(&gone.expect_err("refused")),
        None,
        "a group that threw the bot out says nothing of the topic"
    );
    assert!(fake.sent_to(GROUP).is_empty());
}

#[tokio::test]
async fn the_fake_speaks_the_bot_apis_shapes() {
    let (fake, api) = start().await;
    let topic = raw_call(
        &fake,
        "createForumTopic",
        json!({ "chat_id": GROUP, "name": "#6", "icon_color": 9_367_192 }),
    )
    .await;
    let topic: ForumTopic = serde_json::from_value(topic).expect("a ForumTopic");
    assert_eq!(topic.name, "#6");
    let thread = i64::from(topic.thread_id.0.0);

    for status in [
        "creator",
        "administrator",
        "member",
        "restricted",
        "left",
        "kicked",
    ] {
        fake.add_member(GROUP, 9, status);
        let member = raw_call(
            &fake,
            "getChatMember",
            json!({ "chat_id": GROUP, "user_id": 9 }),
        )
        .await;
        let member: Result<ChatMember, _> = serde_json::from_value(member.clone());
        assert!(member.is_ok(), "{status}: {member:?}");
    }

    fake.push_update(group_message_update(GROUP, 9, None, "in General"));
    let (_, message_id) = fake.staff_writes(GROUP, 9, Some(thread), "risposta");
    let updates = updates(&api).await;
    let messages: Vec<_> = updates
        .iter()
        .filter_map(|u| match &u.kind {
            UpdateKind::Message(m) => Some(m),
            _ => None,
        })
        .collect();
    let [general, in_topic] = messages.as_slice() else {
        panic!("two messages expected: {updates:#?}")
    };
    assert!(general.chat.is_supergroup());
    assert_eq!(general.thread_id, None);
    assert!(!general.is_topic_message);
    assert_eq!(in_topic.id, MessageId(message_id as i32));
    assert_eq!(in_topic.text(), Some("risposta"));
    assert!(in_topic.is_topic_message);
    assert_eq!(in_topic.thread_id, Some(ThreadId(MessageId(thread as i32))));
    let root = in_topic
        .reply_to_message()
        .expect("the topic's first message");
    assert!(root.forum_topic_created().is_some(), "{root:#?}");
}
