//! Templates of `say` texts: minijinja with HTML auto-escaping, bounded execution and
//! the date filters staff use (`data`, `giorno`, `ora`), shown in Europe/Rome.
//!
//! Citizen text is only ever a value in a template's context, never a template.

use std::collections::HashSet;
use std::fmt;

use chrono::{DateTime, Datelike, NaiveDate, Timelike};
use chrono_tz::Europe::Rome;
use minijinja::{AutoEscape, Environment, ErrorKind, State, Value};

use super::diagnostic::Position;
use crate::staff_language::Message;

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
    /// What is wrong, in the template engine's (English) words.
    pub message: String,
    /// The same in Italian, for findings read in Italian.
    pub italian: String,
}

impl From<&minijinja::Error> for TemplateError {
    fn from(err: &minijinja::Error) -> TemplateError {
        let reason = reason(err);
        TemplateError {
            line_in_template: err.line(),
            italian: reason.italian.unwrap_or_else(|| reason.english.clone()),
            message: reason.english,
        }
    }
}

/// What a template error says, for a finding: the engine's detail (else its kind) in
/// English, and the same in Italian where the engine's wording is known (else the kind
/// in Italian, then the engine's words).
pub(crate) fn reason(err: &minijinja::Error) -> Message {
    let kind = kind_in_italian(err.kind());
    match err.detail() {
        None => Message::new(err.kind().to_string(), kind),
        Some(detail) => {
            let italian = detail_in_italian(detail).unwrap_or_else(|| format!("{kind}: {detail}"));
            Message::new(detail, italian)
        }
    }
}

/// A kind of template error, in Italian.
fn kind_in_italian(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::NonPrimitive => "serve un valore semplice (un testo, un numero)",
        ErrorKind::NonKey => "questo valore non può fare da chiave",
        ErrorKind::InvalidOperation => "operazione non possibile",
        ErrorKind::SyntaxError => "errore di scrittura",
        ErrorKind::TemplateNotFound => "testo non trovato",
        ErrorKind::TooManyArguments => "troppi argomenti",
        ErrorKind::MissingArgument => "manca un argomento",
        ErrorKind::UnknownFilter => "filtro sconosciuto",
        ErrorKind::UnknownFunction => "funzione sconosciuta",
        ErrorKind::UnknownTest => "test sconosciuto",
        ErrorKind::UnknownMethod => "metodo sconosciuto",
        ErrorKind::BadEscape => "sequenza con `\\` non valida in un testo tra virgolette",
        ErrorKind::UndefinedError => "valore che non esiste",
        ErrorKind::CannotUnpack => "il valore non si scompone in parti",
        ErrorKind::OutOfFuel => {
            "il testo fa troppi passaggi per essere mostrato (un ciclo senza fine?)"
        }
        _ => "errore nel testo",
    }
}

/// The engine's detail in Italian, for the wordings staff meet.
fn detail_in_italian(detail: &str) -> Option<String> {
    if let Some(rest) = detail.strip_prefix("unexpected ") {
        return Some(match rest.split_once(", expected ") {
            Some(("end of input", wanted)) => {
                format!("il testo finisce dove ci vuole {}", term_in_italian(wanted))
            }
            Some((found, wanted)) => format!(
                "ci vuole {}, invece c'è {}",
                term_in_italian(wanted),
                term_in_italian(found)
            ),
            None if rest == "input after expression" => {
                "dopo l'espressione c'è dell'altro".to_owned()
            }
            None => format!("{} non va qui", term_in_italian(rest)),
        });
    }
    if let Some(name) = detail
        .strip_prefix("unknown ")
        .and_then(|rest| rest.strip_suffix(", expected statement"))
    {
        return Some(format!("{} non è un'istruzione", term_in_italian(name)));
    }
    if let Some((op, types)) = detail
        .strip_prefix("tried to use ")
        .and_then(|rest| rest.split_once(" operator on unsupported types "))
        && let Some((a, b)) = types.split_once(" and ")
    {
        let (a, b) = (kind_of_value(a), kind_of_value(b));
        return Some(format!("l'operatore {op} non si usa tra {a} e {b}"));
    }
    let words: Vec<&str> = detail.split(' ').collect();
    Some(match words.as_slice() {
        ["filter", name, "is", "unknown"] => format!("il filtro `{name}` non esiste"),
        ["test", name, "is", "unknown"] => format!("il test `{name}` non esiste"),
        ["unknown", "statement", name] => format!("l'istruzione `{name}` non esiste"),
        ["cannot", "convert", what, "to", "integer"] => {
            format!("{} non si trasforma in numero intero", kind_of_value(what))
        }
        ["cannot", "convert", what, "to", "float"] => {
            format!("{} non si trasforma in numero", kind_of_value(what))
        }
        ["invalid", "float", "literal"] | ["invalid", "digit", "found", "in", "string"] => {
            "il valore non è un numero".to_owned()
        }
        ["a", "date", "filter", "needs", "a", "date"] => {
            "un filtro di data vuole una data".to_owned()
        }
        ["not", "a", "date:", ..] => {
            format!("non è una data: {}", &detail["not a date: ".len()..])
        }
        _ => return None,
    })
}

