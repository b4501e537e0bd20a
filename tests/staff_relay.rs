//! The staff relay against a real PostgreSQL: what a handed-off citizen writes goes
//! into one forum topic per ticket, opened on the first message with a summary and
//! named with the ticket's number and queue only; a topic deleted by hand is opened
//! again, a closed one reopened. The forum here is a recording fake; the Telegram one
//! speaks the Bot API.

mod common;

use std::sync::{Arc, Mutex};

use common::at;
use sportello::conversation::Conversation;
use sportello::dialogue::{self, Dialogues, Live};
use sportello::engine::{Attachment, AttachmentKind, Inbound, Input};
use sportello::relay::{Forum, SendError, StaffSender, TopicProblem, Worker, WorkerConfig};
use sportello::sender::Pace;
use sportello::store::pg::PgStore;
use sportello::store::{ChatKey, TicketStore};
use sqlx::PgPool;

const GROUP: i64 = -1_001_234_567_890;

#[derive(Debug, Clone, PartialEq)]
enum TopicState {
    Open,
    Closed,
    Deleted,
}

#[derive(Debug, Default)]
struct Recorded {
    /// (thread, name, state)
    topics: Vec<(i64, String, TopicState)>,
    /// (thread, text)
    sent: Vec<(i64, String)>,
}

#[derive(Clone, Default)]
struct FakeForum(Arc<Mutex<Recorded>>);

impl FakeForum {
    fn lock(&self) -> std::sync::MutexGuard<'_, Recorded> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
    fn set(&self, thread: i64, state: TopicState) {
        if let Some(topic) = self.lock().topics.iter_mut().find(|t| t.0 == thread) {
            topic.2 = state;
        }
    }
}

impl Forum for FakeForum {
    async fn create_topic(&self, group: i64, name: &str) -> Result<i64, SendError> {
        assert_eq!(group, GROUP);
        let mut recorded = self.lock();
        let thread = 100 + recorded.topics.len() as i64;
        recorded
            .topics
            .push((thread, name.to_owned(), TopicState::Open));
        Ok(thread)
    }

    async fn send_to_topic(
        &self,
        _group: i64,
        thread: i64,
        text: &str,
        _markup: bool,
    ) -> Result<String, SendError> {
        let mut recorded = self.lock();
        match recorded.topics.iter().find(|t| t.0 == thread).map(|t| &t.2) {
            Some(TopicState::Open) => {}
            Some(TopicState::Closed) => {
                return Err(SendError::Permanent("Bad Request: TOPIC_CLOSED".into()));
            }
            _ => {
                return Err(SendError::Permanent(
                    "Bad Request: message thread not found".into(),
                ));
            }
        }
        recorded.sent.push((thread, text.to_owned()));
        Ok(recorded.sent.len().to_string())
    }

    /// Message 404 was deleted by the citizen: Telegram will not copy it.
    async fn copy_to_topic(
        &self,
        group: i64,
        thread: i64,
        from_chat: i64,
        message_id: i64,
    ) -> Result<String, SendError> {
        if message_id == 404 {
            return Err(SendError::Permanent(
                "Bad Request: message to copy not found".into(),
            ));
        }
        let copy = format!("[copy of {from_chat}:{message_id}]");
        self.send_to_topic(group, thread, &copy, false).await
    }

    async fn reopen_topic(&self, _group: i64, thread: i64) -> Result<(), SendError> {
        self.set(thread, TopicState::Open);
        Ok(())
    }

    fn topic_problem(err: &SendError) -> Option<TopicProblem> {
        let SendError::Permanent(reason) = err else {
            return None;
        };
        if reason.contains("TOPIC_CLOSED") {
            Some(TopicProblem::Closed)
        } else if reason.contains("thread not found") {
            Some(TopicProblem::Gone)
        } else {
            None
        }
    }
}

fn bundled() -> Arc<Dialogues> {
    match dialogue::load(&dialogue::bundled_files()) {
        (Some(d), _) => Arc::new(d),
        (None, report) => panic!("bundled dialogues do not load: {report:?}"),
    }
}

async fn send(c: &Conversation<PgStore, PgStore>, key: &ChatKey, text: &str) {
    let inbound = Inbound {
        at: at("2027-06-08T08:00:00Z"),
        input: Input::from_text(text),
    };
    if let Err(err) = c.turn(key, &inbound, Some("it")).await {
        panic!("turn failed: {err}");
    }
}

async fn send_input(c: &Conversation<PgStore, PgStore>, key: &ChatKey, input: Input) {
    let inbound = Inbound {
        at: at("2027-06-08T08:00:00Z"),
        input,
    };
    if let Err(err) = c.turn(key, &inbound, Some("it")).await {
        panic!("turn failed: {err}");
    }
}

fn photo(caption: &str, message_id: Option<i64>) -> Input {
    Input::Attachment(Attachment {
        kind: AttachmentKind::Photo,
        caption: caption.to_owned(),
        message_id,
    })
}

fn worker(pool: &PgPool, forum: &FakeForum, d: &Arc<Dialogues>) -> Worker<StaffSender<FakeForum>> {
    let store = PgStore::from_pool(pool.clone());
    let pace = Arc::new(Pace::new(sportello::channel::telegram::Limits::unlimited()));
    let sender = StaffSender::new(
        forum.clone(),
        store,
        Live::from(Arc::clone(d)),
        Some(GROUP),
        pace,
    );
    let config = WorkerConfig {
        concurrency: 1,
        ..WorkerConfig::default()
    };
    Worker::new(pool.clone(), sender, config)
}

