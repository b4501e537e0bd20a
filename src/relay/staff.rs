//! Messages to staff: the outbox rows of the `staff` channel (what a handed-off
//! citizen wrote, or that they closed), sent into the ticket's forum topic in the
//! queue's Telegram supergroup. The relay [`Worker`](super::Worker) claims, leases,
//! retries and records them like any other row; this sender finds where each goes.
//!
//! A ticket's topic is opened on its first message, named with the ticket's number
//! and the queue only (never the citizen's name, phone or chat id), and starts with a
//! summary of the conversation so far. A topic staff deleted by hand is opened again;
//! one they closed is reopened. Every send waits for the group's share of the shared
//! [`Pace`] (twenty messages a minute per group).

use std::sync::Arc;

use crate::dialogue::Live;
use crate::sender::{Delivery, Forum, Pace, SendError, Sender, TopicProblem};
use crate::store::StoreError;
use crate::store::pg::{PgStore, STAFF_CHANNEL, TicketRoute};
use crate::text::shorten;

/// Transcript lines a new topic's summary shows.
const SUMMARY_LINES: i64 = 8;
/// Characters of one summary line.
const SUMMARY_LINE_CHARS: usize = 300;
/// Telegram's longest topic name.
const TOPIC_NAME_CHARS: usize = 128;

/// Sends the `staff` outbox rows into their tickets' topics.
pub struct StaffSender<F> {
    forum: F,
    store: PgStore,
    dialogues: Live,
    /// The group of queues whose settings name none (`SPORTELLO_STAFF_GROUP`).
    default_group: Option<i64>,
    pace: Arc<Pace>,
}

impl<F> std::fmt::Debug for StaffSender<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaffSender").finish_non_exhaustive()
    }
}

fn store_error(err: StoreError) -> SendError {
    SendError::Transient(err.to_string())
}

impl<F: Forum> StaffSender<F> {
    /// Sends through `forum`, paced by `pace` (the bot's shared one), finding tickets
    /// in `store` and queues in `dialogues`.
    pub fn new(
        forum: F,
        store: PgStore,
        dialogues: Live,
        default_group: Option<i64>,
        pace: Arc<Pace>,
    ) -> StaffSender<F> {
        StaffSender {
            forum,
            store,
            dialogues,
            default_group,
            pace,
        }
    }

    /// The staff group of `queue`: its own, else the default.
    fn group_of(&self, queue: &str) -> Result<i64, SendError> {
        let d = self.dialogues.get();
        d.settings
            .handoff
            .queue(queue)
            .and_then(|q| q.group)
            .or(self.default_group)
            .ok_or_else(|| {
                SendError::Permanent(format!(
                    "queue `{queue}` has no staff group: set `group:` in sportello.yaml or SPORTELLO_STAFF_GROUP"
                ))
            })
    }

    /// Opens the ticket's topic in `group`, records it and posts the summary.
    async fn open_topic(&self, ticket: &TicketRoute, group: i64) -> Result<i64, SendError> {
        let d = self.dialogues.get();
        let queue = d.settings.handoff.queue(&ticket.queue).map_or_else(
            || ticket.queue.clone(),
            |q| {
                q.name
                    .get(&d.settings.default_lang, &d.settings.default_lang)
                    .to_owned()
            },
        );
        let name = shorten(&format!("#{} · {queue}", ticket.id), TOPIC_NAME_CHARS);
        self.pace.ready(group).await;
        let thread = self.forum.create_topic(group, &name).await?;
        self.store
            .set_ticket_topic(ticket.id, group, Some(thread))
            .await
            .map_err(store_error)?;
        let recent = self
            .store
            .recent_transcript(&ticket.channel, &ticket.chat, SUMMARY_LINES)
            .await
            .map_err(store_error)?;
        let summary = summary(ticket, &queue, &recent);
        self.pace.ready(group).await;
        // The summary helps; the citizen's message matters: a failed summary is logged.
        if let Err(err) = self
            .forum
            .send_to_topic(group, thread, &summary, true)
            .await
        {
            tracing::warn!(
                ticket = ticket.id,
                "staff relay: topic summary not sent: {err}"
            );
        }
        Ok(thread)
    }
}

