//! Topic menus made from `topics:`: one button per declared topic, leaving offers only
//! the topics followed, and mistakes in writing one are found by `check`.

mod common;

use std::fs;

use common::{fixture, sportello};
use sportello::dialogue::{self, Severity};

#[test]
fn the_menus_offer_the_declared_topics_and_only_followed_ones_for_leaving() {
    let output = sportello(&["test", "tests/fixtures/topics/tests"], "");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{text}");
    assert!(text.contains("2 passed, 0 failed"), "{text}");
    assert!(text.contains("coverage: 9/9"), "{text}");
}

#[test]
fn a_new_topic_shows_up_in_every_menu_with_no_other_change() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let settings = fs::read_to_string(fixture("topics").join("sportello.yaml"))
        .unwrap_or_default()
        .replace(
            "  concorsi: { it: Concorsi, en: Competitions }\n",
            "  concorsi: { it: Concorsi, en: Competitions }\n  borse: { it: Borse di studio, en: Grants }\n",
        );
    fs::write(dir.path().join("sportello.yaml"), settings).unwrap_or_else(|e| panic!("{e}"));
    fs::copy(
        fixture("topics").join("main.yaml"),
        dir.path().join("main.yaml"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let (dialogues, report) = dialogue::load_dir(dir.path());
    let Some(dialogues) = dialogues else {
        panic!("{}", report.render_text())
    };
    let menu = dialogues
        .find("main.iscriviti")
        .map(|id| dialogues.state(id))
        .unwrap_or_else(|| panic!("no menu"));
    let labels: Vec<&str> = menu
        .buttons
        .iter()
        .map(|b| b.label.get("it", "it"))
        .collect();
    assert_eq!(
        labels,
        [
            "Esame di Stato",
            "Università",
            "Concorsi",
            "Borse di studio",
            "Indietro"
        ]
    );
    assert!(dialogues.find("main.iscriviti--borse").is_some());
    assert!(dialogues.find("main.cancellati--borse").is_some());
}

/// The findings of the topics fixture with `from` replaced by `to` in main.yaml.
fn findings_with(from: &str, to: &str) -> Vec<(Severity, u64, String)> {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    fs::copy(
        fixture("topics").join("sportello.yaml"),
        dir.path().join("sportello.yaml"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let flow = fs::read_to_string(fixture("topics").join("main.yaml")).unwrap_or_default();
    assert!(flow.contains(from), "{from}");
    fs::write(dir.path().join("main.yaml"), flow.replacen(from, to, 1))
        .unwrap_or_else(|e| panic!("{e}"));
    let (dialogues, report) = dialogue::load_dir(dir.path());
    let findings: Vec<_> = report
        .diagnostics
        .iter()
        .map(|d| (d.severity, d.position.line, d.message.clone()))
        .collect();
    assert_eq!(
        dialogues.is_none(),
        findings.iter().any(|f| f.0 == Severity::Error)
    );
    findings
}

#[test]
fn a_misspelt_menu_kind_a_label_beside_topics_and_a_button_without_label_are_errors() {
    let findings = findings_with("topics: subscribe", "topics: subscrive");
    assert!(
        findings.iter().any(|(s, line, m)| *s == Severity::Error
            && *line == 15
            && m.contains("did you mean `subscribe`?")),
        "{findings:#?}"
    );

    let findings = findings_with(
        "{ topics: unsubscribe, goto: menu }",
        "{ topics: unsubscribe, label: Via, goto: menu }",
    );
    assert!(
        findings
            .iter()
            .any(|(s, line, m)| *s == Severity::Error && *line == 20 && m.contains("drop `label`")),
        "{findings:#?}"
    );

    let findings = findings_with(
        "{ label: { it: Indietro, en: Back }, goto: menu }",
        "{ goto: menu }",
    );
    assert!(
        findings
            .iter()
            .any(|(s, line, m)| *s == Severity::Error && *line == 16 && m.contains("no `label`")),
        "{findings:#?}"
    );
}

#[test]
fn leaving_offers_exactly_the_topics_followed_and_numbers_count_what_is_shown() {
    let input = "/start\nIscriviti\nUniversità\nIscriviti\nConcorsi\nCancellati\n1\nCancellati\n";
    let output = sportello(&["chat", "--dialogues", "tests/fixtures/topics"], input);
    let text = String::from_utf8_lossy(&output.stdout);
    let menus: Vec<&str> = text.split("Da quale argomento?").skip(1).collect();
    assert_eq!(menus.len(), 2, "{text}");
    let offered = |menu: &str| -> Vec<String> {
        // The rest of the question's line, then one line per button until a blank one.
        menu.lines()
            .skip(1)
            .take_while(|l| !l.trim().is_empty())
            .filter_map(|l| l.trim().strip_prefix('['))
            .filter_map(|l| l.split_once("] ").map(|(_, label)| label.to_owned()))
            .collect()
    };
    assert_eq!(
        offered(menus[0]),
        ["Università", "Concorsi", "Indietro"],
        "{text}"
    );
    // «1» left Università, the first shown, so only Concorsi is left to offer.
    assert_eq!(offered(menus[1]), ["Concorsi", "Indietro"], "{text}");
    assert!(text.contains("Segui: Concorsi."), "{text}");
}
