//! Storage behind traits: the citizen aggregate (session, subscriptions, transcript),
//! the content citizens ask about, answers to consultations, and what the channels
//! remember of the wire (WhatsApp message ids, contacts and deliveries; Telegram's
//! update watermark). `mem` keeps
//! everything in memory (the offline `chat`, `test` and engine tests); `pg` is the
//! PostgreSQL store, and all the SQL lives there.
//!
//! Callers own ordering: a store never decides what a turn means.

pub mod mem;
pub mod pg;

use std::future::Future;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::consultation::ballot::{Ballot, Counted};
use crate::content::{CalendarEvent, Faq, NewsItem};
pub use crate::engine::ErasureReceipt;
use crate::engine::{Effect, Session};
use crate::reminder::Reminder;

/// Who a conversation is with: the channel and the chat's id on it, as text
/// (Telegram ids need 52 bits; WhatsApp uses phone-based ids).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChatKey {
    /// `telegram`, `whatsapp` or `console`.
    pub channel: String,
    /// The chat's id on that channel.
    pub chat: String,
}

impl ChatKey {
    /// The key of `chat` on `channel`.
    pub fn new(channel: impl Into<String>, chat: impl Into<String>) -> ChatKey {
        ChatKey {
            channel: channel.into(),
            chat: chat.into(),
        }
    }
}

/// A store that could not do what was asked. The message is for operators' logs,
/// never for citizens.
// The inner errors are shown in the message rather than chained as sources, so a
// report prints each cause once.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A query failed or the database could not be reached.
    #[error("database: {0}")]
    Database(sqlx::Error),
    /// The migrations could not be applied.
    #[error("database schema: {0}")]
    Migrate(sqlx::migrate::MigrateError),
    /// One failure met by several callers at once (a batch of turns).
    #[error("{0}")]
    Shared(std::sync::Arc<StoreError>),
    /// The store stopped taking work (the process is ending).
    #[error("the store is shutting down")]
    Stopped,
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        StoreError::Database(err)
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(err: sqlx::migrate::MigrateError) -> Self {
        StoreError::Migrate(err)
    }
}

/// A session as stored, with the version it was saved at.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredSession {
    /// The session.
    pub session: Session,
    /// Grows by one on every save; a commit names the version it loaded.
    pub version: i64,
}

/// Everything one turn changes, saved at once.
#[derive(Debug)]
pub struct TurnRecord<'a> {
    /// The version loaded; `None` for a conversation that had no session.
    pub expected_version: Option<i64>,
    /// The session after the turn.
    pub session: &'a Session,
    /// Which dialogues wrote the session.
    pub dialogue_version: &'a str,
    /// What the turn asked of the store (subscribe, unsubscribe, erase).
    pub effects: &'a [Effect],
    /// The lines to append to the transcript (empty when transcripts are off).
    pub transcript: &'a [TranscriptLine],
}

/// One line of the transcript.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TranscriptLine {
    /// `in` (from the citizen) or `out`.
    pub direction: &'static str,
    /// The dialogue state the line was said in.
    pub state: String,
    /// What was said.
    pub body: String,
    /// False for a citizen text the bot did not understand: staff review these.
    pub understood: bool,
    /// The key of the FAQ that answered a citizen's message (the open data counts
    /// these); `None` on every other line.
    pub faq: Option<String>,
}

/// How a turn's commit went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Committed {
    /// Everything was saved.
    Saved,
    /// Another turn of the same chat saved first: run the turn again on its session.
    Conflict,
}

/// The citizen aggregate: session, subscriptions, transcript.
pub trait CitizenStore: Send + Sync {
    /// The citizen's session and its version, `None` for a new conversation.
    fn load(
        &self,
        key: &ChatKey,
    ) -> impl Future<Output = Result<Option<StoredSession>, StoreError>> + Send;

    /// The topics the citizen follows (none while blocked).
    fn topics(&self, key: &ChatKey)
    -> impl Future<Output = Result<Vec<String>, StoreError>> + Send;

