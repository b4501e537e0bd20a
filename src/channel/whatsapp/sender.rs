//! Proactive messages (news) to WhatsApp citizens, within the 24-hour rule: a citizen
//! who wrote in the last 24 hours gets the free-form text; anyone else (or anyone
//! the Graph API says is outside the window, error 131047) gets the approved
//! template configured for the topic (a staff answer to a ticket: the answers'
//! template, `WHATSAPP_REPLY_TEMPLATE`). Every accepted message is recorded in
//! `whatsapp_deliveries` under its `wamid`, where status webhooks update it.
//!
//! Nothing is retried here: a [`SendError`] says whether and when to try again
//! (`retry_after`), for the relay to reschedule its outbox row.

use chrono::{DateTime, Utc};

use super::WhatsAppError;
use super::api::{GraphClient, SendError};
use super::config::{NewsTemplates, Template, WhatsAppConfig};
use super::render::{TEXT_LIMIT, WaMessage, to_whatsapp};
use crate::store::WhatsAppRecords;
use crate::store::pg::PgStore;
use crate::text::split;

/// One message for one citizen: news, a staff answer to their ticket, a reminder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewsMessage<'a> {
    /// The approved template it goes as outside the window.
    pub outside: Outside<'a>,
    /// The free-form text, Telegram-style HTML as the relay renders it.
    pub html: &'a str,
    /// The template's body parameters (e.g. the title), in order.
    pub params: &'a [String],
}

/// The approved template a message goes as outside the 24-hour window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outside<'a> {
    /// News: the template of this topic in `WHATSAPP_NEWS_TEMPLATES`.
    News {
        /// The topic.
        topic: &'a str,
    },
    /// A staff answer: `WHATSAPP_REPLY_TEMPLATE`.
    Reply,
    /// A reminder: `WHATSAPP_REMINDER_TEMPLATE`.
    Reminder,
}

/// How a message went out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// Free text, inside the 24-hour window.
    Text,
    /// The topic's approved template, outside it.
    Template,
}

/// A message the Graph API accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    /// The id of the (last) message sent; status webhooks report on it.
    pub wamid: String,
    /// Whether it went as text or as a template.
    pub via: Via,
}

/// Sends news as the business number. Cheap to clone.
#[derive(Debug, Clone)]
pub struct NewsSender {
    client: GraphClient,
    records: PgStore,
    templates: NewsTemplates,
    reply_template: Option<Template>,
    reminder_template: Option<Template>,
}

impl NewsSender {
    /// A sender for `config`, reading contacts and recording deliveries in `records`.
    pub fn new(config: &WhatsAppConfig, records: PgStore) -> Result<NewsSender, WhatsAppError> {
        Ok(NewsSender {
            client: GraphClient::new(config)?,
            records,
            templates: config.news_templates.clone(),
            reply_template: config.reply_template.clone(),
            reminder_template: config.reminder_template.clone(),
        })
    }

    /// Sends `news` to `wa_id` as it stands at `now`: free text inside the window
    /// (a text over 4096 characters goes in parts), else — or when Meta answers
    /// 131047 — the topic's template. A database failure is `Retryable`.
    pub async fn deliver(
        &self,
        wa_id: &str,
        news: &NewsMessage<'_>,
        now: DateTime<Utc>,
    ) -> Result<Delivered, SendError> {
        self.deliver_as(wa_id, news, None, now).await
    }

    /// Like [`deliver`](Self::deliver), with `inside` (a consultation's list, say)
    /// sent in place of the text inside the window; outside it the topic's template
    /// goes, as for news.
    pub async fn deliver_messages(
        &self,
        wa_id: &str,
        inside: &[WaMessage],
        news: &NewsMessage<'_>,
        now: DateTime<Utc>,
    ) -> Result<Delivered, SendError> {
        self.deliver_as(wa_id, news, Some(inside), now).await
    }

    async fn deliver_as(
        &self,
        wa_id: &str,
        news: &NewsMessage<'_>,
        inside: Option<&[WaMessage]>,
        now: DateTime<Utc>,
    ) -> Result<Delivered, SendError> {
        let contact = self
            .records
            .contact(wa_id)
            .await
            .map_err(|e| SendError::Retryable {
                reason: e.to_string(),
            })?;
        if contact.is_some_and(|c| c.within_window(now)) {
            let sent = match inside {
                Some(messages) => self.send_all(wa_id, messages).await,
                None => self.send_text(wa_id, news.html).await,
            };
            match sent {
                Ok(wamid) => {
                    return Ok(Delivered {
                        wamid,
                        via: Via::Text,
                    });
                }
                Err(SendError::OutsideWindow { .. }) => {
                    tracing::debug!("free text refused outside the window; sending the template");
                }
                Err(err) => return Err(err),
            }
        }
        let template = match news.outside {
            Outside::Reply => self
                .reply_template
                .as_ref()
                .ok_or(SendError::NoReplyTemplate)?,
            Outside::Reminder => self
                .reminder_template
                .as_ref()
                .ok_or(SendError::NoReminderTemplate)?,
            Outside::News { topic } => {
                self.templates
                    .get(topic)
                    .ok_or_else(|| SendError::NoTemplate {
                        topic: topic.to_owned(),
                    })?
            }
        };
        let wamid = self
            .client
            .send_template(wa_id, template, news.params)
            .await?;
        self.record(&wamid, wa_id, "template").await;
        Ok(Delivered {
            wamid,
            via: Via::Template,
        })
    }

    /// Sends `messages` in order, recording each; the last one's id.
    async fn send_all(&self, wa_id: &str, messages: &[WaMessage]) -> Result<String, SendError> {
        let mut last = String::new();
        for message in messages {
            let kind = match message {
                WaMessage::Text(_) => "text",
                WaMessage::Buttons { .. } | WaMessage::List { .. } => "interactive",
            };
            last = self.client.send(wa_id, message).await?;
            self.record(&last, wa_id, kind).await;
        }
        Ok(last)
    }

    async fn send_text(&self, wa_id: &str, html: &str) -> Result<String, SendError> {
        let parts = split(&to_whatsapp(html), TEXT_LIMIT);
        if parts.is_empty() {
            return Err(SendError::Permanent {
                code: 0,
                reason: "the message has no text".into(),
            });
        }
        let mut last = String::new();
        for part in parts {
            last = self.client.send(wa_id, &WaMessage::Text(part)).await?;
            self.record(&last, wa_id, "text").await;
        }
        Ok(last)
    }

    async fn record(&self, wamid: &str, wa_id: &str, kind: &str) {
        if let Err(err) = self.records.record_sent(wamid, wa_id, kind).await {
            tracing::warn!("WhatsApp delivery not recorded: {err}");
        }
    }
}
