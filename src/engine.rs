//! The pure dialogue engine: (dialogues, session, inbound, answers) → turn.
//!
//! No I/O, no clock, no teloxide, no sqlx. When a state needs data (events, news, FAQ,
//! subscriptions) `step` returns `Step::Fetch`; the caller fetches it, adds it to the
//! `Answers` and calls `step` again with the same inputs. Being deterministic, the
//! replay reaches the same point and goes on: the engine stays a plain function.

mod io;
mod run;
mod session;

pub use io::{Answer, Answers, Effect, ErasureReceipt, Inbound, Input, OutButton, Outbound, Query};
pub use session::Session;

use crate::dialogue::{Dialogues, StateId};

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
}

/// What `step` needs next.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Fetch this, add it to the answers and call `step` again.
    Fetch(Query),
    /// The turn is complete.
    Done(Turn),
}

/// Runs one turn.
pub fn step(d: &Dialogues, session: &Session, inbound: &Inbound, answers: &Answers) -> Step {
    let mut run = run::Run::new(d, session, answers);
    match run.handle(inbound) {
        Ok(()) => Step::Done(run.finish()),
        Err(run::NeedData(query)) => Step::Fetch(query),
    }
}
