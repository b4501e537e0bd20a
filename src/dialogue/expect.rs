//! Typed answers to an `ask`: the value `expect:` names (a year, a number, a date,
//! yes/no, an e-mail, a phone number, one of some choices, or a staff regex), read out
//! of what the citizen wrote ("sono del 2009" → 2009) and kept typed, so that
//! conditions compare numbers as numbers.

use std::sync::{Arc, LazyLock};

use chrono::{Datelike, NaiveDate};
use regex::Regex;
use serde_json::Value;

use super::model::Text;
use super::pattern::Pattern;
use crate::text::normalize;
use crate::understand::{NO_WORDS, YES_WORDS};

/// What an `ask` accepts.
#[derive(Debug)]
pub enum Expect {
    /// A year with four digits, kept as a number.
    Year,
    /// A number (`18`, `7,5`, `1.000`), kept as a number.
    Number,
    /// A date (`15/03/2008`, `15 marzo 2008`, `2008-03-15`), kept as `YYYY-MM-DD`.
    Date,
    /// Yes or no in the bot's languages, kept as `true`/`false`.
    YesNo,
    /// An e-mail address, kept in lowercase.
    Email,
    /// A phone number, kept as its digits (with a leading `+` when written).
    Phone,
    /// One of the choices (by label, by number, or named in a sentence), kept as the
    /// label in the flow's language.
    Choice(Vec<Choice>),
    /// A staff regex: the first capture group is kept, else what matched.
    Pattern(Arc<Pattern>),
}

/// One of the answers an `expect: choice` accepts.
#[derive(Debug)]
pub struct Choice {
    /// What the citizen sees, per language.
    pub label: Text,
    /// What is stored: the label in the flow's language.
    pub value: String,
    /// Every label, normalized for comparing with typed text.
    pub typed_forms: Vec<String>,
}

/// A `min` or `max`: an expression over the state's context, such as `2000` or
/// `year - 25` (a YAML number is an expression too).
#[derive(Debug, Clone)]
pub struct Bound {
    /// The expression as staff wrote it.
    pub expression: String,
}

/// The names `expect:` gives to built-in kinds; anything else is a regex.
pub(super) const KINDS: [&str; 7] = [
    "year", "number", "date", "yes_no", "email", "phone", "choice",
];

impl Expect {
    /// The built-in kind `name` names, if it is one (`choice` needs its choices).
    pub fn kind(name: &str) -> Option<Expect> {
        Some(match name {
            "year" => Expect::Year,
            "number" => Expect::Number,
            "date" => Expect::Date,
            "yes_no" => Expect::YesNo,
            "email" => Expect::Email,
            "phone" => Expect::Phone,
            "choice" => Expect::Choice(Vec::new()),
            _ => return None,
        })
    }

    /// Whether `min`/`max` mean something for this kind.
    pub fn has_order(&self) -> bool {
        matches!(self, Expect::Year | Expect::Number | Expect::Date)
    }

    /// The value in `text`, if it holds exactly one; `today` places two-digit years.
    pub fn read(&self, text: &str, today: NaiveDate) -> Option<Value> {
        match self {
            Expect::Year => read_year(text).map(Value::from),
            Expect::Number => read_number(text),
            Expect::Date => read_date(text, today).map(|d| Value::from(d.to_string())),
            Expect::YesNo => read_yes_no(text).map(Value::from),
            Expect::Email => only(
                EMAIL
                    .as_ref()?
                    .find_iter(text)
                    .map(|m| m.as_str().to_lowercase()),
            )
            .map(Value::from),
            Expect::Phone => read_phone(text).map(Value::from),
            Expect::Choice(choices) => read_choice(choices, text).map(Value::from),
            Expect::Pattern(pattern) => {
                let captures = pattern.regex()?.captures(text)?;
                let value = captures.get(1).or_else(|| captures.get(0))?;
                Some(Value::from(value.as_str().trim()))
            }
        }
    }
}

/// The one distinct item of `items`; none when there are none or several.
fn only<T: PartialEq>(mut items: impl Iterator<Item = T>) -> Option<T> {
    let first = items.next()?;
    items.all(|other| other == first).then_some(first)
}

static YEAR: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(?:^|[^\d])(\d{4})(?:[^\d]|$)").ok());
static NUMBER: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"-?\d{1,3}(?:\.\d{3})+(?:,\d+)?|-?\d+(?:[.,]\d+)?").ok());
static THOUSANDS: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^-?\d{1,3}(?:\.\d{3})+(?:,\d+)?$").ok());
static EMAIL: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}").ok()
});
static PHONE: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(?:\+|00)?\d[\d\s./()-]{4,20}\d").ok());
static NUMERIC_DATE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"\b(?:(\d{4})-(\d{1,2})-(\d{1,2})|(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4}|\d{2}))\b",
    )
    .ok()
});
static WORDED_DATE: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(?i)\b(\d{1,2})(?:°|º)?\s+([a-zà-ù]{3,10})\.?\s+(\d{4})\b").ok());

