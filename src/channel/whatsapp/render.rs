//! `Outbound` → WhatsApp messages within the Cloud API's limits.
//!
//! - Telegram-style HTML becomes WhatsApp formatting (`<b>` → `*`, `<i>` → `_`,
//!   `<s>` → `~`, `<code>` → `` ` ``, links → `text (url)`, entities decoded).
//! - One turn's replies merge into as few messages as fit; text is at most 4096
//!   characters per message, split at paragraph boundaries.
//! - 1–3 buttons: reply buttons (titles ≤ 20 characters); 4–10: a list (row titles
//!   ≤ 24, descriptions ≤ 72, one section); more: a numbered text menu answered by
//!   number. Ids are the engine's compact button payloads (buttons with ids over 200
//!   characters, the list row limit, are left out).
//! - An interactive body is at most 1024 characters: longer text goes first as text
//!   messages, the interactive follows with a short prompt.
//! - Titles that do not fit are cut at a character boundary with "…" and made unique
//!   with " 2", " 3"…; the returned `MenuEntry`s map what was shown back to the button.

use std::sync::LazyLock;

use regex::Regex;

use crate::dialogue::{
    WHATSAPP_BUTTON_TITLE, WHATSAPP_BUTTONS, WHATSAPP_LIST_ROWS, WHATSAPP_ROW_DESCRIPTION,
    WHATSAPP_ROW_TITLE,
};
use crate::engine::{OutButton, Outbound};
pub use crate::store::MenuEntry;
use crate::text::html_to_plain;
// Shared with `check`, which quotes the titles this renderer sends.
use crate::text::split;
pub use crate::text::{shorten, shorten_unique};

/// Characters in one text message.
pub(crate) const TEXT_LIMIT: usize = 4096;
/// Characters in the body of an interactive message.
pub(crate) const BODY_LIMIT: usize = 1024;
/// Characters in a list row's id (reply button ids may have 256).
pub(crate) const ID_LIMIT: usize = 200;

/// A message ready to send (the recipient is added by the client).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WaMessage {
    /// Plain text (WhatsApp's own `*bold*` and `_italic_`).
    Text(String),
    /// Reply buttons: (id, title).
    Buttons {
        /// The text above the buttons.
        body: String,
        /// (id, title) of each button, at most three.
        buttons: Vec<(String, String)>,
    },
    /// A single-section list behind a button labelled `button`.
    List {
        /// The text above the list's button.
        body: String,
        /// The label of the button that opens the list.
        button: String,
        /// The rows, at most ten.
        rows: Vec<Row>,
    },
}

/// One row of a list message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The id sent back when the row is chosen (the engine's button payload).
    pub id: String,
    /// The row's title, shortened to fit.
    pub title: String,
    /// The full label (up to 72 characters) when the title had to be shortened.
    pub description: Option<String>,
}

/// One turn rendered: the messages in order, and the buttons offered last (if any).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rendered {
    /// The messages, in order.
    pub messages: Vec<WaMessage>,
    /// The buttons shown last, remembered so a typed title finds its button.
    pub menu: Option<Vec<MenuEntry>>,
}

/// Renders one turn's replies for a citizen speaking `lang`.
pub fn render(replies: &[Outbound], lang: &str) -> Rendered {
    let mut rendered = Rendered::default();
    let mut text = String::new();
    for reply in replies {
        let part = to_whatsapp(&reply.text);
        let part = part.trim();
        if !part.is_empty() {
            if !text.is_empty() {
                text.push_str("\n\n");
            }
            text.push_str(part);
        }
        if !reply.buttons.is_empty() {
            flush(&mut rendered, &mut text, &reply.buttons, lang);
        }
    }
    flush(&mut rendered, &mut text, &[], lang);
    rendered
}

