//! Talking to a person: once a state's `handoff` action ran, what the citizen writes
//! goes to the staff of that queue and the bot stays silent. Anything addressed to
//! the bot — the «Risolto» button, `/fine`, or any other command or button — ends
//! the conversation with the person first, so a citizen is never stuck in it.

use super::{Run, Step};
use crate::dialogue::Text;
use crate::engine::Outcome;
use crate::engine::io::{Effect, Inbound, Input, OutButton};

/// The payload of the button that ends the conversation with a person.
pub(crate) const END_HANDOFF: &str = "!fine";
/// Commands that end it, in the bot's languages.
const END_COMMANDS: &[&str] = &["fine", "end", "risolto", "solved", "chiudi", "close"];

impl Run<'_> {
    /// Whether `queue`'s office is open now (an unknown queue counts as open).
    pub(super) fn office_open(&self, queue: &str) -> bool {
        self.d
            .settings
            .handoff
            .queue(queue)
            .is_none_or(|q| q.hours.is_open(self.at))
    }

    /// What a citizen handed to `queue` sends: text to the person, anything else to
    /// the bot after ending the conversation with the person.
    pub(super) fn with_a_person(&mut self, queue: &str, inbound: &Inbound) -> Step<()> {
        match &inbound.input {
            Input::Text(text) => {
                self.pass_to_staff(queue, text, (false, None));
                Ok(())
            }
            Input::Attachment(attachment) => {
                let copy_of = attachment.message_id;
                self.pass_to_staff(queue, &attachment.describe(), (false, copy_of));
                Ok(())
            }
            Input::Button(payload) if payload == END_HANDOFF => self.end_handoff(),
            Input::Command { name, .. } if END_COMMANDS.contains(&name.as_str()) => {
                self.end_handoff()
            }
            // A command or an old button is for the bot: the person is left first.
            _ => {
                self.session.handoff = None;
                self.effects.push(Effect::EndHandoff);
                self.handle(inbound)
            }
        }
    }

    /// A message the bot cannot answer, while a ticket staff closed may still be
    /// reopened: it goes back to the same people, and the citizen is with them again.
    pub(super) fn reopen_ticket(&mut self, text: &str) -> Option<Step<()>> {
        let reopen = self.session.reopen.take()?;
        if self.at >= reopen.until {
            return None;
        }
        self.pass_to_staff(&reopen.queue, text, (true, None));
        self.session.handoff = Some(reopen.queue);
        self.say_with_end_button(&self.d.settings.handoff.reopened);
        Some(Ok(()))
    }

    /// `text` (cleaned; nothing when empty) for the people of `queue`, opening the ticket
    /// staff closed last when `reopen`, with the citizen's message `copy_of` to show
    /// them as it is.
    fn pass_to_staff(&mut self, queue: &str, text: &str, (reopen, copy_of): (bool, Option<i64>)) {
        let text = crate::text::clean(text);
        if !text.trim().is_empty() {
            self.effects.push(Effect::ToStaff {
                queue: queue.to_owned(),
                text,
                reopen,
                copy_of,
            });
        }
        self.outcome = Outcome::ToStaff;
    }

    /// Ends the conversation with the person: says so, then the main menu.
    fn end_handoff(&mut self) -> Step<()> {
        self.session.handoff = None;
        self.session.reopen = None;
        self.effects.push(Effect::EndHandoff);
        let main = self.d.settings.main;
        self.say_fixed(&self.d.settings.handoff.closed, main);
        self.enter(main)
    }

    /// Says how a person will answer (or that the office is closed now), with the
    /// button that ends it.
    pub(super) fn say_handed_off(&mut self, queue: &str) {
        let handoff = &self.d.settings.handoff;
        let text = if self.office_open(queue) {
            &handoff.opened
        } else {
            &handoff.outside_hours
        };
        self.say_with_end_button(text);
    }

    /// `text` in the citizen's language, with the button that ends the conversation
    /// with the person.
    fn say_with_end_button(&mut self, text: &Text) {
        let d = self.d;
        let lang = &d.settings.default_lang;
        let label = d.settings.handoff.end_button.get(&self.session.lang, lang);
        self.say_plain(text.get(&self.session.lang, lang));
        if let Some(last) = self.replies.last_mut() {
            last.buttons.push(OutButton {
                label: label.to_owned(),
                payload: END_HANDOFF.to_owned(),
            });
        }
    }
}
