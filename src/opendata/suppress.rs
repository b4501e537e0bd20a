//! Statistical disclosure control: which cells of a table are not published.
//!
//! 1. **Small cells** (primary suppression): a count that comes from at least one and
//!    fewer than `threshold` distinct citizens. Zero is published: it describes nobody.
//! 2. **Complementary suppression**, repeated until nothing changes:
//!    - a sum with exactly one withheld member withholds another (the smallest
//!      published non-zero part, else any part, else the total);
//!    - a sum whose total is published withholds more parts until the withheld
//!      parts add up to at least `threshold`: otherwise the published figures would
//!      show that each of them is small; the same for a bound (parts known to add
//!      up to at most a total, like misunderstood messages and FAQ answers within
//!      the messages), whose total minus its published parts is the most a
//!      withheld part can be;
//!    - any withheld cell that the published sums still determine (two cells may
//!      shield each other in their own row and still be isolated by the columns;
//!      see `solve`) makes a sum it belongs to withhold another member;
//!    - a withheld count withholds the cell that publishes its citizens (messages
//!      and the people who wrote them): a count is at least its citizens, so they
//!      would bound it from below and, through a sum, its small neighbour from above.
//! 3. **Derived cells**: a percentage computed from a withheld count is withheld.
//!
//! Cells are only ever added, so the loop ends; it picks the smallest candidates
//! to lose as little as it can.

use super::solve::recoverable;
use super::table::{Cell, CellId, Sum, Table, Withheld};

/// The default threshold: counts of 1 to 4 citizens are withheld.
pub const DEFAULT_THRESHOLD: u64 = 5;

/// Fills `table.withheld` so that no count of 1 to `threshold − 1` citizens is
/// published or can be worked out from the published totals.
pub fn suppress(table: &mut Table, threshold: u64) {
    table.withheld.clear();
    for (r, row) in table.rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            if let Cell::Count(count) = cell
                && count.people > 0
                && count.people < threshold
            {
                table
                    .withheld
                    .insert(CellId { row: r, column: c }, Withheld::Small);
            }
        }
    }
    loop {
        if shield_in_each_sum(table, threshold) || withhold_people(table) {
            continue;
        }
        let exposed = recoverable(table);
        if exposed.is_empty() {
            break;
        }
        let mut changed = false;
        for cell in exposed {
            let sum = table
                .sums
                .iter()
                .find(|s| s.members().any(|m| m == cell) && partner(table, s).is_some())
                .cloned();
            if let Some(extra) = sum.as_ref().and_then(|s| partner(table, s)) {
                table.withheld.insert(extra, Withheld::Complementary);
                changed = true;
            }
        }
        if !changed {
            // Every sum around the exposed cells is withheld whole: nothing is
            // published that could give them away (this cannot happen, but the loop
            // must end either way).
            break;
        }
    }
    withhold_derived(table);
}

/// One pass of the per-sum rules; whether it withheld anything.
fn shield_in_each_sum(table: &mut Table, threshold: u64) -> bool {
    let mut changed = false;
    let sums = table.sums.len();
    for i in 0..sums + table.bounds.len() {
        let (sum, exact) = match table.sums.get(i) {
            Some(sum) => (sum, true),
            None => (&table.bounds[i - sums], false),
        };
        let alone = exact && sum.members().filter(|m| table.is_withheld(*m)).count() == 1;
        if (alone || leaves_too_little(table, sum, threshold))
            && let Some(extra) = partner(table, sum)
        {
            table.withheld.insert(extra, Withheld::Complementary);
            changed = true;
        }
    }
    changed
}

/// Whether `sum`'s total is published with withheld parts and leaves them, together,
/// less than `threshold`: what a reader takes as the most each of them can be.
fn leaves_too_little(table: &Table, sum: &Sum, threshold: u64) -> bool {
    let Some(total) = table
        .count(sum.total)
        .filter(|_| !table.is_withheld(sum.total))
    else {
        return false;
    };
    if !sum.parts.iter().any(|p| table.is_withheld(*p)) {
        return false;
    }
    let published: u64 = sum
        .parts
        .iter()
        .filter(|p| !table.is_withheld(**p))
        .filter_map(|p| table.count(*p))
        .map(|c| c.value)
        .sum();
    total.value.saturating_sub(published) < threshold
}

