//! Consultations and their answers in PostgreSQL: definitions (content import, admin
//! API), the steps the relay's scheduler takes in its transactions (lock the next one
//! due, fan the question out, count, fan the results out), Telegram polls, answers, and
//! a citizen's answers for erasure and export.
//!
//! Votes are written here only, by one statement that checks the consultation is open
//! ([`Ballots::vote`]); a named voter becomes a keyed hash here, before anything is
//! written, with the key kept in `console_secrets` (`consultation_voters`).

use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgConnection, PgExecutor};

use super::PgStore;
use super::secrets::existing_secret;
use crate::consultation::Consultation;
use crate::consultation::ballot::{Asked, Ballot, Choice, Counted, Target, Voter, voter_hash};
use crate::consultation::results::Tally;
use crate::store::{Ballots, ChatKey, StoreError};

/// The `console_secrets` row whose value keys the hashes of named voters.
const VOTER_KEY: &str = "consultation_voters";

/// The columns of a consultation, for [`ConsultationRow`].
macro_rules! consultation_columns {
    () => {
        "id, key, question, options, topics, anonymous, opens_at, closes_at, status, sent_at, closed_at"
    };
}

#[derive(Debug, Clone, FromRow)]
struct ConsultationRow {
    id: i64,
    key: String,
    question: String,
    options: Vec<String>,
    topics: Vec<String>,
    anonymous: bool,
    opens_at: DateTime<Utc>,
    closes_at: DateTime<Utc>,
    status: String,
    sent_at: Option<DateTime<Utc>>,
    closed_at: Option<DateTime<Utc>>,
}

/// A consultation as stored, and where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredConsultation {
    /// Its id (outbox rows and votes name it).
    pub id: i64,
    /// The definition.
    pub consultation: Consultation,
    /// `scheduled` (not sent yet), `open` (sent, taking answers) or `closed` (results
    /// published).
    pub status: String,
    /// When its question was queued for the subscribers.
    pub sent_at: Option<DateTime<Utc>>,
    /// When it closed.
    pub closed_at: Option<DateTime<Utc>>,
}

impl From<ConsultationRow> for StoredConsultation {
    fn from(r: ConsultationRow) -> Self {
        StoredConsultation {
            id: r.id,
            consultation: Consultation {
                key: r.key,
                question: r.question,
                options: r.options,
                topics: r.topics,
                opens_at: r.opens_at,
                closes_at: r.closes_at,
                anonymous: r.anonymous,
            },
            status: r.status,
            sent_at: r.sent_at,
            closed_at: r.closed_at,
        }
    }
}

/// A consultation with its answers so far and its deliveries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsultationReport {
    /// The consultation.
    pub stored: StoredConsultation,
    /// Answers per option (final once it closed).
    pub tally: Tally,
    /// Outbox rows by (kind, status): `consultation` (the question) and
    /// `consultation_results`.
    pub deliveries: Vec<(String, String, u64)>,
}

/// What importing one consultation did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Upserted {
    Added,
    Changed,
    Unchanged,
    /// Already sent, and the file would change it: left as it is.
    Kept,
}

/// Inserts or updates `c` by key inside the caller's transaction; one already sent is
/// never changed.
pub(super) async fn upsert(
    tx: &mut PgConnection,
    c: &Consultation,
) -> Result<Upserted, sqlx::Error> {
    let (inserted, kept): (Option<bool>, bool) =
        sqlx::query_as(include_str!("../queries/upsert_consultation.sql"))
            .bind(&c.key)
            .bind(&c.question)
            .bind(&c.options)
            .bind(&c.topics)
            .bind(c.anonymous)
            .bind(c.opens_at)
            .bind(c.closes_at)
            .fetch_one(&mut *tx)
            .await?;
    Ok(match (inserted, kept) {
        (Some(true), _) => Upserted::Added,
        (Some(false), _) => Upserted::Changed,
        (None, true) => Upserted::Kept,
        (None, false) => Upserted::Unchanged,
    })
}

/// Every consultation, in the import format, by opening time.
pub(super) async fn all(ex: impl PgExecutor<'_>) -> Result<Vec<Consultation>, sqlx::Error> {
    let rows = sqlx::query_as::<_, ConsultationRow>(concat!(
        "SELECT ",
        consultation_columns!(),
        " FROM consultations ORDER BY opens_at, key"
    ))
    .fetch_all(ex)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| StoredConsultation::from(r).consultation)
        .collect())
}

