//! `sportello chat --channel telegram|whatsapp` shows what each channel displays, and
//! `check` warns about WhatsApp menus only where a citizen loses something.

mod common;

use common::{basic_content, load, sportello};
use sportello::channel::console::{self, ConsoleOptions, Preview};
use sportello::conversation::Conversation;
use sportello::dialogue::{self, Severity};
use sportello::staff_language::StaffLanguage;
use sportello::store::mem::{MemoryContent, MemoryStore};

const SETTINGS: &str = r#"
bot: Prova anteprime
default_lang: it
languages: [it, en]
main: main
topics:
  generale: { it: Generale, en: General }
commands:
  - { command: start, goto: main }
  - { command: due, goto: main.due }
  - { command: tre, goto: main.tre }
  - { command: cinque, goto: main.cinque }
  - { command: dodici, goto: main.dodici }
  - { command: lungo, goto: main.lungo }
fallback:
  faq: false
  say: { it: "Non ho capito.", en: "Sorry, I did not understand." }
  error: { it: "Qualcosa è andato storto.", en: "Something went wrong." }
"#;

/// States with 2, 3, 5 and 12 buttons and a text over 4096 characters; the 12
/// `sceltaN` states say which was chosen.
const FLOW: &str = r#"
flow: main
start: due
states:
  due:
    say: "Scegli <b>una</b> voce:"
    buttons:
      - { label: "📅 Date delle prove scritte", goto: scelta1 }
      - { label: "Sedi", goto: scelta2 }
  tre:
    say: "Tre voci:"
    buttons:
      - { label: "Sedi", goto: scelta1 }
      - { label: "Calendario delle prove scritte", goto: scelta2 }
      - { label: "Calendario delle prove orali", goto: scelta3 }
  cinque:
    say: "Cinque voci:"
    buttons:
      - { label: "Uno", goto: scelta1 }
      - { label: "Due", goto: scelta2 }
      - { label: "Tre", goto: scelta3 }
      - { label: "Quattro", goto: scelta4 }
      - { label: "Università e test di ammissione", goto: scelta5 }
  dodici:
    say: "Dodici voci:"
    buttons:
"#;

/// One paragraph of the long notice (about 600 characters).
fn paragraph(n: usize) -> String {
    format!("Paragrafo {n}: {}fine.", "parola ".repeat(85))
}

fn flow() -> String {
    let mut flow = FLOW.to_owned();
    for i in 1..=12 {
        flow.push_str(&format!(
            "      - {{ label: \"Opzione {i}\", goto: scelta{i} }}\n"
        ));
    }
    flow.push_str("  lungo:\n    say: |\n      <b>Avviso lungo</b>\n\n");
    for n in 1..=9 {
        flow.push_str(&format!("      {}\n\n", paragraph(n)));
    }
    flow.push_str("    buttons:\n      - { label: \"Ok\", goto: scelta1 }\n");
    for i in 1..=12 {
        flow.push_str(&format!(
            "  scelta{i}:\n    say: \"Hai scelto l'opzione {i}.\"\n    end: true\n"
        ));
    }
    flow
}

/// A dialogue directory of `settings` and one flow file.
fn bot(settings: &str, flow: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    for (name, text) in [("sportello.yaml", settings), ("main.yaml", flow)] {
        std::fs::write(dir.path().join(name), text).unwrap_or_else(|e| panic!("write {name}: {e}"));
    }
    dir
}

/// What the console prints for `input`, piped, shown as `preview` with notes in `staff`.
async fn chat(preview: Preview, staff: StaffLanguage, input: &str) -> String {
    let dir = bot(SETTINGS, &flow());
    let conversation = Conversation::new(
        load(dir.path()),
        MemoryContent::new(basic_content()),
        MemoryStore::new(),
    );
    let options = ConsoleOptions {
        interactive: false,
        lang: "it".to_owned(),
        chat: "local".to_owned(),
        preview,
        staff,
    };
    let mut out = Vec::new();
    console::run(&conversation, &options, input.as_bytes(), &mut out, || {
        common::at("2027-01-15T08:00:00Z")
    })
    .await
    .unwrap_or_else(|e| panic!("console: {e}"));
    String::from_utf8(out).unwrap_or_else(|e| panic!("not UTF-8: {e}"))
}

