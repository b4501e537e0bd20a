//! What a picture shows, whatever its format: the nodes (states, entry points, states
//! of other flows) and the labelled edges between them, for all flows or one.

use std::collections::HashMap;

use super::words::{action_text, ask_text, words};
use crate::dialogue::model::{Dialogues, Rule, State, StateId};
use crate::staff_language::StaffLanguage;

/// Longest edge or entry label; regexes and examples can be long (tooltips hold it all).
const LABEL_CHARS: usize = 32;

/// The nodes and edges of one picture.
#[derive(Debug)]
pub(crate) struct Picture {
    /// The bot's name, or the flow's title when one flow is drawn.
    pub title: String,
    /// The flows whose states are drawn in full; `Node::group` indexes it.
    pub flows: Vec<String>,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
}

#[derive(Debug)]
pub(crate) struct Node {
    pub kind: NodeKind,
    /// The state's name, or what the entry point is (`/aiuto /help`, «maturità»).
    pub label: String,
    /// Small text above the label: the flow a state belongs to, when that is not clear.
    pub caption: Option<String>,
    /// One line each: the `do` actions the state runs, and what it asks.
    pub details: Vec<String>,
    /// Everything the label had to leave out, shown on hover.
    pub tooltip: String,
    /// The flow it belongs to, in `Picture::flows`; `None` for entries and other flows.
    pub group: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NodeKind {
    /// A state of a drawn flow; `start` when entering the flow leads there, `end` when
    /// the conversation may stop there.
    State { start: bool, end: bool },
    /// A state of another flow (only when one flow is drawn): where it jumps to, or
    /// what jumps into it.
    Outside,
    /// Global commands (`/start`, `/aiuto`…), one node per target.
    Command,
    /// A global intent: free text that leads there from any state.
    Intent,
    /// The main menu (`main` in the settings).
    MainMenu,
    /// Where the second "non ho capito" in a row leads (`fallback.contacts`).
    Fallback,
}

#[derive(Debug)]
pub(crate) struct Edge {
    /// Indexes into `Picture::nodes`.
    pub from: usize,
    pub to: usize,
    pub kind: EdgeKind,
    /// Short enough to draw; may be empty.
    pub label: String,
    /// The label in full.
    pub tooltip: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EdgeKind {
    /// A button pressed (or its label typed).
    Button,
    /// Typed text matched by a `match` rule's examples or regex.
    Typed,
    /// An `ask` given up after its tries.
    Escape,
    /// A plain `goto` (or the one after an `ask` is answered).
    Goto,
    /// One branch of a conditional `goto`: «se …» or «altrimenti».
    Condition,
    /// From an entry point into the state it leads to.
    Entry,
}

/// The picture of every flow (`flow: None`) or of the flow at `flow` in `d.flows`.
pub(crate) fn build(d: &Dialogues, flow: Option<usize>, language: StaffLanguage) -> Picture {
    let mut builder = Builder {
        d,
        flow,
        language,
        nodes: Vec::new(),
        edges: Vec::new(),
        by_state: HashMap::new(),
    };
    // Entry points first: they are where the picture is read from.
    builder.entries();
    for (index, state) in d.states.iter().enumerate() {
        let id = StateId(index as u32);
        if builder.drawn(id) {
            builder.state_node(id);
            builder.ways_out(id, state);
        }
    }
    // What jumps in from other flows, after the flow's own ways so those come first.
    if flow.is_some() {
        for (index, state) in d.states.iter().enumerate() {
            let id = StateId(index as u32);
            if !builder.drawn(id) {
                builder.ways_out(id, state);
            }
        }
    }
    let (title, flows) = match flow.and_then(|f| d.flows.get(f)) {
        Some(f) => {
            let title = f
                .title
                .as_ref()
                .map(|t| t.get(&d.settings.default_lang, &f.lang).to_owned())
                .filter(|t| !t.is_empty())
                .map_or_else(|| f.name.clone(), |t| format!("{t} ({})", f.name));
            (title, vec![f.name.clone()])
        }
        None => (
            d.settings.bot.clone(),
            d.flows.iter().map(|f| f.name.clone()).collect(),
        ),
    };
    Picture {
        title,
        flows,
        nodes: builder.nodes,
        edges: builder.edges,
    }
}

struct Builder<'a> {
    d: &'a Dialogues,
    flow: Option<usize>,
    language: StaffLanguage,
    nodes: Vec<Node>,
    edges: Vec<Edge>,
    by_state: HashMap<StateId, usize>,
}

impl Builder<'_> {
    /// Whether `id` is one of the states drawn in full.
    fn drawn(&self, id: StateId) -> bool {
        self.flow.is_none_or(|f| self.d.state(id).flow == f)
    }

