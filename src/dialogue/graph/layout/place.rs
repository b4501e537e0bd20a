//! Coordinates for ordered columns: each column's items as close to their neighbours'
//! height as spacing allows, columns as far apart as their edge labels need, edges as
//! curves with horizontal ends, labels kept on their curve and off each other.

use super::order::{Chain, Layers};
use super::{Graph, Layout, Point, Rect, Route, Segment, Size};

/// Vertical space between two nodes of a column.
const NODE_GAP: f64 = 18.0;
/// Vertical space next to an edge passing a column.
const WAYPOINT_GAP: f64 = 6.0;
/// Horizontal space between columns with no label.
const MIN_COLUMN_GAP: f64 = 70.0;
/// Space either side of the widest label between two columns.
const LABEL_PAD: f64 = 14.0;
/// Vertical space between labels.
const LABEL_GAP: f64 = 2.0;
/// Rounds of pulling each column towards its neighbours.
const ROUNDS: usize = 8;
/// Around the whole picture.
const MARGIN: f64 = 8.0;

pub(super) fn place(graph: &Graph, layers: &Layers) -> Layout {
    let ys = heights(layers);
    let depth = layers.columns.len();
    let widths: Vec<f64> = layers
        .columns
        .iter()
        .map(|c| {
            c.iter()
                .map(|&i| layers.items[i].size.width)
                .fold(0.0, f64::max)
        })
        .collect();
    let gaps = column_gaps(graph, layers);
    let mut lefts = Vec::with_capacity(depth);
    let mut x = 0.0;
    for layer in 0..depth {
        lefts.push(x);
        x += widths[layer] + gaps[layer];
    }
    let column = Columns {
        lefts,
        widths,
        gaps,
    };
    let nodes: Vec<Rect> = graph
        .nodes
        .iter()
        .enumerate()
        .map(|(node, n)| {
            let item = layers.node_item[node];
            let layer = layers.items[item].layer;
            Rect {
                x: column.left(layer) + (column.width(layer) - n.size.width) / 2.0,
                y: ys[item] - n.size.height / 2.0,
                width: n.size.width,
                height: n.size.height,
            }
        })
        .collect();
    let ports = Ports::assign(graph, layers, &nodes, &ys);
    let mut labels: Vec<Label> = Vec::new();
    let mut routes: Vec<Route> = Vec::with_capacity(graph.edges.len());
    for (index, (edge, chain)) in graph.edges.iter().zip(&layers.chains).enumerate() {
        let (route, label) = match chain {
            Chain::Invalid => (
                Route {
                    start: Point { x: 0.0, y: 0.0 },
                    segments: Vec::new(),
                    label: None,
                },
                None,
            ),
            Chain::Loop => self_loop(nodes[edge.from], layers.items[edge.from].layer),
            Chain::Flat => flat(&ports, index, nodes[edge.from], &column, layers, edge.from),
            Chain::Path(path) => along(&ports, index, path, layers, &ys, &column),
        };
        if let (Some(size), Some(mut label)) = (edge.label, label) {
            label.edge = index;
            label.size = size;
            labels.push(label);
        }
        routes.push(route);
    }
    for label in settle(labels, &column) {
        routes[label.edge].label = Some(Rect {
            x: label.centre.x - label.size.width / 2.0,
            y: label.centre.y - label.size.height / 2.0,
            width: label.size.width,
            height: label.size.height,
        });
    }
    to_origin(nodes, routes)
}

/// Where the columns are.
struct Columns {
    lefts: Vec<f64>,
    widths: Vec<f64>,
    /// The space after each column (the last one's holds loops and flat edges).
    gaps: Vec<f64>,
}

impl Columns {
    fn left(&self, layer: usize) -> f64 {
        self.lefts.get(layer).copied().unwrap_or(0.0)
    }
    fn width(&self, layer: usize) -> f64 {
        self.widths.get(layer).copied().unwrap_or(0.0)
    }
    fn right(&self, layer: usize) -> f64 {
        self.left(layer) + self.width(layer)
    }
    /// The horizontal span of the gap after `layer`.
    fn gap(&self, layer: usize) -> (f64, f64) {
        let left = self.right(layer);
        (
            left,
            left + self.gaps.get(layer).copied().unwrap_or(MIN_COLUMN_GAP),
        )
    }
}

