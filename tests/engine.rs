//! The engine through a conversation over in-memory stores, on the fixture dialogues.

mod common;

use common::{Citizen, at, basic_content, fixture, load};
use sportello::engine::{self, Answers, Inbound, Input, Session, Step};
use sportello::store::CitizenStore;

#[tokio::test]
async fn start_shows_the_main_menu_with_buttons() {
    let mut citizen = Citizen::basic();
    let said = citizen.send("/start").await;
    assert!(said.contains("Ciao! Come posso aiutarti?"), "{said}");
    assert_eq!(citizen.buttons(), ["📅 Maturità", "Iscriviti", "Nome"]);
    assert_eq!(citizen.state(), "main.menu");
}

#[tokio::test]
async fn number_label_and_press_are_the_same_choice() {
    let mut by_number = Citizen::basic();
    by_number.send("/start").await;
    let a = by_number.send("1").await;
    let mut by_label = Citizen::basic();
    by_label.send("/start").await;
    let b = by_label.send("maturita").await;
    let mut by_press = Citizen::basic();
    by_press.send("/start").await;
    let c = by_press.press("Maturità").await;
    assert!(a.contains("mercoledì 16 giugno 2027, ore 8:30"), "{a}");
    assert_eq!(a, b);
    assert_eq!(a, c);
}

#[tokio::test]
async fn a_goto_chain_shows_each_message_and_ends_waiting_at_the_menu() {
    let mut citizen = Citizen::basic();
    citizen.send("/start").await;
    let turn = citizen.input(Input::from_text("1")).await;
    assert_eq!(turn.replies.len(), 2);
    assert!(turn.replies[0].buttons.is_empty());
    assert_eq!(turn.replies[1].buttons.len(), 3);
    assert_eq!(citizen.state(), "main.menu");
}

#[tokio::test]
async fn free_text_tries_state_rules_then_intents_then_faq_then_fallback() {
    let mut citizen = Citizen::basic();
    citizen.send("/start").await;
    // The state's own rule.
    assert!(
        citizen
            .send("date della maturità?")
            .await
            .contains("Prima prova")
    );
    // A global intent.
    assert!(
        citizen
            .send("quando è la prima prova?")
            .await
            .contains("mercoledì 16 giugno 2027")
    );
    // The FAQ.
    let said = citizen.send("quando esce il bando di medicina?").await;
    assert!(
        said.contains("Il bando esce di solito in primavera."),
        "{said}"
    );
    assert_eq!(
        citizen.buttons().len(),
        3,
        "a FAQ answer keeps the options on offer"
    );
    // Nothing fits: a kind fallback that repeats the options.
    let turn = citizen.input(Input::from_text("xyzzy")).await;
    assert!(!turn.understood);
    assert!(common::said(&turn).contains("Non ho capito."));
    assert_eq!(citizen.buttons(), ["📅 Maturità", "Iscriviti", "Nome"]);
}

#[tokio::test]
async fn global_commands_work_from_any_state_and_deep_links_enter_flows() {
    let mut citizen = Citizen::basic();
    citizen.send("/start").await;
    citizen.send("Nome").await;
    assert_eq!(citizen.state(), "main.nome");
    citizen.send("/menu").await;
    assert_eq!(citizen.state(), "main.menu");
    let said = citizen.send("/start maturita").await;
    assert!(said.contains("Prossime prove"), "{said}");
    let said = citizen.send("/start@ProvaBot nonesiste").await;
    assert!(
        said.contains("Ciao!"),
        "an unknown deep link falls back to /start: {said}"
    );
    let turn = citizen.input(Input::from_text("/sconosciuto")).await;
    assert!(!turn.understood);
}

#[tokio::test]
async fn ask_collects_a_slot_retries_then_escapes() {
    let mut citizen = Citizen::basic();
    citizen.send("/start").await;
    assert!(citizen.send("3").await.contains("Come ti chiami?"));
    assert!(citizen.send("42").await.contains("Scrivi solo il nome"));
    assert_eq!(citizen.state(), "main.nome");
    assert!(citizen.send("Giulia").await.contains("Piacere, Giulia!"));
    assert_eq!(citizen.state(), "main.menu");

    citizen.send("3").await;
    assert!(
        citizen.send("?").await.contains("Scrivi solo il nome"),
        "punctuation is an answer too"
    );
    let said = citizen.send("2").await;
    assert!(
        said.contains("Ciao! Come posso aiutarti?"),
        "max_tries reached: escape to the menu: {said}"
    );
}

