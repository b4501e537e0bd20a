//! The picture as SVG, laid out here (no Graphviz, no network): a title, the legend,
//! then the graph: states coloured by flow, entry points in their own shapes, edges
//! styled by kind. Every text is escaped for XML; full texts are in `<title>` tooltips.

use std::fmt::Write as _;

use super::diagram::edge_colour;
use super::layout::{self, Graph, LayoutEdge, LayoutNode, Point, Rect, Segment, Size};
use super::picture::{EdgeKind, Node, NodeKind, Picture};
use super::svg_legend;
use super::words::words;
use crate::staff_language::StaffLanguage;

/// Font sizes, in pixels.
pub(super) const LABEL_FONT: f64 = 13.0;
pub(super) const SMALL_FONT: f64 = 11.0;
const TITLE_FONT: f64 = 18.0;
/// Around the title, the legend and the graph.
pub(super) const MARGIN: f64 = 16.0;
/// Inside a node, either side of its text.
const PADDING: f64 = 12.0;
/// Extra width for shapes with points (hexagons, arrows, roofs).
const POINTS: f64 = 14.0;

/// Stroke and fill of each flow, in turn.
const FLOW_COLOURS: [(&str, &str); 8] = [
    ("#2b6cb0", "#ebf4ff"),
    ("#2f855a", "#f0fff4"),
    ("#b7791f", "#fffff0"),
    ("#6b46c1", "#faf5ff"),
    ("#c05621", "#fffaf0"),
    ("#2c7a7b", "#e6fffa"),
    ("#b83280", "#fff5f7"),
    ("#4a5568", "#f7fafc"),
];

pub(super) fn flow_colours(group: usize) -> (&'static str, &'static str) {
    FLOW_COLOURS[group % FLOW_COLOURS.len()]
}

/// Whether the SVG stands alone (a file: it declares its namespace) or sits in a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Standing {
    File,
    Inline,
}

/// The whole SVG document.
pub(crate) fn render(picture: &Picture, language: StaffLanguage, standing: Standing) -> String {
    let graph = graph_of(picture);
    let layout = layout::layout(&graph);
    let legend = svg_legend::draw(picture, language);
    let title_height = TITLE_FONT + 10.0;
    let width = (layout.size.width.max(legend.size.width) + 2.0 * MARGIN).ceil();
    let graph_top = MARGIN + title_height + legend.size.height + MARGIN;
    let height = (graph_top + layout.size.height + MARGIN).ceil();
    let mut out = String::new();
    let namespace = match standing {
        Standing::File => {
            out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
            " xmlns=\"http://www.w3.org/2000/svg\""
        }
        Standing::Inline => "",
    };
    let _ = writeln!(
        out,
        "<svg{namespace} class=\"sportello-graph\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" font-family=\"DejaVu Sans, Verdana, Arial, sans-serif\">"
    );
    let _ = writeln!(out, "<title>{}</title>", xml(&picture.title));
    defs(&mut out);
    let _ = writeln!(
        out,
        "<text class=\"title\" x=\"{MARGIN}\" y=\"{}\" font-size=\"{TITLE_FONT}\" font-weight=\"bold\" fill=\"#1a202c\">{}</text>",
        MARGIN + TITLE_FONT,
        xml(&picture.title)
    );
    let _ = writeln!(
        out,
        "<g class=\"legend\" transform=\"translate({MARGIN} {})\">\n{}</g>",
        MARGIN + title_height,
        legend.svg
    );
    let _ = writeln!(
        out,
        "<g class=\"graph\" transform=\"translate({} {})\">",
        MARGIN - 8.0,
        graph_top - 8.0
    );
    out.push_str("<g class=\"edges\">\n");
    for (edge, route) in picture.edges.iter().zip(&layout.edges) {
        if route.segments.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "<g class=\"edge {}\"><title>{}</title><path d=\"{}\" {}/></g>",
            edge_class(edge.kind),
            xml(&edge.tooltip),
            path_data(route.start, &route.segments),
            edge_style(edge.kind)
        );
    }
    out.push_str("</g>\n<g class=\"nodes\">\n");
    for (node, rect) in picture.nodes.iter().zip(&layout.nodes) {
        draw_node(&mut out, node, *rect);
    }
    out.push_str("</g>\n<g class=\"edge-labels\">\n");
    for (edge, route) in picture.edges.iter().zip(&layout.edges) {
        if let (Some(rect), false) = (route.label, edge.label.is_empty()) {
            edge_label(&mut out, &edge.label, &edge.tooltip, edge.kind, rect);
        }
    }
    out.push_str("</g>\n</g>\n");
    let _ = writeln!(out, "<desc>{}</desc>", xml(words(language).hover));
    out.push_str("</svg>\n");
    out
}

