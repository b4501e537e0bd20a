//! A transcript as it runs, checked against the dialogues before the first turn:
//! each turn sends or presses exactly one thing, every `state:` names a state that
//! exists (else did-you-mean), every `says_regex` compiles and no text is empty.
//! These are mistakes in the test, not in the bot, so they stop it before it runs.

use chrono::{DateTime, Utc};
use regex::Regex;
use serde_saphyr::Spanned;

use super::matching::{fold, has_words};
use super::raw::{RawTranscript, RawTurn, Texts};
use super::report::{Finding, Place};
use crate::dialogue::Dialogues;
use crate::dialogue::suggest::did_you_mean;
use crate::say;
use crate::staff_language::Message;

/// A checked transcript.
#[derive(Debug)]
pub(super) struct Script {
    pub(super) lang: Option<String>,
    pub(super) now: Option<DateTime<Utc>>,
    pub(super) turns: Vec<Step>,
}

/// One turn: what the citizen does and what must follow, in file order.
#[derive(Debug)]
pub(super) struct Step {
    pub(super) place: Place,
    pub(super) action: Action,
    pub(super) expectations: Vec<Expectation>,
}

/// What the citizen does in a turn.
#[derive(Debug)]
pub(super) enum Action {
    /// Types a message (a number, a label, a command or free text).
    Send(String),
    /// Presses a button the previous reply offered, found by (part of) its label.
    Press { label: String, place: Place },
}

impl Action {
    /// The turn's input as the file writes it: `send: /start`.
    pub(super) fn as_written(&self) -> String {
        match self {
            Action::Send(text) => format!("send: {}", scalar(text)),
            Action::Press { label, .. } => format!("press: {}", scalar(label)),
        }
    }
}

/// `text` as YAML needs it written: in quotes when bare it would read as something
/// else (`"1"` is a number bare) or not read at all.
fn scalar(text: &str) -> String {
    let reads_otherwise = text.parse::<f64>().is_ok()
        || ["true", "false", "yes", "no", "null", "~"].contains(&text.to_lowercase().as_str())
        || text.starts_with([
            '[', '{', '"', '\'', '&', '*', '!', '|', '>', '%', '@', '`', '#', '-', '?', ':',
        ])
        || text.contains(": ")
        || text.contains(" #")
        || text.trim() != text;
    if reads_otherwise {
        format!("\"{text}\"")
    } else {
        text.to_owned()
    }
}

/// One thing the reply must (or must not) show, at the place it is written.
#[derive(Debug)]
pub(super) struct Expectation {
    pub(super) place: Place,
    pub(super) expect: Expect,
}

#[derive(Debug)]
pub(super) enum Expect {
    /// The reply contains `text`, compared as `matching::fold` reads both.
    Says { text: String, folded: String },
    /// The reply contains `text` exactly as written.
    SaysExact(String),
    /// The reply matches the regex.
    SaysRegex(Regex),
    /// The reply does not contain `text`, compared as for `Says`.
    NotSays { text: String, folded: String },
    /// A button whose label `matching::find_label` finds is offered.
    Button(String),
    /// The citizen is in this `flow.state` after the turn.
    State(String),
    /// The bot says nothing.
    Silent,
}

/// Checks `raw` against `dialogues`: the script, or every mistake in it.
pub(super) fn load(raw: RawTranscript, dialogues: &Dialogues) -> Result<Script, Vec<Finding>> {
    let mut mistakes = Vec::new();
    if raw.turns.value.is_empty() {
        mistakes.push(mistake(
            Place::of(&raw.turns.referenced),
            say!(
                "no turns: this test tries nothing",
                "nessun turno: questo test non prova niente"
            ),
        ));
    }
    let turns = raw
        .turns
        .value
        .into_iter()
        .filter_map(|turn| step(turn, dialogues, &mut mistakes))
        .collect();
    if !mistakes.is_empty() {
        mistakes.sort_by_key(|m| m.place);
        return Err(mistakes);
    }
    Ok(Script {
        lang: raw.lang,
        now: raw.now.map(|now| now.with_timezone(&Utc)),
        turns,
    })
}

