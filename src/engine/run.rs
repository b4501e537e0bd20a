//! One turn through the dialogue graph: what the citizen sent decides the target, then
//! states are entered (actions, `say`) until one waits for input. `actions` runs a
//! state's `do`; `reply` renders what the citizen sees.

mod actions;
mod ask;
mod handoff;
mod reminders;
mod reply;
mod understand;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::io::{Answers, Effect, Inbound, Input, Outbound, Query};
use super::session::Session;
use super::{Outcome, Turn};
use crate::dialogue::{Dialogues, State, StateId, parse_payload};
use crate::text::{clean, normalize};
use crate::understand::{FaqIndex, language_of};

/// The engine stopped because it needs data; the caller fetches it and runs again.
pub(super) struct NeedData(pub(super) Query);

/// A step of the turn: its value, or the stop to fetch data.
type Step<T> = Result<T, NeedData>;

/// A turn in progress: the session as it changes, and what the turn has produced.
pub(super) struct Run<'a> {
    d: &'a Dialogues,
    /// When the message arrived: `now`, `today` and `year` in templates.
    at: DateTime<Utc>,
    faqs: &'a FaqIndex,
    answers: &'a Answers,
    session: Session,
    replies: Vec<Outbound>,
    effects: Vec<Effect>,
    visited: Vec<StateId>,
    problems: Vec<String>,
    understood: bool,
    /// The citizen's topics as changed by this turn's actions.
    subscriptions: Option<Vec<String>>,
    /// Reminders the citizen cancelled in this turn (the list no longer shows them).
    forgotten: Vec<i64>,
    /// Cancel buttons of a `reminders` list, for the state's message.
    pending_buttons: Vec<super::io::OutButton>,
    outcome: Outcome,
}