/// Arrowheads, one colour per edge kind.
fn defs(out: &mut String) {
    out.push_str("<defs>\n");
    for kind in EDGE_KINDS {
        let _ = writeln!(
            out,
            "<marker id=\"arrow-{}\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerUnits=\"userSpaceOnUse\" markerWidth=\"10\" markerHeight=\"10\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"{}\"/></marker>",
            edge_class(kind),
            edge_colour(kind)
        );
    }
    out.push_str("</defs>\n");
}

pub(super) const EDGE_KINDS: [EdgeKind; 6] = [
    EdgeKind::Button,
    EdgeKind::Typed,
    EdgeKind::Goto,
    EdgeKind::Condition,
    EdgeKind::Escape,
    EdgeKind::Entry,
];

pub(super) fn edge_class(kind: EdgeKind) -> &'static str {
    match kind {
        EdgeKind::Button => "button",
        EdgeKind::Typed => "typed",
        EdgeKind::Escape => "escape",
        EdgeKind::Goto => "goto",
        EdgeKind::Condition => "condition",
        EdgeKind::Entry => "entry",
    }
}

/// The stroke attributes of an edge of `kind`, with its arrowhead.
pub(super) fn edge_style(kind: EdgeKind) -> String {
    let (width, dashes) = match kind {
        EdgeKind::Button => (1.5, ""),
        EdgeKind::Typed => (1.5, "6 4"),
        EdgeKind::Escape => (1.5, "2 3"),
        EdgeKind::Goto => (2.5, ""),
        EdgeKind::Condition => (2.5, "9 3"),
        EdgeKind::Entry => (1.2, "4 3"),
    };
    let dashes = if dashes.is_empty() {
        String::new()
    } else {
        format!(" stroke-dasharray=\"{dashes}\"")
    };
    format!(
        "fill=\"none\" stroke=\"{}\" stroke-width=\"{width}\"{dashes} marker-end=\"url(#arrow-{})\"",
        edge_colour(kind),
        edge_class(kind)
    )
}

fn node_class(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::State { .. } => "state",
        NodeKind::Outside => "outside",
        NodeKind::Command => "command",
        NodeKind::Intent => "intent",
        NodeKind::MainMenu => "main-menu",
        NodeKind::Fallback => "fallback",
    }
}

/// What a line of a node is: its font and colour follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Line {
    Caption,
    Label,
    Detail,
}

impl Line {
    fn font(self) -> f64 {
        match self {
            Line::Label => LABEL_FONT,
            Line::Caption | Line::Detail => SMALL_FONT,
        }
    }
}

/// The lines of a node, top to bottom.
fn node_lines(node: &Node) -> Vec<(String, Line)> {
    let label = match node.kind {
        NodeKind::State { start: true, .. } => format!("▶ {}", node.label),
        _ => node.label.clone(),
    };
    // States of other flows are only pointers: drawn small.
    let role = if node.kind == NodeKind::Outside {
        Line::Detail
    } else {
        Line::Label
    };
    node.caption
        .iter()
        .map(|c| (c.clone(), Line::Caption))
        .chain(std::iter::once((label, role)))
        .chain(node.details.iter().map(|d| (d.clone(), Line::Detail)))
        .collect()
}

fn line_height(font: f64) -> f64 {
    font + 4.0
}

pub(super) fn node_size(node: &Node) -> Size {
    let lines = node_lines(node);
    let text_width = lines
        .iter()
        .map(|(text, line)| text_width(text, line.font()))
        .fold(0.0, f64::max);
    let extra = match node.kind {
        NodeKind::State { .. } | NodeKind::Outside => 0.0,
        _ => POINTS,
    };
    let roof = if node.kind == NodeKind::MainMenu {
        10.0
    } else {
        0.0
    };
    Size {
        width: (text_width + 2.0 * PADDING + extra).max(56.0).ceil(),
        height: (lines
            .iter()
            .map(|(_, l)| line_height(l.font()))
            .sum::<f64>()
            + 12.0
            + roof)
            .ceil(),
    }
}

/// What the layout needs: sizes, which nodes stand beside others, and the roots.
fn graph_of(picture: &Picture) -> Graph {
    let nodes = picture
        .nodes
        .iter()
        .map(|n| LayoutNode {
            size: node_size(n),
            attached: !matches!(n.kind, NodeKind::State { .. }),
        })
        .collect();
    let edges = picture
        .edges
        .iter()
        .map(|e| LayoutEdge {
            from: e.from,
            to: e.to,
            label: (!e.label.is_empty()).then(|| label_size(&e.label)),
        })
        .collect();
    // The main menu's state first, then every flow's start.
    let main = picture
        .edges
        .iter()
        .filter(|e| {
            picture
                .nodes
                .get(e.from)
                .is_some_and(|n| n.kind == NodeKind::MainMenu)
        })
        .map(|e| e.to);
    let starts = picture
        .nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| matches!(n.kind, NodeKind::State { start: true, .. }))
        .map(|(i, _)| i);
    Graph {
        nodes,
        edges,
        roots: main.chain(starts).collect(),
    }
}

