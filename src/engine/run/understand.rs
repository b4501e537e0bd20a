//! Free text that is not an answer, a typed button or a regex: what the citizen most
//! likely means, from the examples of the state's rules and buttons, the intents,
//! flow titles and the FAQs, ranked together; plus the small words every service
//! understands (yes, no, back, thanks, bye) and «Intendevi…?» when two are close.

use std::collections::BTreeMap;

use minijinja::Value;

use super::{Run, Step};
use crate::content::Faq;
use crate::dialogue::StateId;
use crate::engine::Outcome;
use crate::engine::candidates::{Candidate, Choice, best_reading};
use crate::engine::io::{OutButton, Outbound};
use crate::understand::{
    Decision, NO_WORDS, THANKS_WORDS, YES_WORDS, decide, is_courtesy, only_courtesy, words,
};

/// Payload prefix of a «Intendevi…?» choice; `?-` is «Nessuna di queste».
const CHOICE: &str = "?";
const NONE_OF_THESE: &str = "?-";
/// Words a message of thanks or goodbye has at most ("grazie mille, siete stati
/// gentilissimi, buona serata").
const SMALL_TALK_WORDS: usize = 8;

const BACK: &[&str] = &["indietro", "torna indietro", "back", "go back", "torna"];
const THANKS: &[&str] = &[
    "grazie",
    "grazie mille",
    "grazie tante",
    "grazie ancora",
    "grz",
    "thx",
    "thanks",
    "thank you",
    "thanks a lot",
    "ty",
    "ok grazie",
    "perfetto grazie",
    "grazie ciao",
    "molto gentile",
    "gentilissimi",
];
/// Phrases that take leave: alone or with courtesy around them a goodbye (`is_goodbye`),
/// and within a longer message small talk when nothing else in it is understood, as
/// thanks are (`THANKS_WORDS`).
const BYE_PHRASES: &[&str] = &[
    "ciao ciao",
    "a presto",
    "arrivederci",
    "bye",
    "goodbye",
    "buona giornata",
    "buona serata",
    "buonanotte",
    "ci sentiamo",
    "alla prossima",
    "see you",
    "a dopo",
];