impl<'a> Run<'a> {
    /// A turn from `session`, in the bot's default language if the session has none.
    pub(super) fn new(
        d: &'a Dialogues,
        faqs: &'a FaqIndex,
        session: &Session,
        at: DateTime<Utc>,
        answers: &'a Answers,
    ) -> Run<'a> {
        let mut session = session.clone();
        if session.lang.is_empty() {
            session.lang = d.settings.default_lang.clone();
        }
        Run {
            d,
            at,
            faqs,
            answers,
            session,
            replies: Vec::new(),
            effects: Vec::new(),
            visited: Vec::new(),
            problems: Vec::new(),
            understood: true,
            subscriptions: None,
            forgotten: Vec::new(),
            pending_buttons: Vec::new(),
            outcome: Outcome::Nothing,
        }
    }

    /// What the turn produced.
    pub(super) fn finish(self) -> Turn {
        Turn {
            session: self.session,
            replies: self.replies,
            effects: self.effects,
            visited: self.visited,
            understood: self.understood,
            problems: self.problems,
            outcome: self.outcome,
        }
    }

    /// Routes the input: a command, a button, or free text.
    pub(super) fn handle(&mut self, inbound: &Inbound) -> Step<()> {
        if let Some(queue) = self.session.handoff.clone() {
            return self.with_a_person(&queue, inbound);
        }
        let gone = !self.session.state.is_empty() && self.current().is_none();
        match &inbound.input {
            Input::Command { name, arg } => self.on_command(name, arg.as_deref()),
            // A button or answer meant for a state the dialogues no longer have.
            _ if gone => self.restart_flow(),
            Input::Button(payload) => self.on_button(payload),
            Input::Text(text) => self.on_free_text(text),
            // Outside a conversation with a person, only the caption is for the bot;
            // without one, the citizen learns the bot reads words (not a miss).
            Input::Attachment(attachment) if attachment.caption.trim().is_empty() => {
                let here = self.current().unwrap_or(self.d.settings.main);
                self.say_fixed(&self.d.settings.fallback.attachment, here);
                Ok(())
            }
            Input::Attachment(attachment) => self.on_free_text(&attachment.caption),
        }
    }

    fn on_free_text(&mut self, text: &str) -> Step<()> {
        let text = clean(text);
        // Free text of a few words in another of the bot's languages: answer in it
        // from now on.
        if let Some(lang) = language_of(&text, &self.d.settings.languages) {
            self.session.lang = lang;
        }
        self.on_text(&text)
    }

    /// The citizen's state, if the dialogues still have it.
    fn current(&self) -> Option<StateId> {
        self.d.find(&self.session.state)
    }

    /// The dialogues changed and took the citizen's state with them: say so and start
    /// its flow again (the main menu when the flow went too).
    fn restart_flow(&mut self) -> Step<()> {
        let flow = self.session.state.split('.').next().unwrap_or_default();
        let start = self.d.flow(flow).map_or(self.d.settings.main, |f| f.start);
        let settings = &self.d.settings;
        let notice = settings
            .fallback
            .updated
            .get(&self.session.lang, &settings.default_lang);
        self.replies.push(Outbound {
            text: html_escape::encode_text(notice).into_owned(),
            buttons: Vec::new(),
        });
        self.session.tries = 0;
        self.enter(start)
    }

    /// A global command; unknown commands are not understood.
    fn on_command(&mut self, name: &str, arg: Option<&str>) -> Step<()> {
        let Some(command) = self
            .d
            .settings
            .commands
            .iter()
            .find(|c| c.name == name || c.aliases.iter().any(|a| a == name))
        else {
            return self.not_understood();
        };
        // `/start maturita`: a deep link into a flow.
        let deep_link = arg
            .filter(|_| name == "start")
            .and_then(|flow| self.d.flow(&flow.to_lowercase()))
            .map(|flow| flow.start);
        self.enter(deep_link.unwrap_or(command.target))
    }

    /// A pressed button, found by its payload.
    fn on_button(&mut self, payload: &str) -> Step<()> {
        if let Some(step) = self.on_choice(payload) {
            return step;
        }
        if let Some(step) = self.on_forget(payload) {
            return step;
        }
        let target = parse_payload(payload).and_then(|(state, index)| {
            let id = self.d.find(state)?;
            self.d.state(id).buttons.get(index).map(|b| b.target)
        });
        match target {
            Some(target) => self.enter(target),
            None => self.not_understood(),
        }
    }

    /// Free text: an `ask` answer, a typed button or choice, a small word, a regex
    /// rule, then what the examples say it means (intents, rules, FAQs together).
    fn on_text(&mut self, text: &str) -> Step<()> {
        let current = self.current();
        let here = current.unwrap_or(self.d.settings.main);
        let state = self.d.state(here);
        let typed = normalize(text);
        // An `ask` judges every answer itself, even "?" (which counts as a try).
        if typed.is_empty() && state.ask.is_none() {
            return self.not_understood();
        }
        if let Some(ask) = &state.ask {
            let shown = self.shown_buttons(here)?;
            if let Some(target) = typed_button(state, &shown, &typed) {
                return self.enter(target);
            }
            return self.on_answer(here, ask, text);
        }
        // A number typed after «Intendevi…?» picks that choice; after a list of
        // reminders, one of its cancel buttons (numbered before the state's own).
        let offered = std::mem::take(&mut self.session.offered);
        if let Ok(number) = typed.parse::<usize>()
            && let Some(id) = number.checked_sub(1).and_then(|i| offered.get(i))
        {
            return self.choose(here, id);
        }
        let before = reminders::cancel_buttons_in(&offered);
        let typed = match typed.parse::<usize>() {
            Ok(number) if before > 0 => number.saturating_sub(before).to_string(),
            _ => typed,
        };
        let (options_state, shown) = self.options_of(here)?;
        if let Some(target) = typed_button(self.d.state(options_state), &shown, &typed) {
            return self.enter(target);
        }
        if text.trim().parse::<usize>().is_ok() && !shown.is_empty() {
            return self.out_of_range(here, shown.len() + before);
        }
        if let Some(step) = self.small_words(here, &typed) {
            return step;
        }
        let rules = state.rules.iter().chain(&self.d.settings.intents);
        if let Some(rule) = rules
            .into_iter()
            .find(|r| r.pattern.as_ref().is_some_and(|p| p.is_match(text)))
        {
            self.session.misses = 0;
            return self.enter(rule.target);
        }
        if self.understand(here, text)? {
            return Ok(());
        }
        if let Some(step) = self.reopen_ticket(text) {
            return step;
        }
        if current.is_none() {
            // A first message we cannot place: greet with the main menu.
            self.understood = false;
            self.enter(self.d.settings.main)?;
            self.outcome = Outcome::NotUnderstood;
            return Ok(());
        }
        self.not_understood()
    }

    /// A number with no button behind it: say which numbers there are.
    fn out_of_range(&mut self, here: StateId, count: usize) -> Step<()> {
        self.understood = false;
        self.outcome = Outcome::NotUnderstood;
        let d = self.d;
        let text = d
            .settings
            .fallback
            .out_of_range
            .get(&self.session.lang, &d.flow_of(here).lang)
            .replace("{n}", &count.to_string());
        self.say_plain(&text);
        self.attach_options(here)
    }

    /// The "non ho capito" reply, then the question again or the options on offer.
    fn not_understood(&mut self) -> Step<()> {
        self.understood = false;
        self.outcome = Outcome::NotUnderstood;
        self.session.misses = self.session.misses.saturating_add(1);
        let here = self.current().unwrap_or(self.d.settings.main);
        // The second miss in a row: the way to a person, not the same words again.
        if self.session.misses >= 2
            && let Some(contacts) = self.d.settings.fallback.contacts
            && contacts != here
        {
            self.say_fixed(&self.d.settings.fallback.again, here);
            // The outcome is already set, so entering keeps the count of misses.
            return self.enter(contacts);
        }
        let state = self.d.state(here);
        let context = self.context(state, BTreeMap::new());
        let fallback = &self.d.settings.fallback.not_understood;
        self.say(fallback, here, &context);
        match &state.ask {
            // Still waiting for the answer: ask again rather than offer another menu.
            Some(ask) if state.buttons.is_empty() => {
                if let Some(prompt) = ask.prompt.as_ref().or(state.say.as_ref()) {
                    self.say(prompt, here, &context);
                }
            }
            _ => self.attach_options(here)?,
        }
        Ok(())
    }

    /// Enters `target` and follows `goto`s until a state waits or ends.
    fn enter(&mut self, target: StateId) -> Step<()> {
        // What was offered to type a number for belongs to the message before.
        self.session.offered.clear();
        let mut next = Some(target);
        while let Some(id) = next {
            if self.visited.len() >= self.d.settings.step_limit {
                self.problems.push(format!(
                    "step limit reached at {}",
                    self.d.state(id).qualified
                ));
                let text = self.error_text(id);
                self.replies.push(Outbound {
                    text,
                    buttons: Vec::new(),
                });
                self.session.state = self.d.state(self.d.settings.main).qualified.clone();
                return self.attach_options(self.d.settings.main);
            }
            let state = self.d.state(id);
            self.session.state = state.qualified.clone();
            self.session.tries = 0;
            if self.visited.is_empty() && self.outcome == Outcome::Nothing {
                self.outcome = Outcome::Entered(id);
                self.session.misses = 0;
            }
            self.visited.push(id);
            let values = self.run_actions(state)?;
            let context = self.context(state, values);
            if let Some(say) = &state.say {
                self.say(say, id, &context);
            } else if state
                .actions
                .iter()
                .any(|a| matches!(a, crate::dialogue::Action::Remind { .. }))
            {
                let d = self.d;
                self.say(&d.settings.reminders.confirm, id, &context);
            }
            if let Some(prompt) = state.ask.as_ref().and_then(|a| a.prompt.as_ref()) {
                self.say(prompt, id, &context);
            }
            // A list's cancel buttons join the state's own, else go on its message.
            if !state.waits() || state.buttons.is_empty() {
                self.flush_pending_buttons();
            }
            // Handed to a person: they answer from here, not the dialogues.
            if let Some(queue) = self.session.handoff.clone() {
                self.say_handed_off(&queue);
                return Ok(());
            }
            if state.waits() {
                if !state.buttons.is_empty() {
                    self.attach_options(id)?;
                }
                return Ok(());
            }
            next = match &state.goto {
                Some(goto) if !state.end => Some(self.follow(goto, &context)),
                _ => None,
            };
        }
        Ok(())
    }
}

/// The target of the button whose label (any language) or number the citizen typed,
/// among the `shown` ones (indices into the state's buttons, in the order shown).
fn typed_button(state: &State, shown: &[usize], typed: &str) -> Option<StateId> {
    let mut offered = shown.iter().filter_map(|&i| state.buttons.get(i));
    if let Ok(number) = typed.parse::<usize>() {
        return number
            .checked_sub(1)
            .and_then(|i| offered.nth(i))
            .map(|b| b.target);
    }
    offered
        .find(|b| b.typed_forms.iter().any(|f| f == typed))
        .map(|b| b.target)
}
