//! Reminders ("ricordamelo"): when a citizen's reminder of a calendar event is due,
//! by the rule staff wrote in a dialogue (`remind: { event: …, before: 1d, at: "09:00" }`).
//!
//! Pure: the engine uses it when a citizen asks, the scheduler when an event moves.
//! Times are stored in UTC and the rule is read in Italian time, so a reminder "the
//! day before at 9" is at 9 in Rome on either side of a daylight-saving change.

use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};
use chrono_tz::Europe::Rome;
use serde::Serialize;

/// Minutes in a day.
const DAY: u32 = 24 * 60;

/// How long before an event its reminder goes, and at what time of day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RemindRule {
    /// How long before the event (minutes); with `at`, whole days.
    pub before_minutes: u32,
    /// The time of day in Rome: `before: 1d, at: 09:00` is 9:00 the day before.
    pub at: Option<NaiveTime>,
}

impl Default for RemindRule {
    /// The day before, at the event's own time.
    fn default() -> Self {
        RemindRule {
            before_minutes: DAY,
            at: None,
        }
    }
}

impl RemindRule {
    /// The rule as staff wrote it: `before` like `1d`, `2h`, `30m` or `1d12h`, `at`
    /// like `09:00`. The message says what is wrong, in both staff languages.
    pub fn parse(before: Option<&str>, at: Option<&str>) -> Result<RemindRule, RuleError> {
        let before_minutes = match before {
            Some(text) => parse_before(text)?,
            None => DAY,
        };
        let at = match at {
            Some(text) => Some(
                NaiveTime::parse_from_str(text.trim(), "%H:%M")
                    .map_err(|_| RuleError::At(text.to_owned()))?,
            ),
            None => None,
        };
        if at.is_some() && before_minutes % DAY != 0 {
            return Err(RuleError::AtNeedsDays);
        }
        Ok(RemindRule { before_minutes, at })
    }

    /// When the reminder of an event starting at `starts_at` is due.
    pub fn due(&self, starts_at: DateTime<Utc>) -> DateTime<Utc> {
        let ahead = starts_at - Duration::minutes(i64::from(self.before_minutes));
        let Some(at) = self.at else {
            return ahead;
        };
        let day = starts_at.with_timezone(&Rome).date_naive()
            - Duration::days(i64::from(self.before_minutes / DAY));
        let local = day.and_time(at);
        // A time that does not exist (the hour skipped in spring) is read an hour
        // later; one that happens twice (autumn) is the first.
        Rome.from_local_datetime(&local)
            .earliest()
            .or_else(|| {
                Rome.from_local_datetime(&(local + Duration::hours(1)))
                    .earliest()
            })
            .map_or(ahead, |t| t.with_timezone(&Utc))
    }

    /// `at` as written back (`09:00`), for storing.
    pub fn at_text(&self) -> Option<String> {
        self.at.map(|t| t.format("%H:%M").to_string())
    }

    /// The rule as stored: minutes and `HH:MM`; a stored value that no longer reads
    /// falls back to the default's parts.
    pub fn from_stored(before_minutes: i32, at: Option<&str>) -> RemindRule {
        RemindRule {
            before_minutes: u32::try_from(before_minutes).unwrap_or(DAY),
            at: at.and_then(|t| NaiveTime::parse_from_str(t, "%H:%M").ok()),
        }
    }
}

/// `1d`, `2h`, `30m`, `1d12h`: minutes.
fn parse_before(text: &str) -> Result<u32, RuleError> {
    let bad = || RuleError::Before(text.to_owned());
    let mut total: u32 = 0;
    let mut digits = String::new();
    let mut parts = 0;
    for c in text.trim().chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit = match c {
            'd' | 'g' => DAY,
            'h' => 60,
            'm' => 1,
            _ => return Err(bad()),
        };
        let n: u32 = digits.parse().map_err(|_| bad())?;
        total = n
            .checked_mul(unit)
            .and_then(|m| total.checked_add(m))
            .ok_or_else(bad)?;
        digits.clear();
        parts += 1;
    }
    if !digits.is_empty() || parts == 0 || total > 366 * DAY {
        return Err(bad());
    }
    Ok(total)
}

/// A `remind` rule staff wrote that does not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    /// `before` is not like `1d`, `2h` or `30m`.
    #[error("`before: {0}` is not a length of time: write it like 1d, 2h or 30m")]
    Before(String),
    /// `at` is not `HH:MM`.
    #[error("`at: {0}` is not a time of day: write it like \"09:00\"")]
    At(String),
    /// `at` with a `before` that is not whole days.
    #[error("`at` needs `before` in whole days, e.g. before: 1d")]
    AtNeedsDays,
}

