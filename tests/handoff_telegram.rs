//! A citizen reaches a person, end to end on the fake Bot API with a real PostgreSQL:
//! the citizen asks for a person and writes; the staff relay opens the ticket's topic
//! in the staff supergroup with a summary; a staff member answers in the topic and the
//! citizen gets it signed with the office's name; someone outside the group is
//! ignored; `/chiudi` closes the ticket and the bot answers the citizen again.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::fake_telegram::FakeTelegram;
use common::fake_telegram::forum::STAFF_ADMIN;
use sportello::channel::telegram::{Limits, Pace};
use sportello::conversation::Conversation;
use sportello::dialogue::{self, Dialogues, Live};
use sportello::relay::{Paced, StaffSender, TelegramSender, Worker, WorkerConfig};
use sportello::store::pg::PgStore;
use sportello::store::{ChatKey, TicketStore};
use sqlx::PgPool;

const GROUP: i64 = -1_009_000_000_001;
const CITIZEN: i64 = 31_337;
const STRANGER: i64 = 666;

fn bundled() -> Arc<Dialogues> {
    match dialogue::load(&dialogue::bundled_files()) {
        (Some(d), _) => Arc::new(d),
        (None, report) => panic!("{}", report.render_text()),
    }
}

fn api(fake: &FakeTelegram) -> TelegramSender {
    match TelegramSender::new(
        "123456:TEST",
        Some(&fake.url),
        Duration::from_secs(5),
        false,
    ) {
        Ok(api) => api,
        Err(err) => panic!("{err}"),
    }
}

/// Sends what is due in `worker`'s channel; how many rows it handled.
async fn relay<S: for<'a> sportello::relay::Sender<sportello::relay::Delivery<'a>>>(
    worker: &Worker<S>,
) -> usize {
    match worker.run_once().await {
        Ok(n) => n,
        Err(err) => panic!("relay: {err}"),
    }
}

