//! The shapes of the YAML files as staff write them, with source locations.
//!
//! Nothing here is checked beyond what serde enforces (types, unknown keys); `load`
//! turns these into the validated model.

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde_saphyr::Spanned;

/// A flow file: one flow, a set of named states.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFlow {
    pub(super) flow: Spanned<String>,
    #[serde(default)]
    pub(super) title: Option<Spanned<RawText>>,
    #[serde(default)]
    pub(super) lang: Option<Spanned<String>>,
    pub(super) start: Spanned<String>,
    pub(super) states: Spanned<Entries<Spanned<String>, RawState>>,
}

/// The keys of a state, for the YAML hint that names one indented into another.
pub(super) const STATE_KEYS: &[&str] = &["say", "buttons", "match", "ask", "do", "goto", "end"];

/// One state of a flow.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawState {
    #[serde(default)]
    pub(super) say: Option<Spanned<RawText>>,
    #[serde(default)]
    pub(super) buttons: Option<Spanned<Vec<RawButton>>>,
    #[serde(default, rename = "match")]
    pub(super) matches: Option<Vec<RawRule>>,
    #[serde(default)]
    pub(super) ask: Option<Spanned<RawAsk>>,
    #[serde(default, rename = "do")]
    pub(super) actions: Option<Spanned<OneOrMany<RawAction>>>,
    #[serde(default)]
    pub(super) goto: Option<Spanned<RawGoto>>,
    #[serde(default)]
    pub(super) end: Option<bool>,
}

/// `goto: target`, or a list of `{ if: <expression>, goto: target }` ending with a
/// plain `{ goto: target }` for when no condition holds.
#[derive(Debug)]
pub(super) enum RawGoto {
    To(String),
    Branches(Vec<RawBranch>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawBranch {
    #[serde(default, rename = "if")]
    pub(super) condition: Option<Spanned<RawText>>,
    pub(super) goto: Spanned<String>,
}

impl<'de> Deserialize<'de> for RawGoto {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct GotoVisitor;

        impl<'de> Visitor<'de> for GotoVisitor {
            type Value = RawGoto;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a state name, or a list such as [{ if: \"slots.anno >= 2008\", goto: si }, { goto: no }]")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawGoto, E> {
                Ok(RawGoto::To(v.to_owned()))
            }

            fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                Vec::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(RawGoto::Branches)
            }
        }

        deserializer.deserialize_any(GotoVisitor)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawButton {
    /// What it says; not written on a `topics:` button (the topics' titles are).
    #[serde(default)]
    pub(super) label: Option<Spanned<RawText>>,
    /// `subscribe` or `unsubscribe`: one button per topic of `sportello.yaml`.
    #[serde(default)]
    pub(super) topics: Option<Spanned<String>>,
    pub(super) goto: Spanned<String>,
    /// Filled in when `topics:` is expanded (see `load::topic_menus`).
    #[serde(skip)]
    pub(super) generated: Option<GeneratedButton>,
}

/// A button made from a topic: its title as the label, where the menu was written,
/// and for unsubscribing, the topic the citizen must follow to see it.
#[derive(Debug)]
pub(super) struct GeneratedButton {
    pub(super) label: super::model::Text,
    pub(super) position: super::diagnostic::Position,
    pub(super) shown_if_following: Option<String>,
}

/// A free-text rule: example sentences and/or a regex, and where they lead.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRule {
    #[serde(default)]
    pub(super) when: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) examples: Option<Spanned<RawExamples>>,
    pub(super) goto: Spanned<String>,
}

/// Example sentences: a list in the flow's language, or a list per language.
#[derive(Debug)]
pub(super) enum RawExamples {
    List(Vec<Spanned<String>>),
    ByLang(Vec<(Spanned<String>, Vec<Spanned<String>>)>),
}

impl<'de> Deserialize<'de> for RawExamples {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ExamplesVisitor;

