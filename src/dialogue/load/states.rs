//! Flows and their states: buttons, rules, `ask`, actions and `goto`, every target
//! resolved and every text compiled.

use crate::reminder::RemindRule;
use std::sync::Arc;

use serde_saphyr::Spanned;

use super::Builder;
use super::compile::ALWAYS_IN_SCOPE;
use super::names::Names;
use super::source::SETTINGS_FILE;
use crate::dialogue::diagnostic::{Diagnostic, Position};
use crate::dialogue::model::{Action, Branch, Button, Example, Flow, Goto, Rule, State, StateId};
use crate::dialogue::raw::{RawAction, RawExamples, RawFlow, RawGoto, RawRule, RawState};
use crate::dialogue::suggest::did_you_mean_tails;
use crate::say;
use crate::staff_language::Message;
use crate::text::normalize;

impl Builder {
    /// Builds every flow and its states, in file order (state ids follow that order).
    pub(super) fn build_flows(
        &mut self,
        names: &Names,
        flows: &[(Arc<str>, RawFlow)],
        default_lang: &str,
        topic_keys: &[String],
    ) -> (Vec<Flow>, Vec<State>) {
        let mut built_flows = Vec::new();
        let mut states = Vec::new();
        for (file, raw) in flows {
            let flow_lang = raw
                .lang
                .as_ref()
                .map_or(default_lang.to_owned(), |l| l.value.clone());
            let flow_index = built_flows.len();
            let start = self.resolve(names, &raw.flow.value, &raw.start, file);
            for (state_name, raw_state) in &raw.states.value.0 {
                let position = self.at(file, &state_name.referenced);
                let state = self.build_state(
                    names,
                    (file, &raw.flow.value, flow_index, &flow_lang),
                    &state_name.value,
                    raw_state,
                    position,
                    topic_keys,
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
        (built_flows, states)
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn build_state(
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
                let (label, position, shown_if_following) = match (
                    &raw_button.generated,
                    &raw_button.label,
                ) {
                    (Some(made), _) => (
                        made.label.clone(),
                        made.position.clone(),
                        made.shown_if_following.clone(),
                    ),
                    (None, Some(label)) => (
                        self.plain_text(file, label, flow_lang),
                        self.at(file, &label.referenced),
                        None,
                    ),
                    (None, None) => {
                        let at = self.at(file, &raw_button.goto.referenced);
                        self.error(at, Message::new(
                                "this button has no `label`: write what it says, e.g. - { label: \"📅 Date\", goto: date }, or `topics: subscribe` for one button per topic",
                                "questo pulsante non ha `label`: scrivi cosa dice, per esempio - { label: \"📅 Date\", goto: date }, oppure `topics: subscribe` per un pulsante per argomento",
                            ));
                        continue;
                    }
                };
                let typed_forms = label.0.iter().map(|(_, l)| normalize(l)).collect();
                let target = self.resolve(names, flow, &raw_button.goto, file);
                buttons.push(Button {
                    label,
                    target: target.unwrap_or(StateId(0)),
                    typed_forms,
                    position,
                    shown_if_following,
                });
            }
        }
        let rules = raw
            .matches
            .iter()
            .flatten()
            .filter_map(|rule| self.rule(names, flow, file, flow_lang, rule))
            .collect();
        let ask = raw
            .ask
            .as_ref()
            .map(|ask| self.ask(names, (file, flow, flow_lang), &qualified, ask, &in_scope));
        let goto = raw
            .goto
            .as_ref()
            .and_then(|goto| self.goto(names, (file, flow), goto, &in_scope));
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

    /// A state's `goto`: one target, or conditions tried in order and a last default.
    fn goto(
        &mut self,
        names: &Names,
        (file, flow): (&Arc<str>, &str),
        raw: &Spanned<RawGoto>,
        in_scope: &[&str],
    ) -> Option<Goto> {
        let branches = match &raw.value {
            RawGoto::To(target) => {
                let target = Spanned::new(target.clone(), raw.referenced, raw.defined);
                return self.resolve(names, flow, &target, file).map(Goto::to);
            }
            RawGoto::Branches(branches) => branches,
        };
        let position = self.at(file, &raw.referenced);
        let Some((last, conditional)) = branches.split_last() else {
            self.error(position, Message::new("`goto` is an empty list: write a state, or conditions such as - { if: \"slots.anno >= 2008\", goto: ammesso } and a last - { goto: non_ammesso }", "`goto` è un elenco vuoto: scrivi uno stato, oppure condizioni come - { if: \"slots.anno >= 2008\", goto: ammesso } e per ultimo - { goto: non_ammesso }"));
            return None;
        };
        let mut built = Vec::new();
        let mut complete = true;
        for branch in conditional {
            let target = self.resolve(names, flow, &branch.goto, file);
            let Some(condition) = &branch.condition else {
                let at = self.at(file, &branch.goto.referenced);
                self.error(at, Message::new("only the last choice of `goto` may have no `if`: the ones after it would never be tried", "solo l'ultima scelta di `goto` può essere senza `if`: quelle dopo non verrebbero mai provate"));
                complete = false;
                continue;
            };
            let expression = self.expression(
                file,
                condition,
                &Message::new("this condition", "questa condizione"),
                in_scope,
            );
            match (expression, target) {
                (Some(condition), Some(target)) => built.push(Branch {
                    condition,
                    target,
                    position: self.at(file, &branch.goto.referenced),
                }),
                _ => complete = false,
            }
        }
        if let Some(condition) = &last.condition {
            let at = self.at(file, &condition.referenced);
            self.error(at, Message::new("the last choice of `goto` needs no `if`: it is where the citizen goes when no condition holds (write - { goto: … } at the end)", "l'ultima scelta di `goto` va scritta senza `if`: è dove va il cittadino quando nessuna condizione vale (scrivi - { goto: … } alla fine)"));
            return None;
        }
        let otherwise = self.resolve(names, flow, &last.goto, file)?;
        complete.then_some(Goto {
            branches: built,
            otherwise,
        })
    }

    /// Builds the `do` actions of a state, checking topics against the settings.
    pub(super) fn build_actions(
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
                    let (hint, forse) = did_you_mean_tails(topic, topics);
                    builder.error(
                        position.clone(),
                        say!(
                            "unknown topic `{topic}`{hint} (topics are declared in {SETTINGS_FILE})",
                            "argomento sconosciuto `{topic}`{forse} (gli argomenti si dichiarano in {SETTINGS_FILE})"
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
                RawAction::Language(code) => Action::Language(code.clone()),
                RawAction::Handoff { queue } => {
                    if !self.queue_keys.iter().any(|q| q == queue) {
                        let (hint, forse) = did_you_mean_tails(queue, &self.queue_keys);
                        self.error(
                            position.clone(),
                            say!(
                                "unknown queue `{queue}`{hint} (queues are declared under `handoff: queues:` in {SETTINGS_FILE})",
                                "coda sconosciuta `{queue}`{forse} (le code si dichiarano sotto `handoff: queues:` in {SETTINGS_FILE})"
                            ),
                        );
                    }
                    Action::Handoff {
                        queue: queue.clone(),
                    }
                }
                RawAction::Remind { event, before, at } => {
                    let rule =
                        RemindRule::parse(before.as_deref(), at.as_deref()).unwrap_or_else(|err| {
                            self.error(
                                position.clone(),
                                Message::new(err.to_string(), err.italian()),
                            );
                            RemindRule::default()
                        });
                    Action::Remind {
                        category: event.clone(),
                        rule,
                    }
                }
                RawAction::Reminders {} => Action::Reminders,
            };
            actions.push(built);
        }
        actions
    }

    /// A `match` rule or an intent: its examples and/or regex, and its target.
    pub(super) fn rule(
        &mut self,
        names: &Names,
        flow: &str,
        file: &Arc<str>,
        lang: &str,
        raw: &RawRule,
    ) -> Option<Rule> {
        let pattern = match &raw.when {
            Some(when) => Some(self.regex(file, when)?),
            None => None,
        };
        let examples = raw
            .examples
            .as_ref()
            .map(|e| self.examples(file, lang, e))
            .unwrap_or_default();
        if pattern.is_none() && examples.is_empty() {
            let position = self.at(file, &raw.goto.referenced);
            self.error(
                position,
                Message::new(
                    "this rule has neither `examples` nor `when`: write a few sentences citizens would send, e.g. examples: [\"quando è la prima prova?\"]",
                    "questa regola non ha né `examples` né `when`: scrivi qualche frase che i cittadini manderebbero, per esempio examples: [\"quando è la prima prova?\"]",
                ),
            );
            return None;
        }
        let target = self.resolve(names, flow, &raw.goto, file)?;
        Some(Rule {
            pattern,
            examples,
            target,
        })
    }

    /// Example sentences, each with its language and place; empty and repeated ones
    /// are reported (a repeat is a warning: it changes nothing).
    pub(super) fn examples(
        &mut self,
        file: &Arc<str>,
        lang: &str,
        raw: &Spanned<RawExamples>,
    ) -> Vec<Example> {
        let mut lists: Vec<(String, &Vec<Spanned<String>>)> = Vec::new();
        match &raw.value {
            RawExamples::List(list) => lists.push((lang.to_owned(), list)),
            RawExamples::ByLang(by_lang) => {
                for (lang, list) in by_lang {
                    lists.push((lang.value.clone(), list));
                }
            }
        }
        let mut examples: Vec<Example> = Vec::new();
        for (lang, list) in lists {
            for text in list {
                let position = self.at(file, &text.referenced);
                let typed = normalize(&text.value);
                if typed.is_empty() {
                    self.error(
                        position,
                        Message::new(
                            "this example has no words: write a sentence a citizen would send",
                            "questo esempio non ha parole: scrivi una frase che un cittadino manderebbe",
                        ),
                    );
                    continue;
                }
                if examples
                    .iter()
                    .any(|e| e.lang == lang && normalize(&e.text) == typed)
                {
                    self.report.push(Diagnostic::warning(position, {
                        let example = &text.value;
                        say!(
                            "the example «{example}» is written twice here",
                            "l'esempio «{example}» è scritto due volte qui"
                        )
                    }));
                    continue;
                }
                examples.push(Example {
                    lang: lang.clone(),
                    text: text.value.clone(),
                    position,
                });
            }
        }
        examples
    }
}

/// The variable an action puts in the template's scope.
pub(super) fn provides(action: &Action) -> Option<&'static str> {
    match action {
        Action::Events { .. } => Some("events"),
        Action::News { .. } => Some("news"),
        Action::Faq { .. } => Some("faq"),
        Action::Subscribe { .. } | Action::Unsubscribe { .. } | Action::Subscriptions => {
            Some("subscriptions")
        }
        Action::Erase => Some("erased"),
        Action::Language(_) => None,
        Action::Handoff { .. } => Some("handoff"),
        Action::Remind { .. } => Some("reminder"),
        Action::Reminders => Some("reminders"),
    }
}
