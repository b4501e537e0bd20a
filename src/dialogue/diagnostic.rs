//! Findings about dialogue files: where (file:line:col), how bad, what to do.
//!
//! Rendering is plain text for terminals (`file:line:col: error: message`, the source
//! line and a caret) or JSON for tools. Nothing here reads files.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

use serde::Serialize;

use crate::staff_language::{Message, StaffLanguage};

/// How serious a finding is: errors stop the dialogues from loading, warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The dialogues cannot run until it is fixed.
    Error,
    /// Worth fixing; the dialogues run anyway.
    Warning,
}

/// A place in a dialogue file; `line` and `column` start at 1 (0 when unknown).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Position {
    /// The file (or directory) as it was named when loading.
    pub file: Arc<str>,
    /// 1-based line; 0 for the whole file.
    pub line: u64,
    /// 1-based column in characters; 0 for the whole line.
    pub column: u64,
}

impl Position {
    /// A position at `line`:`column` of `file`.
    pub fn new(file: &Arc<str>, line: u64, column: u64) -> Position {
        Position {
            file: Arc::clone(file),
            line,
            column,
        }
    }

    /// No line: for findings about a whole file or directory.
    pub fn whole(file: &Arc<str>) -> Position {
        Position::new(file, 0, 0)
    }
}

/// One finding.
#[derive(Debug, Clone, Serialize)]
pub struct Diagnostic {
    /// Whether it stops loading.
    pub severity: Severity,
    /// Where it was found.
    #[serde(flatten)]
    pub position: Position,
    /// What is wrong and what to do, in plain words for staff (English).
    pub message: String,
    /// The same in Italian, shown when staff read Italian; `None` where not written.
    #[serde(skip)]
    pub italian: Option<String>,
}

impl Diagnostic {
    /// A finding that stops the dialogues from loading.
    pub fn error(position: Position, message: impl Into<Message>) -> Diagnostic {
        Diagnostic::new(Severity::Error, position, message.into())
    }

    /// A finding that lets the dialogues run.
    pub fn warning(position: Position, message: impl Into<Message>) -> Diagnostic {
        Diagnostic::new(Severity::Warning, position, message.into())
    }

    fn new(severity: Severity, position: Position, message: Message) -> Diagnostic {
        Diagnostic {
            severity,
            position,
            message: message.english,
            italian: message.italian,
        }
    }

    /// The message in `language`.
    pub fn message_in(&self, language: StaffLanguage) -> &str {
        match language {
            StaffLanguage::Italian => self.italian.as_deref().unwrap_or(&self.message),
            StaffLanguage::English => &self.message,
        }
    }
}

/// All findings of one load, with the file texts needed to show them.
#[derive(Debug, Default)]
pub struct Report {
    /// Every finding, in the order found (`sort` orders them by place).
    pub diagnostics: Vec<Diagnostic>,
    sources: HashMap<Arc<str>, String>,
}

impl Report {
    pub(crate) fn add_source(&mut self, file: &Arc<str>, text: &str) {
        self.sources.insert(Arc::clone(file), text.to_owned());
    }

    /// Adds a finding.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    /// Whether any finding stops loading.
    pub fn has_errors(&self) -> bool {
        self.count(Severity::Error) > 0
    }

    /// How many findings are of `severity`.
    pub fn count(&self, severity: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    }

    /// Sorts findings by file and position, so output is stable and reads top-down.
    pub fn sort(&mut self) {
        self.diagnostics.sort_by(|a, b| {
            (
                &a.position.file,
                a.position.line,
                a.position.column,
                a.severity,
            )
                .cmp(&(
                    &b.position.file,
                    b.position.line,
                    b.position.column,
                    b.severity,
                ))
        });
    }

    /// `file:line:col: error: message`, then the source line and a caret under the
    /// column, in the language chosen for this process.
    pub fn render_text(&self) -> String {
        self.render_text_in(StaffLanguage::current())
    }

    /// [`Report::render_text`] in `language`.
    pub fn render_text_in(&self, language: StaffLanguage) -> String {
        let mut out = String::new();
        for d in &self.diagnostics {
            let p = &d.position;
            let severity = match d.severity {
                Severity::Error => language.pick("error", "errore"),
                Severity::Warning => language.pick("warning", "avviso"),
            };
            let message = d.message_in(language);
            if p.line == 0 {
                let _ = writeln!(out, "{}: {severity}: {message}", p.file);
                continue;
            }
            let _ = writeln!(
                out,
                "{}:{}:{}: {severity}: {message}",
                p.file, p.line, p.column
            );
            if let Some(line) = self.source_line(p) {
                let gutter = p.line.to_string();
                let _ = writeln!(out, " {gutter} | {line}");
                let pad: String = line
                    .chars()
                    .take(p.column.saturating_sub(1) as usize)
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                let _ = writeln!(out, " {} | {pad}^", " ".repeat(gutter.len()));
            }
        }
        let (errors, warnings) = (self.count(Severity::Error), self.count(Severity::Warning));
        let summary = match language {
            StaffLanguage::English => format!("{errors} error(s), {warnings} warning(s)"),
            StaffLanguage::Italian => format!("{errors} errore/i, {warnings} avviso/i"),
        };
        let _ = writeln!(out, "{summary}");
        out
    }

    /// The findings as a JSON array of `{severity, file, line, column, message}`, the
    /// message in the language chosen for this process (`severity` stays a keyword).
    pub fn render_json(&self) -> String {
        let language = StaffLanguage::current();
        let shown: Vec<Diagnostic> = self
            .diagnostics
            .iter()
            .map(|d| Diagnostic {
                message: d.message_in(language).to_owned(),
                ..d.clone()
            })
            .collect();
        serde_json::to_string_pretty(&shown).unwrap_or_else(|_| "[]".to_owned())
    }

    fn source_line(&self, p: &Position) -> Option<&str> {
        let text = self.sources.get(&p.file)?;
        let index = usize::try_from(p.line).ok()?.checked_sub(1)?;
        text.lines().nth(index).map(|l| l.trim_end_matches('\r'))
    }
}