fn flush(rendered: &mut Rendered, text: &mut String, buttons: &[OutButton], lang: &str) {
    let buttons: Vec<&OutButton> = buttons
        .iter()
        .filter(|b| !b.payload.is_empty() && b.payload.chars().count() <= ID_LIMIT)
        .collect();
    let texts = |text: &str| split(text, TEXT_LIMIT).into_iter().map(WaMessage::Text);
    if buttons.is_empty() {
        rendered.messages.extend(texts(text));
    } else if buttons.len() > WHATSAPP_LIST_ROWS {
        let mut menu = text.clone();
        for (i, b) in buttons.iter().enumerate() {
            menu.push_str(if i == 0 && !menu.is_empty() {
                "\n\n"
            } else if i == 0 {
                ""
            } else {
                "\n"
            });
            menu.push_str(&format!("{}. {}", i + 1, b.label));
        }
        menu.push_str(&format!("\n\n{}", numbered_hint(lang)));
        rendered.messages.extend(texts(&menu));
        rendered.menu = Some(entries(&buttons, |b| b.label.clone()));
    } else {
        let mut chunks = split(text, TEXT_LIMIT);
        let body = match chunks.last() {
            Some(last) if last.chars().count() <= BODY_LIMIT => chunks.pop().unwrap_or_default(),
            _ => prompt(lang).to_owned(),
        };
        rendered
            .messages
            .extend(chunks.into_iter().map(WaMessage::Text));
        let labels: Vec<&str> = buttons.iter().map(|b| b.label.as_str()).collect();
        if buttons.len() <= WHATSAPP_BUTTONS {
            let titles = shorten_unique(&labels, WHATSAPP_BUTTON_TITLE);
            rendered.messages.push(WaMessage::Buttons {
                body,
                buttons: buttons
                    .iter()
                    .zip(&titles)
                    .map(|(b, t)| (b.payload.clone(), t.clone()))
                    .collect(),
            });
            rendered.menu = Some(zip_entries(&buttons, titles));
        } else {
            let titles = shorten_unique(&labels, WHATSAPP_ROW_TITLE);
            let rows = buttons
                .iter()
                .zip(&titles)
                .map(|(b, title)| Row {
                    id: b.payload.clone(),
                    title: title.clone(),
                    // A shortened row keeps its whole label underneath, as far as it fits.
                    description: (title != &b.label)
                        .then(|| shorten(&b.label, WHATSAPP_ROW_DESCRIPTION)),
                })
                .collect();
            rendered.messages.push(WaMessage::List {
                body,
                button: list_button(lang).to_owned(),
                rows,
            });
            rendered.menu = Some(zip_entries(&buttons, titles));
        }
    }
    text.clear();
}

fn entries(buttons: &[&OutButton], title: impl Fn(&OutButton) -> String) -> Vec<MenuEntry> {
    buttons
        .iter()
        .map(|b| MenuEntry {
            title: title(b),
            label: b.label.clone(),
            payload: b.payload.clone(),
        })
        .collect()
}

fn zip_entries(buttons: &[&OutButton], titles: Vec<String>) -> Vec<MenuEntry> {
    buttons
        .iter()
        .zip(titles)
        .map(|(b, title)| MenuEntry {
            title,
            label: b.label.clone(),
            payload: b.payload.clone(),
        })
        .collect()
}

/// The body of an interactive message whose text went ahead, or that has none.
fn prompt(lang: &str) -> &'static str {
    if lang == "it" {
        "Scegli un'opzione:"
    } else {
        "Choose an option:"
    }
}

/// The button that opens a list (≤ 20 characters).
fn list_button(lang: &str) -> &'static str {
    if lang == "it" { "Scegli" } else { "Choose" }
}

fn numbered_hint(lang: &str) -> &'static str {
    if lang == "it" {
        "Rispondi con il numero."
    } else {
        "Reply with the number."
    }
}

static FORMATS: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    [
        (
            r"(?is)<(?:b|strong)(?:\s[^>]*)?>(.*?)</(?:b|strong)\s*>",
            "*",
        ),
        (r"(?is)<(?:i|em)(?:\s[^>]*)?>(.*?)</(?:i|em)\s*>", "_"),
        (
            r"(?is)<(?:s|strike|del)(?:\s[^>]*)?>(.*?)</(?:s|strike|del)\s*>",
            "~",
        ),
        (r"(?is)<code(?:\s[^>]*)?>(.*?)</code\s*>", "`"),
    ]
    .into_iter()
    .filter_map(|(pattern, marker)| Regex::new(pattern).ok().map(|r| (r, marker)))
    .collect()
});