impl PgStore {
    /// Adds `c` (checked by the caller); `None` when its key is taken.
    pub async fn create_consultation(
        &self,
        c: &Consultation,
    ) -> Result<Option<StoredConsultation>, StoreError> {
        let row = sqlx::query_as::<_, ConsultationRow>(concat!(
            "INSERT INTO consultations (key, question, options, topics, anonymous, opens_at, closes_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT ON CONSTRAINT consultations_key_key DO NOTHING RETURNING ",
            consultation_columns!()
        ))
        .bind(&c.key)
        .bind(&c.question)
        .bind(&c.options)
        .bind(&c.topics)
        .bind(c.anonymous)
        .bind(c.opens_at)
        .bind(c.closes_at)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(StoredConsultation::from))
    }

    /// Consultations, the latest to open first, each with its answers so far.
    pub async fn list_consultations(
        &self,
        limit: i64,
    ) -> Result<Vec<(StoredConsultation, u64)>, StoreError> {
        #[derive(FromRow)]
        struct Listed {
            #[sqlx(flatten)]
            row: ConsultationRow,
            answers: i64,
        }
        let rows = sqlx::query_as::<_, Listed>(concat!(
            "SELECT ",
            consultation_columns!(),
            ", (SELECT count(*) FROM consultation_votes v WHERE v.consultation_id = c.id) AS answers \
             FROM consultations c ORDER BY opens_at DESC, id DESC LIMIT $1"
        ))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|l| (l.row.into(), u64::try_from(l.answers).unwrap_or(0)))
            .collect())
    }

    /// The consultation `key` with its answers and deliveries, if there is one.
    pub async fn consultation_report(
        &self,
        key: &str,
    ) -> Result<Option<ConsultationReport>, StoreError> {
        let row = sqlx::query_as::<_, ConsultationRow>(concat!(
            "SELECT ",
            consultation_columns!(),
            " FROM consultations WHERE key = $1"
        ))
        .bind(key)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let stored = StoredConsultation::from(row);
        let tally = tally(&self.pool, stored.id, stored.consultation.options.len()).await?;
        let deliveries: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT kind, status, count(*) FROM outbox WHERE consultation_id = $1 \
             GROUP BY kind, status ORDER BY kind, status",
        )
        .bind(stored.id)
        .fetch_all(&self.pool)
        .await?;
        Ok(Some(ConsultationReport {
            stored,
            tally,
            deliveries: deliveries
                .into_iter()
                .map(|(k, s, n)| (k, s, u64::try_from(n).unwrap_or(0)))
                .collect(),
        }))
    }

    /// Remembers that Telegram poll `poll_id` asks consultation `consultation` (and
    /// nothing of the chat it went to).
    pub async fn register_poll(&self, poll_id: &str, consultation: i64) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO consultation_polls (poll_id, consultation_id) VALUES ($1, $2) \
             ON CONFLICT (poll_id) DO NOTHING",
        )
        .bind(poll_id)
        .bind(consultation)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The key of named voters' hashes, made once for every replica.
    async fn voter_key(&self) -> Result<String, StoreError> {
        self.shared_secret(VOTER_KEY).await
    }

    /// The answers `key` gave to named consultations (the right of access).
    pub(super) async fn export_votes(
        &self,
        key: &ChatKey,
    ) -> Result<Vec<serde_json::Value>, StoreError> {
        let Some(secret) = existing_secret(&self.pool, VOTER_KEY).await? else {
            return Ok(Vec::new());
        };
        Ok(sqlx::query_scalar(
            "SELECT jsonb_build_object('consultation', c.key, 'question', c.question, \
                    'answer', c.options[v.option + 1], 'at', v.at) \
               FROM consultation_votes v JOIN consultations c ON c.id = v.consultation_id \
              WHERE v.voter = $1 ORDER BY v.at",
        )
        .bind(voter_hash(secret.as_bytes(), key))
        .fetch_all(&self.pool)
        .await?)
    }
}

