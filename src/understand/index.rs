//! Example sentences, indexed: for every stem, the examples that hold it and how
//! informative it is (rare across the candidates: heavy; shared by many: light), plus
//! the words they are written with, for correcting typos.

use foldhash::{HashMap, HashMapExt};

use super::Analyzer;
use super::message::{Message, Stem};
use super::spelling::Spelling;

/// How much a corrected word counts towards a match, against one typed right.
const CORRECTED_WEIGHT: f32 = 0.8;
/// How much covering the citizen's words matters against covering the example's:
/// a message whose every word an example explains is that example's, even when the
/// example says more.
const MESSAGE_COVERAGE: f32 = 0.6;
/// How much a seven-letter word no example holds weighs, against the rarest word that
/// one does: more, since a question about something else shares few words with ours
/// (common filler is in the stopwords; shorter unknown words weigh less, longer more).
const UNKNOWN_WEIGHT: f32 = 2.6;

/// What a ranking accumulates, per example and per candidate: kept between messages
/// (per thread) and cleaned of what each wrote, since zeroing one slot per example
/// for every message costs more than the scoring.
#[derive(Default)]
struct Scratch {
    matched: Vec<f32>,
    /// Per candidate: its best score and example (`u32::MAX`: not reached).
    best: Vec<(f32, u32)>,
    /// Per candidate and language: the weight of the message's rarer words its
    /// examples hold, each by its share (see `OWN_WORD`).
    covered: Vec<f32>,
    /// Per example: what the rarer words matched, before the common ones.
    rare: Vec<f32>,
    /// The examples, candidates and `covered` slots this message wrote, to clean.
    touched: Vec<u32>,
    reached: Vec<u32>,
    covered_keys: Vec<u32>,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// A stem's weight and the examples that hold it.
#[derive(Debug)]
struct Term {
    id: u32,
    weight: f32,
    examples: Vec<u32>,
    /// Per candidate and language (`candidate × languages + language`) holding it,
    /// once: how many of its examples do, and the share it counts by (see `OWN_WORD`).
    holders: Box<[Holder]>,
    /// For a common term, its bit in `Example::common` (`NO_BIT`: none).
    common_bit: u8,
}

/// A common term with no bit of its own: looked up in the example's terms.
const NO_BIT: u8 = u8::MAX;

/// How much of the message a candidate's other examples know, beyond its best one's,
/// adds to its score: a citizen combines phrasings no single example holds ("a che
/// ora" from one, "il compito di italiano" from another).
const COMBINED: f32 = 0.7;
/// A word counts fully towards that when this many times the share of a candidate's
/// examples holding it reaches one: one example in twenty holds it by chance, one in
/// eight says it is the candidate's.
const OWN_WORD: f32 = 8.0;

/// A candidate (in one language) holding a term.
#[derive(Debug, Clone, Copy)]
struct Holder {
    key: u32,
    examples: u32,
    share: f32,
}

/// Where a candidate's examples in one language count (`Term::holders`,
/// `Scratch::covered`): one slot per candidate and language.
fn holder_key(example: &Example, languages: usize) -> u32 {
    example.candidate * languages.max(1) as u32 + u32::from(example.lang)
}

/// How much a word `holding` of a candidate's `examples` counts for it.
fn share(holding: u32, examples: u32) -> f32 {
    (OWN_WORD * holding as f32 / examples.max(1) as f32).min(1.0)
}

/// A term in more examples than this is common: see `rank_without`.
const COMMON: usize = 256;

/// Candidates a ranking returns at most, best first.
const RANKED: usize = 12;

/// Letters two stems must share to count as one root.
const ROOT: usize = 5;

fn common_prefix(a: &str, b: &str) -> usize {
    a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count()
}

/// One example sentence.
#[derive(Debug)]
struct Example {
    candidate: u32,
    lang: u8,
    /// The ids of its terms, sorted: a common term is looked up here rather than
    /// walking its long list of examples.
    terms: Box<[u32]>,
    /// The common terms it holds, one bit each (`Term::common_bit`): tested here,
    /// beside what a ranking reads anyway, rather than searched for in `terms`.
    common: u64,
    /// The sum of its stems' weights.
    weight: f32,
    /// That sum to the power the score gives it (see `rank_without`), once.
    weight_power: f32,
    text: Box<str>,
}

/// A candidate's score for a message, with the example that scored it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scored<'a, T> {
    /// What the examples lead to.
    pub candidate: &'a T,
    /// From 0 (nothing in common) to 1 (the message is the example).
    pub score: f32,
    /// The example that scored best.
    pub example: &'a str,
    /// The language it is written in (the analyzer's position).
    pub lang: usize,
}