/// The messages of a preview, split at the notes that start each one of several.
fn parts<'a>(shown: &'a str, channel: &str) -> Vec<&'a str> {
    shown
        .split(&format!("[{channel}: message "))
        .skip(1)
        .collect()
}

#[tokio::test]
async fn console_stays_as_it_was() {
    let shown = chat(Preview::Console, StaffLanguage::English, "/due\n").await;
    assert_eq!(
        shown,
        "Scegli una voce:\n  [1] 📅 Date delle prove scritte\n  [2] Sedi\n\n"
    );
}

#[tokio::test]
async fn telegram_shows_formatting_rendered_and_the_keyboard_one_button_a_row() {
    let en = StaffLanguage::English;
    let shown = chat(Preview::Telegram, en, "/due\n").await;
    assert_eq!(
        shown,
        "Scegli una voce:\n[Telegram: 2 buttons under the message, one per row]\n  [1] 📅 Date delle prove scritte\n  [2] Sedi\n\n"
    );
    let shown = chat(Preview::Telegram, en, "/cinque\n").await;
    assert!(
        shown.contains("[Telegram: 5 buttons under the message, one per row]\n  [1] Uno\n"),
        "{shown}"
    );
    assert!(
        shown.contains("  [5] Università e test di ammissione\n"),
        "Telegram keeps whole labels: {shown}"
    );
    let shown = chat(Preview::Telegram, en, "/dodici\n12\n").await;
    assert!(shown.contains("  [12] Opzione 12\n"), "{shown}");
    assert!(
        shown.ends_with("Hai scelto l'opzione 12.\n\n"),
        "pressed by number: {shown}"
    );
}

#[tokio::test]
async fn telegram_splits_a_long_text_into_the_messages_sent() {
    let shown = chat(Preview::Telegram, StaffLanguage::English, "/lungo\n").await;
    let parts = parts(&shown, "Telegram");
    assert_eq!(parts.len(), 2, "{shown}");
    assert!(parts[0].starts_with("1 of 2]\nAvviso lungo\n"), "{shown}");
    assert!(parts[1].starts_with("2 of 2]\n"), "{shown}");
    for part in &parts {
        let text = part.split_once("]\n").map_or("", |(_, t)| t);
        assert!(text.chars().count() <= 4096, "{part}");
        assert!(!text.contains("<b>"), "formatting rendered: {part}");
    }
    assert!(
        !parts[0].contains("[1] Ok"),
        "keyboard on the last message only"
    );
    assert!(
        parts[1].ends_with("[Telegram: one button under the message]\n  [1] Ok\n\n"),
        "{shown}"
    );
    assert!(shown.contains(&paragraph(9)), "nothing lost: {shown}");
}

#[tokio::test]
async fn whatsapp_shows_reply_buttons_with_shortened_titles_and_reads_them_back() {
    let en = StaffLanguage::English;
    let shown = chat(Preview::WhatsApp, en, "/due\n").await;
    assert_eq!(
        shown,
        "Scegli *una* voce:\n[WhatsApp: 2 reply buttons]\n  [1] 📅 Date delle prove…\n  [2] Sedi\n\n"
    );
    // The shortened title, typed back as a citizen would copy it, is that button.
    let shown = chat(Preview::WhatsApp, en, "/due\nDate delle prove…\n").await;
    assert!(
        shown.ends_with("Hai scelto l'opzione 1.\n\n"),
        "typed title: {shown}"
    );
    let shown = chat(Preview::WhatsApp, en, "/due\n2\n").await;
    assert!(shown.ends_with("Hai scelto l'opzione 2.\n\n"), "{shown}");
    // Titles made distinct by a number read back as the adapter reads them.
    let shown = chat(Preview::WhatsApp, en, "/tre\nCalendario delle… 2\n").await;
    assert!(
        shown.contains("  [2] Calendario delle pr…\n  [3] Calendario delle… 2\n"),
        "{shown}"
    );
    assert!(
        shown.ends_with("Hai scelto l'opzione 3.\n\n"),
        "typed numbered title: {shown}"
    );
}

