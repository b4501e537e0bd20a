//! From a message to words: lowercase, no accents, no punctuation or emoji, no
//! elongations ("aiutoooo" → "aiuto"), apostrophes split ("quann'è" → "quann", "e").

use crate::text::normalize;

/// The words of `text`, at most `MAX_WORDS` of them (a 10,000-character message is
/// judged by its first thousand words; nobody asks a question later than that).
pub fn words(text: &str) -> Vec<String> {
    normalize(text)
        .split(' ')
        .filter(|w| !w.is_empty())
        .take(MAX_WORDS)
        .map(squeeze)
        .collect()
}

/// The words written as names: with a capital inside ("iPhone", "eBay",
/// "PlayStation") or, in a message not all in capitals, in capitals ("DNA", "INPS").
/// Names of things, not typos: never corrected into a word the bot knows, and as
/// telling as a long word when no example holds them.
pub(super) fn name_words(text: &str) -> Vec<String> {
    let shouting = !text.chars().any(char::is_lowercase);
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| {
            let chars: Vec<char> = word.chars().collect();
            let inner_capital = chars
                .windows(2)
                .any(|pair| pair[0].is_lowercase() && pair[1].is_uppercase());
            let acronym = !shouting
                && chars.len() >= 2
                && chars.iter().all(|c| c.is_uppercase() || c.is_ascii_digit())
                && chars.iter().any(|c| c.is_uppercase());
            inner_capital || acronym
        })
        .map(|word| squeeze(&normalize(word)))
        .collect()
}

/// Words judged in one message.
const MAX_WORDS: usize = 1_000;

/// A letter typed three times or more counts once, and so does a doubled final vowel:
/// "ciaooo", "graziee" and "aiutoooo" read as "ciao", "grazie" and "aiuto" (a double
/// consonant is Italian spelling and stays; digits stay as typed).
fn squeeze(word: &str) -> String {
    // Most words have no letter twice in a row: nothing to shrink.
    if !word.as_bytes().windows(2).any(|pair| pair[0] == pair[1]) {
        return word.to_owned();
    }
    let chars: Vec<char> = word.chars().collect();
    let mut out = String::with_capacity(word.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let run = chars[i..].iter().take_while(|&&d| d == c).count();
        let at_end = i + run == chars.len();
        let keep = if c.is_ascii_digit() {
            run
        } else if run >= 3 || (run == 2 && at_end && is_vowel(c) && i > 0) {
            1
        } else {
            run
        };
        out.extend(std::iter::repeat_n(c, keep));
        i += run;
    }
    out
}

fn is_vowel(c: char) -> bool {
    matches!(c, 'a' | 'e' | 'i' | 'o' | 'u')
}

/// The sentences of a long message, each judged on its own as well as the whole:
/// split at full stops, colons, question and exclamation marks, new lines and emoji (which
/// people type as punctuation: "è andata malissimo 😭 la seconda quand'è"). Each keeps
/// its question mark, for `is_question`.
fn sentences(text: &str) -> Vec<&str> {
    text.split_inclusive(|c: char| matches!(c, '.' | '!' | '?' | ';' | ':' | '\n') || is_emoji(c))
        .map(|s| {
            s.trim_end_matches(|c: char| c != '?' && !c.is_alphanumeric())
                .trim()
        })
        .filter(|s| s.chars().any(char::is_alphanumeric))
        .collect()
}

/// Words that open a follow-up question about what the sentence before named
/// ("posso portare il dizionario? e quanto dura?").
const FOLLOW_UP_OPENERS: &[&str] = &["e", "ed", "ma", "anche", "poi", "and", "but", "also"];
/// Words a follow-up has at most; a longer sentence names its own subject.
const FOLLOW_UP_WORDS: usize = 5;

/// The sentences, each short follow-up joined to the one before it: "e quanto dura?"
/// alone would be judged without what it asks about.
fn joined_follow_ups(sentences: Vec<&str>) -> Vec<String> {
    let mut joined: Vec<String> = Vec::new();
    for sentence in sentences {
        // Accents kept: "è per domani" states, "e quanto dura?" follows up.
        let lower = sentence.to_lowercase();
        let mut words = lower
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty());
        let follows = words
            .next()
            .is_some_and(|first| FOLLOW_UP_OPENERS.contains(&first))
            && words.count() < FOLLOW_UP_WORDS;
        match joined.last_mut() {
            Some(previous) if follows => {
                previous.push(' ');
                previous.push_str(sentence);
            }
            _ => joined.push(sentence.to_owned()),
        }
    }
    joined
}

/// Words in a passage of a long sentence: about a question's length.
const PASSAGE: usize = 12;

