//! Reminders in a turn: `remind` sets them for the upcoming events of a category,
//! `reminders` lists the citizen's with a button that cancels each, and that button.

use minijinja::Value;
use serde::Serialize;

use super::{Run, Step};
use crate::content::CalendarEvent;
use crate::dialogue::State;
use crate::engine::io::{Answer, Effect, OutButton, Query};
use crate::reminder::{RemindRule, Reminder};
use crate::text::shorten;

/// What a cancel button's payload starts with: `~forget:<id>:<flow.state>`.
const FORGET: &str = "~forget:";
/// Events one `remind` looks at (as many as an `events` list shows by default).
const REMIND_LIMIT: usize = 10;
/// Cancel buttons under one list: with a state's few own buttons, WhatsApp still
/// shows them as one list (at most 10 rows).
const CANCEL_BUTTONS: usize = 7;
/// An event's title on a cancel button, in characters.
const TITLE_ON_BUTTON: usize = 40;
/// Telegram's limit on a button's payload, in bytes.
const PAYLOAD_LIMIT: usize = 64;

/// An event as a `remind` state's template sees it.
#[derive(Serialize)]
struct Reminded<'a> {
    key: &'a str,
    title: &'a str,
    starts_at: String,
    place: Option<&'a str>,
    /// When the reminder goes; `None` when it would already be too late.
    remind_at: Option<String>,
}

impl<'a> Run<'a> {
    /// `remind`: a reminder of every upcoming event of `category` whose reminder time
    /// is still ahead; `reminder.set` lists them, `reminder.too_late` the others.
    pub(super) fn remind(&mut self, category: &str, rule: RemindRule) -> Step<Value> {
        let query = Query::Events {
            category: category.to_owned(),
            limit: REMIND_LIMIT,
        };
        let Answer::Events(events) = self.fetch(query)? else {
            return Ok(Value::UNDEFINED);
        };
        let mut set = Vec::new();
        let mut too_late = Vec::new();
        for event in events.iter().filter(|e| e.starts_at > self.at) {
            let remind_at = rule.due(event.starts_at);
            if remind_at <= self.at {
                too_late.push(view(event, None));
                continue;
            }
            self.effects.push(Effect::Remind {
                event_key: event.key.clone(),
                title: event.title.clone(),
                starts_at: event.starts_at,
                rule,
                remind_at,
            });
            set.push(view(event, Some(remind_at)));
        }
        Ok(minijinja::context! { set => set, too_late => too_late })
    }

    /// `reminders`: the citizen's reminders still to come (less any cancelled in this
    /// turn), with a cancel button for each of the first few under the message.
    pub(super) fn list_reminders(&mut self, state: &State) -> Step<Value> {
        let Answer::Reminders(all) = self.fetch(Query::Reminders)? else {
            return Ok(Value::UNDEFINED);
        };
        let listed: Vec<&Reminder> = all
            .iter()
            .filter(|r| !self.forgotten.contains(&r.id))
            .collect();
        let flow_lang = &self.d.flows[state.flow].lang;
        let prefix = self
            .d
            .settings
            .reminders
            .cancel_button
            .get(&self.session.lang, flow_lang);
        for reminder in listed.iter().take(CANCEL_BUTTONS) {
            let payload = forget_payload(reminder.id, &state.qualified);
            // A typed number picks a cancel button as it picks a choice.
            self.session.offered.push(payload.clone());
            self.pending_buttons.push(OutButton {
                label: format!("{prefix} {}", shorten(&reminder.title, TITLE_ON_BUTTON)),
                payload,
            });
        }
        Ok(Value::from_serialize(&listed))
    }

    /// A cancel button: `Some` when `payload` is one.
    pub(super) fn on_forget(&mut self, payload: &str) -> Option<Step<()>> {
        let rest = payload.strip_prefix(FORGET)?;
        let (id, back_to) = rest.split_once(':').unwrap_or((rest, ""));
        let id: i64 = id.parse().ok()?;
        Some(self.forget(id, back_to))
    }

    /// Cancels reminder `id` if it is the citizen's and still to come (a button
    /// pressed twice, or after the reminder went, cancels nothing), then shows the
    /// list again at `back_to`.
    fn forget(&mut self, id: i64, back_to: &str) -> Step<()> {
        let Answer::Reminders(all) = self.fetch(Query::Reminders)? else {
            return self.not_understood();
        };
        let here = self.current().unwrap_or(self.d.settings.main);
        if all.iter().any(|r| r.id == id) && !self.forgotten.contains(&id) {
            self.effects.push(Effect::ForgetReminder { id });
            self.forgotten.push(id);
            let d = self.d;
            self.say_fixed(&d.settings.reminders.forgotten, here);
        }
        let target = self.d.find(back_to).unwrap_or(here);
        self.enter(target)
    }

    /// Puts the cancel buttons waiting from `reminders` on the last message.
    pub(super) fn flush_pending_buttons(&mut self) {
        let buttons = std::mem::take(&mut self.pending_buttons);
        if buttons.is_empty() {
            return;
        }
        match self.replies.last_mut() {
            Some(last) if last.buttons.is_empty() => last.buttons = buttons,
            _ => self.replies.push(crate::engine::io::Outbound {
                text: String::new(),
                buttons,
            }),
        }
    }
}

fn view(event: &CalendarEvent, remind_at: Option<chrono::DateTime<chrono::Utc>>) -> Reminded<'_> {
    Reminded {
        key: &event.key,
        title: &event.title,
        starts_at: event.starts_at.to_rfc3339(),
        place: event.place.as_deref(),
        remind_at: remind_at.map(|t| t.to_rfc3339()),
    }
}

/// How many of `offered` are cancel buttons (they come first, before the state's).
pub(super) fn cancel_buttons_in(offered: &[String]) -> usize {
    offered.iter().filter(|o| o.starts_with(FORGET)).count()
}

/// `~forget:<id>:<flow.state>`, without the state when it would not fit Telegram's
/// 64 bytes (the list is then shown where the citizen is).
fn forget_payload(id: i64, state: &str) -> String {
    let full = format!("{FORGET}{id}:{state}");
    if full.len() <= PAYLOAD_LIMIT {
        full
    } else {
        format!("{FORGET}{id}")
    }
}