#[tokio::test]
async fn an_unknown_command_during_ask_asks_again_instead_of_offering_a_menu() {
    let mut citizen = Citizen::basic();
    citizen.send("/start").await;
    citizen.send("Nome").await;
    let said = citizen.send("/boh").await;
    assert!(
        said.contains("Non ho capito.") && said.contains("Come ti chiami?"),
        "{said}"
    );
    assert!(citizen.buttons().is_empty());
    assert!(citizen.send("Anna").await.contains("Piacere, Anna!"));
}

#[tokio::test]
async fn subscribing_is_stored_and_shown() {
    let mut citizen = Citizen::basic();
    citizen.send("/start").await;
    let said = citizen.send("Iscriviti").await;
    assert!(said.contains("Iscritto a: Esame di Stato"), "{said}");
    let topics = citizen
        .conversation
        .citizens()
        .topics(&citizen.key)
        .await
        .unwrap_or_default();
    assert_eq!(topics, ["maturita"]);
}

#[tokio::test]
async fn erase_forgets_the_citizen() {
    let mut citizen = Citizen::basic();
    citizen.send("/start").await;
    citizen.send("Iscriviti").await;
    let said = citizen.send("/cancella").await;
    // The receipt: one subscription, and the transcript of the two turns before
    // (in + menu, in + confirmation + menu: 5 lines).
    assert!(
        said.contains("Dati cancellati. Iscrizioni: 1, messaggi: 5."),
        "{said}"
    );
    assert!(
        citizen
            .conversation
            .citizens()
            .transcript(&citizen.key)
            .is_empty(),
        "the erase turn is not logged"
    );
    let topics = citizen
        .conversation
        .citizens()
        .topics(&citizen.key)
        .await
        .unwrap_or_default();
    assert!(topics.is_empty());
    // The next message starts a new conversation at the main menu.
    assert!(citizen.send("buongiorno").await.contains("Ciao!"));
}

#[tokio::test]
async fn transcripts_keep_both_sides_and_flag_what_was_not_understood() {
    let mut citizen = Citizen::basic();
    citizen.send("/start").await;
    citizen.send("xyzzy").await;
    let lines = citizen.conversation.citizens().transcript(&citizen.key);
    let summary: Vec<(&str, &str, bool)> = lines
        .iter()
        .map(|l| (l.direction, l.body.as_str(), l.understood))
        .collect();
    assert_eq!(summary[0], ("in", "/start", true));
    assert_eq!(summary[1].0, "out");
    assert_eq!(summary[2], ("in", "xyzzy", false));
    assert_eq!(lines[2].state, "main.menu");
}

#[tokio::test]
async fn replies_follow_the_citizens_language_with_fallback() {
    let mut citizen = Citizen::basic();
    citizen.lang = "en".into();
    let said = citizen.send("/start").await;
    assert!(said.contains("Hi! How can I help?"), "{said}");
    assert_eq!(citizen.buttons()[0], "📅 State exam");
    // Written only in Italian: falls back to the flow's language.
    assert_eq!(citizen.buttons()[1], "Iscriviti");
    let said = citizen.send("State exam").await;
    assert!(said.contains("Wednesday 16 June 2027, 8:30"), "{said}");
    // An unsupported language gets the default.
    let mut other = Citizen::basic();
    other.lang = "xx".into();
    assert!(other.send("/start").await.contains("Ciao!"));
}

#[tokio::test]
async fn expired_events_are_never_shown_as_upcoming() {
    let mut citizen = Citizen::basic();
    citizen.now = at("2027-06-16T12:00:00Z");
    let said = citizen.send("/start maturita").await;
    assert!(!said.contains("Prima prova"), "{said}");
    assert!(said.contains("Seconda prova"), "{said}");
    citizen.now = at("2027-07-01T12:00:00Z");
    assert!(
        citizen
            .send("/start maturita")
            .await
            .contains("Nessuna prova in calendario.")
    );
}

#[tokio::test]
async fn hostile_or_odd_citizen_text_is_plain_text() {
    let mut citizen = Citizen::basic();
    citizen.send("/start").await;
    citizen.send("Nome").await;
    // Looks like a template: stored and shown as typed, never evaluated, escaped.
    citizen.send("/menu").await;
    citizen.send("3").await;
    let turn = citizen.input(Input::from_text("{{ 7*7 }}")).await;
    assert!(!common::said(&turn).contains("49"));
    for odd in [
        "a".repeat(10_000),
        "🎓🎓🎓 ✨".to_owned(),
        "\u{202E}ابحث عن موعد الامتحان\u{202C}".to_owned(),
        "\u{200B}\u{200D}\u{FEFF}".to_owned(),
        "<script>alert(1)</script>".to_owned(),
        "'; DROP TABLE sessions; --".to_owned(),
    ] {
        let turn = citizen.input(Input::from_text(&odd)).await;
        assert!(!turn.replies.is_empty(), "always an answer");
        let said = common::said(&turn);
        assert!(!said.contains("<script>"), "{said}");
    }
}

