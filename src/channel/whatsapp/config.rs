//! The channel's settings and the per-topic template map, validated once at start.
//! Secrets (access token, app secret, verify token) never appear in `Debug` output.

use std::collections::BTreeMap;
use std::fmt;

use super::WhatsAppError;

/// The Graph API with the version this channel speaks.
pub const DEFAULT_API_URL: &str = "https://graph.facebook.com/v21.0";

/// How the channel talks to the WhatsApp Cloud API and checks Meta's webhooks.
#[derive(Clone)]
pub struct WhatsAppConfig {
    /// `WHATSAPP_TOKEN`: the system-user access token (Bearer). Never logged.
    pub token: String,
    /// `WHATSAPP_PHONE_NUMBER_ID`: the business number messages are sent from;
    /// webhook changes for other numbers of the same app are ignored.
    pub phone_number_id: String,
    /// `WHATSAPP_APP_SECRET`: signs webhook bodies (`X-Hub-Signature-256`). Never logged.
    pub app_secret: String,
    /// `WHATSAPP_VERIFY_TOKEN`: echoed by Meta in the subscription handshake. Never logged.
    pub verify_token: String,
    /// `WHATSAPP_API_URL`: the Graph API base with its version (default
    /// [`DEFAULT_API_URL`]; a fake in tests).
    pub api_url: reqwest::Url,
    /// Turns processed at once across citizens (default 64); one citizen's messages
    /// are always handled in order.
    pub max_in_flight: usize,
    /// `WHATSAPP_NEWS_TEMPLATES`: the approved template per news topic, for citizens
    /// outside the 24-hour window.
    pub news_templates: NewsTemplates,
    /// `WHATSAPP_REPLY_TEMPLATE`: the approved template of staff answers to a citizen
    /// outside the 24-hour window, with two body parameters: the ticket's number and
    /// the signed answer.
    pub reply_template: Option<Template>,
    /// `WHATSAPP_REMINDER_TEMPLATE`: the approved template of reminders to a citizen
    /// outside the 24-hour window (one body parameter: the reminder on one line).
    pub reminder_template: Option<Template>,
}

impl WhatsAppConfig {
    /// A configuration with the default API URL, 64 turns in flight and no templates.
    pub fn new(
        token: impl Into<String>,
        phone_number_id: impl Into<String>,
        app_secret: impl Into<String>,
        verify_token: impl Into<String>,
    ) -> Result<WhatsAppConfig, WhatsAppError> {
        let api_url = reqwest::Url::parse(DEFAULT_API_URL)
            .map_err(|e| WhatsAppError::Config(format!("default API URL: {e}")))?;
        Ok(WhatsAppConfig {
            token: token.into(),
            phone_number_id: phone_number_id.into(),
            app_secret: app_secret.into(),
            verify_token: verify_token.into(),
            api_url,
            max_in_flight: 64,
            news_templates: NewsTemplates::default(),
            reply_template: None,
            reminder_template: None,
        })
    }

    /// Refuses empty secrets and ids: a webhook checked against an empty secret or
    /// verify token would accept anyone.
    pub fn validate(&self) -> Result<(), WhatsAppError> {
        for (name, value) in [
            ("WHATSAPP_TOKEN", &self.token),
            ("WHATSAPP_PHONE_NUMBER_ID", &self.phone_number_id),
            ("WHATSAPP_APP_SECRET", &self.app_secret),
            ("WHATSAPP_VERIFY_TOKEN", &self.verify_token),
        ] {
            if value.trim().is_empty() {
                return Err(WhatsAppError::Config(format!("{name} is empty")));
            }
        }
        Ok(())
    }

    /// `{api_url}/{phone_number_id}/messages`.
    pub fn messages_url(&self) -> Result<reqwest::Url, WhatsAppError> {
        let mut url = self.api_url.clone();
        url.path_segments_mut()
            .map_err(|()| WhatsAppError::Config("WHATSAPP_API_URL cannot be a base".into()))?
            .pop_if_empty()
            .push(&self.phone_number_id)
            .push("messages");
        Ok(url)
    }
}

impl fmt::Debug for WhatsAppConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WhatsAppConfig")
            .field("token", &"<redacted>")
            .field("phone_number_id", &self.phone_number_id)
            .field("app_secret", &"<redacted>")
            .field("verify_token", &"<redacted>")
            .field("api_url", &self.api_url.as_str())
            .field("max_in_flight", &self.max_in_flight)
            .field("news_templates", &self.news_templates)
            .field("reply_template", &self.reply_template)
            .field("reminder_template", &self.reminder_template)
            .finish()
    }
}

/// An approved message template: its name and language code (`it`, `en_US`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    /// The template's name as approved by Meta.
    pub name: String,
    /// Its language code.
    pub lang: String,
}

