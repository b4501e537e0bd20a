//! Answers to an `ask` and the ways out of a state: the value read out of the
//! citizen's message (typed, within its range) or a hint of what to write, and the
//! `goto` whose condition holds.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use chrono_tz::Europe::Rome;
use minijinja::Value;

use super::{Run, Step};
use crate::dialogue::{Ask, Expect, Goto, StateId};

/// Why an answer was not taken.
enum Refusal {
    /// It does not hold a value of the kind asked.
    Unreadable,
    /// It does, outside `min`..`max` (as they evaluated).
    OutOfRange {
        min: Option<Value>,
        max: Option<Value>,
    },
}

impl Run<'_> {
    /// The citizen's answer to the `ask` at `here`: kept and followed by the state's
    /// `goto`, or refused with a hint, up to `max_tries`, then `escape`.
    pub(super) fn on_answer(&mut self, here: StateId, ask: &Ask, text: &str) -> Step<()> {
        let state = self.d.state(here);
        match self.read_answer(here, ask, text) {
            Ok(value) => {
                self.session.slots.insert(ask.slot.clone(), value);
                self.session.tries = 0;
                self.session.misses = 0;
                match &state.goto {
                    Some(goto) => {
                        let context = self.context(state, BTreeMap::new());
                        let next = self.follow(goto, &context);
                        self.enter(next)
                    }
                    None => Ok(()),
                }
            }
            Err(refusal) => {
                self.session.tries = self.session.tries.saturating_add(1);
                if self.session.tries >= ask.max_tries {
                    return self.enter(ask.escape);
                }
                let context = self.context(state, BTreeMap::new());
                if let Some(retry) = &ask.retry {
                    self.say(retry, here, &context);
                    return Ok(());
                }
                let hint = self.hint(here, ask, &refusal);
                if !hint.is_empty() {
                    self.say_plain(&hint);
                }
                if let Some(question) = ask.prompt.as_ref().or(state.say.as_ref()) {
                    self.say(question, here, &context);
                }
                Ok(())
            }
        }
    }

    /// The value `text` holds for `ask`, checked against its range.
    fn read_answer(
        &mut self,
        here: StateId,
        ask: &Ask,
        text: &str,
    ) -> Result<serde_json::Value, Refusal> {
        let Some(expect) = &ask.expect else {
            return Ok(serde_json::Value::from(text.trim()));
        };
        let today = self.at.with_timezone(&Rome).date_naive();
        let value = expect.read(text, today).ok_or(Refusal::Unreadable)?;
        if ask.min.is_none() && ask.max.is_none() {
            return Ok(value);
        }
        let context = self.context(self.d.state(here), BTreeMap::new());
        let min = ask
            .min
            .as_ref()
            .and_then(|b| self.evaluate(&b.expression, &context));
        let max = ask
            .max
            .as_ref()
            .and_then(|b| self.evaluate(&b.expression, &context));
        let given = Value::from_serialize(&value);
        let below = min.as_ref().is_some_and(|m| before(&given, m));
        let above = max.as_ref().is_some_and(|m| before(m, &given));
        if below || above {
            return Err(Refusal::OutOfRange { min, max });
        }
        Ok(value)
    }

    /// The target of the first branch whose condition holds, else the default. A
    /// condition that fails to evaluate counts as false and is recorded.
    pub(super) fn follow(&mut self, goto: &Goto, context: &Value) -> StateId {
        for branch in &goto.branches {
            if self
                .evaluate(&branch.condition, context)
                .is_some_and(|v| v.is_true())
            {
                return branch.target;
            }
        }
        goto.otherwise
    }

    /// An expression's value; a failure is a recorded problem and no value.
    fn evaluate(&mut self, expression: &str, context: &Value) -> Option<Value> {
        match self.d.templates.eval(expression, context) {
            Ok(value) => Some(value),
            Err(err) => {
                self.problems
                    .push(format!("expression `{expression}`: {err}"));
                None
            }
        }
    }

    /// What to write instead, in the citizen's language.
    fn hint(&self, here: StateId, ask: &Ask, refusal: &Refusal) -> String {
        let Some(expect) = &ask.expect else {
            return String::new();
        };
        let (it, en) = match refusal {
            Refusal::OutOfRange { min, max } => {
                let shown = |v: &Value| match expect {
                    Expect::Date => v
                        .as_str()
                        .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
                        .map_or_else(|| v.to_string(), |d| d.format("%d/%m/%Y").to_string()),
                    _ => v.to_string(),
                };
                match (min.as_ref().map(shown), max.as_ref().map(shown)) {
                    (Some(min), Some(max)) => (
                        format!("Deve essere tra {min} e {max}."),
                        format!("It must be between {min} and {max}."),
                    ),
                    (Some(min), None) => (
                        format!("Deve essere almeno {min}."),
                        format!("It must be at least {min}."),
                    ),
                    (None, Some(max)) => (
                        format!("Deve essere al massimo {max}."),
                        format!("It must be at most {max}."),
                    ),
                    (None, None) => return String::new(),
                }
            }
            Refusal::Unreadable => match expect {
                Expect::Year => (
                    "Scrivi l'anno con quattro cifre, per esempio 2008.".to_owned(),
                    "Please write the year with four digits, for example 2008.".to_owned(),
                ),
                Expect::Number => (
                    "Scrivi un numero, per esempio 18.".to_owned(),
                    "Please write a number, for example 18.".to_owned(),
                ),
                Expect::Date => (
                    "Scrivi una data, per esempio 15/03/2008.".to_owned(),
                    "Please write a date, for example 15/03/2008.".to_owned(),
                ),
                Expect::YesNo => (
                    "Rispondi sì o no.".to_owned(),
                    "Please answer yes or no.".to_owned(),
                ),
                Expect::Email => (
                    "Scrivi un indirizzo email, per esempio nome@esempio.it.".to_owned(),
                    "Please write an e-mail address, for example name@example.com.".to_owned(),
                ),
                Expect::Phone => (
                    "Scrivi un numero di telefono, per esempio 06 1234 5678.".to_owned(),
                    "Please write a phone number, for example +39 06 1234 5678.".to_owned(),
                ),
                Expect::Choice(choices) => {
                    let flow_lang = &self.d.flow_of(here).lang;
                    let names: Vec<&str> = choices
                        .iter()
                        .map(|c| c.label.get(&self.session.lang, flow_lang))
                        .collect();
                    let list = names.join(", ");
                    (
                        format!("Scegli una di queste risposte: {list}."),
                        format!("Please choose one of: {list}."),
                    )
                }
                Expect::Pattern(_) => return String::new(),
            },
        };
        if self.session.lang == "en" { en } else { it }
    }
}

/// Whether `a` comes before `b`: numbers by value, dates (`YYYY-MM-DD`) as text.
fn before(a: &Value, b: &Value) -> bool {
    match (f64::try_from(a.clone()), f64::try_from(b.clone())) {
        (Ok(a), Ok(b)) => a < b,
        _ => match (a.as_str(), b.as_str()) {
            (Some(a), Some(b)) => a < b,
            _ => false,
        },
    }
}