/// The centre height of every item.
fn heights(layers: &Layers) -> Vec<f64> {
    let mut ys = vec![0.0; layers.items.len()];
    let spacing = |a: usize, b: usize| {
        let (a, b) = (&layers.items[a], &layers.items[b]);
        let gap = if a.node.is_some() && b.node.is_some() {
            NODE_GAP
        } else {
            WAYPOINT_GAP
        };
        (a.size.height + b.size.height) / 2.0 + gap
    };
    for column in &layers.columns {
        let mut y = 0.0;
        for (index, &item) in column.iter().enumerate() {
            if index > 0 {
                y += spacing(column[index - 1], item);
            }
            ys[item] = y;
        }
    }
    let pull = |ys: &mut Vec<f64>, column: &Vec<usize>, towards: &dyn Fn(usize) -> Vec<usize>| {
        let desired: Vec<f64> = column
            .iter()
            .map(|&item| {
                let around = towards(item);
                if around.is_empty() {
                    ys[item]
                } else {
                    around.iter().map(|&n| ys[n]).sum::<f64>() / around.len() as f64
                }
            })
            .collect();
        let gaps: Vec<f64> = column.windows(2).map(|w| spacing(w[0], w[1])).collect();
        for (&item, y) in column.iter().zip(fit(&desired, &gaps)) {
            ys[item] = y;
        }
    };
    let before = |item: usize| layers.before[item].clone();
    let after = |item: usize| layers.after[item].clone();
    let both = |item: usize| [&layers.before[item][..], &layers.after[item][..]].concat();
    for _ in 0..ROUNDS {
        for column in layers.columns.iter().skip(1) {
            pull(&mut ys, column, &before);
        }
        for column in layers.columns.iter().rev().skip(1) {
            pull(&mut ys, column, &after);
        }
    }
    for column in &layers.columns {
        pull(&mut ys, column, &both);
    }
    ys
}

/// The positions closest to `desired` (least squares) that keep each one at least its
/// gap below the one before: isotonic regression by pooling adjacent violators.
fn fit(desired: &[f64], gaps: &[f64]) -> Vec<f64> {
    let mut offsets = Vec::with_capacity(desired.len());
    let mut offset = 0.0;
    for index in 0..desired.len() {
        if index > 0 {
            offset += gaps.get(index - 1).copied().unwrap_or(0.0);
        }
        offsets.push(offset);
    }
    // Blocks of (sum, count) whose means never decrease.
    let mut blocks: Vec<(f64, usize)> = Vec::new();
    for (d, o) in desired.iter().zip(&offsets) {
        blocks.push((d - o, 1));
        while blocks.len() >= 2 {
            let (last_sum, last_count) = blocks[blocks.len() - 1];
            let (prev_sum, prev_count) = blocks[blocks.len() - 2];
            if prev_sum / prev_count as f64 <= last_sum / last_count as f64 {
                break;
            }
            blocks.pop();
            blocks.pop();
            blocks.push((prev_sum + last_sum, prev_count + last_count));
        }
    }
    blocks
        .iter()
        .flat_map(|&(sum, count)| std::iter::repeat_n(sum / count as f64, count))
        .zip(&offsets)
        .map(|(q, o)| q + o)
        .collect()
}

/// The space after each column: enough for the widest label drawn there.
fn column_gaps(graph: &Graph, layers: &Layers) -> Vec<f64> {
    let mut gaps = vec![MIN_COLUMN_GAP; layers.columns.len()];
    for (edge, chain) in graph.edges.iter().zip(&layers.chains) {
        let Some(label) = edge.label else { continue };
        let gap = match chain {
            Chain::Invalid => continue,
            Chain::Loop | Chain::Flat => layers.items[edge.from].layer,
            Chain::Path(path) => match (path.first(), path.get(1)) {
                (Some(&a), Some(&b)) => layers.items[a].layer.min(layers.items[b].layer),
                _ => continue,
            },
        };
        if let Some(space) = gaps.get_mut(gap) {
            *space = space.max(label.width + 2.0 * LABEL_PAD);
        }
    }
    gaps
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Left,
    Right,
}

/// Where each edge leaves and enters its nodes: spread along the node's side, in the
/// order of where the edges go, so that they do not cross at the node.
struct Ports {
    /// Per edge: the height at its source and at its target.
    at: Vec<(f64, f64)>,
}

