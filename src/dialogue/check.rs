//! Lints over a built dialogue graph: reachability, dead ends, loops without input,
//! and the limits of the channels the texts will travel on.

use std::collections::VecDeque;

use super::diagnostic::{Diagnostic, Report};
use super::limits::{TELEGRAM_CALLBACK_LIMIT, TELEGRAM_TEXT_LIMIT};
use super::model::{Action, Dialogues, StateId, successors};
use super::payload::button_payload;
use super::template::TemplateSite;
use crate::say;

/// Adds the lint findings for `d` to `report`.
pub(super) fn lint(d: &Dialogues, sites: &[TemplateSite], report: &mut Report) {
    let reachable = reachable(d);
    for (index, state) in d.states.iter().enumerate() {
        let at = || state.position.clone();
        let name = &state.qualified;
        if !reachable[index] {
            report.push(Diagnostic::warning(
                at(),
                say!(
                    "state `{name}` cannot be reached from any command, flow start or other state",
                    "lo stato `{name}` non è raggiungibile: nessun comando, inizio di flusso o altro stato porta qui"
                ),
            ));
        }
        // A state handing the citizen to a person waits for the person.
        let hands_off = state
            .actions
            .iter()
            .any(|a| matches!(a, crate::dialogue::Action::Handoff { .. }));
        if !state.waits() && state.goto.is_none() && !state.end && !hands_off {
            report.push(Diagnostic::error(
                at(),
                say!(
                    "state `{name}` is a dead end: give it buttons, match, ask or goto, or mark it `end: true`",
                    "lo stato `{name}` è un vicolo cieco: il cittadino non può andare avanti; aggiungi `buttons`, `match`, `ask` o `goto`, oppure segna la fine con `end: true`"
                ),
            ));
        }
        if state.goto.is_some() && state.ask.is_none() && state.waits() {
            report.push(Diagnostic::error(
                at(),
                say!(
                    "state `{name}` waits for a button or text, so its `goto` would never be followed; move the buttons to the next state or drop the goto",
                    "lo stato `{name}` aspetta un pulsante o un testo, quindi il suo `goto` non verrebbe mai seguito; sposta i pulsanti nello stato successivo o togli il `goto`"
                ),
            ));
        }
        if !state.buttons.is_empty() && state.say.is_none() {
            report.push(Diagnostic::error(
                at(),
                say!(
                    "state `{name}` has buttons but no `say` to show them with",
                    "lo stato `{name}` ha dei pulsanti ma nessun `say` con cui mostrarli"
                ),
            ));
        }
        for action in &state.actions {
            if let Action::Language(code) = action
                && !d.settings.languages.contains(code)
            {
                let languages = d.settings.languages.join(", ");
                report.push(Diagnostic::error(
                    at(),
                    say!(
                        "language `{code}` is not one of the bot's `languages` ({languages}) in sportello.yaml",
                        "la lingua `{code}` non è tra le lingue del bot (`languages`: {languages}) in sportello.yaml"
                    ),
                ));
            }
        }
        lint_buttons(d, StateId(index as u32), report);
    }
    for cycle_start in goto_cycles(d) {
        let state = d.state(cycle_start);
        let name = &state.qualified;
        report.push(Diagnostic::error(
            state.position.clone(),
            say!(
                "`goto` from `{name}` loops back to it without waiting for the citizen",
                "da `{name}` i `goto` tornano a `{name}` senza mai aspettare il cittadino: un giro senza fine"
            ),
        ));
    }
    super::check_examples::lint_examples(d, report);
    super::check_texts::lint_texts(d, sites, report);
    for site in sites {
        let length = site.source_len;
        if length > TELEGRAM_TEXT_LIMIT {
            report.push(Diagnostic::warning(
                site.position.clone(),
                say!(
                    "text is {length} characters; Telegram allows {TELEGRAM_TEXT_LIMIT} per message, so it will be sent in parts",
                    "il testo è di {length} caratteri; Telegram ne accetta {TELEGRAM_TEXT_LIMIT} per messaggio, quindi verrà inviato in più parti"
                ),
            ));
        }
    }
}

fn lint_buttons(d: &Dialogues, id: StateId, report: &mut Report) {
    let state = d.state(id);
    super::check_menus::lint_whatsapp_menu(d, id, report);
    for (index, button) in state.buttons.iter().enumerate() {
        let payload = button_payload(&state.qualified, index);
        let bytes = payload.len();
        if bytes > TELEGRAM_CALLBACK_LIMIT {
            report.push(Diagnostic::error(
                button.position.clone(),
                say!(
                    "button id `{payload}` is {bytes} bytes; Telegram allows {TELEGRAM_CALLBACK_LIMIT}: shorten the flow or state name",
                    "l'identificativo del pulsante `{payload}` è di {bytes} byte; Telegram ne accetta {TELEGRAM_CALLBACK_LIMIT}: accorcia il nome del flusso o dello stato"
                ),
            ));
        }
        let duplicate = state.buttons[..index]
            .iter()
            .any(|b| b.typed_forms.iter().any(|f| button.typed_forms.contains(f)));
        if duplicate {
            report.push(Diagnostic::warning(
                button.position.clone(),
                say!(
                    "two buttons have the same label; typing it picks the first",
                    "due pulsanti hanno la stessa etichetta; chi la scrive ottiene il primo"
                ),
            ));
        }
    }
}

/// Every state a citizen can get to: from commands, intents, the main menu and each
/// flow's start (deep links), following every edge.
fn reachable(d: &Dialogues) -> Vec<bool> {
    let mut seen = vec![false; d.states.len()];
    let mut queue: VecDeque<StateId> = VecDeque::new();
    queue.push_back(d.settings.main);
    queue.extend(d.settings.commands.iter().map(|c| c.target));
    queue.extend(d.settings.intents.iter().map(|r| r.target));
    queue.extend(d.flows.iter().map(|f| f.start));
    while let Some(id) = queue.pop_front() {
        if std::mem::replace(&mut seen[id.index()], true) {
            continue;
        }
        queue.extend(successors(d, id));
    }
    seen
}

/// One state of every `goto` loop that never waits for input (through any branch:
/// conditions read values that cannot change without the citizen).
fn goto_cycles(d: &Dialogues) -> Vec<StateId> {
    // 0 = unvisited, 1 = on the current path, 2 = done.
    let mut mark = vec![0u8; d.states.len()];
    let mut found = Vec::new();
    let onward = |id: StateId| -> Vec<StateId> {
        let state = d.state(id);
        match &state.goto {
            Some(goto) if !state.waits() && !state.end => goto.targets().collect(),
            _ => Vec::new(),
        }
    };
    for start in 0..d.states.len() {
        let start = StateId(start as u32);
        if mark[start.index()] != 0 {
            continue;
        }
        // Depth first, without recursion: each entry is a state and its next targets.
        mark[start.index()] = 1;
        let mut stack = vec![(start, onward(start))];
        while let Some((_, targets)) = stack.last_mut() {
            match targets.pop() {
                Some(next) => match mark[next.index()] {
                    0 => {
                        mark[next.index()] = 1;
                        let targets = onward(next);
                        stack.push((next, targets));
                    }
                    1 if !found.contains(&next) => found.push(next),
                    _ => {}
                },
                None => {
                    if let Some((done, _)) = stack.pop() {
                        mark[done.index()] = 2;
                    }
                }
            }
        }
    }
    found
}
