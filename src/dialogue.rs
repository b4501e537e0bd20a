//! The staff-facing dialogue language: YAML files loaded into a checked graph.
//!
//! `load` reads and validates (files, names, texts, states, settings, each in its own
//! file); `check` lints the result; `graph` draws it; `payload` is the one spelling of
//! a button on the wire. Every finding carries file:line:col. This module does no
//! network or database I/O, and does not depend on the engine.

mod check;
mod check_examples;
mod check_menus;
mod check_texts;
mod diagnostic;
mod expect;
pub mod graph;
mod limits;
mod live;
mod load;
mod model;
mod office_hours;
mod pattern;
mod payload;
mod raw;
pub(crate) mod suggest;
mod template;
mod understanding;
pub mod watch;

pub use check_texts::gulpease;
pub use diagnostic::{Diagnostic, Position, Report, Severity};
pub use expect::{Bound, Choice, Expect};
pub use limits::{
    TELEGRAM_CALLBACK_LIMIT, TELEGRAM_TEXT_LIMIT, WHATSAPP_BUTTON_TITLE, WHATSAPP_BUTTONS,
    WHATSAPP_LIST_ROWS, WHATSAPP_ROW_DESCRIPTION, WHATSAPP_ROW_TITLE,
};
pub use live::{Live, ReloadError, Reloaded};
pub use load::{MAX_FILE_BYTES, SETTINGS_FILE, SourceFile, load, read_dir};
pub use model::{
    Action, Ask, Branch, Button, Command, Dialogues, Example, Fallback, Flow, Goto, Handoff,
    Intent, Localized, Queue, Rule, Settings, State, StateId, Text, Topic, Understanding,
    successors,
};
pub use office_hours::OfficeHours;
pub use pattern::Pattern;
pub use payload::{button_payload, parse_payload};
pub use template::Templates;

use std::path::Path;

use include_dir::{Dir, include_dir};

static BUNDLED: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/dialogues");

/// The dialogues shipped inside the binary (the repository's `dialogues/`).
pub fn bundled_files() -> Vec<SourceFile> {
    yaml_files(&BUNDLED)
}

/// The bundled conversation tests (`dialogues/tests/`).
pub fn bundled_tests() -> Vec<SourceFile> {
    BUNDLED.get_dir("tests").map(yaml_files).unwrap_or_default()
}

/// The YAML files directly in `dir`, named as in the repository, sorted.
fn yaml_files(dir: &Dir<'_>) -> Vec<SourceFile> {
    let mut files: Vec<SourceFile> = dir
        .files()
        .filter(|f| {
            f.path()
                .extension()
                .is_some_and(|e| e == "yaml" || e == "yml")
        })
        .map(|f| SourceFile {
            path: format!("dialogues/{}", f.path().display()),
            bytes: f.contents().to_vec(),
        })
        .collect();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}

/// Loads a directory: all findings, and the dialogues if there was no error.
pub fn load_dir(dir: &Path) -> (Option<Dialogues>, Report) {
    match read_dir(dir) {
        Ok(files) => load(&files),
        Err(report) => (None, report),
    }
}
