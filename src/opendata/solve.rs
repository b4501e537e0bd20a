//! Which withheld counts a reader could work out from what a table publishes.
//!
//! Every [`Sum`] is an equation `total − Σ parts = 0`; with the published cells moved
//! to the right-hand side, the withheld ones are the unknowns. A withheld cell is
//! recoverable exactly when its unit vector lies in the row space of those equations
//! — whatever combination of totals a reader subtracts, they get that cell alone.
//! This is decided by exact Gaussian elimination over the integers (fraction-free,
//! rows kept small by their gcd), one group of equations sharing unknowns at a time.
//!
//! Both the suppression (to know when it is done) and the tests (to check it)
//! ask this one question here.

use std::collections::{BTreeMap, BTreeSet};

use super::table::{CellId, Sum, Table};

/// The withheld cells of `table` whose value follows from its published cells and
/// sums.
pub fn recoverable(table: &Table) -> BTreeSet<CellId> {
    let equations: Vec<BTreeMap<CellId, i128>> = table
        .sums
        .iter()
        .map(|sum| unknowns_of(table, sum))
        .filter(|row| !row.is_empty())
        .collect();
    let mut found = BTreeSet::new();
    for group in groups(&equations) {
        found.extend(solvable(&group));
    }
    found
}

/// The withheld members of `sum` with their coefficients (+1 the total, −1 a part).
fn unknowns_of(table: &Table, sum: &Sum) -> BTreeMap<CellId, i128> {
    let mut row = BTreeMap::new();
    if table.is_withheld(sum.total) {
        *row.entry(sum.total).or_insert(0) += 1;
    }
    for part in &sum.parts {
        if table.is_withheld(*part) {
            *row.entry(*part).or_insert(0) -= 1;
        }
    }
    row.retain(|_, c| *c != 0);
    row
}