#[tokio::test]
async fn slot_values_keep_every_letter() {
    let mut citizen = Citizen::basic();
    citizen.send("/start").await;
    citizen.send("Nome").await;
    let said = citizen.send("Ŧomàs").await;
    assert!(said.contains("Piacere, Ŧomàs!"), "{said}");
}

#[test]
fn the_engine_is_a_pure_function_that_asks_for_data() {
    let d = load(&fixture("basic"));
    let session = Session::new("it");
    let inbound = Inbound {
        at: at("2027-01-15T08:00:00Z"),
        input: Input::from_text("/start maturita"),
    };
    let mut answers = Answers::default();
    let Step::Fetch(query) = engine::step(&d, &no_faqs(&d), &session, &inbound, &answers) else {
        panic!("the dates state needs events first")
    };
    assert_eq!(
        query,
        engine::Query::Events {
            category: "maturita".into(),
            limit: 10
        }
    );
    answers.insert(query, engine::Answer::Events(basic_content().events));
    let first = engine::step(&d, &no_faqs(&d), &session, &inbound, &answers);
    let second = engine::step(&d, &no_faqs(&d), &session, &inbound, &answers);
    assert_eq!(first, second, "same inputs, same turn");
    let Step::Done(turn) = first else {
        panic!("all data given")
    };
    assert!(turn.replies[0].text.contains("Prima prova"));
}

#[test]
fn a_long_goto_chain_stops_at_the_step_limit() {
    let d = load(&fixture("chain"));
    let session = Session::new("it");
    let inbound = Inbound {
        at: at("2027-01-15T08:00:00Z"),
        input: Input::from_text("/start"),
    };
    let Step::Done(turn) = engine::step(&d, &no_faqs(&d), &session, &inbound, &Answers::default())
    else {
        panic!("no data needed")
    };
    assert_eq!(turn.visited.len(), 3, "step_limit: 3");
    assert!(!turn.problems.is_empty());
    assert!(common::said(&turn).contains("Qualcosa è andato storto."));
    assert_eq!(
        turn.session.state, "main.menu",
        "back to the menu, no dead end"
    );
}

#[test]
fn a_template_failing_at_runtime_says_the_error_text() {
    let d = load(&fixture("chain"));
    let session = Session {
        state: "main.menu".into(),
        ..Session::new("it")
    };
    let inbound = Inbound {
        at: at("2028-01-15T08:00:00Z"),
        input: Input::from_text("data"),
    };
    let Step::Done(turn) = engine::step(&d, &no_faqs(&d), &session, &inbound, &Answers::default())
    else {
        panic!("no data needed")
    };
    assert!(common::said(&turn).contains("Qualcosa è andato storto."));
    assert!(turn.problems.iter().any(|p| p.contains("main.bad_date")));
}

/// No FAQs: the engine tests here are about states and data.
fn no_faqs(d: &sportello::dialogue::Dialogues) -> sportello::understand::FaqIndex {
    sportello::understand::FaqIndex::empty(&d.understanding.analyzer)
}

#[tokio::test]
async fn any_text_gets_an_answer_and_never_an_error() {
    let dialogues = sportello::dialogue::load(&sportello::dialogue::bundled_files());
    let Some(d) = dialogues.0 else {
        panic!("bundled dialogues: {}", dialogues.1.render_text())
    };
    let content =
        sportello::content::ContentFile::demo().unwrap_or_else(|e| panic!("demo content: {e:?}"));
    let mut citizen = Citizen::new(std::sync::Arc::new(d), content);
    let long = "medicina quando ".repeat(700);
    for text in [
        long.as_str(),
        "😂😂😂🔥🔥",
        "\u{200f}\u{202e}مرحبا بكم\u{200b}\u{2066}",
        "\0\0nul\0",
        "<b>grassetto</b><script>alert(1)</script>",
        "{{ slots.x }}{% for a in b %}{# c #}",
        "ǅ ﬁ ℌ 𝔐𝔞𝔱𝔲𝔯𝔦𝔱𝔞",
        "?!?!?!",
        "9999999999999999999999999",
        "a",
    ] {
        let said = citizen.send(text).await;
        assert!(!said.trim().is_empty(), "{text:?} got no answer");
        assert!(
            !said.contains("Qualcosa è andato storto"),
            "{text:?}: {said}"
        );
    }
}

