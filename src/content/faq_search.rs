//! The in-memory FAQ search: keyword and question-word overlap with a loose stem
//! match. The demo store and the offline `chat` use it; Postgres has its own.

use super::Faq;
use crate::text::normalize;

/// Italian words too common to tell one question from another.
const STOPWORDS: &[&str] = &[
    "il", "lo", "la", "i", "gli", "le", "un", "uno", "una", "di", "a", "da", "in", "con", "su",
    "per", "tra", "fra", "e", "ed", "o", "che", "chi", "come", "dove", "quando", "quale", "quali",
    "cosa", "del", "dello", "della", "dei", "degli", "delle", "al", "allo", "alla", "ai", "agli",
    "alle", "dal", "dalla", "nel", "nella", "sul", "sulla", "mi", "ti", "si", "ci", "vi", "non",
    "e", "sono", "posso", "devo", "puo", "the", "and", "for", "what", "when", "how", "is", "are",
    "esce", "ciao", "grazie",
];

/// Minimum score for a FAQ to count as the answer (a keyword is worth 3, a word of the
/// question 1): one keyword plus one more clue.
const FAQ_THRESHOLD: u32 = 4;

/// The best FAQ for `text` by keyword overlap, if good enough. The in-memory
/// counterpart of the Postgres full-text search.
pub fn best_faq<'a>(faqs: &'a [Faq], text: &str, lang: &str) -> Option<&'a Faq> {
    let words: Vec<String> = normalize(text)
        .split(' ')
        .filter(|w| w.chars().count() >= 3 && !STOPWORDS.contains(w))
        .map(str::to_owned)
        .collect();
    if words.is_empty() {
        return None;
    }
    faqs.iter()
        .map(|faq| {
            (
                score(faq, &words) + u32::from(faq.lang == lang && score(faq, &words) > 0),
                faq,
            )
        })
        .filter(|(score, _)| *score >= FAQ_THRESHOLD)
        // On a tie the FAQ written first wins (max_by_key would pick the last).
        .fold(None, |best: Option<(u32, &Faq)>, (score, faq)| match best {
            Some((top, _)) if top >= score => best,
            _ => Some((score, faq)),
        })
        .map(|(_, faq)| faq)
}

/// How well `words` fit `faq`: 3 for a keyword, 1 for a word of the question.
fn score(faq: &Faq, words: &[String]) -> u32 {
    let keywords: Vec<String> = faq.keywords.iter().map(|k| normalize(k)).collect();
    let question = normalize(&faq.question);
    let question_words: Vec<&str> = question.split(' ').collect();
    words
        .iter()
        .map(|w| {
            if keywords.iter().any(|k| same_stem(k, w)) {
                3
            } else if question_words.iter().any(|q| same_stem(q, w)) {
                1
            } else {
                0
            }
        })
        .sum()
}

/// Equal, or sharing the first five letters (iscrizione / iscriversi).
fn same_stem(a: &str, b: &str) -> bool {
    a == b || (a.len() >= 5 && b.len() >= 5 && a.chars().take(5).eq(b.chars().take(5)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn faq(key: &str, question: &str, keywords: &[&str]) -> Faq {
        Faq {
            key: key.into(),
            question: question.into(),
            answer: format!("answer {key}"),
            keywords: keywords.iter().map(|k| k.to_string()).collect(),
            lang: "it".into(),
        }
    }

    #[test]
    fn faq_search_finds_the_right_question_and_refuses_nonsense() {
        let faqs = vec![
            faq(
                "medicina",
                "Quando esce il bando per il test di medicina?",
                &["medicina", "bando", "test"],
            ),
            faq(
                "portare",
                "Cosa devo portare alla maturità?",
                &["portare", "documento", "maturita"],
            ),
        ];
        let hit = best_faq(&faqs, "quando esce il bando di medicina?", "it");
        assert_eq!(hit.map(|f| f.key.as_str()), Some("medicina"));
        let hit = best_faq(&faqs, "cosa porto alla maturita", "it");
        assert_eq!(hit.map(|f| f.key.as_str()), Some("portare"));
        assert_eq!(best_faq(&faqs, "xyzzy", "it"), None);
        assert_eq!(best_faq(&faqs, "ciao come stai", "it"), None);
        assert_eq!(best_faq(&faqs, "", "it"), None);
    }

    #[test]
    fn on_a_tie_the_first_faq_wins() {
        let faqs = vec![
            faq("a", "Prima?", &["bando", "medicina"]),
            faq("b", "Seconda?", &["bando", "medicina"]),
        ];
        assert_eq!(
            best_faq(&faqs, "bando medicina", "it").map(|f| f.key.as_str()),
            Some("a")
        );
    }
}
