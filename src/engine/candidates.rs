//! What free text may mean at a state: every example in scope (the state's rules and
//! the buttons on offer, the intents, the FAQs) ranked together, one score per target.
//! The engine decides on it; `explain` and `unanswered` show it to staff.

use crate::dialogue::{Dialogues, Intent, StateId};
use crate::understand::{
    FaqIndex, Message, OffTopic, asked_first, is_question, is_question_word, off_topic_verdict,
    passages,
};

/// An example in another of the bot's languages against one in the citizen's.
const OTHER_LANGUAGE: f32 = 0.9;
/// A state's own examples against the intents', so they win a tie there.
const LOCAL: f32 = 1.02;
/// How much a part of a long message that does not ask counts, where another does.
const CONTEXT: f32 = 0.9;
/// How much a part of a long message counts that holds none of the known words of the
/// whole; one holding them all counts in full.
const PART_ALONE: f32 = 0.8;
/// Informative words a part that does not ask needs to be judged on its own.
const TELLING_WORDS: usize = 2;
/// Known words a message needs, once its strangers' clauses are left out.
const TOLD_WORDS: usize = 2;
/// A FAQ's score against a state's: just under, so a tie goes to the state (it answers
/// in the dialogue's own flow).
const FAQ_ON_A_TIE: f32 = 0.96;

/// What a message may lead to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    /// Enter this state.
    State(StateId),
    /// Answer the FAQ at this position of the FAQ index.
    Faq(usize),
}

/// A choice, its score and the example that scored it.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// Where it leads.
    pub choice: Choice,
    /// From 0 to 1.
    pub score: f32,
    /// The closest example (or the FAQ's question or example).
    pub example: String,
}

/// The best reading of `text`: the candidates of the whole message or, in a long one,
/// of the sentence or passage that scores best, best first, with that part (`None`:
/// the whole). What a citizen asks is in a question; the rest is context ("ho fatto la
/// prima prova 😭 la seconda quand'è?"), worth less when a question is there.
pub fn best_reading(
    d: &Dialogues,
    faqs: &FaqIndex,
    lang: &str,
    here: StateId,
    text: &str,
) -> (Vec<Candidate>, Option<String>) {
    let whole = read(d, faqs, text);
    let (ranked, whole_verdict) = candidates_of(d, faqs, lang, here, &whole);
    let mut best = (ranked, None);
    let mut parts = passages(text);
    if let Some(told) = without_strangers(d, faqs, text) {
        parts.push(told);
    }
    let parts: Vec<(String, bool)> = parts
        .into_iter()
        .map(|part| {
            let asks = is_question(&part);
            (part, asks)
        })
        .collect();
    if parts.len() > 1 {
        let any_asks = parts.iter().any(|(_, asks)| *asks);
        let whole_known = known_weight(d, faqs, &whole);
        for (part, asks) in parts {
            let message = read(d, faqs, &part);
            // A closing "buon lavoro" is no question: one word must not decide.
            let telling = message.stems.iter().map(Vec::len).max().unwrap_or(0);
            if !asks && telling < TELLING_WORDS {
                continue;
            }
            let (mut ranked, _) = candidates_of(d, faqs, lang, here, &message);
            // What we do not answer, as a whole, is not ours because a part of it
            // ("che corso all'università bisogna fare?" after "come si diventa
            // insegnante di sostegno?") shares our words: offer, never answer.
            if whole_verdict != OffTopic::Ours {
                ranked
                    .iter_mut()
                    .for_each(|c| c.score = asked_first(c.score));
            }
            if any_asks && !asks {
                ranked.iter_mut().for_each(|c| c.score *= CONTEXT);
            }
            // "può fare maturità lo stesso?" after "ha 6 in condotta" is not a
            // question about the maturità in general.
            if whole_known > 0.0 {
                let share = (known_weight(d, faqs, &message) / whole_known).min(1.0);
                let factor = PART_ALONE + (1.0 - PART_ALONE) * share;
                ranked.iter_mut().for_each(|c| c.score *= factor);
            }
            if top(&ranked) > top(&best.0) {
                best = (ranked, Some(part));
            }
        }
    }
    best
}

/// `text` without the clauses (between commas) that hold no word any example knows,
/// when it has some and something else: who is asking ("sono un docente nominato
/// commissario esterno, …", "…, dobbiamo organizzare la festa") weighs on the whole
/// without changing the question. A clause with one known word stays: "iscrizione
/// al nido comunale, quando esce la graduatoria?" is about the nursery.
fn without_strangers(d: &Dialogues, faqs: &FaqIndex, text: &str) -> Option<String> {
    let clauses: Vec<&str> = text.split(',').map(str::trim).collect();
    if clauses.len() < 2 {
        return None;
    }
    // Words no language stops at ("di" is no English word, though English examples
    // write "esame di stato") and that say what about ("quanto" does not), that some
    // example holds.
    let analyzer = &d.understanding.analyzer;
    let known = |clause: &str| {
        let message = read(d, faqs, clause);
        message
            .words
            .iter()
            .filter(|word| analyzer.tells(word) && !is_question_word(word))
            .filter(|word| {
                (0..analyzer.languages().len()).any(|lang| {
                    analyzer.stem(lang, word).is_some_and(|stem| {
                        d.understanding.index.holds(lang, &stem) || faqs.index().holds(lang, &stem)
                    })
                })
            })
            .count()
    };
    let kept: Vec<&str> = clauses.iter().copied().filter(|c| known(c) > 0).collect();
    if kept.is_empty() || kept.len() == clauses.len() {
        return None;
    }
    let told = kept.join(", ");
    // What is left must say what it is about on its own: "devo rinnovare la patente,
    // quanto costa?" without the licence is no question about our fees.
    (known(&told) >= TOLD_WORDS).then_some(told)
}

