//! An `ask`: the slot, the question and its retry text, what answer is expected
//! (a kind such as `year`, choices, or a regex) and the range it must fall in.

use std::sync::Arc;

use serde_saphyr::Spanned;

use super::Builder;
use super::names::Names;
use crate::dialogue::expect::{Bound, Choice, Expect, KINDS};
use crate::dialogue::model::{Ask, StateId};
use crate::dialogue::raw::RawAsk;
use crate::dialogue::suggest::did_you_mean_tails;
use crate::say;
use crate::staff_language::Message;
use crate::text::normalize;

impl Builder {
    /// Builds an `ask` of the state `qualified`.
    pub(super) fn ask(
        &mut self,
        names: &Names,
        (file, flow, flow_lang): (&Arc<str>, &str, &str),
        qualified: &str,
        raw: &Spanned<RawAsk>,
        in_scope: &[&str],
    ) -> Ask {
        let raw = &raw.value;
        let prompt = raw
            .prompt
            .as_ref()
            .map(|p| self.template(file, &format!("{qualified}#prompt"), p, flow_lang, in_scope));
        let retry = raw
            .retry
            .as_ref()
            .map(|r| self.template(file, &format!("{qualified}#retry"), r, flow_lang, in_scope));
        let expect = raw
            .expect
            .as_ref()
            .and_then(|e| self.expect(file, flow_lang, e, raw));
        let ordered = expect.as_ref().is_some_and(Expect::has_order);
        let bound = |builder: &mut Builder, written: &Option<Spanned<_>>, what: &str| {
            let written = written.as_ref()?;
            if !ordered {
                let at = builder.at(file, &written.referenced);
                builder.error(at, say!("`{what}` needs `expect: year`, `number` or `date`: only those have an order", "`{what}` vale solo con `expect: year`, `number` o `date`: solo quelle risposte hanno un ordine"));
                return None;
            }
            let label = Message::new(format!("`{what}`"), format!("`{what}`"));
            builder
                .expression(file, written, &label, in_scope)
                .map(|expression| Bound { expression })
        };
        let min = bound(self, &raw.min, "min");
        let max = bound(self, &raw.max, "max");
        Ask {
            slot: raw.slot.value.clone(),
            prompt,
            expect,
            min,
            max,
            retry,
            max_tries: raw.max_tries.unwrap_or(3).max(1),
            escape: self
                .resolve(names, flow, &raw.escape, file)
                .unwrap_or(StateId(0)),
        }
    }

    /// What `expect:` names: a kind, else a regex. Choices need `expect: choice`.
    fn expect(
        &mut self,
        file: &Arc<str>,
        flow_lang: &str,
        written: &Spanned<String>,
        raw: &RawAsk,
    ) -> Option<Expect> {
        let name = written.value.trim();
        let position = self.at(file, &written.referenced);
        let expect = match Expect::kind(name) {
            Some(Expect::Choice(_)) => {
                let Some(choices) = &raw.choices else {
                    self.error(position, say!("`expect: choice` needs `choices:`, the answers accepted, e.g. choices: [Liceo, Tecnico, Professionale]", "`expect: choice` vuole `choices:`, le risposte accettate, per esempio choices: [Liceo, Tecnico, Professionale]"));
                    return None;
                };
                let built: Vec<Choice> = choices
                    .value
                    .iter()
                    .map(|choice| {
                        let label = self.plain_text(file, choice, flow_lang);
                        let value = label.get(flow_lang, flow_lang).to_owned();
                        let typed_forms = label.0.iter().map(|(_, l)| normalize(l)).collect();
                        Choice {
                            label,
                            value,
                            typed_forms,
                        }
                    })
                    .collect();
                if built.len() < 2 {
                    let at = self.at(file, &choices.referenced);
                    self.error(
                        at,
                        say!(
                            "`choices` needs at least two answers",
                            "`choices` vuole almeno due risposte"
                        ),
                    );
                }
                return Some(Expect::Choice(built));
            }
            Some(kind) => kind,
            // A lone word that is almost a kind ("years", "numero") is a typo, not a regex.
            None if name.chars().all(|c| c.is_ascii_alphabetic() || c == '_') => {
                let (hint, forse) = did_you_mean_tails(name, &KINDS);
                let kinds = KINDS.join(", ");
                self.error(position, say!("`expect: {name}` is not a kind of answer{hint} (kinds: {kinds}; anything else is read as a regex, so write a word as ^{name}$)", "`expect: {name}` non è un tipo di risposta{forse} (tipi: {kinds}; tutto il resto è letto come regex, quindi una parola si scrive ^{name}$)"));
                return None;
            }
            None => Expect::Pattern(self.regex(file, written)?),
        };
        if let Some(choices) = &raw.choices {
            let at = self.at(file, &choices.referenced);
            self.error(
                at,
                say!(
                    "`choices` only count with `expect: choice`",
                    "`choices` vale solo con `expect: choice`"
                ),
            );
        }
        Some(expect)
    }
}
