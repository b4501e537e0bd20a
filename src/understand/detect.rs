//! Which of the bot's languages a text is written in (whatlang, embedded trigram
//! models, no download). Only texts of three words or more are judged, and only a
//! reliable answer counts: "ok" or "medicina" say nothing about a language.

use whatlang::{Detector, Lang};

/// Words a text needs before its language is judged.
const MIN_WORDS: usize = 3;

/// The code (`it`, `en`) of the language of `text` among `languages`, if reliable.
pub fn language_of(text: &str, languages: &[String]) -> Option<String> {
    if text.split_whitespace().count() < MIN_WORDS {
        return None;
    }
    let allowed: Vec<Lang> = languages.iter().filter_map(|code| lang_of(code)).collect();
    if allowed.len() < 2 {
        return None;
    }
    let info = Detector::with_allowlist(allowed).detect(text)?;
    if !info.is_reliable() {
        return None;
    }
    languages
        .iter()
        .find(|code| lang_of(code) == Some(info.lang()))
        .cloned()
}

fn lang_of(code: &str) -> Option<Lang> {
    Some(match code {
        "it" => Lang::Ita,
        "en" => Lang::Eng,
        "fr" => Lang::Fra,
        "de" => Lang::Deu,
        "es" => Lang::Spa,
        "pt" => Lang::Por,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_enough_texts_get_their_language() {
        let both = ["it".to_owned(), "en".to_owned()];
        assert_eq!(
            language_of("when is the first written test", &both).as_deref(),
            Some("en")
        );
        assert_eq!(
            language_of("quando è la prima prova scritta", &both).as_deref(),
            Some("it")
        );
        assert_eq!(language_of("medicina", &both), None, "too short to tell");
        assert_eq!(language_of("when is the test", &["it".to_owned()]), None);
    }
}
