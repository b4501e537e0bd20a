//! Sessions, subscribers and transcripts in PostgreSQL: the citizen aggregate.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{FromRow, PgConnection};

use super::{PgStore, SessionContext};
use crate::engine::{Effect, Session};
use crate::reminder::Reminder;
use crate::store::{
    ChatKey, CitizenStore, Committed, ErasureReceipt, StoreError, StoredSession, TurnRecord,
};

#[derive(FromRow)]
struct SessionRow {
    state: String,
    slots: sqlx::types::Json<BTreeMap<String, serde_json::Value>>,
    tries: i16,
    lang: String,
    version: i64,
    context: sqlx::types::Json<SessionContext<'static>>,
}

impl CitizenStore for PgStore {
    async fn load(&self, key: &ChatKey) -> Result<Option<StoredSession>, StoreError> {
        if let Some(cached) = self.sessions.get(key) {
            return Ok(Some(cached));
        }
        let row = sqlx::query_as::<_, SessionRow>(
            "SELECT state, slots, tries, lang, version, context FROM sessions WHERE channel = $1 AND chat = $2",
        )
        .bind(&key.channel)
        .bind(&key.chat)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|row| StoredSession {
            session: Session {
                state: row.state,
                slots: row.slots.0,
                tries: u8::try_from(row.tries).unwrap_or(u8::MAX),
                lang: row.lang,
                misses: row.context.0.misses,
                offered: row.context.0.offered.into_owned(),
                handoff: row.context.0.handoff.map(std::borrow::Cow::into_owned),
                reopen: row.context.0.reopen.map(std::borrow::Cow::into_owned),
                answered: row.context.0.answered.map(std::borrow::Cow::into_owned),
            },
            version: row.version,
        }))
    }

    async fn topics(&self, key: &ChatKey) -> Result<Vec<String>, StoreError> {
        let topics: Option<Vec<String>> =
            sqlx::query_scalar("SELECT topics FROM subscribers WHERE channel = $1 AND chat = $2")
                .bind(&key.channel)
                .bind(&key.chat)
                .fetch_optional(&self.pool)
                .await?;
        Ok(topics.unwrap_or_default())
    }

    async fn commit(&self, key: &ChatKey, record: TurnRecord<'_>) -> Result<Committed, StoreError> {
        let committed = self.commit_to_database(key, &record).await;
        match &committed {
            Ok(Committed::Saved) if !record.effects.contains(&Effect::Erase) => {
                let version = record.expected_version.unwrap_or(0) + 1;
                self.sessions.put(
                    key,
                    StoredSession {
                        session: record.session.clone(),
                        version,
                    },
                );
            }
            _ => self.sessions.forget(key),
        }
        committed
    }

    async fn set_blocked(&self, key: &ChatKey, blocked: bool) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE subscribers SET status = $3, updated_at = now() \
             WHERE channel = $1 AND chat = $2 AND status <> $3",
        )
        .bind(&key.channel)
        .bind(&key.chat)
        .bind(if blocked { "blocked" } else { "active" })
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn reminders(&self, key: &ChatKey) -> Result<Vec<Reminder>, StoreError> {
        Ok(super::reminders::upcoming(&self.pool, key).await?)
    }

    async fn erase(&self, key: &ChatKey) -> Result<ErasureReceipt, StoreError> {
        self.sessions.forget(key);
        let mut tx = self.pool.begin().await?;
        let receipt = erase(&mut tx, key).await?;
        tx.commit().await?;
        Ok(receipt)
    }
}