fn read_year(text: &str) -> Option<i64> {
    let years = YEAR
        .as_ref()?
        .captures_iter(text)
        .filter_map(|c| c.get(1)?.as_str().parse::<i64>().ok())
        .filter(|y| (1900..=2199).contains(y));
    only(years)
}

fn read_number(text: &str) -> Option<Value> {
    let written = only(NUMBER.as_ref()?.find_iter(text).map(|m| m.as_str()))?;
    // Italian writing: `1.000` is a thousand and `7,5` seven and a half.
    let plain = if THOUSANDS.as_ref().is_some_and(|t| t.is_match(written)) {
        written.replace('.', "").replace(',', ".")
    } else {
        written.replace(',', ".")
    };
    if let Ok(integer) = plain.parse::<i64>() {
        return Some(Value::from(integer));
    }
    let number = plain.parse::<f64>().ok().filter(|n| n.is_finite())?;
    serde_json::Number::from_f64(number).map(Value::Number)
}

/// How month names start, in Italian and English (where the two differ).
const MONTHS: [(&str, u32); 20] = [
    ("gen", 1),
    ("jan", 1),
    ("feb", 2),
    ("mar", 3),
    ("apr", 4),
    ("mag", 5),
    ("may", 5),
    ("giu", 6),
    ("jun", 6),
    ("lug", 7),
    ("jul", 7),
    ("ago", 8),
    ("aug", 8),
    ("set", 9),
    ("sep", 9),
    ("ott", 10),
    ("oct", 10),
    ("nov", 11),
    ("dic", 12),
    ("dec", 12),
];

fn read_date(text: &str, today: NaiveDate) -> Option<NaiveDate> {
    let numeric = NUMERIC_DATE.as_ref()?.captures_iter(text).filter_map(|c| {
        let number = |i: usize| c.get(i).and_then(|m| m.as_str().parse::<i32>().ok());
        if let Some(year) = number(1) {
            return ymd(year, number(2)?, number(3)?);
        }
        let year_text = c.get(6)?.as_str();
        let mut year = number(6)?;
        if year_text.len() == 2 {
            // `08` is 2008 unless that is still to come, then 1908 + 100 = 19xx.
            let century = today.year() / 100 * 100;
            year += if century + year > today.year() {
                century - 100
            } else {
                century
            };
        }
        ymd(year, number(5)?, number(4)?)
    });
    let worded = WORDED_DATE.as_ref()?.captures_iter(text).filter_map(|c| {
        let day = c.get(1)?.as_str().parse::<i32>().ok()?;
        let name = normalize(c.get(2)?.as_str());
        let month = MONTHS
            .iter()
            .find(|(prefix, _)| name.starts_with(prefix))
            .map(|(_, m)| *m as i32)?;
        let year = c.get(3)?.as_str().parse::<i32>().ok()?;
        ymd(year, month, day)
    });
    only(numeric.chain(worded))
}

fn ymd(year: i32, month: i32, day: i32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, u32::try_from(month).ok()?, u32::try_from(day).ok()?)
}

fn read_yes_no(text: &str) -> Option<bool> {
    let typed = normalize(text);
    // The whole answer, else its first word: "sì, certo che voglio", "no, non ancora".
    let first = typed.split(' ').next().unwrap_or_default();
    [typed.as_str(), first].into_iter().find_map(|answer| {
        if YES_WORDS.contains(&answer) {
            Some(true)
        } else if NO_WORDS.contains(&answer) {
            Some(false)
        } else {
            None
        }
    })
}

fn read_phone(text: &str) -> Option<String> {
    let phones = PHONE.as_ref()?.find_iter(text).filter_map(|m| {
        let written = m.as_str();
        let digits: String = written.chars().filter(char::is_ascii_digit).collect();
        let international = written.starts_with('+') || written.starts_with("00");
        let digits = if written.starts_with("00") {
            digits.get(2..)?.to_owned()
        } else {
            digits
        };
        (6..=15).contains(&digits.len()).then(|| {
            if international {
                format!("+{digits}")
            } else {
                digits
            }
        })
    });
    only(phones)
}