/// The first message of a ticket's topic: what, where, and the last turns.
fn summary(ticket: &TicketRoute, queue: &str, recent: &[(String, String)]) -> String {
    let escape = |text: &str| html_escape::encode_text(text).into_owned();
    let mut text = format!(
        "🎫 <b>Richiesta #{}</b> · {}\nCanale: {} · lingua: {}\n",
        ticket.id,
        escape(queue),
        escape(&ticket.channel),
        escape(&ticket.lang),
    );
    if !recent.is_empty() {
        text.push_str("\n<b>Ultimi messaggi</b>\n");
        for (direction, body) in recent {
            let who = if direction == "in" { "👤" } else { "🤖" };
            let plain = crate::text::html_to_plain(body);
            text.push_str(&format!(
                "{who} {}\n",
                escape(&shorten(&plain, SUMMARY_LINE_CHARS))
            ));
        }
    }
    text.push_str(
        "\nRispondete scrivendo in questo argomento: il cittadino riceve la risposta firmata dall'ufficio. \
         /nota testo: una nota solo per voi · /chiudi: chiude la richiesta · /bot: restituisce il cittadino al bot.",
    );
    text
}

impl<'a, F: Forum> Sender<Delivery<'a>> for StaffSender<F> {
    fn channel(&self) -> &str {
        STAFF_CHANNEL
    }

    /// `queue` is the row's recipient; the ticket says where it really goes.
    async fn send(&self, _queue: &str, message: &Delivery<'a>) -> Result<String, SendError> {
        self.send_delivery(message).await
    }
}

impl<F: Forum> StaffSender<F> {
    async fn send_delivery(&self, message: &Delivery<'_>) -> Result<String, SendError> {
        let Some(id) = message.ticket else {
            return Err(SendError::Permanent(
                "a staff message without a ticket".into(),
            ));
        };
        let Some(ticket) = self.store.ticket_route(id).await.map_err(store_error)? else {
            return Err(SendError::Permanent(format!("ticket #{id} is gone")));
        };
        let (group, mut thread) = match (ticket.staff_group, ticket.thread_id) {
            (Some(group), Some(thread)) => (group, thread),
            _ => {
                let group = self.group_of(&ticket.queue)?;
                (group, self.open_topic(&ticket, group).await?)
            }
        };
        // A Telegram citizen's attachment is copied as it is; elsewhere staff read
        // its description.
        let copy_of = message
            .copy_of
            .filter(|_| ticket.channel == "telegram")
            .zip(ticket.chat.parse::<i64>().ok());
        // Once after opening a topic again or reopening it.
        for _ in 0..2 {
            let sent = match copy_of {
                Some((message_id, from_chat)) => {
                    self.copy_or_describe(group, thread, (from_chat, message_id), message)
                        .await
                }
                None => self.send_text(group, thread, message).await,
            };
            match sent {
                Ok(message_id) => return Ok(message_id),
                Err(err) => match F::topic_problem(&err) {
                    Some(TopicProblem::Gone) => {
                        tracing::info!(
                            ticket = id,
                            "staff relay: the ticket's topic is gone; opening a new one"
                        );
                        thread = self.open_topic(&ticket, group).await?;
                    }
                    Some(TopicProblem::Closed) => {
                        tracing::info!(
                            ticket = id,
                            "staff relay: the ticket's topic was closed; reopening it"
                        );
                        self.pace.ready(group).await;
                        self.forum.reopen_topic(group, thread).await?;
                    }
                    None => return Err(err),
                },
            }
        }
        Err(SendError::Transient(format!(
            "the topic of ticket #{id} keeps refusing messages"
        )))
    }

    async fn send_text(
        &self,
        group: i64,
        thread: i64,
        message: &Delivery<'_>,
    ) -> Result<String, SendError> {
        self.pace.ready(group).await;
        self.forum
            .send_to_topic(group, thread, message.text, message.markup)
            .await
    }

    /// Copies the citizen's message into the topic; when Telegram will not copy it
    /// (the citizen deleted it, or it cannot be copied) staff get its description.
    async fn copy_or_describe(
        &self,
        group: i64,
        thread: i64,
        (from_chat, message_id): (i64, i64),
        message: &Delivery<'_>,
    ) -> Result<String, SendError> {
        self.pace.ready(group).await;
        match self
            .forum
            .copy_to_topic(group, thread, from_chat, message_id)
            .await
        {
            Err(err @ (SendError::Permanent(_) | SendError::Gone(_)))
                if F::topic_problem(&err).is_none() =>
            {
                tracing::debug!("staff relay: attachment not copied ({err}); describing it");
                self.send_text(group, thread, message).await
            }
            copied => copied,
        }
    }
}
