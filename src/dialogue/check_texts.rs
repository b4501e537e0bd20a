//! Findings about what citizens will read, found before any citizen does: answers
//! read but never collected, templates that fail with realistic values (an unknown
//! filter, a number filter on free text), texts missing in one of the bot's
//! languages, and Italian that is hard to read (the Gulpease index).

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use chrono::{Datelike, TimeZone, Utc};
use minijinja::Value;
use serde_json::json;

use super::diagnostic::{Diagnostic, Position, Report};
use super::expect::Expect;
use super::model::successors;
use super::model::{Dialogues, StateId};
use super::suggest::did_you_mean_tails;
use super::template;
use super::template::TemplateSite;
use crate::say;
use crate::staff_language::{Message, StaffLanguage};

/// Below this Gulpease index an Italian text is hard for a reader with a middle-school
/// education (the index's own scale: 60 and over reads easily).
const GULPEASE_HARD: f64 = 60.0;
/// Words a text needs before its index means something.
const GULPEASE_MIN_WORDS: usize = 15;
/// Below this Flesch Reading Ease an English text is "fairly difficult" on the scale's
/// own bands (60 and over is plain English); 50 keeps short factual texts quiet.
const FLESCH_HARD: f64 = 50.0;
/// Words in a sentence past which it is long for a citizen on a phone.
const LONG_SENTENCE: usize = 25;
/// A citizen's free-text answer, as a template sees it.
const SAMPLE_TEXT: &str = "una risposta scritta dal cittadino";

/// Adds the findings about texts and the answers they read.
pub(super) fn lint_texts(d: &Dialogues, sites: &[TemplateSite], report: &mut Report) {
    let slots = Collected::new(d);
    let mut samples = Samples::new(d);
    for site in sites {
        let state = state_of(d, &site.name);
        let mut reported = false;
        for slot in slots_read(&d.templates.reads(&site.name)) {
            let what = Message::new("this text", "questo testo");
            reported |= slots.check(d, &what, &site.position, state, &slot, report);
        }
        if !reported {
            render_with_samples(d, &mut samples, site, state, report);
        }
    }
    for (id, state) in d.states.iter().enumerate() {
        for branch in state.goto.iter().flat_map(|g| &g.branches) {
            let reads = d.templates.expression_reads(&branch.condition);
            for slot in slots_read(&reads.unwrap_or_default()) {
                let at = Some(StateId(id as u32));
                let what = Message::new("this condition", "questa condizione");
                slots.check(d, &what, &branch.position, at, &slot, report);
            }
        }
    }
    lint_translations(d, sites, report);
}

/// Where slots are collected, and where a citizen may be after answering them.
struct Collected {
    /// Every slot an `ask` collects, with the states that ask it.
    asks: BTreeMap<String, Vec<StateId>>,
    /// For each slot, the states a citizen may reach after answering it.
    reach: HashMap<String, BTreeSet<StateId>>,
}

impl Collected {
    fn new(d: &Dialogues) -> Collected {
        let asks = collected_slots(d);
        let reach = slots_on_the_way(d, &asks);
        Collected { asks, reach }
    }