fn read_choice(choices: &[Choice], text: &str) -> Option<String> {
    let typed = normalize(text);
    if let Ok(number) = typed.parse::<usize>() {
        return choices.get(number.checked_sub(1)?).map(|c| c.value.clone());
    }
    if let Some(choice) = choices.iter().find(|c| c.typed_forms.contains(&typed)) {
        return Some(choice.value.clone());
    }
    // "faccio il liceo": the one choice named, word for word, in a sentence.
    let padded = format!(" {typed} ");
    let named = choices.iter().filter(|c| {
        c.typed_forms
            .iter()
            .any(|f| !f.is_empty() && padded.contains(&format!(" {f} ")))
    });
    only(named.map(|c| c.value.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 2).unwrap_or_default()
    }

    fn read(expect: &Expect, text: &str) -> Option<Value> {
        expect.read(text, today())
    }

    #[test]
    fn a_year_is_read_out_of_a_sentence() {
        assert_eq!(
            read(&Expect::Year, "sono del 2009"),
            Some(Value::from(2009))
        );
        assert_eq!(read(&Expect::Year, "2008!"), Some(Value::from(2008)));
        assert_eq!(
            read(&Expect::Year, "nato nel 2008, quindi 18 anni"),
            Some(Value::from(2008))
        );
        assert_eq!(read(&Expect::Year, "tra il 2008 e il 2009"), None);
        assert_eq!(read(&Expect::Year, "09"), None);
        assert_eq!(read(&Expect::Year, "12345"), None);
        assert_eq!(read(&Expect::Year, "boh"), None);
    }

    #[test]
    fn numbers_are_read_the_italian_way() {
        assert_eq!(read(&Expect::Number, "ho 17 anni"), Some(Value::from(17)));
        assert_eq!(read(&Expect::Number, "7,5"), Some(Value::from(7.5)));
        assert_eq!(read(&Expect::Number, "1.000 euro"), Some(Value::from(1000)));
        assert_eq!(read(&Expect::Number, "-3"), Some(Value::from(-3)));
        assert_eq!(read(&Expect::Number, "3 o 4"), None);
        assert_eq!(read(&Expect::Number, "diciassette"), None);
    }

    #[test]
    fn dates_are_read_in_several_spellings() {
        let date = Some(Value::from("2008-03-15"));
        assert_eq!(read(&Expect::Date, "15/03/2008"), date);
        assert_eq!(read(&Expect::Date, "sono nato il 15-3-2008"), date);
        assert_eq!(read(&Expect::Date, "15 marzo 2008"), date);
        assert_eq!(read(&Expect::Date, "15 Mar 2008"), date);
        assert_eq!(read(&Expect::Date, "2008-03-15"), date);
        assert_eq!(read(&Expect::Date, "15/03/08"), date);
        assert_eq!(
            read(&Expect::Date, "15/03/95"),
            Some(Value::from("1995-03-15"))
        );
        assert_eq!(read(&Expect::Date, "31/02/2008"), None);
        assert_eq!(read(&Expect::Date, "domani"), None);
    }

    #[test]
    fn yes_and_no_in_both_languages() {
        for yes in ["sì", "Si", "ok", "va bene", "yes", "sì, certo che voglio"] {
            assert_eq!(read(&Expect::YesNo, yes), Some(Value::Bool(true)), "{yes}");
        }
        for no in ["no", "No grazie", "annulla", "no thanks", "no, non ancora"] {
            assert_eq!(read(&Expect::YesNo, no), Some(Value::Bool(false)), "{no}");
        }
        assert_eq!(read(&Expect::YesNo, "forse"), None);
    }

    #[test]
    fn emails_and_phones_are_picked_out() {
        assert_eq!(
            read(
                &Expect::Email,
                "la mia mail è Mario.Rossi@Example.it grazie"
            ),
            Some(Value::from("mario.rossi@example.it"))
        );
        assert_eq!(read(&Expect::Email, "mario at example"), None);
        assert_eq!(
            read(&Expect::Phone, "06 1234 5678"),
            Some(Value::from("0612345678"))
        );
        assert_eq!(
            read(&Expect::Phone, "+39 333-123.4567"),
            Some(Value::from("+393331234567"))
        );
        assert_eq!(
            read(&Expect::Phone, "0039 333 1234567"),
            Some(Value::from("+393331234567"))
        );
        assert_eq!(read(&Expect::Phone, "123"), None);
    }

    #[test]
    fn a_choice_is_taken_by_label_number_or_name() {
        let choice = |label: &str| Choice {
            label: Text(vec![("it".into(), label.into())]),
            value: label.into(),
            typed_forms: vec![normalize(label)],
        };
        let school = Expect::Choice(vec![
            choice("Liceo"),
            choice("Tecnico"),
            choice("Professionale"),
        ]);
        assert_eq!(read(&school, "liceo"), Some(Value::from("Liceo")));
        assert_eq!(read(&school, "2"), Some(Value::from("Tecnico")));
        assert_eq!(
            read(&school, "faccio il tecnico"),
            Some(Value::from("Tecnico"))
        );
        assert_eq!(read(&school, "liceo o tecnico"), None);
        assert_eq!(read(&school, "4"), None);
    }

    #[test]
    fn a_regex_keeps_its_first_group() {
        let pattern = |source: &str| {
            Expect::Pattern(Arc::new(
                Pattern::parse(source).unwrap_or_else(|e| panic!("{e}")),
            ))
        };
        assert_eq!(
            read(&pattern(r"\b(\d{5})\b"), "il CAP è 00185"),
            Some(Value::from("00185"))
        );
        assert_eq!(
            read(&pattern(r"\d{5}"), "CAP 00185"),
            Some(Value::from("00185"))
        );
        assert_eq!(read(&pattern(r"^\d{5}$"), "CAP 00185"), None);
    }
}
