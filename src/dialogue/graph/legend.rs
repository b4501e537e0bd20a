//! The words of a picture in the staff's language: the legend (what each node shape and
//! edge style means) and the few labels the picture writes itself.

use super::picture::{EdgeKind, NodeKind};
use crate::dialogue::model::{Action, Ask};
use crate::staff_language::StaffLanguage;

/// The fixed texts of a picture, in one language.
pub(crate) struct Words {
    pub legend: &'static str,
    pub flows: &'static str,
    pub main_menu: &'static str,
    pub main_menu_tooltip: &'static str,
    pub fallback: &'static str,
    pub fallback_tooltip: &'static str,
    /// `{n}` is the number of tries.
    pub tries: &'static str,
    pub when: &'static str,
    pub otherwise: &'static str,
    pub hover: &'static str,
}

pub(crate) fn words(language: StaffLanguage) -> Words {
    let pick = |english, italian| language.pick(english, italian);
    Words {
        legend: pick("Legend", "Legenda"),
        flows: pick("Flows", "Flussi"),
        main_menu: pick("main menu", "menu principale"),
        main_menu_tooltip: pick(
            "Where /start and /menu lead; its buttons are offered where a state has none",
            "Dove portano /start e /menu; i suoi pulsanti compaiono dove uno stato non ne ha",
        ),
        fallback: pick("? not understood twice", "? non capito due volte"),
        fallback_tooltip: pick(
            "The second «I did not understand» in a row leads here (fallback.contacts)",
            "Il secondo «non ho capito» di fila porta qui (fallback.contacts)",
        ),
        tries: pick("after {n} wrong answers", "dopo {n} risposte sbagliate"),
        when: pick("if", "se"),
        otherwise: pick("otherwise", "altrimenti"),
        hover: pick(
            "Hover over a node or an arrow to read it in full.",
            "Passa il mouse su un nodo o una freccia per leggerlo per intero.",
        ),
    }
}

/// What a legend entry shows: a node shape or an edge style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sample {
    Node(NodeKind),
    /// A line of a state's node: the actions it runs, what it asks.
    Detail(&'static str),
    Edge(EdgeKind),
}

/// One line of the legend: a sample and what it means.
pub(crate) struct Entry {
    pub sample: Sample,
    pub text: &'static str,
}

/// Every entry of the legend, in reading order: nodes, then edges.
pub(crate) fn legend(language: StaffLanguage) -> Vec<Entry> {
    let pick = |english, italian| language.pick(english, italian);
    let state = |start, end| Sample::Node(NodeKind::State { start, end });
    vec![
        Entry {
            sample: state(false, false),
            text: pick("state", "stato"),
        },
        Entry {
            sample: state(true, false),
            text: pick("where the flow starts", "inizio del flusso"),
        },
        Entry {
            sample: state(false, true),
            text: pick(
                "end state: the talk may stop here",
                "stato finale: la conversazione può finire qui",
            ),
        },
        Entry {
            sample: Sample::Detail("⚙"),
            text: pick(
                "⚙ action the state runs (do)",
                "⚙ azione che lo stato esegue (do)",
            ),
        },
        Entry {
            sample: Sample::Detail("✎"),
            text: pick(
                "✎ value the state asks for (ask)",
                "✎ valore che lo stato chiede (ask)",
            ),
        },
        Entry {
            sample: Sample::Node(NodeKind::Outside),
            text: pick("state of another flow", "stato di un altro flusso"),
        },
        Entry {
            sample: Sample::Node(NodeKind::MainMenu),
            text: pick(
                "main menu (/start, /menu)",
                "menu principale (/start, /menu)",
            ),
        },
        Entry {
            sample: Sample::Node(NodeKind::Command),
            text: pick("command, from any state", "comando, da ogni stato"),
        },
        Entry {
            sample: Sample::Node(NodeKind::Intent),
            text: pick(
                "intent: free text, from any state",
                "intento: testo libero, da ogni stato",
            ),
        },
        Entry {
            sample: Sample::Node(NodeKind::Fallback),
            text: pick("after two misunderstandings", "dopo due incomprensioni"),
        },
        Entry {
            sample: Sample::Edge(EdgeKind::Button),
            text: pick("button", "pulsante"),
        },
        Entry {
            sample: Sample::Edge(EdgeKind::Typed),
            text: pick(
                "typed text (match: «example» or ≈ regex)",
                "testo scritto (match: «esempio» o ≈ regex)",
            ),
        },
        Entry {
            sample: Sample::Edge(EdgeKind::Goto),
            text: pick("goto: goes on by itself", "goto: prosegue da solo"),
        },
        Entry {
            sample: Sample::Edge(EdgeKind::Condition),
            text: pick(
                "conditional goto: «if …» / «otherwise»",
                "goto condizionale: «se …» / «altrimenti»",
            ),
        },
        Entry {
            sample: Sample::Edge(EdgeKind::Escape),
            text: pick(
                "ask given up after its tries",
                "ask abbandonato dopo i tentativi",
            ),
        },
        Entry {
            sample: Sample::Edge(EdgeKind::Entry),
            text: pick(
                "from a command, intent or menu",
                "da un comando, un intento o il menu",
            ),
        },
    ]
}

