//! The picture as text other tools draw: Mermaid (GitHub, many editors) and Graphviz
//! DOT (`dot -Tsvg`), each with the legend as a group of its own.

use std::fmt::Write as _;

use super::legend::{Entry, Sample, legend};
use super::picture::{EdgeKind, Node, NodeKind, Picture};
use super::words::{Words, words};
use crate::staff_language::StaffLanguage;

/// The edge colours, the same in every format.
pub(crate) fn edge_colour(kind: EdgeKind) -> &'static str {
    match kind {
        EdgeKind::Button => "#2b6cb0",
        EdgeKind::Typed => "#4a5568",
        EdgeKind::Escape => "#c53030",
        EdgeKind::Goto => "#1a202c",
        EdgeKind::Condition => "#b7791f",
        EdgeKind::Entry => "#718096",
    }
}

fn mermaid_text(text: &str) -> String {
    text.replace('"', "#quot;")
        .replace('<', "#lt;")
        .replace('>', "#gt;")
}

/// A node's lines (caption, label, details) joined for Mermaid.
fn mermaid_lines(lines: &[String]) -> String {
    lines
        .iter()
        .map(|l| mermaid_text(l))
        .collect::<Vec<_>>()
        .join("<br/>")
}

fn mermaid_node(id: &str, kind: NodeKind, lines: &[String]) -> String {
    let text = mermaid_lines(lines);
    match kind {
        NodeKind::State { start: true, .. } => format!("{id}([\"▶ {text}\"])"),
        NodeKind::State { end: true, .. } => format!("{id}[[\"{text}\"]]"),
        NodeKind::State { .. } => format!("{id}[\"{text}\"]"),
        NodeKind::Outside => format!("{id}(\"{text}\"):::outside"),
        NodeKind::MainMenu => format!("{id}[/\"{text}\"\\]:::entry"),
        NodeKind::Command => format!("{id}>\"{text}\"]:::entry"),
        NodeKind::Intent => format!("{id}{{{{\"{text}\"}}}}:::entry"),
        NodeKind::Fallback => format!("{id}[/\"{text}\"/]:::entry"),
    }
}

fn mermaid_arrow(kind: EdgeKind) -> &'static str {
    match kind {
        EdgeKind::Button => "-->",
        EdgeKind::Typed | EdgeKind::Entry => "-.->",
        EdgeKind::Escape => "-.-x",
        EdgeKind::Goto | EdgeKind::Condition => "==>",
    }
}

/// The lines a text format shows for a node: with the flow in front of a state of
/// another flow, since no group names it there.
fn node_lines(node: &Node) -> Vec<String> {
    let label = match (node.kind, &node.caption) {
        (NodeKind::Outside, Some(flow)) => format!("{flow}.{}", node.label),
        _ => node.label.clone(),
    };
    std::iter::once(label)
        .chain(node.details.iter().cloned())
        .collect()
}

