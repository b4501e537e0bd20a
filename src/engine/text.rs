//! Citizen text as the engine sees it: bounded, cleaned of invisible characters, and a
//! normalized form for comparing with button labels.

/// Longest citizen text the engine looks at; the rest is dropped (Telegram's own
/// message limit, so nothing real is lost).
pub const MAX_INPUT_CHARS: usize = 4096;

/// Drops control, zero-width and bidirectional formatting characters, trims, and
/// keeps at most `MAX_INPUT_CHARS` characters.
pub fn clean(text: &str) -> String {
    text.chars()
        .filter(|c| !is_invisible(*c))
        .take(MAX_INPUT_CHARS)
        .collect::<String>()
        .trim()
        .to_owned()
}

fn is_invisible(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// Lowercase words without accents, emoji or punctuation, single-spaced:
/// "📅 Date delle Prove!" and "date delle prove" compare equal.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.chars() {
        if c.is_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            for lower in c.to_lowercase() {
                out.push(fold_accent(lower));
            }
        } else if c.is_whitespace() || c == '\'' || c == '’' || c == '-' {
            pending_space = true;
        }
    }
    out
}

fn fold_accent(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ä' => 'a',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ò' | 'ó' | 'ô' | 'ö' => 'o',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_compare_without_emoji_case_or_accents() {
        assert_eq!(normalize("📅 Date delle Prove!"), "date delle prove");
        assert_eq!(normalize("  Attività  "), normalize("attivita"));
        assert_eq!(normalize("Sì, cancella"), "si cancella");
        assert_eq!(normalize("1."), "1");
    }

    #[test]
    fn invisible_characters_are_dropped_and_length_bounded() {
        assert_eq!(clean("\u{200B}ciao\u{202E}\u{FEFF} "), "ciao");
        assert_eq!(clean(&"a".repeat(10_000)).chars().count(), MAX_INPUT_CHARS);
        assert_eq!(clean("\u{200D}\u{2066}"), "");
    }
}
