//! Channel adapters: each turns its traffic into `Inbound` and renders `Outbound`
//! within its limits: the terminal (`console`), Telegram (`telegram`) and WhatsApp
//! (`whatsapp`).
//!
//! Outbound text is Telegram-style HTML (`<b>`, `<i>`, `<a href>`, escaped values);
//! channels without HTML use `html_to_plain`.

pub mod console;
pub mod telegram;
pub mod whatsapp;

use std::sync::LazyLock;

use regex::Regex;

static LINK: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r#"(?is)<a\s+href\s*=\s*"([^"]*)"\s*>(.*?)</a>"#).ok());
static TAG: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"(?s)</?[a-zA-Z][^>]*>").ok());

/// A short, stable stand-in for a chat id in logs (raw ids and phone numbers are
/// personal data and stay out of logs).
pub fn log_id(chat: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(chat.as_bytes());
    digest.iter().take(4).map(|b| format!("{b:02x}")).collect()
}

/// Plain text from the HTML subset: links become `text (url)`, tags go, entities are
/// decoded.
pub fn html_to_plain(html: &str) -> String {
    let mut text = html.to_owned();
    if let Some(link) = LINK.as_ref() {
        text = link
            .replace_all(&text, |c: &regex::Captures| {
                if c[1] == c[2] {
                    c[1].to_owned()
                } else {
                    format!("{} ({})", &c[2], &c[1])
                }
            })
            .into_owned();
    }
    if let Some(tag) = TAG.as_ref() {
        text = tag.replace_all(&text, "").into_owned();
    }
    html_escape::decode_html_entities(&text).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_becomes_plain_text() {
        assert_eq!(
            html_to_plain("<b>Ciao</b> &amp; &lt;benvenuto&gt; &#x27;x&#x27;"),
            "Ciao & <benvenuto> 'x'"
        );
        assert_eq!(
            html_to_plain(r#"Vedi <a href="https://x.it">il sito</a>"#),
            "Vedi il sito (https://x.it)"
        );
        assert_eq!(html_to_plain("2 < 3"), "2 < 3");
    }
}
