//! The settings file (`sportello.yaml`): main menu, topics, commands, intents,
//! fallback texts and the news message, with their defaults.

use std::collections::HashSet;
use std::sync::Arc;

use super::Builder;
use super::compile::{ALWAYS_IN_SCOPE, NEWS_IN_SCOPE};
use super::names::Names;
use crate::dialogue::diagnostic::{Diagnostic, Position};
use crate::dialogue::model::{Command, Fallback, Settings, StateId, Text, Topic};
use crate::dialogue::raw::{RawSettings, RawText};
use crate::say;
use crate::text::normalize;
use serde_saphyr::Spanned;

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
            let position = self.at(file, &command.command.referenced);
            let name = command.command.value.trim_start_matches('/').to_owned();
            self.command_name(&name, "command", &mut seen, &position);
            let target = self.resolve(names, "", &command.goto, file);
            let mut aliases = Vec::new();
            for alias in &command.aliases {
                let at = self.at(file, &alias.referenced);
                let alias_name = alias.value.trim_start_matches('/').to_owned();
                if self.command_name(&alias_name, "alias", &mut seen, &at) {
                    aliases.push(alias_name);
                }
            }
            commands.push(Command {
                aliases,
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
            .filter_map(|rule| self.rule(names, "", file, &default_lang, rule))
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
            did_you_mean: self.text_or(
                file,
                &raw.fallback.did_you_mean,
                &default_lang,
                DID_YOU_MEAN,
            ),
            none_of_these: self.text_or(
                file,
                &raw.fallback.none_of_these,
                &default_lang,
                NONE_OF_THESE,
            ),
            again: self.text_or(file, &raw.fallback.again, &default_lang, AGAIN),
            contacts: raw
                .fallback
                .contacts
                .as_ref()
                .and_then(|c| self.resolve(names, "", c, file)),
            out_of_range: self.text_or(
                file,
                &raw.fallback.out_of_range,
                &default_lang,
                OUT_OF_RANGE,
            ),
            thanks: self.text_or(file, &raw.fallback.thanks, &default_lang, THANKS),
            bye: self.text_or(file, &raw.fallback.bye, &default_lang, BYE),
            attachment: self.text_or(file, &raw.fallback.attachment, &default_lang, ATTACHMENT),
            arriving: self.text_or(file, &raw.fallback.arriving, &default_lang, ARRIVING),
            off_topic: raw
                .fallback
                .off_topic
                .as_ref()
                .map(|e| self.examples(file, &default_lang, e))
                .unwrap_or_default(),
        };
        let position = self.at(file, &raw.main.referenced);
        let news = self.template_or_builtin(
            file,
            "@news",
            raw.news.as_ref(),
            &default_lang,
            &position,
            (&DEFAULT_NEWS, &NEWS_IN_SCOPE),
        );
        let mut languages = raw
            .languages
            .map_or_else(|| vec![default_lang.clone()], |l| l.value);
        // The default language reads messages first.
        languages.retain(|l| *l != default_lang);
        languages.insert(0, default_lang.clone());
        let mut synonyms: Vec<(String, String)> = Vec::new();
        for (from, to) in &raw.synonyms.0 {
            let position = self.at(file, &from.referenced);
            if normalize(&from.value).is_empty() || normalize(&to.value).is_empty() {
                self.error(position, {
                    let (from, to) = (&from.value, &to.value);
                    say!(
                        "the synonym «{from}: {to}» needs words on both sides",
                        "il sinonimo «{from}: {to}» vuole parole da entrambe le parti"
                    )
                });
            } else if synonyms
                .iter()
                .any(|(f, _)| normalize(f) == normalize(&from.value))
            {
                self.report.push(Diagnostic::warning(position, {
                    let from = &from.value;
                    say!(
                        "the synonym «{from}» is written twice: the last one counts",
                        "il sinonimo «{from}» è scritto due volte: vale l'ultimo"
                    )
                }));
                synonyms.retain(|(f, _)| normalize(f) != normalize(&from.value));
                synonyms.push((from.value.clone(), to.value.clone()));
            } else {
                synonyms.push((from.value.clone(), to.value.clone()));
            }
        }
        let handoff = self.build_handoff(file, raw.handoff.as_ref(), &default_lang);
        let reminders =
            self.build_reminders(file, raw.reminders.as_ref(), &default_lang, &position);
        Some(Settings {
            bot: raw.bot.unwrap_or_else(|| "Sportello".to_owned()),
            default_lang,
            languages,
            main: main?,
            topics,
            commands,
            intents,
            synonyms,
            fallback,
            news,
            step_limit: raw.step_limit.unwrap_or(DEFAULT_STEP_LIMIT).max(1),
            handoff,
            reminders,
        })
    }
}