impl Run<'_> {
    /// The built-in small words: back, yes/no at a state offering them, thanks, bye.
    pub(super) fn small_words(&mut self, here: StateId, typed: &str) -> Option<Step<()>> {
        let state = self.d.state(here);
        if BACK.contains(&typed) {
            let back = button_starting(state, &["indietro", "back", "torna"])
                .or_else(|| button_containing(state, &["indietro", "back"]));
            let flow_start = self.d.flows[state.flow].start;
            let target = back.unwrap_or(if flow_start == here {
                self.d.settings.main
            } else {
                flow_start
            });
            return Some(self.enter(target));
        }
        if YES_WORDS.contains(&typed)
            && let Some(target) = button_starting(state, &["si", "yes", "ok", "conferma"])
        {
            return Some(self.enter(target));
        }
        if NO_WORDS.contains(&typed)
            && let Some(target) = button_starting(state, &["no", "annulla", "cancel"])
        {
            return Some(self.enter(target));
        }
        if THANKS.contains(&typed) {
            Some(self.small_talk(here, Outcome::Thanks))
        } else {
            let plain = words(typed);
            if is_goodbye(&plain) {
                return Some(self.small_talk(here, Outcome::Bye));
            }
            if !only_courtesy(&plain) {
                return None;
            }
            // Nothing but a greeting ("ciaooo", "salve a tutti"), unless thanks or a
            // goodbye is among it: the main menu, as for a first message.
            self.small_talk_within(here, &plain.join(" ")).or_else(|| {
                self.session.misses = 0;
                Some(self.enter(self.d.settings.main))
            })
        }
    }

    /// Thanks or a goodbye somewhere in a short message nothing else in is
    /// understood (in a long one, they close a question we missed).
    pub(super) fn small_talk_within(&mut self, here: StateId, typed: &str) -> Option<Step<()>> {
        if typed.split(' ').count() > SMALL_TALK_WORDS {
            return None;
        }
        let padded = format!(" {typed} ");
        if typed.split(' ').any(|w| THANKS_WORDS.contains(&w)) {
            return Some(self.small_talk(here, Outcome::Thanks));
        }
        if BYE_PHRASES
            .iter()
            .any(|p| padded.contains(&format!(" {p} ")))
        {
            return Some(self.small_talk(here, Outcome::Bye));
        }
        None
    }

    /// The kind answer to thanks or a goodbye.
    fn small_talk(&mut self, here: StateId, outcome: Outcome) -> Step<()> {
        let text = match outcome {
            Outcome::Bye => &self.d.settings.fallback.bye,
            _ => &self.d.settings.fallback.thanks,
        };
        self.say_fixed(text, here);
        self.outcome = outcome;
        self.session.misses = 0;
        Ok(())
    }

    /// Ranks `text` against every example in scope at `here` (its rules and the
    /// buttons on offer, the intents, the FAQs); long messages are judged by each
    /// sentence too, and the best reading wins.
    pub(super) fn understand(&mut self, here: StateId, text: &str) -> Step<bool> {
        let (best, _) = best_reading(self.d, self.faqs, &self.session.lang, here, text);
        let scores: Vec<(Choice, f32)> = best.iter().map(|c| (c.choice, c.score)).collect();
        let decision = decide(&scores);
        if matches!(decision, Decision::Unsure)
            && let Some(step) = self.small_talk_within(here, &crate::text::normalize(text))
        {
            return step.map(|()| true);
        }
        match decision {
            Decision::Clear(choice) => self.take(here, choice).map(|()| true),
            Decision::Close(choices) => {
                let offered: Vec<&Candidate> = choices
                    .iter()
                    .filter_map(|choice| best.iter().find(|c| c.choice == *choice))
                    .collect();
                self.did_you_mean(here, &offered);
                Ok(true)
            }
            Decision::Unsure => Ok(false),
        }
    }

    /// The FAQ that best answers `text`, if one is plausible (the `faq` action: the
    /// citizen asked a question, so the best plausible answer beats none).
    pub(super) fn best_faq(&self, text: &str) -> Option<&Faq> {
        let understanding = &self.d.understanding;
        let spellings = [understanding.index.spelling(), self.faqs.index().spelling()];
        let message = understanding.analyzer.read(text, &spellings);
        let ranked: Vec<(usize, f32)> = self
            .faqs
            .index()
            .rank(&message)
            .into_iter()
            .map(|s| (*s.candidate, s.score))
            .collect();
        match decide(&ranked) {
            Decision::Clear(position) => self.faqs.get(position),
            Decision::Close(close) => close.first().and_then(|p| self.faqs.get(*p)),
            Decision::Unsure => None,
        }
    }

    /// Goes where `choice` leads.
    pub(super) fn take(&mut self, here: StateId, choice: Choice) -> Step<()> {
        self.session.misses = 0;
        match choice {
            Choice::State(target) => self.enter(target),
            Choice::Faq(position) => {
                if let Some(faq) = self.faqs.get(position) {
                    self.answer_faq(here, faq)?;
                    self.outcome = Outcome::Faq(faq.key.clone());
                }
                Ok(())
            }
        }
    }

    /// A FAQ's answer, through the dialogues' template when they have one.
    pub(super) fn answer_faq(&mut self, here: StateId, faq: &Faq) -> Step<()> {
        let state = self.d.state(here);
        if let Some(answer) = &self.d.settings.fallback.answer {
            let mut values = BTreeMap::new();
            values.insert("faq", Value::from_serialize(faq));
            let context = self.context(state, values);
            self.say(answer, here, &context);
        } else {
            self.say_plain(&faq.answer);
        }
        self.attach_options(here)
    }

    /// «Intendevi…?» with the close candidates and «Nessuna di queste».
    fn did_you_mean(&mut self, here: StateId, choices: &[&Candidate]) {
        let lang = self.session.lang.clone();
        let flow_lang = self.d.flow_of(here).lang.clone();
        let fallback = &self.d.settings.fallback;
        let mut buttons: Vec<OutButton> = Vec::new();
        let mut offered = Vec::new();
        for choice in choices {
            let Some((label, id)) = self.describe(choice, &lang, &flow_lang) else {
                continue;
            };
            buttons.push(OutButton {
                label,
                payload: format!("{CHOICE}{id}"),
            });
            offered.push(id);
        }
        buttons.push(OutButton {
            label: fallback.none_of_these.get(&lang, &flow_lang).to_owned(),
            payload: NONE_OF_THESE.to_owned(),
        });
        self.replies.push(Outbound {
            text: html_escape::encode_text(fallback.did_you_mean.get(&lang, &flow_lang))
                .into_owned(),
            buttons,
        });
        self.session.offered = offered;
        self.outcome = Outcome::DidYouMean(self.session.offered.clone());
    }

    /// A choice's button label (its closest example, the FAQ's question, or a flow's
    /// title for its start) and its id (`flow.state` or `faq:key`).
    fn describe(
        &self,
        candidate: &Candidate,
        lang: &str,
        flow_lang: &str,
    ) -> Option<(String, String)> {
        match candidate.choice {
            Choice::Faq(position) => {
                let faq = self.faqs.get(position)?;
                Some((short_label(&faq.question), format!("faq:{}", faq.key)))
            }
            Choice::State(target) => {
                let state = self.d.state(target);
                let flow = &self.d.flows[state.flow];
                let label = match &flow.title {
                    Some(title) if flow.start == target => title.get(lang, flow_lang).to_owned(),
                    _ => candidate.example.clone(),
                };
                Some((short_label(&label), state.qualified.clone()))
            }
        }
    }

    /// A pressed «Intendevi…?» button (or its number typed): `None` when `payload`
    /// is not one.
    pub(super) fn on_choice(&mut self, payload: &str) -> Option<Step<()>> {
        let id = payload.strip_prefix(CHOICE)?;
        let here = self.current().unwrap_or(self.d.settings.main);
        self.session.offered.clear();
        if payload == NONE_OF_THESE {
            return Some(self.not_understood());
        }
        Some(self.choose(here, id))
    }

    /// The choice named `id` (`faq:key` or `flow.state`).
    pub(super) fn choose(&mut self, here: StateId, id: &str) -> Step<()> {
        self.session.offered.clear();
        if let Some(step) = self.on_forget(id) {
            return step;
        }
        let choice = match id.strip_prefix("faq:") {
            Some(key) => self
                .faqs
                .find(key)
                .map(|(position, _)| Choice::Faq(position)),
            None => self.d.find(id).map(Choice::State),
        };
        match choice {
            Some(choice) => self.take(here, choice),
            // Gone with a reload of the dialogues or the content.
            None => self.not_understood(),
        }
    }
}