    /// Saves the session, applies the effects and appends the transcript, all or
    /// nothing; `Conflict` if the session changed since it was loaded. A turn with
    /// `Effect::Erase` saves nothing and leaves nothing of the citizen.
    fn commit(
        &self,
        key: &ChatKey,
        record: TurnRecord<'_>,
    ) -> impl Future<Output = Result<Committed, StoreError>> + Send;

    /// Marks the citizen's subscriptions blocked (they blocked the bot or left) or
    /// active again. A citizen without subscriptions is left alone.
    fn set_blocked(
        &self,
        key: &ChatKey,
        blocked: bool,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The citizen's reminders still to come, soonest first.
    fn reminders(
        &self,
        key: &ChatKey,
    ) -> impl Future<Output = Result<Vec<Reminder>, StoreError>> + Send;

    /// Deletes everything stored about the citizen, in one transaction.
    fn erase(
        &self,
        key: &ChatKey,
    ) -> impl Future<Output = Result<ErasureReceipt, StoreError>> + Send;
}

/// What citizens ask about: calendar, news, FAQ.
pub trait ContentSource: Send + Sync {
    /// Events of `category` still current at `now`, soonest first.
    fn upcoming_events(
        &self,
        category: &str,
        now: DateTime<Utc>,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<CalendarEvent>, StoreError>> + Send;

    /// News current at `now` (of `topic`, or all), newest first.
    fn latest_news(
        &self,
        topic: Option<&str>,
        now: DateTime<Utc>,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<NewsItem>, StoreError>> + Send;

    /// Every FAQ, for the in-memory matcher; the version changes whenever one does
    /// (here or in another process), so callers rebuild their index only then.
    fn faqs(&self) -> impl Future<Output = Result<FaqList, StoreError>> + Send;
}

/// Every FAQ, and a fingerprint of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FaqList {
    /// Changes whenever a FAQ is added, changed or removed.
    pub version: String,
    /// The FAQs, by key.
    pub faqs: std::sync::Arc<Vec<Faq>>,
}

/// A button as shown on WhatsApp, kept so a typed title finds its button again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MenuEntry {
    /// What WhatsApp showed (maybe shortened).
    pub title: String,
    /// The dialogue's label.
    pub label: String,
    /// The engine's button id.
    pub payload: String,
}

/// A citizen who wrote to the WhatsApp business number, and when they last did
/// (the 24-hour customer-service window opens there).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    /// The citizen's WhatsApp id (phone-based).
    pub wa_id: String,
    /// When their latest message was sent; never moves back.
    pub last_inbound_at: DateTime<Utc>,
}

/// A WhatsApp delivery record: a message the Graph API accepted and the latest status
/// Meta reported for it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Delivery {
    /// The id the Graph API returned (`wamid.…`).
    pub wamid: String,
    /// `text`, `interactive` or `template`.
    pub kind: String,
    /// `accepted`, `sent`, `delivered`, `read` or `failed`.
    pub status: String,
    /// Meta's error code, when the message failed.
    pub error_code: Option<i32>,
    /// Meta's error title, when the message failed.
    pub error_title: Option<String>,
}

/// What the WhatsApp channel remembers of the wire: message ids already taken,
/// contacts with their last inbound time and last menu, and delivery statuses of
/// what was sent. Sessions and subscriptions are not here: they are the citizen's.
/// Everything here is kept for [`WHATSAPP_RETENTION_DAYS`].
pub trait WhatsAppRecords: Send + Sync {
    /// Records `wamid` as taken; true the first time only.
    fn first_time(&self, wamid: &str) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Notes an inbound message sent at `at` (the window never moves back) and
    /// returns the menu last shown to the citizen.
    fn touch_contact(
        &self,
        wa_id: &str,
        at: DateTime<Utc>,
    ) -> impl Future<Output = Result<Vec<MenuEntry>, StoreError>> + Send;

