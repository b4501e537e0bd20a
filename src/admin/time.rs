//! Times in the admin API: read as Italian time or RFC 3339 (as the CLI and content
//! files do), written as RFC 3339 in Italian time.

use chrono::{DateTime, SecondsFormat, Utc};
use chrono_tz::Europe::Rome;

use super::error::ApiError;
use crate::content::parse_when;

/// `at` as RFC 3339 with the Europe/Rome offset, to the second:
/// `2027-06-18T08:00:00+02:00`.
pub(super) fn italian(at: DateTime<Utc>) -> String {
    at.with_timezone(&Rome)
        .to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// The time in the request field `field`: `2027-06-18 08:00` (Italian time) or RFC
/// 3339; otherwise a 422 naming the field.
pub(super) fn parse(field: &str, text: &str) -> Result<DateTime<Utc>, ApiError> {
    parse_when(text).map_err(|reason| ApiError::Invalid(format!("`{field}`: {reason}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn italian_time_in_and_out() {
        let at = parse("at", "2027-06-18 08:00").map(italian).ok();
        assert_eq!(at.as_deref(), Some("2027-06-18T08:00:00+02:00"));
        let err = parse("expires_at", "domani").err().map(|e| e.to_string());
        assert!(err.is_some_and(|e| e.starts_with("`expires_at`: not a date")));
        let precise = parse("at", "2027-01-15T08:00:00.123456Z").map(italian).ok();
        assert_eq!(precise.as_deref(), Some("2027-01-15T09:00:00+01:00"));
    }
}
