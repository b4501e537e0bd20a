//! The FAQs of the content store, indexed like the dialogues' examples: each by its
//! question, its examples and its keywords. Rebuilt when the content changes.

use super::{Analyzer, Index, Written};
use crate::content::Faq;

/// The FAQs and their index.
#[derive(Debug)]
pub struct FaqIndex {
    faqs: Vec<Faq>,
    index: Index<usize>,
}

impl FaqIndex {
    /// Indexes `faqs` as `analyzer` reads messages.
    pub fn build(analyzer: &Analyzer, faqs: Vec<Faq>) -> FaqIndex {
        let mut written = Vec::new();
        let languages: Vec<String> = analyzer
            .languages()
            .iter()
            .map(|l| l.code.clone())
            .collect();
        for (i, faq) in faqs.iter().enumerate() {
            let mut add = |text: &str| {
                // Staff may write a FAQ's examples in several languages; each is read
                // in its own.
                let lang = if analyzer.may_be_other_language(text, &faq.lang) {
                    super::language_of(text, &languages).unwrap_or_else(|| faq.lang.clone())
                } else {
                    faq.lang.clone()
                };
                written.push(Written {
                    candidate: i,
                    lang,
                    text: text.to_owned(),
                });
            };
            add(&faq.question);
            for example in &faq.examples {
                add(example);
            }
            if !faq.keywords.is_empty() {
                add(&faq.keywords.join(" "));
            }
        }
        FaqIndex {
            index: Index::build(analyzer, written),
            faqs,
        }
    }

    /// No FAQs at all.
    pub fn empty(analyzer: &Analyzer) -> FaqIndex {
        FaqIndex::build(analyzer, Vec::new())
    }

    /// The index, for ranking.
    pub fn index(&self) -> &Index<usize> {
        &self.index
    }

    /// The FAQ at `position` in the index.
    pub fn get(&self, position: usize) -> Option<&Faq> {
        self.faqs.get(position)
    }

    /// The FAQ whose key is `key`.
    pub fn find(&self, key: &str) -> Option<(usize, &Faq)> {
        self.faqs.iter().enumerate().find(|(_, f)| f.key == key)
    }
}