const DID_YOU_MEAN: &[(&str, &str)] = &[
    ("it", "Intendevi una di queste?"),
    ("en", "Did you mean one of these?"),
];
const NONE_OF_THESE: &[(&str, &str)] = &[("it", "Nessuna di queste"), ("en", "None of these")];
const AGAIN: &[(&str, &str)] = &[
    (
        "it",
        "Non riesco a capire la domanda, scusa. Puoi chiedere a una persona dell'ufficio:",
    ),
    (
        "en",
        "Sorry, I cannot work out the question. You can ask a person at the office:",
    ),
];
const OUT_OF_RANGE: &[(&str, &str)] = &[
    (
        "it",
        "Scrivi un numero da 1 a {n}, oppure premi un pulsante.",
    ),
    ("en", "Type a number from 1 to {n}, or press a button."),
];
const THANKS: &[(&str, &str)] = &[
    ("it", "Prego! Se ti serve altro, scrivimi pure."),
    ("en", "You're welcome! Write again whenever you need."),
];
const BYE: &[(&str, &str)] = &[
    ("it", "Ciao, a presto! Scrivimi quando vuoi."),
    ("en", "Bye, see you soon! Write whenever you like."),
];
const ATTACHMENT: &[(&str, &str)] = &[
    (
        "it",
        "Leggo solo i messaggi scritti 🙂 Scrivi la tua domanda con parole tue, oppure scrivi «menu» per vedere gli argomenti.",
    ),
    (
        "en",
        "I can only read written messages 🙂 Type your question in your own words, or type “menu” to see the topics.",
    ),
];

const ARRIVING: &[(&str, &str)] = &[
    (
        "it",
        "Molte persone stanno scrivendo in questo momento: la tua risposta arriva tra poco.",
    ),
    (
        "en",
        "Many people are writing right now: your reply is on its way.",
    ),
];

impl Builder {
    /// Checks a command's name or alias against Telegram's rule and the names `seen`
    /// so far; true when it is fine.
    fn command_name(
        &mut self,
        name: &str,
        kind: &str,
        seen: &mut HashSet<String>,
        position: &Position,
    ) -> bool {
        let valid = !name.is_empty()
            && name.len() <= 32
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !valid {
            self.error(
                position.clone(),
                {
                    let tipo = if kind == "alias" { "l'alias" } else { "il comando" };
                    say!(
                        "{kind} `{name}` must be 1-32 lowercase letters, digits or `_` (Telegram's rule)",
                        "{tipo} `{name}` deve avere da 1 a 32 lettere minuscole, cifre o `_` (regola di Telegram)"
                    )
                },
            );
            return false;
        }
        if !seen.insert(name.to_owned()) {
            self.error(
                position.clone(),
                say!(
                    "command `/{name}` is declared twice",
                    "il comando `/{name}` è dichiarato due volte"
                ),
            );
            return false;
        }
        true
    }

    /// Staff's text, or the built-in one in every language it has.
    pub(super) fn text_or(
        &mut self,
        file: &Arc<str>,
        raw: &Option<Spanned<RawText>>,
        default_lang: &str,
        builtin: &[(&str, &str)],
    ) -> Text {
        match raw {
            Some(text) => self.plain_text(file, text, default_lang),
            None => Text(
                builtin
                    .iter()
                    .map(|(lang, text)| ((*lang).to_owned(), (*text).to_owned()))
                    .collect(),
            ),
        }
    }
}
