//! The reminder scheduler: turns due reminders into outbox rows, rendered then from
//! the dialogues and the event as it stands, and follows the calendar — a reminder
//! whose event moved moves with it (the citizen is told once), one whose event went
//! is cancelled (told once), one that fell due while the bot was down is sent late
//! if its event has not started yet and dropped otherwise.
//!
//! Every replica may run it: reminders are held with `FOR UPDATE SKIP LOCKED` and
//! settled in the same transaction, so each is handled once. `LISTEN
//! sportello_reminders` (a calendar change) wakes it early; it also looks every
//! [`CHECK_EVERY`].

use std::time::Duration;

use chrono::{DateTime, Utc};
use minijinja::Value;
use sqlx::postgres::PgListener;

use crate::content::CalendarEvent;
use crate::dialogue::{Dialogues, Live, Localized};
use crate::shutdown::Shutdown;
use crate::store::StoreError;
use crate::store::pg::PgStore;
use crate::store::pg::reminders::{self, Decision, HeldReminder, PASS_LIMIT};

/// How often the scheduler looks for due reminders without being woken.
const CHECK_EVERY: Duration = Duration::from_secs(20);
/// The channel a calendar change is announced on (see the reminders migration).
const NOTIFY_CHANNEL: &str = "sportello_reminders";

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReminderPass {
    /// Reminders queued for sending.
    pub sent: usize,
    /// Reminders whose event moved (the citizen told when it still matters).
    pub moved: usize,
    /// Reminders cancelled because their event left the calendar.
    pub cancelled: usize,
    /// Reminders that fell due too late to be useful.
    pub dropped: usize,
}

impl ReminderPass {
    fn add(&mut self, decision: &Decision) {
        match decision {
            Decision::Send { .. } => self.sent += 1,
            Decision::Moved {
                notice: Some(_), ..
            } => self.moved += 1,
            Decision::Moved { notice: None, .. } => {}
            Decision::Cancelled { .. } => self.cancelled += 1,
            Decision::Dropped => self.dropped += 1,
        }
    }
}

/// Handles every reminder due at `now` or whose event changed, in batches; what was done.
pub async fn remind_due(
    store: &PgStore,
    live: &Live,
    now: DateTime<Utc>,
) -> Result<ReminderPass, StoreError> {
    let d = live.get();
    let mut pass = ReminderPass::default();
    loop {
        let mut tx = store.pool().begin().await?;
        let held = reminders::hold(&mut tx, now, PASS_LIMIT).await?;
        if held.is_empty() {
            break;
        }
        let decisions: Vec<(&HeldReminder, Decision)> =
            held.iter().map(|h| (h, decide(&d, h, now))).collect();
        for (_, decision) in &decisions {
            pass.add(decision);
        }
        reminders::settle(&mut tx, &decisions).await?;
        tx.commit().await?;
        if (held.len() as i64) < PASS_LIMIT {
            break;
        }
    }
    if pass != ReminderPass::default() {
        tracing::info!(
            sent = pass.sent,
            moved = pass.moved,
            cancelled = pass.cancelled,
            dropped = pass.dropped,
            "reminders handled"
        );
        metrics::counter!("sportello_reminders_total", "outcome" => "sent")
            .increment(pass.sent as u64);
        metrics::counter!("sportello_reminders_total", "outcome" => "moved")
            .increment(pass.moved as u64);
        metrics::counter!("sportello_reminders_total", "outcome" => "cancelled")
            .increment(pass.cancelled as u64);
        metrics::counter!("sportello_reminders_total", "outcome" => "dropped")
            .increment(pass.dropped as u64);
    }
    Ok(pass)
}

/// What becomes of `held` at `now`.
fn decide(d: &Dialogues, held: &HeldReminder, now: DateTime<Utc>) -> Decision {
    let texts = &d.settings.reminders;
    let Some(event) = &held.event else {
        // Gone from the calendar: worth a word only if it had not happened yet.
        let notice = (held.event_starts_at > now).then(|| {
            let was = CalendarEvent {
                key: String::new(),
                category: String::new(),
                title: held.event_title.clone(),
                starts_at: held.event_starts_at,
                ends_at: None,
                place: None,
                details: None,
                link: None,
                valid_until: None,
            };
            render(d, &texts.cancelled, &held.lang, &was, held.remind_at)
        });
        return Decision::Cancelled { notice };
    };
    if event.starts_at <= now {
        return Decision::Dropped;
    }
    let moved = held.changed && event.starts_at != held.event_starts_at;
    let remind_at = if moved {
        held.rule.due(event.starts_at)
    } else {
        held.remind_at
    };
    if remind_at <= now {
        // Due (or moved so close that it is due): the reminder itself says the date.
        return Decision::Send {
            text: render(d, &texts.message, &held.lang, event, remind_at),
            expires_at: event.starts_at,
        };
    }
    Decision::Moved {
        remind_at,
        starts_at: event.starts_at,
        title: event.title.clone(),
        notice: moved.then(|| render(d, &texts.moved, &held.lang, event, remind_at)),
    }
}

/// One reminder text in `lang`; a template that fails (it was checked at load, so
/// only a value can make it) gives a plain line with the title and the date.
fn render(
    d: &Dialogues,
    text: &Localized,
    lang: &str,
    event: &CalendarEvent,
    remind_at: DateTime<Utc>,
) -> String {
    let context = minijinja::context! {
        event => Value::from_serialize(event),
        reminder => minijinja::context! { remind_at => remind_at.to_rfc3339() },
        lang => lang,
    };
    let rendered = text
        .template_name(lang, &d.settings.default_lang)
        .ok_or_else(|| "no template".to_owned())
        .and_then(|name| {
            d.templates
                .render(name, &context)
                .map_err(|e| format!("{name}: {e}"))
        });
    match rendered {
        Ok(text) if !text.trim().is_empty() => text.trim().to_owned(),
        Ok(_) | Err(_) => {
            if let Err(err) = rendered {
                tracing::warn!("reminders: template {err}");
            }
            format!(
                "🔔 {} ({})",
                html_escape::encode_text(&event.title),
                event
                    .starts_at
                    .with_timezone(&chrono_tz::Europe::Rome)
                    .format("%d/%m/%Y %H:%M")
            )
        }
    }
}

/// Runs [`remind_due`] now, every [`CHECK_EVERY`] and whenever the calendar changes,
/// until `stop`; failures are logged and tried again.
pub fn spawn_reminders(store: PgStore, live: Live, stop: Shutdown) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut listener = match PgListener::connect_with(store.pool()).await {
            Ok(mut listener) => match listener.listen(NOTIFY_CHANNEL).await {
                Ok(()) => Some(listener),
                Err(err) => {
                    tracing::warn!("reminders: LISTEN failed, polling only: {err}");
                    None
                }
            },
            Err(err) => {
                tracing::warn!("reminders: no LISTEN connection, polling only: {err}");
                None
            }
        };
        loop {
            if let Err(err) = remind_due(&store, &live, Utc::now()).await {
                tracing::warn!("reminders: {err}");
            }
            let woken = async {
                match listener.as_mut() {
                    Some(listener) => {
                        // A lost connection is reopened by the next recv; pause so a
                        // dead database is not spun on.
                        if listener.recv().await.is_err() {
                            tokio::time::sleep(CHECK_EVERY).await;
                        }
                    }
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                () = stop.clone().wait() => return,
                () = tokio::time::sleep(CHECK_EVERY) => {}
                () = woken => {}
            }
        }
    })
}
