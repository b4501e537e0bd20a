//! What the channels the texts travel on allow: `check` warns against these limits
//! and the channels' renderers keep to them, so both read the same numbers.

/// Telegram's longest message.
pub const TELEGRAM_TEXT_LIMIT: usize = 4096;
/// Telegram's longest `callback_data`, in bytes.
pub const TELEGRAM_CALLBACK_LIMIT: usize = 64;
/// WhatsApp reply buttons per message; more become a list.
pub const WHATSAPP_BUTTONS: usize = 3;
/// WhatsApp list rows; more become a numbered text menu.
pub const WHATSAPP_LIST_ROWS: usize = 10;
/// WhatsApp reply-button title length.
pub const WHATSAPP_BUTTON_TITLE: usize = 20;
/// WhatsApp list-row title length (the full label goes under it, as the description).
pub const WHATSAPP_ROW_TITLE: usize = 24;
/// WhatsApp list-row description length.
pub const WHATSAPP_ROW_DESCRIPTION: usize = 72;