/// One line saying what a `do` action does, e.g. `⚙ eventi: maturita`.
pub(crate) fn action_text(action: &Action, language: StaffLanguage) -> String {
    let pick = |english, italian| language.pick(english, italian);
    let all = pick("all", "tutte");
    let text = match action {
        Action::Events { category, .. } => format!("{}: {category}", pick("events", "eventi")),
        Action::News { topic, .. } => format!(
            "{}: {}",
            pick("news", "notizie"),
            topic.as_deref().unwrap_or(all)
        ),
        Action::Faq { .. } => pick("search the FAQ", "cerca nelle FAQ").to_owned(),
        Action::Subscribe { topic } => format!("{}: {topic}", pick("subscribe", "iscrivi")),
        Action::Unsubscribe { topic } => format!(
            "{}: {}",
            pick("unsubscribe", "disiscrivi"),
            topic.as_deref().unwrap_or(all)
        ),
        Action::Subscriptions => pick("subscriptions", "iscrizioni").to_owned(),
        Action::Erase => pick("erase the citizen's data", "cancella i dati").to_owned(),
        Action::Language(lang) => format!("{}: {lang}", pick("language", "lingua")),
    };
    format!("⚙ {text}")
}

/// One line saying what an `ask` collects, e.g. `✎ anno`.
pub(crate) fn ask_text(ask: &Ask, language: StaffLanguage) -> String {
    let tries = language.pick("tries", "tentativi");
    format!("✎ {} ({} {tries})", ask.slot, ask.max_tries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_legend_covers_every_edge_kind_and_entry_kind_in_both_languages() {
        for language in [StaffLanguage::English, StaffLanguage::Italian] {
            let legend = legend(language);
            for kind in [
                EdgeKind::Button,
                EdgeKind::Typed,
                EdgeKind::Escape,
                EdgeKind::Goto,
                EdgeKind::Condition,
                EdgeKind::Entry,
            ] {
                assert!(
                    legend.iter().any(|e| e.sample == Sample::Edge(kind)),
                    "{kind:?}"
                );
            }
            for kind in [
                NodeKind::Outside,
                NodeKind::Command,
                NodeKind::Intent,
                NodeKind::MainMenu,
                NodeKind::Fallback,
            ] {
                assert!(
                    legend.iter().any(|e| e.sample == Sample::Node(kind)),
                    "{kind:?}"
                );
            }
        }
        let italian = legend(StaffLanguage::Italian);
        assert!(
            italian
                .iter()
                .any(|e| e.text.contains("«se …» / «altrimenti»"))
        );
    }

    #[test]
    fn actions_read_in_the_staff_language() {
        let news = Action::News {
            topic: None,
            limit: 5,
        };
        assert_eq!(
            action_text(&news, StaffLanguage::Italian),
            "⚙ notizie: tutte"
        );
        assert_eq!(action_text(&news, StaffLanguage::English), "⚙ news: all");
        let language = Action::Language("en".into());
        assert_eq!(
            action_text(&language, StaffLanguage::Italian),
            "⚙ lingua: en"
        );
    }
}
