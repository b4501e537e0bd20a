//! The words examples are written with, and the closest of them to a typo (SymSpell).

use foldhash::HashMap;

use symspell_rs::{SymSpell, Verbosity};

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

/// A known word's stem in each language (`None`: it tells nothing there).
pub(super) type Stems = Box<[Option<Box<str>>]>;

/// The words examples are written with, for telling a typo from a word we know.
pub struct Spelling {
    /// Each known word with its stems, found once at build: a message is mostly
    /// known words, and stemming them again for every message costs more than ranking.
    known: HashMap<Box<str>, Stems>,
    fuzzy: SymSpell,
}

impl std::fmt::Debug for Spelling {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Spelling")
            .field("known", &self.known.len())
            .finish()
    }
}

impl Spelling {
    /// The words of `counts` (word → how often written), each stemmed by `stems`.
    pub(super) fn new(
        counts: HashMap<String, i64>,
        mut stems: impl FnMut(&str) -> Stems,
    ) -> Spelling {
        // Two edits at most, deletes from the first five letters, every word counted.
        let mut fuzzy = SymSpell::new(2, None, 5, 1);
        for (word, count) in &counts {
            // Short words have too many neighbours to correct towards.
            if word.len() >= 4 && word.is_ascii() {
                fuzzy.create_dictionary_entry(
                    word.as_str(),
                    usize::try_from(*count).unwrap_or(1).max(1),
                );
            }
        }
        Spelling {
            known: counts
                .into_keys()
                .map(|word| {
                    let stems = stems(&word);
                    (word.into_boxed_str(), stems)
                })
                .collect(),
            fuzzy,
        }
    }

    /// Whether `word` is written in some example (or is a stopword or synonym).
    pub fn knows(&self, word: &str) -> bool {
        self.known.contains_key(word)
    }

    /// The stem of a known `word` in language `lang`: `None` for a word this spelling
    /// does not know, `Some(None)` for one that tells nothing in that language.
    pub fn stem(&self, lang: usize, word: &str) -> Option<Option<&str>> {
        let stems = self.known.get(word)?;
        stems.get(lang).map(Option::as_deref)
    }

    /// The closest known word to `word` within the distance its length allows (one
    /// edit from 4 letters, and then only a swap, two from 9), with the distance; the
    /// most used on a tie.
    pub fn closest(&self, word: &str) -> Option<(String, usize, usize)> {
        let len = word.chars().count();
        let distance = match len {
            0..4 => return None,
            4..9 => 1,
            _ => 2,
        };
        if !word.is_ascii() || word.bytes().any(|b| b.is_ascii_digit()) {
            return None;
        }
        self.fuzzy
            .lookup(word, Verbosity::Closest, distance, &None, None, false)
            .into_iter()
            .filter(|s| s.distance > 0)
            // A four-letter word one letter away is mostly another word ("papa" is
            // not "paga", "auto" not "aiuto"); only two letters swapped is a typo.
            .filter(|s| len > SHORT || swapped(word, &s.term))
            .max_by_key(|s| (std::cmp::Reverse(s.distance), s.count))
            .map(|s| (s.term, s.distance, s.count))
    }
}