        impl<'de> Visitor<'de> for ExamplesVisitor {
            type Value = RawExamples;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of example sentences, or one per language such as { it: [...], en: [...] }")
            }

            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(RawExamples::List(items))
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut by_lang = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    by_lang.push(entry);
                }
                Ok(RawExamples::ByLang(by_lang))
            }
        }

        deserializer.deserialize_any(ExamplesVisitor)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAsk {
    pub(super) slot: Spanned<String>,
    #[serde(default)]
    pub(super) prompt: Option<Spanned<RawText>>,
    #[serde(default)]
    pub(super) expect: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) retry: Option<Spanned<RawText>>,
    #[serde(default)]
    pub(super) max_tries: Option<u8>,
    /// The smallest value: a number, or an expression such as `year - 25`.
    #[serde(default)]
    pub(super) min: Option<Spanned<RawText>>,
    #[serde(default)]
    pub(super) max: Option<Spanned<RawText>>,
    /// The answers `expect: choice` accepts.
    #[serde(default)]
    pub(super) choices: Option<Spanned<Vec<Spanned<RawText>>>>,
    pub(super) escape: Spanned<String>,
}

/// A `do` action, written as a one-key map: `{ events: { category: maturita } }`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub(super) enum RawAction {
    Events {
        category: String,
        #[serde(default)]
        limit: Option<usize>,
    },
    News {
        #[serde(default)]
        topic: Option<String>,
        #[serde(default)]
        limit: Option<usize>,
    },
    Faq {
        query: String,
    },
    Subscribe {
        topic: String,
    },
    Unsubscribe {
        topic: String,
    },
    Subscriptions {},
    Erase {},
    /// `{ language: en }`: the conversation goes on in this language.
    Language(String),
    /// `{ handoff: { queue: urp } }`: a person of that queue answers from now on.
    Handoff {
        queue: String,
    },
    /// `{ remind: { event: maturita-prima, before: 1d, at: "09:00" } }`: remind the
    /// citizen of the upcoming events of a category.
    Remind {
        event: String,
        #[serde(default)]
        before: Option<String>,
        #[serde(default)]
        at: Option<String>,
    },
    /// `{ reminders: {} }`: the citizen's reminders, each with a button that cancels it.
    Reminders {},
}

/// `sportello.yaml`: settings for the whole bot.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSettings {
    #[serde(default)]
    pub(super) bot: Option<String>,
    #[serde(default)]
    pub(super) default_lang: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) languages: Option<Spanned<Vec<String>>>,
    pub(super) main: Spanned<String>,
    #[serde(default)]
    pub(super) topics: Entries<Spanned<String>, Spanned<RawText>>,
    #[serde(default)]
    pub(super) commands: Vec<RawCommand>,
    #[serde(default)]
    pub(super) intents: Vec<RawRule>,
    /// Other ways citizens write a word or phrase: `qnd: quando`.
    #[serde(default)]
    pub(super) synonyms: Entries<Spanned<String>, Spanned<String>>,
    pub(super) fallback: RawFallback,
    /// The message a news item is relayed as (`news` in scope); a default when unset.
    #[serde(default)]
    pub(super) news: Option<Spanned<RawText>>,
    #[serde(default)]
    pub(super) step_limit: Option<usize>,
    /// Where a person answers: the queues, their groups and hours, and what is said.
    #[serde(default)]
    pub(super) handoff: Option<RawHandoff>,
    /// What reminders say (the reminder itself, a moved or cancelled event).
    #[serde(default)]
    pub(super) reminders: Option<RawReminders>,
}