async fn relay(worker: &Worker<StaffSender<FakeForum>>) -> usize {
    match worker.run_once().await {
        Ok(n) => n,
        Err(err) => panic!("relay failed: {err}"),
    }
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn each_ticket_gets_its_topic_with_a_summary_and_survives_staff_tidying_up(pool: PgPool) {
    let d = bundled();
    let store = PgStore::from_pool(pool.clone());
    let c = Conversation::new(Arc::clone(&d), store.clone(), store.clone());
    let forum = FakeForum::default();
    let worker = worker(&pool, &forum, &d);
    let key = ChatKey::new("telegram", "555000111");
    send(&c, &key, "quando è la prima prova?").await;
    send(&c, &key, "/operatore").await;
    // Asking opens nothing.
    assert_eq!(relay(&worker).await, 0);
    assert!(forum.lock().topics.is_empty());

    send(&c, &key, "non trovo il <modulo> per l'esonero").await;
    send(&c, &key, "è urgente").await;
    assert_eq!(relay(&worker).await, 2);
    let Ok(Some(ticket)) = store.latest_ticket(&key).await else {
        panic!("no ticket")
    };
    {
        let recorded = forum.lock();
        assert_eq!(recorded.topics.len(), 1, "one topic per ticket");
        let (thread, name, _) = &recorded.topics[0];
        assert_eq!(
            name,
            &format!("#{} · Ufficio relazioni con il pubblico", ticket.id)
        );
        assert!(!name.contains("555000111"), "no chat id in the topic name");
        assert_eq!(ticket.thread_id, Some(*thread));
        let texts: Vec<&str> = recorded.sent.iter().map(|(_, t)| t.as_str()).collect();
        assert_eq!(texts.len(), 3, "{texts:?}");
        assert!(
            texts[0].contains("Richiesta #") && texts[0].contains("quando è la prima prova?"),
            "the summary has the last turns: {}",
            texts[0]
        );
        assert!(!texts[0].contains("555000111"), "no chat id in the summary");
        assert_eq!(texts[1], "non trovo il &lt;modulo&gt; per l'esonero");
        assert_eq!(texts[2], "è urgente");
        assert!(recorded.sent.iter().all(|(t, _)| t == thread));
    }

    // Staff close the topic by hand: it is reopened for the next message.
    let first_thread = forum.lock().topics[0].0;
    forum.set(first_thread, TopicState::Closed);
    send(&c, &key, "ci siete?").await;
    assert_eq!(relay(&worker).await, 1);
    assert_eq!(forum.lock().topics.len(), 1);
    assert_eq!(
        forum.lock().sent.last().map(|s| s.1.as_str()),
        Some("ci siete?")
    );

    // They delete it: a new topic for the same ticket, with the summary again.
    forum.set(first_thread, TopicState::Deleted);
    send(&c, &key, "pronto?").await;
    assert_eq!(relay(&worker).await, 1);
    let recorded = forum.lock();
    assert_eq!(recorded.topics.len(), 2);
    let second_thread = recorded.topics[1].0;
    let in_second: Vec<&str> = recorded
        .sent
        .iter()
        .filter(|(t, _)| *t == second_thread)
        .map(|(_, text)| text.as_str())
        .collect();
    assert_eq!(in_second.len(), 2, "{in_second:?}");
    assert!(in_second[0].contains("Richiesta #"));
    assert_eq!(in_second[1], "pronto?");
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn a_telegram_citizens_photo_reaches_staff_as_it_is_and_a_whatsapp_one_described(
    pool: PgPool,
) {
    let d = bundled();
    let store = PgStore::from_pool(pool.clone());
    let c = Conversation::new(Arc::clone(&d), store.clone(), store.clone());
    let forum = FakeForum::default();
    let worker = worker(&pool, &forum, &d);

    let telegram = ChatKey::new("telegram", "555000222");
    send(&c, &telegram, "/operatore").await;
    send_input(&c, &telegram, photo("il modulo compilato", Some(77))).await;
    // Deleted before staff got it: they read what it was.
    send_input(&c, &telegram, photo("", Some(404))).await;
    assert_eq!(relay(&worker).await, 2);
    {
        let recorded = forum.lock();
        let texts: Vec<&str> = recorded.sent.iter().map(|(_, t)| t.as_str()).collect();
        assert_eq!(
            texts[1..],
            ["[copy of 555000222:77]", "[foto]"],
            "after the summary: {texts:?}"
        );
    }
    let Ok(Some(ticket)) = store.latest_ticket(&telegram).await else {
        panic!("no ticket")
    };
    let bodies: Vec<&str> = ticket.messages.iter().map(|m| m.body.as_str()).collect();
    assert_eq!(bodies, ["[foto] il modulo compilato", "[foto]"]);

    let whatsapp = ChatKey::new("whatsapp", "393331234567");
    send(&c, &whatsapp, "/operatore").await;
    send_input(&c, &whatsapp, photo("la ricevuta", None)).await;
    assert_eq!(relay(&worker).await, 1);
    assert_eq!(
        forum.lock().sent.last().map(|s| s.1.as_str()),
        Some("[foto] la ricevuta")
    );
}
