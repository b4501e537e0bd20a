//! Compiling staff texts: `say`-like templates (checked for variables out of scope),
//! plain per-language texts, and regexes (shared when repeated).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use serde_saphyr::{Location, Spanned};

use super::Builder;
use crate::dialogue::diagnostic::Position;
use crate::dialogue::model::{Localized, Text};
use crate::dialogue::pattern::Pattern;
use crate::dialogue::raw::RawText;
use crate::dialogue::suggest::{did_you_mean, did_you_mean_tails};
use crate::dialogue::template::TemplateSite;
use crate::say;
use crate::staff_language::{Message, StaffLanguage};

/// Variables that actions put in scope.
pub(super) const ACTION_VARIABLES: [&str; 8] = [
    "events",
    "news",
    "faq",
    "subscriptions",
    "erased",
    "handoff",
    "reminder",
    "reminders",
];
/// Variables every template may read: the answers collected, the citizen's language,
/// the topics' names and the time of the message (in Europe/Rome).
pub(super) const ALWAYS_IN_SCOPE: [&str; 6] = ["slots", "lang", "topics", "now", "today", "year"];
/// What a news message template may use.
pub(super) const NEWS_IN_SCOPE: [&str; 2] = ["news", "lang"];
/// What the reminder texts may use: the event as it stands, and the reminder.
pub(super) const REMINDER_IN_SCOPE: [&str; 3] = ["event", "reminder", "lang"];
/// What the confirmation of a `remind` state may use: the state's scope and `reminder`.
pub(super) const CONFIRM_IN_SCOPE: [&str; 7] = [
    "reminder", "slots", "lang", "topics", "now", "today", "year",
];

impl Builder {
    /// Checks a staff regex; a repeated one is shared, not parsed again.
    pub(super) fn regex(
        &mut self,
        file: &Arc<str>,
        source: &Spanned<String>,
    ) -> Option<Arc<Pattern>> {
        // Staff repeat the same rule in many states; share one pattern (built once).
        if let Some(pattern) = self.patterns.get(&source.value) {
            return Some(Arc::clone(pattern));
        }
        match Pattern::parse(&source.value) {
            Ok(pattern) => {
                let pattern = Arc::new(pattern);
                self.patterns
                    .insert(source.value.clone(), Arc::clone(&pattern));
                Some(pattern)
            }
            Err(reason) => {
                let position = self.at(file, &source.referenced);
                self.error(
                    position,
                    say!(
                        "regex does not compile: {reason}",
                        "la regex non si compila: {reason}"
                    ),
                );
                None
            }
        }
    }

    /// Compiles each language of a `say`-like text as a template named `base.lang`.
    pub(super) fn template(
        &mut self,
        file: &Arc<str>,
        base: &str,
        text: &Spanned<RawText>,
        flow_lang: &str,
        in_scope: &[&str],
    ) -> Localized {
        let mut names = Vec::new();
        match &text.value {
            RawText::Plain(_) | RawText::Scalar(_) => {
                let position = self.template_start(file, &text.referenced);
                let name = format!("{base}.{flow_lang}");
                let source = self.scalar_text(file, text);
                self.compile(name.clone(), source, position, in_scope);
                names.push((flow_lang.to_owned(), name));
            }
            RawText::ByLang(variants) => {
                for (lang, source) in variants {
                    let position = self.template_start(file, &source.referenced);
                    let name = format!("{base}.{lang}");
                    self.compile(name.clone(), source.value.clone(), position, in_scope);
                    names.push((lang.clone(), name));
                }
            }
        }
        Localized(names)
    }

    /// The template staff wrote, else the built-in one per language (placed at
    /// `position` for any report), reading only the variables `in_scope`.
    pub(super) fn template_or_builtin(
        &mut self,
        file: &Arc<str>,
        base: &str,
        raw: Option<&Spanned<RawText>>,
        default_lang: &str,
        position: &Position,
        (builtin, in_scope): (&[(&str, &str)], &[&str]),
    ) -> Localized {
        if let Some(text) = raw {
            return self.template(file, base, text, default_lang, in_scope);
        }
        let mut names = Vec::new();
        for (lang, source) in builtin {
            let name = format!("{base}.{lang}");
            self.compile(
                name.clone(),
                (*source).to_owned(),
                position.clone(),
                in_scope,
            );
            names.push(((*lang).to_owned(), name));
        }
        Localized(names)
    }

    /// A text that is not a template (labels, names), per language.
    pub(super) fn plain_text(&self, file: &Arc<str>, text: &Spanned<RawText>, lang: &str) -> Text {
        match &text.value {
            RawText::ByLang(v) => Text(
                v.iter()
                    .map(|(l, s)| (l.clone(), s.value.clone()))
                    .collect(),
            ),
            _ => Text(vec![(lang.to_owned(), self.scalar_text(file, text))]),
        }
    }

    /// A single text as written: for a bare `yes` or `1.10` the file's own characters.
    pub(super) fn scalar_text(&self, file: &Arc<str>, text: &Spanned<RawText>) -> String {
        match &text.value {
            RawText::Plain(s) => s.clone(),
            RawText::Scalar(formatted) => {
                let span = text.referenced.span();
                let written = span
                    .byte_offset()
                    .zip(span.byte_len())
                    .and_then(|(at, len)| {
                        let source = self.sources.get(file)?;
                        source
                            .get(at as usize..(at + len) as usize)
                            .map(str::to_owned)
                    });
                written.unwrap_or_else(|| formatted.clone())
            }
            RawText::ByLang(_) => String::new(),
        }
    }

