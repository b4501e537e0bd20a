//! The console's HTML: minijinja templates compiled into the binary, escaped as HTML.
//! `t("italiano", "English")` picks the page language.

use minijinja::{Environment, State};

macro_rules! templates {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("templates/", $name)))),*]
    };
}

const TEMPLATES: &[(&str, &str)] = templates![
    "base.html",
    "forms.html",
    "login.html",
    "error.html",
    "glance.html",
    "news_list.html",
    "news_form.html",
    "news_preview.html",
    "news_show.html",
    "news_edit.html",
    "news_progress.html",
    "inbox.html",
    "faq_form.html",
    "event_form.html",
    "content.html",
    "dialogues.html",
    "staff.html",
    "audit.html",
];

/// Every template, ready to render.
pub(super) fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    for (name, source) in TEMPLATES {
        // The templates ship in the binary and a test renders each: a broken one is
        // a build defect, reported when its page is asked for.
        if let Err(err) = env.add_template(name, source) {
            tracing::error!("console template {name}: {err}");
        }
    }
    env.add_function("t", |state: &State, italian: String, english: String| {
        let english_page = state
            .lookup("lang")
            .is_some_and(|lang| lang.as_str() == Some("en"));
        if english_page { english } else { italian }
    });
    env
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_compiles() {
        let mut env = Environment::new();
        for (name, source) in TEMPLATES {
            assert!(env.add_template(name, source).is_ok(), "{name}");
        }
    }
}
