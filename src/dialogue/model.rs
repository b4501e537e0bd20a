//! The validated dialogue graph the engine runs: every target resolved to a `StateId`,
//! every regex compiled, every template parsed. Built only by `load`.

use crate::reminder::RemindRule;
use std::collections::HashMap;
use std::sync::Arc;

use super::diagnostic::Position;
use super::expect::{Bound, Expect};
use super::office_hours::OfficeHours;
use super::pattern::Pattern;
use super::template::Templates;
use crate::understand::{Analyzer, Index};

/// Index of a state in `Dialogues::states`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StateId(pub u32);

impl StateId {
    /// The position in `Dialogues::states`, for indexing.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A checked set of flows plus the bot-wide settings: what the engine runs.
#[derive(Debug)]
pub struct Dialogues {
    /// What `sportello.yaml` declares for the whole bot.
    pub settings: Settings,
    /// Every flow, in file order; `State::flow` indexes it.
    pub flows: Vec<Flow>,
    /// Every state of every flow; `StateId` indexes it.
    pub states: Vec<State>,
    /// Every `say`-like text, compiled, by the names `Localized` holds.
    pub templates: Templates,
    /// `flow.state` → id.
    pub(crate) by_name: HashMap<String, StateId>,
    /// A short hash of every file's text: which version of the dialogues wrote a session.
    pub version: String,
    /// The example sentences of rules, intents and buttons, indexed.
    pub understanding: Understanding,
}

/// How the dialogues read free text: the analyzer (languages, synonyms) and the
/// examples of every rule, intent and button label.
#[derive(Debug)]
pub struct Understanding {
    /// Reads messages (and the FAQs' examples, so both are read alike).
    pub analyzer: Arc<Analyzer>,
    /// Examples → where they lead.
    pub index: Index<Intent>,
    /// What the service does not answer (`fallback.off_topic`), apart: its words
    /// weigh in no question of ours.
    pub off_topic: Index<()>,
}

/// Where examples lead, and where they count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Intent {
    /// `None`: in every state (an intent); else only in that state (its
    /// `match` rules and button labels).
    pub scope: Option<StateId>,
    /// The state entered.
    pub target: StateId,
}

impl Dialogues {
    /// The state `id` names; ids come from these dialogues, so it always exists.
    pub fn state(&self, id: StateId) -> &State {
        &self.states[id.index()]
    }

    /// Looks up `flow.state`.
    pub fn find(&self, qualified: &str) -> Option<StateId> {
        self.by_name.get(qualified).copied()
    }

    /// The flow named `name`, if there is one (deep links name flows).
    pub fn flow(&self, name: &str) -> Option<&Flow> {
        self.flows.iter().find(|f| f.name == name)
    }

    /// The flow `id` belongs to: its language is the fallback for the state's texts.
    pub fn flow_of(&self, id: StateId) -> &Flow {
        &self.flows[self.state(id).flow]
    }
}

/// Bot-wide settings from `sportello.yaml`.
#[derive(Debug)]
pub struct Settings {
    /// The bot's name, as shown to citizens (default `Sportello`).
    pub bot: String,
    /// The language of texts written without one, and of new citizens (default `it`).
    pub default_lang: String,
    /// The languages citizens may choose (default: only `default_lang`).
    pub languages: Vec<String>,
    /// Where `/start` and `/menu` lead; its buttons are offered when a state has none.
    pub main: StateId,
    /// The news topics citizens may subscribe to.
    pub topics: Vec<Topic>,
    /// Global commands, usable from any state.
    pub commands: Vec<Command>,
    /// Rules tried on free text in every state, after the state's own.
    pub intents: Vec<Rule>,
    /// Staff's synonyms (`qnd: quando`), on top of the defaults.
    pub synonyms: Vec<(String, String)>,
    /// What the bot says when it does not understand or fails.
    pub fallback: Fallback,
    /// Template names of the message a news item is relayed as (`news` and `lang` in
    /// scope; values HTML-escaped).
    pub news: Localized,
    /// States entered in one turn before the engine stops a `goto` loop (default 20).
    pub step_limit: usize,
    /// Where a person answers; no queues when the settings have none.
    pub handoff: Handoff,
    /// What reminders say.
    pub reminders: ReminderTexts,
}

