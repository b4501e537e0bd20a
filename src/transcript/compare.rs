//! One turn's reply against what the transcript expects of it: a finding for every
//! expectation that does not hold, with what was expected beside what was seen.

use super::load::{Expect, Expectation};
use super::matching::{closest_label, find_label, fold};
use super::report::{Finding, Reply, plain_buttons};
use crate::say;
use crate::staff_language::{Message, StaffLanguage};

/// Every expectation of `expectations` that `reply`, ending in `state`, does not meet.
pub(super) fn differences(
    expectations: &[Expectation],
    reply: &Reply,
    state: &str,
) -> Vec<Finding> {
    let folded = fold(&reply.text);
    expectations
        .iter()
        .filter_map(|e| {
            difference(&e.expect, reply, &folded, state).map(|(message, details)| Finding {
                place: e.place,
                message,
                details,
            })
        })
        .collect()
}

fn difference(
    expect: &Expect,
    reply: &Reply,
    folded: &str,
    state: &str,
) -> Option<(Message, Vec<Message>)> {
    match expect {
        Expect::Says { text, folded: wanted } => (!folded.contains(wanted.as_str())).then(|| {
            (
                say!(
                    "the reply does not contain the expected text",
                    "la risposta non contiene il testo atteso"
                ),
                vec![expected(text)],
            )
        }),
        Expect::SaysExact(text) => (!reply.text.contains(text.as_str())).then(|| {
            let mut details = vec![expected(text)];
            if folded.contains(&fold(text)) {
                details.push(say!(
                    "It is there with other capitals or spacing: `says` would pass.",
                    "C'è, con altre maiuscole o altri spazi: `says` lo accetterebbe."
                ));
            }
            (
                say!(
                    "the reply does not contain the expected text exactly as written (capitals and spaces count)",
                    "la risposta non contiene il testo atteso esattamente così (contano maiuscole e spazi)"
                ),
                details,
            )
        }),
        Expect::SaysRegex(regex) => (!regex.is_match(&reply.text)).then(|| {
            let pattern = regex.as_str();
            (
                say!(
                    "the reply does not match the regular expression",
                    "la risposta non corrisponde all'espressione regolare"
                ),
                vec![say!("Expected: /{pattern}/", "Atteso: /{pattern}/")],
            )
        }),
        Expect::NotSays { text, folded: unwanted } => folded.contains(unwanted.as_str()).then(|| {
            (
                say!(
                    "the reply contains a text it must not",
                    "la risposta contiene un testo che non deve contenere"
                ),
                vec![say!("Must not say: {text}", "Non deve dire: {text}")],
            )
        }),
        Expect::Silent => (!reply.text.trim().is_empty() || !reply.buttons.is_empty()).then(|| {
            (
                say!(
                    "the bot answered where it must stay silent",
                    "il bot ha risposto dove deve tacere"
                ),
                Vec::new(),
            )
        }),
        Expect::Button(label) => find_label(&reply.buttons, label).is_none().then(|| {
            (
                no_such_button(label, &reply.buttons),
                vec![say!("Expected: [{label}]", "Atteso: [{label}]")],
            )
        }),
        Expect::State(wanted) => (wanted != state).then(|| {
            (
                say!(
                    "the bot is in another state",
                    "il bot è in un altro stato"
                ),
                vec![
                    say!("Expected: {wanted}", "Atteso: {wanted}"),
                    say!("Actually: {state}", "Invece: {state}"),
                ],
            )
        }),
    }
}

fn expected(text: &str) -> Message {
    say!("Expected: {text}", "Atteso: {text}")
}

/// `press:` naming a label the previous reply did not offer: the ones it did, and the
/// likely one.
pub(super) fn not_offered(label: &str, offered: &[String]) -> (Message, Vec<Message>) {
    let (english, italian) = (
        plain_buttons(offered, StaffLanguage::English),
        plain_buttons(offered, StaffLanguage::Italian),
    );
    (
        no_such_button(label, offered),
        vec![say!("Offered: {english}", "Pulsanti offerti: {italian}")],
    )
}

fn no_such_button(label: &str, offered: &[String]) -> Message {
    match closest_label(offered, label) {
        Some(best) => say!(
            "no button offered matches `{label}`: did you mean `{best}`?",
            "nessun pulsante offerto corrisponde a `{label}`: forse `{best}`?"
        ),
        None => say!(
            "no button offered matches `{label}`",
            "nessun pulsante offerto corrisponde a `{label}`"
        ),
    }
}
