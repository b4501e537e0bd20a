//! Columns of items (nodes, and waypoints where an edge passes a column) in an order
//! that crosses few edges: barycentre sweeps, keeping the best order seen.

use super::{Graph, Size};

/// How tall the slot is that an edge keeps where it passes a column.
pub(super) const WAYPOINT_HEIGHT: f64 = 6.0;

/// Sweeps tried; the picture stops improving well before.
const SWEEPS: usize = 16;

#[derive(Debug)]
pub(super) struct Item {
    /// The node it is; `None` for an edge's waypoint.
    pub node: Option<usize>,
    pub layer: usize,
    pub size: Size,
}

/// How an edge runs between the columns.
#[derive(Debug)]
pub(super) enum Chain {
    /// It names a node that does not exist.
    Invalid,
    /// From a node to itself.
    Loop,
    /// Between two nodes of the same column.
    Flat,
    /// Items from source to target, one per column on the way.
    Path(Vec<usize>),
}

#[derive(Debug)]
pub(super) struct Layers {
    pub items: Vec<Item>,
    /// Item ids per column, top to bottom.
    pub columns: Vec<Vec<usize>>,
    /// Per edge of the graph.
    pub chains: Vec<Chain>,
    /// The item of each node.
    pub node_item: Vec<usize>,
    /// Neighbours of each item in the column before and after.
    pub before: Vec<Vec<usize>>,
    pub after: Vec<Vec<usize>>,
}

impl Layers {
    pub(super) fn new(graph: &Graph, ranks: &[usize]) -> Layers {
        let count = graph.nodes.len();
        let mut items: Vec<Item> = graph
            .nodes
            .iter()
            .zip(ranks)
            .enumerate()
            .map(|(index, (node, &layer))| Item {
                node: Some(index),
                layer,
                size: node.size,
            })
            .collect();
        let node_item: Vec<usize> = (0..count).collect();
        let mut chains = Vec::with_capacity(graph.edges.len());
        for edge in &graph.edges {
            let chain = if edge.from >= count || edge.to >= count {
                Chain::Invalid
            } else if edge.from == edge.to {
                Chain::Loop
            } else {
                let (from, to) = (ranks[edge.from], ranks[edge.to]);
                if from == to {
                    Chain::Flat
                } else {
                    let passed: Vec<usize> = if from < to {
                        (from + 1..to).collect()
                    } else {
                        (to + 1..from).rev().collect()
                    };
                    let mut path = vec![edge.from];
                    for layer in passed {
                        items.push(Item {
                            node: None,
                            layer,
                            size: Size {
                                width: 0.0,
                                height: WAYPOINT_HEIGHT,
                            },
                        });
                        path.push(items.len() - 1);
                    }
                    path.push(edge.to);
                    Chain::Path(path)
                }
            };
            chains.push(chain);
        }
        let depth = items.iter().map(|i| i.layer + 1).max().unwrap_or(0);
        let mut columns: Vec<Vec<usize>> = vec![Vec::new(); depth];
        for (id, item) in items.iter().enumerate() {
            columns[item.layer].push(id);
        }
        let mut before = vec![Vec::new(); items.len()];
        let mut after = vec![Vec::new(); items.len()];
        for chain in &chains {
            if let Chain::Path(path) = chain {
                for pair in path.windows(2) {
                    let (a, b) = (pair[0], pair[1]);
                    let (left, right) = if items[a].layer < items[b].layer {
                        (a, b)
                    } else {
                        (b, a)
                    };
                    after[left].push(right);
                    before[right].push(left);
                }
            }
        }
        Layers {
            items,
            columns,
            chains,
            node_item,
            before,
            after,
        }
    }

    /// Reorders each column by the mean position of its neighbours, sweeping right
    /// then left, and keeps the order with the fewest crossings.
    pub(super) fn reduce_crossings(&mut self) {
        let mut best = self.columns.clone();
        let mut fewest = self.crossings();
        for sweep in 0..SWEEPS {
            let depth = self.columns.len();
            if sweep % 2 == 0 {
                for layer in 1..depth {
                    self.sort_column(layer, true);
                }
            } else {
                for layer in (0..depth.saturating_sub(1)).rev() {
                    self.sort_column(layer, false);
                }
            }
            let crossings = self.crossings();
            if crossings < fewest {
                fewest = crossings;
                best = self.columns.clone();
            }
        }
        self.columns = best;
    }

    fn positions(&self) -> Vec<usize> {
        let mut position = vec![0; self.items.len()];
        for column in &self.columns {
            for (index, &item) in column.iter().enumerate() {
                position[item] = index;
            }
        }
        position
    }

    fn sort_column(&mut self, layer: usize, by_before: bool) {
        let position = self.positions();
        let neighbours = if by_before { &self.before } else { &self.after };
        let Some(column) = self.columns.get(layer) else {
            return;
        };
        let mut keyed: Vec<(f64, usize, usize)> = column
            .iter()
            .enumerate()
            .map(|(index, &item)| {
                let around = &neighbours[item];
                let key = if around.is_empty() {
                    index as f64
                } else {
                    around.iter().map(|&n| position[n] as f64).sum::<f64>() / around.len() as f64
                };
                (key, index, item)
            })
            .collect();
        keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        self.columns[layer] = keyed.into_iter().map(|(_, _, item)| item).collect();
    }

    /// Pairs of links between neighbouring columns that cross.
    fn crossings(&self) -> usize {
        let position = self.positions();
        let mut total = 0;
        for column in &self.columns {
            let links: Vec<(usize, usize)> = column
                .iter()
                .flat_map(|&a| self.after[a].iter().map(move |&b| (a, b)))
                .map(|(a, b)| (position[a], position[b]))
                .collect();
            for (i, &(a1, b1)) in links.iter().enumerate() {
                total += links[i + 1..]
                    .iter()
                    .filter(|&&(a2, b2)| (a1 < a2 && b1 > b2) || (a1 > a2 && b1 < b2))
                    .count();
            }
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::super::{LayoutEdge, LayoutNode};
    use super::*;

    fn node() -> LayoutNode {
        LayoutNode {
            size: Size {
                width: 10.0,
                height: 10.0,
            },
            attached: false,
        }
    }

    #[test]
    fn a_crossing_that_can_be_undone_is() {
        // 0 → 3, 1 → 2: written in that order the two links cross.
        let graph = Graph {
            nodes: vec![node(), node(), node(), node()],
            edges: [(0, 3), (1, 2)]
                .into_iter()
                .map(|(from, to)| LayoutEdge {
                    from,
                    to,
                    label: None,
                })
                .collect(),
            roots: vec![0, 1],
        };
        let mut layers = Layers::new(&graph, &[0, 0, 1, 1]);
        assert_eq!(layers.crossings(), 1);
        layers.reduce_crossings();
        assert_eq!(layers.crossings(), 0);
    }

    #[test]
    fn long_edges_get_a_waypoint_in_every_column_they_pass() {
        let graph = Graph {
            nodes: vec![node(), node(), node(), node()],
            edges: vec![LayoutEdge {
                from: 3,
                to: 0,
                label: None,
            }],
            roots: vec![0],
        };
        let layers = Layers::new(&graph, &[0, 1, 2, 3]);
        match &layers.chains[0] {
            Chain::Path(path) => {
                assert_eq!(path.len(), 4);
                let columns: Vec<usize> = path.iter().map(|&i| layers.items[i].layer).collect();
                assert_eq!(columns, [3, 2, 1, 0]);
            }
            other => panic!("{other:?}"),
        }
    }
}