/// Example sentences of many candidates (intents, rules, FAQs), ready to rank.
pub struct Index<T> {
    candidates: Vec<T>,
    examples: Vec<Example>,
    /// Per language (the analyzer's order): stem → term.
    terms: Vec<HashMap<Box<str>, Term>>,
    /// The weight of a stem no example holds: as rare as can be.
    unknown_weight: f32,
    /// Per language: the first `ROOT` letters → the terms that start with them.
    roots: Vec<HashMap<String, Vec<Box<str>>>>,
    spelling: Spelling,
    /// How much the rest of a candidate's examples add (see `COMBINED`).
    combined: f32,
    /// Per candidate and language: how many examples it has.
    examples_of: Vec<u32>,
}

impl<T> std::fmt::Debug for Index<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Index")
            .field("candidates", &self.candidates.len())
            .field("examples", &self.examples.len())
            .finish_non_exhaustive()
    }
}

/// An example as written: its candidate, its language and its text.
#[derive(Debug, Clone)]
pub struct Written<T> {
    /// What it leads to; equal candidates are one candidate.
    pub candidate: T,
    /// The language it is written in (one of the analyzer's; else the first).
    pub lang: String,
    /// The sentence.
    pub text: String,
}

impl<T: Eq + std::hash::Hash + Clone> Index<T> {
    /// Indexes `written` as `analyzer` reads messages.
    pub fn build(analyzer: &Analyzer, written: impl IntoIterator<Item = Written<T>>) -> Index<T> {
        Index::build_knowing(analyzer, written, &[])
    }