/// Deletes the answers `key` gave to named consultations, inside the caller's
/// transaction; how many. (Anonymous answers hold nothing that leads to them.)
pub(super) async fn erase_votes(tx: &mut PgConnection, key: &ChatKey) -> Result<u64, sqlx::Error> {
    let Some(secret) = existing_secret(&mut *tx, VOTER_KEY).await? else {
        return Ok(0);
    };
    Ok(
        sqlx::query("DELETE FROM consultation_votes WHERE voter = $1")
            .bind(voter_hash(secret.as_bytes(), key))
            .execute(&mut *tx)
            .await?
            .rows_affected(),
    )
}

/// Answers per option of consultation `id`, which has `options` options.
pub async fn tally(ex: impl PgExecutor<'_>, id: i64, options: usize) -> Result<Tally, sqlx::Error> {
    let pairs: Vec<(i16, i64)> = sqlx::query_as(
        "SELECT option, count(*) FROM consultation_votes WHERE consultation_id = $1 GROUP BY option",
    )
    .bind(id)
    .fetch_all(ex)
    .await?;
    Ok(Tally::from_counts(options, &pairs))
}

/// A step of a consultation that comes at its time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// Still `scheduled` and its opening time passed.
    Opening,
    /// `open` and its closing time passed.
    Closing,
}

/// Locks one consultation whose step `due` came, for the caller's transaction; one
/// another replica holds is skipped.
pub async fn lock_due(
    ex: impl PgExecutor<'_>,
    due: Due,
) -> Result<Option<StoredConsultation>, sqlx::Error> {
    let query = match due {
        Due::Opening => concat!(
            "SELECT ",
            consultation_columns!(),
            " FROM consultations WHERE status = 'scheduled' AND opens_at <= now() \
              ORDER BY opens_at, id LIMIT 1 FOR UPDATE SKIP LOCKED"
        ),
        Due::Closing => concat!(
            "SELECT ",
            consultation_columns!(),
            " FROM consultations WHERE status = 'open' AND closes_at <= now() \
              ORDER BY closes_at, id LIMIT 1 FOR UPDATE SKIP LOCKED"
        ),
    };
    let row = sqlx::query_as::<_, ConsultationRow>(query)
        .fetch_optional(ex)
        .await?;
    Ok(row.map(StoredConsultation::from))
}

/// Marks consultation `id` open (sent) or, with `open` false, closed.
pub async fn set_status(ex: impl PgExecutor<'_>, id: i64, open: bool) -> Result<(), sqlx::Error> {
    let sql = if open {
        "UPDATE consultations SET status = 'open', sent_at = now(), updated_at = now() WHERE id = $1"
    } else {
        "UPDATE consultations SET status = 'closed', closed_at = now(), updated_at = now() WHERE id = $1"
    };
    sqlx::query(sql).bind(id).execute(ex).await?;
    Ok(())
}

/// A text per language, and the one for any other language.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LangTexts {
    /// Languages (`it`, `en`), paired with `texts`.
    pub langs: Vec<String>,
    /// The text in each of `langs`.
    pub texts: Vec<String>,
    /// For recipients of any other language.
    pub default: String,
}

/// One chunk of a question's fan-out (see `queries/consultation_fan_out.sql`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionChunk {
    /// Rows added.
    pub inserted: u64,
    /// Subscribers looked at (a full chunk means there may be more).
    pub seen: u64,
    /// The last subscriber's chat, where the next chunk starts after.
    pub last: Option<String>,
}

/// Queues the question of consultation `c` for up to `chunk` active subscribers of
/// `channel` after chat `after` who follow its topics, with `texts` as the payload.
pub async fn fan_out_question(
    ex: impl PgExecutor<'_>,
    c: &StoredConsultation,
    channel: &str,
    texts: &LangTexts,
    (after, chunk): (&str, i64),
) -> Result<QuestionChunk, sqlx::Error> {
    let (inserted, seen, last): (i64, i64, Option<String>) =
        sqlx::query_as(include_str!("../queries/consultation_fan_out.sql"))
            .bind(c.id)
            .bind(channel)
            .bind(&c.consultation.topics)
            .bind(after)
            .bind(chunk)
            .bind(&texts.langs)
            .bind(&texts.texts)
            .bind(&texts.default)
            .bind(c.consultation.closes_at)
            .fetch_one(ex)
            .await?;
    Ok(QuestionChunk {
        inserted: u64::try_from(inserted).unwrap_or(0),
        seen: u64::try_from(seen).unwrap_or(0),
        last,
    })
}

