//! `sportello eval`: how well the bot understands a set of citizen messages, each
//! with the answer it must reach (the `rasa test nlu` habit). Every message is the
//! first of a new conversation, run through the real conversation pipeline on
//! in-memory stores.
//!
//! A set is a TSV file: `message<TAB>target`, `#` comments. A target is `flow.state`,
//! `faq:KEY`, `smalltalk:thanks`, `smalltalk:bye`, or `fallback` for messages that
//! must not get a confident answer; `a|b` when both are right.

pub mod explain;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::conversation::Conversation;
use crate::engine::{Inbound, Input, Outcome, Turn};
use crate::store::ChatKey;
use crate::store::mem::{MemoryContent, MemoryStore};

/// One message and the answers that count as right.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    /// The line it was read from (1-based).
    pub line: usize,
    /// What the citizen sends.
    pub message: String,
    /// Any of these is right; `fallback` alone means "must not be answered".
    pub expected: Vec<String>,
}

/// Reads a TSV set; a malformed line is an error naming it.
pub fn read_cases(text: &str) -> Result<Vec<Case>, String> {
    let mut cases = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((message, target)) = line.split_once('\t') else {
            return Err(format!(
                "line {line_no}: expected «message<TAB>target», found no tab"
            ));
        };
        let expected: Vec<String> = target
            .split('|')
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
            .collect();
        if expected.is_empty() {
            return Err(format!("line {line_no}: the target is empty"));
        }
        cases.push(Case {
            line: line_no,
            message: message.to_owned(),
            expected,
        });
    }
    Ok(cases)
}

/// What one message got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseResult {
    /// The case.
    pub case: Case,
    /// What the bot did, as a target (`didyoumean:…` when it asked).
    pub got: String,
}

/// A whole run.
#[derive(Debug, Clone, Default)]
pub struct Evaluation {
    /// Every case with what it got.
    pub results: Vec<CaseResult>,
}

/// The target a turn reached, in the set's vocabulary.
pub fn outcome_target(turn: &Turn, d: &crate::dialogue::Dialogues) -> String {
    match &turn.outcome {
        Outcome::Entered(id) if turn.understood => d.state(*id).qualified.clone(),
        Outcome::Faq(key) => format!("faq:{key}"),
        Outcome::DidYouMean(choices) => format!("didyoumean:{}", choices.join(",")),
        Outcome::Thanks => "smalltalk:thanks".to_owned(),
        Outcome::Bye => "smalltalk:bye".to_owned(),
        Outcome::ToStaff => "person".to_owned(),
        Outcome::Entered(_) | Outcome::NotUnderstood | Outcome::Nothing => "fallback".to_owned(),
    }
}

impl Evaluation {
    /// Runs `cases` through `conversation`, each as a new citizen writing in `lang`.
    pub async fn run(
        conversation: &Conversation<MemoryContent, MemoryStore>,
        cases: &[Case],
        lang: Option<&str>,
    ) -> Evaluation {
        let d = conversation.dialogues();
        let mut results = Vec::with_capacity(cases.len());
        for (i, case) in cases.iter().enumerate() {
            let key = ChatKey::new("eval", i.to_string());
            let inbound = Inbound {
                at: chrono::Utc::now(),
                input: Input::from_text(&case.message),
            };
            let got = match conversation.turn(&key, &inbound, lang).await {
                Ok(turn) => outcome_target(&turn, &d),
                Err(err) => format!("error: {err}"),
            };
            results.push(CaseResult {
                case: case.clone(),
                got,
            });
        }
        Evaluation { results }
    }

    fn answerable(&self) -> impl Iterator<Item = &CaseResult> {
        self.results
            .iter()
            .filter(|r| r.case.expected.iter().all(|e| e != "fallback"))
    }

    fn off_topic(&self) -> impl Iterator<Item = &CaseResult> {
        self.results
            .iter()
            .filter(|r| r.case.expected.iter().any(|e| e == "fallback"))
    }

    /// Share of answerable messages that got a right answer (0–1).
    pub fn accuracy(&self) -> f64 {
        let (right, all) = self.answerable().fold((0, 0), |(right, all), r| {
            (right + usize::from(is_right(r)), all + 1)
        });
        if all == 0 {
            1.0
        } else {
            right as f64 / all as f64
        }
    }

    /// Off-topic messages that got a confident answer (anything but the fallback
    /// or «Intendevi…?»).
    pub fn confident_wrong(&self) -> usize {
        self.off_topic().filter(|r| !is_safe(&r.got)).count()
    }

    /// The report: totals, per target precision and recall, every miss.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let answerable = self.answerable().count();
        let right = self.answerable().filter(|r| is_right(r)).count();
        let asked = self
            .answerable()
            .filter(|r| r.got.starts_with("didyoumean:"))
            .count();
        let off_topic = self.off_topic().count();
        let _ = writeln!(
            out,
            "Domande con risposta: {right}/{answerable} giuste ({:.1}%), {asked} con «Intendevi…?»",
            self.accuracy() * 100.0
        );
        let _ = writeln!(
            out,
            "Fuori tema: {}/{off_topic} senza risposta sicura, {} con una risposta sicura sbagliata",
            off_topic - self.confident_wrong(),
            self.confident_wrong()
        );
        let mut per_target: BTreeMap<&str, (usize, usize, usize)> = BTreeMap::new();
        for r in &self.results {
            let first = r.case.expected[0].as_str();
            let entry = per_target.entry(first).or_default();
            entry.1 += 1; // expected
            if is_right(r) || (first == "fallback" && is_safe(&r.got)) {
                entry.0 += 1;
            }
        }
        for r in &self.results {
            if let Some(entry) = per_target.get_mut(r.got.as_str()) {
                entry.2 += 1; // predicted
            }
        }
        let _ = writeln!(out, "\nPer destinazione (giuste / attese, precisione):");
        for (target, (hit, expected, predicted)) in &per_target {
            let precision = if *predicted == 0 {
                "—".to_owned()
            } else {
                format!(
                    "{:.0}%",
                    (*hit).min(*predicted) as f64 * 100.0 / *predicted as f64
                )
            };
            let _ = writeln!(out, "  {target:<40} {hit:>3}/{expected:<3} {precision:>5}");
        }
        let misses: Vec<&CaseResult> = self
            .results
            .iter()
            .filter(|r| {
                if r.case.expected.iter().any(|e| e == "fallback") {
                    !is_safe(&r.got)
                } else {
                    !is_right(r)
                }
            })
            .collect();
        if !misses.is_empty() {
            let _ = writeln!(out, "\nSbagliate ({}):", misses.len());
            for r in misses {
                let _ = writeln!(
                    out,
                    "  riga {:>3}: «{}» → {} (attesa: {})",
                    r.case.line,
                    r.case.message,
                    r.got,
                    r.case.expected.join(" | ")
                );
            }
        }
        out
    }
}

fn is_right(r: &CaseResult) -> bool {
    r.case.expected.contains(&r.got)
}

/// The fallback or a question back: never a confident wrong answer.
fn is_safe(got: &str) -> bool {
    got == "fallback" || got.starts_with("didyoumean:")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_are_read_with_alternatives_and_comments() {
        let cases =
            read_cases("# commento\nciao\tmain.menu\nbando?\tfaq:a|ammissione.medicina\n\n")
                .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(cases.len(), 2);
        assert_eq!(cases[1].line, 3);
        assert_eq!(cases[1].expected, ["faq:a", "ammissione.medicina"]);
        assert!(read_cases("senza tab").is_err());
        assert!(read_cases("vuota\t").is_err());
    }
}
