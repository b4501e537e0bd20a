//! Talking to a person, on the store side: the bundled dialogues hand a citizen to the
//! office's queue; what they write becomes a ticket with its messages and an outbox
//! row for the staff relay, in the turn's own transaction; ending or erasing closes
//! or deletes it. Against a real PostgreSQL and the in-memory store alike.

mod common;

use std::sync::Arc;

use common::at;
use sportello::conversation::Conversation;
use sportello::dialogue::{self, Dialogues};
use sportello::engine::{Attachment, AttachmentKind, Effect, Inbound, Input};
use sportello::store::mem::{MemoryContent, MemoryStore};
use sportello::store::pg::{PgStore, STAFF_CHANNEL};
use sportello::store::{CITIZEN_CLOSED_NOTE, ChatKey, CitizenStore, ContentSource, TicketStore};
use sqlx::PgPool;

fn bundled() -> Arc<Dialogues> {
    match dialogue::load(&dialogue::bundled_files()) {
        (Some(d), _) => Arc::new(d),
        (None, report) => panic!("bundled dialogues do not load: {report:?}"),
    }
}

/// A Tuesday morning in Rome: the office is open.
const OFFICE_OPEN: &str = "2027-06-08T08:00:00Z";

async fn send<C: ContentSource, S: CitizenStore>(
    c: &Conversation<C, S>,
    key: &ChatKey,
    text: &str,
) -> sportello::engine::Turn {
    let inbound = Inbound {
        at: at(OFFICE_OPEN),
        input: Input::from_text(text),
    };
    match c.turn(key, &inbound, Some("it")).await {
        Ok(turn) => turn,
        Err(err) => panic!("turn failed: {err}"),
    }
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn what_a_handed_off_citizen_writes_is_a_ticket_queued_for_staff(pool: PgPool) {
    let store = PgStore::from_pool(pool.clone());
    let key = ChatKey::new("telegram", "4242");
    let first = Conversation::new(bundled(), store.clone(), store.clone());
    let asked = send(&first, &key, "/operatore").await;
    assert!(common::said(&asked).contains("una persona dell'ufficio ti risponderà"));
    // Asking alone opens nothing: spam cannot open tickets.
    assert_eq!(store.latest_ticket(&key).await.ok().flatten(), None);

    let turn = send(&first, &key, "la mia domanda risulta <incompleta>").await;
    assert!(
        turn.replies.is_empty(),
        "the bot stays silent: {:?}",
        turn.replies
    );
    // A restart: the session still says the citizen is with a person.
    drop(first);
    let restarted = PgStore::from_pool(pool.clone());
    let second = Conversation::new(bundled(), restarted.clone(), restarted);
    let turn = send(&second, &key, "quando è la prima prova?").await;
    assert!(turn.replies.is_empty(), "{:?}", turn.replies);

    let Ok(Some(ticket)) = store.latest_ticket(&key).await else {
        panic!("no ticket")
    };
    assert_eq!(
        (ticket.queue.as_str(), ticket.status.as_str()),
        ("urp", "open")
    );
    let bodies: Vec<&str> = ticket.messages.iter().map(|m| m.body.as_str()).collect();
    assert_eq!(
        bodies,
        [
            "la mia domanda risulta <incompleta>",
            "quando è la prima prova?"
        ]
    );
    let queued: Vec<(String, String, String, Option<i64>)> = sqlx::query_as(
        "SELECT kind, recipient, payload, ticket_id FROM outbox WHERE channel = $1 ORDER BY id",
    )
    .bind(STAFF_CHANNEL)
    .fetch_all(&pool)
    .await
    .unwrap_or_default();
    assert_eq!(queued.len(), 2, "{queued:?}");
    assert_eq!(queued[0].0, "ticket");
    assert_eq!(queued[0].1, "urp", "the relay finds the queue's group");
    assert_eq!(queued[0].2, "la mia domanda risulta &lt;incompleta&gt;");
    assert_eq!(queued[0].3, Some(ticket.id));

    // The citizen ends it: closed, staff told, the bot answers again.
    let ended = send(&second, &key, "/fine").await;
    assert!(ended.effects.contains(&Effect::EndHandoff));
    assert!(common::said(&ended).contains("La conversazione con l'ufficio è chiusa"));
    let Ok(Some(closed)) = store.latest_ticket(&key).await else {
        panic!("no ticket")
    };
    assert_eq!(closed.status, "closed");
    assert!(closed.closed_at.is_some());
    let last: Option<String> = sqlx::query_scalar(
        "SELECT payload FROM outbox WHERE channel = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(STAFF_CHANNEL)
    .fetch_optional(&pool)
    .await
    .unwrap_or_default();
    assert_eq!(last.as_deref(), Some(CITIZEN_CLOSED_NOTE));
    let answered = send(&second, &key, "quando è la prima prova?").await;
    assert!(!answered.replies.is_empty());

    // Asking again opens a new ticket on the first message.
    send(&second, &key, "/operatore").await;
    send(&second, &key, "ancora io").await;
    let Ok(Some(again)) = store.latest_ticket(&key).await else {
        panic!("no ticket")
    };
    assert_ne!(again.id, ticket.id);
    assert_eq!(again.status, "open");
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn erasure_deletes_tickets_their_messages_and_what_waits_for_staff(pool: PgPool) {
    let store = PgStore::from_pool(pool.clone());
    let key = ChatKey::new("telegram", "4343");
    let other = ChatKey::new("telegram", "4444");
    let c = Conversation::new(bundled(), store.clone(), store.clone());
    for chat in [&key, &other] {
        send(&c, chat, "/operatore").await;
        send(&c, chat, "ho bisogno di aiuto con il mio diploma").await;
    }
    let receipt = match store.erase(&key).await {
        Ok(receipt) => receipt,
        Err(err) => panic!("erase failed: {err}"),
    };
    assert_eq!(receipt.tickets, 1);
    assert_eq!(store.latest_ticket(&key).await.ok().flatten(), None);
    let left: (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM tickets), (SELECT count(*) FROM ticket_messages), \
         (SELECT count(*) FROM outbox WHERE channel = 'staff')",
    )
    .fetch_one(&pool)
    .await
    .unwrap_or_default();
    assert_eq!(left, (1, 1, 1), "the other citizen's ticket stays");
}

#[tokio::test]
async fn the_in_memory_store_keeps_tickets_the_same_way() {
    let store = MemoryStore::new();
    let key = ChatKey::new("console", "1");
    let c = Conversation::new(bundled(), MemoryContent::default(), store.clone());
    send(&c, &key, "/operatore").await;
    send(&c, &key, "primo messaggio").await;
    send(&c, &key, "secondo").await;
    let Ok(Some(ticket)) = store.latest_ticket(&key).await else {
        panic!("no ticket")
    };
    assert_eq!(ticket.messages.len(), 2);
    // Any command is for the bot: the person is left first.
    let turn = send(&c, &key, "/menu").await;
    assert!(turn.effects.contains(&Effect::EndHandoff));
    assert!(!turn.replies.is_empty());
    let Ok(Some(closed)) = store.latest_ticket(&key).await else {
        panic!("no ticket")
    };
    assert_eq!(closed.status, "closed");
    let Ok(receipt) = store.erase(&key).await else {
        panic!("erase failed")
    };
    assert_eq!(receipt.tickets, 1);
}

#[tokio::test]
async fn an_attachment_goes_to_the_person_as_it_is_and_the_bot_reads_only_its_words() {
    let store = MemoryStore::new();
    let key = ChatKey::new("telegram", "77");
    let c = Conversation::new(bundled(), MemoryContent::default(), store.clone());
    let attach = |caption: &str| Inbound {
        at: at(OFFICE_OPEN),
        input: Input::Attachment(Attachment {
            kind: AttachmentKind::Photo,
            caption: caption.to_owned(),
            message_id: Some(31),
        }),
    };
    let turn = |inbound: Inbound| {
        let c = &c;
        let key = &key;
        async move {
            match c.turn(key, &inbound, Some("it")).await {
                Ok(turn) => turn,
                Err(err) => panic!("turn failed: {err}"),
            }
        }
    };
    // To the bot, a photo without words is neither a question nor a miss.
    let bare = turn(attach("")).await;
    assert!(
        common::said(&bare).contains("solo i messaggi scritti"),
        "{}",
        common::said(&bare)
    );
    assert!(bare.effects.is_empty(), "{:?}", bare.effects);
    // Its caption is read like a message.
    let captioned = turn(attach("quando è la prima prova?")).await;
    assert!(captioned.understood, "{}", common::said(&captioned));

    send(&c, &key, "/operatore").await;
    let handed = turn(attach("il modulo")).await;
    assert!(handed.replies.is_empty(), "{:?}", handed.replies);
    assert_eq!(
        handed.effects,
        [Effect::ToStaff {
            queue: "urp".into(),
            text: "[foto] il modulo".into(),
            reopen: false,
            copy_of: Some(31),
        }]
    );
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn tickets_are_in_the_citizens_export_and_expire_with_the_transcripts(pool: PgPool) {
    let store = PgStore::from_pool(pool.clone());
    let key = ChatKey::new("telegram", "4545");
    let c = Conversation::new(bundled(), store.clone(), store.clone());
    send(&c, &key, "/operatore").await;
    send(&c, &key, "vorrei sapere dei miei crediti").await;
    let export = match store.export_citizen(&key).await {
        Ok(export) => export,
        Err(err) => panic!("export failed: {err}"),
    };
    assert_eq!(export.tickets.len(), 1);
    let messages = export.tickets[0]["messages"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0]["body"], "vorrei sapere dei miei crediti");

    // An open ticket stays, however old; a closed one goes with the transcripts.
    send(&c, &key, "/fine").await;
    let Ok(purged) = store.purge_expired(30).await else {
        panic!("purge failed")
    };
    assert_eq!(purged.tickets, 0, "closed today: kept");
    sqlx::query("UPDATE tickets SET closed_at = now() - interval '31 days'")
        .execute(&pool)
        .await
        .unwrap_or_default();
    let Ok(purged) = store.purge_expired(30).await else {
        panic!("purge failed")
    };
    assert_eq!(purged.tickets, 1);
    assert_eq!(store.latest_ticket(&key).await.ok().flatten(), None);
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn a_citizen_nobody_answered_within_office_hours_is_told_once(pool: PgPool) {
    use sportello::relay::tell_the_waiting;
    let store = PgStore::from_pool(pool.clone());
    let key = ChatKey::new("telegram", "4646");
    let d = bundled();
    let live = sportello::dialogue::Live::from(Arc::clone(&d));
    let c = Conversation::new(d, store.clone(), store.clone());
    send(&c, &key, "/operatore").await;
    send(&c, &key, "mi serve un certificato").await;
    // Opened on Tuesday 8 June 2027 at 09:00 in Rome; the office answers within 4
    // office hours (lun-ven 09:00-13:00, and 14:30-16:30 on Tuesdays).
    sqlx::query("UPDATE tickets SET opened_at = '2027-06-08T07:00:00Z'")
        .execute(&pool)
        .await
        .unwrap_or_default();
    let told = |now: &str| {
        let (store, live) = (store.clone(), live.clone());
        let now = at(now);
        async move {
            match tell_the_waiting(&store, &live, now).await {
                Ok(n) => n,
                Err(err) => panic!("{err}"),
            }
        }
    };
    // 12:00: three office hours gone.
    assert_eq!(told("2027-06-08T10:00:00Z").await, 0);
    // 14:00: the four hours 09:00-13:00 are gone (the lunch break does not count).
    assert_eq!(told("2027-06-08T12:00:00Z").await, 1);
    assert_eq!(told("2027-06-08T15:00:00Z").await, 0, "told once");
    let waiting: Vec<String> = sqlx::query_scalar(
        "SELECT payload FROM outbox WHERE kind = 'reply' AND recipient = '4646'",
    )
    .fetch_all(&pool)
    .await
    .unwrap_or_default();
    assert_eq!(waiting.len(), 1);
    assert!(
        waiting[0].contains("Ci scusiamo per l'attesa"),
        "{waiting:?}"
    );
}
