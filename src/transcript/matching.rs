//! How a transcript's texts are compared with what the bot said. `says` and
//! `not_says` look past capitals, runs of spaces and line breaks, typographic
//! apostrophes and emoji variation selectors, but not accents (`è` is not `e`, `papà`
//! is not `papa`); `says_exact` compares as written. Buttons are found by their words.

use crate::dialogue::suggest::did_you_mean;
use crate::text::normalize;

/// `text` as `says` compares it: lower case, every run of whitespace one space (none
/// at the ends), `’` and `‘` as `'`, `“` and `”` as `"`, variation selectors dropped.
pub(super) fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            pending_space = true;
            continue;
        }
        // Invisible: `ℹ️` and `ℹ` look the same to whoever writes the test.
        if matches!(c, '\u{fe0e}' | '\u{fe0f}') {
            continue;
        }
        if pending_space && !out.is_empty() {
            out.push(' ');
        }
        pending_space = false;
        match c {
            '’' | '‘' => out.push('\''),
            '“' | '”' => out.push('"'),
            c => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// The label among `labels` that `wanted` names: the one whose words are the same,
/// else the first whose words contain them (without case, accents or emoji).
pub(super) fn find_label<S: AsRef<str>>(labels: &[S], wanted: &str) -> Option<usize> {
    let wanted = normalize(wanted);
    let words: Vec<String> = labels.iter().map(|l| normalize(l.as_ref())).collect();
    words
        .iter()
        .position(|w| *w == wanted)
        .or_else(|| words.iter().position(|w| w.contains(&wanted)))
}

/// The label among `labels` closest to `wanted`, when it is close enough to be a slip.
pub(super) fn closest_label<'a, S: AsRef<str>>(labels: &'a [S], wanted: &str) -> Option<&'a str> {
    let words: Vec<String> = labels.iter().map(|l| normalize(l.as_ref())).collect();
    let best = did_you_mean(&normalize(wanted), &words)?;
    let index = words.iter().position(|w| w == best)?;
    labels.get(index).map(AsRef::as_ref)
}

/// Whether `wanted` has any words a label could be found by (`📅` alone has none).
pub(super) fn has_words(wanted: &str) -> bool {
    !normalize(wanted).is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_ignores_case_space_runs_and_typographic_quotes_but_keeps_accents() {
        assert_eq!(fold("  Prima   PROVA\n scritta "), "prima prova scritta");
        assert_eq!(fold("Cos’è"), "cos'è");
        assert_eq!(fold("\u{2139}\u{fe0f} Info"), fold("\u{2139} info"));
        assert_ne!(fold("è"), fold("e"));
        assert_ne!(fold("papà"), fold("papa"));
    }

    #[test]
    fn a_label_is_found_by_its_words_preferring_the_one_that_is_exactly_them() {
        let labels = ["📅 Ultime notizie", "🔔 Notizie", "ℹ️ Cos'è"];
        assert_eq!(find_label(&labels, "notizie"), Some(1));
        assert_eq!(find_label(&labels, "ultime"), Some(0));
        assert_eq!(find_label(&labels, "cos e"), Some(2));
        assert_eq!(find_label(&labels, "Date"), None);
    }

    #[test]
    fn the_closest_label_is_named_as_written() {
        let labels = ["📅 Calendario prove", "Cosa portare"];
        assert_eq!(
            closest_label(&labels, "Calendaro prove"),
            Some("📅 Calendario prove")
        );
        assert_eq!(closest_label(&labels, "Iscriviti"), None);
        assert!(!has_words("📅"));
    }
}
