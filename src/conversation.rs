//! The one place that ties a turn together: load the session, step the engine
//! (fetching the data it asks for), then commit session, effects and transcript at
//! once. A commit that finds the session changed by another turn of the same chat
//! runs the turn again on the newer session, so turns of one chat never interleave.
//!
//! It owns everything a turn means beyond the engine: the citizen's language, the
//! error reply when a turn fails, the short "one moment" to a chat that floods,
//! citizens who blocked the bot, transcripts. Channels call [`Conversation::reply`]
//! and render what comes back; they never reach the store themselves. Answers to
//! consultations come in through [`Conversation::vote`] (`vote`), which runs no turn.

pub(crate) mod faq_cache;
mod vote;

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tracing::Instrument;

use crate::dialogue::{Dialogues, Live};
use crate::engine::{
    self, Answer, Answered, Answers, Inbound, Input, Outbound, Outcome, Query, Session, Step, Turn,
};
use crate::store::{
    ChatKey, CitizenStore, Committed, ContentSource, StoreError, TranscriptLine, TurnRecord,
};
use crate::text::log_id;
use crate::understand::FaqIndex;

/// Fetch rounds one turn may take; each action needs at most one.
const MAX_FETCHES: usize = 32;
/// Times a turn is run again after losing a race with another turn of its chat.
const MAX_CONFLICTS: u32 = 16;

/// A turn that could not be completed. Nothing of it was saved.
#[derive(Debug, thiserror::Error)]
pub enum TurnError {
    /// The store failed (the database is down, say).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A state chain asked for data without end.
    #[error("the dialogues asked for more than {MAX_FETCHES} pieces of data in one turn")]
    TooManyFetches,
    /// Other turns of the chat kept saving first.
    #[error("the chat kept changing under this turn ({MAX_CONFLICTS} tries)")]
    Contended,
}

/// What to send back for one citizen message.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// The messages, in order.
    pub replies: Vec<Outbound>,
    /// The citizen's language, for rendering (e.g. WhatsApp's "Menu" button).
    pub lang: String,
}

/// Sent once to a chat whose queue is full, while its earlier messages are answered.
const BUSY_IT: &str = "Un attimo… sto ancora rispondendo ai tuoi messaggi precedenti. Quelli in più li ho saltati: riscrivili tra poco, se serve.";
const BUSY_EN: &str = "One moment… I am still answering your earlier messages. I skipped the extra ones: send them again shortly if needed.";

/// Dialogues plus the stores they run on.
#[derive(Debug, Clone)]
pub struct Conversation<C, S> {
    /// Replaced whole when staff change the files; each turn runs on one version.
    dialogues: Live,
    content: C,
    citizens: S,
    /// Whether to keep transcripts.
    transcripts: bool,
    /// The FAQs, indexed for the engine.
    faqs: Arc<faq_cache::FaqCache>,
}

impl<C: ContentSource, S: CitizenStore> Conversation<C, S> {
    /// Conversations on `dialogues` (fixed, or live for reloads), reading `content`
    /// and keeping citizens in `citizens`.
    pub fn new(dialogues: impl Into<Live>, content: C, citizens: S) -> Self {
        Conversation {
            dialogues: dialogues.into(),
            content,
            citizens,
            transcripts: true,
            faqs: Arc::default(),
        }
    }

    /// Turns transcripts on (the default) or off.
    pub fn with_transcripts(mut self, on: bool) -> Self {
        self.transcripts = on;
        self
    }

    /// The dialogues running now.
    pub fn dialogues(&self) -> Arc<Dialogues> {
        self.dialogues.get()
    }

    /// The running dialogues, for reloading them.
    pub fn live(&self) -> &Live {
        &self.dialogues
    }

    /// The citizen store, for commands that read or erase what it holds.
    pub fn citizens(&self) -> &S {
        &self.citizens
    }

    /// The replies to `inbound` from `key`, whatever happens: the turn's, or the
    /// dialogues' error reply in the citizen's language when it failed (logged, with
    /// nothing saved). `lang` is the language the channel saw (for a new session).
    pub async fn reply(&self, key: &ChatKey, inbound: &Inbound, lang: Option<&str>) -> Reply {
        self.reply_to_update(key, inbound, lang, None).await
    }

