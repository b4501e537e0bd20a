//! The words examples are written with, and the closest of them to a typo (SymSpell).

use foldhash::{HashMap, HashSet};

use symspell::{AsciiStringStrategy, SymSpell, SymSpellBuilder, Verbosity};

/// Words this long or shorter are corrected only for two swapped letters.
const SHORT: usize = 4;

/// Whether `a` and `b` differ by two neighbouring letters swapped ("tset", "test").
fn swapped(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a.len() != b.len() {
        return false;
    }
    let differ: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
    matches!(differ.as_slice(), [i, j] if *j == i + 1 && a[*i] == b[*j] && a[*j] == b[*i])
}

/// The words examples are written with, for telling a typo from a word we know.
pub struct Spelling {
    known: HashSet<Box<str>>,
    fuzzy: Option<SymSpell<AsciiStringStrategy>>,
}

impl std::fmt::Debug for Spelling {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Spelling")
            .field("known", &self.known.len())
            .finish()
    }
}

impl Spelling {
    pub(super) fn new(counts: HashMap<String, i64>) -> Spelling {
        let fuzzy = SymSpellBuilder::default()
            .max_dictionary_edit_distance(2)
            .prefix_length(5)
            .count_threshold(1)
            .build()
            .ok()
            .map(|mut fuzzy: SymSpell<AsciiStringStrategy>| {
                for (word, count) in &counts {
                    // Short words have too many neighbours to correct towards.
                    if word.len() >= 4 && word.is_ascii() {
                        fuzzy.load_dictionary_line(&format!("{word} {count}"), 0, 1, " ");
                    }
                }
                fuzzy
            });
        Spelling {
            known: counts.into_keys().map(String::into_boxed_str).collect(),
            fuzzy,
        }
    }

    /// Whether `word` is written in some example (or is a stopword or synonym).
    pub fn knows(&self, word: &str) -> bool {
        self.known.contains(word)
    }

    /// The closest known word to `word` within the distance its length allows (one
    /// edit from 4 letters, and then only a swap, two from 9), with the distance; the
    /// most used on a tie.
    pub fn closest(&self, word: &str) -> Option<(String, i64, i64)> {
        let len = word.chars().count();
        let distance = match len {
            0..4 => return None,
            4..9 => 1,
            _ => 2,
        };
        if !word.is_ascii() || word.bytes().any(|b| b.is_ascii_digit()) {
            return None;
        }
        let fuzzy = self.fuzzy.as_ref()?;
        fuzzy
            .lookup(word, Verbosity::Closest, distance)
            .into_iter()
            .filter(|s| s.distance > 0)
            // A four-letter word one letter away is mostly another word ("papa" is
            // not "paga", "auto" not "aiuto"); only two letters swapped is a typo.
            .filter(|s| len > SHORT || swapped(word, &s.term))
            .max_by_key(|s| (std::cmp::Reverse(s.distance), s.count))
            .map(|s| (s.term, s.distance, s.count))
    }
}
