//! `/console/content`: the calendar, the FAQs and the news in the content store, with
//! a search; FAQs and calendar events are created and edited here, checked as
//! `content import` checks them.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum_extra::extract::Form;
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::audit;
use super::inbox::citizen_words;
use super::web::{
    ConsoleError, ConsoleState, FieldError, FieldErrors, Staff, field_time, form_time, pick, when,
};
use crate::content::{CalendarEvent, ContentFile, Faq, Vocabulary};

pub(super) fn routes() -> Router<ConsoleState> {
    Router::new()
        .route("/console/content", get(list))
        .route("/console/content/faq/new", get(new_faq).post(save_faq))
        .route("/console/content/faq/{key}", get(edit_faq).post(save_faq))
        .route(
            "/console/content/event/new",
            get(new_event).post(save_event),
        )
        .route(
            "/console/content/event/{key}",
            get(edit_event).post(save_event),
        )
}

#[derive(Debug, Default, Deserialize)]
struct Search {
    #[serde(default)]
    q: String,
    #[serde(default)]
    saved: Option<String>,
}

fn matches(query: &str, fields: &[&str]) -> bool {
    let query = query.trim().to_lowercase();
    query.is_empty() || fields.iter().any(|f| f.to_lowercase().contains(&query))
}

/// `GET /console/content?q=…`.
async fn list(
    State(state): State<ConsoleState>,
    staff: Staff,
    Query(search): Query<Search>,
) -> Result<Response, ConsoleError> {
    let content = state.store().export().await?;
    let q = search.q.as_str();
    let faqs: Vec<_> = content
        .faqs
        .iter()
        .filter(|f| matches(q, &[&f.key, &f.question, &f.answer]))
        .map(|f| context! { key => f.key, question => f.question, lang => f.lang, examples => f.examples.len() })
        .collect();
    let events: Vec<_> = content
        .events
        .iter()
        .filter(|e| matches(q, &[&e.key, &e.title, &e.category]))
        .map(|e| context! { key => e.key, title => e.title, category => e.category, starts_at => when(e.starts_at) })
        .collect();
    let news: Vec<_> = content
        .news
        .iter()
        .filter(|n| matches(q, &[&n.key, &n.title, &n.body]))
        .map(|n| context! { key => n.key, title => n.title, published_at => when(n.published_at) })
        .collect();
    staff.page(
        &state,
        "content.html",
        context! { q, faqs, events, news, saved => search.saved },
    )
}

/// The FAQ form's fields.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
struct FaqForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    key: String,
    #[serde(default)]
    question: String,
    #[serde(default)]
    answer: String,
    /// Comma-separated.
    #[serde(default)]
    keywords: String,
    /// One per line.
    #[serde(default)]
    examples: String,
    #[serde(default)]
    lang: String,
    /// The inbox message it comes from, set aside once saved.
    #[serde(default)]
    from: Option<i64>,
}

/// A key from the question: `Quando escono i risultati?` → `quando-escono-i-risultati`.
fn key_from(question: &str) -> String {
    let folded = crate::text::normalize(question);
    let words: Vec<&str> = folded.split_whitespace().take(8).collect();
    words
        .join("-")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect()
}

fn checked(form: &FaqForm, lang: &str, languages: &[String]) -> Result<Faq, Vec<FieldError>> {
    let mut errors = FieldErrors::new(lang);
    let question = form.question.trim();
    let answer = form.answer.trim();
    if question.is_empty() {
        errors.add(
            "question",
            "Scrivi la domanda come la farebbe un cittadino.",
            "Write the question as a citizen would ask it.",
        );
    }
    if answer.is_empty() {
        errors.add("answer", "Scrivi la risposta.", "Write the answer.");
    }
    let key = match form.key.trim() {
        "" => key_from(question),
        key => key.to_owned(),
    };
    let key_ok = !key.is_empty()
        && key.len() <= 80
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_".contains(c));
    if !key_ok && !question.is_empty() {
        errors.add(
            "key",
            "La chiave usa solo lettere minuscole, cifre e trattini.",
            "The key uses only lowercase letters, digits and dashes.",
        );
    }
    let faq_lang = match form.lang.trim() {
        "" => languages
            .first()
            .cloned()
            .unwrap_or_else(|| "it".to_owned()),
        l => l.to_owned(),
    };
    if !languages.contains(&faq_lang) {
        errors.add(
            "lang",
            "Lingua non prevista dai dialoghi.",
            "A language the dialogues do not have.",
        );
    }
    if !errors.is_empty() {
        return Err(errors.into_vec());
    }
    let mut examples: Vec<String> = Vec::new();
    for line in form
        .examples
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        if !examples.iter().any(|e| e == line) {
            examples.push(line.to_owned());
        }
    }
    Ok(Faq {
        key,
        question: question.to_owned(),
        answer: answer.to_owned(),
        keywords: form
            .keywords
            .split(',')
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(str::to_owned)
            .collect(),
        lang: faq_lang,
        examples,
    })
}