    fn lang(&self) -> &str {
        &self.d.settings.default_lang
    }

    fn entries(&mut self) {
        let words = words(self.language);
        let main = self.d.settings.main;
        if self.drawn(main) {
            let node = self.push(Node {
                kind: NodeKind::MainMenu,
                label: format!("☰ {}", words.main_menu),
                caption: None,
                details: Vec::new(),
                tooltip: words.main_menu_tooltip.to_owned(),
                group: None,
            });
            self.entry_edge(node, main);
        }
        // One node per target: `/start` and `/menu` both lead to the main menu.
        let mut targets: Vec<StateId> = Vec::new();
        for command in &self.d.settings.commands {
            if !targets.contains(&command.target) && self.drawn(command.target) {
                targets.push(command.target);
            }
        }
        for target in targets {
            let names: Vec<String> = self
                .d
                .settings
                .commands
                .iter()
                .filter(|c| c.target == target)
                .flat_map(|c| std::iter::once(&c.name).chain(&c.aliases))
                .map(|name| format!("/{name}"))
                .collect();
            let label = names.join(" ");
            let node = self.push(Node {
                kind: NodeKind::Command,
                label: short(&label),
                caption: None,
                details: Vec::new(),
                tooltip: label,
                group: None,
            });
            self.entry_edge(node, target);
        }
        if let Some(contacts) = self.d.settings.fallback.contacts
            && self.drawn(contacts)
        {
            let node = self.push(Node {
                kind: NodeKind::Fallback,
                label: words.fallback.to_owned(),
                caption: None,
                details: Vec::new(),
                tooltip: words.fallback_tooltip.to_owned(),
                group: None,
            });
            self.entry_edge(node, contacts);
        }
        let d = self.d;
        for intent in &d.settings.intents {
            if !self.drawn(intent.target) {
                continue;
            }
            let (label, tooltip) = self.rule_text(intent);
            let node = self.push(Node {
                kind: NodeKind::Intent,
                label,
                caption: None,
                details: Vec::new(),
                tooltip,
                group: None,
            });
            self.entry_edge(node, intent.target);
        }
    }

    fn push(&mut self, node: Node) -> usize {
        self.nodes.push(node);
        self.nodes.len() - 1
    }

    fn entry_edge(&mut self, from: usize, target: StateId) {
        let to = self.node_of(target);
        self.edges.push(Edge {
            from,
            to,
            kind: EdgeKind::Entry,
            label: String::new(),
            tooltip: String::new(),
        });
    }

    /// The node of state `id`: drawn in full or as a state of another flow, made once.
    fn node_of(&mut self, id: StateId) -> usize {
        if let Some(&node) = self.by_state.get(&id) {
            return node;
        }
        let state = self.d.state(id);
        let flow = self.d.flow_of(id);
        let node = if self.drawn(id) {
            let details = state
                .actions
                .iter()
                .map(|a| action_text(a, self.language))
                .chain(state.ask.as_ref().map(|a| ask_text(a, self.language)))
                .collect();
            let group = self.flow.map_or(state.flow, |_| 0);
            Node {
                kind: NodeKind::State {
                    start: flow.start == id,
                    end: state.end,
                },
                label: state.name.clone(),
                caption: self.flow.is_none().then(|| flow.name.clone()),
                details,
                tooltip: state.qualified.clone(),
                group: Some(group),
            }
        } else {
            Node {
                kind: NodeKind::Outside,
                label: state.name.clone(),
                caption: Some(flow.name.clone()),
                details: Vec::new(),
                tooltip: state.qualified.clone(),
                group: None,
            }
        };
        let index = self.push(node);
        self.by_state.insert(id, index);
        index
    }

    fn state_node(&mut self, id: StateId) {
        self.node_of(id);
    }