/// The weight of the words of `message` some example holds, in the language that
/// knows most of them.
fn known_weight(d: &Dialogues, faqs: &FaqIndex, message: &Message) -> f32 {
    message
        .stems
        .iter()
        .enumerate()
        .map(|(lang, stems)| {
            stems
                .iter()
                .map(|stem| {
                    let (weight, known) = d.understanding.index.weight(lang, stem);
                    if known {
                        weight
                    } else {
                        let (weight, known) = faqs.index().weight(lang, stem);
                        if known { weight } else { 0.0 }
                    }
                })
                .sum::<f32>()
        })
        .fold(0.0, f32::max)
}

fn top(ranked: &[Candidate]) -> f32 {
    ranked.first().map_or(0.0, |c| c.score)
}

/// `text` as the dialogues' and the FAQs' examples read it.
pub fn read(d: &Dialogues, faqs: &FaqIndex, text: &str) -> Message {
    let understanding = &d.understanding;
    let spellings = [understanding.index.spelling(), faqs.index().spelling()];
    understanding.analyzer.read(text, &spellings)
}

/// The candidates for `message` from a citizen speaking `lang` at `here`, best first,
/// and what the closest off-topic example said of them.
fn candidates_of(
    d: &Dialogues,
    faqs: &FaqIndex,
    lang: &str,
    here: StateId,
    message: &Message,
) -> (Vec<Candidate>, OffTopic) {
    if message.is_empty() {
        return (Vec::new(), OffTopic::Ours);
    }
    let understanding = &d.understanding;
    // The buttons on offer: the state's own, else the main menu's.
    let options = if d.state(here).buttons.is_empty() {
        d.settings.main
    } else {
        here
    };
    // A page of a flow without words of its own (the date of one test) still knows
    // its flow's: the `match` of the flow's first state counts there too.
    let state = d.state(here);
    let home = state.rules.is_empty().then(|| d.flows[state.flow].start);
    let in_scope = |intent: &Intent| {
        intent
            .scope
            .is_none_or(|scope| scope == here || scope == options || Some(scope) == home)
    };
    // "data" is a date in Italian before it is "my data".
    let own_lang = understanding.analyzer.language_index(lang);
    let lang_factor = |l: usize| if l == own_lang { 1.0 } else { OTHER_LANGUAGE };
    let mut ranked: Vec<Candidate> = Vec::new();
    let mut add = |choice: Choice, score: f32, example: &str| match ranked
        .iter_mut()
        .find(|c| c.choice == choice)
    {
        Some(found) if found.score >= score => {}
        Some(found) => {
            found.score = score;
            found.example = example.to_owned();
        }
        None => ranked.push(Candidate {
            choice,
            score,
            example: example.to_owned(),
        }),
    };
    for scored in understanding.index.rank(message) {
        if in_scope(scored.candidate) {
            let local = if scored.candidate.scope.is_some() {
                LOCAL
            } else {
                1.0
            };
            let score = (scored.score * local * lang_factor(scored.lang)).min(1.0);
            add(
                Choice::State(scored.candidate.target),
                score,
                scored.example,
            );
        }
    }
    for scored in faqs.index().rank(message) {
        let score = scored.score * FAQ_ON_A_TIE * lang_factor(scored.lang);
        add(Choice::Faq(*scored.candidate), score, scored.example);
    }
    ranked.sort_by(|a, b| b.score.total_cmp(&a.score));
    // What we do not answer, as close as our best or closer: offer it or drop it.
    let off_topic = off_topic(d, message).map_or(0.0, |(score, lang, _)| score * lang_factor(lang));
    let verdict = off_topic_verdict(off_topic, top(&ranked));
    match verdict {
        OffTopic::Ours => {}
        OffTopic::Doubtful => {
            for candidate in &mut ranked {
                candidate.score = asked_first(candidate.score);
            }
        }
        OffTopic::NotOurs => ranked.clear(),
    }
    (ranked, verdict)
}

/// The off-topic example (`fallback.off_topic`) closest to `message`: its score, its
/// language and its text.
pub fn off_topic<'a>(d: &'a Dialogues, message: &Message) -> Option<(f32, usize, &'a str)> {
    d.understanding
        .off_topic
        .rank(message)
        .first()
        .map(|scored| (scored.score, scored.lang, scored.example))
}

/// A candidate's name for staff: `flow.state` or `faq:key`.
pub fn choice_name(d: &Dialogues, faqs: &FaqIndex, choice: Choice) -> String {
    match choice {
        Choice::State(id) => d.state(id).qualified.clone(),
        Choice::Faq(position) => faqs
            .get(position)
            .map_or_else(|| "faq:?".to_owned(), |f| format!("faq:{}", f.key)),
    }
}
