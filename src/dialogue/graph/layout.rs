//! A layered layout, left to right, for pictures drawn without Graphviz: states in
//! columns by their distance from the roots (the main menu, the flows' starts), entry
//! points and states of other flows beside the states they touch, the order within a
//! column chosen to cross few edges, and edges as curves that pass between nodes.
//!
//! Pure geometry: it knows sizes and links, not what they mean.

use std::collections::VecDeque;

mod order;
mod place;

/// A width and a height, in pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Size {
    pub width: f64,
    pub height: f64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Point {
    pub x: f64,
    pub y: f64,
}

/// A box by its top-left corner.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Rect {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

impl Rect {
    pub(crate) fn centre(&self) -> Point {
        Point {
            x: self.x + self.width / 2.0,
            y: self.y + self.height / 2.0,
        }
    }
}

/// One piece of an edge's path, from where the previous one ended.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Segment {
    Line(Point),
    Curve(Point, Point, Point),
}

/// What to lay out.
#[derive(Debug)]
pub(crate) struct Graph {
    pub nodes: Vec<LayoutNode>,
    pub edges: Vec<LayoutEdge>,
    /// Where the columns are counted from, in order of importance; nodes no root
    /// reaches start columns of their own.
    pub roots: Vec<usize>,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct LayoutNode {
    pub size: Size,
    /// Placed beside the nodes it links to (an entry point, a state of another flow)
    /// rather than counted as a step of the flow.
    pub attached: bool,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct LayoutEdge {
    pub from: usize,
    pub to: usize,
    /// The size of its label, if it has one.
    pub label: Option<Size>,
}

/// Where everything went: boxes and paths, all inside `size` from (0, 0).
#[derive(Debug)]
pub(crate) struct Layout {
    pub nodes: Vec<Rect>,
    pub edges: Vec<Route>,
    pub size: Size,
}

/// An edge's path from its source's side to its target's side, and its label's box.
#[derive(Debug, Clone)]
pub(crate) struct Route {
    pub start: Point,
    pub segments: Vec<Segment>,
    pub label: Option<Rect>,
}

/// Lays `graph` out. Edges naming a node that does not exist are left with an empty
/// route rather than trusted.
pub(crate) fn layout(graph: &Graph) -> Layout {
    let ranks = ranks(graph);
    let mut layers = order::Layers::new(graph, &ranks);
    layers.reduce_crossings();
    place::place(graph, &layers)
}

/// The column of each node: breadth-first from the roots over the nodes that are not
/// attached; attached nodes one column before what they lead to (or after what leads
/// to them). Columns are then numbered from 0 with none empty.
fn ranks(graph: &Graph) -> Vec<usize> {
    let count = graph.nodes.len();
    let valid = |e: &&LayoutEdge| e.from < count && e.to < count;
    let core = |i: usize| !graph.nodes[i].attached;
    let mut next: Vec<Vec<usize>> = vec![Vec::new(); count];
    for edge in graph.edges.iter().filter(valid) {
        if core(edge.from) && core(edge.to) {
            next[edge.from].push(edge.to);
        }
    }
    let mut rank: Vec<Option<i64>> = vec![None; count];
    let seeds = graph
        .roots
        .iter()
        .copied()
        .chain(0..count)
        .filter(|&i| i < count && core(i));
    for seed in seeds.collect::<Vec<_>>() {
        if rank[seed].is_some() {
            continue;
        }
        rank[seed] = Some(0);
        let mut queue = VecDeque::from([seed]);
        while let Some(node) = queue.pop_front() {
            let depth = rank[node].unwrap_or(0) + 1;
            for &to in &next[node] {
                if rank[to].is_none() {
                    rank[to] = Some(depth);
                    queue.push_back(to);
                }
            }
        }
    }
    for node in (0..count).filter(|&i| !core(i)) {
        let before = graph
            .edges
            .iter()
            .filter(valid)
            .filter(|e| e.from == node && e.to != node)
            .filter_map(|e| rank[e.to])
            .min()
            .map(|r| r - 1);
        let after = || {
            graph
                .edges
                .iter()
                .filter(valid)
                .filter(|e| e.to == node && e.from != node)
                .filter_map(|e| rank[e.from])
                .min()
                .map(|r| r + 1)
        };
        rank[node] = Some(before.or_else(after).unwrap_or(0));
    }
    // Shift to 0 and close the gaps attached nodes may leave.
    let mut used: Vec<i64> = rank.iter().flatten().copied().collect();
    used.sort_unstable();
    used.dedup();
    rank.iter()
        .map(|r| r.and_then(|r| used.binary_search(&r).ok()).unwrap_or(0))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(attached: bool) -> LayoutNode {
        LayoutNode {
            size: Size {
                width: 80.0,
                height: 30.0,
            },
            attached,
        }
    }

    fn edge(from: usize, to: usize) -> LayoutEdge {
        LayoutEdge {
            from,
            to,
            label: Some(Size {
                width: 40.0,
                height: 14.0,
            }),
        }
    }

    /// An entry (0) into a chain 1 → 2 → 3 that goes back to 1, and a side state (4).
    fn chain() -> Graph {
        Graph {
            nodes: vec![
                node(true),
                node(false),
                node(false),
                node(false),
                node(false),
            ],
            edges: vec![edge(0, 1), edge(1, 2), edge(2, 3), edge(3, 1), edge(2, 4)],
            roots: vec![1],
        }
    }

    #[test]
    fn columns_follow_the_distance_from_the_root_and_entries_stand_before() {
        assert_eq!(ranks(&chain()), [0, 1, 2, 3, 3]);
    }

    #[test]
    fn boxes_do_not_overlap_and_go_left_to_right() {
        let graph = chain();
        let layout = layout(&graph);
        assert_eq!(layout.nodes.len(), 5);
        for (i, a) in layout.nodes.iter().enumerate() {
            assert!(a.x >= 0.0 && a.y >= 0.0, "{a:?}");
            assert!(a.x + a.width <= layout.size.width + 0.01);
            assert!(a.y + a.height <= layout.size.height + 0.01);
            for b in &layout.nodes[i + 1..] {
                let apart = a.x + a.width <= b.x
                    || b.x + b.width <= a.x
                    || a.y + a.height <= b.y
                    || b.y + b.height <= a.y;
                assert!(apart, "{a:?} overlaps {b:?}");
            }
        }
        assert!(layout.nodes[0].x < layout.nodes[1].x);
        assert!(layout.nodes[1].x < layout.nodes[2].x);
    }

    #[test]
    fn every_edge_has_a_path_and_labels_do_not_overlap() {
        let layout = layout(&chain());
        assert_eq!(layout.edges.len(), 5);
        for route in &layout.edges {
            assert!(!route.segments.is_empty());
        }
        let labels: Vec<Rect> = layout.edges.iter().filter_map(|r| r.label).collect();
        assert_eq!(labels.len(), 5);
        for (i, a) in labels.iter().enumerate() {
            for b in &labels[i + 1..] {
                let apart = a.x + a.width <= b.x + 0.01
                    || b.x + b.width <= a.x + 0.01
                    || a.y + a.height <= b.y + 0.01
                    || b.y + b.height <= a.y + 0.01;
                assert!(apart, "{a:?} overlaps {b:?}");
            }
        }
    }

    #[test]
    fn broken_input_does_not_panic() {
        let graph = Graph {
            nodes: vec![node(false), node(true)],
            edges: vec![edge(0, 7), edge(1, 1), edge(0, 0)],
            roots: vec![9],
        };
        let layout = layout(&graph);
        assert_eq!(layout.nodes.len(), 2);
        assert_eq!(layout.edges.len(), 3);
        let empty = layout_of_nothing();
        assert_eq!(empty.nodes.len(), 0);
    }

    fn layout_of_nothing() -> Layout {
        layout(&Graph {
            nodes: Vec::new(),
            edges: Vec::new(),
            roots: Vec::new(),
        })
    }
}
