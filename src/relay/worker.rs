//! The relay worker: claims due outbox rows in batches, sends them concurrently
//! through a [`Sender`] (usually [`Paced`], which keeps the limits; the worker adds
//! [`Retry`] for the plain-text resend of refused HTML), and
//! records the outcomes in batches while it goes.
//!
//! Leases are renewed while a batch is held, so a slow batch (a long 429 pause) is
//! never claimed by a second live worker; a dead worker's rows come back when its
//! lease runs out. Outcomes are recorded at least every `record_every` sends, which
//! bounds what a crash can repeat. `LISTEN sportello_outbox` wakes an idle worker;
//! polling every `poll` is the safety net.

use std::collections::HashSet;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sqlx::PgPool;
use sqlx::postgres::PgListener;
use tokio::sync::watch;

use super::RelayError;
use super::config::WorkerConfig;
use super::deliver::deliver;
use super::outbox::{self, Claimed, Outcome};
#[cfg(doc)]
use crate::sender::Paced;
use crate::sender::{Delivery, Retry, RetryPolicy, Sender};

/// The channel workers listen on.
pub(crate) const NOTIFY_CHANNEL: &str = "sportello_outbox";

/// Claims, sends and records outbox rows of its sender's channel.
pub struct Worker<S> {
    pool: PgPool,
    sender: Arc<Retry<S>>,
    config: WorkerConfig,
    name: String,
}

impl<S> std::fmt::Debug for Worker<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker")
            .field("name", &self.name)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

static WORKERS: AtomicU64 = AtomicU64::new(0);

fn default_name() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "sportello".to_owned());
    format!(
        "{host}-{}-{}",
        std::process::id(),
        WORKERS.fetch_add(1, Ordering::Relaxed)
    )
}

impl<S: for<'a> Sender<Delivery<'a>>> Worker<S> {
    /// A worker sending the outbox rows of `sender`'s channel, from `pool`.
    pub fn new(pool: PgPool, sender: S, config: WorkerConfig) -> Worker<S> {
        let name = config.name.clone().unwrap_or_else(default_name);
        Worker {
            pool,
            sender: Arc::new(Retry::new(sender, RetryPolicy::ONCE)),
            config,
            name,
        }
    }

    /// The name this worker stamps on the rows it claims.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Works until `shutdown` resolves; then stops claiming, lets the sends in flight
    /// finish (up to `drain`), records them, releases what it did not send and returns.
    pub async fn run(&self, shutdown: impl Future<Output = ()>) -> Result<(), RelayError> {
        let (stop, stopped) = watch::channel(false);
        let work = self.work(stopped);
        tokio::pin!(work);
        tokio::select! {
            result = &mut work => return result,
            () = shutdown => {
                tracing::info!(worker = %self.name, "relay stopping: draining the sends in flight");
                let _ = stop.send(true);
            }
        }
        work.await
    }

    /// Claims one batch, sends it and records every outcome; the number of rows
    /// handled (0 when nothing was due). For tests and one-shot runs.
    pub async fn run_once(&self) -> Result<usize, RelayError> {
        let (_stop, stopped) = watch::channel(false);
        self.batch(stopped, false).await
    }

