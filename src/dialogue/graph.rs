//! Draws the flows as a picture staff can open: states are nodes, coloured and grouped
//! by flow; buttons, typed text, gotos (with their conditions) and given-up questions
//! are styled, labelled edges; commands, intents, the main menu and the fallback are
//! entry points; each state lists the actions it runs; a legend says what is what.
//!
//! One [`picture`] serves every format: Mermaid and DOT for other tools, SVG and a
//! self-contained HTML page laid out here. Labels the picture writes itself are in the
//! staff's language; the bot's texts are in its default language.

mod diagram;
mod layout;
mod legend;
mod page;
mod picture;
mod svg;
mod svg_legend;
mod words;

use super::model::Dialogues;
use super::suggest::did_you_mean;
use crate::staff_language::StaffLanguage;

/// Output syntax of `sportello graph`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GraphFormat {
    /// Mermaid flowchart text, which GitHub and many editors draw.
    Mermaid,
    /// Graphviz DOT, for `dot -Tsvg`.
    Dot,
    /// An SVG image, laid out without Graphviz.
    Svg,
    /// One HTML page with the SVG inline: opens in a browser, needs no network.
    Html,
}

/// What to draw, and in which language the picture's own words are.
#[derive(Debug, Clone, Default)]
pub struct GraphOptions {
    /// Only this flow (its states, the states of other flows it touches as small
    /// nodes, and the entry points into it); `None` draws every flow.
    pub flow: Option<String>,
    /// The legend's and the labels' language (default English).
    pub language: StaffLanguage,
}

/// Why a picture cannot be drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GraphError {
    /// `--flow` names no flow of the dialogues.
    UnknownFlow {
        /// The name asked for.
        name: String,
        /// The closest flow name, when it is likely a typo.
        suggestion: Option<String>,
        /// Every flow, to choose from.
        flows: Vec<String>,
    },
}

impl GraphError {
    /// The message in `language`.
    pub fn message(&self, language: StaffLanguage) -> String {
        match self {
            GraphError::UnknownFlow {
                name,
                suggestion,
                flows,
            } => {
                let mut text = match language {
                    StaffLanguage::English => format!("there is no flow `{name}`"),
                    StaffLanguage::Italian => format!("non c'è nessun flusso `{name}`"),
                };
                if let Some(best) = suggestion {
                    text.push_str(&match language {
                        StaffLanguage::English => format!("; did you mean `{best}`?"),
                        StaffLanguage::Italian => format!("; forse `{best}`?"),
                    });
                }
                let list = flows.join(", ");
                text.push_str(&match language {
                    StaffLanguage::English => format!(" (flows: {list})"),
                    StaffLanguage::Italian => format!(" (flussi: {list})"),
                });
                text
            }
        }
    }
}

impl std::fmt::Display for GraphError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message(StaffLanguage::current()))
    }
}

impl std::error::Error for GraphError {}

/// The picture of `d` in `format`: every flow, or the one `options.flow` names.
pub fn render(
    d: &Dialogues,
    format: GraphFormat,
    options: &GraphOptions,
) -> Result<String, GraphError> {
    let flow = match &options.flow {
        None => None,
        Some(name) => Some(
            d.flows
                .iter()
                .position(|f| &f.name == name)
                .ok_or_else(|| {
                    let flows: Vec<String> = d.flows.iter().map(|f| f.name.clone()).collect();
                    GraphError::UnknownFlow {
                        name: name.clone(),
                        suggestion: did_you_mean(name, &flows).map(str::to_owned),
                        flows,
                    }
                })?,
        ),
    };
    let language = options.language;
    let picture = picture::build(d, flow, language);
    Ok(match format {
        GraphFormat::Mermaid => diagram::mermaid(&picture, language),
        GraphFormat::Dot => diagram::dot(&picture, language),
        GraphFormat::Svg => svg::render(&picture, language, svg::Standing::File),
        GraphFormat::Html => page::render(&picture, language),
    })
}

#[cfg(test)]
mod tests {
    use super::picture::tests::two_flows;
    use super::*;

    #[test]
    fn an_unknown_flow_is_refused_with_the_closest_name() {
        let d = two_flows();
        let options = GraphOptions {
            flow: Some("aiutp".into()),
            language: StaffLanguage::English,
        };
        let error = render(&d, GraphFormat::Svg, &options).err();
        let Some(error) = error else {
            panic!("an unknown flow was drawn");
        };
        let english = error.message(StaffLanguage::English);
        assert!(
            english.contains("no flow `aiutp`; did you mean `aiuto`?"),
            "{english}"
        );
        assert!(english.contains("flows: main, aiuto"), "{english}");
        let italian = error.message(StaffLanguage::Italian);
        assert!(italian.contains("forse `aiuto`?"), "{italian}");
    }

    #[test]
    fn every_format_draws_one_flow() {
        let d = two_flows();
        let options = GraphOptions {
            flow: Some("aiuto".into()),
            language: StaffLanguage::Italian,
        };
        for format in [
            GraphFormat::Mermaid,
            GraphFormat::Dot,
            GraphFormat::Svg,
            GraphFormat::Html,
        ] {
            let text = render(&d, format, &options).unwrap_or_else(|e| panic!("{e}"));
            assert!(text.contains("domanda"), "{format:?}: {text}");
        }
    }
}