/// The equations split into groups that share no unknown (solved apart: a day's
/// totals never meet another day's).
fn groups(equations: &[BTreeMap<CellId, i128>]) -> Vec<Vec<&BTreeMap<CellId, i128>>> {
    let mut parent: Vec<usize> = (0..equations.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut first_with: BTreeMap<CellId, usize> = BTreeMap::new();
    for (i, equation) in equations.iter().enumerate() {
        for cell in equation.keys() {
            match first_with.get(cell) {
                Some(&j) => {
                    let (a, b) = (root(&mut parent, i), root(&mut parent, j));
                    parent[a] = b;
                }
                None => {
                    first_with.insert(*cell, i);
                }
            }
        }
    }
    let mut by_root: BTreeMap<usize, Vec<&BTreeMap<CellId, i128>>> = BTreeMap::new();
    for (i, equation) in equations.iter().enumerate() {
        let r = root(&mut parent, i);
        by_root.entry(r).or_default().push(equation);
    }
    by_root.into_values().collect()
}

/// The unknowns of one group that its equations determine.
fn solvable(group: &[&BTreeMap<CellId, i128>]) -> BTreeSet<CellId> {
    let unknowns: Vec<CellId> = group
        .iter()
        .flat_map(|e| e.keys().copied())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let column: BTreeMap<CellId, usize> =
        unknowns.iter().enumerate().map(|(i, c)| (*c, i)).collect();
    let mut matrix: Vec<Vec<i128>> = group
        .iter()
        .map(|equation| {
            let mut row = vec![0; unknowns.len()];
            for (cell, coefficient) in *equation {
                row[column[cell]] = *coefficient;
            }
            row
        })
        .collect();
    match reduce(&mut matrix) {
        Some(rank) => matrix[..rank]
            .iter()
            .filter_map(|row| {
                let mut nonzero = row.iter().enumerate().filter(|(_, c)| **c != 0);
                match (nonzero.next(), nonzero.next()) {
                    (Some((i, _)), None) => Some(unknowns[i]),
                    _ => None,
                }
            })
            .collect(),
        // Numbers too large to reduce exactly (never seen with sums of cells): count
        // every unknown as recoverable, so the suppression withholds more, not less.
        None => unknowns.into_iter().collect(),
    }
}

/// Brings `matrix` to reduced row echelon form (each pivot alone in its column) and
/// returns its rank; `None` if a number overflowed.
fn reduce(matrix: &mut [Vec<i128>]) -> Option<usize> {
    let columns = matrix.first().map_or(0, Vec::len);
    let mut rank = 0;
    for column in 0..columns {
        let Some(found) = (rank..matrix.len()).find(|&r| matrix[r][column] != 0) else {
            continue;
        };
        matrix.swap(rank, found);
        let pivot_row = matrix[rank].clone();
        let pivot = pivot_row[column];
        for (r, row) in matrix.iter_mut().enumerate() {
            let factor = row[column];
            if r == rank || factor == 0 {
                continue;
            }
            for (value, pivot_value) in row.iter_mut().zip(&pivot_row) {
                *value = value
                    .checked_mul(pivot)?
                    .checked_sub(pivot_value.checked_mul(factor)?)?;
            }
            shrink(row);
        }
        rank += 1;
    }
    Some(rank)
}

/// Divides a row by the gcd of its entries.
fn shrink(row: &mut [i128]) {
    let divisor = row.iter().fold(0, |g, v| gcd(g, v.unsigned_abs()));
    if divisor > 1 {
        for value in row.iter_mut() {
            *value /= divisor as i128;
        }
    }
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::opendata::table::{Cell, Count, Withheld};

    /// A grid of counts with a total column on the right and a total row at the
    /// bottom, both published as sums (the suppression's tests use it too).
    pub(in crate::opendata) fn grid(values: &[&[u64]]) -> Table {
        let mut table = Table::default();
        let width = values[0].len();
        let mut column_totals = vec![0; width + 1];
        for row in values {
            let total: u64 = row.iter().sum();
            let mut cells: Vec<Cell> = row
                .iter()
                .map(|v| Cell::Count(Count::of_people(*v)))
                .collect();
            cells.push(Cell::Count(Count::of_people(total)));
            for (i, v) in row.iter().chain([&total]).enumerate() {
                column_totals[i] += v;
            }
            table.push(cells);
        }
        table.push(
            column_totals
                .iter()
                .map(|v| Cell::Count(Count::of_people(*v)))
                .collect(),
        );
        let height = values.len();
        for row in 0..=height {
            table.sums.push(Sum {
                total: CellId { row, column: width },
                parts: (0..width).map(|column| CellId { row, column }).collect(),
            });
        }
        for column in 0..=width {
            table.sums.push(Sum {
                total: CellId {
                    row: height,
                    column,
                },
                parts: (0..height).map(|row| CellId { row, column }).collect(),
            });
        }
        table
    }

    fn hide(table: &mut Table, cells: &[(usize, usize)]) {
        for (row, column) in cells {
            table.withheld.insert(
                CellId {
                    row: *row,
                    column: *column,
                },
                Withheld::Small,
            );
        }
    }

    fn ids(cells: &[(usize, usize)]) -> BTreeSet<CellId> {
        cells
            .iter()
            .map(|(row, column)| CellId {
                row: *row,
                column: *column,
            })
            .collect()
    }

    #[test]
    fn a_cell_alone_in_its_row_is_recovered_from_the_row_total() {
        let mut table = grid(&[&[1, 9, 20], &[30, 40, 50]]);
        hide(&mut table, &[(0, 0)]);
        assert_eq!(recoverable(&table), ids(&[(0, 0)]));
    }

    #[test]
    fn a_rectangle_of_four_withheld_cells_gives_none_away() {
        let mut table = grid(&[&[1, 9, 20], &[2, 40, 8]]);
        hide(&mut table, &[(0, 0), (0, 2), (1, 0), (1, 2)]);
        assert!(recoverable(&table).is_empty());
    }

    #[test]
    fn a_cell_joining_two_safe_rectangles_is_recovered() {
        // Rows 0–1 × columns 0–1 and rows 2–3 × columns 2–3 are each safe; the cell
        // (1, 2) has a partner in its row and column, yet the totals isolate it.
        let mut table = grid(&[
            &[1, 2, 30, 40],
            &[3, 4, 5, 50],
            &[60, 70, 6, 7],
            &[80, 90, 8, 9],
        ]);
        hide(
            &mut table,
            &[
                (0, 0),
                (0, 1),
                (1, 0),
                (1, 1),
                (1, 2),
                (2, 2),
                (2, 3),
                (3, 2),
                (3, 3),
            ],
        );
        assert_eq!(recoverable(&table), ids(&[(1, 2)]));
    }

    #[test]
    fn withheld_totals_are_unknowns_too() {
        // The row's total and one of its cells withheld: the column totals still
        // give both away.
        let mut table = grid(&[&[1, 9], &[30, 40]]);
        hide(&mut table, &[(0, 0), (0, 2)]);
        assert_eq!(recoverable(&table), ids(&[(0, 0), (0, 2)]));
    }

    #[test]
    fn cells_in_no_sum_are_never_recoverable() {
        let mut table = Table::default();
        table.push(vec![Cell::Count(Count::of_people(2))]);
        hide(&mut table, &[(0, 0)]);
        assert!(recoverable(&table).is_empty());
    }
}