fn step(
    turn: Spanned<RawTurn>,
    dialogues: &Dialogues,
    mistakes: &mut Vec<Finding>,
) -> Option<Step> {
    let place = Place::of(&turn.referenced);
    let RawTurn {
        send,
        press,
        says,
        says_exact,
        says_regex,
        not_says,
        buttons,
        state,
        silent,
    } = turn.value;
    let action = match (send, press) {
        (Some(text), None) => Some(Action::Send(text.value)),
        (None, Some(label)) if !has_words(&label.value) => {
            mistakes.push(no_words(&label));
            None
        }
        (None, Some(label)) => Some(Action::Press {
            place: Place::of(&label.referenced),
            label: label.value,
        }),
        (Some(_), Some(press)) => {
            mistakes.push(mistake(
                Place::of(&press.referenced),
                say!(
                    "a turn has `send` or `press`, not both: write them as two turns",
                    "un turno ha `send` oppure `press`, non tutti e due: scrivili come due turni"
                ),
            ));
            None
        }
        (None, None) => {
            mistakes.push(mistake(
                place,
                say!(
                    "this turn has neither `send` nor `press`: what does the citizen do?",
                    "questo turno non ha né `send` né `press`: che cosa fa il cittadino?"
                ),
            ));
            None
        }
    };
    let mut expectations = Vec::new();
    let mut expect = |texts: Texts, make: &dyn Fn(String) -> Result<Expect, Message>| {
        for text in texts.0 {
            let place = Place::of(&text.referenced);
            if text.value.trim().is_empty() {
                mistakes.push(mistake(
                    place,
                    say!(
                        "an empty text is in every reply, so it tests nothing",
                        "un testo vuoto c'è in ogni risposta, quindi non prova niente"
                    ),
                ));
                continue;
            }
            match make(text.value) {
                Ok(expect) => expectations.push(Expectation { place, expect }),
                Err(message) => mistakes.push(mistake(place, message)),
            }
        }
    };
    expect(says, &|text| {
        Ok(Expect::Says {
            folded: fold(&text),
            text,
        })
    });
    expect(says_exact, &|text| Ok(Expect::SaysExact(text)));
    expect(says_regex, &|pattern| {
        Regex::new(&pattern).map(Expect::SaysRegex).map_err(|err| {
            // The regex crate draws a caret under the pattern; its last line says why.
            let text = err.to_string();
            let why = text.lines().last().unwrap_or_default();
            let err = why.strip_prefix("error: ").unwrap_or(why);
            say!(
                "`says_regex` does not compile: {err}",
                "`says_regex` non è un'espressione regolare valida: {err}"
            )
        })
    });
    expect(not_says, &|text| {
        Ok(Expect::NotSays {
            folded: fold(&text),
            text,
        })
    });
    expect(buttons, &|label| {
        if has_words(&label) {
            Ok(Expect::Button(label))
        } else {
            Err(no_words_message(&label))
        }
    });
    expect(
        Texts(state.into_iter().collect()),
        &|name| match dialogues.find(&name) {
            Some(_) => Ok(Expect::State(name)),
            None => Err(unknown_state(&name, dialogues)),
        },
    );
    if let Some(silent) = silent.filter(|s| s.value) {
        expectations.push(Expectation {
            place: Place::of(&silent.referenced),
            expect: Expect::Silent,
        });
    }
    expectations.sort_by_key(|e| e.place);
    Some(Step {
        place,
        action: action?,
        expectations,
    })
}

fn mistake(place: Place, message: Message) -> Finding {
    Finding {
        place,
        message,
        details: Vec::new(),
    }
}

fn no_words(label: &Spanned<String>) -> Finding {
    mistake(Place::of(&label.referenced), no_words_message(&label.value))
}

fn no_words_message(label: &str) -> Message {
    say!(
        "`{label}` has no words to find a button by; write (part of) the label's text",
        "`{label}` non ha parole con cui trovare un pulsante; scrivi (parte del) testo dell'etichetta"
    )
}

/// `state: x` for a state the dialogues lack: the likely one, or how names are written.
fn unknown_state(name: &str, dialogues: &Dialogues) -> Message {
    let names: Vec<&str> = dialogues
        .states
        .iter()
        .map(|s| s.qualified.as_str())
        .collect();
    // `state: menu` means one of the flows' `menu`: name them.
    let same_state: Vec<&str> = names
        .iter()
        .copied()
        .filter(|q| !name.contains('.') && q.rsplit('.').next() == Some(name))
        .take(4)
        .collect();
    if !same_state.is_empty() {
        let list = same_state.join("`, `");
        return say!(
            "unknown state `{name}`: a state is written with its flow, such as `{list}`",
            "stato sconosciuto `{name}`: uno stato si scrive con il suo flusso, come `{list}`"
        );
    }
    match did_you_mean(name, &names) {
        Some(best) => say!(
            "unknown state `{name}`: did you mean `{best}`?",
            "stato sconosciuto `{name}`: forse `{best}`?"
        ),
        None => {
            let example = names.first().copied().unwrap_or("main.menu");
            say!(
                "unknown state `{name}`: states are written `flow.state`, such as `{example}`",
                "stato sconosciuto `{name}`: gli stati si scrivono `flusso.stato`, come `{example}`"
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::scalar;

    #[test]
    fn inputs_are_shown_as_yaml_needs_them_written() {
        assert_eq!(scalar("1"), "\"1\"");
        assert_eq!(scalar("sì"), "sì");
        assert_eq!(scalar("no"), "\"no\"");
        assert_eq!(scalar("/start"), "/start");
        assert_eq!(scalar("📅 Calendario prove"), "📅 Calendario prove");
        assert_eq!(scalar("Orari: 9-13"), "\"Orari: 9-13\"");
    }
}