/// Withholds the citizens of every withheld count; whether it withheld anything.
fn withhold_people(table: &mut Table) -> bool {
    let people: Vec<CellId> = table
        .people_of
        .iter()
        .filter(|(count, people)| table.is_withheld(*count) && !table.is_withheld(*people))
        .map(|(_, people)| *people)
        .collect();
    for cell in &people {
        table.withheld.insert(*cell, Withheld::Complementary);
    }
    !people.is_empty()
}

/// The member of `sum` to withhold next: the smallest published non-zero part, else
/// a published zero part, else the total if published.
fn partner(table: &Table, sum: &Sum) -> Option<CellId> {
    let published = |id: &&CellId| !table.is_withheld(**id) && table.count(**id).is_some();
    let value = |id: &CellId| table.count(*id).map_or(0, |c| c.value);
    sum.parts
        .iter()
        .filter(published)
        .filter(|id| value(id) > 0)
        .min_by_key(|id| (value(id), **id))
        .or_else(|| sum.parts.iter().find(published))
        .copied()
        .or_else(|| (!table.is_withheld(sum.total)).then_some(sum.total))
}

/// Withholds every percentage computed from a withheld count.
fn withhold_derived(table: &mut Table) {
    let mut derived = Vec::new();
    for (r, row) in table.rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            if let Cell::Percent { from, .. } = cell
                && from.iter().any(|id| table.is_withheld(*id))
            {
                derived.push(CellId { row: r, column: c });
            }
        }
    }
    for id in derived {
        table.withheld.insert(id, Withheld::Derived);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::opendata::table::Count;

    fn id(row: usize, column: usize) -> CellId {
        CellId { row, column }
    }

    /// One row of counts and its published total in the last column.
    fn row_with_total(values: &[u64]) -> Table {
        let mut table = Table::default();
        let total: u64 = values.iter().sum();
        let mut cells: Vec<Cell> = values
            .iter()
            .map(|v| Cell::Count(Count::of_people(*v)))
            .collect();
        cells.push(Cell::Count(Count::of_people(total)));
        table.push(cells);
        table.sums.push(Sum {
            total: id(0, values.len()),
            parts: (0..values.len()).map(|c| id(0, c)).collect(),
        });
        table
    }

    #[test]
    fn small_counts_are_withheld_and_zero_and_large_ones_published() {
        let mut table = Table::default();
        table.push(
            [0, 1, 4, 5, 12]
                .iter()
                .map(|v| Cell::Count(Count::of_people(*v)))
                .collect(),
        );
        suppress(&mut table, 5);
        let withheld: Vec<CellId> = table.withheld.keys().copied().collect();
        assert_eq!(withheld, vec![id(0, 1), id(0, 2)]);
    }

    #[test]
    fn the_threshold_applies_to_citizens_not_to_events() {
        let mut table = Table::default();
        table.push(vec![Cell::Count(Count {
            value: 40,
            people: 1,
        })]);
        suppress(&mut table, 5);
        assert_eq!(table.withheld.get(&id(0, 0)), Some(&Withheld::Small));
    }

    #[test]
    fn a_lone_small_cell_takes_the_smallest_other_part_with_it() {
        let mut table = row_with_total(&[2, 30, 9, 50]);
        suppress(&mut table, 5);
        assert_eq!(table.withheld.get(&id(0, 0)), Some(&Withheld::Small));
        assert_eq!(
            table.withheld.get(&id(0, 2)),
            Some(&Withheld::Complementary)
        );
        assert_eq!(table.withheld.len(), 2);
        assert!(recoverable(&table).is_empty());
    }

    #[test]
    fn withheld_parts_adding_up_to_less_than_the_threshold_take_another() {
        // 1 + 2 withheld: the total would show both are small.
        let mut table = row_with_total(&[1, 2, 30, 9]);
        suppress(&mut table, 5);
        let withheld: Vec<CellId> = table.withheld.keys().copied().collect();
        assert_eq!(withheld, vec![id(0, 0), id(0, 1), id(0, 3)]);
    }

    #[test]
    fn a_small_total_is_withheld_with_its_parts() {
        let mut table = row_with_total(&[1, 0, 2]);
        suppress(&mut table, 5);
        let withheld: Vec<CellId> = table.withheld.keys().copied().collect();
        assert_eq!(withheld, vec![id(0, 0), id(0, 2), id(0, 3)]);
        assert!(recoverable(&table).is_empty());
    }

    #[test]
    fn a_withheld_count_withholds_the_cell_with_its_citizens() {
        // Messages 2 (by 2 people: small) and 10 (by 8) add up to 12; the 10 is
        // withheld to shield the 2, and its 8 people go too: published, they would
        // show it is at least 8, so the small one at most 4.
        let mut table = Table::default();
        table.push(vec![
            Cell::Count(Count::of_people(2)),
            Cell::Count(Count {
                value: 2,
                people: 2,
            }),
        ]);
        table.push(vec![
            Cell::Count(Count::of_people(8)),
            Cell::Count(Count {
                value: 10,
                people: 8,
            }),
        ]);
        table.push(vec![
            Cell::Count(Count::of_people(10)),
            Cell::Count(Count {
                value: 12,
                people: 10,
            }),
        ]);
        table.sums.push(Sum {
            total: id(2, 1),
            parts: vec![id(0, 1), id(1, 1)],
        });
        table.people_of = (0..3).map(|r| (id(r, 1), id(r, 0))).collect();
        suppress(&mut table, 5);
        assert_eq!(
            table.withheld.get(&id(1, 1)),
            Some(&Withheld::Complementary)
        );
        assert_eq!(
            table.withheld.get(&id(1, 0)),
            Some(&Withheld::Complementary)
        );
        assert!(!table.is_withheld(id(2, 0)) && !table.is_withheld(id(2, 1)));
    }

    #[test]
    fn a_bound_leaving_a_withheld_part_little_room_withholds_another() {
        // Misunderstood 2 (small) and FAQ answers 20 are at most the 24 messages: with
        // 20 and 24 published, the 2 would be at most 4.
        let mut table = Table::default();
        table.push(vec![
            Cell::Count(Count::of_people(24)),
            Cell::Count(Count::of_people(2)),
            Cell::Count(Count::of_people(20)),
        ]);
        table.bounds.push(Sum {
            total: id(0, 0),
            parts: vec![id(0, 1), id(0, 2)],
        });
        suppress(&mut table, 5);
        assert_eq!(
            table.withheld.get(&id(0, 2)),
            Some(&Withheld::Complementary)
        );
        assert!(!table.is_withheld(id(0, 0)));
    }

    #[test]
    fn a_bound_is_not_an_equation() {
        // With room enough, a withheld part of a bound needs no partner.
        let mut table = Table::default();
        table.push(vec![
            Cell::Count(Count::of_people(24)),
            Cell::Count(Count::of_people(2)),
            Cell::Count(Count::of_people(6)),
        ]);
        table.bounds.push(Sum {
            total: id(0, 0),
            parts: vec![id(0, 1), id(0, 2)],
        });
        suppress(&mut table, 5);
        assert_eq!(table.withheld.len(), 1);
    }

    #[test]
    fn a_percentage_of_a_withheld_count_is_withheld() {
        let mut table = Table::default();
        table.push(vec![
            Cell::Count(Count::of_people(3)),
            Cell::Count(Count::of_people(20)),
            Cell::Percent {
                value: Some(15.0),
                from: vec![id(0, 0), id(0, 1)],
            },
            Cell::Percent {
                value: Some(100.0),
                from: vec![id(0, 1)],
            },
        ]);
        suppress(&mut table, 5);
        assert_eq!(table.withheld.get(&id(0, 2)), Some(&Withheld::Derived));
        assert!(!table.is_withheld(id(0, 3)));
    }

    #[test]
    fn cells_isolated_by_crossing_totals_are_shielded_too() {
        // A 3×3 grid with margins: rows and columns each get a partner, and the
        // solver finds anything they still give away.
        let mut table =
            super::super::solve::tests::grid(&[&[1, 20, 30], &[40, 2, 50], &[60, 70, 80]]);
        suppress(&mut table, 5);
        assert!(table.is_withheld(id(0, 0)) && table.is_withheld(id(1, 1)));
        assert!(recoverable(&table).is_empty());
        for sum in &table.sums {
            let withheld = sum.members().filter(|m| table.is_withheld(*m)).count();
            assert_ne!(withheld, 1, "{sum:?}");
        }
    }
}
