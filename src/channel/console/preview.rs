//! What Telegram and WhatsApp will display for a turn, as terminal text for staff.
//!
//! The messages described are the ones the channel adapters send: this module calls
//! their renderers ([`telegram::render`], [`whatsapp::render`]) and only describes
//! the payloads, so it cannot drift from them. Lines in square brackets are notes
//! for staff, in the staff language; everything else is what the citizen reads.
//! Options are numbered `[n]` in the order they are offered, so staff can press them
//! by number as in the plain console.

use std::fmt::Write;

use crate::channel::{telegram, whatsapp};
use crate::say;
use crate::staff_language::{Message, StaffLanguage};
use crate::text::html_to_plain;

/// The Telegram messages for one turn: each message's text as Telegram shows it (its
/// HTML formatting rendered), a note where the turn takes several messages, and the
/// inline keyboard under the last one.
pub fn telegram(messages: &[telegram::TelegramMessage], staff: StaffLanguage) -> String {
    let mut out = String::new();
    let count = messages.len();
    for (index, message) in messages.iter().enumerate() {
        if count > 1 {
            note(&mut out, staff, part("Telegram", index, count));
        }
        // Telegram renders the HTML; what the citizen reads is the plain text.
        line(&mut out, html_to_plain(&message.text).trim_end());
        if !message.keyboard.is_empty() {
            let keyboard = match message.keyboard.len() {
                1 => say!(
                    "Telegram: one button under the message",
                    "Telegram: un pulsante sotto il messaggio"
                ),
                many => say!(
                    "Telegram: {many} buttons under the message, one per row",
                    "Telegram: {many} pulsanti sotto il messaggio, uno per riga"
                ),
            };
            note(&mut out, staff, keyboard);
            for (number, (label, _)) in message.keyboard.iter().enumerate() {
                option(&mut out, number, label);
            }
        }
        out.push('\n');
    }
    out
}

/// The WhatsApp messages for one turn: texts, reply buttons with their (shortened)
/// titles, a list with its button and rows, or a numbered text menu.
pub fn whatsapp(rendered: &whatsapp::Rendered, staff: StaffLanguage) -> String {
    let mut out = String::new();
    let count = rendered.messages.len();
    // A menu sent without an interactive message is the numbered text one; the engine
    // puts a turn's buttons on its last message, so that message holds it.
    let numbered = rendered.menu.is_some()
        && !rendered
            .messages
            .iter()
            .any(|m| !matches!(m, whatsapp::WaMessage::Text(_)));
    for (index, message) in rendered.messages.iter().enumerate() {
        if count > 1 {
            note(&mut out, staff, part("WhatsApp", index, count));
        }
        match message {
            whatsapp::WaMessage::Text(text) => {
                if numbered && index + 1 == count {
                    note(
                        &mut out,
                        staff,
                        say!(
                            "WhatsApp: numbered text menu, the citizen replies with the number",
                            "WhatsApp: menu numerato nel testo, il cittadino risponde con il numero"
                        ),
                    );
                }
                line(&mut out, text.trim_end());
            }
            whatsapp::WaMessage::Buttons { body, buttons } => {
                line(&mut out, body.trim_end());
                let kind = match buttons.len() {
                    1 => say!(
                        "WhatsApp: one reply button",
                        "WhatsApp: un pulsante di risposta"
                    ),
                    many => say!(
                        "WhatsApp: {many} reply buttons",
                        "WhatsApp: {many} pulsanti di risposta"
                    ),
                };
                note(&mut out, staff, kind);
                for (number, (_, title)) in buttons.iter().enumerate() {
                    option(&mut out, number, title);
                }
            }
            whatsapp::WaMessage::List { body, button, rows } => {
                line(&mut out, body.trim_end());
                note(
                    &mut out,
                    staff,
                    say!(
                        "WhatsApp: list, button \"{button}\"",
                        "WhatsApp: lista, pulsante \"{button}\""
                    ),
                );
                for (number, row) in rows.iter().enumerate() {
                    option(&mut out, number, &row.title);
                    if let Some(description) = &row.description {
                        let _ = writeln!(out, "      {description}");
                    }
                }
            }
        }
        out.push('\n');
    }
    out
}

/// "Telegram: message 2 of 3": a turn that takes several messages.
fn part(channel: &str, index: usize, count: usize) -> Message {
    let number = index + 1;
    say!(
        "{channel}: message {number} of {count}",
        "{channel}: messaggio {number} di {count}"
    )
}

fn note(out: &mut String, staff: StaffLanguage, message: Message) {
    let _ = writeln!(out, "[{}]", message.in_language(staff));
}

fn line(out: &mut String, text: &str) {
    if !text.trim().is_empty() {
        let _ = writeln!(out, "{text}");
    }
}

fn option(out: &mut String, index: usize, title: &str) {
    let _ = writeln!(out, "  [{}] {title}", index + 1);
}
