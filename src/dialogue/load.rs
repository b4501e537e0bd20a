//! Reads dialogue files and builds the checked `Dialogues` graph.
//!
//! Every problem becomes a `Diagnostic` with file:line:col; loading goes on after an
//! error so that one run shows them all. Nothing here panics on file contents.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use serde_saphyr::{Location, Spanned};
use sha2::{Digest, Sha256};

use super::diagnostic::{Diagnostic, Position, Report};
use super::model::{
    Action, Ask, Button, Command, Dialogues, Fallback, Flow, Localized, Rule, Settings, State,
    StateId, Text, Topic,
};
use super::pattern::Pattern;
use super::raw::{RawAction, RawFlow, RawSettings, RawState, RawText};
use super::check::TemplateSite;
use super::template::Templates;
use crate::text::normalize;

/// Larger files are refused unread: a dialogue file is a few kilobytes.
pub const MAX_FILE_BYTES: usize = 1024 * 1024;
/// The settings file every dialogue directory has.
pub const SETTINGS_FILE: &str = "sportello.yaml";
/// States entered in one turn before the engine stops a loop, unless settings say.
const DEFAULT_STEP_LIMIT: usize = 20;

/// Variables that actions put in scope.
const ACTION_VARIABLES: [&str; 5] = ["events", "news", "faq", "subscriptions", "erased"];
/// Variables every template may read.
const ALWAYS_IN_SCOPE: [&str; 3] = ["slots", "lang", "topics"];
/// What a news message template may use.
const NEWS_IN_SCOPE: [&str; 2] = ["news", "lang"];
/// The news message when `sportello.yaml` has no `news:` (per language).
const DEFAULT_NEWS: [(&str, &str); 2] = [
    (
        "it",
        "📰 <b>{{ news.title }}</b>\n\n{{ news.body }}{% if news.link %}\n\n<a href=\"{{ news.link }}\">{% if news.trimmed %}Leggi tutto{% else %}Approfondisci{% endif %}</a>{% endif %}",
    ),
    (
        "en",
        "📰 <b>{{ news.title }}</b>\n\n{{ news.body }}{% if news.link %}\n\n<a href=\"{{ news.link }}\">{% if news.trimmed %}Read more{% else %}More{% endif %}</a>{% endif %}",
    ),
];

/// One dialogue file's name and bytes, from disk or embedded in the binary.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: String,
    pub bytes: Vec<u8>,
}