/// The parts of a message judged on their own: its sentences; in a sentence longer
/// than a question, overlapping passages of it, for the question inside a long letter
/// ("Gentile Ministero, sono la madre di … volevo sapere in quali giorni …"); and each
/// short question with the statement before it.
pub fn passages(text: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let sentences = joined_follow_ups(sentences(text));
    for sentence in &sentences {
        let words: Vec<&str> = sentence.split_whitespace().collect();
        if words.len() <= PASSAGE + PASSAGE / 2 {
            parts.push(sentence.to_owned());
            continue;
        }
        let mut start = 0;
        loop {
            let end = (start + PASSAGE).min(words.len());
            parts.push(words[start..end].join(" "));
            if end == words.len() {
                break;
            }
            start += PASSAGE / 3;
        }
    }
    // A question after the sentence that names its subject ("vuole fare architettura.
    // C'è il test d'ingresso?"), read with it too.
    for pair in sentences.windows(2) {
        let [before, question] = pair else { continue };
        let words = before.split_whitespace().count() + question.split_whitespace().count();
        if is_question(question) && !is_question(before) && words <= PASSAGE + PASSAGE / 2 {
            parts.push(format!("{before} {question}"));
        }
    }
    parts
}

/// Pictographs, dingbats and arrows: past the letters and punctuation people write.
fn is_emoji(c: char) -> bool {
    u32::from(c) >= 0x2190 && !c.is_alphanumeric()
}

/// Question words, in the bot's languages (as `normalize` writes them).
const QUESTION_WORDS: &[&str] = &[
    "quando", "quand", "qnd", "come", "dove", "quanto", "quanti", "quante", "quale", "quali",
    "cosa", "chi", "posso", "devo", "serve", "when", "how", "where", "what", "which", "who", "why",
    "can",
];

/// Whether `word` (as `words` reads it) asks: says what kind of question, not what
/// about.
pub fn is_question_word(word: &str) -> bool {
    QUESTION_WORDS.contains(&word)
}

/// Whether a sentence asks: a question mark, or a question word in it.
pub fn is_question(sentence: &str) -> bool {
    sentence.trim_end().ends_with('?')
        || crate::text::normalize(sentence)
            .split(' ')
            .any(|w| QUESTION_WORDS.contains(&w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_follow_up_is_read_with_the_sentence_before() {
        assert_eq!(
            passages("posso portare il dizionario alla prima prova? e quanto dura?"),
            ["posso portare il dizionario alla prima prova? e quanto dura?"]
        );
        assert_eq!(
            passages("ho finito la prima prova. E adesso quando escono i risultati della seconda?"),
            [
                "ho finito la prima prova",
                "E adesso quando escono i risultati della seconda?",
                "ho finito la prima prova E adesso quando escono i risultati della seconda?"
            ]
        );
    }

    #[test]
    fn a_question_is_also_read_with_the_statement_before_it() {
        let parts = passages("Vuole fare architettura. C'è il test d'ingresso? Quando si svolge?");
        assert!(parts.contains(&"Vuole fare architettura C'è il test d'ingresso?".to_owned()));
        // A question after a question is not joined to it: it names its own subject.
        assert!(!parts.iter().any(|p| p.contains("ingresso? Quando")));
    }

    #[test]
    fn names_with_a_capital_inside_are_told_apart() {
        assert_eq!(
            name_words("quando esce il nuovo iPhone o la PlayStation?"),
            ["iphone", "playstation"]
        );
        assert_eq!(name_words("quanto costa un test del DNA"), ["dna"]);
        assert!(name_words("QUANDO È LA PRIMA PROVA").is_empty());
        assert!(name_words("Quando è la prima prova? Maturità").is_empty());
    }

    #[test]
    fn words_are_plain_and_elongations_shrink() {
        assert_eq!(
            words("Quann'è la PRIMA prova???"),
            ["quann", "e", "la", "prima", "prova"]
        );
        assert_eq!(words("aiutoooo 😭"), ["aiuto"]);
        assert_eq!(words("graziee milleee"), ["grazie", "mille"]);
        assert_eq!(
            words("la seconda, la terza"),
            ["la", "seconda", "la", "terza"]
        );
        assert_eq!(words("anno 2007"), ["anno", "2007"]);
        assert_eq!(words("🎓🎓"), Vec::<String>::new());
    }

    #[test]
    fn emoji_end_a_sentence_and_questions_are_told_apart() {
        assert_eq!(
            sentences("è andata malissimo 😭 la seconda quand'è"),
            ["è andata malissimo", "la seconda quand'è"]
        );
        assert_eq!(sentences("Ciao!!! Orale?"), ["Ciao", "Orale?"]);
        assert!(is_question("la seconda quand'è"));
        assert!(is_question("Orale?"));
        assert!(!is_question("ho fatto la prima prova"));
    }

    #[test]
    fn long_sentences_are_read_in_overlapping_passages() {
        let letter = "Gentile Ministero sono la madre di una studentessa del quinto anno e volevo sapere in quali giorni di giugno si svolgono le prove scritte";
        let parts = passages(letter);
        assert_eq!(parts.len(), 4);
        assert!(parts.iter().all(|p| p.split(' ').count() <= PASSAGE));
        assert!(parts.iter().any(|p| p.contains("quali giorni di giugno")));
        assert_eq!(
            passages("Ciao. Quando è la prima prova?"),
            [
                "Ciao",
                "Quando è la prima prova?",
                "Ciao Quando è la prima prova?"
            ]
        );
    }

    #[test]
    fn long_messages_have_sentences() {
        assert_eq!(
            sentences("Buongiorno. Mia figlia fa medicina!\nQuando è il test?"),
            ["Buongiorno", "Mia figlia fa medicina", "Quando è il test?"]
        );
    }
}