    /// As `build`, its spelling also knowing the words of `also` (sentences indexed
    /// elsewhere, so a message is corrected once against all of them).
    pub fn build_knowing(
        analyzer: &Analyzer,
        written: impl IntoIterator<Item = Written<T>>,
        also: &[&str],
    ) -> Index<T> {
        let languages = analyzer.languages.len();
        let mut candidates: Vec<T> = Vec::new();
        let mut position: HashMap<T, usize> = HashMap::new();
        let mut examples: Vec<Example> = Vec::new();
        // Each example's words after synonyms, to judge how common they are in the
        // other languages too.
        let mut words_of: Vec<Vec<String>> = Vec::new();
        let mut counts: HashMap<String, i64> = HashMap::new();
        // Per language: each word's stem, for words an example of it holds.
        let mut stem_of: Vec<HashMap<String, Option<Box<str>>>> =
            (0..languages).map(|_| HashMap::new()).collect();
        let mut terms: Vec<HashMap<Box<str>, Term>> =
            (0..languages).map(|_| HashMap::new()).collect();
        for w in written {
            let candidate = match position.get(&w.candidate) {
                Some(&i) => i,
                None => {
                    position.insert(w.candidate.clone(), candidates.len());
                    candidates.push(w.candidate);
                    candidates.len() - 1
                }
            };
            let lang = analyzer.language_index(&w.lang);
            let words = super::words::words(&w.text);
            for word in &words {
                match counts.get_mut(word.as_str()) {
                    Some(count) => *count += 1,
                    None => {
                        counts.insert(word.clone(), 1);
                    }
                }
            }
            let (words, _) = analyzer.synonyms.apply(words);
            let example = examples.len() as u32;
            let mut ids: Vec<u32> = Vec::with_capacity(words.len());
            for word in &words {
                // Examples repeat their words: each is stemmed once.
                if !stem_of[lang].contains_key(word.as_str()) {
                    let stem = analyzer.stem(lang, word).map(String::into_boxed_str);
                    stem_of[lang].insert(word.clone(), stem);
                }
                let Some(Some(stem)) = stem_of[lang].get(word.as_str()) else {
                    continue;
                };
                let next_id = terms[lang].len() as u32;
                // Looked up before inserted: most words are met again.
                let term = match terms[lang].get_mut(stem) {
                    Some(term) => term,
                    None => terms[lang].entry(stem.clone()).or_insert(Term {
                        id: next_id,
                        weight: 0.0,
                        examples: Vec::new(),
                        holders: Box::default(),
                        common_bit: NO_BIT,
                    }),
                };
                if term.examples.last() != Some(&example) {
                    term.examples.push(example);
                    ids.push(term.id);
                }
            }
            ids.sort_unstable();
            examples.push(Example {
                candidate: candidate as u32,
                lang: lang as u8,
                terms: ids.into_boxed_slice(),
                common: 0,
                weight: 0.0,
                weight_power: 0.0,
                text: w.text.into_boxed_str(),
            });
            words_of.push(words);
        }
        for word in analyzer.vocabulary() {
            counts.entry(word.to_owned()).or_insert(1);
        }
        // A stem's weight follows how many candidates hold it, not examples: twenty
        // phrasings of one intent do not make its words common. And it is judged over
        // the examples of every language: a word both write ("maturità", "test") is as
        // common in the few English examples as in the many Italian ones.
        let mut holders: Vec<Vec<Vec<u32>>> =
            terms.iter().map(|t| vec![Vec::new(); t.len()]).collect();
        for (example, words) in examples.iter().zip(&words_of) {
            let lang = usize::from(example.lang);
            for &id in &example.terms {
                holders[lang][id as usize].push(example.candidate);
            }
            for other in (0..languages).filter(|l| *l != lang) {
                for word in words {
                    if let Some(Some(stem)) = stem_of[other].get(word.as_str())
                        && let Some(term) = terms[other].get(stem)
                    {
                        holders[other][term.id as usize].push(example.candidate);
                    }
                }
            }
        }
        drop(words_of);
        let n = candidates.len() as f32;
        let weight_of = |held_by: usize| (1.0 + (n + 1.0) / (held_by as f32 + 0.5)).ln();
        let mut weights: Vec<Vec<f32>> = Vec::with_capacity(languages);
        for (lang, held) in holders.iter_mut().enumerate() {
            let mut by_id = vec![0.0; held.len()];
            for term in terms[lang].values_mut() {
                let candidates = &mut held[term.id as usize];
                candidates.sort_unstable();
                candidates.dedup();
                term.weight = weight_of(candidates.len().max(1));
                by_id[term.id as usize] = term.weight;
            }
            weights.push(by_id);
        }
        for example in &mut examples {
            let by_id = &weights[usize::from(example.lang)];
            example.weight = example.terms.iter().map(|&id| by_id[id as usize]).sum();
            example.weight_power = example.weight.powf(1.0 - MESSAGE_COVERAGE);
        }
        let roots = terms
            .iter()
            .map(|terms| {
                let mut roots: HashMap<String, Vec<Box<str>>> = HashMap::new();
                for stem in terms.keys() {
                    let root: String = stem.chars().take(ROOT).collect();
                    if root.chars().count() == ROOT {
                        roots.entry(root).or_default().push(stem.clone());
                    }
                }
                // The same choice on every build, whatever the map's order.
                roots.values_mut().for_each(|terms| terms.sort());
                roots
            })
            .collect();
        for text in also {
            for word in super::words::words(text) {
                *counts.entry(word).or_insert(0) += 1;
            }
        }
        let mut examples_of = vec![0u32; candidates.len() * languages.max(1)];
        for example in &examples {
            examples_of[holder_key(example, languages) as usize] += 1;
        }
        for term in terms.iter_mut().flat_map(|t| t.values_mut()) {
            let mut keys: Vec<u32> = term
                .examples
                .iter()
                .map(|&e| holder_key(&examples[e as usize], languages))
                .collect();
            keys.sort_unstable();
            let mut holders: Vec<Holder> = Vec::new();
            for key in keys {
                match holders.last_mut() {
                    Some(last) if last.key == key => last.examples += 1,
                    _ => holders.push(Holder {
                        key,
                        examples: 1,
                        share: 0.0,
                    }),
                }
            }
            for holder in &mut holders {
                holder.share = share(holder.examples, examples_of[holder.key as usize]);
            }
            term.holders = holders.into_boxed_slice();
        }
        // The most common terms first: they are the ones a ranking tests most often.
        let mut common: Vec<&mut Term> = terms
            .iter_mut()
            .flat_map(|t| t.values_mut())
            .filter(|t| t.examples.len() > COMMON)
            .collect();
        common.sort_unstable_by_key(|t| std::cmp::Reverse(t.examples.len()));
        for (bit, term) in common.into_iter().take(u64::BITS as usize).enumerate() {
            term.common_bit = bit as u8;
            for &example in &term.examples {
                examples[example as usize].common |= 1 << bit;
            }
        }
        Index {
            candidates,
            examples,
            terms,
            roots,
            unknown_weight: weight_of(1) * UNKNOWN_WEIGHT,
            spelling: Spelling::new(counts, |word| {
                (0..languages)
                    .map(|lang| match stem_of[lang].get(word) {
                        Some(stem) => stem.clone(),
                        None => analyzer.stem(lang, word).map(String::into_boxed_str),
                    })
                    .collect()
            }),
            combined: COMBINED,
            examples_of,
        }
    }

