//! A news item as the message subscribers receive: the dialogues' `news` template
//! (per language, values HTML-escaped), trimmed to Telegram's 4096 characters with an
//! ellipsis and `news.trimmed` set, so the template can offer "leggi tutto" with the link.
//!
//! Pure: no database, no network.

use minijinja::Value;
use serde::Serialize;

use super::RelayError;
use crate::content::NewsItem;
use crate::dialogue::{Dialogues, TELEGRAM_TEXT_LIMIT};
use crate::text::html_to_plain;

/// The key of the text used for a language the dialogues do not have.
pub(crate) const DEFAULT_LANG_KEY: &str = "*";

/// The rendered message of one news item, per language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewsMessages {
    /// (language, HTML text), in the dialogues' language order.
    pub by_lang: Vec<(String, String)>,
    /// The text in the default language, for recipients of any other language.
    pub default: String,
}

impl NewsMessages {
    /// `{"it": "...", "en": "...", "*": default}`, as stored in `news.rendered`.
    pub fn to_json(&self) -> serde_json::Value {
        let mut map = serde_json::Map::new();
        for (lang, text) in &self.by_lang {
            map.insert(lang.clone(), serde_json::Value::String(text.clone()));
        }
        map.insert(
            DEFAULT_LANG_KEY.to_owned(),
            serde_json::Value::String(self.default.clone()),
        );
        serde_json::Value::Object(map)
    }

    /// The text for `lang`, else the default.
    pub fn get(&self, lang: &str) -> &str {
        self.by_lang
            .iter()
            .find(|(l, _)| l == lang)
            .map_or(self.default.as_str(), |(_, t)| t.as_str())
    }
}

#[derive(Serialize)]
struct NewsView<'a> {
    key: &'a str,
    title: &'a str,
    body: String,
    link: Option<&'a str>,
    topics: &'a [String],
    published_at: String,
    trimmed: bool,
}

/// Telegram's length of an HTML text: its visible characters in UTF-16 units.
pub fn visible_len(html: &str) -> usize {
    html_to_plain(html).encode_utf16().count()
}

/// Renders `news` in every language of the dialogues.
pub fn render_news(dialogues: &Dialogues, news: &NewsItem) -> Result<NewsMessages, RelayError> {
    let settings = &dialogues.settings;
    let mut langs: Vec<&str> = settings.languages.iter().map(String::as_str).collect();
    if !langs.contains(&settings.default_lang.as_str()) {
        langs.insert(0, &settings.default_lang);
    }
    let mut by_lang = Vec::new();
    for lang in langs {
        let text = render_one(dialogues, news, lang, TELEGRAM_TEXT_LIMIT)?;
        by_lang.push((lang.to_owned(), text));
    }
    let default = by_lang
        .iter()
        .find(|(l, _)| *l == settings.default_lang)
        .or(by_lang.first())
        .map(|(_, t)| t.clone())
        .unwrap_or_default();
    Ok(NewsMessages { by_lang, default })
}

/// One language, trimmed to `limit` visible characters.
fn render_one(
    dialogues: &Dialogues,
    news: &NewsItem,
    lang: &str,
    limit: usize,
) -> Result<String, RelayError> {
    let settings = &dialogues.settings;
    let name = settings
        .news
        .template_name(lang, &settings.default_lang)
        .ok_or_else(|| RelayError::Template("the dialogues have no news template".into()))?;
    let render = |body: String, trimmed: bool| -> Result<String, RelayError> {
        let view = NewsView {
            key: &news.key,
            title: &news.title,
            body,
            link: news.link.as_deref(),
            topics: &news.topics,
            published_at: news.published_at.to_rfc3339(),
            trimmed,
        };
        let context = minijinja::context! { news => Value::from_serialize(&view), lang => lang };
        dialogues
            .templates
            .render(name, &context)
            .map(|t| t.trim().to_owned())
            .map_err(|e| RelayError::Template(e.to_string()))
    };
    let full = render(news.body.clone(), false)?;
    let mut excess = visible_len(&full).saturating_sub(limit);
    if excess == 0 {
        return Ok(full);
    }
    let body: Vec<char> = news.body.chars().collect();
    let mut keep = body.len();
    // Each round cuts at least the excess; a few rounds settle the "…" and the link.
    for _ in 0..8 {
        keep = keep.saturating_sub(excess + 1);
        let cut = cut_at_word(&body[..keep]);
        let text = render(format!("{cut}…"), true)?;
        excess = visible_len(&text).saturating_sub(limit);
        if excess == 0 {
            return Ok(text);
        }
        if keep == 0 {
            break;
        }
    }
    Err(RelayError::Template(format!(
        "news `{}` does not fit in {limit} characters even without its body",
        news.key
    )))
}

/// The text up to its last space (within the last 100 characters), trimmed.
fn cut_at_word(chars: &[char]) -> String {
    let text: String = chars.iter().collect();
    let floor = chars.len().saturating_sub(100);
    match chars.iter().rposition(|c| c.is_whitespace()) {
        Some(space) if space >= floor => chars[..space].iter().collect::<String>(),
        _ => text,
    }
    .trim_end()
    .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialogue;

    fn bundled() -> Option<Dialogues> {
        dialogue::load(&dialogue::bundled_files()).0
    }

    fn item(body: &str) -> NewsItem {
        NewsItem {
            key: "n1".into(),
            title: "Prove <scritte> & orali".into(),
            body: body.into(),
            topics: vec!["maturita".into()],
            link: Some("https://example.org/a?b=1&c=2".into()),
            published_at: chrono::DateTime::UNIX_EPOCH,
            expires_at: None,
            author: None,
        }
    }

    #[test]
    fn values_are_escaped_and_the_link_is_kept() {
        let Some(d) = bundled() else {
            panic!("bundled dialogues do not load")
        };
        let messages = render_news(&d, &item("Corpo <b>non</b> html"));
        let Ok(messages) = messages else {
            panic!("{messages:?}")
        };
        let it = messages.get("it");
        assert!(it.contains("Prove &lt;scritte&gt; &amp; orali"), "{it}");
        assert!(it.contains("&lt;b&gt;non"), "{it}");
        assert!(it.contains("a?b=1&amp;c=2\">Approfondisci</a>"), "{it}");
        assert!(!it.contains("Leggi tutto"), "{it}");
        assert!(messages.get("en").contains("More"));
        assert_eq!(messages.get("fr"), it, "other languages get the default");
    }

    #[test]
    fn long_bodies_are_trimmed_with_a_read_more_link() {
        let Some(d) = bundled() else {
            panic!("bundled dialogues do not load")
        };
        let body = "parola è lunga ".repeat(1_000);
        let Ok(messages) = render_news(&d, &item(&body)) else {
            panic!("does not render")
        };
        let it = messages.get("it");
        assert!(
            visible_len(it) <= TELEGRAM_TEXT_LIMIT,
            "{}",
            visible_len(it)
        );
        assert!(visible_len(it) > TELEGRAM_TEXT_LIMIT - 200);
        assert!(it.contains("…"));
        assert!(it.contains("Leggi tutto</a>"), "{it}");
    }
}