/// Waits until the citizen's ticket has `count` messages (turns run in the channel's
/// own tasks).
async fn ticket_messages(store: &PgStore, key: &ChatKey, count: usize) -> sportello::store::Ticket {
    for _ in 0..300 {
        if let Ok(Some(ticket)) = store.latest_ticket(key).await
            && ticket.messages.len() >= count
        {
            return ticket;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the ticket never had {count} messages");
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn a_citizen_talks_to_staff_in_a_topic_and_comes_back_to_the_bot(pool: PgPool) {
    let fake = FakeTelegram::start().await;
    fake.make_forum(GROUP);
    fake.add_member(GROUP, STAFF_ADMIN, "administrator");
    let store = PgStore::from_pool(pool.clone());
    let d = bundled();
    let config = fake.bot_config(Some(GROUP));
    let conversation = Conversation::new(Arc::clone(&d), store.clone(), store.clone());
    let bot = common::bot::start(config, conversation);
    let pace = Arc::new(Pace::new(Limits::unlimited()));
    let staff_relay = Worker::new(
        pool.clone(),
        StaffSender::new(
            api(&fake),
            store.clone(),
            Live::from(Arc::clone(&d)),
            Some(GROUP),
            Arc::clone(&pace),
        ),
        WorkerConfig {
            concurrency: 1,
            ..WorkerConfig::default()
        },
    );
    let citizen_relay = Worker::new(
        pool.clone(),
        Paced::new(api(&fake), pace),
        WorkerConfig::default(),
    );
    let key = ChatKey::new("telegram", CITIZEN.to_string());

    fake.send_text(CITIZEN, "/operatore");
    let said = fake.wait_for(CITIZEN, 1).await;
    assert!(
        said.iter().any(|s| s.text.contains("Ti metto in contatto")),
        "{said:#?}"
    );
    fake.send_text(CITIZEN, "Buongiorno, il mio diploma non risulta registrato");
    let ticket = ticket_messages(&store, &key, 1).await;
    assert_eq!(relay(&staff_relay).await, 1);
    let topics = fake.topics(GROUP);
    assert_eq!(topics.len(), 1, "{topics:?}");
    let thread = topics[0].thread;
    assert_eq!(
        topics[0].name,
        format!("#{} · Ufficio relazioni con il pubblico", ticket.id)
    );
    let in_topic = fake.sent_to_thread(GROUP, thread);
    assert_eq!(in_topic.len(), 2, "summary and message: {in_topic:#?}");
    assert!(in_topic[0].text.contains("Richiesta #"));
    assert!(
        !in_topic[0].text.contains(&CITIZEN.to_string()),
        "no chat id: {}",
        in_topic[0].text
    );
    assert_eq!(
        in_topic[1].text,
        "Buongiorno, il mio diploma non risulta registrato"
    );

    // A photo of the document: staff see it as it is, copied without the citizen's
    // name; the ticket keeps what it was.
    fake.send_photo(CITIZEN, 901, "ecco la ricevuta");
    let ticket = ticket_messages(&store, &key, 2).await;
    assert_eq!(ticket.messages[1].body, "[foto] ecco la ricevuta");
    assert_eq!(relay(&staff_relay).await, 1);
    assert_eq!(
        fake.sent_to_thread(GROUP, thread)
            .last()
            .map(|s| s.text.clone()),
        Some(format!("[copy of {CITIZEN}:901]"))
    );

    // Someone who is not in the group writes in the topic: ignored.
    fake.staff_writes(GROUP, STRANGER, Some(thread), "sono un intruso");
    // A staff member answers: the citizen gets it, signed.
    fake.staff_writes(
        GROUP,
        STAFF_ADMIN,
        Some(thread),
        "Buongiorno, controlliamo e le scriviamo entro domani.",
    );
    let ticket = ticket_messages(&store, &key, 3).await;
    assert_eq!(ticket.status, "answered");
    assert!(
        ticket.messages.iter().all(|m| m.body != "sono un intruso"),
        "{:?}",
        ticket.messages
    );
    let before = fake.sent_to(CITIZEN).len();
    assert_eq!(relay(&citizen_relay).await, 1);
    let answer = fake.wait_for(CITIZEN, before + 1).await;
    let last = answer.last().map(|s| s.text.clone()).unwrap_or_default();
    assert!(
        last.contains("Ufficio relazioni con il pubblico") && last.contains("controlliamo"),
        "{last}"
    );

    // The citizen answers: same topic.
    fake.send_text(CITIZEN, "grazie, attendo");
    ticket_messages(&store, &key, 4).await;
    assert_eq!(relay(&staff_relay).await, 1);
    assert_eq!(fake.topics(GROUP).len(), 1);
    assert_eq!(
        fake.sent_to_thread(GROUP, thread)
            .last()
            .map(|s| s.text.as_str()),
        Some("grazie, attendo")
    );

    // Staff close: the citizen is told, and the bot answers again.
    fake.staff_writes(GROUP, STAFF_ADMIN, Some(thread), "/chiudi");
    for _ in 0..300 {
        if matches!(store.latest_ticket(&key).await, Ok(Some(t)) if t.status == "closed") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let before = fake.sent_to(CITIZEN).len();
    assert_eq!(relay(&citizen_relay).await, 1);
    let closed = fake.wait_for(CITIZEN, before + 1).await;
    assert!(
        closed
            .last()
            .is_some_and(|s| s.text.contains("La conversazione con l'ufficio è chiusa"))
    );
    fake.send_text(CITIZEN, "quando è la prima prova?");
    let again = fake.wait_for(CITIZEN, before + 2).await;
    assert!(
        !again.last().is_some_and(|s| s.text.is_empty()),
        "{again:#?}"
    );
    assert_eq!(relay(&staff_relay).await, 0, "nothing more goes to staff");

    // Thanks are answered by the bot; a follow-up it cannot answer goes back to the
    // same ticket, in the same topic, reopened.
    fake.send_text(CITIZEN, "grazie");
    let thanked = fake.wait_for(CITIZEN, before + 3).await;
    assert!(
        thanked.last().is_some_and(|s| s.text.contains("Prego")),
        "{thanked:#?}"
    );
    fake.send_text(
        CITIZEN,
        "il link che mi avete mandato non si apre, potete rimandarlo?",
    );
    let reopened = fake.wait_for(CITIZEN, before + 4).await;
    assert!(
        reopened
            .last()
            .is_some_and(|s| s.text.contains("Ho passato il tuo messaggio")),
        "{reopened:#?}"
    );
    let again = ticket_messages(&store, &key, 5).await;
    assert_eq!((again.id, again.status.as_str()), (ticket.id, "open"));
    assert_eq!(relay(&staff_relay).await, 1);
    assert_eq!(fake.topics(GROUP).len(), 1, "the same topic, reopened");
    assert_eq!(
        fake.sent_to_thread(GROUP, thread)
            .last()
            .map(|s| s.text.as_str()),
        Some("il link che mi avete mandato non si apre, potete rimandarlo?")
    );

    bot.stop().await;
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn a_staff_group_given_in_a_reload_is_heard_without_a_restart(pool: PgPool) {
    let fake = FakeTelegram::start().await;
    fake.make_forum(GROUP);
    fake.add_member(GROUP, STAFF_ADMIN, "administrator");
    // The bundled dialogues, editable; no staff group anywhere yet.
    let dir = common::bundled_copy();
    let live = Live::new(bundled(), Some(dir.path().to_path_buf()));
    let store = PgStore::from_pool(pool.clone());
    let config = fake.bot_config(None);
    let conversation = Conversation::new(live.clone(), store.clone(), store.clone());
    let bot = common::bot::start(config, conversation);

    // The operator gives the queue its group and the dialogues reload.
    let settings = dir.path().join("sportello.yaml");
    let text = std::fs::read_to_string(&settings).unwrap_or_default();
    let marker = "    urp:\n";
    assert!(
        text.contains(marker),
        "the bundled settings have the urp queue"
    );
    let edited = text.replacen(marker, &format!("{marker}      group: {GROUP}\n"), 1);
    std::fs::write(&settings, edited).unwrap_or_else(|e| panic!("{e}"));
    if let Err(err) = live.reload() {
        panic!("reload: {err}");
    }

    let key = ChatKey::new("telegram", CITIZEN.to_string());
    fake.send_text(CITIZEN, "/operatore");
    fake.wait_for(CITIZEN, 1).await;
    fake.send_text(CITIZEN, "la mia iscrizione risulta sospesa");
    ticket_messages(&store, &key, 1).await;
    let pace = Arc::new(Pace::new(Limits::unlimited()));
    let staff_relay = Worker::new(
        pool.clone(),
        StaffSender::new(api(&fake), store.clone(), live, None, pace),
        WorkerConfig::default(),
    );
    assert_eq!(relay(&staff_relay).await, 1);
    let topics = fake.topics(GROUP);
    assert_eq!(topics.len(), 1, "the topic opens in the new group");
    fake.staff_writes(
        GROUP,
        STAFF_ADMIN,
        Some(topics[0].thread),
        "La riattiviamo entro oggi.",
    );
    let ticket = ticket_messages(&store, &key, 2).await;
    assert_eq!(
        ticket
            .messages
            .last()
            .map(|m| (m.direction.as_str(), m.body.as_str())),
        Some(("staff", "La riattiviamo entro oggi."))
    );
    bot.stop().await;
}
