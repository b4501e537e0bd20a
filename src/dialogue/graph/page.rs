//! The picture as one HTML page that opens in any browser with no network: the SVG
//! inline, a few lines of CSS, no scripts, fonts or links to anything outside.

use super::picture::Picture;
use super::svg::{self, Standing, xml};
use super::words::words;
use crate::staff_language::StaffLanguage;

pub(crate) fn render(picture: &Picture, language: StaffLanguage) -> String {
    let lang = language.pick("en", "it");
    let title = xml(&picture.title);
    let hover = xml(words(language).hover);
    let svg = svg::render(picture, language, Standing::Inline);
    format!(
        "<!DOCTYPE html>
<html lang=\"{lang}\">
<head>
<meta charset=\"utf-8\">
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">
<title>{title}</title>
<style>
body {{ margin: 0; background: #ffffff; color: #1a202c; font-family: \"DejaVu Sans\", Verdana, Arial, sans-serif; }}
main {{ padding: 8px 16px 24px; overflow: auto; }}
p.hint {{ margin: 12px 16px 0; font-size: 13px; color: #4a5568; }}
svg.sportello-graph {{ display: block; max-width: none; }}
svg.sportello-graph g.node:hover > :first-of-type, svg.sportello-graph g.edge:hover path {{ filter: brightness(0.9); stroke-width: 3; }}
</style>
</head>
<body>
<p class=\"hint\">{hover}</p>
<main>
{svg}</main>
</body>
</html>
"
    )
}