/// A token or what the parser wanted (`end of block`, `identifier`, `` `)` ``), in
/// Italian; symbols in backticks stay as they are.
fn term_in_italian(term: &str) -> String {
    let italian = match term {
        "end of input" => "la fine del testo",
        "end of block" => "la chiusura `%}`",
        "end of variable block" => "la chiusura `}}`",
        "start of block" => "l'apertura `{%`",
        "start of variable block" => "l'apertura `{{`",
        "template-data" => "del testo",
        "identifier" => "un nome",
        "identifier or integer" => "un nome o un numero intero",
        "string" => "un testo tra virgolette",
        "integer" => "un numero intero",
        "float" => "un numero con la virgola",
        "expression" => "un'espressione",
        "assignment operator" => "un `=`",
        "comma" => "una virgola",
        "keyword" | "block keyword" => "una parola chiave",
        "statement" => "un'istruzione",
        _ if term.starts_with('`') => return term.to_owned(),
        // The keywords the parser names bare: `in`, `as`, `import`, ….
        _ if term.chars().all(|c| c.is_ascii_lowercase()) => return format!("`{term}`"),
        _ => return term.to_owned(),
    };
    italian.to_owned()
}

/// The kind of a value as the engine names it (`string`, `number`), in Italian.
fn kind_of_value(kind: &str) -> &str {
    match kind {
        "undefined" => "un valore che non esiste",
        "none" => "un valore vuoto",
        "bool" => "un sì/no",
        "number" => "un numero",
        "string" => "un testo",
        "sequence" => "un elenco",
        "map" => "un insieme di campi",
        other => other,
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

/// A compiled template and where it was written: what the lints that look inside
/// templates need, handed over by `load` so that lints never reach back into loading.
#[derive(Debug)]
pub(crate) struct TemplateSite {
    /// The compiled template's name: `flow.state#say.it`, `@fallback#say.en`, ….
    pub(crate) name: String,
    /// Where the template's first line is in its file.
    pub(crate) position: Position,
    /// The template's length in characters, before rendering.
    pub(crate) source_len: usize,
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
    fn errors_read_in_italian_too() {
        let mut t = Templates::new();
        let italian = |err: Option<TemplateError>| err.map(|e| e.italian).unwrap_or_default();
        let err = t.add("a".into(), "{{ x ".into()).err();
        assert_eq!(
            italian(err),
            "il testo finisce dove ci vuole la chiusura `}}`"
        );
        let err = t.add("b".into(), "{% for x in %}{% endfor %}".into()).err();
        assert_eq!(italian(err), "la chiusura `%}` non va qui");
        let err = t.add("c".into(), "{{ a b }}".into()).err();
        assert_eq!(
            italian(err),
            "ci vuole la chiusura `}}`, invece c'è un nome"
        );
        let err = t.expression_reads("anno >=").err();
        assert_eq!(
            err.as_ref().map(|e| e.message.as_str()),
            Some("unexpected end of input, expected expression")
        );
        assert_eq!(
            italian(err),
            "il testo finisce dove ci vuole un'espressione"
        );
        let failure = |source: &str, ctx: Value| {
            let mut t = Templates::new();
            assert!(t.add("t".into(), source.into()).is_ok());
            t.render("t", &ctx)
                .err()
                .map(|e| reason(&e))
                .and_then(|m| m.italian)
                .unwrap_or_default()
        };
        assert_eq!(
            failure("{{ v | intero }}", context! { v => 1 }),
            "il filtro `intero` non esiste"
        );
        assert_eq!(
            failure("{{ v | int }}", context! { v => "boh" }),
            "il valore non è un numero"
        );
        assert_eq!(
            failure("{{ v + 1 }}", context! { v => "boh" }),
            "l'operatore + non si usa tra un testo e un numero"
        );
        assert_eq!(
            failure("{{ v | data }}", context! { v => "ieri" }),
            "non è una data: ieri"
        );
    }

    #[test]
    fn syntax_errors_carry_the_line() {
        let mut t = Templates::new();
        let err = t.add("t".into(), "ok\n{% for x in %}".into()).err();
        assert_eq!(err.and_then(|e| e.line_in_template), Some(2));
    }
}
