//! Telegram's sending limits, per its bot FAQ: 30 messages per second overall (up to
//! 1,000 with paid broadcasts), one per second to a private chat, twenty per minute to
//! a group or channel. A private chat may get a short burst (three at once, refilled
//! at one a second), so a citizen's quick second question is answered at once.

use crate::sender::Quotas;

/// Limits, per Telegram's bot FAQ unless raised (paid broadcasts allow up to 1,000/s).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Messages per second, all chats together (default 30).
    pub per_second: u32,
    /// Messages per second to one private chat (default 1).
    pub per_chat_per_second: u32,
    /// Messages one private chat may get at once before that rate holds (default 3).
    pub per_chat_burst: u32,
    /// Messages per minute to one group or channel (default 20).
    pub per_group_per_minute: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            per_second: 30,
            per_chat_per_second: 1,
            per_chat_burst: 3,
            per_group_per_minute: 20,
        }
    }
}

/// The most Telegram allows with `allow_paid_broadcast` (messages per second).
pub const PAID_BROADCAST_MAX: u32 = 1_000;

impl Limits {
    /// Telegram's defaults with the overall rate set to `per_second` (clamped to
    /// 1..=1,000; above 30 needs Telegram's paid broadcasts).
    pub fn with_rate(per_second: u32) -> Limits {
        Limits {
            per_second: per_second.clamp(1, PAID_BROADCAST_MAX),
            ..Limits::default()
        }
    }

    /// No practical limit: for fakes and benchmarks.
    pub fn unlimited() -> Limits {
        Limits {
            per_second: 1_000_000,
            per_chat_per_second: 1_000_000,
            per_chat_burst: 1_000_000,
            per_group_per_minute: 1_000_000,
        }
    }
}

impl From<Limits> for Quotas {
    fn from(limits: Limits) -> Quotas {
        Quotas {
            per_second: limits.per_second,
            per_recipient_per_second: limits.per_chat_per_second,
            per_recipient_burst: limits.per_chat_burst,
            per_group_per_minute: Some(limits.per_group_per_minute),
        }
    }
}