fn form_page(
    state: &ConsoleState,
    staff: Staff,
    form: &FaqForm,
    editing: bool,
    errors: &[FieldError],
) -> Result<Response, ConsoleError> {
    let languages = state.live().get().settings.languages.clone();
    staff.page(
        state,
        "faq_form.html",
        context! { form, editing, errors, languages },
    )
}

#[derive(Debug, Default, Deserialize)]
struct From {
    from: Option<i64>,
}

/// `GET /console/content/faq/new?from=ID`: a new FAQ, from an inbox message if named.
async fn new_faq(
    State(state): State<ConsoleState>,
    staff: Staff,
    Query(from): Query<From>,
) -> Result<Response, ConsoleError> {
    let mut form = FaqForm {
        from: from.from,
        ..FaqForm::default()
    };
    if let Some(id) = from.from
        && let Some(text) = citizen_words(state.pool(), id).await?
    {
        form.question = text.trim().to_owned();
        form.examples = text.trim().to_owned();
    }
    form_page(&state, staff, &form, false, &[])
}

/// `GET /console/content/faq/{key}`.
async fn edit_faq(
    State(state): State<ConsoleState>,
    staff: Staff,
    Path(key): Path<String>,
) -> Result<Response, ConsoleError> {
    let content = state.store().export().await?;
    let faq = content
        .faqs
        .into_iter()
        .find(|f| f.key == key)
        .ok_or(ConsoleError::NotFound)?;
    let form = FaqForm {
        key: faq.key,
        question: faq.question,
        answer: faq.answer,
        keywords: faq.keywords.join(", "),
        examples: faq.examples.join("\n"),
        lang: faq.lang,
        ..FaqForm::default()
    };
    form_page(&state, staff, &form, true, &[])
}

/// `POST /console/content/faq/new` and `…/faq/{key}`: saves it; the bot answers with it
/// from the next content check, in every replica.
async fn save_faq(
    State(state): State<ConsoleState>,
    staff: Staff,
    path: Option<Path<String>>,
    Form(mut form): Form<FaqForm>,
) -> Result<Response, ConsoleError> {
    staff.check_csrf(&form.csrf)?;
    let editing = path.is_some();
    if let Some(Path(key)) = path {
        form.key = key;
    }
    let languages = state.live().get().settings.languages.clone();
    let faq = match checked(&form, staff.lang(), &languages) {
        Ok(faq) => faq,
        Err(errors) => return form_page(&state, staff, &form, editing, &errors),
    };
    let key = faq.key.clone();
    state
        .store()
        .import(&ContentFile {
            faqs: vec![faq],
            ..ContentFile::default()
        })
        .await?;
    if let Some(id) = form.from {
        sqlx::query("UPDATE transcripts SET dismissed = true WHERE id = $1")
            .bind(id)
            .execute(state.pool())
            .await?;
    }
    let action = if editing { "faq.edit" } else { "faq.create" };
    audit::record(state.pool(), &staff.user.username, action, &key, None).await?;
    let back = if form.from.is_some() {
        "/console/inbox?done=faq".to_owned()
    } else {
        format!("/console/content?saved={key}")
    };
    Ok(Redirect::to(&back).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_made_from_the_question() {
        assert_eq!(
            key_from("Quando escono i risultati dell'orale?"),
            "quando-escono-i-risultati-dell-orale"
        );
    }

    #[test]
    fn an_faq_needs_a_question_an_answer_and_a_known_language() {
        let langs = vec!["it".to_owned(), "en".to_owned()];
        let errors = checked(
            &FaqForm {
                lang: "fr".into(),
                ..FaqForm::default()
            },
            "en",
            &langs,
        )
        .err()
        .unwrap_or_default();
        let fields: Vec<&str> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["question", "answer", "lang"]);
        let faq = checked(
            &FaqForm {
                question: "Posso portare la calcolatrice?".into(),
                answer: "Sì, non programmabile.".into(),
                keywords: "calcolatrice, , scientifica".into(),
                examples:
                    "calcolatrice allo scritto\n\ncalcolatrice allo scritto\nla casio va bene"
                        .into(),
                ..FaqForm::default()
            },
            "it",
            &langs,
        );
        let faq = faq.ok();
        assert_eq!(
            faq.as_ref().map(|f| f.key.as_str()),
            Some("posso-portare-la-calcolatrice")
        );
        assert_eq!(faq.as_ref().map(|f| f.keywords.len()), Some(2));
        assert_eq!(faq.as_ref().map(|f| f.examples.len()), Some(2));
        assert_eq!(faq.map(|f| f.lang), Some("it".to_owned()));
    }
}

/// The event form's fields (times as `datetime-local`, Italian time).
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
struct EventForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    key: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    starts_at: String,
    #[serde(default)]
    ends_at: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    details: String,
    #[serde(default)]
    link: String,
}

fn optional(text: &str) -> Option<String> {
    Some(text.trim().to_owned()).filter(|t| !t.is_empty())
}

