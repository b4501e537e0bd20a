//! The aggregates the open data publishes: counts grouped by day, topic and channel,
//! and consultation results. Only counts and staff-written labels (flow names, topic
//! keys, consultation questions and options) leave the database: no chat id, no
//! recipient, no citizen's words. Suppression of small counts happens later, in
//! `opendata`, which is why every count comes with the citizens behind it.
//!
//! The channel `console` (staff trying the bot in a terminal) is left out.

use chrono::NaiveDate;
use sqlx::FromRow;

use super::PgStore;
use crate::store::StoreError;

/// Citizen messages of one Italian day, in one topic or in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationFigures {
    /// The day (Europe/Rome).
    pub day: NaiveDate,
    /// The flow the messages were about; `None` for the day's total.
    pub topic: Option<String>,
    /// Distinct chats that wrote (a chat writing in two topics counts in each, and
    /// once in the day's total).
    pub chats: u64,
    /// Citizen messages: typed text, buttons pressed, commands.
    pub messages: u64,
    /// Messages the bot did not understand (its "non ho capito").
    pub fallbacks: u64,
    /// Distinct chats with such a message.
    pub fallback_chats: u64,
    /// Messages answered by an FAQ.
    pub faq_answers: u64,
    /// Distinct chats with such a message.
    pub faq_chats: u64,
}

/// Active subscribers of one topic and channel, or of one topic in all channels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriberFigures {
    /// The topic key.
    pub topic: String,
    /// The channel; `None` for a total over channels.
    pub channel: Option<String>,
    /// Distinct subscribers.
    pub subscribers: u64,
}

/// News deliveries to subscribers that ended on one Italian day, for items with one
/// set of topics or for all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryFigures {
    /// The day (Europe/Rome) the delivery ended.
    pub day: NaiveDate,
    /// The items' topics, sorted; `None` for the day's total.
    pub topics: Option<Vec<String>>,
    /// Sent, and to how many distinct subscribers.
    pub sent: (u64, u64),
    /// Failed for good, and to how many.
    pub failed: (u64, u64),
    /// Not sent because the citizen had blocked the bot, and to how many.
    pub blocked: (u64, u64),
}

/// A closed consultation and its votes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsultationFigures {
    /// Its key.
    pub key: String,
    /// The question put to citizens.
    pub question: String,
    /// Whose subscribers were asked (empty: everyone).
    pub topics: Vec<String>,
    /// The Italian day it opened.
    pub opened: NaiveDate,
    /// The Italian day it closed.
    pub closed: NaiveDate,
    /// Each option in order, with its votes (one per voter).
    pub options: Vec<(String, u64)>,
}

/// Everything the open data publishes, before suppression.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OpenDataFigures {
    /// Per day and topic, then per day.
    pub conversations: Vec<ConversationFigures>,
    /// Now, per topic and channel, and per topic.
    pub subscribers: Vec<SubscriberFigures>,
    /// Per day and topics, then per day.
    pub deliveries: Vec<DeliveryFigures>,
    /// Consultations closed in the period, in closing order.
    pub consultations: Vec<ConsultationFigures>,
}

#[derive(FromRow)]
struct ConversationRow {
    day: NaiveDate,
    topic: Option<String>,
    total: bool,
    chats: i64,
    messages: i64,
    fallbacks: i64,
    fallback_chats: i64,
    faq_answers: i64,
    faq_chats: i64,
}

#[derive(FromRow)]
struct SubscriberRow {
    topic: String,
    channel: Option<String>,
    all_channels: bool,
    subscribers: i64,
}

#[derive(FromRow)]
struct DeliveryRow {
    day: NaiveDate,
    topics: Option<Vec<String>>,
    total: bool,
    sent: i64,
    sent_to: i64,
    failed: i64,
    failed_to: i64,
    blocked: i64,
    blocked_to: i64,
}

#[derive(FromRow)]
struct OptionRow {
    key: String,
    question: String,
    topics: Vec<String>,
    opened: NaiveDate,
    closed: NaiveDate,
    label: String,
    votes: i64,
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

impl PgStore {
    /// The open data's figures for the Italian days `first..=last` (subscribers: now).
    /// Four grouped scans; read-only.
    pub async fn open_data_figures(
        &self,
        first: NaiveDate,
        last: NaiveDate,
    ) -> Result<OpenDataFigures, StoreError> {
        let conversations = sqlx::query_as::<_, ConversationRow>(include_str!(
            "../queries/opendata_conversations.sql"
        ))
        .bind(first)
        .bind(last)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|r| ConversationFigures {
            day: r.day,
            topic: if r.total { None } else { r.topic },
            chats: count(r.chats),
            messages: count(r.messages),
            fallbacks: count(r.fallbacks),
            fallback_chats: count(r.fallback_chats),
            faq_answers: count(r.faq_answers),
            faq_chats: count(r.faq_chats),
        })
        .collect();
        let subscribers =
            sqlx::query_as::<_, SubscriberRow>(include_str!("../queries/opendata_subscribers.sql"))
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .map(|r| SubscriberFigures {
                    topic: r.topic,
                    channel: if r.all_channels { None } else { r.channel },
                    subscribers: count(r.subscribers),
                })
                .collect();
        let deliveries =
            sqlx::query_as::<_, DeliveryRow>(include_str!("../queries/opendata_deliveries.sql"))
                .bind(first)
                .bind(last)
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .map(|r| DeliveryFigures {
                    day: r.day,
                    topics: if r.total { None } else { r.topics },
                    sent: (count(r.sent), count(r.sent_to)),
                    failed: (count(r.failed), count(r.failed_to)),
                    blocked: (count(r.blocked), count(r.blocked_to)),
                })
                .collect();
        let options =
            sqlx::query_as::<_, OptionRow>(include_str!("../queries/opendata_consultations.sql"))
                .bind(first)
                .bind(last)
                .fetch_all(&self.pool)
                .await?;
        let mut consultations: Vec<ConsultationFigures> = Vec::new();
        for row in options {
            let votes = (row.label, count(row.votes));
            match consultations.last_mut() {
                Some(c) if c.key == row.key => c.options.push(votes),
                _ => consultations.push(ConsultationFigures {
                    key: row.key,
                    question: row.question,
                    topics: row.topics,
                    opened: row.opened,
                    closed: row.closed,
                    options: vec![votes],
                }),
            }
        }
        Ok(OpenDataFigures {
            conversations,
            subscribers,
            deliveries,
            consultations,
        })
    }
}
