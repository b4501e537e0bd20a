//! Reads dialogue files and builds the checked `Dialogues` graph.
//!
//! Every problem becomes a `Diagnostic` with file:line:col; loading goes on after an
//! error so that one run shows them all. Nothing here panics on file contents.

mod ask;
mod compile;
mod handoff;
mod names;
mod reminders;
mod settings;
mod source;
mod states;
mod topic_menus;

pub use source::{MAX_FILE_BYTES, SETTINGS_FILE, SourceFile, read_dir};

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use serde_saphyr::Location;

use super::diagnostic::{Diagnostic, Position, Report};
use super::model::Dialogues;
use super::pattern::Pattern;
use super::raw::{RawFlow, RawSettings};
use super::template::TemplateSite;
use super::template::Templates;
use crate::say;
use source::{is_settings_file, version_of};

/// Builds the dialogues from `files`. Returns them only when no error was found; the
/// report holds every finding either way, lint warnings included.
pub fn load(files: &[SourceFile]) -> (Option<Dialogues>, Report) {
    let mut builder = Builder::default();
    let mut settings = None;
    let mut flows = Vec::new();
    for file in files {
        let name: Arc<str> = Arc::from(file.path.as_str());
        let Some(text) = builder.text_of(&name, &file.bytes) else {
            continue;
        };
        if is_settings_file(&file.path) {
            builder.settings_seen = true;
            if let Some(raw) = builder.parse::<RawSettings>(&name, &text) {
                settings = Some((name, raw));
            }
        } else if let Some(raw) = builder.parse::<RawFlow>(&name, &text) {
            flows.push((name, raw));
        } else {
            builder.skip_flow_of(&name, &text);
        }
    }
    if let Some((file, raw)) = &settings {
        let lang = raw.default_lang();
        let declared = topic_menus::DeclaredTopics {
            file,
            topics: &raw.topics,
            lang,
        };
        builder.expand_topic_menus(&mut flows, &declared);
    }
    let version = version_of(files);
    let dialogues = builder.build(settings, flows, version);
    let mut report = builder.report;
    let dialogues = dialogues.filter(|_| !report.has_errors());
    if let Some(d) = &dialogues {
        super::check::lint(d, &builder.sites, &mut report);
    }
    report.sort();
    let dialogues = dialogues.filter(|_| !report.has_errors());
    (dialogues, report)
}

/// What loading gathers as it goes: findings, sources for positions, and the
/// compiled templates and patterns the dialogues will own.
#[derive(Default)]
struct Builder {
    report: Report,
    /// A settings file was found (even if it did not parse).
    settings_seen: bool,
    sources: HashMap<Arc<str>, String>,
    templates: Templates,
    sites: Vec<TemplateSite>,
    patterns: HashMap<String, Arc<Pattern>>,
    /// Flows whose file could not be read: links to them are not reported as unknown,
    /// since the one finding that matters is in that file.
    skipped_flows: HashSet<String>,
    /// The keys of `handoff.queues`, for checking `handoff` actions.
    queue_keys: Vec<String>,
}

impl Builder {
    /// Records an error; loading goes on so that one run shows them all.
    fn error(&mut self, position: Position, message: impl Into<crate::staff_language::Message>) {
        self.report.push(Diagnostic::error(position, message));
    }

    /// The position of a parsed value in `file`.
    fn at(&self, file: &Arc<str>, location: &Location) -> Position {
        Position::new(file, location.line(), location.column())
    }

    /// Registers every name, then builds flows, states and settings; `None` after any
    /// error (the findings are in `report`).
    fn build(
        &mut self,
        settings: Option<(Arc<str>, RawSettings)>,
        flows: Vec<(Arc<str>, RawFlow)>,
        version: String,
    ) -> Option<Dialogues> {
        let names = self.register(&flows);
        let default_lang = settings
            .as_ref()
            .map_or("it", |(_, s)| s.default_lang())
            .to_owned();
        let topic_keys: Vec<String> = settings
            .as_ref()
            .map(|(_, s)| s.topics.0.iter().map(|(k, _)| k.value.clone()).collect())
            .unwrap_or_default();

        self.queue_keys = settings
            .as_ref()
            .and_then(|(_, s)| s.handoff.as_ref())
            .map(|h| h.queues.0.iter().map(|(k, _)| k.value.clone()).collect())
            .unwrap_or_default();
        let (built_flows, states) = self.build_flows(&names, &flows, &default_lang, &topic_keys);

        let Some((settings_file, raw_settings)) = settings else {
            if !self.settings_seen {
                let dir = flows
                    .first()
                    .and_then(|(file, _)| {
                        Path::new(&**file).parent().map(|p| p.display().to_string())
                    })
                    .unwrap_or_else(|| "dialogues".to_owned());
                self.error(
                    Position::whole(&Arc::from(dir)),
                    say!(
                        "{SETTINGS_FILE} is missing: it declares the main menu, commands and fallback",
                        "manca {SETTINGS_FILE}: dichiara il menu principale, i comandi e la risposta di riserva"
                    ),
                );
            }
            return None;
        };
        let settings = self.build_settings(&names, &settings_file, raw_settings, default_lang)?;
        if states.len() != names.by_name.len() || self.report.has_errors() {
            return None;
        }
        let understanding = super::understanding::build(&settings, &states);
        Some(Dialogues {
            understanding,
            settings,
            flows: built_flows,
            states,
            templates: std::mem::take(&mut self.templates),
            by_name: names.by_name,
            version,
        })
    }
}