    /// [`reply`](Self::reply) to the channel's update `update`. The session keeps
    /// the update and its replies: the same update taken again (its replica died
    /// before recording it answered) gets the same replies, with no second turn.
    pub async fn reply_to_update(
        &self,
        key: &ChatKey,
        inbound: &Inbound,
        lang: Option<&str>,
        update: Option<i64>,
    ) -> Reply {
        let span = tracing::info_span!("turn", channel = %key.channel, chat = %log_id(&key.chat));
        async {
            match self.turn_once(key, inbound, lang, update).await {
                Ok(Once::Again(session)) => {
                    tracing::debug!(update, "update answered before: its replies again");
                    Reply {
                        replies: session.answered.map(|a| a.replies).unwrap_or_default(),
                        lang: session.lang,
                    }
                }
                Ok(Once::Turn(turn)) => {
                    let lang = if turn.session.lang.is_empty() {
                        self.dialogues().settings.default_lang.clone()
                    } else {
                        turn.session.lang
                    };
                    Reply {
                        replies: turn.replies,
                        lang,
                    }
                }
                Err(err) => {
                    tracing::warn!("turn failed: {err}");
                    let lang = self.language(key, lang).await;
                    Reply {
                        replies: vec![self.error_reply(&lang)],
                        lang,
                    }
                }
            }
        }
        .instrument(span)
        .await
    }

    /// The citizen's language: their session's, else `seen` (what the channel saw)
    /// when the dialogues have it, else the default.
    pub async fn language(&self, key: &ChatKey, seen: Option<&str>) -> String {
        let d = self.dialogues();
        let stored = match self.citizens.load(key).await {
            Ok(Some(stored)) if !stored.session.lang.is_empty() => Some(stored.session.lang),
            _ => None,
        };
        stored
            .or_else(|| {
                seen.filter(|l| d.settings.languages.iter().any(|x| x == l))
                    .map(str::to_owned)
            })
            .unwrap_or_else(|| d.settings.default_lang.clone())
    }

    /// The dialogues' reply for a turn that failed, in `lang`.
    pub fn error_reply(&self, lang: &str) -> Outbound {
        let d = self.dialogues();
        let text = d
            .settings
            .fallback
            .error
            .get(lang, &d.settings.default_lang);
        Outbound {
            text: html_escape::encode_text(text).into_owned(),
            buttons: Vec::new(),
        }
    }

    /// "One moment" in `lang`: for a chat that sent more than its queue holds.
    pub fn busy_reply(&self, lang: &str) -> Outbound {
        let text = match lang {
            "it" => BUSY_IT,
            _ => BUSY_EN,
        };
        Outbound {
            text: text.to_owned(),
            buttons: Vec::new(),
        }
    }

    /// The citizen blocked the bot or left (`true`), or came back (`false`): their
    /// subscriptions pause or resume. Failures are logged.
    pub async fn set_blocked(&self, key: &ChatKey, blocked: bool) {
        tracing::info!(channel = %key.channel, chat = %log_id(&key.chat), blocked, "subscriber status changed");
        if let Err(err) = self.citizens.set_blocked(key, blocked).await {
            tracing::warn!(chat = %log_id(&key.chat), "cannot record blocked status: {err}");
        }
    }

    /// Runs one turn for `key`. `lang` is the citizen's language for a new session.
    pub async fn turn(
        &self,
        key: &ChatKey,
        inbound: &Inbound,
        lang: Option<&str>,
    ) -> Result<Turn, TurnError> {
        match self.turn_once(key, inbound, lang, None).await? {
            Once::Turn(turn) => Ok(turn),
            // Only an update given can have been answered before.
            Once::Again(_) => Err(TurnError::Contended),
        }
    }

