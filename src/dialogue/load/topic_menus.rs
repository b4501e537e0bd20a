//! Topic menus made from `topics:` in `sportello.yaml`, so adding a topic is one line:
//! a button `- { topics: subscribe, goto: done }` becomes one button per topic, each
//! leading to a state of its own (`<state>--<topic>`) that subscribes to it and goes on
//! to `done`; `topics: unsubscribe` does the same for leaving, and each of its buttons
//! is shown only to citizens who follow that topic.

use std::sync::Arc;

use serde_saphyr::Spanned;

use super::Builder;
use crate::dialogue::raw::{
    Entries, GeneratedButton, OneOrMany, RawAction, RawButton, RawFlow, RawGoto, RawState, RawText,
};
use crate::dialogue::suggest::did_you_mean_tails;
use crate::say;
use crate::staff_language::Message;

const MENU_KINDS: [&str; 2] = ["subscribe", "unsubscribe"];

/// Where the topics were declared, for their titles.
pub(super) struct DeclaredTopics<'a> {
    pub(super) file: &'a Arc<str>,
    pub(super) topics: &'a Entries<Spanned<String>, Spanned<RawText>>,
    pub(super) lang: &'a str,
}

impl Builder {
    /// Replaces every `topics:` button of `flows` with one button per declared topic,
    /// and adds the states they lead to.
    pub(super) fn expand_topic_menus(
        &mut self,
        flows: &mut [(Arc<str>, RawFlow)],
        declared: &DeclaredTopics,
    ) {
        for (file, flow) in flows.iter_mut() {
            let mut added: Vec<(Spanned<String>, RawState)> = Vec::new();
            for (state_name, state) in &mut flow.states.value.0 {
                let Some(buttons) = &mut state.buttons else {
                    continue;
                };
                let written = std::mem::take(&mut buttons.value);
                for button in written {
                    match &button.topics {
                        None => buttons.value.push(button),
                        Some(kind) => {
                            let (expanded, states) = self.topic_buttons(
                                file,
                                &state_name.value,
                                &button,
                                kind,
                                declared,
                            );
                            buttons.value.extend(expanded);
                            added.extend(states);
                        }
                    }
                }
            }
            flow.states.value.0.extend(added);
        }
    }

    /// The buttons and states one `topics:` button stands for.
    fn topic_buttons(
        &mut self,
        file: &Arc<str>,
        state: &str,
        button: &RawButton,
        kind: &Spanned<String>,
        declared: &DeclaredTopics,
    ) -> (Vec<RawButton>, Vec<(Spanned<String>, RawState)>) {
        let position = self.at(file, &kind.referenced);
        let kind_name = kind.value.trim();
        if !MENU_KINDS.contains(&kind_name) {
            let (hint, forse) = did_you_mean_tails(kind_name, &MENU_KINDS);
            self.error(
                position,
                say!(
                    "`topics: {kind_name}` is not a topic menu{hint}: write `topics: subscribe` or `topics: unsubscribe`",
                    "`topics: {kind_name}` non è un menu di argomenti{forse}: scrivi `topics: subscribe` o `topics: unsubscribe`"
                ),
            );
            return (Vec::new(), Vec::new());
        }
        if button.label.is_some() {
            self.error(
                position.clone(),
                Message::new(
                    "a `topics:` button takes its labels from the topics' titles in sportello.yaml: drop `label`",
                    "un pulsante `topics:` prende le etichette dai titoli degli argomenti in sportello.yaml: togli `label`",
                ),
            );
        }
        if declared.topics.0.is_empty() {
            self.error(
                position,
                Message::new(
                    "`topics:` makes one button per topic, but sportello.yaml declares no `topics:`",
                    "`topics:` crea un pulsante per argomento, ma sportello.yaml non dichiara `topics:`",
                ),
            );
            return (Vec::new(), Vec::new());
        }
        let subscribing = kind_name == "subscribe";
        let mut buttons = Vec::new();
        let mut states = Vec::new();
        for (topic, title) in &declared.topics.0 {
            let topic = topic.value.clone();
            let name = format!("{state}--{topic}");
            let action = if subscribing {
                RawAction::Subscribe {
                    topic: topic.clone(),
                }
            } else {
                RawAction::Unsubscribe {
                    topic: topic.clone(),
                }
            };
            states.push((
                written_at(name.clone(), kind),
                RawState {
                    actions: Some(written_at(OneOrMany(vec![action]), kind)),
                    goto: Some(Spanned::new(
                        RawGoto::To(button.goto.value.clone()),
                        button.goto.referenced,
                        button.goto.defined,
                    )),
                    ..RawState::default()
                },
            ));
            buttons.push(RawButton {
                label: None,
                topics: None,
                goto: written_at(name, kind),
                generated: Some(GeneratedButton {
                    label: self.plain_text(declared.file, title, declared.lang),
                    position: position.clone(),
                    shown_if_following: (!subscribing).then_some(topic),
                }),
            });
        }
        (buttons, states)
    }
}

/// `value` as if written where `place` was: findings about it point at the menu.
fn written_at<T>(value: T, place: &Spanned<String>) -> Spanned<T> {
    Spanned::new(value, place.referenced, place.defined)
}
