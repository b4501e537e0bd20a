//! The legend of a picture in the staff's language: what each node shape and edge
//! style means.

use super::picture::{EdgeKind, NodeKind};
use crate::staff_language::StaffLanguage;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialogue::graph::words::action_text;
    use crate::dialogue::model::Action;

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