/// Mermaid flowchart text.
pub(crate) fn mermaid(picture: &Picture, language: StaffLanguage) -> String {
    let mut out = String::from("flowchart TD\n");
    let _ = writeln!(out, "  %% {}", picture.title.replace('\n', " "));
    for (group, flow) in picture.flows.iter().enumerate() {
        let _ = writeln!(out, "  subgraph flow_{group}[\"{}\"]", mermaid_text(flow));
        for (index, node) in picture.nodes.iter().enumerate() {
            if node.group == Some(group) {
                let node = mermaid_node(&format!("n{index}"), node.kind, &node_lines(node));
                let _ = writeln!(out, "    {node}");
            }
        }
        out.push_str("  end\n");
    }
    for (index, node) in picture.nodes.iter().enumerate() {
        if node.group.is_none() {
            let node = mermaid_node(&format!("n{index}"), node.kind, &node_lines(node));
            let _ = writeln!(out, "  {node}");
        }
    }
    // linkStyle counts edges in the order they are written.
    let mut kinds: Vec<EdgeKind> = Vec::new();
    for edge in &picture.edges {
        let arrow = mermaid_arrow(edge.kind);
        let label = if edge.label.is_empty() {
            String::new()
        } else {
            format!("|\"{}\"|", mermaid_text(&edge.label))
        };
        let _ = writeln!(out, "  n{} {arrow}{label} n{}", edge.from, edge.to);
        kinds.push(edge.kind);
    }
    let words = words(language);
    let _ = writeln!(out, "  subgraph legend[\"{}\"]", mermaid_text(words.legend));
    out.push_str("    direction TB\n");
    for (index, entry) in legend(language).iter().enumerate() {
        let id = format!("legend_{index}");
        let text = vec![entry.text.to_owned()];
        match entry.sample {
            Sample::Node(kind) => {
                let _ = writeln!(out, "    {}", mermaid_node(&id, kind, &text));
            }
            Sample::Detail(_) => {
                let _ = writeln!(out, "    {id}[\"{}\"]", mermaid_lines(&text));
            }
            Sample::Edge(kind) => {
                let _ = writeln!(
                    out,
                    "    {id}a[\" \"]:::sample {} {id}b[\"{}\"]:::sample",
                    mermaid_arrow(kind),
                    mermaid_lines(&text)
                );
                kinds.push(kind);
            }
        }
    }
    out.push_str("  end\n");
    out.push_str("  classDef outside stroke-dasharray:4 3,fill:#f4f4f4,color:#555\n");
    out.push_str("  classDef entry fill:#eef4fb,stroke:#718096\n");
    out.push_str("  classDef sample fill:#fff,stroke:#fff\n");
    for kind in [
        EdgeKind::Button,
        EdgeKind::Escape,
        EdgeKind::Condition,
        EdgeKind::Entry,
    ] {
        let indexes: Vec<String> = kinds
            .iter()
            .enumerate()
            .filter(|(_, k)| **k == kind)
            .map(|(i, _)| i.to_string())
            .collect();
        if !indexes.is_empty() {
            let _ = writeln!(
                out,
                "  linkStyle {} stroke:{}",
                indexes.join(","),
                edge_colour(kind)
            );
        }
    }
    out
}

