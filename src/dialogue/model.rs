//! The validated dialogue graph the engine runs: every target resolved to a `StateId`,
//! every regex compiled, every template parsed. Built only by `load`.

use std::collections::HashMap;

use std::sync::Arc;

use super::diagnostic::Position;
use super::pattern::Pattern;
use super::template::Templates;

/// Index of a state in `Dialogues::states`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StateId(pub u32);

impl StateId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A checked set of flows plus the bot-wide settings: what the engine runs.
#[derive(Debug)]
pub struct Dialogues {
    pub settings: Settings,
    pub flows: Vec<Flow>,
    pub states: Vec<State>,
    pub templates: Templates,
    /// `flow.state` → id.
    pub(crate) by_name: HashMap<String, StateId>,
    /// A short hash of every file's text: which version of the dialogues wrote a session.
    pub version: String,
}

impl Dialogues {
    pub fn state(&self, id: StateId) -> &State {
        &self.states[id.index()]
    }

    /// Looks up `flow.state`.
    pub fn find(&self, qualified: &str) -> Option<StateId> {
        self.by_name.get(qualified).copied()
    }

    pub fn flow(&self, name: &str) -> Option<&Flow> {
        self.flows.iter().find(|f| f.name == name)
    }

    pub fn flow_of(&self, id: StateId) -> &Flow {
        &self.flows[self.state(id).flow]
    }
}

/// Bot-wide settings from `sportello.yaml`.
#[derive(Debug)]
pub struct Settings {
    pub bot: String,
    pub default_lang: String,
    pub languages: Vec<String>,
    /// Where `/start` and `/menu` lead; its buttons are offered when a state has none.
    pub main: StateId,
    pub topics: Vec<Topic>,
    pub commands: Vec<Command>,
    pub intents: Vec<Rule>,
    pub fallback: Fallback,
    /// Template names of the message a news item is relayed as (`news` and `lang` in
    /// scope; values HTML-escaped).
    pub news: Localized,
    pub step_limit: usize,
}

#[derive(Debug)]
pub struct Topic {
    pub key: String,
    pub name: Text,
}

/// A global command such as `/aiuto`, usable from any state.
#[derive(Debug)]
pub struct Command {
    pub name: String,
    pub description: Text,
    pub target: StateId,
    pub position: Position,
}

#[derive(Debug)]
pub struct Fallback {
    pub faq: bool,
    /// Template name for a FAQ hit (`faq` in scope).
    pub answer: Option<Localized>,
    pub not_understood: Localized,
    pub error: Text,
    /// Said before a conversation whose state no longer exists (the dialogues changed
    /// under it) starts its flow again.
    pub updated: Text,
}

/// A flow: a named set of states with an entry state.
#[derive(Debug)]
pub struct Flow {
    pub name: String,
    pub title: Option<Text>,
    pub lang: String,
    pub start: StateId,
    pub file: String,
}

/// One state of a flow.
#[derive(Debug)]
pub struct State {
    pub flow: usize,
    pub name: String,
    /// `flow.state`
    pub qualified: String,
    pub say: Option<Localized>,
    pub buttons: Vec<Button>,
    pub rules: Vec<Rule>,
    pub ask: Option<Ask>,
    pub actions: Vec<Action>,
    pub goto: Option<StateId>,
    pub end: bool,
    pub position: Position,
}

impl State {
    /// Whether the engine stops here and waits for the citizen.
    pub fn waits(&self) -> bool {
        !self.buttons.is_empty() || !self.rules.is_empty() || self.ask.is_some()
    }
}

#[derive(Debug)]
pub struct Button {
    pub label: Text,
    pub target: StateId,
    /// Every label variant, normalized for comparing with typed text.
    pub typed_forms: Vec<String>,
    pub position: Position,
}

/// A regex tried on free text, and where it leads.
#[derive(Debug)]
pub struct Rule {
    pub pattern: Arc<Pattern>,
    pub target: StateId,
}

#[derive(Debug)]
pub struct Ask {
    pub slot: String,
    pub prompt: Option<Localized>,
    pub expect: Option<Arc<Pattern>>,
    pub retry: Option<Localized>,
    pub max_tries: u8,
    pub escape: StateId,
}

/// A `do` action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Events {
        category: String,
        limit: usize,
    },
    News {
        topic: Option<String>,
        limit: usize,
    },
    /// `query` is a template name.
    Faq {
        query: String,
    },
    Subscribe {
        topic: String,
    },
    /// `None` removes every topic.
    Unsubscribe {
        topic: Option<String>,
    },
    Subscriptions,
    Erase,
}

/// A plain (non-template) text per language, e.g. a button label.
#[derive(Debug, Clone)]
pub struct Text(pub Vec<(String, String)>);

impl Text {
    /// The text in `lang`, else in `fallback_lang`, else the first written.
    pub fn get(&self, lang: &str, fallback_lang: &str) -> &str {
        pick(&self.0, lang, fallback_lang).map_or("", String::as_str)
    }
}

/// A template per language: each entry is the name of a compiled template.
#[derive(Debug, Clone)]
pub struct Localized(pub Vec<(String, String)>);

impl Localized {
    pub fn template_name(&self, lang: &str, fallback_lang: &str) -> Option<&str> {
        pick(&self.0, lang, fallback_lang).map(String::as_str)
    }
}

fn pick<'a>(entries: &'a [(String, String)], lang: &str, fallback: &str) -> Option<&'a String> {
    entries
        .iter()
        .find(|(l, _)| l == lang)
        .or_else(|| entries.iter().find(|(l, _)| l == fallback))
        .or_else(|| entries.first())
        .map(|(_, v)| v)
}