impl Template {
    /// `name:lang`: a name of lowercase letters, digits and `_`, a language code of
    /// letters and `_`; what is wrong, else.
    fn parse(text: &str) -> Result<Template, &'static str> {
        let (name, lang) = text.split_once(':').ok_or("has no ':lang'")?;
        let (name, lang) = (name.trim(), lang.trim());
        if name.is_empty() || lang.is_empty() {
            return Err("has an empty part");
        }
        let valid_name = name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !valid_name {
            return Err("has a template name other than lowercase letters, digits and '_'");
        }
        if !lang.chars().all(|c| c.is_ascii_alphabetic() || c == '_') {
            return Err("has a language code other than letters and '_'");
        }
        Ok(Template {
            name: name.to_owned(),
            lang: lang.to_owned(),
        })
    }

    /// The staff answers' template, from `WHATSAPP_REPLY_TEMPLATE` (`name:lang`).
    pub fn reply(text: &str) -> Result<Template, WhatsAppError> {
        Template::setting("WHATSAPP_REPLY_TEMPLATE", text, "risposta_ufficio:it")
    }

    /// The reminders' template, from `WHATSAPP_REMINDER_TEMPLATE` (`name:lang`).
    pub fn reminder(text: &str) -> Result<Template, WhatsAppError> {
        Template::setting("WHATSAPP_REMINDER_TEMPLATE", text, "promemoria:it")
    }

    fn setting(name: &str, text: &str, example: &str) -> Result<Template, WhatsAppError> {
        Template::parse(text.trim()).map_err(|why| {
            WhatsAppError::Config(format!(
                "{name}: {text:?} {why} (expected template:lang, e.g. {example})"
            ))
        })
    }
}

/// Topic → template, from `maturita=news_maturita:it,universita=news_universita:it`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewsTemplates(BTreeMap<String, Template>);

impl NewsTemplates {
    /// The template for `topic`, if one is configured.
    pub fn get(&self, topic: &str) -> Option<&Template> {
        self.0.get(topic)
    }

    /// Whether no topic has a template.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::str::FromStr for NewsTemplates {
    type Err = WhatsAppError;

    /// Comma-separated `topic=template:lang` entries; blanks around parts are ignored,
    /// an empty string is no templates. Each topic at most once.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let mut map = BTreeMap::new();
        for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let bad = |why: &str| {
                WhatsAppError::Config(format!(
                    "WHATSAPP_NEWS_TEMPLATES: {entry:?} {why} (expected topic=template:lang, e.g. maturita=news_maturita:it)"
                ))
            };
            let (topic, template) = entry.split_once('=').ok_or_else(|| bad("has no '='"))?;
            let topic = topic.trim();
            if topic.is_empty() {
                return Err(bad("has an empty part"));
            }
            let template = Template::parse(template).map_err(bad)?;
            if map.insert(topic.to_owned(), template).is_some() {
                return Err(bad("names a topic already given"));
            }
        }
        Ok(NewsTemplates(map))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_parse_per_topic_and_refuse_malformed_entries() {
        let parsed: Result<NewsTemplates, _> =
            " maturita=news_maturita:it, universita = news_universita:en_US ,".parse();
        let Ok(templates) = parsed else {
            panic!("{parsed:?}")
        };
        assert_eq!(
            templates.get("universita"),
            Some(&Template {
                name: "news_universita".into(),
                lang: "en_US".into()
            })
        );
        assert_eq!(templates.get("concorsi"), None);
        assert!(matches!("".parse::<NewsTemplates>(), Ok(t) if t.is_empty()));
        for bad in [
            "maturita",
            "maturita=news",
            "=news:it",
            "maturita=:it",
            "maturita=News Maturità:it",
            "a=x:it,a=y:it",
        ] {
            let err = bad.parse::<NewsTemplates>();
            assert!(
                matches!(&err, Err(WhatsAppError::Config(m)) if m.contains("topic=template:lang")),
                "{bad}: {err:?}"
            );
        }
    }

    #[test]
    fn the_reply_template_is_a_name_and_a_language() {
        assert!(matches!(
            Template::reply(" risposta_ufficio:it "),
            Ok(t) if t == Template { name: "risposta_ufficio".into(), lang: "it".into() }
        ));
        for bad in ["risposta_ufficio", "Risposta:it", ":it"] {
            let err = Template::reply(bad);
            assert!(
                matches!(&err, Err(WhatsAppError::Config(m)) if m.contains("WHATSAPP_REPLY_TEMPLATE")),
                "{bad}: {err:?}"
            );
        }
    }

    #[test]
    fn secrets_stay_out_of_debug_and_urls_keep_the_version() {
        let Ok(mut config) = WhatsAppConfig::new("TOKEN-X", "1234", "SECRET-Y", "VERIFY-Z") else {
            panic!("config")
        };
        let shown = format!("{config:?}");
        assert!(
            !shown.contains("TOKEN-X")
                && !shown.contains("SECRET-Y")
                && !shown.contains("VERIFY-Z")
        );
        assert!(
            matches!(config.messages_url(), Ok(u) if u.as_str() == "https://graph.facebook.com/v21.0/1234/messages")
        );
        config.api_url =
            reqwest::Url::parse("http://127.0.0.1:9/v99.0/").unwrap_or_else(|e| panic!("{e}"));
        assert!(
            matches!(config.messages_url(), Ok(u) if u.as_str() == "http://127.0.0.1:9/v99.0/1234/messages")
        );
        config.app_secret = " ".into();
        assert!(config.validate().is_err());
    }
}
