//! `check` warns about WhatsApp menus only where a citizen loses something.

mod common;

use sportello::dialogue::{self, Severity};

/// A dialogue directory of `settings` and one flow file.
fn bot(settings: &str, flow: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    for (name, text) in [("sportello.yaml", settings), ("main.yaml", flow)] {
        std::fs::write(dir.path().join(name), text).unwrap_or_else(|e| panic!("write {name}: {e}"));
    }
    dir
}

const CHECK_SETTINGS: &str = r#"
bot: Prova
default_lang: it
languages: [it]
main: main
topics:
  maturita: Esame di Stato
  universita: Università e test di ammissione
  concorsi: Concorsi
commands:
  - { command: start, goto: main }
fallback:
  faq: false
  say: Non ho capito.
  error: Errore.
"#;

/// The WhatsApp findings of a bot whose only flow is `flow`.
fn whatsapp_findings(flow: &str) -> Vec<String> {
    let dir = bot(CHECK_SETTINGS, flow);
    let (dialogues, report) = dialogue::load_dir(dir.path());
    assert!(dialogues.is_some(), "{}", report.render_text());
    report
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Warning && d.message.contains("WhatsApp"))
        .map(|d| d.message.clone())
        .collect()
}

fn menu(labels: &[&str]) -> String {
    let buttons: String = labels
        .iter()
        .map(|l| format!("      - {{ label: \"{l}\", goto: fine }}\n"))
        .collect();
    format!(
        "flow: main\nstart: menu\nstates:\n  menu:\n    say: Scegli.\n    buttons:\n{buttons}  fine:\n    say: Fatto.\n    end: true\n"
    )
}

#[test]
fn check_says_nothing_of_a_list_whose_rows_keep_their_labels() {
    let five = menu(&["Uno", "Due", "Tre", "Quattro", "Cinque"]);
    assert_eq!(whatsapp_findings(&five), Vec::<String>::new());
    let cut_but_underneath = menu(&["Uno", "Due", "Tre", "Università e test di ammissione"]);
    assert_eq!(whatsapp_findings(&cut_but_underneath), Vec::<String>::new());
}

#[test]
fn check_quotes_what_whatsapp_shows_where_labels_are_cut_or_clash() {
    let reply_buttons = menu(&["📅 Date delle prove scritte", "Sedi"]);
    assert_eq!(
        whatsapp_findings(&reply_buttons),
        [
            "label (it) \"📅 Date delle prove scritte\" shows on WhatsApp as \"📅 Date delle prove…\": reply buttons show 20 characters; a shorter label reads whole"
        ]
    );
    let clash = menu(&[
        "Calendario delle prove scritte",
        "Calendario delle prove orali",
        "Sedi",
        "Orari",
    ]);
    assert_eq!(
        whatsapp_findings(&clash),
        [
            "label (it) \"Calendario delle prove orali\" shows on WhatsApp as \"Calendario delle prov… 2\": cut to 24 characters it reads like \"Calendario delle prove scritte\" above it, so it gets a number; make the labels differ within their first 24 characters"
        ]
    );
    let labels: Vec<String> = (1..=12).map(|i| format!("Opzione {i}")).collect();
    let labels: Vec<&str> = labels.iter().map(String::as_str).collect();
    let findings = whatsapp_findings(&menu(&labels));
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert!(
        findings[0].starts_with(
            "12 buttons: WhatsApp lists at most 10, so it sends them as a numbered text menu"
        ),
        "{findings:#?}"
    );
}

#[test]
fn check_warns_where_a_list_row_cannot_hold_its_label_either() {
    let long = "Calendario completo delle prove scritte e orali con sedi, orari e documenti";
    let findings = whatsapp_findings(&menu(&["Uno", "Due", "Tre", long]));
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert!(
        findings[0].starts_with(&format!(
            "label (it) is {} characters: a WhatsApp list row shows \"Calendario completo del…\" and under it only \"",
            long.chars().count()
        )),
        "{findings:#?}"
    );
}

#[test]
fn check_judges_a_menu_for_leaving_topics_by_the_fewest_buttons_it_shows() {
    // Three topics and two buttons: a list for a citizen who follows them all, reply
    // buttons for one who follows a single topic.
    let leave = "flow: main\nstart: menu\nstates:\n  menu:\n    do: { subscriptions: {} }\n    say: Da quale argomento?\n    buttons:\n      - { topics: unsubscribe, goto: fine }\n      - { label: Tutti, goto: fine }\n      - { label: Indietro, goto: fine }\n  fine:\n    say: Fatto.\n    end: true\n";
    assert_eq!(
        whatsapp_findings(leave),
        [
            "label (it) \"Università e test di ammissione\" shows on WhatsApp as \"Università e test d…\" when the citizen follows few topics: reply buttons show 20 characters; a shorter label reads whole"
        ]
    );
    // Subscribing offers every topic: five buttons, always a list.
    let join = leave.replace("unsubscribe", "subscribe");
    assert_eq!(whatsapp_findings(&join), Vec::<String>::new());
}