fn dot_text(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

fn dot_node(id: &str, kind: NodeKind, lines: &[String]) -> String {
    let label = lines
        .iter()
        .map(|l| dot_text(l))
        .collect::<Vec<_>>()
        .join("\\n");
    let (label, attributes) = match kind {
        NodeKind::State { start: true, end } => (
            format!("▶ {label}"),
            if end {
                ", penwidth=2, peripheries=2"
            } else {
                ", penwidth=2"
            },
        ),
        NodeKind::State { end: true, .. } => (label, ", peripheries=2"),
        NodeKind::State { .. } => (label, ""),
        NodeKind::Outside => (
            label,
            ", style=\"rounded,dashed\", color=\"#718096\", fontcolor=\"#4a5568\"",
        ),
        NodeKind::MainMenu => (label, ", shape=house, style=filled, fillcolor=\"#eef4fb\""),
        NodeKind::Command => (label, ", shape=cds, style=filled, fillcolor=\"#eef4fb\""),
        NodeKind::Intent => (
            label,
            ", shape=hexagon, style=filled, fillcolor=\"#fefcbf\"",
        ),
        NodeKind::Fallback => (
            label,
            ", shape=octagon, style=filled, fillcolor=\"#fed7d7\"",
        ),
    };
    format!("{id} [label=\"{label}\"{attributes}];")
}

fn dot_edge_style(kind: EdgeKind) -> String {
    let style = match kind {
        EdgeKind::Button => "solid",
        EdgeKind::Typed | EdgeKind::Entry => "dashed",
        EdgeKind::Escape => "dotted",
        EdgeKind::Goto => "bold",
        EdgeKind::Condition => "bold,dashed",
    };
    let colour = edge_colour(kind);
    format!("style=\"{style}\", color=\"{colour}\", fontcolor=\"{colour}\"")
}

/// Graphviz DOT text.
pub(crate) fn dot(picture: &Picture, language: StaffLanguage) -> String {
    let mut out = String::from("digraph sportello {\n  rankdir=LR;\n");
    let _ = writeln!(
        out,
        "  label=\"{}\";\n  labelloc=t;",
        dot_text(&picture.title)
    );
    out.push_str("  node [shape=box, style=rounded, fontname=\"sans-serif\"];\n");
    out.push_str("  edge [fontname=\"sans-serif\", fontsize=10];\n");
    for (group, flow) in picture.flows.iter().enumerate() {
        let _ = writeln!(
            out,
            "  subgraph cluster_{group} {{\n    label=\"{}\";",
            dot_text(flow)
        );
        for (index, node) in picture.nodes.iter().enumerate() {
            if node.group == Some(group) {
                let node = dot_node(&format!("n{index}"), node.kind, &node_lines(node));
                let _ = writeln!(out, "    {node}");
            }
        }
        out.push_str("  }\n");
    }
    for (index, node) in picture.nodes.iter().enumerate() {
        if node.group.is_none() {
            let node = dot_node(&format!("n{index}"), node.kind, &node_lines(node));
            let _ = writeln!(out, "  {node}");
        }
    }
    for edge in &picture.edges {
        let _ = writeln!(
            out,
            "  n{} -> n{} [label=\"{}\", {}];",
            edge.from,
            edge.to,
            dot_text(&edge.label),
            dot_edge_style(edge.kind)
        );
    }
    dot_legend(&mut out, &legend(language), &words(language));
    out.push_str("}\n");
    out
}

fn dot_legend(out: &mut String, legend: &[Entry], words: &Words) {
    let _ = writeln!(
        out,
        "  subgraph cluster_legend {{\n    label=\"{}\";\n    style=dashed;",
        dot_text(words.legend)
    );
    for (index, entry) in legend.iter().enumerate() {
        let id = format!("legend_{index}");
        let text = vec![entry.text.to_owned()];
        match entry.sample {
            Sample::Node(kind) => {
                let _ = writeln!(out, "    {}", dot_node(&id, kind, &text));
            }
            Sample::Detail(_) => {
                let _ = writeln!(out, "    {id} [label=\"{}\"];", dot_text(entry.text));
            }
            Sample::Edge(kind) => {
                let _ = writeln!(
                    out,
                    "    {id}a [shape=point, width=0.05];\n    {id}b [shape=plaintext, label=\"{}\"];\n    {id}a -> {id}b [{}];",
                    dot_text(entry.text),
                    dot_edge_style(kind)
                );
            }
        }
    }
    out.push_str("  }\n");
}

#[cfg(test)]
mod tests {
    use super::super::picture::{build, tests::two_flows};
    use super::*;

    #[test]
    fn mermaid_has_groups_entries_legend_and_escapes_quotes() {
        let d = two_flows();
        let text = mermaid(
            &build(&d, None, StaffLanguage::Italian),
            StaffLanguage::Italian,
        );
        assert!(text.starts_with("flowchart TD\n"), "{text}");
        assert!(text.contains("subgraph flow_0[\"main\"]"), "{text}");
        assert!(text.contains(">\"/aiuto /help\"]:::entry"), "{text}");
        assert!(text.contains("{{\"«ho una domanda»\"}}:::entry"), "{text}");
        assert!(text.contains("subgraph legend[\"Legenda\"]"), "{text}");
        assert!(text.contains("==>|\"se year #gt; 2000\"|"), "{text}");
        assert!(text.contains("linkStyle"), "{text}");
        assert_eq!(mermaid_text("a \"b\" <c>"), "a #quot;b#quot; #lt;c#gt;");
    }

    #[test]
    fn dot_has_clusters_entry_shapes_and_a_legend() {
        let d = two_flows();
        let text = dot(
            &build(&d, None, StaffLanguage::English),
            StaffLanguage::English,
        );
        assert!(text.starts_with("digraph sportello {"), "{text}");
        assert!(text.trim_end().ends_with('}'));
        assert!(text.contains("subgraph cluster_legend"), "{text}");
        assert!(text.contains("label=\"Legend\""), "{text}");
        assert!(text.contains("shape=cds"), "{text}");
        assert!(text.contains("shape=hexagon"), "{text}");
        assert!(text.contains("shape=house"), "{text}");
        assert!(text.contains("⚙ events: maturita"), "{text}");
        assert_eq!(dot_text("a\\\"b"), "a\\\\\\\"b");
    }
}
