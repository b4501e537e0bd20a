//! When an office answers, as staff write it: `lun-ven 09:00-13:00, 14:30-17:00; sab
//! 09:00-12:00`, in Europe/Rome (daylight saving follows the calendar). Days in
//! Italian or English, three letters or whole; ranges of days with `-`, lists with `,`.
//! Pure: the caller says what time it is.

use chrono::{DateTime, Datelike, NaiveTime, Timelike, Utc, Weekday};
use chrono_tz::Europe::Rome;

/// The opening times of one office, per weekday (Monday first), in Rome's time.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OfficeHours {
    /// Per weekday, the open ranges as minutes since midnight, `[from, to)`.
    days: [Vec<(u16, u16)>; 7],
}

/// Day names staff may write, and the weekday each means.
const DAY_NAMES: &[(&str, Weekday)] = &[
    ("lun", Weekday::Mon),
    ("lunedi", Weekday::Mon),
    ("mon", Weekday::Mon),
    ("monday", Weekday::Mon),
    ("mar", Weekday::Tue),
    ("martedi", Weekday::Tue),
    ("tue", Weekday::Tue),
    ("tuesday", Weekday::Tue),
    ("mer", Weekday::Wed),
    ("mercoledi", Weekday::Wed),
    ("wed", Weekday::Wed),
    ("wednesday", Weekday::Wed),
    ("gio", Weekday::Thu),
    ("giovedi", Weekday::Thu),
    ("thu", Weekday::Thu),
    ("thursday", Weekday::Thu),
    ("ven", Weekday::Fri),
    ("venerdi", Weekday::Fri),
    ("fri", Weekday::Fri),
    ("friday", Weekday::Fri),
    ("sab", Weekday::Sat),
    ("sabato", Weekday::Sat),
    ("sat", Weekday::Sat),
    ("saturday", Weekday::Sat),
    ("dom", Weekday::Sun),
    ("domenica", Weekday::Sun),
    ("sun", Weekday::Sun),
    ("sunday", Weekday::Sun),
];

impl OfficeHours {
    /// Always open: an office that did not say its hours.
    pub fn always() -> OfficeHours {
        OfficeHours {
            days: std::array::from_fn(|_| vec![(0, 24 * 60)]),
        }
    }

    /// Reads `text`; the error says, in English and Italian, what could not be read.
    pub fn parse(text: &str) -> Result<OfficeHours, (String, String)> {
        let mut hours = OfficeHours::default();
        for part in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            // The days are everything before the first time ("mar, gio 14:30-16:30").
            let split = part
                .find(|c: char| c.is_ascii_digit())
                .map(|at| part.split_at(at))
                .filter(|(days, _)| !days.trim().is_empty());
            let Some((days, ranges)) = split else {
                return Err((
                    format!("`{part}` needs days and times, as `lun-ven 09:00-17:00`"),
                    format!("`{part}` vuole giorni e orari, come `lun-ven 09:00-17:00`"),
                ));
            };
            let weekdays = parse_days(days)?;
            let mut open = Vec::new();
            for range in ranges.split(',').map(str::trim).filter(|r| !r.is_empty()) {
                open.push(parse_range(range)?);
            }
            for day in weekdays {
                hours.days[day.num_days_from_monday() as usize].extend(&open);
            }
        }
        if hours.days.iter().all(Vec::is_empty) {
            return Err((
                "no opening times: write them as `lun-ven 09:00-17:00`".to_owned(),
                "nessun orario: scrivilo come `lun-ven 09:00-17:00`".to_owned(),
            ));
        }
        Ok(hours)
    }

    /// Whether the office is open at `at`.
    pub fn is_open(&self, at: DateTime<Utc>) -> bool {
        let local = at.with_timezone(&Rome);
        let minute = (local.hour() * 60 + local.minute()) as u16;
        self.days[local.weekday().num_days_from_monday() as usize]
            .iter()
            .any(|(from, to)| (*from..*to).contains(&minute))
    }

    /// The minutes the office is open between `from` and `to` (what "answered within
    /// four office hours" counts), over at most two weeks: each day's ranges, in
    /// Rome's time of that day, cut to the interval.
    pub fn open_minutes_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> u32 {
        let to = to.min(from + chrono::Duration::days(14));
        if to <= from {
            return 0;
        }
        // Rome's midnight of `date`, `minute` minutes later, in UTC (a time a clock
        // change skips counts from the first instant after it).
        let instant = |date: chrono::NaiveDate, minute: u16| {
            let midnight = date.and_hms_opt(0, 0, 0).unwrap_or_default();
            let local = midnight + chrono::Duration::minutes(i64::from(minute));
            let mapped = local.and_local_timezone(Rome);
            mapped
                .earliest()
                .or_else(|| {
                    (local + chrono::Duration::hours(1))
                        .and_local_timezone(Rome)
                        .earliest()
                })
                .map(|t| t.with_timezone(&Utc))
        };
        let mut open = chrono::Duration::zero();
        let mut date = from.with_timezone(&Rome).date_naive();
        let last = to.with_timezone(&Rome).date_naive();
        while date <= last {
            for &(start, end) in &self.days[date.weekday().num_days_from_monday() as usize] {
                if let (Some(start), Some(end)) = (instant(date, start), instant(date, end)) {
                    let (start, end) = (start.max(from), end.min(to));
                    if end > start {
                        open += end - start;
                    }
                }
            }
            let Some(next) = date.succ_opt() else { break };
            date = next;
        }
        u32::try_from(open.num_minutes()).unwrap_or(u32::MAX)
    }
}

