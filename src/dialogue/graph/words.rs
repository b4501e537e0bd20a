//! The few labels a picture writes itself, in the staff's language: its headings, the
//! entry points' names, and how actions and questions read on a state.

use crate::dialogue::model::{Action, Ask};
use crate::staff_language::StaffLanguage;

/// The fixed texts of a picture, in one language.
pub(crate) struct Words {
    pub legend: &'static str,
    pub flows: &'static str,
    pub main_menu: &'static str,
    pub main_menu_tooltip: &'static str,
    pub fallback: &'static str,
    pub fallback_tooltip: &'static str,
    /// `{n}` is the number of tries.
    pub tries: &'static str,
    pub when: &'static str,
    pub otherwise: &'static str,
    pub hover: &'static str,
}

pub(crate) fn words(language: StaffLanguage) -> Words {
    let pick = |english, italian| language.pick(english, italian);
    Words {
        legend: pick("Legend", "Legenda"),
        flows: pick("Flows", "Flussi"),
        main_menu: pick("main menu", "menu principale"),
        main_menu_tooltip: pick(
            "Where /start and /menu lead; its buttons are offered where a state has none",
            "Dove portano /start e /menu; i suoi pulsanti compaiono dove uno stato non ne ha",
        ),
        fallback: pick("? not understood twice", "? non capito due volte"),
        fallback_tooltip: pick(
            "The second «I did not understand» in a row leads here (fallback.contacts)",
            "Il secondo «non ho capito» di fila porta qui (fallback.contacts)",
        ),
        tries: pick("after {n} wrong answers", "dopo {n} risposte sbagliate"),
        when: pick("if", "se"),
        otherwise: pick("otherwise", "altrimenti"),
        hover: pick(
            "Hover over a node or an arrow to read it in full.",
            "Passa il mouse su un nodo o una freccia per leggerlo per intero.",
        ),
    }
}

/// One line saying what a `do` action does, e.g. `⚙ eventi: maturita`.
pub(crate) fn action_text(action: &Action, language: StaffLanguage) -> String {
    let pick = |english, italian| language.pick(english, italian);
    let all = pick("all", "tutte");
    let text = match action {
        Action::Events { category, .. } => format!("{}: {category}", pick("events", "eventi")),
        Action::News { topic, .. } => format!(
            "{}: {}",
            pick("news", "notizie"),
            topic.as_deref().unwrap_or(all)
        ),
        Action::Faq { .. } => pick("search the FAQ", "cerca nelle FAQ").to_owned(),
        Action::Subscribe { topic } => format!("{}: {topic}", pick("subscribe", "iscrivi")),
        Action::Unsubscribe { topic } => format!(
            "{}: {}",
            pick("unsubscribe", "disiscrivi"),
            topic.as_deref().unwrap_or(all)
        ),
        Action::Subscriptions => pick("subscriptions", "iscrizioni").to_owned(),
        Action::Erase => pick("erase the citizen's data", "cancella i dati").to_owned(),
        Action::Language(lang) => format!("{}: {lang}", pick("language", "lingua")),
        Action::Handoff { queue } => format!("{}: {queue}", pick("to a person", "a una persona")),
        Action::Remind { category, .. } => format!("{}: {category}", pick("remind", "ricorda")),
        Action::Reminders => pick("reminders", "promemoria").to_owned(),
    };
    format!("⚙ {text}")
}

/// One line saying what an `ask` collects, e.g. `✎ anno`.
pub(crate) fn ask_text(ask: &Ask, language: StaffLanguage) -> String {
    let tries = language.pick("tries", "tentativi");
    format!("✎ {} ({} {tries})", ask.slot, ask.max_tries)
}