pub(super) fn label_size(text: &str) -> Size {
    Size {
        width: (text_width(text, SMALL_FONT) + 8.0).ceil(),
        height: line_height(SMALL_FONT) + 2.0,
    }
}

/// The outline of a node of `kind` filling `r`.
pub(super) fn shape(kind: NodeKind, r: Rect, stroke: &str, fill: &str) -> String {
    let (x, y, w, h) = (r.x, r.y, r.width, r.height);
    let polygon = |points: &[(f64, f64)]| {
        let points: Vec<String> = points
            .iter()
            .map(|(px, py)| format!("{px:.1},{py:.1}"))
            .collect();
        format!(
            "<polygon points=\"{}\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"1.5\"/>",
            points.join(" ")
        )
    };
    let rect = |inset: f64, width: f64, extra: &str| {
        format!(
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"8\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"{width}\"{extra}/>",
            x + inset,
            y + inset,
            (w - 2.0 * inset).max(0.0),
            (h - 2.0 * inset).max(0.0)
        )
    };
    let p = POINTS;
    match kind {
        NodeKind::State { start, end } => {
            let mut out = rect(0.0, if start { 3.0 } else { 1.5 }, "");
            if end {
                out.push_str(&rect(3.5, 1.0, " fill-opacity=\"0\""));
            }
            out
        }
        NodeKind::Outside => rect(0.0, 1.2, " stroke-dasharray=\"4 3\""),
        NodeKind::MainMenu => polygon(&[
            (x, y + 10.0),
            (x + w / 2.0, y),
            (x + w, y + 10.0),
            (x + w, y + h),
            (x, y + h),
        ]),
        NodeKind::Command => polygon(&[
            (x, y),
            (x + w - p, y),
            (x + w, y + h / 2.0),
            (x + w - p, y + h),
            (x, y + h),
        ]),
        NodeKind::Intent => polygon(&[
            (x + p / 2.0, y),
            (x + w - p / 2.0, y),
            (x + w, y + h / 2.0),
            (x + w - p / 2.0, y + h),
            (x + p / 2.0, y + h),
            (x, y + h / 2.0),
        ]),
        NodeKind::Fallback => {
            let c = (p / 2.0).min(h / 3.0);
            polygon(&[
                (x + c, y),
                (x + w - c, y),
                (x + w, y + c),
                (x + w, y + h - c),
                (x + w - c, y + h),
                (x + c, y + h),
                (x, y + h - c),
                (x, y + c),
            ])
        }
    }
}

/// Stroke and fill of a node of `kind`; states take their flow's.
pub(super) fn kind_colours(kind: NodeKind, group: Option<usize>) -> (&'static str, &'static str) {
    match kind {
        NodeKind::State { .. } => flow_colours(group.unwrap_or(0)),
        NodeKind::Outside => ("#718096", "#f7fafc"),
        NodeKind::Command | NodeKind::MainMenu => ("#4a5568", "#edf2f7"),
        NodeKind::Intent => ("#975a16", "#fefcbf"),
        NodeKind::Fallback => ("#c53030", "#fff5f5"),
    }
}

fn draw_node(out: &mut String, node: &Node, rect: Rect) {
    let (stroke, fill) = kind_colours(node.kind, node.group);
    let _ = write!(
        out,
        "<g class=\"node {}\" data-kind=\"{}\" data-id=\"{}\"><title>{}</title>{}",
        node_class(node.kind),
        node_class(node.kind),
        xml(&node.tooltip),
        xml(&node.tooltip),
        shape(node.kind, rect, stroke, fill)
    );
    let lines = node_lines(node);
    let text_height: f64 = lines.iter().map(|(_, l)| line_height(l.font())).sum();
    let roof = if node.kind == NodeKind::MainMenu {
        10.0
    } else {
        0.0
    };
    let mut y = rect.y + roof + (rect.height - roof - text_height) / 2.0;
    let x = rect.x + rect.width / 2.0
        - if node.kind == NodeKind::Command {
            POINTS / 2.0
        } else {
            0.0
        };
    for (text, line) in lines {
        let font = line.font();
        y += line_height(font);
        let (colour, weight) = match line {
            Line::Label => ("#1a202c", " font-weight=\"600\""),
            Line::Caption => (stroke, ""),
            Line::Detail => ("#4a5568", ""),
        };
        let _ = write!(
            out,
            "<text x=\"{x:.1}\" y=\"{:.1}\" font-size=\"{font}\" text-anchor=\"middle\" fill=\"{colour}\"{weight}>{}</text>",
            y - 4.0,
            xml(&text)
        );
    }
    out.push_str("</g>\n");
}

