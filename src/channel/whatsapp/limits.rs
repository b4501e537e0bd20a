//! The Cloud API's sending limits: a business number's throughput (80 messages per
//! second by default, up to 1,000 once Meta raises it) and about one message per
//! second to one citizen. WhatsApp has no groups, so there is no group quota.

use crate::sender::Quotas;

/// The Cloud API's default throughput for a business number (messages per second).
pub const DEFAULT_WHATSAPP_RATE: u32 = 80;
/// The most the Cloud API allows a number (after Meta raises its throughput).
pub const MAX_WHATSAPP_RATE: u32 = 1_000;

/// How fast the bot may write on WhatsApp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WhatsAppLimits {
    /// Messages per second, all citizens together.
    pub per_second: u32,
    /// Messages per second to one citizen.
    pub per_citizen_per_second: u32,
}

impl WhatsAppLimits {
    /// `per_second` overall (clamped to 1..=1,000), one message per second to a citizen.
    pub fn with_rate(per_second: u32) -> WhatsAppLimits {
        WhatsAppLimits {
            per_second: per_second.clamp(1, MAX_WHATSAPP_RATE),
            per_citizen_per_second: 1,
        }
    }
}

impl Default for WhatsAppLimits {
    fn default() -> Self {
        WhatsAppLimits::with_rate(DEFAULT_WHATSAPP_RATE)
    }
}

impl From<WhatsAppLimits> for Quotas {
    fn from(limits: WhatsAppLimits) -> Quotas {
        Quotas {
            per_second: limits.per_second,
            per_recipient_per_second: limits.per_citizen_per_second,
            per_recipient_burst: 1,
            per_group_per_minute: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_clamped_and_there_is_no_group_quota() {
        assert_eq!(WhatsAppLimits::default().per_second, 80);
        assert_eq!(WhatsAppLimits::with_rate(0).per_second, 1);
        assert_eq!(
            WhatsAppLimits::with_rate(5_000).per_second,
            MAX_WHATSAPP_RATE
        );
        assert_eq!(
            Quotas::from(WhatsAppLimits::default()).per_group_per_minute,
            None
        );
    }
}