/// Whether `words` take leave and say nothing else ("ciao ciao a presto", "ok
/// allora a presto, buona serata"): a goodbye phrase, with only courtesy around it.
fn is_goodbye(words: &[String]) -> bool {
    if words.len() > SMALL_TALK_WORDS {
        return false;
    }
    let mut rest = format!(" {} ", words.join(" "));
    let mut found = false;
    for phrase in BYE_PHRASES {
        let padded = format!(" {phrase} ");
        while let Some(at) = rest.find(&padded) {
            rest.replace_range(at..at + padded.len(), " ");
            found = true;
        }
    }
    found
        && rest
            .split_whitespace()
            .all(|w| GOODBYE_FILLERS.contains(&w) || is_courtesy(w))
}

/// Words that go with a goodbye without asking anything.
const GOODBYE_FILLERS: &[&str] = &[
    "ok", "okay", "allora", "bene", "va", "e", "a", "tutti", "tutto", "posto", "cosi",
];

/// A button label of reasonable length, first letter capitalized.
fn short_label(text: &str) -> String {
    let text = text.trim();
    let mut label: String = text.chars().take(60).collect();
    if text.chars().count() > 60 {
        label.push('…');
    }
    let mut chars = label.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => label,
    }
}

/// The target of a button whose label (emoji and punctuation aside) starts with one
/// of `words`.
fn button_starting(state: &crate::dialogue::State, words: &[&str]) -> Option<StateId> {
    state
        .buttons
        .iter()
        .find(|b| {
            b.typed_forms.iter().any(|form| {
                let first = form.split(' ').next().unwrap_or_default();
                words.contains(&first)
            })
        })
        .map(|b| b.target)
}

fn button_containing(state: &crate::dialogue::State, words: &[&str]) -> Option<StateId> {
    state
        .buttons
        .iter()
        .find(|b| {
            b.typed_forms
                .iter()
                .any(|form| form.split(' ').any(|w| words.contains(&w)))
        })
        .map(|b| b.target)
}
