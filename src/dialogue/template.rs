//! Templates of `say` texts: minijinja with HTML auto-escaping, bounded execution and
//! the date filters staff use (`data`, `giorno`, `ora`), shown in Europe/Rome.
//!
//! Citizen text is only ever a value in a template's context, never a template.

use std::collections::HashSet;
use std::fmt;

use chrono::{DateTime, Datelike, NaiveDate, Timelike};
use chrono_tz::Europe::Rome;
use minijinja::{AutoEscape, Environment, ErrorKind, State, Value};

/// Instructions a template may run per render: plenty for a list of 100 events, and a
/// stop for a runaway loop.
const FUEL_PER_RENDER: u64 = 100_000;

/// The compiled templates of one dialogue set.
pub struct Templates {
    env: Environment<'static>,
}

impl fmt::Debug for Templates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Templates").finish_non_exhaustive()
    }
}

/// A template that does not compile: the message and the line inside the template.
#[derive(Debug)]
pub struct TemplateError {
    pub line_in_template: Option<usize>,
    pub message: String,
}

impl From<&minijinja::Error> for TemplateError {
    fn from(err: &minijinja::Error) -> TemplateError {
        TemplateError {
            line_in_template: err.line(),
            message: err
                .detail()
                .map_or_else(|| err.kind().to_string(), str::to_owned),
        }
    }
}

impl Default for Templates {
    fn default() -> Self {
        Templates::new()
    }
}

impl Templates {
    /// An empty set with HTML auto-escaping, the fuel limit and the date filters.
    pub fn new() -> Templates {
        let mut env = Environment::new();
        env.set_auto_escape_callback(|_| AutoEscape::Html);
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        env.set_fuel(Some(FUEL_PER_RENDER));
        env.add_filter("data", filter_date_time);
        env.add_filter("giorno", filter_date);
        env.add_filter("ora", filter_time);
        Templates { env }
    }

    /// Compiles `source` under `name`.
    pub fn add(&mut self, name: String, source: String) -> Result<(), TemplateError> {
        self.env
            .add_template_owned(name, source)
            .map_err(|err| TemplateError::from(&err))
    }

    /// The variables a template reads that it does not set itself.
    pub fn undeclared(&self, name: &str) -> HashSet<String> {
        self.env
            .get_template(name)
            .map(|t| t.undeclared_variables(false))
            .unwrap_or_default()
    }

    /// Every variable and attribute path a template reads that it does not set
    /// (`slots`, `slots.anno`, …).
    pub fn reads(&self, name: &str) -> HashSet<String> {
        self.env
            .get_template(name)
            .map(|t| t.undeclared_variables(true))
            .unwrap_or_default()
    }

    /// Checks an expression (a condition, a bound): the variables and attribute paths
    /// it reads (`year`, `slots.anno`).
    pub fn expression_reads(&self, source: &str) -> Result<HashSet<String>, TemplateError> {
        self.env
            .compile_expression(source)
            .map(|e| e.undeclared_variables(true))
            .map_err(|err| TemplateError::from(&err))
    }

    /// Evaluates an expression with `context`.
    pub fn eval(&self, source: &str, context: &Value) -> Result<Value, minijinja::Error> {
        self.env.compile_expression(source)?.eval(context)
    }

    /// Renders a compiled template with `context`.
    pub fn render(&self, name: &str, context: &Value) -> Result<String, minijinja::Error> {
        self.env.get_template(name)?.render(context)
    }
}

fn filter_date_time(state: &State, value: Value) -> Result<String, minijinja::Error> {
    format_when(state, &value, true, true)
}

fn filter_date(state: &State, value: Value) -> Result<String, minijinja::Error> {
    format_when(state, &value, true, false)
}

fn filter_time(state: &State, value: Value) -> Result<String, minijinja::Error> {
    format_when(state, &value, false, true)
}