    /// Reports `slot`, read by `what` (in both languages) at `position` in `state`, when
    /// no `ask` collects it (an error; true) or no way into the state passes one that
    /// does (a warning).
    fn check(
        &self,
        d: &Dialogues,
        what: &Message,
        position: &Position,
        state: Option<StateId>,
        slot: &str,
        report: &mut Report,
    ) -> bool {
        let cosa = what.in_language(StaffLanguage::Italian);
        let what = &what.english;
        let Some(askers) = self.asks.get(slot) else {
            let names: Vec<&str> = self.asks.keys().map(String::as_str).collect();
            let (hint, forse) = did_you_mean_tails(slot, &names);
            let (known, noti) = if names.is_empty() {
                (
                    "no `ask` collects any".to_owned(),
                    "nessun `ask` ne raccoglie".to_owned(),
                )
            } else {
                let names = names.join(", ");
                (format!("collected: {names}"), format!("raccolti: {names}"))
            };
            report.push(Diagnostic::error(
                position.clone(),
                say!(
                    "{what} reads `slots.{slot}`, but no `ask` collects `{slot}`{hint} ({known}); a citizen would see it empty",
                    "{cosa} legge `slots.{slot}`, ma nessun `ask` raccoglie `{slot}`{forse} ({noti}): il cittadino lo vedrebbe vuoto"
                ),
            ));
            return true;
        };
        let Some(id) = state else {
            return false;
        };
        let on_the_way = self.reach.get(slot).is_some_and(|r| r.contains(&id));
        if !on_the_way && !asked_here(d, id, slot) {
            let asked_in: Vec<&str> = askers
                .iter()
                .map(|s| d.state(*s).qualified.as_str())
                .collect();
            let (state, asked_in) = (&d.state(id).qualified, asked_in.join(", "));
            let che = if askers.len() > 1 {
                "che lo raccolgono"
            } else {
                "che lo raccoglie"
            };
            report.push(Diagnostic::warning(
                position.clone(),
                say!(
                    "{what} reads `slots.{slot}`, but no way into `{state}` passes through {asked_in}, which collects it: a citizen arriving here may see it empty",
                    "{cosa} legge `slots.{slot}`, ma nessuna strada verso `{state}` passa da {asked_in}, {che}: un cittadino che arriva qui potrebbe vederlo vuoto"
                ),
            ));
        }
        false
    }
}

/// Every slot an `ask` collects, with the states that ask it.
fn collected_slots(d: &Dialogues) -> BTreeMap<String, Vec<StateId>> {
    let mut asks: BTreeMap<String, Vec<StateId>> = BTreeMap::new();
    for (id, state) in d.states.iter().enumerate() {
        if let Some(ask) = &state.ask {
            asks.entry(ask.slot.clone())
                .or_default()
                .push(StateId(id as u32));
        }
    }
    asks
}

/// For each slot, the states a citizen may reach after answering it, by any edge.
fn slots_on_the_way(
    d: &Dialogues,
    asks: &BTreeMap<String, Vec<StateId>>,
) -> HashMap<String, BTreeSet<StateId>> {
    let mut reach = HashMap::new();
    for (slot, states) in asks {
        let mut seen: BTreeSet<StateId> = BTreeSet::new();
        let mut queue: VecDeque<StateId> = states
            .iter()
            .filter_map(|s| d.state(*s).goto.as_ref())
            .flat_map(|g| g.targets())
            .collect();
        while let Some(id) = queue.pop_front() {
            if seen.insert(id) {
                queue.extend(successors(d, id));
            }
        }
        reach.insert(slot.clone(), seen);
    }
    reach
}

/// The state a template belongs to, from its name (`flow.state#say.it`).
fn state_of(d: &Dialogues, name: &str) -> Option<StateId> {
    name.split_once('#').and_then(|(state, _)| d.find(state))
}

/// The slot names among the paths a template reads (`slots.anno` → `anno`).
fn slots_read(paths: &std::collections::HashSet<String>) -> BTreeSet<String> {
    paths
        .iter()
        .filter_map(|p| p.strip_prefix("slots."))
        .map(|rest| rest.split('.').next().unwrap_or(rest).to_owned())
        .collect()
}

/// Whether the state itself asks for `slot` (its retry text may show the last try).
fn asked_here(d: &Dialogues, id: StateId, slot: &str) -> bool {
    d.state(id).ask.as_ref().is_some_and(|a| a.slot == slot)
}

/// Renders a template with values like a citizen's; a failure is an error at the
/// template, with the values that made it fail.
fn render_with_samples(
    d: &Dialogues,
    samples: &mut Samples,
    site: &TemplateSite,
    state: Option<StateId>,
    report: &mut Report,
) {
    let lang = language_of(&site.name).unwrap_or(&d.settings.default_lang);
    let context = samples.context(d, lang);
    match d.templates.render(&site.name, context) {
        Ok(text) => readability(&text, lang, site, report),
        Err(err) => {
            let reason = template::reason(&err);
            let detail = &reason.english;
            let motivo = reason.in_language(StaffLanguage::Italian);
            let suspects: Vec<String> = slots_read(&d.templates.reads(&site.name))
                .into_iter()
                .filter(|s| samples.free_text.contains(s))
                .collect();
            let (why, perche) = if suspects.is_empty() {
                (String::new(), String::new())
            } else {
                let list: Vec<String> = suspects.iter().map(|s| format!("`slots.{s}`")).collect();
                let list = list.join(", ");
                let (holds, its) = if suspects.len() > 1 {
                    ("contengono", "ai loro `ask`")
                } else {
                    ("contiene", "al suo `ask`")
                };
                (
                    format!(
                        "; {list} holds whatever the citizen wrote («{SAMPLE_TEXT}»): give its `ask` an `expect` such as `year` or `number` to keep a number"
                    ),
                    format!(
                        "; {list} {holds} quello che ha scritto il cittadino («{SAMPLE_TEXT}»): per avere un numero, dai {its} un `expect` come `year` o `number`"
                    ),
                )
            };
            let place =
                state.map_or_else(String::new, |s| format!(" in `{}`", d.state(s).qualified));
            report.push(Diagnostic::error(
                site.position.clone(),
                say!(
                    "this text fails when shown{place}: {detail}{why}",
                    "questo testo va in errore quando viene mostrato{place}: {motivo}{perche}"
                ),
            ));
        }
    }
}

