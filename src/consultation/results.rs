//! A consultation's results: answers per option and whole percentages that add up to
//! 100 (largest remainders), as the results message, the admin API and open data show
//! them.

use serde::Serialize;

/// Answers per option, in the options' order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// The answers to each option.
    pub counts: Vec<u64>,
}

impl Tally {
    /// A tally of `options` options from (option index, answers) pairs; pairs for an
    /// option the consultation does not have are left out.
    pub fn from_counts(options: usize, pairs: &[(i16, i64)]) -> Tally {
        let mut counts = vec![0_u64; options];
        for (option, n) in pairs {
            if let Some(slot) = usize::try_from(*option)
                .ok()
                .and_then(|i| counts.get_mut(i))
            {
                *slot += u64::try_from(*n).unwrap_or(0);
            }
        }
        Tally { counts }
    }

    /// Every answer counted.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Whole percentages of the total, adding up to 100 (all 0 without answers): each
    /// option gets its share rounded down, and the points left go to the largest
    /// remainders (the earlier option on a tie).
    pub fn percentages(&self) -> Vec<u64> {
        let total = self.total();
        if total == 0 {
            return vec![0; self.counts.len()];
        }
        let mut shares: Vec<u64> = self.counts.iter().map(|c| c * 100 / total).collect();
        let mut left = 100 - shares.iter().sum::<u64>();
        let mut order: Vec<usize> = (0..self.counts.len()).collect();
        order.sort_by_key(|i| std::cmp::Reverse(self.counts[*i] * 100 % total));
        for i in order {
            if left == 0 {
                break;
            }
            if !(self.counts[i] * 100).is_multiple_of(total) {
                shares[i] += 1;
                left -= 1;
            }
        }
        shares
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_add_up_to_a_hundred() {
        let tally = Tally::from_counts(3, &[(0, 12), (1, 8)]);
        assert_eq!(tally.counts, [12, 8, 0]);
        assert_eq!(tally.percentages(), [60, 40, 0]);
        let thirds = Tally {
            counts: vec![1, 1, 1],
        };
        assert_eq!(thirds.percentages(), [34, 33, 33]);
        let odd = Tally {
            counts: vec![2, 1, 4],
        };
        assert_eq!(odd.percentages().iter().sum::<u64>(), 100);
        assert_eq!(odd.percentages(), [29, 14, 57]);
        assert_eq!(Tally::from_counts(2, &[]).percentages(), [0, 0]);
    }

    #[test]
    fn counts_of_options_it_does_not_have_are_left_out() {
        let tally = Tally::from_counts(2, &[(0, 1), (5, 3), (-1, 2)]);
        assert_eq!(tally.counts, [1, 0]);
    }
}
