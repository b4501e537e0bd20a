//! Button payloads: what a pressed button sends back, on every channel. A leaf: the
//! engine reads payloads and the lints measure them, neither through the other.

/// The payload of a button: its state and position, `flow.state#index`. It fits
/// Telegram's 64-byte `callback_data` unless names are very long (`check` says so).
pub fn button_payload(qualified_state: &str, index: usize) -> String {
    format!("{qualified_state}#{index}")
}

/// Splits a payload made by `button_payload`.
pub fn parse_payload(payload: &str) -> Option<(&str, usize)> {
    let (state, index) = payload.rsplit_once('#')?;
    Some((state, index.parse().ok()?))
}
