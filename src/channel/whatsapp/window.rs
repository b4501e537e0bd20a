//! The 24-hour customer-service window: free-form messages may go to a citizen only
//! until a day after their last message; afterwards only approved templates.

use chrono::{DateTime, Duration, Utc};

use crate::store::Contact;

/// Free-form messages may be sent until this long after the citizen's last message.
pub const WINDOW: Duration = Duration::hours(24);
/// Kept in hand so a message sent at the window's edge is not refused in transit.
const WINDOW_MARGIN: Duration = Duration::minutes(1);

impl Contact {
    /// Whether a free-form message sent at `now` is inside the 24-hour customer-service
    /// window (with a one-minute margin).
    pub fn within_window(&self, now: DateTime<Utc>) -> bool {
        within_window(Some(self.last_inbound_at), now)
    }
}

/// Whether `now` is inside the window opened at `last_inbound_at` (never, if the
/// citizen never wrote).
pub fn within_window(last_inbound_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    last_inbound_at.is_some_and(|last| now < last + WINDOW - WINDOW_MARGIN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_is_24_hours_from_the_last_message_with_a_margin() {
        let last: DateTime<Utc> = "2027-06-01T10:00:00Z".parse().unwrap_or_default();
        let contact = Contact {
            wa_id: "39".into(),
            last_inbound_at: last,
        };
        assert!(contact.within_window(last));
        assert!(contact.within_window(last + Duration::hours(23)));
        assert!(!contact.within_window(last + Duration::hours(24) - Duration::seconds(30)));
        assert!(!contact.within_window(last + Duration::days(3)));
        assert!(!within_window(None, last));
    }
}