/// Telegram-style HTML → WhatsApp text: emphasis as markers hugging the words (spaces
/// kept outside, or WhatsApp shows the markers), then `html_to_plain`.
pub fn to_whatsapp(html: &str) -> String {
    let mut text = html.to_owned();
    for (pattern, marker) in FORMATS.iter() {
        text = pattern
            .replace_all(&text, |c: &regex::Captures| {
                let inner = &c[1];
                let core = inner.trim();
                if core.is_empty() {
                    return inner.to_owned();
                }
                let lead = &inner[..inner.len() - inner.trim_start().len()];
                let trail = &inner[inner.trim_end().len()..];
                format!("{lead}{marker}{core}{marker}{trail}")
            })
            .into_owned();
    }
    html_to_plain(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(text: &str, buttons: &[&str]) -> Outbound {
        Outbound {
            text: text.to_owned(),
            buttons: buttons
                .iter()
                .enumerate()
                .map(|(i, l)| OutButton {
                    label: (*l).to_owned(),
                    payload: format!("f.s#{i}"),
                })
                .collect(),
        }
    }

    #[test]
    fn html_becomes_whatsapp_formatting() {
        assert_eq!(
            to_whatsapp(
                r#"🎓 <b>Esame di Stato </b>e <i>date</i> &amp; <a href="https://x.it">sito</a>"#
            ),
            "🎓 *Esame di Stato* e _date_ & sito (https://x.it)"
        );
        assert_eq!(to_whatsapp("<b><i>x</i></b> <b> </b>"), "*_x_*  ");
    }

    #[test]
    fn up_to_three_buttons_are_reply_buttons_with_short_unique_titles() {
        let r = render(
            &[
                reply("Ciao", &[]),
                reply(
                    "<b>Menu</b>",
                    &[
                        "📅 Calendario delle prove scritte",
                        "📅 Calendario delle prove orali",
                        "Ok",
                    ],
                ),
            ],
            "it",
        );
        let [WaMessage::Buttons { body, buttons }] = r.messages.as_slice() else {
            panic!("{r:?}")
        };
        assert_eq!(body, "Ciao\n\n*Menu*");
        let titles: Vec<&str> = buttons.iter().map(|(_, t)| t.as_str()).collect();
        assert_eq!(
            titles,
            ["📅 Calendario delle…", "📅 Calendario dell… 2", "Ok"]
        );
        assert!(
            titles
                .iter()
                .all(|t| t.chars().count() <= WHATSAPP_BUTTON_TITLE)
        );
        assert_eq!(buttons[1].0, "f.s#1");
        let menu = r.menu.unwrap_or_default();
        assert_eq!(menu[1].label, "📅 Calendario delle prove orali");
    }

    #[test]
    fn four_to_ten_buttons_are_a_list_and_more_a_numbered_menu() {
        let labels: Vec<String> = (1..=12)
            .map(|i| format!("Opzione numero {i} molto lunga e dettagliata"))
            .collect();
        let four: Vec<&str> = labels.iter().take(4).map(String::as_str).collect();
        let r = render(&[reply("Scegli", &four)], "en");
        let [WaMessage::List { button, rows, .. }] = r.messages.as_slice() else {
            panic!("{r:?}")
        };
        assert_eq!(button, "Choose");
        assert_eq!(rows.len(), 4);
        assert!(
            rows.iter()
                .all(|row| row.title.chars().count() <= WHATSAPP_ROW_TITLE)
        );
        assert_eq!(
            rows[0].description.as_deref(),
            Some("Opzione numero 1 molto lunga e dettagliata")
        );
        let all: Vec<&str> = labels.iter().map(String::as_str).collect();
        let r = render(&[reply("Scegli", &all)], "it");
        let [WaMessage::Text(menu)] = r.messages.as_slice() else {
            panic!("{r:?}")
        };
        assert!(
            menu.contains("\n12. Opzione numero 12 molto lunga e dettagliata"),
            "{menu}"
        );
        assert!(menu.ends_with("Rispondi con il numero."));
    }

    #[test]
    fn long_text_goes_first_and_the_interactive_gets_a_short_body() {
        let long = "parola ".repeat(400); // 2,800 characters
        let r = render(&[reply(&long, &["Sì", "No"])], "it");
        match r.messages.as_slice() {
            [WaMessage::Text(t), WaMessage::Buttons { body, .. }] => {
                assert!(t.chars().count() <= TEXT_LIMIT);
                assert_eq!(body, "Scegli un'opzione:");
            }
            other => panic!("{other:?}"),
        }
        let huge = format!("{}\n\nFine.", "x".repeat(5000));
        let r = render(&[reply(&huge, &["Sì"])], "it");
        assert!(
            matches!(r.messages.as_slice(), [WaMessage::Text(t), WaMessage::Buttons { body, .. }]
                if t.chars().count() == TEXT_LIMIT && body.ends_with("\n\nFine.") && body.chars().count() <= BODY_LIMIT),
            "{r:?}"
        );
        assert!(render(&[], "it").messages.is_empty());
    }
}
