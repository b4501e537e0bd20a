//! `sportello graph` as staff use it on the bundled dialogues: one flow or all, the
//! legend and the entry points in every format, an SVG that is well-formed XML, and an
//! HTML page that a real browser (headless Chromium) draws with no network.

mod common;

use std::path::PathBuf;
use std::process::{Command, Output};

use common::sportello;

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Runs `sportello graph ARGS`, failing the test unless it succeeds.
fn graph(args: &[&str]) -> String {
    let all: Vec<&str> = std::iter::once("graph")
        .chain(args.iter().copied())
        .collect();
    let output = sportello(&all, "");
    assert!(
        output.status.success(),
        "graph {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout(&output)
}

/// A node of the SVG: its kind (`state`, `outside`, `command`…) and what it names.
#[derive(Debug)]
struct SvgNode {
    kind: String,
    id: String,
}

/// Parses `svg` as XML (failing the test if it is not) and lists its nodes.
fn svg_nodes(svg: &str) -> Vec<SvgNode> {
    let document = roxmltree::Document::parse(svg)
        .unwrap_or_else(|e| panic!("the SVG is not well-formed XML: {e}"));
    assert_eq!(document.root_element().tag_name().name(), "svg");
    document
        .descendants()
        .filter(|n| n.has_tag_name("g"))
        .filter(|n| n.attribute("class").is_some_and(|c| c.starts_with("node ")))
        .map(|n| SvgNode {
            kind: n.attribute("data-kind").unwrap_or_default().to_owned(),
            id: n.attribute("data-id").unwrap_or_default().to_owned(),
        })
        .collect()
}

/// The `<svg>…</svg>` element inside an HTML page.
fn inline_svg(html: &str) -> &str {
    let start = html
        .find("<svg")
        .unwrap_or_else(|| panic!("the page has no <svg>"));
    let end = html
        .rfind("</svg>")
        .unwrap_or_else(|| panic!("the <svg> is not closed"))
        + "</svg>".len();
    &html[start..end]
}

#[test]
fn the_svg_is_well_formed_and_draws_every_state_and_entry_point() {
    let svg = graph(&["--format", "svg"]);
    assert!(svg.starts_with("<?xml"), "{}", &svg[..80.min(svg.len())]);
    let nodes = svg_nodes(&svg);
    let states: Vec<&str> = nodes
        .iter()
        .filter(|n| n.kind == "state")
        .map(|n| n.id.as_str())
        .collect();
    for state in [
        "main.menu",
        "maturita.date",
        "notizie.stop",
        "privacy.cancella",
    ] {
        assert!(states.contains(&state), "{state} missing from {states:?}");
    }
    let commands: Vec<&str> = nodes
        .iter()
        .filter(|n| n.kind == "command")
        .map(|n| n.id.as_str())
        .collect();
    // Commands that lead to one state are one node: /start and /menu (and /fine).
    assert!(
        commands.iter().any(|c| c.starts_with("/start /menu")),
        "{commands:?}"
    );
    assert!(commands.contains(&"/aiuto /help"), "{commands:?}");
    let intents = nodes.iter().filter(|n| n.kind == "intent").count();
    assert!(intents >= 20, "the bundled intents are drawn: {intents}");
    assert_eq!(nodes.iter().filter(|n| n.kind == "main-menu").count(), 1);
    assert_eq!(nodes.iter().filter(|n| n.kind == "fallback").count(), 1);
    assert!(
        !nodes.iter().any(|n| n.kind == "outside"),
        "every flow is drawn"
    );
}

#[test]
fn one_flow_draws_its_states_and_only_touches_the_others() {
    let svg = graph(&["--format", "svg", "--flow", "maturita"]);
    let nodes = svg_nodes(&svg);
    let states: Vec<&str> = nodes
        .iter()
        .filter(|n| n.kind == "state")
        .map(|n| n.id.as_str())
        .collect();
    assert!(states.contains(&"maturita.menu"), "{states:?}");
    assert!(
        states.iter().all(|s| s.starts_with("maturita.")),
        "{states:?}"
    );
    let outside: Vec<&str> = nodes
        .iter()
        .filter(|n| n.kind == "outside")
        .map(|n| n.id.as_str())
        .collect();
    // The main menu's button leads in, and the flow's «Menu principale» leads back.
    assert!(outside.contains(&"main.menu"), "{outside:?}");
    assert!(outside.iter().all(|s| !s.starts_with("maturita.")));
    // The intents into the flow, and none into other flows.
    let intents = nodes.iter().filter(|n| n.kind == "intent").count();
    assert!((1..16).contains(&intents), "{intents}");
    // No command leads into the Maturità flow; /start leads elsewhere.
    assert!(!nodes.iter().any(|n| n.id.starts_with("/start")));

    for format in ["mermaid", "dot"] {
        let text = graph(&["--format", format, "--flow", "maturita"]);
        assert!(text.contains("prima_prova"), "{format}: {text}");
        assert!(!text.contains("iscrivi_concorsi"), "{format}: {text}");
        assert!(text.contains("main.menu"), "{format}: {text}");
    }
}

#[test]
fn an_unknown_flow_fails_with_the_closest_name() {
    let output = sportello(&["graph", "--flow", "maturta", "--lang", "en"], "");
    assert_eq!(output.status.code(), Some(1));
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(
        error.contains("there is no flow `maturta`; did you mean `maturita`?"),
        "{error}"
    );
    assert!(stdout(&output).is_empty());
    let output = sportello(&["graph", "--flow", "maturta", "--lang", "it"], "");
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(error.contains("forse `maturita`?"), "{error}");
}

#[test]
fn every_format_has_the_legend_and_the_entry_points_in_the_staff_language() {
    let mermaid = graph(&["--lang", "it"]);
    assert!(mermaid.starts_with("flowchart TD\n"), "{mermaid}");
    assert!(
        mermaid.contains("subgraph legend[\"Legenda\"]"),
        "{mermaid}"
    );
    assert!(mermaid.contains(">\"/aiuto /help\"]:::entry"), "{mermaid}");
    assert!(mermaid.contains("{{\"«maturità»\"}}:::entry"), "{mermaid}");
    assert!(mermaid.contains("menu principale"), "{mermaid}");
    assert!(mermaid.contains("⚙ eventi: maturita"), "{mermaid}");

    let dot = graph(&["--format", "dot", "--lang", "en"]);
    assert!(dot.contains("subgraph cluster_legend"), "{dot}");
    assert!(dot.contains("label=\"Legend\""), "{dot}");
    assert!(dot.contains("shape=cds"), "commands: {dot}");
    assert!(dot.contains("⚙ events: maturita"), "{dot}");

    for (lang, legend, conditional) in [
        ("it", "Legenda", "«se …» / «altrimenti»"),
        ("en", "Legend", "«if …» / «otherwise»"),
    ] {
        let svg = graph(&["--format", "svg", "--lang", lang]);
        assert!(svg.contains("<g class=\"legend\""), "{lang}");
        assert!(svg.contains(&format!(">{legend}</text>")), "{lang}");
        assert!(svg.contains(conditional), "{lang}");
    }
}

#[test]
fn the_html_page_needs_nothing_from_outside() {
    let html = graph(&["--format", "html"]);
    assert!(html.starts_with("<!DOCTYPE html>"));
    let lower = html.to_lowercase();
    for outside in [
        "http://",
        "https://",
        "<script",
        "<link",
        "src=",
        "href=",
        "@import",
        "@font-face",
    ] {
        assert!(!lower.contains(outside), "the page holds {outside:?}");
    }
    // `url(` only for the arrowheads defined in the page itself.
    assert_eq!(
        lower.matches("url(").count(),
        lower.matches("url(#arrow-").count()
    );
    let nodes = svg_nodes(inline_svg(&html));
    assert!(nodes.len() > 50, "{}", nodes.len());
}

/// Where Chromium is: `$CHROMIUM`, else Debian's. Its absence fails the test, as a
/// missing tool should.
fn chromium() -> PathBuf {
    let path = std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    assert!(
        path.exists(),
        "no Chromium at {}: run scripts/install-chromium (or set CHROMIUM)",
        path.display()
    );
    path
}

/// What the page's own script measured in the browser, as JSON.
const MEASURE: &str = r#"<script>
(function () {
  var out = { nodes: 0, sized: 0, overflowing: [], drawnEdges: 0, legendEntries: 0 };
  var svg = document.querySelector("svg.sportello-graph");
  if (svg) {
    var box = svg.getBoundingClientRect();
    out.width = box.width;
    out.height = box.height;
    var nodes = svg.querySelectorAll("g.node");
    out.nodes = nodes.length;
    nodes.forEach(function (node) {
      var b = node.getBBox();
      if (b.width > 0 && b.height > 0) { out.sized++; }
      var shape = node.querySelector("rect, polygon").getBBox();
      node.querySelectorAll("text").forEach(function (text) {
        if (text.getComputedTextLength() > shape.width - 2) { out.overflowing.push(text.textContent); }
      });
    });
    svg.querySelectorAll("g.edge path").forEach(function (path) {
      var b = path.getBBox();
      if (path.getTotalLength() > 0 && (b.width > 0 || b.height > 0)) { out.drawnEdges++; }
    });
    out.edges = svg.querySelectorAll("g.edge path").length;
    var legend = svg.querySelector("g.legend").getBBox();
    out.legendWidth = legend.width;
    out.legendHeight = legend.height;
    out.legendEntries = svg.querySelectorAll("g.legend-entry").length;
  }
  var pre = document.createElement("pre");
  pre.id = "measured";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>
"#;

/// Opens `html` in headless Chromium with `MEASURE` added, and returns what it measured.
fn measure_in_chromium(html: &str) -> serde_json::Value {
    let browser = chromium();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let page = dir.path().join("graph.html");
    let html = html.replacen("</body>", &format!("{MEASURE}</body>"), 1);
    std::fs::write(&page, html).unwrap_or_else(|e| panic!("{e}"));
    let output = Command::new(&browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            "--disable-background-networking",
        ])
        .arg(format!(
            "--user-data-dir={}",
            dir.path().join("profile").display()
        ))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", browser.display()));
    let dom = String::from_utf8_lossy(&output.stdout);
    let start = dom.find("<pre id=\"measured\">").unwrap_or_else(|| {
        panic!(
            "Chromium did not run the page's script; stderr:\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    }) + "<pre id=\"measured\">".len();
    let end = start
        + dom[start..]
            .find("</pre>")
            .unwrap_or_else(|| panic!("the measures are not closed: {dom}"));
    let json = dom[start..end]
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"))
}

fn number(value: &serde_json::Value, key: &str) -> f64 {
    value[key]
        .as_f64()
        .unwrap_or_else(|| panic!("no {key} in {value}"))
}

#[test]
fn chromium_draws_the_page_with_every_node_legible() {
    for args in [
        vec!["--format", "html", "--lang", "it"],
        vec!["--format", "html", "--flow", "notizie", "--lang", "en"],
    ] {
        let html = graph(&args);
        let expected = svg_nodes(inline_svg(&html)).len();
        let measured = measure_in_chromium(&html);
        assert_eq!(
            number(&measured, "nodes") as usize,
            expected,
            "{args:?}: {measured}"
        );
        assert_eq!(
            number(&measured, "sized") as usize,
            expected,
            "{args:?}: {measured}"
        );
        assert!(number(&measured, "width") > 300.0, "{measured}");
        assert!(number(&measured, "height") > 200.0, "{measured}");
        assert!(number(&measured, "edges") > 0.0, "{measured}");
        assert_eq!(
            number(&measured, "drawnEdges"),
            number(&measured, "edges"),
            "{measured}"
        );
        assert!(number(&measured, "legendEntries") >= 16.0, "{measured}");
        assert!(number(&measured, "legendWidth") > 0.0, "{measured}");
        assert!(number(&measured, "legendHeight") > 0.0, "{measured}");
        assert_eq!(
            measured["overflowing"],
            serde_json::json!([]),
            "texts wider than their node: {args:?}"
        );
    }
}
