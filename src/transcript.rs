//! Conversation tests (`sportello test`): YAML transcripts of what a citizen sends and
//! what the bot must answer, run against the dialogues with the demo content and a
//! fresh in-memory store each, plus the state coverage they reach.
//!
//! A run only reads the transcript files: a failing test is reported, never rewritten.
//!
//! # Layout
//! - `raw`: the file's shape, every value with its line and column.
//! - `load`: the checks made before a transcript runs (unknown states, regexes…).
//! - `matching`: how `says`, `says_exact` and button labels compare with the reply.
//! - `run` and `compare`: playing the turns, and one reply against its expectations.
//! - `report`: outcomes, and how they read in the staff's language.

mod compare;
mod load;
mod matching;
mod raw;
mod report;
mod run;

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

pub use report::{Failure, Finding, Outcome, Place, Reply, Summary, TurnFailure};

use crate::content::ContentFile;
use crate::dialogue::{Dialogues, SourceFile, StateId};
use crate::store::mem::MemoryContent;

/// The clock of a transcript that names none: mid-January 2027, before the exams.
pub const DEFAULT_NOW: &str = "2027-01-15T09:00:00+01:00";

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

/// Runs every transcript against `dialogues` with `content`. A file that does not read
/// fails alone: the others still run.
pub async fn run_all(
    dialogues: Arc<Dialogues>,
    content: &ContentFile,
    files: &[SourceFile],
) -> Summary {
    let content = MemoryContent::new(content.clone());
    let mut outcomes = Vec::new();
    for file in files {
        outcomes.push(run::run_one(&dialogues, &content, file).await);
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