    /// Where a template's first line is: the line after `|`/`>` for block scalars.
    pub(super) fn template_start(&self, file: &Arc<str>, location: &Location) -> Position {
        let line_text = self
            .sources
            .get(file)
            .and_then(|s| s.lines().nth(location.line().saturating_sub(1) as usize))
            .unwrap_or("");
        let at = line_text
            .chars()
            .nth(location.column().saturating_sub(1) as usize);
        if matches!(at, Some('|' | '>')) {
            Position::new(file, location.line() + 1, 0)
        } else {
            self.at(file, location)
        }
    }

    /// Checks an expression staff wrote (`if:`, `min:`): its syntax, and that it reads
    /// only variables in scope. Returns it when it can be evaluated.
    pub(super) fn expression(
        &mut self,
        file: &Arc<str>,
        written: &Spanned<RawText>,
        what: &Message,
        in_scope: &[&str],
    ) -> Option<String> {
        let (what, cosa) = (&what.english, what.in_language(StaffLanguage::Italian));
        let position = self.at(file, &written.referenced);
        let source = match &written.value {
            RawText::ByLang(_) => {
                self.error(
                    position,
                    say!(
                        "{what} is one expression, not one per language",
                        "{cosa} è un'espressione sola, non una per lingua"
                    ),
                );
                return None;
            }
            _ => self.scalar_text(file, written),
        };
        if source.trim().is_empty() {
            self.error(position, say!("{what} is empty", "{cosa} è vuota"));
            return None;
        }
        match self.templates.expression_reads(&source) {
            Ok(paths) => {
                let roots: HashSet<&str> = paths
                    .iter()
                    .map(|p| p.split('.').next().unwrap_or(p))
                    .collect();
                let mut unknown: Vec<&str> = roots
                    .into_iter()
                    .filter(|v| !in_scope.contains(v))
                    .collect();
                unknown.sort();
                for variable in &unknown {
                    let (hint, forse) = did_you_mean_tails(variable, in_scope);
                    let known = in_scope.join(", ");
                    self.error(position.clone(), say!("{what} uses `{variable}`, which is not available here{hint} (available: {known})", "{cosa} usa `{variable}`, che qui non è disponibile{forse} (disponibili: {known})"));
                }
                unknown.is_empty().then_some(source)
            }
            Err(err) => {
                let (reason, motivo) = (&err.message, &err.italian);
                self.error(
                    position,
                    say!(
                        "{what} `{source}` does not read: {reason}",
                        "{cosa} `{source}` non si legge: {motivo}"
                    ),
                );
                None
            }
        }
    }

    /// Compiles one template under `name`; reports syntax errors and variables not in
    /// `in_scope` at their line in the file, and keeps the site for the lints.
    pub(super) fn compile(
        &mut self,
        name: String,
        source: String,
        position: Position,
        in_scope: &[&str],
    ) {
        let source_len = source.chars().count();
        match self.templates.add(name.clone(), source) {
            Ok(()) => {
                let mut unknown: Vec<String> = self
                    .templates
                    .undeclared(&name)
                    .into_iter()
                    .filter(|v| !in_scope.contains(&v.as_str()))
                    .collect();
                unknown.sort();
                let at = line_in_template(&self.sources, &position, 1);
                for variable in unknown {
                    let (hint, forse) = match did_you_mean(&variable, &ACTION_VARIABLES) {
                        Some(v) if !in_scope.contains(&v) => (
                            format!("; `{v}` needs a `do: {{ {v}: … }}` action in this state"),
                            format!("; `{v}` vuole un'azione `do: {{ {v}: … }}` in questo stato"),
                        ),
                        _ => did_you_mean_tails(&variable, in_scope),
                    };
                    let known = in_scope.join(", ");
                    self.error(at.clone(), say!("template uses `{variable}`, which is not available here{hint} (available: {known})", "il testo usa `{variable}`, che qui non è disponibile{forse} (disponibili: {known})"));
                }
                self.sites.push(TemplateSite {
                    name,
                    position: at,
                    source_len,
                });
            }
            Err(err) => {
                let at =
                    line_in_template(&self.sources, &position, err.line_in_template.unwrap_or(1));
                let (reason, motivo) = (&err.message, &err.italian);
                self.error(
                    at,
                    say!("template error: {reason}", "errore nel testo: {motivo}"),
                );
            }
        }
    }
}

/// The file position of line `line` (1-based) of a template that starts at `start`;
/// column 0 in `start` marks a block scalar, whose lines start at their indentation.
pub(super) fn line_in_template(
    sources: &HashMap<Arc<str>, String>,
    start: &Position,
    line: usize,
) -> Position {
    let file_line = start.line + line.saturating_sub(1) as u64;
    let column = if start.column != 0 && line <= 1 {
        start.column
    } else {
        sources
            .get(&start.file)
            .and_then(|s| s.lines().nth(file_line.saturating_sub(1) as usize))
            .map_or(1, |l| {
                l.chars().take_while(|c| c.is_whitespace()).count() as u64 + 1
            })
    };
    Position::new(&start.file, file_line, column)
}