    /// This index with each example judged alone: for a candidate that is many
    /// subjects (the off-topic examples), what its examples know together says nothing.
    pub fn each_example_alone(self) -> Index<T> {
        Index {
            combined: 0.0,
            ..self
        }
    }

    /// A term sharing the first `ROOT` letters with `stem`, the longest match first:
    /// what Snowball leaves apart ("iscriv" and "iscrizion", "port" and "porta").
    fn same_root(&self, lang: usize, stem: &str) -> Option<&Term> {
        // The first `ROOT` letters, as a slice: no allocation per unknown stem.
        let end = stem
            .char_indices()
            .nth(ROOT - 1)
            .map(|(i, c)| i + c.len_utf8())?;
        let terms = self.roots.get(lang)?.get(&stem[..end])?;
        terms
            .iter()
            .max_by_key(|t| (common_prefix(t, stem), std::cmp::Reverse(t.len())))
            .and_then(|t| self.terms[lang].get(&**t))
    }

    /// The weight of a stem no example holds: longer words weigh more (they are
    /// what a question is about: "patente", "elezioni"); short ones are mostly the
    /// citizen's filler.
    fn unknown(&self, stem: &str) -> f32 {
        let letters = stem.chars().count() as f32;
        self.unknown_weight * ((letters - 2.0) / 5.0).clamp(0.5, 1.4)
    }

    /// The weight of a stem of the message no example holds: a name ("DNA",
    /// "iPhone") tells what the message is about, however short.
    fn unknown_in_message(&self, stem: &Stem) -> f32 {
        let weight = self.unknown(&stem.text);
        if stem.name {
            weight.max(self.unknown_weight)
        } else {
            weight
        }
    }

    /// Where an example's candidate and language count (see `holder_key`).
    fn key_of(&self, example: u32) -> u32 {
        holder_key(&self.examples[example as usize], self.terms.len())
    }