/// The language of a template from its name (`…#say.en` → `en`).
fn language_of(name: &str) -> Option<&str> {
    let (_, field) = name.rsplit_once('#').or_else(|| name.split_once('@'))?;
    field.rsplit_once('.').map(|(_, lang)| lang)
}

/// Contexts with every name a template may read, holding values like the real ones:
/// the slots as their `expect` keeps them, one event, one news item, one FAQ. Built
/// once per language.
struct Samples {
    /// Each slot's sample value.
    slots: serde_json::Map<String, serde_json::Value>,
    /// The slots that hold whatever the citizen wrote.
    free_text: BTreeSet<String>,
    /// The context of each language seen so far.
    contexts: HashMap<String, Value>,
}

impl Samples {
    fn new(d: &Dialogues) -> Samples {
        let mut slots = serde_json::Map::new();
        let mut free_text = BTreeSet::new();
        for state in &d.states {
            let Some(ask) = &state.ask else { continue };
            let value = match &ask.expect {
                Some(Expect::Year) => json!(2008),
                Some(Expect::Number) => json!(18),
                Some(Expect::Date) => json!("2008-03-15"),
                Some(Expect::YesNo) => json!(true),
                Some(Expect::Email) => json!("nome@esempio.it"),
                Some(Expect::Phone) => json!("+390612345678"),
                Some(Expect::Choice(choices)) => {
                    json!(choices.first().map_or("", |c| c.value.as_str()))
                }
                Some(Expect::Pattern(_)) | None => {
                    free_text.insert(ask.slot.clone());
                    json!(SAMPLE_TEXT)
                }
            };
            slots.insert(ask.slot.clone(), value);
        }
        Samples {
            slots,
            free_text,
            contexts: HashMap::new(),
        }
    }

    /// The context for texts in `lang`.
    fn context(&mut self, d: &Dialogues, lang: &str) -> &Value {
        let slots = &self.slots;
        self.contexts
            .entry(lang.to_owned())
            .or_insert_with(|| sample_context(d, lang, slots))
    }
}