/// `reminders:` in `sportello.yaml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawReminders {
    /// Said by a `remind` state without a `say` (`reminder` in scope).
    #[serde(default)]
    pub(super) confirm: Option<Spanned<RawText>>,
    /// The reminder (`event` and `reminder` in scope).
    #[serde(default)]
    pub(super) message: Option<Spanned<RawText>>,
    /// Said once when the event of a reminder moved.
    #[serde(default)]
    pub(super) moved: Option<Spanned<RawText>>,
    /// Said once when the event of a reminder left the calendar.
    #[serde(default)]
    pub(super) cancelled: Option<Spanned<RawText>>,
    /// Said when the citizen cancels a reminder.
    #[serde(default)]
    pub(super) forgotten: Option<Spanned<RawText>>,
    /// What comes before the event's title on a cancel button.
    #[serde(default)]
    pub(super) cancel_button: Option<Spanned<RawText>>,
}

/// `handoff:` in `sportello.yaml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawHandoff {
    pub(super) queues: Entries<Spanned<String>, RawQueue>,
    /// How staff replies are signed (the office's name).
    #[serde(default)]
    pub(super) signature: Option<Spanned<RawText>>,
    /// Whether a reply also shows the first name of the staff member who wrote it.
    #[serde(default)]
    pub(super) sign_with_name: Option<bool>,
    /// Days in which a new message from the citizen reopens a ticket staff closed.
    #[serde(default)]
    pub(super) reopen_days: Option<u32>,
    /// Said when the citizen is handed to a person, in office hours.
    #[serde(default)]
    pub(super) opened: Option<Spanned<RawText>>,
    /// Said instead outside office hours.
    #[serde(default)]
    pub(super) outside_hours: Option<Spanned<RawText>>,
    /// Said once when nobody answered within the queue's time.
    #[serde(default)]
    pub(super) still_waiting: Option<Spanned<RawText>>,
    /// Said when the conversation with a person ends and the bot answers again.
    #[serde(default)]
    pub(super) closed: Option<Spanned<RawText>>,
    /// The button that ends it.
    #[serde(default)]
    pub(super) end_button: Option<Spanned<RawText>>,
    /// Said when a follow-up the bot cannot answer reopens a ticket staff closed.
    #[serde(default)]
    pub(super) reopened: Option<Spanned<RawText>>,
}

/// One queue of `handoff.queues`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawQueue {
    /// What staff and citizens call it.
    #[serde(default)]
    pub(super) name: Option<Spanned<RawText>>,
    /// The staff supergroup's chat id (else `SPORTELLO_STAFF_GROUP`).
    #[serde(default)]
    pub(super) group: Option<i64>,
    /// Office hours in Europe/Rome, as `lun-ven 09:00-17:00` (always open when unset).
    #[serde(default)]
    pub(super) hours: Option<Spanned<String>>,
    /// Office hours within which a first answer is due (default 4).
    #[serde(default)]
    pub(super) answer_within_hours: Option<u32>,
}