    async fn work(&self, mut stopped: watch::Receiver<bool>) -> Result<(), RelayError> {
        let mut listener = match PgListener::connect_with(&self.pool).await {
            Ok(mut listener) => match listener.listen(NOTIFY_CHANNEL).await {
                Ok(()) => Some(listener),
                Err(err) => {
                    tracing::warn!("relay: LISTEN failed, polling only: {err}");
                    None
                }
            },
            Err(err) => {
                tracing::warn!("relay: no LISTEN connection, polling only: {err}");
                None
            }
        };
        tracing::info!(worker = %self.name, "relay worker started");
        loop {
            if *stopped.borrow() {
                break;
            }
            let handled = match self.batch(stopped.clone(), true).await {
                Ok(n) => n,
                Err(err) => {
                    tracing::warn!(worker = %self.name, "relay batch failed: {err}");
                    0
                }
            };
            if handled > 0 {
                continue;
            }
            let notified = async {
                match listener.as_mut() {
                    Some(l) => l.recv().await.map(|_| ()),
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                result = notified => {
                    if let Err(err) = result {
                        tracing::warn!("relay: LISTEN connection lost, polling only: {err}");
                        listener = None;
                    }
                }
                () = tokio::time::sleep(self.config.poll) => {}
                _ = stopped.changed() => {}
            }
        }
        tracing::info!(worker = %self.name, "relay worker stopped");
        Ok(())
    }

    async fn claim(&self) -> Result<Vec<Claimed>, RelayError> {
        Ok(outbox::claim(
            &self.pool,
            self.sender.channel(),
            &self.name,
            self.config.lease,
            self.config.batch.max(1) as i64,
        )
        .await?)
    }

    /// One batch: claim, send (stopping early when `stopped` turns true), record.
    /// With `refill`, the next batch is claimed as soon as this one is all in flight,
    /// so sending never pauses between batches while rows are due.
    async fn batch(
        &self,
        mut stopped: watch::Receiver<bool>,
        mut refill: bool,
    ) -> Result<usize, RelayError> {
        let rows = self.claim().await?;
        if rows.is_empty() {
            return Ok(0);
        }
        let mut count = rows.len();
        let held: Arc<Mutex<HashSet<i64>>> =
            Arc::new(Mutex::new(rows.iter().map(|r| r.id).collect()));
        // Dropped with this future, so a worker that is stopped abruptly stops renewing.
        let _heartbeat = AbortOnDrop(self.heartbeat(Arc::clone(&held)));
        let mut queue = std::collections::VecDeque::from(rows);
        // Sends run as tasks of their own, so recording and claiming never pause them;
        // dropping the set (a worker stopped abruptly) aborts them all.
        let mut in_flight = tokio::task::JoinSet::new();
        let mut pending: Vec<(i64, Outcome)> = Vec::new();
        let mut last_record = Instant::now();
        let mut stopping = *stopped.borrow();
        let mut drain_until: Option<tokio::time::Instant> = None;
        loop {
            while !stopping && in_flight.len() < self.config.concurrency.max(1) {
                let Some(row) = queue.pop_front() else { break };
                in_flight.spawn(deliver(Arc::clone(&self.sender), row, self.config.clone()));
            }
            if refill && !stopping && queue.is_empty() {
                let more = self.claim().await?;
                if more.is_empty() {
                    refill = false;
                } else {
                    count += more.len();
                    held.lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .extend(more.iter().map(|r| r.id));
                    queue.extend(more);
                    continue;
                }
            }
            if in_flight.is_empty() {
                break;
            }
            let deadline = drain_until
                .unwrap_or_else(|| tokio::time::Instant::now() + Duration::from_secs(86_400 * 365));
            tokio::select! {
                Some(joined) = in_flight.join_next() => {
                    // A send that panicked stays held and is released below.
                    let Ok((id, outcome)) = joined else { continue };
                    pending.push((id, outcome));
                    if pending.len() >= self.config.record_every.max(1)
                        || last_record.elapsed() >= Duration::from_millis(200)
                    {
                        self.flush(&mut pending, &held).await?;
                        last_record = Instant::now();
                    }
                }
                changed = stopped.changed(), if !stopping => {
                    let _ = changed;
                    stopping = true;
                    drain_until = Some(tokio::time::Instant::now() + self.config.drain);
                }
                () = tokio::time::sleep_until(deadline), if drain_until.is_some() => {
                    // Sends still in flight after the drain: their rows go back (a
                    // send that did reach Telegram may then be repeated once).
                    break;
                }
            }
        }
        drop(in_flight);
        let unsent: Vec<i64> = held
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .copied()
            .filter(|id| !pending.iter().any(|(p, _)| p == id))
            .collect();
        pending.extend(unsent.into_iter().map(|id| {
            (
                id,
                Outcome::Release {
                    delay: Duration::ZERO,
                },
            )
        }));
        self.flush(&mut pending, &held).await?;
        Ok(count)
    }

    /// Renews the lease of the rows still held, every third of the lease.
    fn heartbeat(&self, held: Arc<Mutex<HashSet<i64>>>) -> tokio::task::JoinHandle<()> {
        let pool = self.pool.clone();
        let name = self.name.clone();
        let lease = self.config.lease;
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(lease / 3);
            ticks.tick().await;
            loop {
                ticks.tick().await;
                let ids: Vec<i64> = held
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .iter()
                    .copied()
                    .collect();
                if let Err(err) = outbox::renew(&pool, &name, &ids, lease).await {
                    tracing::warn!("relay: cannot renew leases: {err}");
                }
            }
        })
    }

    /// Records `pending` (retrying a failing database a few times), deactivates gone
    /// subscribers and follows migrated groups.
    async fn flush(
        &self,
        pending: &mut Vec<(i64, Outcome)>,
        held: &Mutex<HashSet<i64>>,
    ) -> Result<(), RelayError> {
        if pending.is_empty() {
            return Ok(());
        }
        let mut tries = 0;
        let recorded = loop {
            match outbox::record(&self.pool, &self.name, pending).await {
                Ok(recorded) => break recorded,
                Err(err) if tries < 5 => {
                    tries += 1;
                    tracing::warn!("relay: cannot record outcomes yet: {err}");
                    tokio::time::sleep(Duration::from_millis(200 << tries)).await;
                }
                Err(err) => return Err(err.into()),
            }
        };
        let (mut channels, mut chats) = (Vec::new(), Vec::new());
        for (_, status, channel, recipient) in &recorded {
            metrics::counter!("sportello_relay_deliveries_total", "status" => status.clone())
                .increment(1);
            if status == "blocked" {
                channels.push(channel.clone());
                chats.push(recipient.clone());
            }
        }
        if !chats.is_empty() {
            outbox::deactivate(&self.pool, &channels, &chats).await?;
        }
        for (id, outcome) in pending.iter() {
            if let Outcome::Sent {
                migrated_to: Some(to),
                ..
            } = outcome
            {
                let mut conn = self.pool.acquire().await?;
                outbox::migrate(&mut conn, *id, to).await?;
            }
        }
        {
            let mut held = held.lock().unwrap_or_else(|p| p.into_inner());
            for (id, _) in pending.iter() {
                held.remove(id);
            }
        }
        pending.clear();
        Ok(())
    }
}

/// Aborts a task when dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
