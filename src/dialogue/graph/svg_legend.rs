//! The legend of an SVG picture: a sample of every node shape and edge style with what
//! it means, and the colour of each flow when several are drawn.

use std::fmt::Write as _;

use super::layout::{Point, Rect, Segment, Size};
use super::legend::{Sample, legend};
use super::picture::{NodeKind, Picture};
use super::svg::{
    LABEL_FONT, SMALL_FONT, edge_style, flow_colours, kind_colours, path_data, shape, text_width,
    xml,
};
use super::words::words;
use crate::staff_language::StaffLanguage;

const SAMPLE: Size = Size {
    width: 46.0,
    height: 22.0,
};
const ROW: f64 = 30.0;
const COLUMNS: usize = 4;

/// The legend's SVG (to be placed by a `translate`) and its size.
pub(super) struct Drawing {
    pub svg: String,
    pub size: Size,
}

/// One cell of the grid: its sample and its text.
enum Cell {
    Sample(Sample, &'static str),
    Flow(usize, String),
}

pub(super) fn draw(picture: &Picture, language: StaffLanguage) -> Drawing {
    let words = words(language);
    let mut blocks: Vec<(&str, Vec<Cell>)> = vec![(
        words.legend,
        legend(language)
            .into_iter()
            .map(|e| Cell::Sample(e.sample, e.text))
            .collect(),
    )];
    if picture.flows.len() > 1 {
        let flows = picture
            .flows
            .iter()
            .enumerate()
            .map(|(group, name)| Cell::Flow(group, name.clone()))
            .collect();
        blocks.push((words.flows, flows));
    }
    let cell_width = blocks
        .iter()
        .flat_map(|(_, cells)| cells)
        .map(|cell| {
            let text = match cell {
                Cell::Sample(_, text) => text,
                Cell::Flow(_, name) => name.as_str(),
            };
            SAMPLE.width + 8.0 + text_width(text, SMALL_FONT) + 24.0
        })
        .fold(0.0, f64::max)
        .ceil();
    let mut svg = String::new();
    let mut y = 0.0;
    let mut widest: f64 = 0.0;
    for (heading, cells) in &blocks {
        let _ = writeln!(
            svg,
            "<text x=\"0\" y=\"{:.1}\" font-size=\"{LABEL_FONT}\" font-weight=\"bold\" fill=\"#1a202c\">{}</text>",
            y + LABEL_FONT,
            xml(heading)
        );
        y += LABEL_FONT + 10.0;
        for (index, cell) in cells.iter().enumerate() {
            let (column, row) = (index % COLUMNS, index / COLUMNS);
            let at = Point {
                x: column as f64 * cell_width,
                y: y + row as f64 * ROW,
            };
            draw_cell(&mut svg, cell, at);
            widest = widest.max(at.x + cell_width);
        }
        y += cells.len().div_ceil(COLUMNS) as f64 * ROW + 6.0;
    }
    Drawing {
        svg,
        size: Size {
            width: widest,
            height: y,
        },
    }
}

fn draw_cell(svg: &mut String, cell: &Cell, at: Point) {
    let sample = Rect {
        x: at.x,
        y: at.y,
        width: SAMPLE.width,
        height: SAMPLE.height,
    };
    let (drawing, text) = match cell {
        Cell::Sample(Sample::Node(kind), text) => {
            let (stroke, fill) = kind_colours(*kind, None);
            let mut drawing = shape(*kind, sample, stroke, fill);
            // The mark a start state's label carries.
            if let NodeKind::State { start: true, .. } = kind {
                drawing.push_str(&icon(at, "▶"));
            }
            (drawing, *text)
        }
        Cell::Sample(Sample::Detail(mark), text) => {
            let kind = NodeKind::State {
                start: false,
                end: false,
            };
            let (stroke, fill) = kind_colours(kind, None);
            (shape(kind, sample, stroke, fill) + &icon(at, mark), *text)
        }
        Cell::Sample(Sample::Edge(kind), text) => {
            let middle = at.y + SAMPLE.height / 2.0;
            let path = path_data(
                Point { x: at.x, y: middle },
                &[Segment::Line(Point {
                    x: at.x + SAMPLE.width - 4.0,
                    y: middle,
                })],
            );
            (format!("<path d=\"{path}\" {}/>", edge_style(*kind)), *text)
        }
        Cell::Flow(group, name) => {
            let (stroke, fill) = flow_colours(*group);
            let kind = NodeKind::State {
                start: false,
                end: false,
            };
            (shape(kind, sample, stroke, fill), name.as_str())
        }
    };
    let _ = writeln!(
        svg,
        "<g class=\"legend-entry\">{drawing}<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"{SMALL_FONT}\" fill=\"#1a202c\">{}</text></g>",
        at.x + SAMPLE.width + 8.0,
        at.y + SAMPLE.height / 2.0 + 4.0,
        xml(text)
    );
}

/// A mark in the middle of a sample.
fn icon(at: Point, mark: &str) -> String {
    format!(
        "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"{SMALL_FONT}\" text-anchor=\"middle\" fill=\"#4a5568\">{}</text>",
        at.x + SAMPLE.width / 2.0,
        at.y + SAMPLE.height / 2.0 + 4.0,
        xml(mark)
    )
}
