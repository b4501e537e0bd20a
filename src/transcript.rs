//! Conversation tests (`sportello test`): YAML transcripts of what a citizen sends and
//! what the bot must answer, run against the dialogues with the demo content and a
//! fresh in-memory store each, plus the state coverage they reach.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, Utc};
use regex::Regex;
use serde::Deserialize;

use crate::content::{ContentError, ContentFile};
use crate::conversation::Conversation;
use crate::dialogue::{Dialogues, SourceFile, StateId};
use crate::engine::{Inbound, Input, OutButton};
use crate::store::ChatKey;
use crate::store::mem::{MemoryContent, MemoryStore};
use crate::text::html_to_plain;
use crate::text::normalize;

/// The clock of a transcript that names none: mid-January 2027, before the exams.
pub const DEFAULT_NOW: &str = "2027-01-15T09:00:00+01:00";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTranscript {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    lang: Option<String>,
    #[serde(default)]
    now: Option<DateTime<FixedOffset>>,
    turns: Vec<RawTurn>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTurn {
    #[serde(default)]
    send: Option<String>,
    #[serde(default)]
    press: Option<String>,
    #[serde(default)]
    says: Vec<String>,
    #[serde(default)]
    says_regex: Vec<String>,
    #[serde(default)]
    not_says: Vec<String>,
    #[serde(default)]
    buttons: Vec<String>,
    #[serde(default)]
    state: Option<String>,
}

/// How one transcript went.
#[derive(Debug)]
pub struct Outcome {
    /// The transcript file.
    pub file: String,
    /// The test's name, as written in the file.
    pub name: String,
    /// The first difference, if any.
    pub failure: Option<String>,
    /// Every state the test entered, for coverage.
    pub visited: BTreeSet<StateId>,
}

/// All transcripts and the coverage they reach.
#[derive(Debug)]
pub struct Summary {
    /// One per transcript, in file order.
    pub outcomes: Vec<Outcome>,
    /// States entered by at least one transcript.
    pub covered: usize,
    /// States in the dialogues.
    pub total: usize,
    /// `flow.state` of every state no transcript entered.
    pub uncovered: Vec<String>,
}

impl Summary {
    /// Whether there were transcripts and every one passed.
    pub fn passed(&self) -> bool {
        !self.outcomes.is_empty() && self.outcomes.iter().all(|o| o.failure.is_none())
    }

    /// `covered` out of `total`, in percent (0 with no states).
    pub fn coverage_percent(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            self.covered as f64 * 100.0 / self.total as f64
        }
    }

    /// A line per transcript, the failures' first differences, then coverage.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for o in &self.outcomes {
            match &o.failure {
                None => out.push_str(&format!("pass  {} ({})\n", o.name, o.file)),
                Some(why) => out.push_str(&format!(
                    "FAIL  {} ({})\n      {}\n",
                    o.name,
                    o.file,
                    why.replace('\n', "\n      ")
                )),
            }
        }
        let failed = self.outcomes.iter().filter(|o| o.failure.is_some()).count();
        out.push_str(&format!(
            "\n{} passed, {} failed\ncoverage: {}/{} states ({:.1}%)\n",
            self.outcomes.len() - failed,
            failed,
            self.covered,
            self.total,
            self.coverage_percent()
        ));
        if !self.uncovered.is_empty() {
            out.push_str(&format!(
                "not reached by any test: {}\n",
                self.uncovered.join(", ")
            ));
        }
        out
    }
}

