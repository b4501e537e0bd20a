//! The one place that ties a turn together: load the session, step the engine
//! (fetching the data it asks for), apply its effects, save the session.
//!
//! Channels call `Conversation::turn` and render what comes back. Callers keep turns
//! of one chat in order; this type does not queue.

use std::sync::Arc;

use crate::dialogue::Dialogues;
use crate::engine::{self, Answer, Answers, Effect, Inbound, Query, Session, Step, Turn};
use crate::store::{
    ChatKey, CitizenEraser, ContentSource, SessionStore, StoreError, SubscriberStore,
};

/// Fetch rounds one turn may take; each action needs at most one.
const MAX_FETCHES: usize = 32;

/// A turn that could not be completed. Nothing was saved.
#[derive(Debug, thiserror::Error)]
pub enum TurnError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the dialogues asked for more than {MAX_FETCHES} pieces of data in one turn")]
    TooManyFetches,
}

/// Dialogues plus the stores they run on.
#[derive(Debug, Clone)]
pub struct Conversation<C, S> {
    dialogues: Arc<Dialogues>,
    content: C,
    citizens: S,
}

impl<C, S> Conversation<C, S>
where
    C: ContentSource,
    S: SessionStore + SubscriberStore + CitizenEraser,
{
    pub fn new(dialogues: Arc<Dialogues>, content: C, citizens: S) -> Self {
        Conversation {
            dialogues,
            content,
            citizens,
        }
    }

    pub fn dialogues(&self) -> &Arc<Dialogues> {
        &self.dialogues
    }

    pub fn citizens(&self) -> &S {
        &self.citizens
    }

    /// Runs one turn for `key`. `lang` is the citizen's language for a new session.
    pub async fn turn(
        &self,
        key: &ChatKey,
        inbound: &Inbound,
        lang: Option<&str>,
    ) -> Result<Turn, TurnError> {
        let d = &self.dialogues;
        let session = match self.citizens.load(key).await? {
            Some(session) => session,
            None => {
                let lang = lang.filter(|l| d.settings.languages.iter().any(|x| x == l));
                Session::new(lang.unwrap_or(&d.settings.default_lang))
            }
        };
        let mut answers = Answers::default();
        let mut turn = None;
        for _ in 0..MAX_FETCHES {
            match engine::step(d, &session, inbound, &answers) {
                Step::Done(done) => {
                    turn = Some(done);
                    break;
                }
                Step::Fetch(query) => {
                    let answer = self.fetch(key, &query, inbound).await?;
                    answers.insert(query, answer);
                }
            }
        }
        let turn = turn.ok_or(TurnError::TooManyFetches)?;
        for problem in &turn.problems {
            tracing::warn!(version = %d.version, "dialogue problem: {problem}");
        }
        let mut erased = false;
        for effect in &turn.effects {
            match effect {
                Effect::Subscribe { topic } => {
                    self.citizens
                        .subscribe(key, topic, &turn.session.lang)
                        .await?
                }
                Effect::Unsubscribe { topic } => {
                    self.citizens.unsubscribe(key, topic.as_deref()).await?
                }
                Effect::Erase => {
                    self.citizens.erase(key).await?;
                    erased = true;
                }
            }
        }
        if !erased {
            self.citizens.save(key, &turn.session).await?;
        }
        Ok(turn)
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
            Query::Faq { text, lang } => Answer::Faq(self.content.search_faq(text, lang).await?),
            Query::Subscriptions => Answer::Subscriptions(self.citizens.topics(key).await?),
        })
    }
}
