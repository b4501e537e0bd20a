//! `sportello explain "…"`: how the bot reads one message — the corrections and
//! synonyms applied, the words that weigh, the best candidates with their scores and
//! examples, and what it decides — so staff see which example to add.

use std::fmt::Write as _;

use crate::dialogue::Dialogues;
use crate::understand::{Decision, FaqIndex, decide};

/// The explanation of `text` as read in the main menu.
pub fn explain(d: &Dialogues, faqs: &FaqIndex, text: &str) -> String {
    let understanding = &d.understanding;
    let spellings = [understanding.index.spelling(), faqs.index().spelling()];
    let message = understanding.analyzer.read(text, &spellings);
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
                let (weight, known) = understanding.index.weight(lang, &s.text);
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
    let main = d.settings.main;
    let mut ranked: Vec<(String, f32, String)> = Vec::new();
    for scored in understanding.index.rank(&message) {
        let intent = scored.candidate;
        if intent.scope.is_none_or(|s| s == main) {
            let name = d.state(intent.target).qualified.clone();
            if !ranked.iter().any(|(n, _, _)| *n == name) {
                ranked.push((name, scored.score, scored.example.to_owned()));
            }
        }
    }
    for scored in faqs.index().rank(&message) {
        if let Some(faq) = faqs.get(*scored.candidate) {
            ranked.push((
                format!("faq:{}", faq.key),
                scored.score,
                scored.example.to_owned(),
            ));
        }
    }
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    let _ = writeln!(out, "Candidati:");
    for (name, score, example) in ranked.iter().take(5) {
        let _ = writeln!(out, "  {score:.2}  {name:<36} «{example}»");
    }
    if ranked.is_empty() {
        let _ = writeln!(out, "  nessuno");
    }
    let scores: Vec<(String, f32)> = ranked.iter().map(|(n, s, _)| (n.clone(), *s)).collect();
    let decision = match decide(&scores) {
        Decision::Clear(name) => format!("risponde con {name}"),
        Decision::Close(names) => format!("chiede «Intendevi…?» tra {}", names.join(", ")),
        Decision::Unsure => "non capisce: risposta di ripiego".to_owned(),
    };
    let _ = writeln!(out, "Decisione: {decision}");
    out
}
