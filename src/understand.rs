//! Understanding citizens in their own words: free text → candidates ranked by the
//! example sentences staff wrote (intents, a state's rules, FAQs).
//!
//! A message is read as people type: no case, accents or punctuation, elongations
//! shrunk, typos corrected against the examples' words (SymSpell, one or two edits by
//! length), abbreviations and slang replaced (`synonyms`), stopwords dropped, words
//! stemmed (Snowball). A candidate scores by its best example: how much of the
//! message's informative weight the example covers, and how much of the example's the
//! message does. Rare words weigh more, so a specific question beats one broad keyword,
//! and words no example knows weigh against every candidate, so an off-topic message
//! that shares one word with the service scores low. Pure and in memory.

mod decide;
mod detect;
mod faqs;
mod index;
mod language;
mod message;
mod spelling;
mod synonyms;
mod words;

use foldhash::HashSet;

pub use decide::{Decision, OFF_TOPIC_MARGIN, OffTopic, asked_first, decide, off_topic_verdict};
pub use detect::language_of;
pub use faqs::FaqIndex;
pub use index::{Index, Scored, Written};
pub use language::{Language, NO_WORDS, THANKS_WORDS, YES_WORDS, is_courtesy, only_courtesy};
pub use message::{Message, Stem};
pub use spelling::Spelling;
pub use synonyms::{DEFAULT_SYNONYMS, Synonyms};
pub use words::{is_question, is_question_word, passages, words};

/// How messages and examples are read: the bot's languages and synonyms.
#[derive(Debug)]
pub struct Analyzer {
    languages: Vec<Language>,
    synonyms: Synonyms,
    /// Stopwords and synonym words: never typos.
    known: HashSet<String>,
}

impl Analyzer {
    /// An analyzer for `languages` (the first is the default) with the default
    /// synonyms and `staff`'s.
    pub fn new<'a>(
        languages: &[String],
        staff: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Analyzer {
        let mut languages: Vec<Language> = languages.iter().map(|l| Language::new(l)).collect();
        if languages.is_empty() {
            languages.push(Language::new("it"));
        }
        let synonyms = Synonyms::new(staff);
        let mut known: HashSet<String> = synonyms.vocabulary().map(str::to_owned).collect();
        for language in &languages {
            known.extend(language.stopwords().map(str::to_owned));
        }
        Analyzer {
            languages,
            synonyms,
            known,
        }
    }

    /// The position of `code` among the languages (the default's when absent).
    pub fn language_index(&self, code: &str) -> usize {
        self.languages
            .iter()
            .position(|l| l.code == code)
            .unwrap_or(0)
    }

    /// The languages, default first.
    pub fn languages(&self) -> &[Language] {
        &self.languages
    }

    /// The stem of `word` in language `lang`, or `None` for a word that tells nothing
    /// (a stopword, a lone letter).
    pub fn stem(&self, lang: usize, word: &str) -> Option<String> {
        let language = self.languages.get(lang)?;
        // Numbers rarely tell one question from another ("100 e lode", "ho 34
        // crediti"); a lone letter never does.
        if language.is_stopword(word)
            || word.chars().count() < 2
            || word.chars().all(|c| c.is_ascii_digit())
        {
            return None;
        }
        Some(language.stem(word))
    }

    /// Whether `text` has a word that only another of the bot's languages would stop
    /// at ("the", "is"): only then is its language worth detecting.
    pub fn may_be_other_language(&self, text: &str, lang: &str) -> bool {
        let own = self.languages.iter().find(|l| l.code == lang);
        words(text).iter().any(|word| {
            own.is_none_or(|own| !own.is_stopword(word))
                && self
                    .languages
                    .iter()
                    .any(|l| l.code != lang && l.is_stopword(word))
        })
    }

    /// Whether `word` tells something in every language (is nobody's stopword).
    pub fn tells(&self, word: &str) -> bool {
        (0..self.languages.len()).all(|lang| self.stem(lang, word).is_some())
    }

    fn knows(&self, word: &str) -> bool {
        self.known.contains(word)
    }

    fn vocabulary(&self) -> impl Iterator<Item = &str> {
        self.known.iter().map(String::as_str)
    }

    /// Reads `text` against the words of `indexes`.
    pub fn read(&self, text: &str, spellings: &[&Spelling]) -> Message {
        Message::read(self, text, spellings)
    }
}

#[cfg(test)]
mod tests;
