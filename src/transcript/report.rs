//! What a run of transcripts found, and how it reads to staff in their language:
//! every failure at `file:line:col`, what was expected, what the bot said and which
//! buttons it offered, as plain text.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde_saphyr::Location;

use crate::dialogue::StateId;
use crate::say;
use crate::staff_language::{Message, StaffLanguage};

/// A place in a transcript file. Line and column start at 1; 0 when unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Place {
    /// 1-based; 0 when unknown.
    pub line: u64,
    /// 1-based; 0 when unknown.
    pub column: u64,
}

impl Place {
    /// Nowhere in particular: the finding is about the whole file.
    pub const UNKNOWN: Place = Place { line: 0, column: 0 };

    pub(super) fn of(location: &Location) -> Place {
        Place {
            line: location.line(),
            column: location.column(),
        }
    }

    /// `file:line:col`, `file:line` or `file`, as far as the place is known.
    pub fn in_file(self, file: &str) -> String {
        match (self.line, self.column) {
            (0, _) => file.to_owned(),
            (line, 0) => format!("{file}:{line}"),
            (line, column) => format!("{file}:{line}:{column}"),
        }
    }
}

/// One thing wrong, at the place in the file it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Where the expectation (or the mistake) is written.
    pub place: Place,
    /// What is wrong, in a sentence.
    pub message: Message,
    /// Lines under it: what was expected, what was seen instead.
    pub details: Vec<Message>,
}

/// What the bot answered in one turn, as a citizen would read it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Reply {
    /// Every message of the turn as plain text, one after the other.
    pub text: String,
    /// The labels of the buttons offered, in order.
    pub buttons: Vec<String>,
}

/// Why a transcript did not pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The file does not read, or names what the dialogues lack: nothing ran.
    Mistakes(Vec<Finding>),
    /// A turn did not go as written; the turns after it did not run.
    Turn(TurnFailure),
}

/// The first turn that did not go as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TurnFailure {
    /// 1 for the first turn of the file.
    pub number: usize,
    /// Where the turn starts.
    pub place: Place,
    /// What the citizen did, as written: `send: /start`.
    pub input: String,
    /// Every expectation of the turn that did not hold, in file order.
    pub findings: Vec<Finding>,
    /// The bot's answer; `None` when the turn could not be taken at all.
    pub reply: Option<Reply>,
}

/// How one transcript went.
#[derive(Debug)]
pub struct Outcome {
    /// The transcript file.
    pub file: String,
    /// The test's name, as written in the file (else the file).
    pub name: String,
    /// Why it did not pass, if it did not.
    pub failure: Option<Failure>,
    /// Every state the test entered, for coverage.
    pub visited: BTreeSet<StateId>,
    /// Turns that pick a button by typing its number: they pick another one once a
    /// button is added above it, so the report names them.
    pub by_number: Vec<NumberPick>,
}

/// A turn that typed a button's number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberPick {
    /// Where the turn is written.
    pub place: Place,
    /// The number typed.
    pub number: usize,
    /// The label of the button it picked.
    pub label: String,
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

    /// A line per transcript, each failure in full, then the counts and coverage.
    pub fn render(&self, language: StaffLanguage) -> String {
        let mut out = String::new();
        let (pass, fail) = (
            language.pick("pass", "superato"),
            language.pick("FAIL", "FALLITO"),
        );
        let width = pass.chars().count().max(fail.chars().count()) + 1;
        for outcome in &self.outcomes {
            let status = if outcome.failure.is_some() {
                fail
            } else {
                pass
            };
            if outcome.name == outcome.file {
                let _ = writeln!(out, "{status:<width$} {}", outcome.file);
            } else {
                let _ = writeln!(out, "{status:<width$} {} ({})", outcome.name, outcome.file);
            }
            if let Some(failure) = &outcome.failure {
                render_failure(&mut out, &outcome.file, failure, language);
            }
        }
        let failed = self.outcomes.iter().filter(|o| o.failure.is_some()).count();
        let passed = self.outcomes.len() - failed;
        let (covered, total) = (self.covered, self.total);
        let percent = format!("{:.1}", self.coverage_percent());
        let lines = match language {
            StaffLanguage::English => [
                format!("{passed} passed, {failed} failed"),
                format!("coverage: {covered}/{total} states ({percent}%)"),
                format!("not reached by any test: {}", self.uncovered.join(", ")),
            ],
            StaffLanguage::Italian => [
                format!(
                    "{passed} {}, {failed} {}",
                    plural(passed, "superato", "superati"),
                    plural(failed, "fallito", "falliti")
                ),
                format!(
                    "copertura: {covered}/{total} stati ({}%)",
                    percent.replace('.', ",")
                ),
                format!(
                    "non raggiunti da nessun test: {}",
                    self.uncovered.join(", ")
                ),
            ],
        };
        let [counts, coverage, uncovered] = lines;
        let _ = writeln!(out, "\n{counts}\n{coverage}");
        if !self.uncovered.is_empty() {
            let _ = writeln!(out, "{uncovered}");
        }
        render_number_picks(&mut out, &self.outcomes, language);
        out
    }
}

