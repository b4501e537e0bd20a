//! Answers to consultations, as the channels take them: counted through the store
//! ([`Ballots`]), logged without the voter, counted in metrics, and the reply a
//! channel sends about one in the citizen's language. An answer never runs a turn.

use std::time::Duration;

use super::Conversation;
use crate::consultation::ballot::{Ballot, Counted, Target};
use crate::consultation::texts::{Lang, vote_reply};
use crate::engine::Outbound;
use crate::store::{Ballots, ChatKey, CitizenStore, ContentSource};

/// Looks for a poll not recorded yet: an answer may come in while the relay is still
/// recording the poll it just sent.
const UNKNOWN_POLL_TRIES: u32 = 4;
const UNKNOWN_POLL_PAUSE: Duration = Duration::from_millis(250);

impl<C: ContentSource, S: CitizenStore + Ballots> Conversation<C, S> {
    /// Counts `ballot`, given on `channel`; `None` when the store failed (logged).
    pub async fn vote(&self, channel: &str, ballot: &Ballot) -> Option<Counted> {
        let mut tries = 1;
        let counted = loop {
            match self.citizens.vote(ballot).await {
                Ok(Counted::Unknown)
                    if matches!(ballot.target, Target::Poll(_)) && tries < UNKNOWN_POLL_TRIES =>
                {
                    tries += 1;
                    tokio::time::sleep(UNKNOWN_POLL_PAUSE).await;
                }
                Ok(counted) => break counted,
                Err(err) => {
                    tracing::warn!(channel, "consultation answer not counted: {err}");
                    metrics::counter!("sportello_consultation_votes_total", "channel" => channel.to_owned(), "outcome" => "failed")
                        .increment(1);
                    return None;
                }
            }
        };
        let consultation = match &counted {
            Counted::Recorded { asked, .. }
            | Counted::Retracted { asked }
            | Counted::Closed { asked } => asked.key.as_str(),
            Counted::Unknown | Counted::Refused => "",
        };
        tracing::debug!(
            channel,
            consultation,
            outcome = counted.outcome(),
            "consultation answer"
        );
        metrics::counter!("sportello_consultation_votes_total", "channel" => channel.to_owned(), "outcome" => counted.outcome())
            .increment(1);
        Some(counted)
    }

    /// What to tell `key` about an answer: what was counted, or that it came too late;
    /// the error reply when it could not be counted at all (`None`).
    pub async fn vote_reply(
        &self,
        key: &ChatKey,
        seen: Option<&str>,
        counted: Option<&Counted>,
    ) -> Outbound {
        let lang = self.language(key, seen).await;
        match counted {
            Some(counted) => Outbound {
                text: vote_reply(counted, Lang::of(&lang)),
                buttons: Vec::new(),
            },
            None => self.error_reply(&lang),
        }
    }
}
