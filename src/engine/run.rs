//! One turn through the dialogue graph: what the citizen sent decides the target, then
//! states are entered (actions, `say`) until one waits for input. `actions` runs a
//! state's `do`; `reply` renders what the citizen sees.

mod actions;
mod reply;

use std::collections::BTreeMap;

use minijinja::Value;

use super::Turn;
use super::io::{Answer, Answers, Effect, Inbound, Input, Outbound, Query};
use super::session::Session;
use crate::dialogue::{Dialogues, State, StateId, parse_payload};
use crate::text::{clean, normalize};

/// The engine stopped because it needs data; the caller fetches it and runs again.
pub(super) struct NeedData(pub(super) Query);

/// A step of the turn: its value, or the stop to fetch data.
type Step<T> = Result<T, NeedData>;

/// A turn in progress: the session as it changes, and what the turn has produced.
pub(super) struct Run<'a> {
    d: &'a Dialogues,
    answers: &'a Answers,
    session: Session,
    replies: Vec<Outbound>,
    effects: Vec<Effect>,
    visited: Vec<StateId>,
    problems: Vec<String>,
    understood: bool,
    /// The citizen's topics as changed by this turn's actions.
    subscriptions: Option<Vec<String>>,
}

impl<'a> Run<'a> {
    /// A turn from `session`, in the bot's default language if the session has none.
    pub(super) fn new(d: &'a Dialogues, session: &Session, answers: &'a Answers) -> Run<'a> {
        let mut session = session.clone();
        if session.lang.is_empty() {
            session.lang = d.settings.default_lang.clone();
        }
        Run {
            d,
            answers,
            session,
            replies: Vec::new(),
            effects: Vec::new(),
            visited: Vec::new(),
            problems: Vec::new(),
            understood: true,
            subscriptions: None,
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
        }
    }

    /// Routes the input: a command, a button, or free text.
    pub(super) fn handle(&mut self, inbound: &Inbound) -> Step<()> {
        let gone = !self.session.state.is_empty() && self.current().is_none();
        match &inbound.input {
            Input::Command { name, arg } => self.on_command(name, arg.as_deref()),
            // A button or answer meant for a state the dialogues no longer have.
            _ if gone => self.restart_flow(),
            Input::Button(payload) => self.on_button(payload),
            Input::Text(text) => self.on_text(&clean(text)),
        }
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
        let Some(command) = self.d.settings.commands.iter().find(|c| c.name == name) else {
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
        let target = parse_payload(payload).and_then(|(state, index)| {
            let id = self.d.find(state)?;
            self.d.state(id).buttons.get(index).map(|b| b.target)
        });
        match target {
            Some(target) => self.enter(target),
            None => self.not_understood(),
        }
    }

    /// Free text: an `ask` answer, a typed button, a rule, an intent, then the FAQ.
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
            if let Some(target) = typed_button(state, &typed) {
                return self.enter(target);
            }
            if ask.expect.as_ref().is_none_or(|p| p.is_match(text)) {
                self.session.slots.insert(ask.slot.clone(), text.to_owned());
                self.session.tries = 0;
                return match state.goto {
                    Some(next) => self.enter(next),
                    None => Ok(()),
                };
            }
            self.session.tries = self.session.tries.saturating_add(1);
            if self.session.tries >= ask.max_tries {
                return self.enter(ask.escape);
            }
            let retry = ask.retry.as_ref().or(state.say.as_ref());
            if let Some(retry) = retry {
                let context = self.context(state, BTreeMap::new());
                self.say(retry, here, &context);
            }
            return Ok(());
        }
        let (options_state, _) = self.options_of(here);
        if let Some(target) = typed_button(self.d.state(options_state), &typed) {
            return self.enter(target);
        }
        let rules = state.rules.iter().chain(&self.d.settings.intents);
        if let Some(rule) = rules.into_iter().find(|r| r.pattern.is_match(text)) {
            return self.enter(rule.target);
        }
        if self.d.settings.fallback.faq {
            let query = Query::Faq {
                text: text.to_owned(),
                lang: self.session.lang.clone(),
            };
            if let Answer::Faq(Some(faq)) = self.fetch(query)? {
                if let Some(answer) = &self.d.settings.fallback.answer {
                    let mut values = BTreeMap::new();
                    values.insert("faq", Value::from_serialize(faq));
                    let context = self.context(state, values);
                    self.say(answer, here, &context);
                } else {
                    self.replies.push(Outbound {
                        text: html_escape::encode_text(&faq.answer).into_owned(),
                        buttons: Vec::new(),
                    });
                }
                self.attach_options(here);
                return Ok(());
            }
        }
        if current.is_none() {
            // A first message we cannot place: greet with the main menu.
            return self.enter(self.d.settings.main);
        }
        self.not_understood()
    }

    /// The "non ho capito" reply, then the question again or the options on offer.
    fn not_understood(&mut self) -> Step<()> {
        self.understood = false;
        let here = self.current().unwrap_or(self.d.settings.main);
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
            _ => self.attach_options(here),
        }
        Ok(())
    }

    /// Enters `target` and follows `goto`s until a state waits or ends.
    fn enter(&mut self, target: StateId) -> Step<()> {
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
                self.attach_options(self.d.settings.main);
                return Ok(());
            }
            let state = self.d.state(id);
            self.session.state = state.qualified.clone();
            self.session.tries = 0;
            self.visited.push(id);
            let values = self.run_actions(state)?;
            let context = self.context(state, values);
            if let Some(say) = &state.say {
                self.say(say, id, &context);
            }
            if let Some(prompt) = state.ask.as_ref().and_then(|a| a.prompt.as_ref()) {
                self.say(prompt, id, &context);
            }
            if state.waits() {
                if !state.buttons.is_empty() {
                    self.attach_options(id);
                }
                return Ok(());
            }
            next = if state.end { None } else { state.goto };
        }
        Ok(())
    }
}

/// The target of the button whose label (any language) or number the citizen typed.
fn typed_button(state: &State, typed: &str) -> Option<StateId> {
    if let Ok(number) = typed.parse::<usize>() {
        return number
            .checked_sub(1)
            .and_then(|i| state.buttons.get(i))
            .map(|b| b.target);
    }
    state
        .buttons
        .iter()
        .find(|b| b.typed_forms.iter().any(|f| f == typed))
        .map(|b| b.target)
}