/// The turns that pick a button by its number, one line each: a new button above
/// it renumbers the menu, and these are the turns to look at then.
fn render_number_picks(out: &mut String, outcomes: &[Outcome], language: StaffLanguage) {
    let picks: Vec<(&str, &NumberPick)> = outcomes
        .iter()
        .flat_map(|o| o.by_number.iter().map(move |p| (o.file.as_str(), p)))
        .collect();
    if picks.is_empty() {
        return;
    }
    let heading = say!(
        "typed numbers: these turns pick a button by its number, which changes when a button is added above it (press: a label does not):",
        "numeri scritti: questi turni scelgono un pulsante col suo numero, che cambia se si aggiunge un pulsante sopra (press: con l'etichetta no):"
    );
    let _ = writeln!(out, "{}", heading.in_language(language));
    for (file, pick) in picks {
        let (number, label) = (pick.number, &pick.label);
        let line = say!("«{number}» picks [{label}]", "«{number}» sceglie [{label}]");
        let _ = writeln!(
            out,
            "  {}: {}",
            pick.place.in_file(file),
            line.in_language(language)
        );
    }
}

fn plural<'a>(count: usize, one: &'a str, many: &'a str) -> &'a str {
    if count == 1 { one } else { many }
}

/// How far a failure's lines sit under the transcript's status line.
const INDENT: &str = "      ";

fn render_failure(out: &mut String, file: &str, failure: &Failure, language: StaffLanguage) {
    let findings = match failure {
        Failure::Mistakes(findings) => findings,
        Failure::Turn(turn) => {
            let number = turn.number;
            let input = &turn.input;
            let headline = say!(
                "turn {number} ({input}) did not go as written:",
                "il turno {number} ({input}) non è andato come scritto:"
            );
            let _ = writeln!(
                out,
                "{INDENT}{}: {}",
                turn.place.in_file(file),
                headline.in_language(language)
            );
            &turn.findings
        }
    };
    for finding in findings {
        let _ = writeln!(
            out,
            "{INDENT}{}: {}",
            finding.place.in_file(file),
            finding.message.in_language(language)
        );
        for detail in &finding.details {
            // A multi-line expected text stays under its label.
            for (i, line) in detail.in_language(language).trim_end().lines().enumerate() {
                let indent = if i == 0 { "  " } else { "    " };
                let _ = writeln!(out, "{}", format!("{INDENT}{indent}{line}").trim_end());
            }
        }
    }
    if let Failure::Turn(TurnFailure {
        reply: Some(reply), ..
    }) = failure
    {
        render_reply(out, reply, language);
    }
}

fn render_reply(out: &mut String, reply: &Reply, language: StaffLanguage) {
    let _ = writeln!(
        out,
        "{INDENT}{}",
        language.pick("The bot said:", "Il bot ha risposto:")
    );
    let text = reply.text.trim_end();
    if text.trim().is_empty() {
        let _ = writeln!(out, "{INDENT}  {}", language.pick("(nothing)", "(niente)"));
    } else {
        for line in text.lines() {
            // Blank lines of the reply stay blank, without trailing spaces.
            let _ = writeln!(out, "{}", format!("{INDENT}  {line}").trim_end());
        }
    }
    let _ = writeln!(
        out,
        "{INDENT}{} {}",
        language.pick("Buttons:", "Pulsanti:"),
        plain_buttons(&reply.buttons, language)
    );
}

/// `[📅 Date] [ℹ️ Cos'è]` as the citizen sees them, or `none`.
pub(super) fn plain_buttons(labels: &[String], language: StaffLanguage) -> String {
    if labels.is_empty() {
        return language.pick("none", "nessuno").to_owned();
    }
    labels
        .iter()
        .map(|label| format!("[{label}]"))
        .collect::<Vec<_>>()
        .join(" ")
}
