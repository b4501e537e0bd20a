//! A citizen's message as the indexes read it: its words with typos corrected and
//! synonyms replaced, then its stems in every language the bot speaks.

use super::Analyzer;
use super::spelling::Spelling;
use super::words::{name_words, words};

/// Letters from which a word close to a stopword is taken for a word of its own.
const LONG_WORD: usize = 5;

/// A stem of the message, and whether it comes from a corrected word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stem {
    /// The stem.
    pub text: String,
    /// True when the citizen typed something else and the spelling fixed it.
    pub corrected: bool,
    /// True when the citizen wrote it as a name ("DNA", "iPhone"; see `name_words`).
    pub name: bool,
}

/// A message, read.
#[derive(Debug, Clone, Default)]
pub struct Message {
    /// The words after corrections and synonyms.
    pub words: Vec<String>,
    /// Typos fixed, as "qunado → quando".
    pub corrections: Vec<String>,
    /// Synonyms applied, as "qnd → quando".
    pub synonyms: Vec<String>,
    /// Per language (the analyzer's order), its informative stems, each once.
    pub stems: Vec<Vec<Stem>>,
}

impl Message {
    /// Reads `text` with the words `spellings` know.
    pub fn read(analyzer: &Analyzer, text: &str, spellings: &[&Spelling]) -> Message {
        let mut corrections = Vec::new();
        let mut corrected = Vec::new();
        let names = name_words(text);
        let known = |w: &str| analyzer.knows(w) || spellings.iter().any(|s| s.knows(w));
        let typed: Vec<String> = words(text)
            .into_iter()
            .map(|word| {
                if known(&word) || names.contains(&word) {
                    return word;
                }
                // Texting spelling is no typo: the word is read as meant, in full.
                if let Some(meant) = texting(&word).find(|w| known(w)) {
                    return meant;
                }
                let best = spellings
                    .iter()
                    .filter_map(|s| s.closest(&word))
                    .min_by_key(|(_, distance, count)| (*distance, std::cmp::Reverse(*count)))
                    // A longer word one letter from a stopword is mostly a word of its
                    // own ("serie" is not "serve"): correcting it would only hide that
                    // the message speaks of something we do not know.
                    .filter(|(fixed, _, _)| {
                        word.chars().count() < LONG_WORD || analyzer.tells(fixed)
                    });
                match best {
                    Some((fixed, _, _)) => {
                        corrections.push(format!("{word} → {fixed}"));
                        corrected.push(fixed.clone());
                        fixed
                    }
                    None => word,
                }
            })
            .collect();
        let (words, synonyms) = analyzer.synonyms.apply(typed);
        let stems = (0..analyzer.languages.len())
            .map(|lang| {
                let mut stems: Vec<Stem> = Vec::new();
                for word in &words {
                    // Known words were stemmed when the index was built.
                    let stem = match spellings.iter().find_map(|s| s.stem(lang, word)) {
                        Some(known) => known.map(str::to_owned),
                        None => analyzer.stem(lang, word),
                    };
                    let Some(text) = stem else {
                        continue;
                    };
                    if stems.iter().any(|s| s.text == text) {
                        continue;
                    }
                    stems.push(Stem {
                        text,
                        corrected: corrected.contains(word),
                        name: names.contains(word),
                    });
                }
                stems
            })
            .collect();
        Message {
            words,
            corrections,
            synonyms,
            stems,
        }
    }

    /// Whether nothing informative is left (only stopwords, emoji, punctuation).
    pub fn is_empty(&self) -> bool {
        self.stems.iter().all(Vec::is_empty)
    }
}

/// How `word` may be written without texting shortcuts: "k" for "ch" or "c"
/// ("kiedere", "kalendario"), a leading "x" for "per".
fn texting(word: &str) -> impl Iterator<Item = String> + '_ {
    let k = word.contains('k');
    let x = word.strip_prefix('x').filter(|rest| !rest.is_empty());
    [
        k.then(|| word.replace('k', "ch")),
        k.then(|| word.replace('k', "c")),
        x.map(|rest| format!("per{rest}")),
    ]
    .into_iter()
    .flatten()
}