    /// The edges leaving `state`: all of them for a drawn state, else only those into
    /// the drawn flow.
    fn ways_out(&mut self, id: StateId, state: &State) {
        let words = words(self.language);
        let lang = self.lang().to_owned();
        let flow_lang = self.d.flow_of(id).lang.clone();
        // (target, kind, label, tooltip)
        let mut out: Vec<(StateId, EdgeKind, String, String)> = Vec::new();
        for button in &state.buttons {
            let label = button.label.get(&lang, &flow_lang).to_owned();
            out.push(way(button.target, EdgeKind::Button, label));
        }
        for rule in &state.rules {
            let (label, tooltip) = self.rule_text(rule);
            out.push((rule.target, EdgeKind::Typed, label, tooltip));
        }
        if let Some(ask) = &state.ask {
            let label = words.tries.replace("{n}", &ask.max_tries.to_string());
            out.push(way(ask.escape, EdgeKind::Escape, label));
        }
        if let Some(goto) = &state.goto {
            let answered = state
                .ask
                .as_ref()
                .map(|a| format!("{} ✓ ", a.slot))
                .unwrap_or_default();
            if goto.branches.is_empty() {
                out.push(way(
                    goto.otherwise,
                    EdgeKind::Goto,
                    answered.trim().to_owned(),
                ));
            } else {
                for branch in &goto.branches {
                    let label = format!("{answered}{} {}", words.when, branch.condition);
                    out.push(way(branch.target, EdgeKind::Condition, label));
                }
                let label = format!("{answered}{}", words.otherwise);
                out.push(way(goto.otherwise, EdgeKind::Condition, label));
            }
        }
        let from_drawn = self.drawn(id);
        for (target, kind, label, tooltip) in out {
            if !from_drawn && !self.drawn(target) {
                continue;
            }
            let from = self.node_of(id);
            let to = self.node_of(target);
            self.edges.push(Edge {
                from,
                to,
                kind,
                label,
                tooltip,
            });
        }
    }

    /// A rule's label (its regex, or its first example in the bot's language) and the
    /// full text for the tooltip.
    fn rule_text(&self, rule: &Rule) -> (String, String) {
        let lang = self.lang();
        let example = rule
            .examples
            .iter()
            .find(|e| e.lang == lang)
            .or_else(|| rule.examples.first());
        let full = match (&rule.pattern, example) {
            (Some(pattern), _) => format!("≈ {}", pattern.as_str()),
            (None, Some(example)) => format!("«{}»", example.text),
            (None, None) => String::new(),
        };
        let more: Vec<&str> = rule
            .examples
            .iter()
            .filter(|e| e.lang == lang)
            .take(6)
            .map(|e| e.text.as_str())
            .collect();
        let tooltip = if more.len() > 1 {
            format!("«{}»", more.join("», «"))
        } else {
            full.clone()
        };
        (short(&full), tooltip)
    }
}

/// A way out of a state: its target, kind, short label and full text.
fn way(target: StateId, kind: EdgeKind, text: String) -> (StateId, EdgeKind, String, String) {
    (target, kind, short(&text), text)
}

/// `label` on one line, cut to `LABEL_CHARS` with an ellipsis.
pub(crate) fn short(label: &str) -> String {
    let one_line = label.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out: String = one_line.chars().take(LABEL_CHARS).collect();
    if one_line.chars().count() > LABEL_CHARS {
        out.push('…');
    }
    out
}

