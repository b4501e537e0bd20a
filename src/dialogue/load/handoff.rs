//! `handoff:` in `sportello.yaml`: the queues where a person answers, their groups and
//! office hours, and the texts citizens read about it (built-in ones when unset).

use std::sync::Arc;

use super::Builder;
use crate::dialogue::model::{Handoff, Queue, Text};
use crate::dialogue::office_hours::OfficeHours;
use crate::dialogue::raw::RawHandoff;
use crate::say;

/// Days in which a follow-up the bot cannot answer reopens a ticket staff closed,
/// unless set.
const DEFAULT_REOPEN_DAYS: u32 = 7;
/// Office hours within which a first answer is due, unless set.
const DEFAULT_ANSWER_WITHIN_HOURS: u32 = 4;

const SIGNATURE: &[(&str, &str)] = &[("it", "L'ufficio"), ("en", "The office")];
const OPENED: &[(&str, &str)] = &[
    (
        "it",
        "Scrivi qui la tua domanda: una persona dell'ufficio ti risponderà in questa chat. Quando hai finito, premi «Risolto» o scrivi /fine.",
    ),
    (
        "en",
        "Write your question here: a person from the office will answer in this chat. When you are done, press «Solved» or type /fine.",
    ),
];
const OUTSIDE_HOURS: &[(&str, &str)] = &[
    (
        "it",
        "L'ufficio ora è chiuso: scrivi pure la tua domanda, ti risponderà una persona appena riapre. Quando hai finito, premi «Risolto» o scrivi /fine.",
    ),
    (
        "en",
        "The office is closed now: write your question anyway, a person will answer when it opens again. When you are done, press «Solved» or type /fine.",
    ),
];
const STILL_WAITING: &[(&str, &str)] = &[
    (
        "it",
        "Ci scusiamo per l'attesa: nessuno ha ancora potuto risponderti. La tua domanda resta in coda; se è urgente, trovi i contatti dell'ufficio con /aiuto.",
    ),
    (
        "en",
        "Sorry for the wait: nobody could answer yet. Your question stays in the queue; if it is urgent, /aiuto has the office's contacts.",
    ),
];
const CLOSED: &[(&str, &str)] = &[
    (
        "it",
        "La conversazione con l'ufficio è chiusa. Da qui in poi ti risponde di nuovo il bot.",
    ),
    (
        "en",
        "The conversation with the office is closed. From now on the bot answers again.",
    ),
];
const END_BUTTON: &[(&str, &str)] = &[("it", "✅ Risolto"), ("en", "✅ Solved")];
const REOPENED: &[(&str, &str)] = &[
    (
        "it",
        "Ho passato il tuo messaggio all'ufficio che ti ha risposto: ti risponderà qui. Quando hai finito, premi «Risolto» o scrivi /fine.",
    ),
    (
        "en",
        "I passed your message to the office that answered you: they will answer here. When you are done, press «Solved» or type /fine.",
    ),
];

impl Builder {
    /// The handoff settings; no queues when `raw` is `None`.
    pub(super) fn build_handoff(
        &mut self,
        file: &Arc<str>,
        raw: Option<&RawHandoff>,
        default_lang: &str,
    ) -> Handoff {
        let texts = |builder: &mut Builder| -> [Text; 7] {
            let raw = raw.map(|r| {
                [
                    &r.signature,
                    &r.opened,
                    &r.outside_hours,
                    &r.still_waiting,
                    &r.closed,
                    &r.end_button,
                    &r.reopened,
                ]
            });
            let builtin = [
                SIGNATURE,
                OPENED,
                OUTSIDE_HOURS,
                STILL_WAITING,
                CLOSED,
                END_BUTTON,
                REOPENED,
            ];
            std::array::from_fn(|i| match raw.and_then(|r| r[i].as_ref()) {
                Some(text) => builder.plain_text(file, text, default_lang),
                None => Text(
                    builtin[i]
                        .iter()
                        .map(|(lang, text)| ((*lang).to_owned(), (*text).to_owned()))
                        .collect(),
                ),
            })
        };
        let [
            signature,
            opened,
            outside_hours,
            still_waiting,
            closed,
            end_button,
            reopened,
        ] = texts(self);
        let mut queues = Vec::new();
        for (key, queue) in raw.map(|r| r.queues.0.as_slice()).unwrap_or_default() {
            let hours = match &queue.hours {
                None => OfficeHours::always(),
                Some(hours) => match OfficeHours::parse(&hours.value) {
                    Ok(parsed) => parsed,
                    Err((english, italian)) => {
                        let position = self.at(file, &hours.referenced);
                        let queue = &key.value;
                        self.error(
                            position,
                            say!(
                                "the hours of queue `{queue}`: {english}",
                                "l'orario della coda `{queue}`: {italian}"
                            ),
                        );
                        OfficeHours::always()
                    }
                },
            };
            let name = match &queue.name {
                Some(name) => self.plain_text(file, name, default_lang),
                None => Text(vec![(default_lang.to_owned(), key.value.clone())]),
            };
            queues.push(Queue {
                key: key.value.clone(),
                name,
                group: queue.group,
                hours,
                answer_within_minutes: queue
                    .answer_within_hours
                    .unwrap_or(DEFAULT_ANSWER_WITHIN_HOURS)
                    .saturating_mul(60),
            });
        }
        Handoff {
            queues,
            signature,
            sign_with_name: raw.and_then(|r| r.sign_with_name).unwrap_or(false),
            reopen_days: raw
                .and_then(|r| r.reopen_days)
                .unwrap_or(DEFAULT_REOPEN_DAYS),
            opened,
            outside_hours,
            still_waiting,
            closed,
            end_button,
            reopened,
        }
    }
}