    /// [`turn`](Self::turn) for the channel's update `update`, which the session
    /// remembers with the turn's replies; the session as it is when it answered
    /// `update` already.
    async fn turn_once(
        &self,
        key: &ChatKey,
        inbound: &Inbound,
        lang: Option<&str>,
        update: Option<i64>,
    ) -> Result<Once, TurnError> {
        let dialogues = self.dialogues.get();
        let faqs = self.faqs.index(&dialogues, &self.content).await?;
        let began = std::time::Instant::now();
        for attempt in 0..MAX_CONFLICTS {
            let stored = self.citizens.load(key).await?;
            let expected_version = stored.as_ref().map(|s| s.version);
            let session = match stored {
                Some(stored) => stored.session,
                None => new_session(&dialogues, lang),
            };
            if let Some(update) = update
                && session
                    .answered
                    .as_ref()
                    .is_some_and(|a| a.update == update)
            {
                return Ok(Once::Again(session));
            }
            let mut turn = self.step(&dialogues, &faqs, key, &session, inbound).await?;
            if let Some(update) = update {
                turn.session.answered = Some(Answered {
                    update,
                    replies: turn.replies.clone(),
                });
            }
            for problem in &turn.problems {
                tracing::warn!(version = %dialogues.version, "dialogue problem: {problem}");
            }
            let transcript = if self.transcripts {
                transcript(&session, &turn, inbound)
            } else {
                Vec::new()
            };
            let record = TurnRecord {
                expected_version,
                session: &turn.session,
                dialogue_version: &dialogues.version,
                effects: &turn.effects,
                transcript: &transcript,
            };
            match self.citizens.commit(key, record).await? {
                Committed::Saved => {
                    let channel = key.channel.clone();
                    metrics::counter!("sportello_turns_total", "channel" => channel.clone())
                        .increment(1);
                    metrics::histogram!("sportello_turn_seconds", "channel" => channel)
                        .record(began.elapsed().as_secs_f64());
                    if !turn.understood {
                        metrics::counter!("sportello_fallbacks_total").increment(1);
                    }
                    return Ok(Once::Turn(turn));
                }
                Committed::Conflict => {
                    tracing::debug!(
                        attempt,
                        "turn raced another turn of its chat; running it again"
                    );
                    tokio::time::sleep(backoff(attempt)).await;
                }
            }
        }
        Err(TurnError::Contended)
    }

    async fn step(
        &self,
        dialogues: &Dialogues,
        faqs: &FaqIndex,
        key: &ChatKey,
        session: &Session,
        inbound: &Inbound,
    ) -> Result<Turn, TurnError> {
        let mut answers = Answers::default();
        for _ in 0..MAX_FETCHES {
            match engine::step(dialogues, faqs, session, inbound, &answers) {
                Step::Done(turn) => return Ok(turn),
                Step::Fetch(query) => {
                    let answer = self.fetch(key, &query, inbound).await?;
                    answers.insert(query, answer);
                }
            }
        }
        Err(TurnError::TooManyFetches)
    }

    async fn fetch(
        &self,
        key: &ChatKey,
        query: &Query,
        inbound: &Inbound,
    ) -> Result<Answer, StoreError> {
        Ok(match query {
            Query::Events { category, limit } => Answer::Events(
                self.content
                    .upcoming_events(category, inbound.at, *limit)
                    .await?,
            ),
            Query::News { topic, limit } => Answer::News(
                self.content
                    .latest_news(topic.as_deref(), inbound.at, *limit)
                    .await?,
            ),
            Query::Subscriptions => Answer::Subscriptions(self.citizens.topics(key).await?),
            // The citizen asked to be forgotten: done at once, so the reply can say what went.
            Query::Erase => Answer::Erased(self.citizens.erase(key).await?),
            Query::Reminders => Answer::Reminders(self.citizens.reminders(key).await?),
        })
    }
}

/// A turn for an update, or the session that answered it already.
enum Once {
    Turn(Turn),
    Again(Session),
}

/// A new conversation in the citizen's language when the dialogues have it.
fn new_session(d: &Dialogues, lang: Option<&str>) -> Session {
    let lang = lang.filter(|l| d.settings.languages.iter().any(|x| x == l));
    Session::new(lang.unwrap_or(&d.settings.default_lang))
}

/// A short, growing, jittered pause so racing turns stop colliding.
fn backoff(attempt: u32) -> Duration {
    let jitter = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_micros() % 1000);
    Duration::from_micros(u64::from(attempt.min(8)) * 500 + u64::from(jitter))
}

/// The citizen's message (flagged when not understood) and the bot's replies.
fn transcript(before: &Session, turn: &Turn, inbound: &Inbound) -> Vec<TranscriptLine> {
    let body = match &inbound.input {
        Input::Text(text) => text.clone(),
        Input::Button(payload) => format!("[button {payload}]"),
        Input::Command {
            name,
            arg: Some(arg),
        } => format!("/{name} {arg}"),
        Input::Command { name, arg: None } => format!("/{name}"),
        Input::Attachment(attachment) => attachment.describe(),
    };
    let mut lines = vec![TranscriptLine {
        direction: "in",
        state: before.state.clone(),
        body,
        understood: turn.understood,
        faq: match &turn.outcome {
            Outcome::Faq(key) => Some(key.clone()),
            _ => None,
        },
    }];
    lines.extend(turn.replies.iter().map(|reply| TranscriptLine {
        direction: "out",
        state: turn.session.state.clone(),
        body: reply.text.clone(),
        understood: true,
        faq: None,
    }));
    lines
}
