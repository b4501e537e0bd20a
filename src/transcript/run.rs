//! Running one transcript: a fresh in-memory citizen, its turns in order, stopping at
//! the first turn that does not go as written.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::DEFAULT_NOW;
use super::compare::{differences, not_offered};
use super::load::{Action, Script, Step, load};
use super::matching::find_label;
use super::raw::parse;
use super::report::{Failure, Finding, NumberPick, Outcome, Reply, TurnFailure};
use crate::conversation::Conversation;
use crate::dialogue::{Dialogues, SourceFile, StateId};
use crate::engine::{Inbound, Input, OutButton};
use crate::say;
use crate::store::ChatKey;
use crate::store::mem::{MemoryContent, MemoryStore};
use crate::text::html_to_plain;

/// Reads, checks and runs `file` against `dialogues` with `content`.
pub(super) async fn run_one(
    dialogues: &Arc<Dialogues>,
    content: &MemoryContent,
    file: &SourceFile,
) -> Outcome {
    let mut outcome = Outcome {
        file: file.path.clone(),
        name: file.path.clone(),
        failure: None,
        visited: BTreeSet::new(),
        by_number: Vec::new(),
    };
    let script = match parse(file) {
        Ok(raw) => {
            if let Some(name) = &raw.name {
                outcome.name = name.clone();
            }
            load(raw, dialogues)
        }
        Err(finding) => Err(vec![finding]),
    };
    match script {
        Ok(script) => {
            let seen = Seen {
                visited: &mut outcome.visited,
                by_number: &mut outcome.by_number,
            };
            outcome.failure = play(dialogues, content, &script, seen)
                .await
                .map(Failure::Turn);
        }
        Err(mistakes) => outcome.failure = Some(Failure::Mistakes(mistakes)),
    }
    outcome
}

/// What playing a script notes besides failures.
struct Seen<'a> {
    /// The states entered, for coverage.
    visited: &'a mut BTreeSet<StateId>,
    /// The turns that typed a button's number.
    by_number: &'a mut Vec<NumberPick>,
}

/// Plays `script` turn by turn, noting what it sees in `seen`; the first turn that
/// does not go as written, if any.
async fn play(
    dialogues: &Arc<Dialogues>,
    content: &MemoryContent,
    script: &Script,
    seen: Seen<'_>,
) -> Option<TurnFailure> {
    let now = script.now.unwrap_or_else(default_now);
    let lang = script
        .lang
        .as_deref()
        .unwrap_or(&dialogues.settings.default_lang);
    let conversation =
        Conversation::new(Arc::clone(dialogues), content.clone(), MemoryStore::new());
    let key = ChatKey::new("test", "citizen");
    let mut offered: Vec<OutButton> = Vec::new();
    for (index, step) in script.turns.iter().enumerate() {
        let failed = |findings: Vec<Finding>, reply: Option<Reply>| TurnFailure {
            number: index + 1,
            place: step.place,
            input: step.action.as_written(),
            findings,
            reply,
        };
        let input = match input(step, &offered) {
            Ok(input) => input,
            Err(finding) => return Some(failed(vec![finding], None)),
        };
        if let Some(pick) = number_pick(step, &offered) {
            seen.by_number.push(pick);
        }
        let inbound = Inbound { at: now, input };
        let turn = match conversation.turn(&key, &inbound, Some(lang)).await {
            Ok(turn) => turn,
            Err(err) => {
                let finding = Finding {
                    place: step.place,
                    message: say!(
                        "the bot could not answer this turn: {err}",
                        "il bot non è riuscito a rispondere a questo turno: {err}"
                    ),
                    details: Vec::new(),
                };
                return Some(failed(vec![finding], None));
            }
        };
        seen.visited.extend(turn.visited.iter().copied());
        let shown: Vec<OutButton> = turn
            .replies
            .iter()
            .flat_map(|r| r.buttons.iter().cloned())
            .collect();
        let reply = Reply {
            text: turn
                .replies
                .iter()
                .map(|r| html_to_plain(&r.text))
                .collect::<Vec<_>>()
                .join("\n"),
            buttons: shown.iter().map(|b| b.label.clone()).collect(),
        };
        // A silent turn (the citizen talks to a person) leaves the last buttons on
        // screen, as a chat does.
        if !turn.replies.is_empty() {
            offered = shown;
        }
        let findings = differences(&step.expectations, &reply, &turn.session.state);
        if !findings.is_empty() {
            return Some(failed(findings, Some(reply)));
        }
    }
    None
}

/// What the citizen's action sends, or why it cannot be taken.
fn input(step: &Step, offered: &[OutButton]) -> Result<Input, Finding> {
    match &step.action {
        Action::Send(text) => Ok(Input::from_text(text)),
        Action::Press { label, place } => {
            let labels: Vec<String> = offered.iter().map(|b| b.label.clone()).collect();
            match find_label(&labels, label).and_then(|i| offered.get(i)) {
                Some(button) => Ok(Input::Button(button.payload.clone())),
                None => {
                    let (message, details) = not_offered(label, &labels);
                    Err(Finding {
                        place: *place,
                        message,
                        details,
                    })
                }
            }
        }
    }
}

/// The button a typed number picks among those `offered`, as the engine counts them.
fn number_pick(step: &Step, offered: &[OutButton]) -> Option<NumberPick> {
    let Action::Send(text) = &step.action else {
        return None;
    };
    let number: usize = text.trim().parse().ok()?;
    let button = offered.get(number.checked_sub(1)?)?;
    Some(NumberPick {
        place: step.place,
        number,
        label: button.label.clone(),
    })
}

fn default_now() -> DateTime<Utc> {
    DEFAULT_NOW.parse().unwrap_or_default()
}