/// What reminders say (`reminders:` in the settings).
#[derive(Debug, Clone)]
pub struct ReminderTexts {
    /// Said by a `remind` state that has no `say` of its own.
    pub confirm: Localized,
    /// The reminder itself (`event`, `reminder` and `lang` in scope).
    pub message: Localized,
    /// Said once when the event moved (the reminder moves with it).
    pub moved: Localized,
    /// Said once when the event left the calendar (the reminder is cancelled).
    pub cancelled: Localized,
    /// Said when the citizen cancels one.
    pub forgotten: Text,
    /// Before the event's title on a cancel button (`❌ Annulla:`).
    pub cancel_button: Text,
}

/// A news topic citizens subscribe to.
#[derive(Debug)]
pub struct Topic {
    /// The stable key news items and subscriptions use.
    pub key: String,
    /// What citizens see, per language.
    pub name: Text,
}

/// A global command such as `/aiuto`, usable from any state.
#[derive(Debug)]
pub struct Command {
    /// Without the slash, lowercase (Telegram's rule).
    pub name: String,
    /// Shown in the channel's command menu, per language.
    pub description: Text,
    /// Where the command leads.
    pub target: StateId,
    /// Other names for it, e.g. per language (`/help` for `/aiuto`).
    pub aliases: Vec<String>,
    /// Where it was declared, for findings.
    pub position: Position,
}

/// What the bot does with text it cannot place, and the texts of its failures.
#[derive(Debug)]
pub struct Fallback {
    /// Whether to search the FAQ before saying "non ho capito".
    pub faq: bool,
    /// Template name for a FAQ hit (`faq` in scope).
    pub answer: Option<Localized>,
    /// Template names of the "non ho capito" reply.
    pub not_understood: Localized,
    /// Said when a turn fails (a template error, a loop, the store); never the cause.
    pub error: Text,
    /// Said before a conversation whose state no longer exists (the dialogues changed
    /// under it) starts its flow again.
    pub updated: Text,
    /// Asked over close candidates («Intendevi…?»).
    pub did_you_mean: Text,
    /// The button refusing them all («Nessuna di queste»).
    pub none_of_these: Text,
    /// Said on the second miss in a row, before `contacts`.
    pub again: Text,
    /// The state entered on the second miss in a row, if any.
    pub contacts: Option<StateId>,
    /// Said when a typed number has no button (`{n}` is how many there are).
    pub out_of_range: Text,
    /// The answer to thanks.
    pub thanks: Text,
    /// The answer to a goodbye.
    pub bye: Text,
    /// The answer to a photo, a voice note… without words, outside a conversation
    /// with a person (the bot reads only words).
    pub attachment: Text,
    /// Said once, ahead of the reply, to a citizen whose reply waits long for the
    /// channel's shared limit (many citizens writing at once).
    pub arriving: Text,
    /// Examples of questions the service does not answer ("esame della patente",
    /// "risultati della Serie A"): a message closest to one of them gets the
    /// fallback, never an answer that shares a word with it.
    pub off_topic: Vec<Example>,
}

/// A flow: a named set of states with an entry state.
#[derive(Debug)]
pub struct Flow {
    /// The `flow` key: the first half of every `flow.state`.
    pub name: String,
    /// A human title, for pictures and menus.
    pub title: Option<Text>,
    /// The language its texts are written in when they name none.
    pub lang: String,
    /// Where entering the flow (or a deep link to it) leads.
    pub start: StateId,
    /// The file it was read from.
    pub file: String,
}

