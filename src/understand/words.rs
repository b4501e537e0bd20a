//! From a message to words: lowercase, no accents, no punctuation or emoji, no
//! elongations ("aiutoooo" → "aiuto"), apostrophes split ("quann'è" → "quann", "e").

use crate::text::normalize;

/// The words of `text`, at most `MAX_WORDS` of them (a 10,000-character message is
/// judged by its first thousand words; nobody asks a question later than that).
pub(super) fn words(text: &str) -> Vec<String> {
    normalize(text)
        .split(' ')
        .filter(|w| !w.is_empty())
        .take(MAX_WORDS)
        .map(squeeze)
        .collect()
}

/// Words judged in one message.
const MAX_WORDS: usize = 1_000;

/// A letter typed three times or more counts once, and so does a doubled final vowel:
/// "ciaooo", "graziee" and "aiutoooo" read as "ciao", "grazie" and "aiuto" (a double
/// consonant is Italian spelling and stays; digits stay as typed).
fn squeeze(word: &str) -> String {
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

/// The sentences of a long message, each judged on its own as well as the whole.
pub fn sentences(text: &str) -> Vec<&str> {
    text.split(['.', '!', '?', ';', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn long_messages_have_sentences() {
        assert_eq!(
            sentences("Buongiorno. Mia figlia fa medicina!\nQuando è il test?"),
            ["Buongiorno", "Mia figlia fa medicina", "Quando è il test"]
        );
    }
}