impl RawSettings {
    /// The bot's default language, as written (Italian when not).
    pub(super) fn default_lang(&self) -> &str {
        self.default_lang
            .as_ref()
            .map_or("it", |l| l.value.as_str())
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCommand {
    pub(super) command: Spanned<String>,
    #[serde(default)]
    pub(super) description: Option<Spanned<RawText>>,
    /// Other names, e.g. in English: `[help]` for `/aiuto`.
    #[serde(default)]
    pub(super) aliases: Vec<Spanned<String>>,
    pub(super) goto: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFallback {
    #[serde(default)]
    pub(super) faq: bool,
    #[serde(default)]
    pub(super) answer: Option<Spanned<RawText>>,
    pub(super) say: Spanned<RawText>,
    #[serde(default)]
    pub(super) error: Option<Spanned<RawText>>,
    /// Said when a conversation's state went away with a dialogue change.
    #[serde(default)]
    pub(super) updated: Option<Spanned<RawText>>,
    /// Asked over the close candidates of a message («Intendevi…?»).
    #[serde(default)]
    pub(super) did_you_mean: Option<Spanned<RawText>>,
    /// The button that refuses them all.
    #[serde(default)]
    pub(super) none_of_these: Option<Spanned<RawText>>,
    /// Said on the second miss in a row, before `contacts`.
    #[serde(default)]
    pub(super) again: Option<Spanned<RawText>>,
    /// The state offered on the second miss in a row (contacts, a person).
    #[serde(default)]
    pub(super) contacts: Option<Spanned<String>>,
    /// Said when a typed number has no button (`{n}`: how many there are).
    #[serde(default)]
    pub(super) out_of_range: Option<Spanned<RawText>>,
    /// The answer to thanks.
    #[serde(default)]
    pub(super) thanks: Option<Spanned<RawText>>,
    /// The answer to a goodbye.
    #[serde(default)]
    pub(super) bye: Option<Spanned<RawText>>,
    /// The answer to a photo, a voice note… without words, outside a conversation
    /// with a person.
    #[serde(default)]
    pub(super) attachment: Option<Spanned<RawText>>,
    /// Said once to a citizen whose reply waits long for Telegram's shared limit.
    #[serde(default)]
    pub(super) arriving: Option<Spanned<RawText>>,
    /// Examples of what the service does not answer.
    #[serde(default)]
    pub(super) off_topic: Option<Spanned<RawExamples>>,
}

/// A text that is either the same for everyone or written per language.
///
/// Per-language entries keep their own location, so a template error points at the
/// right line; a plain text takes the location of the `Spanned` around it.
#[derive(Debug)]
pub(super) enum RawText {
    Plain(String),
    /// A bare `yes`, `42` or `1.10`: YAML reads it as a bool or number; the loader takes
    /// the text exactly as written from the file.
    Scalar(String),
    ByLang(Vec<(String, Spanned<String>)>),
}

impl<'de> Deserialize<'de> for RawText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;

        impl<'de> Visitor<'de> for TextVisitor {
            type Value = RawText;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a text, or a text per language such as { it: ..., en: ... }")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawText, E> {
                Ok(RawText::Plain(v.to_owned()))
            }

            fn visit_bool<E: de::Error>(self, v: bool) -> Result<RawText, E> {
                Ok(RawText::Scalar(v.to_string()))
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawText, E> {
                Ok(RawText::Scalar(v.to_string()))
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawText, E> {
                Ok(RawText::Scalar(v.to_string()))
            }

            fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawText, E> {
                Ok(RawText::Scalar(v.to_string()))
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawText, A::Error> {
                let mut texts = Vec::new();
                while let Some((lang, text)) = map.next_entry::<String, Spanned<String>>()? {
                    texts.push((lang, text));
                }
                Ok(RawText::ByLang(texts))
            }
        }

        deserializer.deserialize_any(TextVisitor)
    }
}

/// A YAML mapping kept in file order (serde's maps lose it, and the order of states
/// is the order staff see in `graph` and diagnostics).
#[derive(Debug)]
pub(super) struct Entries<K, V>(pub(super) Vec<(K, V)>);

impl<K, V> Default for Entries<K, V> {
    fn default() -> Self {
        Entries(Vec::new())
    }
}

impl<'de, K: Deserialize<'de>, V: Deserialize<'de>> Deserialize<'de> for Entries<K, V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntriesVisitor<K, V>(PhantomData<(K, V)>);

        impl<'de, K: Deserialize<'de>, V: Deserialize<'de>> Visitor<'de> for EntriesVisitor<K, V> {
            type Value = Entries<K, V>;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(Entries(entries))
            }
        }

        deserializer.deserialize_map(EntriesVisitor(PhantomData))
    }
}

/// `do:` takes one action or a list of them.
#[derive(Debug)]
pub(super) struct OneOrMany<T>(pub(super) Vec<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OneOrManyVisitor<T>(PhantomData<T>);

        impl<'de, T: Deserialize<'de>> Visitor<'de> for OneOrManyVisitor<T> {
            type Value = OneOrMany<T>;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "an action such as { events: { category: maturita } }, or a list of them",
                )
            }

            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(OneOrMany(items))
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                let one = T::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(OneOrMany(vec![one]))
            }
        }

        deserializer.deserialize_any(OneOrManyVisitor(PhantomData))
    }
}
