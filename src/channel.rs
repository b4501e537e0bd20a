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

/// Whether a secret a webhook caller sent is ours, compared without stopping at the
/// first difference (so timing tells nothing).
pub(crate) fn secrets_match(given: &[u8], ours: &[u8]) -> bool {
    given.len() == ours.len()
        && given
            .iter()
            .zip(ours)
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    #[test]
    fn secrets_compare_whole() {
        assert!(super::secrets_match(b"token", b"token"));
        assert!(!super::secrets_match(b"token", b"tokex"));
        assert!(!super::secrets_match(b"token", b"token2"));
    }
}
