//! Draws the flows as a diagram (Mermaid or Graphviz DOT): states are nodes, grouped by
//! flow; buttons, match rules, ask escapes and gotos are labelled edges.

use std::fmt::Write as _;

use super::model::{Dialogues, State, StateId};

/// Output syntax of `sportello graph`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GraphFormat {
    /// Mermaid flowchart text, which GitHub and many editors draw.
    Mermaid,
    /// Graphviz DOT, for `dot -Tsvg`.
    Dot,
}

/// Longest edge label; regexes can be long.
const LABEL_CHARS: usize = 32;

enum EdgeKind {
    Button,
    Rule,
    Escape,
    Goto,
}

struct Edge {
    from: StateId,
    to: StateId,
    kind: EdgeKind,
    label: String,
}

/// The whole graph in `format`, for the citizen's default language.
pub fn render(d: &Dialogues, format: GraphFormat) -> String {
    let edges = edges(d);
    match format {
        GraphFormat::Mermaid => mermaid(d, &edges),
        GraphFormat::Dot => dot(d, &edges),
    }
}

fn edges(d: &Dialogues) -> Vec<Edge> {
    let lang = &d.settings.default_lang;
    let mut edges = Vec::new();
    for (index, state) in d.states.iter().enumerate() {
        let from = StateId(index as u32);
        let flow_lang = &d.flows[state.flow].lang;
        for button in &state.buttons {
            let label = button.label.get(lang, flow_lang).to_owned();
            edges.push(Edge {
                from,
                to: button.target,
                kind: EdgeKind::Button,
                label,
            });
        }
        for rule in &state.rules {
            let label = match (&rule.pattern, rule.examples.first()) {
                (Some(pattern), _) => format!("≈ {}", pattern.as_str()),
                (None, Some(example)) => format!("«{}»", example.text),
                (None, None) => String::new(),
            };
            edges.push(Edge {
                from,
                to: rule.target,
                kind: EdgeKind::Rule,
                label,
            });
        }
        if let Some(ask) = &state.ask {
            let label = format!("{} tries", ask.max_tries);
            edges.push(Edge {
                from,
                to: ask.escape,
                kind: EdgeKind::Escape,
                label,
            });
        }
        if let Some(goto) = &state.goto {
            let answered = if state.ask.is_some() {
                format!("{} ✓ ", ask_slot(state))
            } else {
                String::new()
            };
            for branch in &goto.branches {
                edges.push(Edge {
                    from,
                    to: branch.target,
                    kind: EdgeKind::Goto,
                    label: format!("{answered}se {}", branch.condition),
                });
            }
            let otherwise = if goto.branches.is_empty() {
                ""
            } else {
                "altrimenti"
            };
            edges.push(Edge {
                from,
                to: goto.otherwise,
                kind: EdgeKind::Goto,
                label: format!("{answered}{otherwise}").trim().to_owned(),
            });
        }
    }
    edges
}

fn ask_slot(state: &State) -> &str {
    state.ask.as_ref().map_or("", |a| a.slot.as_str())
}

fn short(label: &str) -> String {
    let mut out: String = label.chars().take(LABEL_CHARS).collect();
    if label.chars().count() > LABEL_CHARS {
        out.push('…');
    }
    out
}

fn mermaid_text(text: &str) -> String {
    short(text).replace('"', "#quot;")
}

fn mermaid(d: &Dialogues, edges: &[Edge]) -> String {
    let mut out = String::from("flowchart TD\n");
    for (flow_index, flow) in d.flows.iter().enumerate() {
        let _ = writeln!(
            out,
            "  subgraph flow_{flow_index}[\"{}\"]",
            mermaid_text(&flow.name)
        );
        for (index, state) in d
            .states
            .iter()
            .enumerate()
            .filter(|(_, s)| s.flow == flow_index)
        {
            let name = mermaid_text(&state.name);
            let node = if StateId(index as u32) == flow.start {
                format!("s{index}([\"▶ {name}\"])")
            } else if state.end {
                format!("s{index}[[\"{name}\"]]")
            } else {
                format!("s{index}[\"{name}\"]")
            };
            let _ = writeln!(out, "    {node}");
        }
        out.push_str("  end\n");
    }
    for edge in edges {
        let (from, to) = (edge.from.0, edge.to.0);
        let label = mermaid_text(&edge.label);
        let line = match (&edge.kind, label.is_empty()) {
            (EdgeKind::Goto, true) => format!("s{from} ==> s{to}"),
            (EdgeKind::Goto, false) => format!("s{from} ==>|\"{label}\"| s{to}"),
            (EdgeKind::Button, _) => format!("s{from} -->|\"{label}\"| s{to}"),
            (EdgeKind::Rule | EdgeKind::Escape, _) => format!("s{from} -.->|\"{label}\"| s{to}"),
        };
        let _ = writeln!(out, "  {line}");
    }
    out
}

fn dot_text(text: &str) -> String {
    short(text).replace('\\', "\\\\").replace('"', "\\\"")
}

fn dot(d: &Dialogues, edges: &[Edge]) -> String {
    let mut out =
        String::from("digraph sportello {\n  rankdir=LR;\n  node [shape=box, style=rounded];\n");
    for (flow_index, flow) in d.flows.iter().enumerate() {
        let _ = writeln!(
            out,
            "  subgraph cluster_{flow_index} {{\n    label=\"{}\";",
            dot_text(&flow.name)
        );
        for (index, state) in d
            .states
            .iter()
            .enumerate()
            .filter(|(_, s)| s.flow == flow_index)
        {
            let shape = if StateId(index as u32) == flow.start {
                ", penwidth=2"
            } else if state.end {
                ", peripheries=2"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "    s{index} [label=\"{}\"{shape}];",
                dot_text(&state.name)
            );
        }
        out.push_str("  }\n");
    }
    for edge in edges {
        let style = match edge.kind {
            EdgeKind::Button => "",
            EdgeKind::Rule | EdgeKind::Escape => ", style=dashed",
            EdgeKind::Goto => ", style=bold",
        };
        let _ = writeln!(
            out,
            "  s{} -> s{} [label=\"{}\"{style}];",
            edge.from.0,
            edge.to.0,
            dot_text(&edge.label)
        );
    }
    out.push_str("}\n");
    out
}