impl PgStore {
    /// Saves a turn in the database (the cache is the caller's business).
    async fn commit_to_database(
        &self,
        key: &ChatKey,
        record: &TurnRecord<'_>,
    ) -> Result<Committed, StoreError> {
        if record.effects.is_empty() {
            return self.turn_batcher().save(key, record).await;
        }
        let mut tx = self.pool.begin().await?;
        if record.effects.contains(&Effect::Erase) {
            erase(&mut tx, key).await?;
            tx.commit().await?;
            return Ok(Committed::Saved);
        }
        if !save_session(&mut tx, key, record).await? {
            // Dropping the transaction rolls it back.
            return Ok(Committed::Conflict);
        }
        for effect in record.effects {
            match effect {
                Effect::Subscribe { topic } => {
                    sqlx::query(include_str!("../queries/subscribe.sql"))
                        .bind(&key.channel)
                        .bind(&key.chat)
                        .bind(topic)
                        .bind(&record.session.lang)
                        .execute(&mut *tx)
                        .await?;
                }
                Effect::Unsubscribe { topic: Some(topic) } => {
                    sqlx::query(
                        "UPDATE subscribers SET topics = array_remove(topics, $3), updated_at = now() \
                         WHERE channel = $1 AND chat = $2",
                    )
                    .bind(&key.channel)
                    .bind(&key.chat)
                    .bind(topic)
                    .execute(&mut *tx)
                    .await?;
                }
                Effect::Unsubscribe { topic: None } => {
                    sqlx::query("DELETE FROM subscribers WHERE channel = $1 AND chat = $2")
                        .bind(&key.channel)
                        .bind(&key.chat)
                        .execute(&mut *tx)
                        .await?;
                }
                Effect::ToStaff {
                    queue,
                    text,
                    reopen,
                    copy_of,
                } => {
                    let lang = &record.session.lang;
                    let message = (text.as_str(), *copy_of);
                    super::tickets::to_staff(&mut tx, key, (lang, queue, *reopen), message).await?;
                }
                Effect::EndHandoff => super::tickets::end_by_citizen(&mut tx, key).await?,
                Effect::Remind {
                    event_key,
                    title,
                    starts_at,
                    rule,
                    remind_at,
                } => {
                    let event = (event_key.as_str(), title.as_str(), *starts_at);
                    let lang = &record.session.lang;
                    super::reminders::set(&mut tx, key, lang, event, *rule, *remind_at).await?;
                }
                Effect::ForgetReminder { id } => {
                    super::reminders::forget(&mut tx, key, *id).await?;
                }
                Effect::Erase => {}
            }
        }
        if !record.transcript.is_empty() {
            let lines = record.transcript;
            sqlx::query(
                "INSERT INTO transcripts (channel, chat, direction, state, body, understood, faq) \
                 SELECT $1, $2, * \
                 FROM UNNEST($3::text[], $4::text[], $5::text[], $6::bool[], $7::text[])",
            )
            .bind(&key.channel)
            .bind(&key.chat)
            .bind(lines.iter().map(|l| l.direction).collect::<Vec<_>>())
            .bind(lines.iter().map(|l| l.state.as_str()).collect::<Vec<_>>())
            .bind(lines.iter().map(|l| l.body.as_str()).collect::<Vec<_>>())
            .bind(lines.iter().map(|l| l.understood).collect::<Vec<_>>())
            .bind(lines.iter().map(|l| l.faq.as_deref()).collect::<Vec<_>>())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(Committed::Saved)
    }
}

/// Inserts or updates the session if its version is still the one loaded.
async fn save_session(
    tx: &mut PgConnection,
    key: &ChatKey,
    record: &TurnRecord<'_>,
) -> Result<bool, StoreError> {
    let session = record.session;
    let slots = sqlx::types::Json(&session.slots);
    let tries = i16::from(session.tries);
    let context = sqlx::types::Json(SessionContext::of(session));
    let result = match record.expected_version {
        None => {
            sqlx::query(
                "INSERT INTO sessions (channel, chat, state, slots, tries, lang, dialogue_version, context) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (channel, chat) DO NOTHING",
            )
            .bind(&key.channel)
            .bind(&key.chat)
            .bind(&session.state)
            .bind(slots)
            .bind(tries)
            .bind(&session.lang)
            .bind(record.dialogue_version)
            .bind(&context)
            .execute(&mut *tx)
            .await?
        }
        Some(version) => {
            sqlx::query(
                "UPDATE sessions SET state = $3, slots = $4, tries = $5, lang = $6, dialogue_version = $7, \
                 context = $9, version = version + 1, updated_at = now() \
                 WHERE channel = $1 AND chat = $2 AND version = $8",
            )
            .bind(&key.channel)
            .bind(&key.chat)
            .bind(&session.state)
            .bind(slots)
            .bind(tries)
            .bind(&session.lang)
            .bind(record.dialogue_version)
            .bind(version)
            .bind(&context)
            .execute(&mut *tx)
            .await?
        }
    };
    Ok(result.rows_affected() == 1)
}

/// Deletes everything about `key` inside the caller's transaction.
async fn erase(tx: &mut PgConnection, key: &ChatKey) -> Result<ErasureReceipt, StoreError> {
    let deleted = |query: &'static str| {
        sqlx::query(query)
            .bind(key.channel.clone())
            .bind(key.chat.clone())
    };
    let mut receipt = ErasureReceipt {
        sessions: deleted("DELETE FROM sessions WHERE channel = $1 AND chat = $2")
            .execute(&mut *tx)
            .await?
            .rows_affected(),
        subscriptions: deleted("DELETE FROM subscribers WHERE channel = $1 AND chat = $2")
            .execute(&mut *tx)
            .await?
            .rows_affected(),
        transcripts: deleted("DELETE FROM transcripts WHERE channel = $1 AND chat = $2")
            .execute(&mut *tx)
            .await?
            .rows_affected(),
        // News still to send and the record of what was sent.
        deliveries: deleted("DELETE FROM outbox WHERE channel = $1 AND recipient = $2")
            .execute(&mut *tx)
            .await?
            .rows_affected()
            + deleted("DELETE FROM whatsapp_deliveries WHERE $1 = 'whatsapp' AND wa_id = $2")
                .execute(&mut *tx)
                .await?
                .rows_affected(),
        ..ErasureReceipt::default()
    };
    receipt.tickets = super::tickets::erase(tx, key).await?;
    receipt.reminders = super::reminders::erase(tx, key).await?;
    receipt.votes = super::consultations::erase_votes(tx, key).await?;
    // When the citizen last wrote on WhatsApp: part of the conversation's state.
    receipt.sessions +=
        deleted("DELETE FROM whatsapp_contacts WHERE $1 = 'whatsapp' AND wa_id = $2")
            .execute(&mut *tx)
            .await?
            .rows_affected();
    // Answered webhook updates keep only their ids (the body went when answered).
    deleted("DELETE FROM telegram_inbox WHERE $1 = 'telegram' AND lane::text = $2 AND done")
        .execute(&mut *tx)
        .await?;
    receipt.at = sqlx::query_scalar("SELECT now()")
        .fetch_one(&mut *tx)
        .await?;
    Ok(receipt)
}