/// The form checked field by field in the page language, then as `content import`
/// checks a file (known categories, dates in order).
fn checked_event(
    form: &EventForm,
    lang: &str,
    vocabulary: &Vocabulary,
) -> Result<CalendarEvent, Vec<FieldError>> {
    let mut errors = FieldErrors::new(lang);
    let title = form.title.trim();
    if title.is_empty() {
        errors.add(
            "title",
            "Scrivi il nome dell'evento.",
            "Write the event's name.",
        );
    }
    let key = match form.key.trim() {
        "" => key_from(title),
        key => key.to_owned(),
    };
    let starts_at = match form_time(&form.starts_at) {
        Some(Ok(at)) => Some(at),
        _ => {
            errors.add(
                "starts_at",
                "Scegli giorno e ora d'inizio.",
                "Pick the day and time it starts.",
            );
            None
        }
    };
    let ends_at = match form_time(&form.ends_at) {
        None => None,
        Some(Ok(at)) => Some(at),
        Some(Err(_)) => {
            errors.add("ends_at", "Fine non valida.", "Not a valid end.");
            None
        }
    };
    if let (Some(start), Some(end)) = (starts_at, ends_at)
        && end < start
    {
        errors.add(
            "ends_at",
            "La fine è prima dell'inizio.",
            "The end is before the start.",
        );
    }
    let link = form.link.trim();
    errors.check_link(link);
    let Some(starts_at) = starts_at.filter(|_| errors.is_empty()) else {
        return Err(errors.into_vec());
    };
    let event = CalendarEvent {
        key,
        category: form.category.trim().to_owned(),
        title: title.to_owned(),
        starts_at,
        ends_at,
        place: optional(&form.place),
        details: optional(&form.details),
        link: optional(link),
        valid_until: None,
    };
    let content = ContentFile {
        events: vec![event.clone()],
        ..ContentFile::default()
    };
    let problems = content.problems("console", vocabulary);
    if let Some(problem) = problems.first() {
        let known: Vec<&str> = vocabulary.categories.iter().map(String::as_str).collect();
        if problem.message.contains("category") {
            let message = format!(
                "{} {}",
                pick(
                    lang,
                    "Categoria sconosciuta ai dialoghi; quelle previste:",
                    "A category the dialogues do not know; they list:"
                ),
                known.join(", ")
            );
            errors.push("category", message);
        } else {
            errors.push("key", problem.message.clone());
        }
        return Err(errors.into_vec());
    }
    Ok(event)
}

fn event_page(
    state: &ConsoleState,
    staff: Staff,
    form: &EventForm,
    editing: bool,
    errors: &[FieldError],
) -> Result<Response, ConsoleError> {
    let categories: Vec<String> = Vocabulary::of(&state.live().get())
        .categories
        .into_iter()
        .collect();
    staff.page(
        state,
        "event_form.html",
        context! { form, editing, errors, categories },
    )
}

/// `GET /console/content/event/new`.
async fn new_event(
    State(state): State<ConsoleState>,
    staff: Staff,
) -> Result<Response, ConsoleError> {
    event_page(&state, staff, &EventForm::default(), false, &[])
}

/// `GET /console/content/event/{key}`.
async fn edit_event(
    State(state): State<ConsoleState>,
    staff: Staff,
    Path(key): Path<String>,
) -> Result<Response, ConsoleError> {
    let content = state.store().export().await?;
    let event = content
        .events
        .into_iter()
        .find(|e| e.key == key)
        .ok_or(ConsoleError::NotFound)?;
    let form = EventForm {
        key: event.key,
        title: event.title,
        category: event.category,
        starts_at: field_time(event.starts_at),
        ends_at: event.ends_at.map(field_time).unwrap_or_default(),
        place: event.place.unwrap_or_default(),
        details: event.details.unwrap_or_default(),
        link: event.link.unwrap_or_default(),
        ..EventForm::default()
    };
    event_page(&state, staff, &form, true, &[])
}

/// `POST /console/content/event/new` and `…/event/{key}`.
async fn save_event(
    State(state): State<ConsoleState>,
    staff: Staff,
    path: Option<Path<String>>,
    Form(mut form): Form<EventForm>,
) -> Result<Response, ConsoleError> {
    staff.check_csrf(&form.csrf)?;
    let editing = path.is_some();
    if let Some(Path(key)) = path {
        form.key = key;
    }
    let vocabulary = Vocabulary::of(&state.live().get());
    let event = match checked_event(&form, staff.lang(), &vocabulary) {
        Ok(event) => event,
        Err(errors) => return event_page(&state, staff, &form, editing, &errors),
    };
    let key = event.key.clone();
    state
        .store()
        .import(&ContentFile {
            events: vec![event],
            ..ContentFile::default()
        })
        .await?;
    let action = if editing {
        "event.edit"
    } else {
        "event.create"
    };
    audit::record(state.pool(), &staff.user.username, action, &key, None).await?;
    Ok(Redirect::to(&format!("/console/content?saved={key}")).into_response())
}
