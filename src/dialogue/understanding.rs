//! The dialogues' examples, indexed for `understand`: every `match` rule and button
//! label where it is offered, every intent everywhere.

use std::sync::Arc;

use super::model::{Intent, Settings, State, StateId, Understanding};
use crate::understand::{Analyzer, Index, Written};

/// Indexes the examples of `states` and `settings`.
pub(crate) fn build(settings: &Settings, states: &[State]) -> Understanding {
    let analyzer = Arc::new(Analyzer::new(
        &settings.languages,
        settings
            .synonyms
            .iter()
            .map(|(from, to)| (from.as_str(), to.as_str())),
    ));
    let mut written = Vec::new();
    let mut add = |scope: Option<StateId>, target: StateId, lang: &str, text: &str| {
        written.push(Written {
            candidate: Intent { scope, target },
            lang: lang.to_owned(),
            text: text.to_owned(),
        });
    };
    for (i, state) in states.iter().enumerate() {
        let here = Some(StateId(i as u32));
        for rule in &state.rules {
            for example in &rule.examples {
                add(here, rule.target, &example.lang, &example.text);
            }
        }
        for button in &state.buttons {
            for (lang, label) in &button.label.0 {
                add(here, button.target, lang, label);
            }
        }
    }
    for rule in &settings.intents {
        for example in &rule.examples {
            add(None, rule.target, &example.lang, &example.text);
        }
    }
    let off_topic = &settings.fallback.off_topic;
    let off_topic_texts: Vec<&str> = off_topic.iter().map(|e| e.text.as_str()).collect();
    let off_topic = off_topic.iter().map(|example| Written {
        candidate: (),
        lang: example.lang.clone(),
        text: example.text.clone(),
    });
    Understanding {
        // Its spelling knows the off-topic words too: "postale" is no typo of "portale".
        index: Index::build_knowing(&analyzer, written, &off_topic_texts),
        // All off-topic examples are one candidate of many subjects: the service words
        // they share ("prova", "iscrizione") must not add up to one.
        off_topic: Index::build(&analyzer, off_topic).each_example_alone(),
        analyzer,
    }
}