/// The sample context in `lang`, around the sample `slots`.
fn sample_context(
    d: &Dialogues,
    lang: &str,
    slots: &serde_json::Map<String, serde_json::Value>,
) -> Value {
    let topics: BTreeMap<&str, &str> = d
        .settings
        .topics
        .iter()
        .map(|t| (t.key.as_str(), t.name.get(lang, &d.settings.default_lang)))
        .collect();
    let first_topic = d.settings.topics.first().map_or("", |t| t.key.as_str());
    let when = "2027-06-18T06:30:00+00:00";
    let now = Utc
        .with_ymd_and_hms(2027, 1, 15, 9, 0, 0)
        .single()
        .unwrap_or_default();
    let context = json!({
        "slots": slots,
        "lang": lang,
        "topics": topics,
        "now": now.to_rfc3339(),
        "today": now.date_naive().to_string(),
        "year": now.year(),
        "events": [{
            "key": "esempio", "category": "esempio", "title": "Prima prova scritta",
            "starts_at": when, "ends_at": when, "place": "Nella propria scuola",
            "details": "Dalle 8:30", "link": "https://www.mim.gov.it", "valid_until": when,
        }],
        "news": [{
            "key": "esempio", "title": "Una notizia", "body": "Il testo della notizia.",
            "topics": [first_topic], "link": "https://www.mim.gov.it",
            "published_at": when, "expires_at": null, "author": null,
        }],
        "faq": {
            "key": "esempio", "question": "Una domanda?", "answer": "Una risposta.",
            "keywords": [], "lang": lang, "examples": [],
        },
        "subscriptions": [first_topic],
        "erased": { "at": when, "sessions": 1, "subscriptions": 1, "transcripts": 4, "deliveries": 0, "tickets": 0, "reminders": 1 },
        "event": {
            "key": "esempio", "category": "esempio", "title": "Prima prova scritta",
            "starts_at": when, "ends_at": when, "place": "Nella propria scuola",
            "details": "Dalle 8:30", "link": "https://www.mim.gov.it", "valid_until": when,
        },
        // `reminder` in a `remind` state (set, too_late) and in what the scheduler
        // sends (remind_at).
        "reminder": {
            "set": [{ "key": "esempio", "title": "Prima prova scritta", "starts_at": when,
                      "place": "Nella propria scuola", "remind_at": when }],
            "too_late": [],
            "remind_at": when,
        },
        "reminders": [{ "id": 1, "event_key": "esempio", "title": "Prima prova scritta",
                        "starts_at": when, "remind_at": when }],
        "handoff": { "queue": "Ufficio relazioni con il pubblico", "open": true },
    });
    Value::from_serialize(&context)
}

/// How hard a citizen's text is to read, as warnings: Italian by the Gulpease index
/// and its long sentences, English by the Flesch Reading Ease (the `textstat` crate
/// counts syllables with its English heuristic); other languages are not judged.
fn readability(text: &str, lang: &str, site: &TemplateSite, report: &mut Report) {
    let plain = strip_markup(text);
    let warn = |report: &mut Report, message: Message| {
        report.push(Diagnostic::warning(site.position.clone(), message));
    };
    if lang == "it"
        && let Some(long) = sentences(&plain).find(|s| word_count(s) > LONG_SENTENCE)
    {
        let count = word_count(long);
        let start: Vec<&str> = long.split_whitespace().take(6).collect();
        let start = start.join(" ");
        warn(
            report,
            say!(
                "a sentence of {count} words («{start}…»): past {LONG_SENTENCE} it is hard to follow on a phone; split it",
                "una frase di {count} parole («{start}…»): oltre le {LONG_SENTENCE} parole sul telefono si segue a fatica; dividila"
            ),
        );
    }
    if word_count(&plain) < GULPEASE_MIN_WORDS {
        return;
    }
    match lang {
        "it" => {
            let index = gulpease(&plain);
            if index < GULPEASE_HARD {
                warn(
                    report,
                    say!(
                        "hard to read: Gulpease index {index:.0} (60 and over reads easily for most citizens); use shorter sentences and shorter, common words",
                        "difficile da leggere: indice Gulpease {index:.0} (da 60 in su si legge facilmente per la maggior parte dei cittadini); usa frasi più brevi e parole più corte e comuni"
                    ),
                );
            }
        }
        "en" => {
            // Each line is a sentence, as for Gulpease: a list item has no full stop.
            let sentences: Vec<&str> = sentences(&plain).collect();
            let ease = textstat::flesch_reading_ease(&format!("{}.", sentences.join(". ")));
            if ease < FLESCH_HARD {
                warn(
                    report,
                    say!(
                        "hard to read: Flesch Reading Ease {ease:.0} (60 and over is plain English); use shorter sentences and shorter, common words",
                        "testo inglese difficile da leggere: indice Flesch {ease:.0} (da 60 in su è inglese semplice); usa frasi più brevi e parole più corte e comuni"
                    ),
                );
            }
        }
        _ => {}
    }
}

/// Gulpease: 89 + (300 × sentences − 10 × letters) / words.
pub fn gulpease(text: &str) -> f64 {
    let words = word_count(text);
    if words == 0 {
        return 100.0;
    }
    let letters = text.chars().filter(|c| c.is_alphanumeric()).count();
    let sentences = sentences(text).count().max(1);
    89.0 + (300.0 * sentences as f64 - 10.0 * letters as f64) / words as f64
}