    /// Remembers the buttons just shown to a citizen who wrote (a citizen who never
    /// wrote is left alone).
    fn save_menu(
        &self,
        wa_id: &str,
        menu: &[MenuEntry],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The contact, if the citizen ever wrote (within the retention period).
    fn contact(
        &self,
        wa_id: &str,
    ) -> impl Future<Output = Result<Option<Contact>, StoreError>> + Send;

    /// Records a message the Graph API accepted (`kind`: text, interactive,
    /// template). An empty `wamid` records nothing; a known one is left as it is.
    fn record_sent(
        &self,
        wamid: &str,
        wa_id: &str,
        kind: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Applies a status webhook: statuses only move forward (accepted < sent <
    /// delivered < read); `failed` is final. Unknown statuses are ignored. `error` is
    /// Meta's code and title.
    fn record_status(
        &self,
        wamid: &str,
        wa_id: &str,
        status: &str,
        error: Option<&(i64, String)>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The delivery record of `wamid`.
    fn delivery(
        &self,
        wamid: &str,
    ) -> impl Future<Output = Result<Option<Delivery>, StoreError>> + Send;

    /// Deletes seen ids, deliveries and contacts older than `days`; returns the
    /// records deleted.
    fn purge(&self, days: u32) -> impl Future<Output = Result<u64, StoreError>> + Send;
}

/// A citizen's conversation with a person (handoff), with its messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ticket {
    /// Its number: the pseudonym staff see (never the citizen's name or chat id).
    pub id: i64,
    /// The queue it is in.
    pub queue: String,
    /// `open` (waiting for staff), `answered` or `closed`.
    pub status: String,
    /// The citizen's language.
    pub lang: String,
    /// The forum topic in the staff group, once opened there.
    pub thread_id: Option<i64>,
    /// When the citizen's first message opened it.
    pub opened_at: DateTime<Utc>,
    /// When it closed.
    pub closed_at: Option<DateTime<Utc>>,
    /// What was said, oldest first.
    pub messages: Vec<TicketMessage>,
}

/// One message of a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TicketMessage {
    /// `citizen`, `staff` or `note` (kept for staff, never sent).
    pub direction: String,
    /// What was written.
    pub body: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// Tickets as the citizen's turns leave them (`Effect::ToStaff` opens or adds to
/// one, `Effect::EndHandoff` closes it, erasure deletes them).
pub trait TicketStore: Send + Sync {
    /// The citizen's live ticket, else their latest one.
    fn latest_ticket(
        &self,
        key: &ChatKey,
    ) -> impl Future<Output = Result<Option<Ticket>, StoreError>> + Send;
}

/// What staff do from a ticket's forum topic in the staff group.
pub trait StaffDesk: Send + Sync {
    /// The ticket whose topic is `thread` in `group`, if any.
    fn ticket_in_topic(
        &self,
        group: i64,
        thread: i64,
    ) -> impl Future<Output = Result<Option<i64>, StoreError>> + Send;

    /// A staff answer (`text` as written) in ticket `id`, queued for the citizen as
    /// `html` gives it in their language (signed); false when the ticket is closed.
    fn answer_ticket(
        &self,
        id: i64,
        text: &str,
        html: &(dyn Fn(&str) -> String + Sync),
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// A note staff keep in ticket `id`, never sent.
    fn note_ticket(
        &self,
        id: i64,
        text: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Staff close ticket `id`: the citizen is told what `html` gives in their
    /// language and the bot answers them again (for `reopen_days`, what it cannot
    /// answer reopens the ticket); false when it was closed already.
    fn close_ticket(
        &self,
        id: i64,
        html: &(dyn Fn(&str) -> String + Sync),
        reopen_days: u32,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
}

/// The staff line a ticket gets when the citizen ends the conversation.
pub const CITIZEN_CLOSED_NOTE: &str = "🔒 Il cittadino ha chiuso la conversazione.";

/// How long WhatsApp seen ids, deliveries and inactive contacts are kept.
pub const WHATSAPP_RETENTION_DAYS: u32 = 30;

/// The order delivery statuses move in; `failed` is final and outside it.
const DELIVERY_PROGRESS: [&str; 4] = ["accepted", "sent", "delivered", "read"];

/// Whether a delivery at status `current` takes `next` (the rule both stores keep).
fn status_moves(current: &str, next: &str) -> bool {
    let rank = |s: &str| DELIVERY_PROGRESS.iter().position(|x| *x == s);
    current != "failed" && (next == "failed" || rank(next) > rank(current))
}

/// The statuses a webhook may report; others are ignored.
fn known_status(status: &str) -> bool {
    matches!(status, "sent" | "delivered" | "read" | "failed")
}

/// Answers to consultations, as the channels take them (a Telegram poll's update, a
/// WhatsApp list row): each counts once per voter, replacing the voter's earlier one,
/// and only while the consultation is open.
pub trait Ballots: Send + Sync {
    /// Counts `ballot`, or says why not.
    fn vote(&self, ballot: &Ballot) -> impl Future<Output = Result<Counted, StoreError>> + Send;
}

/// A Telegram update kept in the webhook inbox, claimed by one replica.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxUpdate {
    /// Telegram's id: updates of one lane are answered in its order.
    pub update_id: i64,
    /// The update as Telegram sent it.
    pub body: String,
}

/// What the Telegram channel remembers across restarts: the highest update id taken per
/// bot and, in webhook mode, the inbox: each update is kept from the moment it is
/// acknowledged until it is answered, so that any replica may answer it, a lane's
/// updates (a chat's, a staff group's) one at a time in update order, and none twice.
///
/// A lane's oldest unanswered update is claimed by one replica (`holder`) for a lease
/// the holder renews while it lives; later updates of the lane wait behind it, so two
/// replicas never answer one chat at once. A holder that dies leaves its claims to
/// lapse, and another replica's sweep ([`UpdateLog::stranded`]) takes the lanes over.
pub trait UpdateLog: Send + Sync {
    /// The highest update id recorded for `bot_id`, if any.
    fn last_update_id(
        &self,
        bot_id: i64,
    ) -> impl Future<Output = Result<Option<i64>, StoreError>> + Send;
    /// Records `update_id` as taken; the stored value never moves back (GREATEST).
    fn record_update_id(
        &self,
        bot_id: i64,
        update_id: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Keeps a webhook update of `lane` until it is answered; false if it came before
    /// (Telegram delivering it again).
    fn receive(
        &self,
        bot_id: i64,
        update: &InboxUpdate,
        lane: i64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Marks `finished` (when given, and still `holder`'s) answered, then claims for
    /// `holder` the oldest unanswered update of `lane` for `lease` — unless another
    /// holder's claim on it is live, or nothing waits.
    fn claim_next(
        &self,
        bot_id: i64,
        lane: i64,
        claim: &Claim,
        finished: Option<i64>,
    ) -> impl Future<Output = Result<Option<InboxUpdate>, StoreError>> + Send;

    /// Marks update `update_id` answered without answering it (a flood's excess).
    fn skip(
        &self,
        bot_id: i64,
        update_id: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Lanes whose oldest unanswered update nobody holds: its claim lapsed, or it was
    /// never claimed within `unclaimed_for` of arriving (its replica stopped first).
    fn stranded(
        &self,
        bot_id: i64,
        unclaimed_for: std::time::Duration,
    ) -> impl Future<Output = Result<Vec<i64>, StoreError>> + Send;

    /// Extends `holder`'s live claims by its lease (`release`: gives them up instead).
    fn renew(
        &self,
        bot_id: i64,
        claim: &Claim,
        release: bool,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// Who claims inbox updates, and for how long at a time.
#[derive(Debug, Clone)]
pub struct Claim {
    /// This replica's name, unique per process start.
    pub holder: String,
    /// How long a claim lasts unless renewed.
    pub lease: std::time::Duration,
}