/// Lists the `.yaml`/`.yml` files of `dir` (not its subdirectories), sorted by name.
pub fn read_dir(dir: &Path) -> Result<Vec<SourceFile>, Report> {
    let shown: Arc<str> = Arc::from(dir.display().to_string());
    let fail = |message: String| {
        let mut report = Report::default();
        report.push(Diagnostic::error(Position::whole(&shown), message));
        report
    };
    let entries = std::fs::read_dir(dir)
        .map_err(|err| fail(format!("cannot read the dialogue directory: {err}")))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|err| fail(format!("cannot list the directory: {err}")))?;
        let path = entry.path();
        let is_yaml = path
            .extension()
            .is_some_and(|ext| ext == "yaml" || ext == "yml");
        if !is_yaml || !path.is_file() {
            continue;
        }
        let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
        let bytes = if size > MAX_FILE_BYTES as u64 {
            // Keep it out of memory; `load` reports it by its size.
            vec![0; MAX_FILE_BYTES + 1]
        } else {
            std::fs::read(&path)
                .map_err(|err| fail(format!("cannot read {}: {err}", path.display())))?
        };
        files.push(SourceFile {
            path: path.display().to_string(),
            bytes,
        });
    }
    if files.is_empty() {
        return Err(fail(
            "no dialogue files (*.yaml) here; a dialogue directory needs sportello.yaml and one file per flow"
                .to_owned(),
        ));
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

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
        let is_settings = Path::new(&file.path)
            .file_name()
            .is_some_and(|n| n == SETTINGS_FILE || n == "sportello.yml");
        if is_settings {
            builder.settings_seen = true;
            if let Some(raw) = builder.parse::<RawSettings>(&name, &text) {
                settings = Some((name, raw));
            }
        } else if let Some(raw) = builder.parse::<RawFlow>(&name, &text) {
            flows.push((name, raw));
        }
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

#[derive(Default)]
struct Builder {
    report: Report,
    /// A settings file was found (even if it did not parse).
    settings_seen: bool,
    sources: HashMap<Arc<str>, String>,
    templates: Templates,
    sites: Vec<TemplateSite>,
    patterns: HashMap<String, Arc<Pattern>>,
}

/// Names registered before targets are resolved.
struct Names {
    by_name: HashMap<String, StateId>,
    flow_starts: HashMap<String, Option<StateId>>,
    states_of_flow: HashMap<String, Vec<String>>,
}

impl Builder {
    fn error(&mut self, position: Position, message: impl Into<String>) {
        self.report.push(Diagnostic::error(position, message));
    }

    /// The file as text, or an error naming the size or the first bad byte.
    fn text_of(&mut self, file: &Arc<str>, bytes: &[u8]) -> Option<String> {
        if bytes.len() > MAX_FILE_BYTES {
            self.error(
                Position::whole(file),
                format!(
                    "file is larger than {} KiB; split it into flows",
                    MAX_FILE_BYTES / 1024
                ),
            );
            return None;
        }
        match std::str::from_utf8(bytes) {
            Ok(text) => {
                self.report.add_source(file, text);
                self.sources.insert(Arc::clone(file), text.to_owned());
                Some(text.to_owned())
            }
            Err(err) => {
                let good = &bytes[..err.valid_up_to()];
                let line = good.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
                let line_start = good.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
                let column =
                    String::from_utf8_lossy(&good[line_start..]).chars().count() as u64 + 1;
                self.error(
                    Position::new(file, line, column),
                    "the file is not UTF-8 text; save it as UTF-8",
                );
                None
            }
        }
    }

    fn parse<T: serde::de::DeserializeOwned>(&mut self, file: &Arc<str>, text: &str) -> Option<T> {
        if text.trim().is_empty() {
            self.error(Position::whole(file), "the file is empty");
            return None;
        }
        match crate::yaml::from_str::<T>(text) {
            Ok(value) => Some(value),
            Err(err) => {
                let message = format!("YAML: {}", err.message);
                self.error(Position::new(file, err.line, err.column), message);
                None
            }
        }
    }

    fn at(&self, file: &Arc<str>, location: &Location) -> Position {
        Position::new(file, location.line(), location.column())
    }

    fn build(
        &mut self,
        settings: Option<(Arc<str>, RawSettings)>,
        flows: Vec<(Arc<str>, RawFlow)>,
        version: String,
    ) -> Option<Dialogues> {
        let names = self.register(&flows);
        let default_lang = settings
            .as_ref()
            .and_then(|(_, s)| s.default_lang.as_ref().map(|l| l.value.clone()))
            .unwrap_or_else(|| "it".to_owned());
        let topic_keys: Vec<String> = settings
            .as_ref()
            .map(|(_, s)| s.topics.0.iter().map(|(k, _)| k.value.clone()).collect())
            .unwrap_or_default();

        let mut built_flows = Vec::new();
        let mut states = Vec::new();
        for (file, raw) in &flows {
            let flow_lang = raw
                .lang
                .as_ref()
                .map_or(default_lang.clone(), |l| l.value.clone());
            let flow_index = built_flows.len();
            let start = self.resolve(&names, &raw.flow.value, &raw.start, file);
            for (state_name, raw_state) in &raw.states.value.0 {
                let position = self.at(file, &state_name.referenced);
                let state = self.build_state(
                    &names,
                    (file, &raw.flow.value, flow_index, &flow_lang),
                    &state_name.value,
                    raw_state,
                    position,
                    &topic_keys,
                );
                states.push(state);
            }
            built_flows.push(Flow {
                name: raw.flow.value.clone(),
                title: raw
                    .title
                    .as_ref()
                    .map(|t| self.plain_text(file, t, &flow_lang)),
                lang: flow_lang,
                start: start.unwrap_or(StateId(0)),
                file: file.to_string(),
            });
        }

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
                    format!("{SETTINGS_FILE} is missing: it declares the main menu, commands and fallback"),
                );
            }
            return None;
        };
        let settings = self.build_settings(&names, &settings_file, raw_settings, default_lang)?;
        if states.len() != names.by_name.len() || self.report.has_errors() {
            return None;
        }
        Some(Dialogues {
            settings,
            flows: built_flows,
            states,
            templates: std::mem::take(&mut self.templates),
            by_name: names.by_name,
            version,
        })
    }

    /// Gives every state its id, and reports duplicate or malformed names.
    fn register(&mut self, flows: &[(Arc<str>, RawFlow)]) -> Names {
        let mut names = Names {
            by_name: HashMap::new(),
            flow_starts: HashMap::new(),
            states_of_flow: HashMap::new(),
        };
        let mut flow_files: HashMap<String, Position> = HashMap::new();
        let mut next = 0u32;
        for (file, raw) in flows {
            let flow = &raw.flow.value;
            let position = self.at(file, &raw.flow.referenced);
            if !is_name(flow) {
                self.error(
                    position.clone(),
                    format!(
                        "flow name `{flow}` must use only lowercase letters, digits, `_` and `-`"
                    ),
                );
            }
            if let Some(first) = flow_files.get(flow) {
                let message = format!(
                    "flow `{flow}` is already defined at {}:{}",
                    first.file, first.line
                );
                self.error(position, message);
                continue;
            }
            flow_files.insert(flow.clone(), position);
            let mut seen = HashSet::new();
            let mut state_names = Vec::new();
            for (state, _) in &raw.states.value.0 {
                let position = self.at(file, &state.referenced);
                if !is_name(&state.value) {
                    self.error(
                        position.clone(),
                        format!(
                            "state name `{}` must use only lowercase letters, digits, `_` and `-`",
                            state.value
                        ),
                    );
                }
                if !seen.insert(state.value.clone()) {
                    self.error(
                        position,
                        format!("state `{}` is defined twice in flow `{flow}`", state.value),
                    );
                    continue;
                }
                names
                    .by_name
                    .insert(format!("{flow}.{}", state.value), StateId(next));
                state_names.push(state.value.clone());
                next += 1;
            }
            if raw.states.value.0.is_empty() {
                self.error(
                    self.at(file, &raw.states.referenced),
                    format!("flow `{flow}` has no states"),
                );
            }
            let start = names
                .by_name
                .get(&format!("{flow}.{}", raw.start.value))
                .copied();
            names.flow_starts.insert(flow.clone(), start);
            names.states_of_flow.insert(flow.clone(), state_names);
        }
        names
    }

    /// Resolves `state`, `flow.state` or `flow` seen from `flow`; reports an unknown
    /// target with the closest known name.
    fn resolve(
        &mut self,
        names: &Names,
        flow: &str,
        target: &Spanned<String>,
        file: &Arc<str>,
    ) -> Option<StateId> {
        let wanted = target.value.trim();
        let found = if wanted.contains('.') {
            names.by_name.get(wanted).copied()
        } else {
            names
                .by_name
                .get(&format!("{flow}.{wanted}"))
                .copied()
                .or_else(|| names.flow_starts.get(wanted).copied().flatten())
        };
        if found.is_none() {
            let mut candidates: Vec<String> =
                names.states_of_flow.get(flow).cloned().unwrap_or_default();
            candidates.extend(names.by_name.keys().cloned());
            candidates.extend(names.flow_starts.keys().cloned());
            let hint = did_you_mean(wanted, &candidates)
                .map(|best| format!("; did you mean `{best}`?"))
                .unwrap_or_default();
            let position = self.at(file, &target.referenced);
            self.error(position, format!("unknown target `{wanted}`{hint}"));
        }
        found
    }

    #[allow(clippy::too_many_arguments)]
    fn build_state(
        &mut self,
        names: &Names,
        (file, flow, flow_index, flow_lang): (&Arc<str>, &str, usize, &str),
        name: &str,
        raw: &RawState,
        position: Position,
        topics: &[String],
    ) -> State {
        let qualified = format!("{flow}.{name}");
        let actions = self.build_actions(file, &qualified, raw, topics);
        let mut in_scope: Vec<&str> = ALWAYS_IN_SCOPE.to_vec();
        in_scope.extend(actions.iter().filter_map(provides));

        let say = raw
            .say
            .as_ref()
            .map(|say| self.template(file, &format!("{qualified}#say"), say, flow_lang, &in_scope));

        let mut buttons = Vec::new();
        if let Some(raw_buttons) = &raw.buttons {
            for raw_button in &raw_buttons.value {
                let label = self.plain_text(file, &raw_button.label, flow_lang);
                let typed_forms = label.0.iter().map(|(_, l)| normalize(l)).collect();
                let target = self.resolve(names, flow, &raw_button.goto, file);
                buttons.push(Button {
                    label,
                    target: target.unwrap_or(StateId(0)),
                    typed_forms,
                    position: self.at(file, &raw_button.label.referenced),
                });
            }
        }
        let rules = raw
            .matches
            .iter()
            .flatten()
            .filter_map(|rule| self.rule(names, flow, file, &rule.when, &rule.goto))
            .collect();
        let ask = raw.ask.as_ref().map(|ask| {
            let ask_scope = in_scope.clone();
            let raw_ask = &ask.value;
            Ask {
                slot: raw_ask.slot.value.clone(),
                prompt: raw_ask.prompt.as_ref().map(|p| {
                    self.template(
                        file,
                        &format!("{qualified}#prompt"),
                        p,
                        flow_lang,
                        &ask_scope,
                    )
                }),
                expect: raw_ask.expect.as_ref().and_then(|e| self.regex(file, e)),
                retry: raw_ask.retry.as_ref().map(|r| {
                    self.template(
                        file,
                        &format!("{qualified}#retry"),
                        r,
                        flow_lang,
                        &ask_scope,
                    )
                }),
                max_tries: raw_ask.max_tries.unwrap_or(3).max(1),
                escape: self
                    .resolve(names, flow, &raw_ask.escape, file)
                    .unwrap_or(StateId(0)),
            }
        });
        let goto = raw
            .goto
            .as_ref()
            .and_then(|target| self.resolve(names, flow, target, file));
        State {
            flow: flow_index,
            name: name.to_owned(),
            qualified,
            say,
            buttons,
            rules,
            ask,
            actions,
            goto,
            end: raw.end.unwrap_or(false),
            position,
        }
    }

    fn build_actions(
        &mut self,
        file: &Arc<str>,
        qualified: &str,
        raw: &RawState,
        topics: &[String],
    ) -> Vec<Action> {
        let Some(raw_actions) = &raw.actions else {
            return Vec::new();
        };
        let position = self.at(file, &raw_actions.referenced);
        let mut actions = Vec::new();
        for (index, action) in raw_actions.value.0.iter().enumerate() {
            let check_topic = |builder: &mut Builder, topic: &str| {
                if !topics.iter().any(|t| t == topic) {
                    let hint = did_you_mean(topic, topics)
                        .map(|t| format!("; did you mean `{t}`?"))
                        .unwrap_or_default();
                    builder.error(
                        position.clone(),
                        format!(
                            "unknown topic `{topic}`{hint} (topics are declared in {SETTINGS_FILE})"
                        ),
                    );
                }
            };
            let built = match action {
                RawAction::Events { category, limit } => Action::Events {
                    category: category.clone(),
                    limit: limit.unwrap_or(10),
                },
                RawAction::News { topic, limit } => {
                    if let Some(topic) = topic {
                        check_topic(self, topic);
                    }
                    Action::News {
                        topic: topic.clone(),
                        limit: limit.unwrap_or(5),
                    }
                }
                RawAction::Faq { query } => {
                    let name = format!("{qualified}#faq{index}");
                    self.compile(
                        name.clone(),
                        query.clone(),
                        position.clone(),
                        &ALWAYS_IN_SCOPE,
                    );
                    Action::Faq { query: name }
                }
                RawAction::Subscribe { topic } => {
                    check_topic(self, topic);
                    Action::Subscribe {
                        topic: topic.clone(),
                    }
                }
                RawAction::Unsubscribe { topic } if topic == "all" => {
                    Action::Unsubscribe { topic: None }
                }
                RawAction::Unsubscribe { topic } => {
                    check_topic(self, topic);
                    Action::Unsubscribe {
                        topic: Some(topic.clone()),
                    }
                }
                RawAction::Subscriptions {} => Action::Subscriptions,
                RawAction::Erase {} => Action::Erase,
            };
            actions.push(built);
        }
        actions
    }

    fn rule(
        &mut self,
        names: &Names,
        flow: &str,
        file: &Arc<str>,
        when: &Spanned<String>,
        goto: &Spanned<String>,
    ) -> Option<Rule> {
        let regex = self.regex(file, when);
        let target = self.resolve(names, flow, goto, file);
        Some(Rule {
            pattern: regex?,
            target: target?,
        })
    }

    fn regex(&mut self, file: &Arc<str>, source: &Spanned<String>) -> Option<Arc<Pattern>> {
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
                self.error(position, format!("regex does not compile: {reason}"));
                None
            }
        }
    }

    /// Compiles each language of a `say`-like text as a template named `base.lang`.
    fn template(
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

    /// A text that is not a template (labels, names), per language.
    fn plain_text(&self, file: &Arc<str>, text: &Spanned<RawText>, lang: &str) -> Text {
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
    fn scalar_text(&self, file: &Arc<str>, text: &Spanned<RawText>) -> String {
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
    fn template_start(&self, file: &Arc<str>, location: &Location) -> Position {
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

    fn compile(&mut self, name: String, source: String, position: Position, in_scope: &[&str]) {
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
                    let hint = match did_you_mean(&variable, &ACTION_VARIABLES) {
                        Some(v) if !in_scope.contains(&v) => {
                            format!("; `{v}` needs a `do: {{ {v}: … }}` action in this state")
                        }
                        _ => did_you_mean(&variable, in_scope)
                            .map(|v| format!("; did you mean `{v}`?"))
                            .unwrap_or_default(),
                    };
                    let known = in_scope.join(", ");
                    self.error(at.clone(), format!("template uses `{variable}`, which is not available here{hint} (available: {known})"));
                }
                self.sites.push(TemplateSite {
                    position: at,
                    source_len,
                });
            }
            Err(err) => {
                let at =
                    line_in_template(&self.sources, &position, err.line_in_template.unwrap_or(1));
                self.error(at, format!("template error: {}", err.message));
            }
        }
    }

    fn build_settings(
        &mut self,
        names: &Names,
        file: &Arc<str>,
        raw: RawSettings,
        default_lang: String,
    ) -> Option<Settings> {
        // Settings targets are always `flow` or `flow.state`.
        let main = self.resolve(names, "", &raw.main, file);
        let topics = raw
            .topics
            .0
            .iter()
            .map(|(key, name)| Topic {
                key: key.value.clone(),
                name: self.plain_text(file, name, &default_lang),
            })
            .collect();
        let mut commands = Vec::new();
        let mut seen = HashSet::new();
        for command in &raw.commands {
            let name = command.command.value.trim_start_matches('/').to_owned();
            let position = self.at(file, &command.command.referenced);
            let valid = !name.is_empty()
                && name.len() <= 32
                && name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !valid {
                self.error(position.clone(), format!("command `{name}` must be 1-32 lowercase letters, digits or `_` (Telegram's rule)"));
            }
            if !seen.insert(name.clone()) {
                self.error(
                    position.clone(),
                    format!("command `/{name}` is declared twice"),
                );
            }
            let target = self.resolve(names, "", &command.goto, file);
            commands.push(Command {
                description: command.description.as_ref().map_or_else(
                    || Text(vec![(default_lang.clone(), name.clone())]),
                    |d| self.plain_text(file, d, &default_lang),
                ),
                name,
                target: target.unwrap_or(StateId(0)),
                position,
            });
        }
        let intents = raw
            .intents
            .iter()
            .filter_map(|rule| self.rule(names, "", file, &rule.when, &rule.goto))
            .collect();
        let fallback = Fallback {
            faq: raw.fallback.faq,
            answer: raw.fallback.answer.as_ref().map(|a| {
                self.template(
                    file,
                    "@fallback#answer",
                    a,
                    &default_lang,
                    &["slots", "lang", "topics", "faq"],
                )
            }),
            not_understood: self.template(
                file,
                "@fallback#say",
                &raw.fallback.say,
                &default_lang,
                &ALWAYS_IN_SCOPE,
            ),
            error: raw.fallback.error.as_ref().map_or_else(
                || {
                    Text(vec![(
                        "it".to_owned(),
                        "Si è verificato un problema. Riprova tra poco.".to_owned(),
                    )])
                },
                |e| self.plain_text(file, e, &default_lang),
            ),
            updated: raw.fallback.updated.as_ref().map_or_else(
                || {
                    Text(vec![
                        (
                            "it".to_owned(),
                            "ℹ️ Il servizio è stato aggiornato: riprendiamo da qui.".to_owned(),
                        ),
                        (
                            "en".to_owned(),
                            "ℹ️ The service was updated: let's continue from here.".to_owned(),
                        ),
                    ])
                },
                |u| self.plain_text(file, u, &default_lang),
            ),
        };
        let news = match &raw.news {
            Some(text) => self.template(file, "@news", text, &default_lang, &NEWS_IN_SCOPE),
            None => {
                let position = self.at(file, &raw.main.referenced);
                let mut names = Vec::new();
                for (lang, source) in DEFAULT_NEWS {
                    let name = format!("@news.{lang}");
                    self.compile(
                        name.clone(),
                        source.to_owned(),
                        position.clone(),
                        &NEWS_IN_SCOPE,
                    );
                    names.push((lang.to_owned(), name));
                }
                Localized(names)
            }
        };
        let languages = raw
            .languages
            .map_or_else(|| vec![default_lang.clone()], |l| l.value);
        Some(Settings {
            bot: raw.bot.unwrap_or_else(|| "Sportello".to_owned()),
            default_lang,
            languages,
            main: main?,
            topics,
            commands,
            intents,
            fallback,
            news,
            step_limit: raw.step_limit.unwrap_or(DEFAULT_STEP_LIMIT).max(1),
        })
    }
}

