//! Group commit for turns without effects, the common turn: turns of many chats that
//! finish at about the same moment are saved in one statement
//! (`queries/save_turns.sql`), so the database parses, plans and commits once for all
//! of them. There is no timer: a batch is whatever queued while the previous one was
//! being written, so a lone turn is saved at once and a busy bot writes bigger batches.
//!
//! Each caller still learns whether its own turn was saved or lost a race; a batch the
//! database refuses is written again turn by turn, so one bad turn fails alone.
//!
//! The writers have connections of their own, set to plan the statement once
//! ([`PLAN_ONCE`]): left to itself PostgreSQL planned it afresh for almost every batch,
//! and planning cost more than running it.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use tokio::sync::{Mutex, mpsc, oneshot};

use super::SessionContext;
use crate::engine::Session;
use crate::store::{ChatKey, Committed, StoreError, TranscriptLine, TurnRecord};

/// Turns in one statement at most.
const MAX_BATCH: usize = 256;
/// Statements in flight at once: one batch fills while another is written.
const WRITERS: u32 = 2;
/// Settings of the writers' connections. One generic plan per connection, kept: a
/// custom plan for each batch cost more than the batch. So that plan holds whatever
/// the table's statistics said when it was made (an empty table on a new database), it
/// may only join by looking each session up in its primary key: a batch is a few
/// chats against a table of many.
const PLAN_ONCE: [(&str, &str); 4] = [
    ("plan_cache_mode", "force_generic_plan"),
    ("enable_seqscan", "off"),
    ("enable_hashjoin", "off"),
    ("enable_mergejoin", "off"),
];

/// A turn to save, owned so a writer task can hold it.
struct PendingTurn {
    key: ChatKey,
    session: Session,
    dialogue_version: String,
    expected_version: Option<i64>,
    transcript: Vec<TranscriptLine>,
    done: oneshot::Sender<Result<Committed, StoreError>>,
}

/// The queue in front of the writer tasks. Dropping it (with the store) stops them
/// once the queue is empty.
#[derive(Debug)]
pub(super) struct TurnBatcher {
    queue: mpsc::UnboundedSender<PendingTurn>,
}

impl TurnBatcher {
    /// Starts the writers on the current tokio runtime, connecting (when the first
    /// turn comes) to the database of `pool`.
    pub(super) fn start(pool: &PgPool) -> TurnBatcher {
        let options = (*pool.connect_options()).clone().options(PLAN_ONCE);
        let writers = PgPoolOptions::new()
            .max_connections(WRITERS)
            .acquire_timeout(pool.options().get_acquire_timeout())
            .idle_timeout(pool.options().get_idle_timeout())
            .connect_lazy_with(options);
        let (queue, inbox) = mpsc::unbounded_channel();
        let inbox = Arc::new(Mutex::new(inbox));
        for _ in 0..WRITERS {
            tokio::spawn(write_batches(writers.clone(), Arc::clone(&inbox)));
        }
        TurnBatcher { queue }
    }

    /// Saves one turn with whatever other turns are waiting.
    pub(super) async fn save(
        &self,
        key: &ChatKey,
        record: &TurnRecord<'_>,
    ) -> Result<Committed, StoreError> {
        let (done, outcome) = oneshot::channel();
        let turn = PendingTurn {
            key: key.clone(),
            session: record.session.clone(),
            dialogue_version: record.dialogue_version.to_owned(),
            expected_version: record.expected_version,
            transcript: record.transcript.to_vec(),
            done,
        };
        self.queue.send(turn).map_err(|_| StoreError::Stopped)?;
        outcome.await.map_err(|_| StoreError::Stopped)?
    }
}

/// Takes batches off the shared queue and writes them, until the queue closes.
async fn write_batches(pool: PgPool, inbox: Arc<Mutex<mpsc::UnboundedReceiver<PendingTurn>>>) {
    // A second turn of a chat already in the batch waits for the next one.
    let mut held_over: Vec<PendingTurn> = Vec::new();
    loop {
        let mut batch = Vec::new();
        let mut chats = HashSet::new();
        for turn in std::mem::take(&mut held_over) {
            if chats.insert(turn.key.clone()) {
                batch.push(turn);
            } else {
                held_over.push(turn);
            }
        }
        {
            let mut inbox = inbox.lock().await;
            if batch.is_empty() {
                let Some(first) = inbox.recv().await else {
                    return;
                };
                chats.insert(first.key.clone());
                batch.push(first);
            }
            while batch.len() < MAX_BATCH {
                let Ok(turn) = inbox.try_recv() else {
                    break;
                };
                if chats.insert(turn.key.clone()) {
                    batch.push(turn);
                } else {
                    held_over.push(turn);
                }
            }
        }
        write(&pool, batch).await;
    }
}

