//! Who publishes the open data, under which licence, where, and how small a count
//! may be: the raw [`Settings`] (from env vars and flags) and the checked [`Config`].

use reqwest::Url;

use super::suppress::DEFAULT_THRESHOLD;

/// Creative Commons Attribution 4.0, the default licence.
pub const CC_BY_4_0: &str = "https://creativecommons.org/licenses/by/4.0/";

/// Days the daily datasets cover by default (up to yesterday).
pub const DEFAULT_DAYS: u32 = 365;

/// The settings as given; every field may be missing.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// The publisher's name (`SPORTELLO_OPENDATA_PUBLISHER_NAME`).
    pub publisher_name: Option<String>,
    /// The publisher's IPA code (`SPORTELLO_OPENDATA_PUBLISHER_ID`).
    pub publisher_id: Option<String>,
    /// The rights holder's name (default: the publisher's).
    pub rights_holder_name: Option<String>,
    /// The rights holder's IPA code (default: the publisher's).
    pub rights_holder_id: Option<String>,
    /// The licence's URL (default [`CC_BY_4_0`]).
    pub licence_url: Option<String>,
    /// The licence's name (default: CC BY 4.0's for it, else the URL).
    pub licence_name: Option<String>,
    /// The public URL the files are served at, ending in `/opendata/`.
    pub base_url: Option<String>,
    /// The smallest count published (default 5).
    pub threshold: Option<u64>,
    /// Days the daily datasets cover (default 365).
    pub days: Option<u32>,
    /// An e-mail address for questions about the data (`dcat:contactPoint`).
    pub contact_email: Option<String>,
}

/// An organization in the catalogue (`dcatapit:Agent`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agent {
    /// Its code in the Indice della Pubblica Amministrazione (e.g. `m_pi`).
    pub id: String,
    /// Its official name.
    pub name: String,
}

/// The licence of every distribution (`dcatapit:LicenseDocument`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Licence {
    /// Its URL.
    pub url: String,
    /// Its name.
    pub name: String,
    /// Its type in the Italian licence vocabulary, when known.
    pub kind: Option<&'static str>,
}

/// Checked settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Who publishes the catalogue and the datasets.
    pub publisher: Agent,
    /// Who holds the rights on the datasets.
    pub rights_holder: Agent,
    /// The licence.
    pub licence: Licence,
    /// Where the files are served; ends with `/`.
    pub base_url: Url,
    /// Counts of 1 to `threshold − 1` citizens are withheld (≥ 2).
    pub threshold: u64,
    /// Days the daily datasets cover, up to yesterday (≥ 1).
    pub days: u32,
    /// An e-mail address for questions about the data.
    pub contact_email: Option<String>,
}

/// Why the settings cannot publish.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// Required settings are missing.
    #[error("open data needs {}", .0.join(", "))]
    Missing(Vec<&'static str>),
    /// A setting has a value that cannot work.
    #[error("{0}: {1}")]
    Invalid(&'static str, String),
}

impl TryFrom<Settings> for Config {
    type Error = ConfigError;

    fn try_from(settings: Settings) -> Result<Config, ConfigError> {
        let given = |v: Option<String>| v.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let name = given(settings.publisher_name);
        let id = given(settings.publisher_id);
        let base = given(settings.base_url);
        let missing: Vec<&'static str> = [
            ("SPORTELLO_OPENDATA_PUBLISHER_NAME", name.is_none()),
            ("SPORTELLO_OPENDATA_PUBLISHER_ID", id.is_none()),
            ("SPORTELLO_OPENDATA_BASE_URL", base.is_none()),
        ]
        .into_iter()
        .filter_map(|(var, missing)| missing.then_some(var))
        .collect();
        let (Some(name), Some(id), Some(base)) = (name, id, base) else {
            return Err(ConfigError::Missing(missing));
        };
        let publisher = Agent {
            id: ipa_code("SPORTELLO_OPENDATA_PUBLISHER_ID", id)?,
            name,
        };
        let rights_holder = Agent {
            id: match given(settings.rights_holder_id) {
                Some(id) => ipa_code("SPORTELLO_OPENDATA_RIGHTS_HOLDER_ID", id)?,
                None => publisher.id.clone(),
            },
            name: given(settings.rights_holder_name).unwrap_or_else(|| publisher.name.clone()),
        };
        let licence_url = given(settings.licence_url).unwrap_or_else(|| CC_BY_4_0.to_owned());
        Url::parse(&licence_url)
            .map_err(|e| ConfigError::Invalid("SPORTELLO_OPENDATA_LICENSE", e.to_string()))?;
        let known = licence_url == CC_BY_4_0;
        let licence = Licence {
            name: given(settings.licence_name).unwrap_or_else(|| {
                if known {
                    "Creative Commons Attribuzione 4.0 Internazionale (CC BY 4.0)".to_owned()
                } else {
                    licence_url.clone()
                }
            }),
            kind: known
                .then_some("http://w3id.org/italia/controlled-vocabulary/licences/A2_Attribution"),
            url: licence_url,
        };
        let threshold = settings.threshold.unwrap_or(DEFAULT_THRESHOLD);
        if threshold < 2 {
            return Err(ConfigError::Invalid(
                "SPORTELLO_OPENDATA_THRESHOLD",
                "at least 2 (1 would publish counts of a single person)".to_owned(),
            ));
        }
        let days = settings.days.unwrap_or(DEFAULT_DAYS);
        if days == 0 {
            return Err(ConfigError::Invalid(
                "SPORTELLO_OPENDATA_DAYS",
                "at least 1".to_owned(),
            ));
        }
        let contact_email = given(settings.contact_email);
        if let Some(email) = &contact_email
            && !email.contains('@')
        {
            return Err(ConfigError::Invalid(
                "SPORTELLO_OPENDATA_CONTACT_EMAIL",
                format!("`{email}` is not an e-mail address"),
            ));
        }
        Ok(Config {
            publisher,
            rights_holder,
            licence,
            base_url: base_url(&base)?,
            threshold,
            days,
            contact_email,
        })
    }
}