/// Everything stored about one citizen (the right of access).
#[derive(Debug, Serialize)]
pub struct CitizenExport {
    /// The citizen's channel.
    pub channel: String,
    /// The citizen's chat id on it.
    pub chat: String,
    /// When the export was taken (database time).
    pub exported_at: DateTime<Utc>,
    /// The conversation's session row, if any.
    pub session: Option<serde_json::Value>,
    /// The subscription row (topics, language, status), if any.
    pub subscriber: Option<serde_json::Value>,
    /// Every transcript line kept, oldest first.
    pub transcript: Vec<serde_json::Value>,
    /// News deliveries (the outbox) and, on WhatsApp, the Cloud API's delivery records.
    pub deliveries: Vec<serde_json::Value>,
    /// On WhatsApp: when the citizen last wrote and the last menu shown.
    pub whatsapp_contact: Option<serde_json::Value>,
    /// Conversations with a person, each with its messages.
    pub tickets: Vec<serde_json::Value>,
    /// Reminders of calendar events, whatever became of them.
    pub reminders: Vec<serde_json::Value>,
    /// Answers to consultations that were not anonymous (anonymous ones lead to no one).
    pub votes: Vec<serde_json::Value>,
}

impl PgStore {
    /// Everything stored about `key`, as JSON-ready values.
    pub async fn export_citizen(&self, key: &ChatKey) -> Result<CitizenExport, StoreError> {
        let session: Option<serde_json::Value> = sqlx::query_scalar(
            "SELECT to_jsonb(s) - 'channel' - 'chat' FROM sessions s WHERE channel = $1 AND chat = $2",
        )
        .bind(&key.channel)
        .bind(&key.chat)
        .fetch_optional(&self.pool)
        .await?;
        let subscriber: Option<serde_json::Value> = sqlx::query_scalar(
            "SELECT to_jsonb(s) - 'channel' - 'chat' FROM subscribers s WHERE channel = $1 AND chat = $2",
        )
        .bind(&key.channel)
        .bind(&key.chat)
        .fetch_optional(&self.pool)
        .await?;
        let transcript: Vec<serde_json::Value> = sqlx::query_scalar(
            "SELECT to_jsonb(t) - 'channel' - 'chat' - 'id' FROM transcripts t \
             WHERE channel = $1 AND chat = $2 ORDER BY at, id",
        )
        .bind(&key.channel)
        .bind(&key.chat)
        .fetch_all(&self.pool)
        .await?;
        let deliveries: Vec<serde_json::Value> = sqlx::query_scalar(
            "SELECT to_jsonb(o) - 'channel' - 'recipient' FROM outbox o \
             WHERE channel = $1 AND recipient = $2 \
             UNION ALL \
             SELECT to_jsonb(w) - 'wa_id' FROM whatsapp_deliveries w \
             WHERE $1 = 'whatsapp' AND wa_id = $2",
        )
        .bind(&key.channel)
        .bind(&key.chat)
        .fetch_all(&self.pool)
        .await?;
        let whatsapp_contact: Option<serde_json::Value> = sqlx::query_scalar(
            "SELECT to_jsonb(c) - 'wa_id' FROM whatsapp_contacts c \
             WHERE $1 = 'whatsapp' AND wa_id = $2",
        )
        .bind(&key.channel)
        .bind(&key.chat)
        .fetch_optional(&self.pool)
        .await?;
        let tickets = self.export_tickets(key).await?;
        let reminders = super::reminders::export(&self.pool, key).await?;
        let votes = self.export_votes(key).await?;
        let exported_at = sqlx::query_scalar("SELECT now()")
            .fetch_one(&self.pool)
            .await?;
        Ok(CitizenExport {
            channel: key.channel.clone(),
            chat: key.chat.clone(),
            exported_at,
            session,
            subscriber,
            transcript,
            deliveries,
            whatsapp_contact,
            tickets,
            reminders,
            votes,
        })
    }

    /// Deletes transcript lines older than `days`; returns how many went.
    pub async fn purge_transcripts(&self, days: u32) -> Result<u64, StoreError> {
        let deleted =
            sqlx::query("DELETE FROM transcripts WHERE at < now() - make_interval(days => $1)")
                .bind(i32::try_from(days).unwrap_or(i32::MAX))
                .execute(&self.pool)
                .await?;
        Ok(deleted.rows_affected())
    }

    /// Citizen texts the bot did not understand, newest first, for staff review.
    pub async fn not_understood(
        &self,
        limit: i64,
    ) -> Result<Vec<(DateTime<Utc>, String, String)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT at, state, body FROM transcripts WHERE NOT understood ORDER BY at DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }
}
