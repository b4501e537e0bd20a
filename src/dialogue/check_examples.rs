//! Findings about example sentences: an example that reads closer to another intent
//! than to its own (left out, where would it lead?), one written for two intents, and
//! one with no informative word at all.

use std::collections::HashMap;

use super::diagnostic::{Diagnostic, Report};
use super::model::{Dialogues, Example, Intent, StateId};
use crate::say;
use crate::text::normalize;

/// How far ahead another intent must be for an example to count as misplaced.
const AHEAD: f32 = 0.25;

/// Warns about misplaced and shared examples.
pub(super) fn lint_examples(d: &Dialogues, report: &mut Report) {
    let mut by_text: HashMap<(String, String), (StateId, Option<StateId>)> = HashMap::new();
    let global = d.settings.intents.iter().map(|rule| (None, rule));
    let local = d.states.iter().enumerate().flat_map(|(i, state)| {
        state
            .rules
            .iter()
            .map(move |rule| (Some(StateId(i as u32)), rule))
    });
    for (scope, rule) in global.chain(local) {
        for example in &rule.examples {
            let key = (example.lang.clone(), normalize(&example.text));
            match by_text.get(&key) {
                Some((target, other_scope)) if *target != rule.target && *other_scope == scope => {
                    let (text, other) = (&example.text, &d.state(*target).qualified);
                    report.push(Diagnostic::warning(
                        example.position.clone(),
                        say!(
                            "the example «{text}» is also written for `{other}`: the two intents compete for it; keep it in one",
                            "l'esempio «{text}» è scritto anche per `{other}`: le due regole se lo contendono; lascialo in una sola"
                        ),
                    ));
                }
                Some(_) => {}
                None => {
                    by_text.insert(key, (rule.target, scope));
                }
            }
            misplaced(d, scope, rule.target, example, report);
        }
    }
}

/// Where `example` would lead without itself: a warning when another intent in the
/// same place would win.
fn misplaced(
    d: &Dialogues,
    scope: Option<StateId>,
    target: StateId,
    example: &Example,
    report: &mut Report,
) {
    let understanding = &d.understanding;
    let message = understanding
        .analyzer
        .read(&example.text, &[understanding.index.spelling()]);
    let lang = understanding.analyzer.language_index(&example.lang);
    if message.stems.get(lang).is_none_or(Vec::is_empty) {
        let text = &example.text;
        report.push(Diagnostic::warning(
            example.position.clone(),
            say!(
                "the example «{text}» has no word that tells one question from another (only greetings, thanks or words like «il», «per», «vorrei»): it never matches; write what the citizen asks about",
                "l'esempio «{text}» non ha nessuna parola che distingua una domanda dall'altra (solo saluti, ringraziamenti o parole come «il», «per», «vorrei»): non verrà mai riconosciuto; scrivi di cosa chiede il cittadino"
            ),
        ));
        return;
    }
    let visible = |intent: &Intent| intent.scope.is_none() || intent.scope == scope;
    let ranked = understanding
        .index
        .rank_without(&message, Some(&example.text));
    let own = ranked
        .iter()
        .find(|s| s.candidate.target == target && visible(s.candidate))
        .map_or(0.0, |s| s.score);
    if let Some(off) = understanding.off_topic.rank(&message).first()
        && off.score >= (own + crate::understand::OFF_TOPIC_MARGIN).max(0.5)
    {
        let text = &example.text;
        let (like, target) = (&off.example, &d.state(target).qualified);
        report.push(Diagnostic::warning(
            example.position.clone(),
            say!(
                "the example «{text}» reads like what the service does not answer (`fallback.off_topic`: «{like}») more than like `{target}`: citizens who write it get the fallback; make it more specific or change that off-topic example",
                "l'esempio «{text}» somiglia più a ciò che il servizio non tratta (`fallback.off_topic`: «{like}») che a `{target}`: chi lo scrive riceve il messaggio di ripiego; rendilo più preciso o cambia quell'esempio fuori tema"
            ),
        ));
        return;
    }
    let Some(rival) = ranked
        .iter()
        .find(|s| s.candidate.target != target && visible(s.candidate))
    else {
        return;
    };
    if rival.score > own + AHEAD && rival.score >= 0.7 {
        let text = &example.text;
        let (other, like, score) = (
            &d.state(rival.candidate.target).qualified,
            &rival.example,
            rival.score,
        );
        let target = &d.state(target).qualified;
        report.push(Diagnostic::warning(
            example.position.clone(),
            say!(
                "the example «{text}» reads closer to `{other}` (like «{like}», {score:.2}) than to its own `{target}` ({own:.2}): citizens who write it may land there; make it more specific or add examples to `{target}`",
                "l'esempio «{text}» somiglia più a `{other}` (come «{like}», {score:.2}) che al suo `{target}` ({own:.2}): chi lo scrive rischia di finire lì; rendilo più preciso o aggiungi esempi a `{target}`"
            ),
        ));
    }
}