/// One state of a flow.
#[derive(Debug)]
pub struct State {
    /// Index of its flow in `Dialogues::flows`.
    pub flow: usize,
    /// The name within its flow.
    pub name: String,
    /// `flow.state`
    pub qualified: String,
    /// Template names of what is said on entering.
    pub say: Option<Localized>,
    /// Buttons offered, in order; pressing or typing one follows it.
    pub buttons: Vec<Button>,
    /// Rules tried on free text here, before the global intents.
    pub rules: Vec<Rule>,
    /// A value to collect from the citizen's next message.
    pub ask: Option<Ask>,
    /// `do` actions, run on entering, before `say`.
    pub actions: Vec<Action>,
    /// Where to go next without waiting (or after an `ask` is answered).
    pub goto: Option<Goto>,
    /// The conversation may stop here (no dead-end error).
    pub end: bool,
    /// Where the state was written, for findings.
    pub position: Position,
}

impl State {
    /// Whether the engine stops here and waits for the citizen.
    pub fn waits(&self) -> bool {
        !self.buttons.is_empty() || !self.rules.is_empty() || self.ask.is_some()
    }
}

/// Where a state goes next: the first branch whose condition holds, else `otherwise`.
#[derive(Debug)]
pub struct Goto {
    /// `{ if: <expression>, goto: target }`, tried in order; empty for a plain `goto`.
    pub branches: Vec<Branch>,
    /// The target when no branch holds (the last, `if`-less entry).
    pub otherwise: StateId,
}

impl Goto {
    /// A plain `goto: target`.
    pub fn to(target: StateId) -> Goto {
        Goto {
            branches: Vec::new(),
            otherwise: target,
        }
    }

    /// Every state it may lead to.
    pub fn targets(&self) -> impl Iterator<Item = StateId> + '_ {
        self.branches
            .iter()
            .map(|b| b.target)
            .chain(std::iter::once(self.otherwise))
    }
}

/// One conditional way out of a state.
#[derive(Debug)]
pub struct Branch {
    /// A minijinja expression over the state's context (`slots`, `year`, …).
    pub condition: String,
    /// Where it leads when the condition holds.
    pub target: StateId,
    /// Where staff wrote the condition.
    pub position: Position,
}

/// A button offered in a state.
#[derive(Debug)]
pub struct Button {
    /// What it says, per language.
    pub label: Text,
    /// Where pressing it leads.
    pub target: StateId,
    /// Every label variant, normalized for comparing with typed text.
    pub typed_forms: Vec<String>,
    /// Where its label was written, for findings.
    pub position: Position,
    /// Shown only to citizens who follow this topic (the buttons of a `topics:
    /// unsubscribe` menu).
    pub shown_if_following: Option<String>,
}

/// A way free text leads somewhere: example sentences ranked by `understand`, and/or
/// a regex that matches outright.
#[derive(Debug)]
pub struct Rule {
    /// The regex, for power users (shared when staff repeat it).
    pub pattern: Option<Arc<Pattern>>,
    /// Sentences citizens would send, as staff wrote them.
    pub examples: Vec<Example>,
    /// Where a match leads.
    pub target: StateId,
}

/// An example sentence of a rule or intent.
#[derive(Debug, Clone)]
pub struct Example {
    /// The language it is written in.
    pub lang: String,
    /// The sentence.
    pub text: String,
    /// Where staff wrote it.
    pub position: Position,
}

/// A typed value to collect: the answer is kept in `slots` under `slot`.
#[derive(Debug)]
pub struct Ask {
    /// The name templates read the answer by (`slots.<slot>`).
    pub slot: String,
    /// Template names of the question, said after `say`.
    pub prompt: Option<Localized>,
    /// What a valid answer is; `None` takes any text.
    pub expect: Option<Expect>,
    /// The smallest value accepted (a number, a date, or an expression like `year - 25`).
    pub min: Option<Bound>,
    /// The largest value accepted.
    pub max: Option<Bound>,
    /// Template names said after a wrong answer (default: `say` again).
    pub retry: Option<Localized>,
    /// Wrong answers before giving up (default 3, at least 1).
    pub max_tries: u8,
    /// Where giving up leads.
    pub escape: StateId,
}

