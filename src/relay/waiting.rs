//! Nobody answered in time: a citizen whose ticket had no staff answer within its
//! queue's office hours (`answer_within_hours`, counted only while the office is open)
//! is told so, once, with the way to the contacts, through the outbox.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::dialogue::Live;
use crate::store::StoreError;
use crate::store::pg::PgStore;

/// How often tickets are looked at.
const CHECK_EVERY: Duration = Duration::from_secs(60);

/// Tells every citizen waiting past their queue's limit at `now`; how many were told.
pub async fn tell_the_waiting(
    store: &PgStore,
    live: &Live,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let d = live.get();
    let handoff = &d.settings.handoff;
    let mut told = 0;
    for waiting in store.unanswered_tickets(now).await? {
        let Some(queue) = handoff.queue(&waiting.queue) else {
            continue;
        };
        let open = queue.hours.open_minutes_between(waiting.opened_at, now);
        if open < queue.answer_within_minutes {
            continue;
        }
        let text = handoff
            .still_waiting
            .get(&waiting.lang, &d.settings.default_lang);
        let html = html_escape::encode_text(text);
        if store.tell_waiting(waiting.id, &html).await? {
            metrics::counter!("sportello_tickets_late_total", "queue" => waiting.queue.clone())
                .increment(1);
            told += 1;
        }
    }
    Ok(told)
}

/// Runs [`tell_the_waiting`] every minute until aborted; failures are logged.
pub fn spawn_waiting_check(store: PgStore, live: Live) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(CHECK_EVERY);
        loop {
            ticks.tick().await;
            if let Err(err) = tell_the_waiting(&store, &live, Utc::now()).await {
                tracing::warn!("tickets: cannot check who is waiting: {err}");
            }
        }
    })
}
