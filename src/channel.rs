//! Channel adapters: each turns its traffic into `Inbound` and renders `Outbound`
//! within its limits: the terminal (`console`), Telegram (`telegram`) and WhatsApp
//! (`whatsapp`).
//!
//! Outbound text is Telegram-style HTML (`<b>`, `<i>`, `<a href>`, escaped values);
//! channels without HTML use [`crate::text::html_to_plain`].

pub mod console;
pub mod telegram;
pub mod whatsapp;

/// A short, stable stand-in for a chat id in logs (raw ids and phone numbers are
/// personal data and stay out of logs).
pub fn log_id(chat: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(chat.as_bytes());
    digest.iter().take(4).map(|b| format!("{b:02x}")).collect()
}
