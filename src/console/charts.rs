//! Small bar charts as inline SVG, drawn on the server: no script, readable by screen
//! readers (a title, and the figures as text on every bar).

use std::fmt::Write;

const WIDTH: f64 = 640.0;
const BAR: f64 = 22.0;
const GAP: f64 = 8.0;
const LABEL: f64 = 180.0;
/// Bootstrap Italia's primary blue, 7:1 on white.
const COLOUR: &str = "#0066cc";

/// One bar: its label, its length, and the figure written beside it (`80%`).
pub(super) type Bar = (String, f64, String);

/// A horizontal bar chart, titled `title`.
pub(super) fn bars(title: &str, rows: &[Bar]) -> String {
    let max = rows.iter().map(|(_, v, _)| *v).fold(0.0_f64, f64::max);
    let height = (rows.len().max(1) as f64) * (BAR + GAP) + GAP;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" aria-labelledby="chart-{id}"><title id="chart-{id}">{title}</title>"#,
        id = slug(title),
        title = escape(title),
    );
    for (i, (label, value, shown)) in rows.iter().enumerate() {
        let y = GAP + i as f64 * (BAR + GAP);
        let room = WIDTH - LABEL - 70.0;
        let width = if max > 0.0 { value / max * room } else { 0.0 };
        let _ = write!(
            svg,
            r##"<text x="{lx}" y="{ty}" text-anchor="end" font-size="13" fill="#1a1a1a">{label}</text><rect x="{LABEL}" y="{y}" width="{width:.1}" height="{BAR}" fill="{COLOUR}"/><text x="{vx:.1}" y="{ty}" font-size="13" fill="#1a1a1a">{value}</text>"##,
            lx = LABEL - 8.0,
            ty = y + BAR * 0.7,
            label = escape(label),
            vx = LABEL + width + 6.0,
            value = escape(shown),
        );
    }
    svg.push_str("</svg>");
    svg
}

fn slug(title: &str) -> String {
    title
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(24)
        .collect()
}

fn escape(text: &str) -> String {
    html_escape::encode_text(text).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_is_well_formed_svg_with_every_figure_as_text() {
        let svg = bars(
            "Risposte per argomento",
            &[
                ("maturita".into(), 12.0, "12".into()),
                ("<ammissione>".into(), 3.5, "3.5%".into()),
            ],
        );
        let doc = roxmltree::Document::parse(&svg);
        assert!(doc.is_ok(), "{svg}");
        assert!(svg.contains(">12<") && svg.contains(">3.5%<"));
        assert!(svg.contains("&lt;ammissione&gt;"));
        assert!(svg.contains("<title"));
    }

    #[test]
    fn no_rows_and_zeros_draw_an_empty_chart() {
        let svg = bars("Vuoto", &[("a".into(), 0.0, "0".into())]);
        assert!(roxmltree::Document::parse(&svg).is_ok());
        assert!(bars("Niente", &[]).ends_with("</svg>"));
    }
}
