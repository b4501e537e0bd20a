//! The `do` actions of a state: each asks for the data it needs (or stops the turn
//! to fetch it), records the store changes, and puts its result in the template scope.

use std::collections::BTreeMap;

use minijinja::Value;

use super::{NeedData, Run, Step};
use crate::dialogue::{Action, State};
use crate::engine::io::{Answer, Effect, Query};

impl<'a> Run<'a> {
    /// Runs the actions of `state`, in order; returns the values they put in scope.
    pub(super) fn run_actions(&mut self, state: &State) -> Step<BTreeMap<&'static str, Value>> {
        let mut values = BTreeMap::new();
        for action in &state.actions {
            match action {
                Action::Events { category, limit } => {
                    let query = Query::Events {
                        category: category.clone(),
                        limit: *limit,
                    };
                    if let Answer::Events(events) = self.fetch(query)? {
                        values.insert("events", Value::from_serialize(events));
                    }
                }
                Action::News { topic, limit } => {
                    let query = Query::News {
                        topic: topic.clone(),
                        limit: *limit,
                    };
                    if let Answer::News(news) = self.fetch(query)? {
                        values.insert("news", Value::from_serialize(news));
                    }
                }
                Action::Faq { query } => {
                    let context = self.context(state, BTreeMap::new());
                    let text = self.d.templates.render(query, &context).unwrap_or_default();
                    let text = html_escape::decode_html_entities(&text).into_owned();
                    values.insert("faq", Value::from_serialize(self.best_faq(&text)));
                }
                Action::Subscribe { topic } => {
                    let mut topics = self.subscriptions()?;
                    if !topics.contains(topic) {
                        topics.push(topic.clone());
                    }
                    self.effects.push(Effect::Subscribe {
                        topic: topic.clone(),
                    });
                    values.insert("subscriptions", Value::from_serialize(&topics));
                    self.subscriptions = Some(topics);
                }
                Action::Unsubscribe { topic } => {
                    let mut topics = self.subscriptions()?;
                    topics.retain(|t| topic.as_ref().is_some_and(|only| only != t));
                    self.effects.push(Effect::Unsubscribe {
                        topic: topic.clone(),
                    });
                    values.insert("subscriptions", Value::from_serialize(&topics));
                    self.subscriptions = Some(topics);
                }
                Action::Subscriptions => {
                    let topics = self.subscriptions()?;
                    values.insert("subscriptions", Value::from_serialize(&topics));
                }
                Action::Language(code) => self.session.lang = code.clone(),
                Action::Handoff { queue } => {
                    let open = self.office_open(queue);
                    self.session.handoff = Some(queue.clone());
                    let name = self
                        .d
                        .settings
                        .handoff
                        .queue(queue)
                        .map_or(queue.as_str(), |q| {
                            q.name
                                .get(&self.session.lang, &self.d.settings.default_lang)
                        });
                    values.insert(
                        "handoff",
                        minijinja::context! { queue => name, open => open },
                    );
                }
                Action::Remind { category, rule } => {
                    let reminder = self.remind(category, *rule)?;
                    values.insert("reminder", reminder);
                }
                Action::Reminders => {
                    let reminders = self.list_reminders(state)?;
                    values.insert("reminders", reminders);
                }
                Action::Erase => {
                    if let Answer::Erased(receipt) = self.fetch(Query::Erase)? {
                        values.insert("erased", Value::from_serialize(receipt));
                    }
                    self.effects.push(Effect::Erase);
                    self.session.slots.clear();
                    self.subscriptions = Some(Vec::new());
                }
            }
        }
        Ok(values)
    }

    /// The citizen's topics: as this turn left them, else as the store has them.
    pub(super) fn subscriptions(&mut self) -> Step<Vec<String>> {
        if let Some(topics) = &self.subscriptions {
            return Ok(topics.clone());
        }
        match self.fetch(Query::Subscriptions)? {
            Answer::Subscriptions(topics) => Ok(topics.clone()),
            _ => Ok(Vec::new()),
        }
    }

    /// The answer to `query` if the caller gave it, else a stop to go and fetch it.
    pub(super) fn fetch(&self, query: Query) -> Step<&'a Answer> {
        self.answers.get(&query).ok_or(NeedData(query))
    }
}
