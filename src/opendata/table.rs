//! A dataset as a table of typed cells, with the sums that tie its totals to their
//! parts and the cells withheld. No I/O: the suppression fills `withheld`, the CSV
//! writer reads it.

use std::collections::BTreeMap;

use chrono::NaiveDate;

/// Where a cell is in its table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CellId {
    /// The row, from 0 (the header is not a row).
    pub row: usize,
    /// The column, from 0.
    pub column: usize,
}

/// A count of events and how many distinct citizens they come from: the threshold
/// applies to the citizens, so one person's twelve messages stay withheld.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count {
    /// What is published.
    pub value: u64,
    /// Distinct citizens behind `value` (equal to it when each counts once).
    pub people: u64,
}

impl Count {
    /// A count where each citizen counts once (subscribers, votes, conversations).
    pub fn of_people(people: u64) -> Count {
        Count {
            value: people,
            people,
        }
    }
}

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// A label (topic, channel, option): always published.
    Text(String),
    /// A day, written as ISO 8601 (`2027-01-20`): always published.
    Day(NaiveDate),
    /// A whole number that labels the row (an option's number); `None` is empty.
    Ordinal(Option<u64>),
    /// A count: withheld when it comes from too few citizens, or to protect one that is.
    Count(Count),
    /// A percentage computed from counts of the same table; withheld with any of
    /// them. `None` (no denominator) is written empty.
    Percent {
        /// 0–100.
        value: Option<f64>,
        /// The counts it is computed from.
        from: Vec<CellId>,
    },
}

/// A published total and the published cells it adds up: whoever reads the table
/// can write `total = Σ parts`, so suppression must keep every withheld cell out of
/// reach of these equations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sum {
    /// The total's cell.
    pub total: CellId,
    /// The cells it adds up.
    pub parts: Vec<CellId>,
}

impl Sum {
    /// The total and its parts.
    pub fn members(&self) -> impl Iterator<Item = CellId> + '_ {
        std::iter::once(self.total).chain(self.parts.iter().copied())
    }
}

/// Why a cell is withheld.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Withheld {
    /// It counts between 1 and threshold − 1 citizens.
    Small,
    /// It would let a published total give away a small cell.
    Complementary,
    /// It is computed from a withheld count.
    Derived,
}

/// One dataset's rows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    /// The cells, row by row, in the column order of the dataset.
    pub rows: Vec<Vec<Cell>>,
    /// Every total the table publishes that is the sum of other cells.
    pub sums: Vec<Sum>,
    /// Parts known to add up to at most their total (misunderstood messages and FAQ
    /// answers are at most the messages): not equations, but a reader takes the
    /// total minus the published parts as the most a withheld part can be.
    pub bounds: Vec<Sum>,
    /// Counts whose citizens another cell publishes, as (count, that cell): a count is
    /// at least its citizens, so a withheld count withholds them too, or they would
    /// bound it from below and, through a sum, its small neighbour from above.
    pub people_of: Vec<(CellId, CellId)>,
    /// The cells not published, and why.
    pub withheld: BTreeMap<CellId, Withheld>,
}

impl Table {
    /// The cell at `id`, if there is one.
    pub fn cell(&self, id: CellId) -> Option<&Cell> {
        self.rows.get(id.row)?.get(id.column)
    }

    /// The count at `id`, if that cell is a count.
    pub fn count(&self, id: CellId) -> Option<Count> {
        match self.cell(id)? {
            Cell::Count(count) => Some(*count),
            _ => None,
        }
    }

    /// Whether the cell at `id` is withheld.
    pub fn is_withheld(&self, id: CellId) -> bool {
        self.withheld.contains_key(&id)
    }

    /// Appends a row and returns its index.
    pub fn push(&mut self, row: Vec<Cell>) -> usize {
        self.rows.push(row);
        self.rows.len() - 1
    }
}

/// A percentage with one decimal, `None` without a denominator.
pub(super) fn percent(part: u64, whole: u64) -> Option<f64> {
    if whole == 0 {
        return None;
    }
    let share = part as f64 * 100.0 / whole as f64;
    Some((share * 10.0).round() / 10.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_have_one_decimal_and_none_without_a_denominator() {
        assert_eq!(percent(1, 3), Some(33.3));
        assert_eq!(percent(2, 3), Some(66.7));
        assert_eq!(percent(5, 5), Some(100.0));
        assert_eq!(percent(0, 0), None);
    }

    #[test]
    fn a_cell_is_found_by_row_and_column() {
        let mut table = Table::default();
        table.push(vec![
            Cell::Text("a".into()),
            Cell::Count(Count::of_people(7)),
        ]);
        let id = CellId { row: 0, column: 1 };
        assert_eq!(table.count(id), Some(Count::of_people(7)));
        assert_eq!(table.count(CellId { row: 0, column: 0 }), None);
        assert_eq!(table.cell(CellId { row: 1, column: 0 }), None);
    }
}
