//! The pure dialogue engine: (dialogues, FAQs, session, inbound, answers) → turn.
//!
//! No I/O, no clock, no teloxide, no sqlx. When a state needs data (events, news, FAQ,
//! subscriptions) `step` returns `Step::Fetch`; the caller fetches it, adds it to the
//! `Answers` and calls `step` again with the same inputs. Being deterministic, the
//! replay reaches the same point and goes on: the engine stays a plain function.

mod candidates;
mod io;
mod run;
mod session;

pub use candidates::{Candidate, Choice, best_reading, choice_name, off_topic, read};
pub use io::{
    Answer, Answers, Attachment, AttachmentKind, Effect, ErasureReceipt, Inbound, Input, OutButton,
    Outbound, Query,
};
pub use session::{Answered, Reopen, Session};

use crate::dialogue::{Dialogues, StateId};
use crate::understand::FaqIndex;

/// The result of one turn.
#[derive(Debug, Clone, PartialEq)]
pub struct Turn {
    /// The session to store.
    pub session: Session,
    /// Messages to send, in order.
    pub replies: Vec<Outbound>,
    /// Store changes to make.
    pub effects: Vec<Effect>,
    /// Every state entered, in order (for tests and coverage).
    pub visited: Vec<StateId>,
    /// False when the bot fell back to "non ho capito".
    pub understood: bool,
    /// Template failures and loops met, for the operator's log (never shown as such).
    pub problems: Vec<String>,
    /// What the turn made of the citizen's message (for `eval`, `explain`, tests).
    pub outcome: Outcome,
}

/// What a turn made of the citizen's message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Outcome {
    /// Nothing to tell (a turn with no input of note).
    #[default]
    Nothing,
    /// It led into this state (the first one entered).
    Entered(StateId),
    /// It was answered by the FAQ with this key.
    Faq(String),
    /// Close candidates were offered (`flow.state` or `faq:key`).
    DidYouMean(Vec<String>),
    /// Thanks, answered kindly.
    Thanks,
    /// A goodbye, answered kindly.
    Bye,
    /// Not understood: the fallback.
    NotUnderstood,
    /// Passed to a person (the citizen is handed off).
    ToStaff,
}

/// What `step` needs next.
// A turn is returned once per round of fetching: boxing it would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Fetch this, add it to the answers and call `step` again.
    Fetch(Query),
    /// The turn is complete.
    Done(Turn),
}

/// Runs one turn.
pub fn step(
    d: &Dialogues,
    faqs: &FaqIndex,
    session: &Session,
    inbound: &Inbound,
    answers: &Answers,
) -> Step {
    let mut run = run::Run::new(d, faqs, session, inbound.at, answers);
    match run.handle(inbound) {
        Ok(()) => Step::Done(run.finish()),
        Err(run::NeedData(query)) => Step::Fetch(query),
    }
}
