//! `sportello explain "…"`: how the bot reads one message — the corrections and
//! synonyms applied, the words that weigh, the best candidates with their scores and
//! examples, and what it decides — so staff see which example to add.

use std::fmt::Write as _;

use crate::dialogue::Dialogues;
use crate::engine::{best_reading, choice_name, off_topic, read};
use crate::understand::{Decision, FaqIndex, decide};

/// The explanation of `text` as read in the main menu: the engine's own reading,
/// with the sentence or passage of a long message it was judged by.
pub fn explain(d: &Dialogues, faqs: &FaqIndex, text: &str) -> String {
    let understanding = &d.understanding;
    let message = read(d, faqs, text);
    let mut out = String::new();
    let _ = writeln!(out, "Messaggio: «{text}»");
    let _ = writeln!(out, "Parole lette: {}", message.words.join(" "));
    if !message.corrections.is_empty() {
        let _ = writeln!(out, "Correzioni: {}", message.corrections.join(", "));
    }
    if !message.synonyms.is_empty() {
        let _ = writeln!(out, "Sinonimi: {}", message.synonyms.join(", "));
    }
    let languages = understanding.analyzer.languages();
    for (lang, stems) in message.stems.iter().enumerate() {
        let code = languages.get(lang).map_or("?", |l| l.code.as_str());
        let shown: Vec<String> = stems
            .iter()
            .map(|s| {
                let (weight, known) = understanding.index.weight(lang, s);
                let mark = match (s.corrected, known) {
                    (true, _) => " corretta",
                    (false, false) => " sconosciuta",
                    (false, true) => "",
                };
                format!("{} {weight:.2}{mark}", s.text)
            })
            .collect();
        let _ = writeln!(out, "Radici [{code}] (peso): {}", shown.join(", "));
    }
    if let Some((score, _, example)) = off_topic(d, &message) {
        let _ = writeln!(
            out,
            "Fuori tema (fallback.off_topic): {score:.2} «{example}»"
        );
    }
    let (ranked, part) = best_reading(d, faqs, &d.settings.default_lang, d.settings.main, text);
    if let Some(part) = part {
        let _ = writeln!(out, "Giudicato dalla parte: «{part}»");
    }
    let _ = writeln!(out, "Candidati:");
    for candidate in ranked.iter().take(5) {
        let name = choice_name(d, faqs, candidate.choice);
        let _ = writeln!(
            out,
            "  {:.2}  {name:<36} «{}»",
            candidate.score, candidate.example
        );
    }
    if ranked.is_empty() {
        let _ = writeln!(out, "  nessuno");
    }
    let scores: Vec<(String, f32)> = ranked
        .iter()
        .map(|c| (choice_name(d, faqs, c.choice), c.score))
        .collect();
    let decision = match decide(&scores) {
        Decision::Clear(name) => format!("risponde con {name}"),
        Decision::Close(names) => format!("chiede «Intendevi…?» tra {}", names.join(", ")),
        Decision::Unsure => "non capisce: risposta di ripiego".to_owned(),
    };
    let _ = writeln!(out, "Decisione: {decision}");
    out
}

/// The best candidate for `text` as read at `state` (`flow.state`; the main menu when
/// the dialogues no longer have it), with its score: what `unanswered` shows staff so
/// they can add the message as an example of it.
pub fn best_candidate(
    d: &Dialogues,
    faqs: &FaqIndex,
    state: &str,
    text: &str,
) -> Option<(String, f32)> {
    let here = d.find(state).unwrap_or(d.settings.main);
    best_reading(d, faqs, &d.settings.default_lang, here, text)
        .0
        .first()
        .map(|c| (choice_name(d, faqs, c.choice), c.score))
}
