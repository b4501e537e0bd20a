//! `Outbound` → Telegram messages: one turn's replies merged into as few messages as
//! fit (fewer messages, fewer rate-limit waits), split at paragraph boundaries past
//! 4096 characters, the buttons on the last one as an inline keyboard whose
//! `callback_data` is the engine's compact payload, never the label.

use crate::dialogue::{TELEGRAM_CALLBACK_LIMIT, TELEGRAM_TEXT_LIMIT};
use crate::engine::{OutButton, Outbound};
use crate::sender::{Class, Message};
use crate::text::split_html;

/// A message ready to send: HTML text and keyboard rows of (label, callback data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TelegramMessage {
    /// The text, Telegram HTML (plain text once `markup` is off).
    pub text: String,
    /// One button per row: (label, callback data).
    pub keyboard: Vec<(String, String)>,
    /// False once Telegram refused the HTML: the text goes as plain text.
    pub markup: bool,
    /// Its place in the pace's line: a reply, or the notice ahead of one.
    pub class: Class,
}

impl TelegramMessage {
    /// The notice that a waiting reply is coming (`text` is plain): it goes ahead of
    /// the replies waiting.
    pub fn notice(text: &str) -> TelegramMessage {
        TelegramMessage {
            text: html_escape::encode_text(text).into_owned(),
            keyboard: Vec::new(),
            markup: true,
            class: Class::Notice,
        }
    }
}

impl Message for TelegramMessage {
    fn without_markup(&self) -> Option<Self> {
        self.markup.then(|| TelegramMessage {
            markup: false,
            ..self.clone()
        })
    }

    fn class(&self) -> Class {
        self.class
    }
}

/// Shown when a reply has buttons but no text: Telegram refuses empty messages.
const BUTTONS_ONLY: &str = "👇";

/// The messages for one turn's replies, in order.
pub fn render(replies: &[Outbound]) -> Vec<TelegramMessage> {
    let mut messages: Vec<TelegramMessage> = Vec::new();
    let mut text = String::new();
    for reply in replies {
        let part = reply.text.trim();
        if !part.is_empty() {
            if !text.is_empty() {
                text.push_str("\n\n");
            }
            text.push_str(part);
        }
        if !reply.buttons.is_empty() {
            flush(&mut messages, &mut text, &reply.buttons);
        }
    }
    flush(&mut messages, &mut text, &[]);
    messages
}

/// Turns the pending text into messages, the last one carrying `buttons`.
fn flush(messages: &mut Vec<TelegramMessage>, text: &mut String, buttons: &[OutButton]) {
    if text.is_empty() && buttons.is_empty() {
        return;
    }
    let keyboard: Vec<(String, String)> = buttons
        .iter()
        // `check` refuses longer ids; never send one Telegram would reject.
        .filter(|b| b.payload.len() <= TELEGRAM_CALLBACK_LIMIT)
        .map(|b| (b.label.clone(), b.payload.clone()))
        .collect();
    let mut chunks = split_html(text, TELEGRAM_TEXT_LIMIT);
    if chunks.is_empty() {
        chunks.push(BUTTONS_ONLY.to_owned());
    }
    let last = chunks.len() - 1;
    messages.extend(
        chunks
            .into_iter()
            .enumerate()
            .map(|(i, text)| TelegramMessage {
                text,
                markup: true,
                class: Class::Reply,
                keyboard: if i == last {
                    keyboard.clone()
                } else {
                    Vec::new()
                },
            }),
    );
    text.clear();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(text: &str, buttons: &[(&str, &str)]) -> Outbound {
        Outbound {
            text: text.to_owned(),
            buttons: buttons
                .iter()
                .map(|(l, p)| OutButton {
                    label: (*l).to_owned(),
                    payload: (*p).to_owned(),
                })
                .collect(),
        }
    }

    #[test]
    fn a_turn_becomes_one_message_with_the_keyboard_last() {
        let messages = render(&[
            reply("Date: 16 giugno", &[]),
            reply("Cosa vuoi sapere?", &[("📅 Date", "maturita.menu#0")]),
        ]);
        assert_eq!(messages.len(), 1);
        assert_eq!(messages[0].text, "Date: 16 giugno\n\nCosa vuoi sapere?");
        assert_eq!(
            messages[0].keyboard,
            [("📅 Date".to_owned(), "maturita.menu#0".to_owned())]
        );
    }

    #[test]
    fn long_replies_split_at_paragraphs_within_the_limit() {
        let paragraph = "parola ".repeat(300); // 2,100 characters
        let text = format!(
            "{}\n\n{}\n\n{}",
            paragraph.trim(),
            paragraph.trim(),
            paragraph.trim()
        );
        let messages = render(&[reply(&text, &[("Ok", "a.b#0")])]);
        // Two paragraphs never fit together, so each goes alone.
        assert_eq!(messages.len(), 3);
        assert!(
            messages
                .iter()
                .all(|m| m.text.chars().count() <= TELEGRAM_TEXT_LIMIT)
        );
        assert!(messages[0].keyboard.is_empty() && messages[1].keyboard.is_empty());
        assert_eq!(messages[2].keyboard.len(), 1);
        let short = render(&[reply(&format!("{}\n\nfine", paragraph.trim()), &[])]);
        assert_eq!(short.len(), 1, "under the limit: one message");
        let rejoined: String = messages
            .iter()
            .map(|m| m.text.replace(char::is_whitespace, ""))
            .collect();
        assert_eq!(
            rejoined,
            text.replace(char::is_whitespace, ""),
            "nothing lost"
        );
    }

    #[test]
    fn buttons_without_text_still_make_a_message_and_oversized_ids_are_dropped() {
        let long = format!("{}#0", "x".repeat(70));
        let messages = render(&[reply("", &[("Ok", "a.b#0"), ("Troppo", &long)])]);
        assert_eq!(
            messages,
            [TelegramMessage {
                text: BUTTONS_ONLY.into(),
                keyboard: vec![("Ok".into(), "a.b#0".into())],
                markup: true,
                class: Class::Reply,
            }]
        );
        assert!(render(&[]).is_empty());
    }
}
