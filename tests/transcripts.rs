//! `sportello test` as staff read it: failures at `file:line`, what was expected
//! beside what the bot said, buttons as the citizen sees them, did-you-mean for names
//! the dialogues lack, `says` without regard to capitals, and the staff's language.

mod common;

use std::path::{Path, PathBuf};

use common::{fixture, sportello};

/// A copy of the `basic` fixture bot with `transcripts` (file name, text) in `tests/`.
struct Bot {
    dir: tempfile::TempDir,
}

impl Bot {
    fn with(transcripts: &[(&str, &str)]) -> Bot {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"));
        let tests = dir.path().join("tests");
        std::fs::create_dir(&tests).unwrap_or_else(|e| panic!("{tests:?}: {e}"));
        for name in [
            "sportello.yaml",
            "main.yaml",
            "maturita.yaml",
            "toggle.yaml",
        ] {
            std::fs::copy(fixture("basic").join(name), dir.path().join(name))
                .unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        for (name, text) in transcripts {
            std::fs::write(tests.join(name), text).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        Bot { dir }
    }

    fn tests(&self) -> PathBuf {
        self.dir.path().join("tests")
    }

    /// `file` as the report names it.
    fn path(&self, file: &str) -> String {
        self.tests().join(file).display().to_string()
    }

    /// Runs `sportello test` on the transcripts: exit code and standard output.
    fn test(&self, extra: &[&str]) -> (Option<i32>, String) {
        let tests = self.tests().display().to_string();
        let content = fixture("basic-content.yaml").display().to_string();
        let mut args = vec!["test", tests.as_str(), "--content", content.as_str()];
        args.extend_from_slice(extra);
        let output = sportello(&args, "");
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        (output.status.code(), text)
    }
}

fn assert_holds(text: &str, expected: &str) {
    assert!(text.contains(expected), "expected {expected:?} in:\n{text}");
}

const WRONG_GREETING: &str = "\
name: sbagliato
turns:
  - send: /start
    says: [\"Arrivederci\"]
";

#[test]
fn a_failure_names_the_turn_and_the_expectation_by_line_with_the_reply_and_plain_buttons() {
    let bot = Bot::with(&[("t.yaml", WRONG_GREETING)]);
    let (code, text) = bot.test(&[]);
    assert_eq!(code, Some(1), "{text}");
    let file = bot.path("t.yaml");
    assert_holds(&text, "FAIL  sbagliato");
    assert_holds(
        &text,
        &format!("{file}:3:5: turn 1 (send: /start) did not go as written:"),
    );
    assert_holds(
        &text,
        &format!(
            "{file}:4:12: the reply does not contain the expected text\n        Expected: Arrivederci\n"
        ),
    );
    assert_holds(
        &text,
        "      The bot said:\n        Ciao! Come posso aiutarti?\n",
    );
    assert_holds(&text, "      Buttons: [📅 Maturità] [Iscriviti] [Nome]\n");
    assert!(!text.contains("\\u{"), "no Debug escapes:\n{text}");
    assert!(!text.contains("\"📅"), "no Debug quotes:\n{text}");
    assert_holds(&text, "0 passed, 1 failed");
}

#[test]
fn says_looks_past_capitals_and_spaces_while_says_exact_and_not_says_do_not_let_it_slip() {
    let lenient = "\
turns:
  - send: /start
    says: \"CIAO!   come posso\n  aiutarti\"
";
    let exact = "\
turns:
  - send: /start
    says_exact: [\"Ciao! Come\", \"come posso\"]
";
    let unwanted = "\
turns:
  - send: /start
    not_says: [\"COME POSSO\"]
";
    // A lone number is its digits; accents count, so `mercoledi` is not `mercoledì`.
    let accents = "\
turns:
  - send: maturità
    says: 2027
  - send: \"maturità\"
    says: [\"MERCOLEDÌ 16\", \"mercoledi 16\"]
";
    let bot = Bot::with(&[
        ("a.yaml", lenient),
        ("b.yaml", exact),
        ("c.yaml", unwanted),
        ("d.yaml", accents),
    ]);
    let (code, text) = bot.test(&[]);
    assert_eq!(code, Some(1), "{text}");
    assert_holds(&text, &format!("pass  {}\n", bot.path("a.yaml")));
    assert_holds(
        &text,
        &format!(
            "{}:3:32: the reply does not contain the expected text exactly as written (capitals and spaces count)\n        Expected: come posso\n        It is there with other capitals or spacing: `says` would pass.\n",
            bot.path("b.yaml")
        ),
    );
    assert!(!text.contains("Expected: Ciao! Come\n"), "{text}");
    assert_holds(
        &text,
        &format!(
            "{}:3:16: the reply contains a text it must not\n        Must not say: COME POSSO\n",
            bot.path("c.yaml")
        ),
    );
    let accents = bot.path("d.yaml");
    assert_holds(
        &text,
        &format!(
            "{accents}:4:5: turn 2 (send: maturità) did not go as written:\n      {accents}:5:28: the reply does not contain the expected text\n        Expected: mercoledi 16\n"
        ),
    );
    assert!(!text.contains("Expected: MERCOLEDÌ"), "{text}");
    assert_holds(&text, "1 passed, 3 failed");
}

#[test]
fn a_state_or_button_the_bot_lacks_is_named_at_its_line_with_did_you_mean() {
    let unknown_state = "\
turns:
  - send: /start
  - send: /start
    state: main.mnu
  - send: /start
    state: menu
  - send: /start
    state: qualcosa
";
    let unknown_button = "\
turns:
  - send: /start
  - press: Iscrivti
    says: [\"never checked\"]
";
    let bot = Bot::with(&[("s.yaml", unknown_state), ("u.yaml", unknown_button)]);
    let (code, text) = bot.test(&[]);
    assert_eq!(code, Some(1), "{text}");
    let states = bot.path("s.yaml");
    assert_holds(
        &text,
        &format!("{states}:4:12: unknown state `main.mnu`: did you mean `main.menu`?"),
    );
    assert_holds(
        &text,
        &format!(
            "{states}:6:12: unknown state `menu`: a state is written with its flow, such as `main.menu`"
        ),
    );
    assert_holds(
        &text,
        &format!(
            "{states}:8:12: unknown state `qualcosa`: states are written `flow.state`, such as `main.menu`"
        ),
    );
    // A mistake in the test stops it before it runs: no turn, no reply.
    assert!(!text.contains("turn 1"), "{text}");
    let buttons = bot.path("u.yaml");
    assert_holds(
        &text,
        &format!(
            "{buttons}:3:5: turn 2 (press: Iscrivti) did not go as written:\n      {buttons}:3:12: no button offered matches `Iscrivti`: did you mean `Iscriviti`?\n        Offered: [📅 Maturità] [Iscriviti] [Nome]\n"
        ),
    );
    assert!(!text.contains("never checked"), "{text}");
}

#[test]
fn mistakes_in_writing_a_turn_are_all_named_before_it_runs() {
    let mistakes = "\
turns:
  - send: /start
    press: Nome
  - says: [\"\"]
  - send: ciao
    says_regex: ['ore (\\d+']
  - press: \"📅\"
    buttons: [\"Nome\", \"⬅️\"]
";
    let bot = Bot::with(&[("m.yaml", mistakes), ("n.yaml", "turns: []\n")]);
    let (code, text) = bot.test(&[]);
    assert_eq!(code, Some(1), "{text}");
    assert_holds(
        &text,
        &format!(
            "{}:1:8: no turns: this test tries nothing",
            bot.path("n.yaml")
        ),
    );
    let file = bot.path("m.yaml");
    for expected in [
        format!("{file}:3:12: a turn has `send` or `press`, not both"),
        format!("{file}:4:5: this turn has neither `send` nor `press`"),
        format!("{file}:4:12: an empty text is in every reply"),
        format!("{file}:6:18: `says_regex` does not compile: unclosed group\n"),
        format!("{file}:7:12: `📅` has no words to find a button by"),
        format!("{file}:8:23: `⬅️` has no words to find a button by"),
    ] {
        assert_holds(&text, &expected);
    }
}

#[test]
fn a_yaml_mistake_is_found_at_its_line_and_column_and_the_other_files_still_run() {
    let broken = "\
name: rotto
turns:
  - send: /start
    says: [ciao
  - send: x
";
    let fine = "\
turns:
  - send: /start
    says: ciao
";
    let bot = Bot::with(&[("a.yaml", broken), ("b.yaml", fine)]);
    let (code, text) = bot.test(&[]);
    assert_eq!(code, Some(1), "{text}");
    assert_holds(
        &text,
        &format!(
            "FAIL  {file}\n      {file}:4:11: the `{{` or `[` opened here is not closed",
            file = bot.path("a.yaml")
        ),
    );
    assert_holds(&text, &format!("pass  {}\n", bot.path("b.yaml")));
    assert_holds(&text, "1 passed, 1 failed");
}

#[test]
fn staff_read_the_report_in_italian_with_lang_it() {
    let wrong_state = "\
name: stato
turns:
  - send: /start
    state: main.mnu
";
    let bot = Bot::with(&[("t.yaml", WRONG_GREETING), ("u.yaml", wrong_state)]);
    let (code, text) = bot.test(&["--lang", "it"]);
    assert_eq!(code, Some(1), "{text}");
    let file = bot.path("t.yaml");
    for expected in [
        format!("FALLITO   sbagliato ({file})"),
        format!("{file}:3:5: il turno 1 (send: /start) non è andato come scritto:"),
        format!(
            "{file}:4:12: la risposta non contiene il testo atteso\n        Atteso: Arrivederci\n"
        ),
        "      Il bot ha risposto:\n        Ciao! Come posso aiutarti?\n".to_owned(),
        "      Pulsanti: [📅 Maturità] [Iscriviti] [Nome]\n".to_owned(),
        format!(
            "{}:4:12: stato sconosciuto `main.mnu`: forse `main.menu`?",
            bot.path("u.yaml")
        ),
        "0 superati, 2 falliti\ncopertura: 1/8 stati (12,5%)\nnon raggiunti da nessun test: "
            .to_owned(),
    ] {
        assert_holds(&text, &expected);
    }
    assert!(!text.contains("Expected"), "{text}");
}

#[test]
fn a_failing_test_leaves_its_file_as_it_was() {
    let bot = Bot::with(&[("t.yaml", WRONG_GREETING)]);
    let before = listing(&bot.tests());
    let (code, text) = bot.test(&[]);
    assert_eq!(code, Some(1), "{text}");
    assert_eq!(listing(&bot.tests()), before);
    assert_eq!(
        std::fs::read_to_string(bot.tests().join("t.yaml")).unwrap(),
        WRONG_GREETING
    );
}

/// Every file of `dir` with its bytes.
fn listing(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{dir:?}: {e}"));
    let mut files: Vec<(PathBuf, Vec<u8>)> = entries
        .map(|entry| {
            let path = entry.unwrap_or_else(|e| panic!("{dir:?}: {e}")).path();
            let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
            (path, bytes)
        })
        .collect();
    files.sort();
    files
}

#[test]
fn turns_that_pick_a_button_by_its_number_are_named_after_the_summary() {
    let by_number = "\
name: numeri
turns:
  - send: /start
  - send: \"2\"
    state: main.menu
  - press: Iscriviti
";
    let bot = Bot::with(&[("n.yaml", by_number)]);
    let (code, text) = bot.test(&[]);
    assert_eq!(code, Some(0), "{text}");
    assert_holds(
        &text,
        "typed numbers: these turns pick a button by its number",
    );
    assert_holds(
        &text,
        &format!("{}:4:5: «2» picks [Iscriviti]", bot.path("n.yaml")),
    );
    // A pressed label depends on no number.
    assert!(!text.contains("n.yaml:6"), "{text}");

    let (_, italian) = bot.test(&["--lang", "it"]);
    assert_holds(&italian, "«2» sceglie [Iscriviti]");
}