impl Ports {
    fn assign(graph: &Graph, layers: &Layers, nodes: &[Rect], ys: &[f64]) -> Ports {
        // (node, side, the height the edge heads to, edge, whether it is the source)
        let mut wanted: Vec<(usize, Side, f64, usize, bool)> = Vec::new();
        for (index, (edge, chain)) in graph.edges.iter().zip(&layers.chains).enumerate() {
            match chain {
                Chain::Path(path) if path.len() >= 2 => {
                    let forward = layers.items[edge.from].layer < layers.items[edge.to].layer;
                    let (out, into) = if forward {
                        (Side::Right, Side::Left)
                    } else {
                        (Side::Left, Side::Right)
                    };
                    let next = ys[path[1]];
                    let previous = ys[path[path.len() - 2]];
                    wanted.push((edge.from, out, next, index, true));
                    wanted.push((edge.to, into, previous, index, false));
                }
                Chain::Flat => {
                    wanted.push((edge.from, Side::Right, ys[edge.to], index, true));
                    wanted.push((edge.to, Side::Right, ys[edge.from], index, false));
                }
                _ => {}
            }
        }
        wanted.sort_by(|a, b| {
            (a.0, a.1 == Side::Right)
                .cmp(&(b.0, b.1 == Side::Right))
                .then(a.2.total_cmp(&b.2))
        });
        let mut at = vec![(0.0, 0.0); graph.edges.len()];
        let mut start = 0;
        while start < wanted.len() {
            let (node, side) = (wanted[start].0, wanted[start].1);
            let end = wanted[start..]
                .iter()
                .position(|w| (w.0, w.1) != (node, side))
                .map_or(wanted.len(), |n| start + n);
            let rect = nodes[node];
            let count = (end - start) as f64;
            for (k, w) in wanted[start..end].iter().enumerate() {
                let y = rect.y + rect.height * (k as f64 + 1.0) / (count + 1.0);
                let slot = &mut at[w.3];
                if w.4 {
                    slot.0 = y;
                } else {
                    slot.1 = y;
                }
            }
            start = end;
        }
        Ports { at }
    }
}

/// A label waiting for its place: in the gap after `gap`, on `curve` if it has one.
struct Label {
    edge: usize,
    gap: usize,
    centre: Point,
    size: Size,
    /// The curve it should sit on: (from, to), with horizontal ends.
    curve: Option<(Point, Point)>,
}

fn label_at(gap: usize, centre: Point, curve: Option<(Point, Point)>) -> Option<Label> {
    Some(Label {
        edge: 0,
        gap,
        centre,
        size: Size {
            width: 0.0,
            height: 0.0,
        },
        curve,
    })
}

/// A curve from `from` to `to` leaving and arriving horizontally.
fn curve(from: Point, to: Point) -> Segment {
    let middle = (from.x + to.x) / 2.0;
    Segment::Curve(
        Point {
            x: middle,
            y: from.y,
        },
        Point { x: middle, y: to.y },
        to,
    )
}

fn along(
    ports: &Ports,
    index: usize,
    path: &[usize],
    layers: &Layers,
    ys: &[f64],
    column: &Columns,
) -> (Route, Option<Label>) {
    let (Some(&first), Some(&last)) = (path.first(), path.last()) else {
        return (
            Route {
                start: Point { x: 0.0, y: 0.0 },
                segments: Vec::new(),
                label: None,
            },
            None,
        );
    };
    let (from_layer, to_layer) = (layers.items[first].layer, layers.items[last].layer);
    let forward = from_layer < to_layer;
    let (start_y, end_y) = ports
        .at
        .get(index)
        .copied()
        .unwrap_or((ys[first], ys[last]));
    // A node's side is its column's edge when the node is as wide as the column.
    let side_x = |layer: usize, right: bool, width: f64| {
        let inset = (column.width(layer) - width) / 2.0;
        if right {
            column.right(layer) - inset
        } else {
            column.left(layer) + inset
        }
    };
    let start = Point {
        x: side_x(from_layer, forward, layers.items[first].size.width),
        y: start_y,
    };
    let end = Point {
        x: side_x(to_layer, !forward, layers.items[last].size.width),
        y: end_y,
    };
    let mut segments = Vec::new();
    let mut at = start;
    let mut first_curve = None;
    let waypoints = path.get(1..path.len().saturating_sub(1)).unwrap_or(&[]);
    for &waypoint in waypoints {
        let layer = layers.items[waypoint].layer;
        let y = ys[waypoint];
        let (enter, leave) = if forward {
            (column.left(layer), column.right(layer))
        } else {
            (column.right(layer), column.left(layer))
        };
        let entry = Point { x: enter, y };
        first_curve.get_or_insert((at, entry));
        segments.push(curve(at, entry));
        at = Point { x: leave, y };
        segments.push(Segment::Line(at));
    }
    first_curve.get_or_insert((at, end));
    segments.push(curve(at, end));
    let label = first_curve.and_then(|(a, b)| {
        let gap = if forward {
            from_layer
        } else {
            from_layer.checked_sub(1)?
        };
        let centre = Point {
            x: (a.x + b.x) / 2.0,
            y: (a.y + b.y) / 2.0,
        };
        label_at(gap, centre, Some((a, b)))
    });
    (
        Route {
            start,
            segments,
            label: None,
        },
        label,
    )
}

