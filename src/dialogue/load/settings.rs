//! The settings file (`sportello.yaml`): main menu, topics, commands, intents,
//! fallback texts and the news message, with their defaults.

use std::collections::HashSet;
use std::sync::Arc;

use super::Builder;
use super::compile::{ALWAYS_IN_SCOPE, NEWS_IN_SCOPE};
use super::names::Names;
use crate::dialogue::model::{Command, Fallback, Localized, Settings, StateId, Text, Topic};
use crate::dialogue::raw::RawSettings;

/// States entered in one turn before the engine stops a loop, unless settings say.
const DEFAULT_STEP_LIMIT: usize = 20;
/// The news message when `sportello.yaml` has no `news:` (per language).
const DEFAULT_NEWS: [(&str, &str); 2] = [
    (
        "it",
        "📰 <b>{{ news.title }}</b>\n\n{{ news.body }}{% if news.link %}\n\n<a href=\"{{ news.link }}\">{% if news.trimmed %}Leggi tutto{% else %}Approfondisci{% endif %}</a>{% endif %}",
    ),
    (
        "en",
        "📰 <b>{{ news.title }}</b>\n\n{{ news.body }}{% if news.link %}\n\n<a href=\"{{ news.link }}\">{% if news.trimmed %}Read more{% else %}More{% endif %}</a>{% endif %}",
    ),
];

impl Builder {
    /// Builds the settings, filling in the defaults; commands are checked against
    /// Telegram's rule for names.
    pub(super) fn build_settings(
        &mut self,
        names: &Names,
        file: &Arc<str>,
        raw: RawSettings,
        default_lang: String,
    ) -> Option<Settings> {
        // Settings targets are always `flow` or `flow.state`.
        let main = self.resolve(names, "", &raw.main, file);
        let topics = raw
            .topics
            .0
            .iter()
            .map(|(key, name)| Topic {
                key: key.value.clone(),
                name: self.plain_text(file, name, &default_lang),
            })
            .collect();
        let mut commands = Vec::new();
        let mut seen = HashSet::new();
        for command in &raw.commands {
            let name = command.command.value.trim_start_matches('/').to_owned();
            let position = self.at(file, &command.command.referenced);
            let valid = !name.is_empty()
                && name.len() <= 32
                && name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !valid {
                self.error(position.clone(), format!("command `{name}` must be 1-32 lowercase letters, digits or `_` (Telegram's rule)"));
            }
            if !seen.insert(name.clone()) {
                self.error(
                    position.clone(),
                    format!("command `/{name}` is declared twice"),
                );
            }
            let target = self.resolve(names, "", &command.goto, file);
            commands.push(Command {
                description: command.description.as_ref().map_or_else(
                    || Text(vec![(default_lang.clone(), name.clone())]),
                    |d| self.plain_text(file, d, &default_lang),
                ),
                name,
                target: target.unwrap_or(StateId(0)),
                position,
            });
        }
        let intents = raw
            .intents
            .iter()
            .filter_map(|rule| self.rule(names, "", file, &rule.when, &rule.goto))
            .collect();
        let fallback = Fallback {
            faq: raw.fallback.faq,
            answer: raw.fallback.answer.as_ref().map(|a| {
                self.template(
                    file,
                    "@fallback#answer",
                    a,
                    &default_lang,
                    &["slots", "lang", "topics", "faq"],
                )
            }),
            not_understood: self.template(
                file,
                "@fallback#say",
                &raw.fallback.say,
                &default_lang,
                &ALWAYS_IN_SCOPE,
            ),
            error: raw.fallback.error.as_ref().map_or_else(
                || {
                    Text(vec![(
                        "it".to_owned(),
                        "Si è verificato un problema. Riprova tra poco.".to_owned(),
                    )])
                },
                |e| self.plain_text(file, e, &default_lang),
            ),
            updated: raw.fallback.updated.as_ref().map_or_else(
                || {
                    Text(vec![
                        (
                            "it".to_owned(),
                            "ℹ️ Il servizio è stato aggiornato: riprendiamo da qui.".to_owned(),
                        ),
                        (
                            "en".to_owned(),
                            "ℹ️ The service was updated: let's continue from here.".to_owned(),
                        ),
                    ])
                },
                |u| self.plain_text(file, u, &default_lang),
            ),
        };
        let news = match &raw.news {
            Some(text) => self.template(file, "@news", text, &default_lang, &NEWS_IN_SCOPE),
            None => {
                let position = self.at(file, &raw.main.referenced);
                let mut names = Vec::new();
                for (lang, source) in DEFAULT_NEWS {
                    let name = format!("@news.{lang}");
                    self.compile(
                        name.clone(),
                        source.to_owned(),
                        position.clone(),
                        &NEWS_IN_SCOPE,
                    );
                    names.push((lang.to_owned(), name));
                }
                Localized(names)
            }
        };
        let languages = raw
            .languages
            .map_or_else(|| vec![default_lang.clone()], |l| l.value);
        Some(Settings {
            bot: raw.bot.unwrap_or_else(|| "Sportello".to_owned()),
            default_lang,
            languages,
            main: main?,
            topics,
            commands,
            intents,
            fallback,
            news,
            step_limit: raw.step_limit.unwrap_or(DEFAULT_STEP_LIMIT).max(1),
        })
    }
}
