//! Publishing a news item: render its message, then one outbox row per configured
//! channel and per active subscriber whose topics match, on the subscriber's own
//! channel (Telegram, WhatsApp), in chunked transactions (one `INSERT … SELECT` per
//! chunk of one channel's subscribers, by primary key).
//!
//! Idempotent: rows are unique per (news, channel, recipient), so publishing again
//! adds only subscribers who arrived since.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use super::RelayError;
use super::message::render_news;
use crate::dialogue::Dialogues;
use crate::store::pg::{find_news, outbox};

/// Subscribers inserted per transaction.
pub(crate) const DEFAULT_CHUNK: i64 = 20_000;

/// The subscriber channels the relay has a sender for, in publishing order.
pub const SUBSCRIBER_CHANNELS: [&str; 2] = ["telegram", "whatsapp"];

/// The outbox channel of `broadcast_to` recipients.
const BROADCAST_CHANNEL: &str = "telegram";

/// How to publish.
#[derive(Debug, Clone)]
pub struct PublishOptions {
    /// When sending may start (default now).
    pub at: Option<DateTime<Utc>>,
    /// The subscribers' channels that get the item (default [`SUBSCRIBER_CHANNELS`]:
    /// `telegram` and `whatsapp`). Each delivery goes on its subscriber's channel and
    /// waits there for that channel's worker.
    pub channels: Vec<String>,
    /// Telegram channel or group recipients that get every item (`@name` or a numeric id).
    pub broadcast_to: Vec<String>,
    /// Subscribers per transaction (default 20,000).
    pub chunk: i64,
}

impl Default for PublishOptions {
    fn default() -> Self {
        PublishOptions {
            at: None,
            channels: SUBSCRIBER_CHANNELS.map(str::to_owned).to_vec(),
            broadcast_to: Vec::new(),
            chunk: DEFAULT_CHUNK,
        }
    }
}

/// What publishing added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// The news item's id.
    pub news_id: i64,
    /// The news item's key.
    pub key: String,
    /// Subscriber deliveries added now, all channels (0 when published before).
    pub subscribers: u64,
    /// Subscriber deliveries added now per subscriber channel, in `channels` order.
    pub per_channel: Vec<(String, u64)>,
    /// Channel deliveries added now.
    pub channels: u64,
}

/// Publishes the news item `news` (its key or numeric id): renders it with the
/// dialogues' `news` template and writes its deliveries. Refuses an expired item.
pub async fn publish(
    pool: &PgPool,
    dialogues: &Dialogues,
    news: &str,
    options: &PublishOptions,
) -> Result<Published, RelayError> {
    let (id, item) = find_news(pool, news)
        .await?
        .ok_or_else(|| RelayError::NotFound(news.to_owned()))?;
    let now = Utc::now();
    let starts = options.at.unwrap_or(now).max(now);
    if item.expires_at.is_some_and(|e| e <= starts) {
        return Err(RelayError::Expired(item.key));
    }
    let messages = render_news(dialogues, &item)?;
    let default_lang = &dialogues.settings.default_lang;
    outbox::save_rendered(pool, id, messages.to_json()).await?;
    let channels = outbox::enqueue_recipients(
        pool,
        id,
        BROADCAST_CHANNEL,
        &options.broadcast_to,
        default_lang,
        options.at,
    )
    .await?;
    let mut per_channel = Vec::with_capacity(options.channels.len());
    for channel in &options.channels {
        if per_channel.iter().any(|(c, _)| c == channel) {
            continue;
        }
        let added = fan_out(pool, id, channel, &item.topics, options).await?;
        per_channel.push((channel.clone(), added));
    }
    let subscribers = per_channel.iter().map(|(_, n)| n).sum();
    metrics::counter!("sportello_relay_enqueued_total").increment(subscribers + channels);
    Ok(Published {
        news_id: id,
        key: item.key,
        subscribers,
        per_channel,
        channels,
    })
}

/// The deliveries of news `news_id` to the subscribers of `channel`, a chunk per
/// transaction; the number added.
async fn fan_out(
    pool: &PgPool,
    news_id: i64,
    channel: &str,
    topics: &[String],
    options: &PublishOptions,
) -> Result<u64, RelayError> {
    let chunk = options.chunk.max(1);
    let mut added = 0;
    let mut after = String::new();
    loop {
        let done = outbox::fan_out_chunk(pool, news_id, channel, topics, &after, chunk, options.at)
            .await?;
        added += done.inserted;
        match done.last {
            Some(last) if done.seen >= chunk.unsigned_abs() => after = last,
            _ => return Ok(added),
        }
    }
}