impl RuleError {
    /// The same in Italian, for staff.
    pub fn italian(&self) -> String {
        match self {
            RuleError::Before(text) => {
                format!("`before: {text}` non è una durata: scrivila come 1d, 2h o 30m")
            }
            RuleError::At(text) => {
                format!("`at: {text}` non è un'ora del giorno: scrivila come \"09:00\"")
            }
            RuleError::AtNeedsDays => {
                "`at` vuole `before` in giorni interi, per esempio before: 1d".to_owned()
            }
        }
    }
}

/// A reminder a citizen has, as they see it listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reminder {
    /// Its number (what a cancel button names).
    pub id: i64,
    /// The event's key.
    pub event_key: String,
    /// The event's title.
    pub title: String,
    /// When the event starts.
    pub starts_at: DateTime<Utc>,
    /// When the reminder goes.
    pub remind_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        match DateTime::parse_from_rfc3339(text) {
            Ok(t) => t.with_timezone(&Utc),
            Err(err) => panic!("{text}: {err}"),
        }
    }

    fn rule(before: &str, at: Option<&str>) -> RemindRule {
        match RemindRule::parse(Some(before), at) {
            Ok(rule) => rule,
            Err(err) => panic!("{err}"),
        }
    }

    #[test]
    fn durations_read_like_staff_write_them() {
        assert_eq!(rule("1d", None).before_minutes, 1440);
        assert_eq!(rule("2h", None).before_minutes, 120);
        assert_eq!(rule("1d12h", None).before_minutes, 2160);
        assert_eq!(rule(" 30m ", None).before_minutes, 30);
        assert_eq!(rule("2g", None).before_minutes, 2880);
        for bad in ["", "1", "d", "1w", "-1d", "1.5h", "9999d"] {
            assert!(RemindRule::parse(Some(bad), None).is_err(), "{bad}");
        }
        assert_eq!(
            RemindRule::parse(Some("2h"), Some("09:00")),
            Err(RuleError::AtNeedsDays)
        );
        assert!(matches!(
            RemindRule::parse(None, Some("9 di mattina")),
            Err(RuleError::At(_))
        ));
        assert_eq!(RemindRule::parse(None, None), Ok(RemindRule::default()));
    }

    #[test]
    fn the_day_before_at_nine_is_nine_in_rome_in_summer_and_winter() {
        let nine = rule("1d", Some("09:00"));
        // 17 June 2027, 08:30 in Rome (UTC+2): the day before at 9 is 07:00 UTC.
        assert_eq!(
            nine.due(utc("2027-06-17T06:30:00Z")),
            utc("2027-06-16T07:00:00Z")
        );
        // 15 January, UTC+1: 08:00 UTC.
        assert_eq!(
            nine.due(utc("2027-01-15T08:00:00Z")),
            utc("2027-01-14T08:00:00Z")
        );
    }

    #[test]
    fn a_reminder_across_a_daylight_saving_change_keeps_the_local_hour() {
        let nine = rule("1d", Some("09:00"));
        // Clocks go forward on 28 March 2027: an event on the 29th at 09:00 (07:00
        // UTC, summer time) is reminded on the 28th at 09:00, still summer time.
        assert_eq!(
            nine.due(utc("2027-03-29T07:00:00Z")),
            utc("2027-03-28T07:00:00Z")
        );
        // Two days before crosses the change: the 27th at 09:00 is winter time.
        let two_days = rule("2d", Some("09:00"));
        assert_eq!(
            two_days.due(utc("2027-03-29T07:00:00Z")),
            utc("2027-03-27T08:00:00Z")
        );
        // Without `at`, a reminder is exactly that long before, in real time.
        assert_eq!(
            rule("1d", None).due(utc("2027-03-29T07:00:00Z")),
            utc("2027-03-28T07:00:00Z")
        );
    }

    #[test]
    fn a_time_that_does_not_exist_is_read_an_hour_later() {
        // 02:30 on 28 March 2027 is skipped in Rome.
        let night = rule("1d", Some("02:30"));
        assert_eq!(
            night.due(utc("2027-03-29T07:00:00Z")),
            utc("2027-03-28T01:30:00Z")
        );
        // 02:30 on 31 October 2027 happens twice: the first (summer time).
        assert_eq!(
            night.due(utc("2027-11-01T08:00:00Z")),
            utc("2027-10-31T00:30:00Z")
        );
    }

    #[test]
    fn stored_rules_read_back() {
        let nine = rule("1d", Some("09:00"));
        assert_eq!(nine.at_text().as_deref(), Some("09:00"));
        assert_eq!(RemindRule::from_stored(1440, Some("09:00")), nine);
        assert_eq!(RemindRule::from_stored(-5, None), RemindRule::default());
    }
}