/// `lun-ven`, `sab`, `lun,mer,ven`.
fn parse_days(text: &str) -> Result<Vec<Weekday>, (String, String)> {
    let mut days = Vec::new();
    for item in text.split(',').map(str::trim).filter(|d| !d.is_empty()) {
        match item.split_once('-') {
            Some((first, last)) => {
                let (mut day, last) = (weekday(first)?, weekday(last)?);
                days.push(day);
                while day != last {
                    day = day.succ();
                    days.push(day);
                }
            }
            None => days.push(weekday(item)?),
        }
    }
    Ok(days)
}

fn weekday(name: &str) -> Result<Weekday, (String, String)> {
    let plain = crate::text::normalize(name);
    DAY_NAMES
        .iter()
        .find(|(n, _)| *n == plain)
        .map(|(_, d)| *d)
        .ok_or_else(|| {
            (
                format!("`{name}` is no day: write lun, mar, mer, gio, ven, sab, dom"),
                format!("`{name}` non è un giorno: scrivi lun, mar, mer, gio, ven, sab, dom"),
            )
        })
}

/// `09:00-17:00`, as minutes since midnight; `24:00` ends a day.
fn parse_range(text: &str) -> Result<(u16, u16), (String, String)> {
    let bad = || {
        (
            format!("`{text}` is no time range: write it as `09:00-17:00`"),
            format!("`{text}` non è un orario: scrivilo come `09:00-17:00`"),
        )
    };
    let (from, to) = text.split_once('-').ok_or_else(bad)?;
    let minute = |t: &str| -> Option<u16> {
        let t = t.trim();
        if t == "24:00" {
            return Some(24 * 60);
        }
        let time = NaiveTime::parse_from_str(t, "%H:%M").ok()?;
        Some((time.hour() * 60 + time.minute()) as u16)
    };
    match (minute(from), minute(to)) {
        (Some(from), Some(to)) if from < to => Ok((from, to)),
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    #[test]
    fn days_and_ranges_are_read_in_rome_time() {
        let Ok(hours) = OfficeHours::parse(
            "lun-ven 09:00-13:00, 14:30-17:00; sab 09:00-12:00; mar, gio 18:00-19:00",
        ) else {
            panic!("does not parse")
        };
        // Monday 1 June 2026, 10:00 in Rome (summer time: UTC+2).
        assert!(hours.is_open(at("2026-06-01T08:00:00Z")));
        assert!(!hours.is_open(at("2026-06-01T11:30:00Z")), "lunch break");
        assert!(
            hours.is_open(at("2026-06-06T07:30:00Z")),
            "Saturday morning"
        );
        assert!(!hours.is_open(at("2026-06-07T08:00:00Z")), "Sunday");
        assert!(hours.is_open(at("2026-06-02T16:30:00Z")), "Tuesday evening");
        assert!(
            !hours.is_open(at("2026-06-03T16:30:00Z")),
            "not Wednesday evening"
        );
        // Winter time (UTC+1): 08:30 UTC is 09:30 in Rome, open.
        assert!(hours.is_open(at("2026-12-01T08:30:00Z")));
        assert!(!hours.is_open(at("2026-12-01T07:30:00Z")));
    }

    #[test]
    fn days_wrap_and_read_in_either_language() {
        let Ok(hours) = OfficeHours::parse("Fri-Mon 10:00-11:00") else {
            panic!("does not parse")
        };
        assert!(
            hours.is_open(at("2026-06-07T08:30:00Z")),
            "Sunday is in Fri-Mon"
        );
        assert!(
            !hours.is_open(at("2026-06-03T08:30:00Z")),
            "Wednesday is not"
        );
    }

    #[test]
    fn mistakes_are_named_in_both_languages() {
        for text in [
            "lun-ven",
            "lunedi 9-17",
            "xyz 09:00-10:00",
            "lun 17:00-09:00",
            "",
        ] {
            let Err((english, italian)) = OfficeHours::parse(text) else {
                panic!("{text} parses")
            };
            assert!(!english.is_empty() && !italian.is_empty(), "{text}");
        }
    }

    #[test]
    fn open_minutes_skip_nights_and_weekends() {
        let Ok(hours) = OfficeHours::parse("lun-ven 09:00-17:00") else {
            panic!("does not parse")
        };
        // Friday 16:00 to Monday 10:00 in Rome: one hour on Friday, one on Monday.
        let minutes =
            hours.open_minutes_between(at("2026-06-05T14:00:00Z"), at("2026-06-08T08:00:00Z"));
        assert_eq!(minutes, 120);
        assert_eq!(
            OfficeHours::always()
                .open_minutes_between(at("2026-06-05T14:00:00Z"), at("2026-06-05T15:00:00Z")),
            60
        );
    }
}