/// Writes a batch and tells each caller how its turn went.
async fn write(pool: &PgPool, batch: Vec<PendingTurn>) {
    match save_turns(pool, &batch).await {
        Ok(saved) => {
            for (position, turn) in batch.into_iter().enumerate() {
                let committed = if saved.contains(&position) {
                    Committed::Saved
                } else {
                    Committed::Conflict
                };
                let _ = turn.done.send(Ok(committed));
            }
        }
        // The database refused something in the batch: find out which turn, alone.
        Err(StoreError::Database(sqlx::Error::Database(_))) if batch.len() > 1 => {
            for turn in batch {
                let outcome = save_turns(pool, std::slice::from_ref(&turn))
                    .await
                    .map(|saved| {
                        if saved.is_empty() {
                            Committed::Conflict
                        } else {
                            Committed::Saved
                        }
                    });
                let _ = turn.done.send(outcome);
            }
        }
        Err(err) => {
            let shared = Arc::new(err);
            for turn in batch {
                let _ = turn.done.send(Err(StoreError::Shared(Arc::clone(&shared))));
            }
        }
    }
}

/// One statement for the whole batch; returns the positions of the turns saved.
async fn save_turns(pool: &PgPool, batch: &[PendingTurn]) -> Result<Vec<usize>, StoreError> {
    let mut turns = TurnColumns::default();
    let mut lines = LineColumns::default();
    for (position, turn) in (0_i32..).zip(batch) {
        turns.position.push(position);
        turns.channel.push(turn.key.channel.as_str());
        turns.chat.push(turn.key.chat.as_str());
        turns.state.push(turn.session.state.as_str());
        turns.slots.push(sqlx::types::Json(&turn.session.slots));
        turns.tries.push(i16::from(turn.session.tries));
        turns.lang.push(turn.session.lang.as_str());
        turns.dialogue_version.push(turn.dialogue_version.as_str());
        turns.expected_version.push(turn.expected_version);
        turns
            .context
            .push(sqlx::types::Json(SessionContext::of(&turn.session)));
        for line in &turn.transcript {
            lines.position.push(position);
            lines.direction.push(line.direction);
            lines.state.push(line.state.as_str());
            lines.body.push(line.body.as_str());
            lines.understood.push(line.understood);
            lines.faq.push(line.faq.as_deref());
        }
    }
    let saved: Vec<i32> = sqlx::query_scalar(include_str!("../queries/save_turns.sql"))
        .bind(turns.position)
        .bind(turns.channel)
        .bind(turns.chat)
        .bind(turns.state)
        .bind(turns.slots)
        .bind(turns.tries)
        .bind(turns.lang)
        .bind(turns.dialogue_version)
        .bind(turns.expected_version)
        .bind(lines.position)
        .bind(lines.direction)
        .bind(lines.state)
        .bind(lines.body)
        .bind(lines.understood)
        .bind(turns.context)
        .bind(lines.faq)
        .fetch_all(pool)
        .await?;
    Ok(saved
        .into_iter()
        .filter_map(|p| usize::try_from(p).ok())
        .collect())
}

/// The batch's turns as one array per column, for `UNNEST`.
#[derive(Default)]
struct TurnColumns<'a> {
    position: Vec<i32>,
    channel: Vec<&'a str>,
    chat: Vec<&'a str>,
    state: Vec<&'a str>,
    slots: Vec<sqlx::types::Json<&'a BTreeMap<String, serde_json::Value>>>,
    tries: Vec<i16>,
    lang: Vec<&'a str>,
    dialogue_version: Vec<&'a str>,
    expected_version: Vec<Option<i64>>,
    context: Vec<sqlx::types::Json<SessionContext<'a>>>,
}

/// The batch's transcript lines as one array per column.
#[derive(Default)]
struct LineColumns<'a> {
    position: Vec<i32>,
    direction: Vec<&'a str>,
    state: Vec<&'a str>,
    body: Vec<&'a str>,
    understood: Vec<bool>,
    faq: Vec<Option<&'a str>>,
}