fn examples_citizen(now: &str) -> Citizen {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/examples");
    let mut citizen = Citizen::new(load(&dir), basic_content());
    citizen.now = at(now);
    citizen
}

#[tokio::test]
async fn a_typed_answer_is_read_out_of_the_sentence_and_stored_typed() {
    let mut citizen = examples_citizen("2026-12-02T09:00:00Z");
    citizen.send("/start").await;
    citizen.send("carta iostudio").await;
    citizen.press("Posso averla?").await;
    let said = citizen.send("sono del 2009").await;
    assert!(said.contains("Frequenti una scuola superiore"), "{said}");
    assert_eq!(citizen.slots().get("anno"), Some(&serde_json::json!(2009)));
    citizen.send("sì certo").await;
    assert_eq!(
        citizen.slots().get("iscritto"),
        Some(&serde_json::json!(true))
    );
}

#[tokio::test]
async fn conditions_and_ranges_follow_the_date_of_the_message() {
    // Born in 2009: a student in 2026, past the card's age in 2031.
    let mut now = examples_citizen("2026-12-02T09:00:00Z");
    now.send("carta iostudio").await;
    now.press("Posso averla?").await;
    assert!(now.send("2009").await.contains("Frequenti"));

    let mut later = examples_citizen("2031-03-01T09:00:00Z");
    later.send("carta iostudio").await;
    later.press("Posso averla?").await;
    let said = later.send("2009").await;
    assert!(said.contains("prima del 2011"), "{said}");
    let said = {
        later.send("carta iostudio").await;
        later.press("Posso averla?").await;
        later.send("1999").await
    };
    assert!(said.contains("Deve essere tra 2001 e 2021."), "{said}");
    assert_eq!(
        later.state(),
        "iostudio.anno",
        "a refused answer asks again"
    );
}

/// The basic fixture's dialogues, with `off_topic` examples added to the fallback.
fn basic_with_off_topic(off_topic: &str) -> std::sync::Arc<sportello::dialogue::Dialogues> {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let source = common::fixture("basic");
    for entry in std::fs::read_dir(&source).into_iter().flatten().flatten() {
        let _ = std::fs::copy(entry.path(), dir.path().join(entry.file_name()));
    }
    let settings = dir.path().join("sportello.yaml");
    let text = std::fs::read_to_string(&settings).unwrap_or_default();
    let edited = text.replacen(
        "fallback:\n",
        &format!("fallback:\n  off_topic: {off_topic}\n"),
        1,
    );
    std::fs::write(&settings, edited).unwrap_or_else(|e| panic!("{e}"));
    common::load(dir.path())
}

#[tokio::test]
async fn a_question_closer_to_an_off_topic_example_gets_the_fallback_not_a_near_answer() {
    let asked = "bando test patente";
    // Without off-topic examples the shared words win: the medicine call's FAQ.
    let mut plain = Citizen::new(basic_with_off_topic("[]"), common::basic_content());
    plain.send("/start").await;
    let said = plain.send(asked).await;
    assert!(said.contains("Il bando esce"), "{said}");

    let d = basic_with_off_topic("{ it: [quiz della patente, test della patente di guida] }");
    let mut citizen = Citizen::new(d, common::basic_content());
    citizen.send("/start").await;
    let turn = citizen.input(Input::from_text(asked)).await;
    assert!(!turn.understood, "{}", common::said(&turn));
    assert!(common::said(&turn).contains("Non ho capito."));
    // What the service answers still is.
    let said = citizen.send("quando esce il bando di medicina?").await;
    assert!(said.contains("Il bando esce"), "{said}");
}

#[tokio::test]
async fn a_part_sharing_our_words_does_not_make_an_off_topic_message_ours() {
    let dialogues = sportello::dialogue::load(&sportello::dialogue::bundled_files());
    let Some(d) = dialogues.0 else {
        panic!("bundled dialogues: {}", dialogues.1.render_text())
    };
    let content =
        sportello::content::ContentFile::demo().unwrap_or_else(|e| panic!("demo content: {e:?}"));
    let mut citizen = Citizen::new(std::sync::Arc::new(d), content);
    citizen.send("/start").await;
    // The whole is an off-topic example; its second sentence alone reads as the
    // admission menu ("università"): that may be offered, never answered.
    citizen
        .send("Come si diventa insegnante di sostegno? Che corso all'università bisogna fare?")
        .await;
    assert_ne!(citizen.state(), "ammissione.menu");
    // Asked on its own, the same sentence is ours again.
    citizen.send("menu").await;
    citizen.send("test d'ammissione all'università").await;
    assert_eq!(citizen.state(), "ammissione.menu");
}