/// The sentences of a text, as the Gulpease index counts them.
fn sentences(text: &str) -> impl Iterator<Item = &str> {
    text.split(['.', '!', '?', ';', '\n'])
        .filter(|s| s.chars().any(char::is_alphanumeric))
}

/// The words of a text (emoji and dashes alone are none).
fn word_count(text: &str) -> usize {
    text.split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count()
}

/// Text without HTML tags and entities, as a citizen reads it.
fn strip_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    html_escape::decode_html_entities(&out).into_owned()
}

/// Texts written in some of the bot's languages and not in others: the citizen
/// would read the flow's language instead, without a word said.
fn lint_translations(d: &Dialogues, sites: &[TemplateSite], report: &mut Report) {
    if d.settings.languages.len() < 2 {
        return;
    }
    let mut by_text: BTreeMap<&str, (Vec<&str>, &TemplateSite)> = BTreeMap::new();
    for site in sites {
        let Some(lang) = language_of(&site.name) else {
            continue;
        };
        let base = &site.name[..site.name.len() - lang.len() - 1];
        by_text
            .entry(base)
            .or_insert_with(|| (Vec::new(), site))
            .0
            .push(lang);
    }
    for (base, (langs, site)) in by_text {
        let Some(missing) = missing_languages(d, &langs) else {
            continue;
        };
        let what = base.split_once('#').map_or(
            base,
            |(state, field)| {
                if state.is_empty() { field } else { state }
            },
        );
        let shown = langs.first().copied().unwrap_or("");
        report.push(Diagnostic::warning(
            site.position.clone(),
            say!(
                "`{what}` has no text in {missing}: those citizens will read it in `{shown}`",
                "`{what}` non ha il testo in {missing}: quei cittadini lo leggeranno in `{shown}`"
            ),
        ));
    }
    for state in &d.states {
        for button in &state.buttons {
            let written: Vec<&str> = button.label.0.iter().map(|(l, _)| l.as_str()).collect();
            if let Some(missing) = missing_languages(d, &written) {
                let label = button
                    .label
                    .get(&d.settings.default_lang, &d.settings.default_lang);
                let state = &state.qualified;
                report.push(Diagnostic::warning(
                    button.position.clone(),
                    say!(
                        "the button «{label}» of `{state}` has no label in {missing}",
                        "il pulsante «{label}» di `{state}` non ha l'etichetta in {missing}"
                    ),
                ));
            }
        }
    }
}

/// The bot's languages not among `written`, quoted for a finding (`` `en`, `fr` ``).
fn missing_languages(d: &Dialogues, written: &[&str]) -> Option<String> {
    let missing: Vec<String> = d
        .settings
        .languages
        .iter()
        .filter(|l| !written.contains(&l.as_str()))
        .map(|l| format!("`{l}`"))
        .collect();
    (!missing.is_empty()).then(|| missing.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flesch_tells_plain_english_from_hard_english() {
        let plain = textstat::flesch_reading_ease(
            "The test is on 18 June. Bring an ID card. Come early. The room opens at eight.",
        );
        let hard = textstat::flesch_reading_ease(
            "Candidates experiencing documented incapacitation notwithstanding institutional accommodation procedures should communicate immediately with administrative representatives.",
        );
        assert!(plain >= 60.0 && hard < FLESCH_HARD, "{plain} {hard}");
    }

    #[test]
    fn gulpease_rewards_short_sentences_and_words() {
        let easy = gulpease("La prova è il 18 giugno. Porta un documento. Arriva presto.");
        let hard = gulpease(
            "Conformemente alle disposizioni ministeriali precedentemente richiamate, l'amministrazione scolastica provvederà all'individuazione dei candidati.",
        );
        assert!(easy > 60.0, "{easy}");
        assert!(hard < 40.0, "{hard}");
    }

    #[test]
    fn markup_is_not_read() {
        assert_eq!(
            strip_markup("<b>Ciao</b> &amp; benvenuto"),
            "Ciao & benvenuto"
        );
    }

    #[test]
    fn template_names_carry_their_language() {
        assert_eq!(language_of("main.menu#say.en"), Some("en"));
        assert_eq!(language_of("@fallback#say.it"), Some("it"));
        assert_eq!(language_of("@news.it"), Some("it"));
        assert_eq!(language_of("main.menu#faq0"), None);
    }
}