/// The other parts of the picture test on the same small dialogues.
#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::dialogue::{SourceFile, load};

    fn dialogues(files: &[(&str, &str)]) -> Dialogues {
        let files: Vec<SourceFile> = files
            .iter()
            .map(|(path, text)| SourceFile {
                path: (*path).to_owned(),
                bytes: text.as_bytes().to_vec(),
            })
            .collect();
        let (d, report) = load(&files);
        d.unwrap_or_else(|| panic!("{}", report.render_text()))
    }

    pub(crate) fn two_flows() -> Dialogues {
        dialogues(&[
            (
                "sportello.yaml",
                "main: main\ncommands:\n  - { command: start, goto: main }\n  - { command: aiuto, aliases: [help], goto: aiuto }\nintents:\n  - { goto: aiuto.domanda, examples: { it: [ho una domanda] } }\nfallback:\n  say: Non ho capito.\n  error: Errore.\n  contacts: aiuto.menu\n",
            ),
            (
                "main.yaml",
                "flow: main\nstart: menu\nstates:\n  menu:\n    say: Ciao\n    buttons:\n      - { label: Aiuto, goto: aiuto }\n  fine:\n    say: Ciao ciao\n    end: true\n",
            ),
            (
                "aiuto.yaml",
                "flow: aiuto\nstart: menu\nstates:\n  menu:\n    say: Come posso aiutarti?\n    buttons:\n      - { label: Una domanda, goto: domanda }\n      - { label: Basta, goto: main.fine }\n  domanda:\n    do: { events: { category: maturita } }\n    say: Scrivi\n    goto:\n      - { if: 'year > 2000', goto: menu }\n      - { goto: main.menu }\n",
            ),
        ])
    }

    fn labels(p: &Picture, kind: impl Fn(NodeKind) -> bool) -> Vec<String> {
        p.nodes
            .iter()
            .filter(|n| kind(n.kind))
            .map(|n| match &n.caption {
                Some(c) => format!("{c}.{}", n.label),
                None => n.label.clone(),
            })
            .collect()
    }

    #[test]
    fn the_whole_picture_has_every_state_and_the_entries() {
        let d = two_flows();
        let p = build(&d, None, StaffLanguage::Italian);
        let states = labels(&p, |k| matches!(k, NodeKind::State { .. }));
        assert_eq!(states.len(), d.states.len(), "{states:?}");
        assert!(labels(&p, |k| k == NodeKind::Outside).is_empty());
        assert_eq!(
            labels(&p, |k| k == NodeKind::Command),
            ["/start", "/aiuto /help"]
        );
        assert_eq!(labels(&p, |k| k == NodeKind::Intent), ["«ho una domanda»"]);
        assert_eq!(labels(&p, |k| k == NodeKind::MainMenu).len(), 1);
        assert_eq!(labels(&p, |k| k == NodeKind::Fallback).len(), 1);
    }

    #[test]
    fn one_flow_draws_its_states_and_others_as_outside_nodes() {
        let d = two_flows();
        let aiuto = d.flows.iter().position(|f| f.name == "aiuto");
        let p = build(&d, aiuto, StaffLanguage::Italian);
        let states = labels(&p, |k| matches!(k, NodeKind::State { .. }));
        assert_eq!(states, ["menu", "domanda"]);
        let mut outside = labels(&p, |k| k == NodeKind::Outside);
        outside.sort();
        // main.fine and main.menu are jumped to; main.menu also jumps in.
        assert_eq!(outside, ["main.fine", "main.menu"]);
        // Only the entries into this flow.
        assert_eq!(labels(&p, |k| k == NodeKind::Command), ["/aiuto /help"]);
        assert!(labels(&p, |k| k == NodeKind::MainMenu).is_empty());
        let into_menu = p
            .edges
            .iter()
            .filter(|e| p.nodes[e.from].kind == NodeKind::Outside && e.kind == EdgeKind::Button)
            .count();
        assert_eq!(into_menu, 1, "main.menu's button into aiuto");
    }

    #[test]
    fn conditions_actions_and_ends_are_shown() {
        let d = two_flows();
        let p = build(&d, None, StaffLanguage::Italian);
        let conditions: Vec<&str> = p
            .edges
            .iter()
            .filter(|e| e.kind == EdgeKind::Condition)
            .map(|e| e.label.as_str())
            .collect();
        assert_eq!(conditions, ["se year > 2000", "altrimenti"]);
        let domanda = p.nodes.iter().find(|n| n.label == "domanda");
        assert_eq!(
            domanda.map(|n| n.details.clone()),
            Some(vec!["⚙ eventi: maturita".to_owned()])
        );
        let fine = p.nodes.iter().find(|n| n.label == "fine").map(|n| n.kind);
        assert_eq!(
            fine,
            Some(NodeKind::State {
                start: false,
                end: true
            })
        );
        let english = build(&d, None, StaffLanguage::English);
        assert!(english.edges.iter().any(|e| e.label == "otherwise"));
    }

    #[test]
    fn short_labels_are_one_line_and_cut() {
        assert_eq!(short("a\n  b"), "a b");
        let long = "x".repeat(40);
        assert_eq!(short(&long).chars().count(), LABEL_CHARS + 1);
        assert!(short(&long).ends_with('…'));
    }
}