    /// The words this index knows, for correcting messages.
    pub fn spelling(&self) -> &Spelling {
        &self.spelling
    }

    /// The best candidates (at most a dozen) that share a stem with `message`, best
    /// first, each scored by its best example.
    pub fn rank<'a>(&'a self, message: &Message) -> Vec<Scored<'a, T>> {
        self.rank_without(message, None)
    }

    /// As `rank`, leaving out the example written as `left_out` (`check` asks where an
    /// example would lead if it were not there).
    pub fn rank_without<'a>(
        &'a self,
        message: &Message,
        left_out: Option<&str>,
    ) -> Vec<Scored<'a, T>> {
        SCRATCH.with(|cell| match cell.try_borrow_mut() {
            Ok(mut scratch) => self.rank_with(message, left_out, &mut scratch),
            Err(_) => self.rank_with(message, left_out, &mut Scratch::default()),
        })
    }

    fn rank_with<'a>(
        &'a self,
        message: &Message,
        left_out: Option<&str>,
        scratch: &mut Scratch,
    ) -> Vec<Scored<'a, T>> {
        // Dense accumulators: a common word's examples are many, and a map per
        // message would cost more than the scoring itself.
        if scratch.matched.len() < self.examples.len() {
            scratch.matched.resize(self.examples.len(), 0.0);
        }
        if scratch.best.len() < self.candidates.len() {
            scratch.best.resize(self.candidates.len(), (0.0, u32::MAX));
        }
        if scratch.covered.len() < self.examples_of.len() {
            scratch.covered.resize(self.examples_of.len(), 0.0);
        }
        if scratch.rare.len() < self.examples.len() {
            scratch.rare.resize(self.examples.len(), 0.0);
        }
        let Scratch {
            matched,
            best,
            covered,
            rare,
            touched,
            reached,
            covered_keys,
        } = scratch;
        // The example left out (`check`) tells nothing, not even through its target.
        let left_out_ids: Vec<u32> = match left_out {
            Some(text) => (0..self.examples.len() as u32)
                .filter(|&id| *self.examples[id as usize].text == *text)
                .collect(),
            None => Vec::new(),
        };
        let mut message_weight = vec![0.0f32; self.terms.len()];
        // Terms held by a large share of the examples: added only to examples the
        // rarer terms reached (unless the message has nothing rarer).
        let mut common: Vec<(usize, &Term, f32)> = Vec::new();
        for (lang, stems) in message.stems.iter().enumerate().take(self.terms.len()) {
            for stem in stems {
                let (term, near) = match self.terms[lang].get(stem.text.as_str()) {
                    Some(term) => (Some(term), false),
                    None => (self.same_root(lang, &stem.text), true),
                };
                message_weight[lang] +=
                    term.map_or_else(|| self.unknown_in_message(stem), |t| t.weight);
                let Some(term) = term else { continue };
                let counted = if stem.corrected || near {
                    term.weight * CORRECTED_WEIGHT
                } else {
                    term.weight
                };
                if term.examples.len() > COMMON {
                    common.push((lang, term, counted));
                    continue;
                }
                for &example in &term.examples {
                    let slot = &mut matched[example as usize];
                    if *slot == 0.0 {
                        touched.push(example);
                    }
                    *slot += counted;
                }
                for holder in &term.holders {
                    let mut share = holder.share;
                    if !left_out_ids.is_empty() {
                        let left = left_out_ids
                            .iter()
                            .filter(|&&id| {
                                self.key_of(id) == holder.key
                                    && term.examples.binary_search(&id).is_ok()
                            })
                            .count() as u32;
                        if left >= holder.examples {
                            continue;
                        }
                        share = self::share(
                            holder.examples - left,
                            self.examples_of[holder.key as usize],
                        );
                    }
                    let cover = &mut covered[holder.key as usize];
                    if *cover == 0.0 {
                        covered_keys.push(holder.key);
                    }
                    *cover += counted * share;
                }
            }
        }
        if touched.is_empty() {
            for (_, term, counted) in &common {
                for &example in &term.examples {
                    let slot = &mut matched[example as usize];
                    if *slot == 0.0 {
                        touched.push(example);
                    }
                    *slot += counted;
                }
            }
        } else {
            for &example in touched.iter() {
                rare[example as usize] = matched[example as usize];
                let held = &self.examples[example as usize];
                for (lang, term, counted) in &common {
                    let holds = if term.common_bit == NO_BIT {
                        held.terms.binary_search(&term.id).is_ok()
                    } else {
                        held.common & (1 << term.common_bit) != 0
                    };
                    if usize::from(held.lang) == *lang && holds {
                        matched[example as usize] += counted;
                    }
                }
            }
        }
        let message_power: Vec<f32> = message_weight
            .iter()
            .map(|w| w.powf(MESSAGE_COVERAGE))
            .collect();
        for &example_id in touched.iter() {
            let m = matched[example_id as usize];
            let example = &self.examples[example_id as usize];
            if left_out_ids.contains(&example_id) {
                continue;
            }
            let of_message = message_weight[example.lang as usize];
            if of_message <= 0.0 || example.weight <= 0.0 {
                continue;
            }
            // (m/Q)^c × (m/E)^(1-c), with m ≤ Q and m ≤ E: E's power is the example's,
            // Q's the message's, both computed once.
            let score =
                (m / (message_power[example.lang as usize] * example.weight_power)).min(1.0);
            // What the candidate's other examples know of the message's words, beyond
            // this one: a citizen combines phrasings no single example holds.
            let cover = covered[self.key_of(example_id) as usize];
            let beyond = (cover - rare[example_id as usize]).max(0.0) / of_message;
            let score = (score + self.combined * beyond).min(1.0);
            let entry = &mut best[example.candidate as usize];
            if entry.1 == u32::MAX {
                reached.push(example.candidate);
            }
            // On a tie the example written first wins.
            if entry.1 == u32::MAX || score > entry.0 || (score == entry.0 && example_id < entry.1)
            {
                *entry = (score, example_id);
            }
        }
        let mut ranked: Vec<Scored<'a, T>> = reached
            .iter()
            .map(|&candidate| {
                let (score, example) = best[candidate as usize];
                Scored {
                    candidate: &self.candidates[candidate as usize],
                    score,
                    example: &self.examples[example as usize].text,
                    lang: usize::from(self.examples[example as usize].lang),
                }
            })
            .collect();
        // Clean for the next message: only what this one wrote.
        for example in touched.drain(..) {
            matched[example as usize] = 0.0;
            rare[example as usize] = 0.0;
        }
        for candidate in reached.drain(..) {
            best[candidate as usize] = (0.0, u32::MAX);
        }
        for key in covered_keys.drain(..) {
            covered[key as usize] = 0.0;
        }
        let order = |a: &Scored<'a, T>, b: &Scored<'a, T>| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| a.example.cmp(b.example))
        };
        // Only the best few matter to a decision; sorting thousands would not.
        if ranked.len() > RANKED {
            ranked.select_nth_unstable_by(RANKED - 1, order);
            ranked.truncate(RANKED);
        }
        ranked.sort_by(order);
        ranked
    }

    /// Whether some example written in language `lang` holds `stem`.
    pub fn holds(&self, lang: usize, stem: &str) -> bool {
        self.terms
            .get(lang)
            .is_some_and(|terms| terms.contains_key(stem))
    }

    /// The weight of `stem` in language `lang`, and whether any example holds it
    /// (the words that mattered, for `explain`).
    pub fn weight(&self, lang: usize, stem: &Stem) -> (f32, bool) {
        match self
            .terms
            .get(lang)
            .and_then(|terms| terms.get(stem.text.as_str()))
        {
            Some(term) => (term.weight, true),
            None => (self.unknown_in_message(stem), false),
        }
    }
}