/// A `do` action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Upcoming events, soonest first, as `events`.
    Events {
        /// A category, or a prefix ending in `*`.
        category: String,
        /// At most this many (default 10).
        limit: usize,
    },
    /// Latest news, newest first, as `news`.
    News {
        /// Only this topic; `None` for all.
        topic: Option<String>,
        /// At most this many (default 5).
        limit: usize,
    },
    /// The best FAQ for a rendered question, as `faq`.
    Faq {
        /// The name of the template that renders the question.
        query: String,
    },
    /// Follow a topic; the topics followed become `subscriptions`.
    Subscribe {
        /// A key declared in the settings' topics.
        topic: String,
    },
    /// Stop following a topic; the topics left become `subscriptions`.
    Unsubscribe {
        /// `None` removes every topic.
        topic: Option<String>,
    },
    /// The topics followed, as `subscriptions`.
    Subscriptions,
    /// Delete everything stored about the citizen (the right to erasure), as `erased`.
    Erase,
    /// Go on in this language (one of the settings' `languages`).
    Language(String),
    /// From now on a person of this queue answers (a key of `handoff.queues`).
    Handoff {
        /// The queue.
        queue: String,
    },
    /// Remind the citizen of the upcoming events of a category, as `reminder`.
    Remind {
        /// A category, or a prefix ending in `*` (as `events`).
        category: String,
        /// When each reminder goes.
        rule: RemindRule,
    },
    /// The citizen's reminders, as `reminders`, each with a button that cancels it.
    Reminders,
}

/// Where a person answers (`handoff` in the settings).
#[derive(Debug, Clone)]
pub struct Handoff {
    /// The queues, in the order written.
    pub queues: Vec<Queue>,
    /// How staff replies are signed.
    pub signature: Text,
    /// Whether a reply also shows the first name of the staff member who wrote it
    /// (off unless staff agree to it).
    pub sign_with_name: bool,
    /// Days in which a new message reopens a ticket staff closed.
    pub reopen_days: u32,
    /// Said when the citizen is handed to a person, in office hours.
    pub opened: Text,
    /// Said instead outside office hours.
    pub outside_hours: Text,
    /// Said once when nobody answered in time.
    pub still_waiting: Text,
    /// Said when the conversation with a person ends.
    pub closed: Text,
    /// Said when a follow-up the bot cannot answer goes back to the people who closed
    /// the ticket.
    pub reopened: Text,
    /// The button that ends it.
    pub end_button: Text,
}

impl Handoff {
    /// The queue called `key`.
    pub fn queue(&self, key: &str) -> Option<&Queue> {
        self.queues.iter().find(|q| q.key == key)
    }
}

/// One queue of people who answer.
#[derive(Debug, Clone)]
pub struct Queue {
    /// Its key in the settings.
    pub key: String,
    /// Its name for people.
    pub name: Text,
    /// The staff supergroup's chat id, when the settings give it.
    pub group: Option<i64>,
    /// When it answers.
    pub hours: OfficeHours,
    /// Office-hour minutes within which a first answer is due.
    pub answer_within_minutes: u32,
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
    /// The template for `lang`, else for `fallback_lang`, else the first written.
    pub fn template_name(&self, lang: &str, fallback_lang: &str) -> Option<&str> {
        pick(&self.0, lang, fallback_lang).map(String::as_str)
    }
}

/// The entry for `lang`, else `fallback`, else the first.
fn pick<'a>(entries: &'a [(String, String)], lang: &str, fallback: &str) -> Option<&'a String> {
    entries
        .iter()
        .find(|(l, _)| l == lang)
        .or_else(|| entries.iter().find(|(l, _)| l == fallback))
        .or_else(|| entries.first())
        .map(|(_, v)| v)
}

/// The states one state leads to, by any edge.
pub fn successors(d: &Dialogues, id: StateId) -> impl Iterator<Item = StateId> + '_ {
    let state = d.state(id);
    state
        .buttons
        .iter()
        .map(|b| b.target)
        .chain(state.rules.iter().map(|r| r.target))
        .chain(state.ask.iter().map(|a| a.escape))
        .chain(state.goto.iter().flat_map(|g| g.targets()))
}