#[tokio::test]
async fn whatsapp_shows_five_buttons_as_a_list_with_the_full_label_underneath() {
    let shown = chat(Preview::WhatsApp, StaffLanguage::English, "/cinque\n").await;
    assert_eq!(
        shown,
        "Cinque voci:\n[WhatsApp: list, button \"Scegli\"]\n  [1] Uno\n  [2] Due\n  [3] Tre\n  [4] Quattro\n  [5] Università e test di am…\n      Università e test di ammissione\n\n"
    );
    let shown = chat(Preview::WhatsApp, StaffLanguage::Italian, "/cinque\n5\n").await;
    assert!(
        shown.contains("[WhatsApp: lista, pulsante \"Scegli\"]"),
        "{shown}"
    );
    assert!(shown.ends_with("Hai scelto l'opzione 5.\n\n"), "{shown}");
}

#[tokio::test]
async fn whatsapp_shows_twelve_buttons_as_a_numbered_menu_answered_by_number() {
    let shown = chat(Preview::WhatsApp, StaffLanguage::English, "/dodici\n").await;
    assert!(
        shown.starts_with("[WhatsApp: numbered text menu, the citizen replies with the number]\nDodici voci:\n\n1. Opzione 1\n2. Opzione 2\n"),
        "{shown}"
    );
    assert!(
        shown.ends_with("12. Opzione 12\n\nRispondi con il numero.\n\n"),
        "{shown}"
    );
    assert!(!shown.contains("  [1]"), "nothing to tap: {shown}");
    let shown = chat(Preview::WhatsApp, StaffLanguage::English, "/dodici\n11\n").await;
    assert!(shown.ends_with("Hai scelto l'opzione 11.\n\n"), "{shown}");
    let shown = chat(Preview::WhatsApp, StaffLanguage::Italian, "/dodici\n").await;
    assert!(
        shown.starts_with(
            "[WhatsApp: menu numerato nel testo, il cittadino risponde con il numero]\n"
        ),
        "{shown}"
    );
}

#[tokio::test]
async fn whatsapp_sends_a_long_text_first_and_the_buttons_with_a_short_body() {
    let shown = chat(Preview::WhatsApp, StaffLanguage::English, "/lungo\n").await;
    let parts = parts(&shown, "WhatsApp");
    assert!(parts.len() >= 2, "{shown}");
    let last = parts.len() - 1;
    for part in &parts[..last] {
        let text = part.split_once("]\n").map_or("", |(_, t)| t);
        assert!(text.chars().count() <= 4096, "{part}");
        assert!(!text.contains("[WhatsApp"), "texts only: {part}");
    }
    assert!(parts[0].contains("*Avviso lungo*"), "{shown}");
    assert!(
        parts[last].ends_with("[WhatsApp: one reply button]\n  [1] Ok\n\n"),
        "{shown}"
    );
    assert!(shown.contains(&paragraph(9)), "nothing lost: {shown}");
}

#[test]
fn the_chat_command_takes_the_channel_to_preview() {
    let output = sportello(&["chat", "--channel", "whatsapp"], "/start\n");
    assert!(output.status.success());
    let shown = String::from_utf8_lossy(&output.stdout);
    assert!(
        shown.contains("[WhatsApp: list, button \"Scegli\"]"),
        "{shown}"
    );
    let output = sportello(&["chat", "--channel", "telegram"], "/start\n");
    let shown = String::from_utf8_lossy(&output.stdout);
    assert!(shown.contains("[Telegram: "), "{shown}");
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