/// An edge between two nodes of one column: out of the source's right side, round
/// through the gap, back into the target's right side.
fn flat(
    ports: &Ports,
    index: usize,
    source: Rect,
    column: &Columns,
    layers: &Layers,
    from: usize,
) -> (Route, Option<Label>) {
    let layer = layers.items[from].layer;
    let (start_y, end_y) = ports.at.get(index).copied().unwrap_or((0.0, 0.0));
    let inset = (column.width(layer) - source.width) / 2.0;
    let start = Point {
        x: column.right(layer) - inset,
        y: start_y,
    };
    // Both nodes share the column, but not always the width.
    let target_right = column.right(layer);
    let bulge = 24.0 + ((end_y - start_y).abs() * 0.1).min(40.0);
    let far = column.right(layer) + bulge;
    let end = Point {
        x: target_right,
        y: end_y,
    };
    let segments = vec![Segment::Curve(
        Point { x: far, y: start_y },
        Point { x: far, y: end_y },
        end,
    )];
    let centre = Point {
        x: far,
        y: (start_y + end_y) / 2.0,
    };
    (
        Route {
            start,
            segments,
            label: None,
        },
        label_at(layer, centre, None),
    )
}

fn self_loop(node: Rect, layer: usize) -> (Route, Option<Label>) {
    let right = node.x + node.width;
    let centre = node.centre();
    let (top, bottom) = (centre.y - node.height / 4.0, centre.y + node.height / 4.0);
    let reach = right + 36.0;
    let segments = vec![Segment::Curve(
        Point {
            x: reach,
            y: top - 18.0,
        },
        Point {
            x: reach,
            y: bottom + 18.0,
        },
        Point {
            x: right,
            y: bottom,
        },
    )];
    let route = Route {
        start: Point { x: right, y: top },
        segments,
        label: None,
    };
    let label = Point {
        x: reach + 20.0,
        y: centre.y,
    };
    (route, label_at(layer, label, None))
}

/// Moves the labels of each gap apart vertically, then back onto their curves and
/// inside their gap.
fn settle(mut labels: Vec<Label>, column: &Columns) -> Vec<Label> {
    labels.sort_by(|a, b| a.gap.cmp(&b.gap).then(a.centre.y.total_cmp(&b.centre.y)));
    let mut start = 0;
    while start < labels.len() {
        let gap = labels[start].gap;
        let end = labels[start..]
            .iter()
            .position(|l| l.gap != gap)
            .map_or(labels.len(), |n| start + n);
        let group = &mut labels[start..end];
        let desired: Vec<f64> = group.iter().map(|l| l.centre.y).collect();
        let spacing: Vec<f64> = group
            .windows(2)
            .map(|w| (w[0].size.height + w[1].size.height) / 2.0 + LABEL_GAP)
            .collect();
        let (left, right) = column.gap(gap);
        for (label, y) in group.iter_mut().zip(fit(&desired, &spacing)) {
            label.centre.y = y;
            if let Some((a, b)) = label.curve {
                label.centre.x = x_on_curve(a, b, y).unwrap_or(label.centre.x);
            }
            let half = label.size.width / 2.0 + 2.0;
            let (low, high) = (left + half, right - half);
            label.centre.x = if low <= high {
                label.centre.x.clamp(low, high)
            } else {
                (left + right) / 2.0
            };
        }
        start = end;
    }
    labels
}

