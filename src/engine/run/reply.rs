//! What the citizen sees: templates rendered in the turn's context, the error text,
//! and the buttons on offer attached to the last message.

use std::collections::BTreeMap;

use chrono::Datelike;
use chrono_tz::Europe::Rome;
use minijinja::Value;

use super::{Run, Step};
use crate::dialogue::{Localized, State, StateId, Text, button_payload};
use crate::engine::io::{OutButton, Outbound};

impl Run<'_> {
    /// The template context at `state`: `values` from actions plus slots, language,
    /// topic names and the time of the message in Rome (`now`, `today`, `year`).
    pub(super) fn context(
        &self,
        state: &State,
        mut values: BTreeMap<&'static str, Value>,
    ) -> Value {
        let lang = &self.session.lang;
        let flow_lang = &self.d.flows[state.flow].lang;
        let topics: BTreeMap<&str, &str> = self
            .d
            .settings
            .topics
            .iter()
            .map(|t| (t.key.as_str(), t.name.get(lang, flow_lang)))
            .collect();
        values.insert("slots", Value::from_serialize(&self.session.slots));
        values.insert("lang", Value::from(lang.as_str()));
        values.insert("topics", Value::from_serialize(&topics));
        let now = self.at.with_timezone(&Rome);
        values.insert("now", Value::from(now.to_rfc3339()));
        values.insert("today", Value::from(now.date_naive().to_string()));
        values.insert("year", Value::from(now.year()));
        Value::from_serialize(&values)
    }

    /// Renders a template into a new message; a render failure becomes the bot's
    /// error text and a recorded problem, never a panic.
    pub(super) fn say(&mut self, text: &Localized, at: StateId, context: &Value) {
        let flow_lang = &self.d.flow_of(at).lang;
        let rendered = text
            .template_name(&self.session.lang, flow_lang)
            .map(|name| {
                self.d
                    .templates
                    .render(name, context)
                    .map_err(|e| (name, e))
            });
        let text = match rendered {
            Some(Ok(text)) => text,
            Some(Err((name, err))) => {
                self.problems.push(format!("template {name}: {err}"));
                self.error_text(at)
            }
            None => return,
        };
        if !text.trim().is_empty() {
            self.replies.push(Outbound {
                text,
                buttons: Vec::new(),
            });
        }
    }

    /// A fixed text of the bot (not a template) as a new message: in the citizen's
    /// language, the flow of `at` deciding when the text lacks it.
    pub(super) fn say_fixed(&mut self, text: &Text, at: StateId) {
        let d = self.d;
        let said = text.get(&self.session.lang, &d.flow_of(at).lang);
        self.say_plain(said);
    }

    /// Plain text (escaped here) as a new message.
    pub(super) fn say_plain(&mut self, text: &str) {
        self.replies.push(Outbound {
            text: html_escape::encode_text(text).into_owned(),
            buttons: Vec::new(),
        });
    }

    /// The bot's error text, escaped, in the citizen's language.
    pub(super) fn error_text(&self, at: StateId) -> String {
        let flow_lang = &self.d.flow_of(at).lang;
        let text = self
            .d
            .settings
            .fallback
            .error
            .get(&self.session.lang, flow_lang);
        html_escape::encode_text(text).into_owned()
    }

    /// The buttons on offer at `here`: its own, or the main menu's when it has none;
    /// as indices into that state's buttons, only those this citizen is shown.
    pub(super) fn options_of(&mut self, here: StateId) -> Step<(StateId, Vec<usize>)> {
        let owner = if self.d.state(here).buttons.is_empty() {
            self.d.settings.main
        } else {
            here
        };
        Ok((owner, self.shown_buttons(owner)?))
    }

    /// The buttons of `id` this citizen sees: all, except those of a topic menu for
    /// leaving a topic they do not follow.
    pub(super) fn shown_buttons(&mut self, id: StateId) -> Step<Vec<usize>> {
        let buttons = &self.d.state(id).buttons;
        if buttons.iter().all(|b| b.shown_if_following.is_none()) {
            return Ok((0..buttons.len()).collect());
        }
        let following = self.subscriptions()?;
        Ok(buttons
            .iter()
            .enumerate()
            .filter(|(_, b)| {
                b.shown_if_following
                    .as_ref()
                    .is_none_or(|topic| following.contains(topic))
            })
            .map(|(index, _)| index)
            .collect())
    }

    /// Puts the options of `here` on the last message (or a bare one).
    pub(super) fn attach_options(&mut self, here: StateId) -> Step<()> {
        let (owner, shown) = self.options_of(here)?;
        let state = self.d.state(owner);
        let flow_lang = &self.d.flow_of(owner).lang;
        let mut buttons = std::mem::take(&mut self.pending_buttons);
        buttons.extend(
            shown
                .iter()
                .filter_map(|&index| Some((index, state.buttons.get(index)?)))
                .map(|(index, button)| OutButton {
                    label: button.label.get(&self.session.lang, flow_lang).to_owned(),
                    payload: button_payload(&state.qualified, index),
                }),
        );
        if buttons.is_empty() {
            return Ok(());
        }
        match self.replies.last_mut() {
            Some(last) if last.buttons.is_empty() => last.buttons = buttons,
            _ => self.replies.push(Outbound {
                text: String::new(),
                buttons,
            }),
        }
        Ok(())
    }
}