fn edge_label(out: &mut String, text: &str, tooltip: &str, kind: EdgeKind, rect: Rect) {
    let colour = edge_colour(kind);
    let _ = writeln!(
        out,
        "<g class=\"edge-label {}\"><title>{}</title><rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"3\" fill=\"#ffffff\" fill-opacity=\"0.9\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"{SMALL_FONT}\" text-anchor=\"middle\" fill=\"{colour}\">{}</text></g>",
        edge_class(kind),
        xml(tooltip),
        rect.x,
        rect.y,
        rect.width,
        rect.height,
        rect.x + rect.width / 2.0,
        rect.y + rect.height - 5.0,
        xml(text)
    );
}

pub(super) fn path_data(start: Point, segments: &[Segment]) -> String {
    let mut d = format!("M{:.1},{:.1}", start.x, start.y);
    for segment in segments {
        match segment {
            Segment::Line(p) => {
                let _ = write!(d, " L{:.1},{:.1}", p.x, p.y);
            }
            Segment::Curve(a, b, c) => {
                let _ = write!(
                    d,
                    " C{:.1},{:.1} {:.1},{:.1} {:.1},{:.1}",
                    a.x, a.y, b.x, b.y, c.x, c.y
                );
            }
        }
    }
    d
}

/// An estimate of how wide `text` is drawn at `font` pixels, on the generous side so
/// that text stays inside its box in the common sans-serif fonts.
pub(super) fn text_width(text: &str, font: f64) -> f64 {
    text.chars().map(char_width).sum::<f64>() * font
}

fn char_width(c: char) -> f64 {
    match c {
        // Joiners, variation selectors and combining accents take no room.
        '\u{200B}'..='\u{200F}' | '\u{FE00}'..='\u{FE0F}' | '\u{0300}'..='\u{036F}' => 0.0,
        'i' | 'l' | 'j' | 'I' | '.' | ',' | ':' | ';' | '\'' | '|' | '!' => 0.32,
        'f' | 't' | 'r' | ' ' | '(' | ')' | '[' | ']' | '/' | '-' => 0.42,
        'm' | 'w' | 'M' | 'W' | '@' | '%' => 0.95,
        'A'..='Z' | '0'..='9' | '_' | '«' | '»' | '?' => 0.72,
        c if c.is_ascii() => 0.64,
        // Emoji and wide scripts.
        '\u{1F000}'..='\u{1FFFF}' | '\u{2E80}'..='\u{9FFF}' | '\u{AC00}'..='\u{D7AF}' => 1.3,
        // Symbols (⚙, ✎, ▶, ☰) and accented letters.
        _ => 0.9,
    }
}

/// `text` safe inside XML text and attribute values; characters XML 1.0 forbids are
/// dropped.
pub(crate) fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(' '),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::picture::{build, tests::two_flows};
    use super::*;

    #[test]
    fn xml_escapes_markup_and_drops_what_xml_forbids() {
        assert_eq!(xml("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&apos;");
        assert_eq!(xml("x\u{1}y\nz"), "xy z");
    }

    #[test]
    fn the_svg_has_a_node_per_picture_node_and_the_legend() {
        let d = two_flows();
        let picture = build(&d, None, StaffLanguage::Italian);
        let svg = render(&picture, StaffLanguage::Italian, Standing::File);
        assert!(svg.starts_with("<?xml"), "{svg}");
        assert!(svg.contains("xmlns=\"http://www.w3.org/2000/svg\""));
        assert_eq!(svg.matches("<g class=\"node ").count(), picture.nodes.len());
        assert!(svg.contains("<g class=\"legend\""));
        assert!(svg.contains("Legenda"));
        assert!(svg.contains("data-id=\"aiuto.domanda\""));
        assert!(svg.trim_end().ends_with("</svg>"));
        let inline = render(&picture, StaffLanguage::Italian, Standing::Inline);
        assert!(
            !inline.contains("http"),
            "an inline SVG needs no namespace URL"
        );
    }

    #[test]
    fn wider_text_makes_wider_nodes() {
        assert!(text_width("mmmm", 10.0) > text_width("iiii", 10.0));
        assert!(text_width("🎓 Esame", 10.0) > text_width("Esame", 10.0));
    }
}