/// The file position of line `line` (1-based) of a template that starts at `start`;
/// column 0 in `start` marks a block scalar, whose lines start at their indentation.
fn line_in_template(
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

/// The variable an action puts in the template's scope.
fn provides(action: &Action) -> Option<&'static str> {
    match action {
        Action::Events { .. } => Some("events"),
        Action::News { .. } => Some("news"),
        Action::Faq { .. } => Some("faq"),
        Action::Subscribe { .. } | Action::Unsubscribe { .. } | Action::Subscriptions => {
            Some("subscriptions")
        }
        Action::Erase => Some("erased"),
    }
}

fn is_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

/// The closest candidate, if it is close enough to be a likely typo.
pub(crate) fn did_you_mean<'a, S: AsRef<str>>(
    wanted: &str,
    candidates: &'a [S],
) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (strsim::jaro_winkler(wanted, c.as_ref()), c.as_ref()))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

fn version_of(files: &[SourceFile]) -> String {
    let mut hasher = Sha256::new();
    for file in files {
        let name = Path::new(&file.path)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned());
        hasher.update(name.unwrap_or_default().as_bytes());
        hasher.update([0]);
        hasher.update(&file.bytes);
    }
    let digest = hasher.finalize();
    digest.iter().take(6).map(|b| format!("{b:02x}")).collect()
}