/// An IPA code: letters, digits and `_` (it prefixes identifiers as `code:dataset`).
fn ipa_code(var: &'static str, code: String) -> Result<String, ConfigError> {
    if code.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        Ok(code)
    } else {
        Err(ConfigError::Invalid(
            var,
            format!("`{code}` is not an IPA code (letters, digits, `_`), e.g. `m_pi`"),
        ))
    }
}

/// The base URL, absolute http(s), with a trailing `/` so file names join onto it.
fn base_url(text: &str) -> Result<Url, ConfigError> {
    let invalid = |why: String| ConfigError::Invalid("SPORTELLO_OPENDATA_BASE_URL", why);
    let mut url = Url::parse(text).map_err(|e| invalid(format!("`{text}`: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid(format!("`{text}` is not an http(s) URL")));
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        Settings {
            publisher_name: Some("Ministero dell'Istruzione e del Merito".into()),
            publisher_id: Some("m_pi".into()),
            base_url: Some("https://sportello.example.it/opendata".into()),
            ..Settings::default()
        }
    }

    #[test]
    fn defaults_are_cc_by_the_publisher_as_rights_holder_and_five() {
        let config = Config::try_from(settings()).unwrap();
        assert_eq!(config.licence.url, CC_BY_4_0);
        assert!(config.licence.name.contains("CC BY 4.0"));
        assert_eq!(config.rights_holder, config.publisher);
        assert_eq!(config.threshold, 5);
        assert_eq!(config.days, 365);
        assert_eq!(
            config.base_url.as_str(),
            "https://sportello.example.it/opendata/"
        );
    }

    #[test]
    fn missing_settings_are_all_named() {
        let error = Config::try_from(Settings::default()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "open data needs SPORTELLO_OPENDATA_PUBLISHER_NAME, SPORTELLO_OPENDATA_PUBLISHER_ID, SPORTELLO_OPENDATA_BASE_URL"
        );
    }

    #[test]
    fn another_licence_and_rights_holder_are_taken_as_given() {
        let config = Config::try_from(Settings {
            licence_url: Some("https://creativecommons.org/publicdomain/zero/1.0/".into()),
            licence_name: Some("CC0 1.0".into()),
            rights_holder_id: Some("r_lazio".into()),
            rights_holder_name: Some("Regione Lazio".into()),
            ..settings()
        })
        .unwrap();
        assert_eq!(config.licence.name, "CC0 1.0");
        assert_eq!(config.licence.kind, None);
        assert_eq!(config.rights_holder.id, "r_lazio");
        assert_eq!(config.publisher.id, "m_pi");
    }

    #[test]
    fn unusable_values_are_refused() {
        for (change, var) in [
            (
                Settings {
                    threshold: Some(1),
                    ..settings()
                },
                "SPORTELLO_OPENDATA_THRESHOLD",
            ),
            (
                Settings {
                    publisher_id: Some("m pi:".into()),
                    ..settings()
                },
                "SPORTELLO_OPENDATA_PUBLISHER_ID",
            ),
            (
                Settings {
                    base_url: Some("ftp://example.it/".into()),
                    ..settings()
                },
                "SPORTELLO_OPENDATA_BASE_URL",
            ),
            (
                Settings {
                    contact_email: Some("nobody".into()),
                    ..settings()
                },
                "SPORTELLO_OPENDATA_CONTACT_EMAIL",
            ),
        ] {
            match Config::try_from(change) {
                Err(ConfigError::Invalid(name, _)) => assert_eq!(name, var),
                other => panic!("{var}: {other:?}"),
            }
        }
    }
}
