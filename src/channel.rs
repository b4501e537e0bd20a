//! Channel adapters: each turns its traffic into `Inbound` and renders `Outbound`
//! within its limits: the terminal (`console`), Telegram (`telegram`) and WhatsApp
//! (`whatsapp`).
//!
//! Outbound text is Telegram-style HTML (`<b>`, `<i>`, `<a href>`, escaped values);
//! channels without HTML use [`crate::text::html_to_plain`].

pub mod console;
pub mod ordered;
pub mod telegram;
pub mod whatsapp;

pub use crate::text::log_id;
