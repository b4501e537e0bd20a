//! The webhook inbox as replicas use it, on PostgreSQL and in memory alike: an update
//! kept once, a lane's updates claimed one at a time in update order by one holder,
//! a lapsed or given-back claim taken over, and one turn per update (taken again, it
//! gets the same replies).

mod common;

use std::time::Duration;

use common::{at, basic_content, fixture, load};
use sportello::conversation::Conversation;
use sportello::engine::{Inbound, Input};
use sportello::store::mem::{MemoryContent, MemoryStore};
use sportello::store::pg::PgStore;
use sportello::store::{ChatKey, CitizenStore, Claim, ContentSource, InboxUpdate, UpdateLog};
use sqlx::PgPool;

const BOT: i64 = 7;

fn update(id: i64) -> InboxUpdate {
    InboxUpdate {
        update_id: id,
        body: format!("{{\"update_id\":{id}}}"),
    }
}

fn holder(name: &str, lease: Duration) -> Claim {
    Claim {
        holder: name.to_owned(),
        lease,
    }
}

async fn claimed(
    log: &impl UpdateLog,
    lane: i64,
    claim: &Claim,
    finished: Option<i64>,
) -> Option<i64> {
    match log.claim_next(BOT, lane, claim, finished).await {
        Ok(next) => next.map(|u| u.update_id),
        Err(err) => panic!("claim_next: {err}"),
    }
}

async fn lanes_in_order_one_holder_at_a_time(log: impl UpdateLog) {
    let (a, b) = (
        holder("replica-a", Duration::from_secs(60)),
        holder("replica-b", Duration::from_secs(60)),
    );
    for (id, lane) in [(10, 1), (11, 2), (12, 1), (13, 1)] {
        assert_eq!(log.receive(BOT, &update(id), lane).await.ok(), Some(true));
    }
    assert_eq!(
        log.receive(BOT, &update(12), 1).await.ok(),
        Some(false),
        "Telegram sending an update again is told apart"
    );

    assert_eq!(
        claimed(&log, 1, &a, None).await,
        Some(10),
        "the lane's oldest first"
    );
    assert_eq!(
        claimed(&log, 1, &b, None).await,
        None,
        "one holder per lane"
    );
    assert_eq!(
        claimed(&log, 2, &b, None).await,
        Some(11),
        "other lanes go on"
    );
    let got = log.claim_next(BOT, 1, &a, Some(10)).await.ok().flatten();
    assert_eq!(
        got.as_ref().map(|u| u.update_id),
        Some(12),
        "then the next, in order"
    );
    assert_eq!(got.map(|u| u.body), Some(update(12).body), "with its body");
    assert_eq!(claimed(&log, 1, &b, None).await, None);

    // A holder giving its claims back (it stops) leaves the lane to the others.
    assert!(log.renew(BOT, &a, true).await.is_ok());
    assert_eq!(claimed(&log, 1, &b, None).await, Some(12));
    assert_eq!(claimed(&log, 1, &b, Some(12)).await, Some(13));
    assert_eq!(
        claimed(&log, 1, &b, Some(13)).await,
        None,
        "the lane is done"
    );
    assert_eq!(
        claimed(&log, 1, &a, None).await,
        None,
        "nothing answered twice"
    );
}

async fn a_dead_holders_lanes_are_taken_over(log: impl UpdateLog) {
    let dead = holder("dead", Duration::from_millis(200));
    let alive = holder("alive", Duration::from_secs(60));
    for (id, lane) in [(20, 5), (21, 5), (22, 6)] {
        assert_eq!(log.receive(BOT, &update(id), lane).await.ok(), Some(true));
    }
    assert_eq!(claimed(&log, 5, &dead, None).await, Some(20));
    assert_eq!(claimed(&log, 5, &alive, None).await, None);
    let fresh = log.stranded(BOT, Duration::from_secs(60)).await.ok();
    assert_eq!(
        fresh,
        Some(Vec::new()),
        "nothing stranded while claims are live"
    );

    // The dead holder renews nothing: its claim lapses, and lane 6 was never claimed.
    let mut stranded = Vec::new();
    for _ in 0..100 {
        stranded = log.stranded(BOT, Duration::ZERO).await.unwrap_or_default();
        if stranded.contains(&5) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stranded.sort_unstable();
    assert_eq!(stranded, vec![5, 6]);
    assert_eq!(
        claimed(&log, 5, &alive, None).await,
        Some(20),
        "taken over, still in order"
    );
    assert_eq!(
        claimed(&log, 5, &dead, Some(20)).await,
        None,
        "the dead holder cannot finish what it lost"
    );
    assert_eq!(claimed(&log, 5, &alive, Some(20)).await, Some(21));

    // A flood's excess is marked answered without a turn.
    assert!(log.skip(BOT, 21).await.is_ok());
    assert_eq!(claimed(&log, 5, &alive, None).await, None);
}

async fn an_update_is_answered_once<C: ContentSource, S: CitizenStore>(c: Conversation<C, S>) {
    let key = ChatKey::new("telegram", "77");
    let inbound = Inbound {
        at: at("2027-01-15T08:00:00Z"),
        input: Input::from_text("ciao"),
    };
    let first = c
        .reply_to_update(&key, &inbound, Some("it"), Some(500))
        .await;
    assert!(!first.replies.is_empty(), "answered the first time");
    let saved = stored(&c, &key).await;
    let again = c
        .reply_to_update(&key, &inbound, Some("it"), Some(500))
        .await;
    assert_eq!(
        again.replies, first.replies,
        "taken again: the same replies"
    );
    assert_eq!(stored(&c, &key).await, saved, "and no second turn");
    let next = c
        .reply_to_update(&key, &inbound, Some("it"), Some(501))
        .await;
    assert!(
        !next.replies.is_empty(),
        "the next update is a turn of its own"
    );
    assert_ne!(stored(&c, &key).await, saved);
}

/// The session's version, as saved.
async fn stored<C: ContentSource, S: CitizenStore>(
    c: &Conversation<C, S>,
    key: &ChatKey,
) -> Option<i64> {
    c.citizens()
        .load(key)
        .await
        .ok()
        .flatten()
        .map(|s| s.version)
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn postgres_lanes_in_order_one_holder_at_a_time(pool: PgPool) {
    lanes_in_order_one_holder_at_a_time(PgStore::from_pool(pool)).await;
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn postgres_dead_holders_lanes_are_taken_over(pool: PgPool) {
    a_dead_holders_lanes_are_taken_over(PgStore::from_pool(pool)).await;
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn postgres_an_update_is_answered_once(pool: PgPool) {
    let store = PgStore::from_pool(pool);
    if let Err(err) = store.import(&basic_content()).await {
        panic!("import: {err}");
    }
    an_update_is_answered_once(Conversation::new(
        load(&fixture("basic")),
        store.clone(),
        store,
    ))
    .await;
}

#[tokio::test]
async fn memory_lanes_in_order_one_holder_at_a_time() {
    lanes_in_order_one_holder_at_a_time(MemoryStore::new()).await;
}

#[tokio::test]
async fn memory_dead_holders_lanes_are_taken_over() {
    a_dead_holders_lanes_are_taken_over(MemoryStore::new()).await;
}

#[tokio::test]
async fn memory_an_update_is_answered_once() {
    let content = MemoryContent::new(basic_content());
    an_update_is_answered_once(Conversation::new(
        load(&fixture("basic")),
        content,
        MemoryStore::new(),
    ))
    .await;
}