const WEEKDAYS_IT: [&str; 7] = [
    "lunedì",
    "martedì",
    "mercoledì",
    "giovedì",
    "venerdì",
    "sabato",
    "domenica",
];
const MONTHS_IT: [&str; 12] = [
    "gennaio",
    "febbraio",
    "marzo",
    "aprile",
    "maggio",
    "giugno",
    "luglio",
    "agosto",
    "settembre",
    "ottobre",
    "novembre",
    "dicembre",
];
const WEEKDAYS_EN: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Formats an RFC 3339 time stamp in Europe/Rome, in the citizen's language
/// (`lang` in the template context; Italian unless it is `en`).
fn format_when(
    state: &State,
    value: &Value,
    with_date: bool,
    with_time: bool,
) -> Result<String, minijinja::Error> {
    let text = value.as_str().ok_or_else(|| {
        minijinja::Error::new(ErrorKind::InvalidOperation, "a date filter needs a date")
    })?;
    // A day alone (`today`, an answer to `expect: date`) is that day at midnight.
    let day = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .and_then(|d| d.and_local_timezone(Rome).earliest());
    let when = match day {
        Some(day) => day,
        None => DateTime::parse_from_rfc3339(text)
            .map_err(|_| {
                minijinja::Error::new(ErrorKind::InvalidOperation, format!("not a date: {text}"))
            })?
            .with_timezone(&Rome),
    };
    let english = state
        .lookup("lang")
        .is_some_and(|lang| lang.as_str() == Some("en"));
    Ok(format_rome(&when, english, with_date, with_time))
}

fn format_rome(
    when: &DateTime<chrono_tz::Tz>,
    english: bool,
    with_date: bool,
    with_time: bool,
) -> String {
    let weekday = when.weekday().num_days_from_monday() as usize;
    let month = when.month0() as usize;
    let time = format!("{}:{:02}", when.hour(), when.minute());
    let date = if english {
        format!(
            "{} {} {} {}",
            WEEKDAYS_EN[weekday],
            when.day(),
            MONTHS_EN[month],
            when.year()
        )
    } else {
        format!(
            "{} {} {} {}",
            WEEKDAYS_IT[weekday],
            when.day(),
            MONTHS_IT[month],
            when.year()
        )
    };
    match (with_date, with_time, english) {
        (true, true, false) => format!("{date}, ore {time}"),
        (true, true, true) => format!("{date}, {time}"),
        (true, false, _) => date,
        _ => time,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use minijinja::context;

    fn render(source: &str, ctx: Value) -> String {
        let mut t = Templates::new();
        assert!(t.add("t".into(), source.into()).is_ok());
        t.render("t", &ctx).unwrap_or_else(|e| format!("ERROR {e}"))
    }

    #[test]
    fn dates_are_italian_in_rome_time() {
        // 06:30 UTC is 08:30 in Rome in summer.
        let out = render("{{ d | data }}", context! { d => "2027-06-16T06:30:00Z" });
        assert_eq!(out, "mercoledì 16 giugno 2027, ore 8:30");
        let out = render(
            "{{ d | giorno }} {{ d | ora }}",
            context! { d => "2027-01-04T08:05:00Z" },
        );
        assert_eq!(out, "lunedì 4 gennaio 2027 9:05");
    }

    #[test]
    fn a_day_alone_is_a_date() {
        let out = render("{{ d | giorno }}", context! { d => "2026-12-02" });
        assert_eq!(out, "mercoledì 2 dicembre 2026");
    }

    #[test]
    fn dates_follow_the_citizens_language() {
        let out = render(
            "{{ d | data }}",
            context! { d => "2027-06-16T06:30:00Z", lang => "en" },
        );
        assert_eq!(out, "Wednesday 16 June 2027, 8:30");
    }

    #[test]
    fn a_bad_date_is_a_render_error_not_a_panic() {
        assert!(render("{{ d | data }}", context! { d => "ieri" }).starts_with("ERROR"));
        assert!(render("{{ d | data }}", context! { d => 5 }).starts_with("ERROR"));
    }

    #[test]
    fn values_are_html_escaped() {
        let out = render("{{ v }}", context! { v => "<b>&</b>" });
        assert_eq!(out, "&lt;b&gt;&amp;&lt;&#x2f;b&gt;");
    }

    #[test]
    fn runaway_loops_stop() {
        let out = render(
            "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}",
            context! {},
        );
        assert!(out.starts_with("ERROR"));
    }

    #[test]
    fn syntax_errors_carry_the_line() {
        let mut t = Templates::new();
        let err = t.add("t".into(), "ok\n{% for x in %}".into()).err();
        assert_eq!(err.and_then(|e| e.line_in_template), Some(2));
    }
}
