//! A consultation's question as WhatsApp messages: an interactive list with one row
//! per option (at most 10), each row's id naming the consultation and the option
//! (and, for an anonymous one, the list's random ballot id).
//!
//! Options that all fit a row title (24 characters) are the titles; otherwise every
//! row is numbered (`1. Mattina, dalle 8…`) with the option under it as the
//! description (72 characters), and options longer than that are also written out in
//! full, numbered, in the body. A body over 1024 characters goes first as text, and
//! the list follows with a short one.

use super::render::{BODY_LIMIT, Row, TEXT_LIMIT, WaMessage, to_whatsapp};
use crate::consultation::ballot::row_id;
use crate::consultation::texts::{Lang, list_button};
use crate::dialogue::{WHATSAPP_ROW_DESCRIPTION, WHATSAPP_ROW_TITLE};
use crate::store::MenuEntry;
use crate::text::{shorten, split};

/// A consultation's question for one citizen.
#[derive(Debug, Clone, Copy)]
pub struct Question<'a> {
    /// The consultation's id.
    pub consultation: i64,
    /// The options, in order.
    pub options: &'a [String],
    /// The list's body as the relay wrote it (Telegram-style HTML, with the question).
    pub body: &'a str,
    /// The random id of an anonymous list; `None` for a named consultation.
    pub ballot: Option<&'a str>,
    /// The citizen's language.
    pub lang: &'a str,
}

/// The messages of the question, and the menu they show (for typed answers).
pub fn consultation_question(question: &Question<'_>) -> (Vec<WaMessage>, Vec<MenuEntry>) {
    let lang = Lang::of(question.lang);
    let numbered = question
        .options
        .iter()
        .any(|o| o.chars().count() > WHATSAPP_ROW_TITLE);
    let mut body = to_whatsapp(question.body).trim().to_owned();
    if question
        .options
        .iter()
        .any(|o| o.chars().count() > WHATSAPP_ROW_DESCRIPTION)
    {
        body.push('\n');
        for (i, option) in question.options.iter().enumerate() {
            body.push_str(&format!("\n{}. {option}", i + 1));
        }
    }
    let mut rows = Vec::with_capacity(question.options.len());
    let mut menu = Vec::with_capacity(question.options.len());
    for (i, option) in question.options.iter().enumerate() {
        let id = row_id(question.consultation, i, question.ballot);
        let (title, description) = if numbered {
            (
                shorten(&format!("{}. {option}", i + 1), WHATSAPP_ROW_TITLE),
                Some(shorten(option, WHATSAPP_ROW_DESCRIPTION)),
            )
        } else {
            (option.clone(), None)
        };
        menu.push(MenuEntry {
            title: title.clone(),
            label: option.clone(),
            payload: id.clone(),
        });
        rows.push(Row {
            id,
            title,
            description,
        });
    }
    let mut messages = Vec::new();
    let body = if body.chars().count() <= BODY_LIMIT {
        body
    } else {
        messages.extend(split(&body, TEXT_LIMIT).into_iter().map(WaMessage::Text));
        match lang {
            Lang::It => "Scegli la tua risposta:".to_owned(),
            Lang::En => "Choose your answer:".to_owned(),
        }
    };
    messages.push(WaMessage::List {
        body,
        button: list_button(lang).to_owned(),
        rows,
    });
    (messages, menu)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(list: &[&str]) -> Vec<String> {
        list.iter().map(|o| (*o).to_owned()).collect()
    }

    #[test]
    fn short_options_are_the_row_titles_and_ids_name_the_option() {
        let options = options(&["Mattina", "Pomeriggio"]);
        let (messages, menu) = consultation_question(&Question {
            consultation: 7,
            options: &options,
            body: "📊 <b>Consultazione</b>\n\nQuale orario?",
            ballot: Some("abc"),
            lang: "it",
        });
        let [WaMessage::List { body, button, rows }] = messages.as_slice() else {
            panic!("{messages:?}")
        };
        assert_eq!(body, "📊 *Consultazione*\n\nQuale orario?");
        assert_eq!(button, "Rispondi");
        assert_eq!(rows[1].id, "cv:7:1:abc");
        assert_eq!(rows[1].title, "Pomeriggio");
        assert_eq!(rows[1].description, None);
        assert_eq!(menu[0].payload, "cv:7:0:abc");
    }

    #[test]
    fn long_options_are_numbered_with_the_text_underneath_and_in_the_body() {
        let long = "Il pomeriggio, dalle 14 alle 18, con appuntamento prenotato online sul sito del ministero";
        let options = options(&["Mattina", long]);
        let (messages, _) = consultation_question(&Question {
            consultation: 7,
            options: &options,
            body: "Quale orario?",
            ballot: None,
            lang: "en",
        });
        let [WaMessage::List { body, rows, button }] = messages.as_slice() else {
            panic!("{messages:?}")
        };
        assert_eq!(button, "Answer");
        assert_eq!(rows[0].title, "1. Mattina");
        assert_eq!(rows[0].id, "cv:7:0");
        assert!(
            rows[1].title.starts_with("2. Il pomeriggio") && rows[1].title.chars().count() <= 24
        );
        assert!(
            rows[1]
                .description
                .as_ref()
                .is_some_and(|d| d.chars().count() <= 72)
        );
        assert!(
            body.ends_with(&format!("\n\n1. Mattina\n2. {long}")),
            "{body}"
        );
    }

    #[test]
    fn a_long_body_goes_first_as_text() {
        let options = options(&["Sì", "No"]);
        let long = "parola ".repeat(200);
        let (messages, _) = consultation_question(&Question {
            consultation: 1,
            options: &options,
            body: &long,
            ballot: None,
            lang: "it",
        });
        assert!(
            matches!(messages.as_slice(), [WaMessage::Text(_), WaMessage::List { body, .. }] if body == "Scegli la tua risposta:"),
            "{messages:?}"
        );
    }
}