/// Where the curve from `a` to `b` (horizontal ends) is at height `y`, if it gets there.
fn x_on_curve(a: Point, b: Point, y: f64) -> Option<f64> {
    let rise = b.y - a.y;
    if rise.abs() < 1.0 {
        return None;
    }
    let share = (y - a.y) / rise;
    if !(0.0..=1.0).contains(&share) {
        return None;
    }
    // y(t) = a.y + rise·(3t² − 2t³), which only grows with t: halve the interval.
    let (mut low, mut high) = (0.0_f64, 1.0_f64);
    for _ in 0..30 {
        let t = (low + high) / 2.0;
        if 3.0 * t * t - 2.0 * t * t * t < share {
            low = t;
        } else {
            high = t;
        }
    }
    let t = (low + high) / 2.0;
    // x(t) with both inner control points at the middle.
    let middle = (a.x + b.x) / 2.0;
    let u = 1.0 - t;
    Some(u * u * u * a.x + 3.0 * u * t * middle + t * t * t * b.x)
}

/// Moves everything so the picture starts at (MARGIN, MARGIN), and measures it.
fn to_origin(mut nodes: Vec<Rect>, mut routes: Vec<Route>) -> Layout {
    let mut points: Vec<Point> = Vec::new();
    for rect in &nodes {
        points.push(Point {
            x: rect.x,
            y: rect.y,
        });
        points.push(Point {
            x: rect.x + rect.width,
            y: rect.y + rect.height,
        });
    }
    for route in routes.iter().filter(|r| !r.segments.is_empty()) {
        points.push(route.start);
        for segment in &route.segments {
            match *segment {
                Segment::Line(p) => points.push(p),
                Segment::Curve(a, b, c) => points.extend([a, b, c]),
            }
        }
        if let Some(label) = route.label {
            points.push(Point {
                x: label.x,
                y: label.y,
            });
            points.push(Point {
                x: label.x + label.width,
                y: label.y + label.height,
            });
        }
    }
    let min_x = points.iter().map(|p| p.x).fold(f64::INFINITY, f64::min);
    let min_y = points.iter().map(|p| p.y).fold(f64::INFINITY, f64::min);
    let max_x = points.iter().map(|p| p.x).fold(f64::NEG_INFINITY, f64::max);
    let max_y = points.iter().map(|p| p.y).fold(f64::NEG_INFINITY, f64::max);
    if points.is_empty() {
        return Layout {
            nodes,
            edges: routes,
            size: Size {
                width: 2.0 * MARGIN,
                height: 2.0 * MARGIN,
            },
        };
    }
    let (dx, dy) = (MARGIN - min_x, MARGIN - min_y);
    let shift = |p: &mut Point| {
        p.x += dx;
        p.y += dy;
    };
    for rect in &mut nodes {
        rect.x += dx;
        rect.y += dy;
    }
    for route in &mut routes {
        shift(&mut route.start);
        for segment in &mut route.segments {
            match segment {
                Segment::Line(p) => shift(p),
                Segment::Curve(a, b, c) => {
                    shift(a);
                    shift(b);
                    shift(c);
                }
            }
        }
        if let Some(label) = &mut route.label {
            label.x += dx;
            label.y += dy;
        }
    }
    Layout {
        nodes,
        edges: routes,
        size: Size {
            width: max_x - min_x + 2.0 * MARGIN,
            height: max_y - min_y + 2.0 * MARGIN,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_keeps_the_gaps_and_stays_close() {
        assert_eq!(fit(&[0.0, 0.0], &[10.0]), [-5.0, 5.0]);
        assert_eq!(fit(&[0.0, 50.0], &[10.0]), [0.0, 50.0]);
        assert!(fit(&[], &[]).is_empty());
    }

    #[test]
    fn a_label_moved_down_its_curve_moves_along_it() {
        let a = Point { x: 0.0, y: 0.0 };
        let b = Point { x: 100.0, y: 100.0 };
        let middle = x_on_curve(a, b, 50.0).unwrap_or(f64::NAN);
        assert!((middle - 50.0).abs() < 0.1, "{middle}");
        let lower = x_on_curve(a, b, 80.0).unwrap_or(f64::NAN);
        assert!(lower > 50.0 && lower < 100.0, "{lower}");
        assert_eq!(x_on_curve(a, b, 150.0), None);
    }
}
