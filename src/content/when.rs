//! Times as staff write them: RFC 3339 or Italian local time, read in Europe/Rome;
//! and the serde adapters the content types use, so files and exports agree.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Europe::Rome;

/// Parses a time as staff write it: RFC 3339 (`2027-06-16T08:30:00+02:00`), or a local
/// Italian time (`2027-06-16 08:30`, `2027-06-16`), which is read in Europe/Rome.
pub fn parse_when(text: &str) -> Result<DateTime<Utc>, String> {
    let text = text.trim();
    if let Ok(when) = DateTime::parse_from_rfc3339(text) {
        return Ok(when.with_timezone(&Utc));
    }
    let naive = [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ]
    .iter()
    .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
    .or_else(|| {
        NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
    });
    let Some(naive) = naive else {
        return Err(format!(
            "not a date: `{text}` (write 2027-06-16 08:30, Italian time, or 2027-06-16T08:30:00+02:00)"
        ));
    };
    Rome.from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| format!("`{text}` does not exist in Italian time (the clocks skip it)"))
}

/// Serde for required times: staff formats in, RFC 3339 in Italian time out.
pub(crate) mod required {
    use chrono::{DateTime, Utc};
    use chrono_tz::Europe::Rome;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(when: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&when.with_timezone(&Rome).to_rfc3339())
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let text = String::deserialize(d)?;
        super::parse_when(&text).map_err(serde::de::Error::custom)
    }
}

/// Serde for optional times: an empty text is no time.
pub(crate) mod optional {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(
        when: &Option<DateTime<Utc>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match when {
            Some(when) => super::required::serialize(when, s),
            None => s.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<DateTime<Utc>>, D::Error> {
        match Option::<String>::deserialize(d)? {
            Some(text) if !text.trim().is_empty() => super::parse_when(&text)
                .map(Some)
                .map_err(serde::de::Error::custom),
            _ => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staff_times_are_read_in_italian_time() {
        assert_eq!(
            parse_when("2027-06-16 08:30").map(|t| t.to_rfc3339()),
            Ok("2027-06-16T06:30:00+00:00".into())
        );
        assert_eq!(
            parse_when("2027-01-10").map(|t| t.to_rfc3339()),
            Ok("2027-01-09T23:00:00+00:00".into())
        );
        assert_eq!(
            parse_when("2027-06-16T08:30:00+02:00").map(|t| t.to_rfc3339()),
            Ok("2027-06-16T06:30:00+00:00".into())
        );
        assert!(parse_when("2027-13-01").is_err());
        assert!(
            parse_when("2027-03-28 02:30").is_err(),
            "skipped by daylight saving"
        );
    }
}