/// The questions of consultation `id` still queued: cancelled, they are too late.
pub async fn cancel_unsent_questions(ex: impl PgExecutor<'_>, id: i64) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE outbox SET status = 'cancelled', last_error = 'the consultation closed before it was sent', \
         updated_at = now() WHERE consultation_id = $1 AND kind = 'consultation' AND status = 'queued'",
    )
    .bind(id)
    .execute(ex)
    .await?
    .rows_affected())
}

/// Queues the results of consultation `id` (`texts`) for every subscriber its question
/// reached who still follows the bot; the rows added.
pub async fn fan_out_results(
    ex: impl PgExecutor<'_>,
    id: i64,
    texts: &LangTexts,
) -> Result<u64, sqlx::Error> {
    let added: i64 = sqlx::query_scalar(include_str!("../queries/consultation_results.sql"))
        .bind(id)
        .bind(&texts.langs)
        .bind(&texts.texts)
        .bind(&texts.default)
        .fetch_one(ex)
        .await?;
    Ok(u64::try_from(added).unwrap_or(0))
}

/// Queues the results of consultation `id` (`text`, in `lang`) for the Telegram
/// channels `recipients`; the rows added.
pub async fn results_to_channels(
    ex: impl PgExecutor<'_>,
    id: i64,
    recipients: &[String],
    lang: &str,
    text: &str,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "INSERT INTO outbox (kind, consultation_id, channel, recipient, lang, payload) \
         SELECT 'consultation_results', $1, 'telegram', r, $3, $4 FROM unnest($2::text[]) AS r \
         ON CONFLICT (consultation_id, kind, channel, recipient) WHERE consultation_id IS NOT NULL \
         DO NOTHING",
    )
    .bind(id)
    .bind(recipients)
    .bind(lang)
    .bind(text)
    .execute(ex)
    .await?
    .rows_affected())
}

/// What the vote statement reads back.
#[derive(FromRow)]
struct VoteRow {
    key: String,
    question: String,
    options: Vec<String>,
    closes_at: DateTime<Utc>,
    open: bool,
    fits: bool,
    inserted: Option<bool>,
    taken_back: i64,
}

impl Ballots for PgStore {
    async fn vote(&self, ballot: &Ballot) -> Result<Counted, StoreError> {
        let consultation = match &ballot.target {
            Target::Consultation(id) => Some(*id),
            Target::Poll(poll) => {
                sqlx::query_scalar(
                    "SELECT consultation_id FROM consultation_polls WHERE poll_id = $1",
                )
                .bind(poll)
                .fetch_optional(&self.pool)
                .await?
            }
        };
        let Some(consultation) = consultation else {
            return Ok(Counted::Unknown);
        };
        let (voter, anonymous) = match &ballot.voter {
            Voter::Ballot(id) => (id.clone(), true),
            Voter::Citizen(key) => (voter_hash(self.voter_key().await?.as_bytes(), key), false),
        };
        let option = match ballot.choice {
            Choice::Option(i) => match i16::try_from(i) {
                Ok(i) => Some(i),
                Err(_) => return Ok(Counted::Refused),
            },
            Choice::Retract => None,
        };
        let row = sqlx::query_as::<_, VoteRow>(include_str!("../queries/consultation_vote.sql"))
            .bind(consultation)
            .bind(&voter)
            .bind(option)
            .bind(anonymous)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else {
            return Ok(Counted::Unknown);
        };
        let asked = Asked {
            key: row.key,
            question: row.question,
            options: row.options,
            closes_at: row.closes_at,
        };
        Ok(match (row.open, row.fits, ballot.choice) {
            (_, false, _) => Counted::Refused,
            (false, true, _) => Counted::Closed { asked },
            (true, true, Choice::Option(option)) => Counted::Recorded {
                asked,
                option,
                changed: row.inserted == Some(false),
            },
            (true, true, Choice::Retract) if row.taken_back > 0 => Counted::Retracted { asked },
            // Nothing to take back.
            (true, true, Choice::Retract) => Counted::Refused,
        })
    }
}
