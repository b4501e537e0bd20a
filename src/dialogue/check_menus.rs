//! Findings about how WhatsApp will show a state's buttons, raised only where a
//! citizen loses something: a reply button's title cut, two titles that read alike
//! once cut (the second gets a number), a list row whose label does not fit under it
//! either, more buttons than a list holds (a numbered text menu). Four to ten buttons
//! make a list with each full label under its title: that is fine and says nothing.
//!
//! Titles are cut by [`crate::text::shorten_unique`], the function the WhatsApp
//! renderer sends them with, so a finding quotes what the citizen will see.

use super::diagnostic::{Diagnostic, Report};
use super::limits::{
    WHATSAPP_BUTTON_TITLE, WHATSAPP_BUTTONS, WHATSAPP_LIST_ROWS, WHATSAPP_ROW_DESCRIPTION,
    WHATSAPP_ROW_TITLE,
};
use super::model::{Button, Dialogues, StateId};
use crate::say;
use crate::text::{shorten, shorten_unique};

/// How WhatsApp shows a menu, by its number of buttons (ordered from fewest).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Layout {
    ReplyButtons,
    List,
    NumberedText,
}

impl Layout {
    /// The renderer's choice for `count` buttons.
    fn of(count: usize) -> Layout {
        if count > WHATSAPP_LIST_ROWS {
            Layout::NumberedText
        } else if count > WHATSAPP_BUTTONS {
            Layout::List
        } else {
            Layout::ReplyButtons
        }
    }
}

/// Warns where WhatsApp's way of showing `id`'s buttons loses something.
pub(super) fn lint_whatsapp_menu(d: &Dialogues, id: StateId, report: &mut Report) {
    let state = d.state(id);
    let buttons = &state.buttons;
    let most = buttons.len();
    if most == 0 {
        return;
    }
    // Buttons of a menu for leaving topics show only for topics the citizen follows,
    // so such a menu may be shown in a smaller layout than its full size.
    let always = buttons
        .iter()
        .filter(|b| b.shown_if_following.is_none())
        .count();
    let fewest_with = |b: &Button| always + usize::from(b.shown_if_following.is_some());
    let largest = Layout::of(most);
    if largest == Layout::NumberedText {
        let message = if always < most {
            say!(
                "up to {most} buttons: WhatsApp lists at most {WHATSAPP_LIST_ROWS}, so it sends more as a numbered text menu and the citizen replies with a number; group them under fewer buttons to keep them tappable",
                "fino a {most} pulsanti: WhatsApp ne elenca al massimo {WHATSAPP_LIST_ROWS}, quindi oltre li invia come menu numerato nel testo e il cittadino risponde con il numero; raggruppali sotto meno pulsanti perché si possano toccare"
            )
        } else {
            say!(
                "{most} buttons: WhatsApp lists at most {WHATSAPP_LIST_ROWS}, so it sends them as a numbered text menu and the citizen replies with a number; group them under fewer buttons to keep them tappable",
                "{most} pulsanti: WhatsApp ne elenca al massimo {WHATSAPP_LIST_ROWS}, quindi li invia come menu numerato nel testo e il cittadino risponde con il numero; raggruppali sotto meno pulsanti perché si possano toccare"
            )
        };
        report.push(Diagnostic::warning(state.position.clone(), message));
    }
    let flow_lang = &d.flow_of(id).lang;
    // (button, title) already reported: a label written once reads the same in every
    // language that falls back to it.
    let mut reported: Vec<(usize, String)> = Vec::new();
    for (layout, limit) in [
        (Layout::ReplyButtons, WHATSAPP_BUTTON_TITLE),
        (Layout::List, WHATSAPP_ROW_TITLE),
    ] {
        let shown: Vec<usize> = (0..most)
            .filter(|&i| Layout::of(fewest_with(&buttons[i])) <= layout && layout <= largest)
            .collect();
        if shown.is_empty() {
            continue;
        }
        // Only part of a menu for leaving topics may ever be shown this way.
        let (when_en, when_it) = if layout == largest {
            ("", "")
        } else {
            (
                " when the citizen follows few topics",
                " quando il cittadino segue pochi argomenti",
            )
        };
        for lang in &d.settings.languages {
            let labels: Vec<&str> = shown
                .iter()
                .map(|&i| buttons[i].label.get(lang, flow_lang).trim())
                .collect();
            let titles = shorten_unique(&labels, limit);
            for (k, (&index, title)) in shown.iter().zip(&titles).enumerate() {
                let label = labels[k];
                if title == label || reported.contains(&(index, title.clone())) {
                    continue;
                }
                let cut = shorten(label, limit);
                let message = if &cut != title {
                    let Some(other) = labels[..k]
                        .iter()
                        .zip(&titles)
                        .find(|(_, t)| t.to_lowercase() == cut.to_lowercase())
                        .map(|(other, _)| *other)
                    else {
                        continue;
                    };
                    if other.to_lowercase() == label.to_lowercase() {
                        // The same label twice has its own finding.
                        continue;
                    }
                    say!(
                        "label ({lang}) \"{label}\" shows on WhatsApp as \"{title}\"{when_en}: cut to {limit} characters it reads like \"{other}\" above it, so it gets a number; make the labels differ within their first {limit} characters",
                        "l'etichetta ({lang}) «{label}» su WhatsApp si vede come «{title}»{when_it}: tagliata a {limit} caratteri si confonde con «{other}», più sopra, e riceve un numero; fai in modo che le etichette si distinguano nei primi {limit} caratteri"
                    )
                } else if layout == Layout::ReplyButtons {
                    say!(
                        "label ({lang}) \"{label}\" shows on WhatsApp as \"{title}\"{when_en}: reply buttons show {limit} characters; a shorter label reads whole",
                        "l'etichetta ({lang}) «{label}» su WhatsApp si vede come «{title}»{when_it}: i pulsanti di risposta mostrano {limit} caratteri; un'etichetta più corta si legge per intero"
                    )
                } else if label.chars().count() > WHATSAPP_ROW_DESCRIPTION {
                    let length = label.chars().count();
                    let description = shorten(label, WHATSAPP_ROW_DESCRIPTION);
                    say!(
                        "label ({lang}) is {length} characters: a WhatsApp list row shows \"{title}\" and under it only \"{description}\"; keep labels within {WHATSAPP_ROW_DESCRIPTION} characters",
                        "l'etichetta ({lang}) è di {length} caratteri: nella lista di WhatsApp la riga mostra «{title}» e sotto solo «{description}»; tieni le etichette entro {WHATSAPP_ROW_DESCRIPTION} caratteri"
                    )
                } else {
                    // A list row with its whole label underneath: nothing is lost.
                    continue;
                };
                reported.push((index, title.clone()));
                report.push(Diagnostic::warning(
                    buttons[index].position.clone(),
                    message,
                ));
            }
        }
    }
}