/// Lists the transcript files of `dir`, sorted.
pub fn read_dir(dir: &Path) -> std::io::Result<Vec<SourceFile>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "yaml" || e == "yml") && path.is_file() {
            files.push(SourceFile {
                path: path.display().to_string(),
                bytes: std::fs::read(&path)?,
            });
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// Runs every transcript against `dialogues` with `content`.
pub async fn run_all(
    dialogues: Arc<Dialogues>,
    content: &ContentFile,
    files: &[SourceFile],
) -> Summary {
    let content = MemoryContent::new(content.clone());
    let mut outcomes = Vec::new();
    for file in files {
        outcomes.push(run_one(&dialogues, &content, file).await);
    }
    let visited: BTreeSet<StateId> = outcomes
        .iter()
        .flat_map(|o| o.visited.iter().copied())
        .collect();
    let uncovered = dialogues
        .states
        .iter()
        .enumerate()
        .filter(|(i, _)| !visited.contains(&StateId(*i as u32)))
        .map(|(_, s)| s.qualified.clone())
        .collect();
    Summary {
        outcomes,
        covered: visited.len(),
        total: dialogues.states.len(),
        uncovered,
    }
}

async fn run_one(
    dialogues: &Arc<Dialogues>,
    content: &MemoryContent,
    file: &SourceFile,
) -> Outcome {
    let mut outcome = Outcome {
        file: file.path.clone(),
        name: file.path.clone(),
        failure: None,
        visited: BTreeSet::new(),
    };
    let transcript = match parse(file) {
        Ok(t) => t,
        Err(err) => {
            outcome.failure = Some(err.to_string());
            return outcome;
        }
    };
    if let Some(name) = &transcript.name {
        outcome.name = name.clone();
    }
    let now = transcript
        .now
        .map(|n| n.with_timezone(&Utc))
        .or_else(|| DEFAULT_NOW.parse().ok())
        .unwrap_or_default();
    let lang = transcript
        .lang
        .as_deref()
        .unwrap_or(&dialogues.settings.default_lang);
    let conversation =
        Conversation::new(Arc::clone(dialogues), content.clone(), MemoryStore::new());
    let key = ChatKey::new("test", "citizen");
    let mut offered: Vec<OutButton> = Vec::new();
    for (index, turn) in transcript.turns.iter().enumerate() {
        let number = index + 1;
        let input = match (&turn.send, &turn.press) {
            (Some(text), None) => Input::from_text(text),
            (None, Some(label)) => match find_button(&offered, label) {
                Some(button) => Input::Button(button.payload.clone()),
                None => {
                    outcome.failure = Some(format!(
                        "turn {number}: no button labelled {label:?} was offered; offered: {}",
                        labels(&offered)
                    ));
                    return outcome;
                }
            },
            _ => {
                outcome.failure = Some(format!(
                    "turn {number}: give exactly one of `send` or `press`"
                ));
                return outcome;
            }
        };
        let inbound = Inbound { at: now, input };
        let result = match conversation.turn(&key, &inbound, Some(lang)).await {
            Ok(result) => result,
            Err(err) => {
                outcome.failure = Some(format!("turn {number}: {err}"));
                return outcome;
            }
        };
        outcome.visited.extend(result.visited.iter().copied());
        offered = result
            .replies
            .iter()
            .flat_map(|r| r.buttons.iter().cloned())
            .collect();
        let said = result
            .replies
            .iter()
            .map(|r| html_to_plain(&r.text))
            .collect::<Vec<_>>()
            .join("\n");
        if let Some(why) = first_difference(turn, &said, &offered, &result.session.state) {
            let sent = turn
                .send
                .as_deref()
                .or(turn.press.as_deref())
                .unwrap_or_default();
            outcome.failure = Some(format!(
                "turn {number} ({sent:?}): {why}\nthe bot said:\n{}",
                said.trim_end()
            ));
            return outcome;
        }
    }
    outcome
}

fn parse(file: &SourceFile) -> Result<RawTranscript, ContentError> {
    let text = std::str::from_utf8(&file.bytes).map_err(|_| ContentError {
        file: file.path.clone(),
        line: 0,
        column: 0,
        message: "not UTF-8 text".to_owned(),
    })?;
    crate::yaml::from_str(text).map_err(|err| ContentError {
        file: file.path.clone(),
        line: err.line,
        column: err.column,
        message: err.message,
    })
}

fn first_difference(
    turn: &RawTurn,
    said: &str,
    offered: &[OutButton],
    state: &str,
) -> Option<String> {
    for expected in &turn.says {
        if !said.contains(expected.as_str()) {
            return Some(format!("expected the reply to contain {expected:?}"));
        }
    }
    for pattern in &turn.says_regex {
        match Regex::new(pattern) {
            Ok(re) if re.is_match(said) => {}
            Ok(_) => return Some(format!("expected the reply to match /{pattern}/")),
            Err(err) => return Some(format!("`says_regex` {pattern:?} does not compile: {err}")),
        }
    }
    for unwanted in &turn.not_says {
        if said.contains(unwanted.as_str()) {
            return Some(format!("expected the reply not to contain {unwanted:?}"));
        }
    }
    for label in &turn.buttons {
        if find_button(offered, label).is_none() {
            return Some(format!(
                "expected a button {label:?}; offered: {}",
                labels(offered)
            ));
        }
    }
    if let Some(expected) = turn.state.as_deref().filter(|expected| *expected != state) {
        return Some(format!(
            "expected to be in state `{expected}`, but in `{state}`"
        ));
    }
    None
}

/// A button whose label contains `wanted` (compared without case, accents or emoji).
fn find_button<'a>(offered: &'a [OutButton], wanted: &str) -> Option<&'a OutButton> {
    let wanted = normalize(wanted);
    offered
        .iter()
        .find(|b| normalize(&b.label).contains(&wanted))
}

fn labels(offered: &[OutButton]) -> String {
    if offered.is_empty() {
        return "none".to_owned();
    }
    offered
        .iter()
        .map(|b| format!("{:?}", b.label))
        .collect::<Vec<_>>()
        .join(", ")
}
