//! `sportello check` findings: every bad input is reported with file:line:col, never a
//! panic, and the dialogues are refused.

mod common;

use std::fs;
use std::path::Path;

use common::fixture;
use sportello::dialogue::{self, Diagnostic, Dialogues, Report, Severity};

/// A copy of the basic fixture in a temporary directory, for breaking.
fn scratch() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    for name in ["sportello.yaml", "main.yaml", "maturita.yaml"] {
        let _ = fs::copy(fixture("basic").join(name), dir.path().join(name));
    }
    dir
}

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) {
    fs::write(dir.join(name), bytes).unwrap_or_else(|e| panic!("write {name}: {e}"));
}

/// The basic fixture with `x.yaml` holding `flow`, loaded.
fn load_with_flow(flow: &str) -> (Option<Dialogues>, Report) {
    let dir = scratch();
    write(dir.path(), "x.yaml", flow);
    dialogue::load_dir(dir.path())
}

fn errors(dir: &Path) -> Vec<Diagnostic> {
    let (dialogues, report) = dialogue::load_dir(dir);
    let errors: Vec<Diagnostic> = report
        .diagnostics
        .into_iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    assert_eq!(
        dialogues.is_some(),
        errors.is_empty(),
        "dialogues are refused exactly when there are errors"
    );
    errors
}

fn only_error(dir: &Path) -> Diagnostic {
    let mut errors = errors(dir);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    errors.remove(0)
}

fn at(d: &Diagnostic) -> (String, u64, u64) {
    let file = Path::new(&*d.position.file)
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    (file, d.position.line, d.position.column)
}

#[test]
fn the_fixture_is_clean() {
    assert!(errors(&fixture("basic")).is_empty());
}

#[test]
fn a_misspelt_target_is_reported_at_its_line_and_column_with_a_suggestion() {
    let dir = scratch();
    let text = fs::read_to_string(dir.path().join("main.yaml")).unwrap_or_default();
    write(
        dir.path(),
        "main.yaml",
        text.replace("goto: iscrivi }", "goto: iscriv }"),
    );
    let error = only_error(dir.path());
    assert_eq!(at(&error), ("main.yaml".into(), 8, 37));
    assert!(
        error
            .message
            .contains("unknown target `iscriv`; did you mean `iscrivi`?"),
        "{}",
        error.message
    );
}

#[test]
fn malformed_yaml_non_utf8_and_duplicate_keys_have_positions() {
    let dir = scratch();
    write(
        dir.path(),
        "broken.yaml",
        "flow: x\nstart: a\nstates:\n  a: [\n",
    );
    let error = only_error(dir.path());
    assert_eq!(at(&error).0, "broken.yaml");
    assert_eq!(error.position.line, 4);

    let dir = scratch();
    write(
        dir.path(),
        "latin1.yaml",
        b"flow: x\nstart: a\nstates:\n  a:\n    say: \"perch\xe9\"\n    end: true\n",
    );
    let error = only_error(dir.path());
    assert_eq!(at(&error), ("latin1.yaml".into(), 5, 16));
    assert!(error.message.contains("UTF-8"));

    let dir = scratch();
    write(
        dir.path(),
        "dup.yaml",
        "flow: x\nstart: a\nstates:\n  a:\n    say: uno\n    end: true\n  a:\n    say: due\n    end: true\n",
    );
    let error = only_error(dir.path());
    assert_eq!(at(&error), ("dup.yaml".into(), 7, 3));
    assert!(error.message.contains("written twice"), "{}", error.message);
}

#[test]
fn unknown_keys_bad_regexes_and_template_errors_are_located() {
    let dir = scratch();
    write(
        dir.path(),
        "x.yaml",
        "flow: x\nstart: a\nstates:\n  a:\n    sai: ciao\n    end: true\n",
    );
    let error = only_error(dir.path());
    assert_eq!(at(&error), ("x.yaml".into(), 5, 5));
    assert!(
        error
            .message
            .contains("unknown key `sai`: did you mean `say`?"),
        "{}",
        error.message
    );

    let dir = scratch();
    write(
        dir.path(),
        "x.yaml",
        "flow: x\nstart: a\nstates:\n  a:\n    say: ciao\n    match:\n      - { when: '(unclosed', goto: a }\n",
    );
    let error = only_error(dir.path());
    assert_eq!(at(&error), ("x.yaml".into(), 7, 17));
    assert!(error.message.contains("regex does not compile"));

    let dir = scratch();
    write(
        dir.path(),
        "x.yaml",
        "flow: x\nstart: a\nstates:\n  a:\n    say: |\n      riga uno\n      {% for e in %}\n    end: true\n",
    );
    let error = only_error(dir.path());
    assert_eq!(at(&error), ("x.yaml".into(), 7, 7));
    assert!(error.message.starts_with("template error"));

    let dir = scratch();
    write(
        dir.path(),
        "x.yaml",
        "flow: x\nstart: a\nstates:\n  a:\n    say: \"{{ events }}\"\n    end: true\n",
    );
    let error = only_error(dir.path());
    assert_eq!(at(&error), ("x.yaml".into(), 5, 10));
    assert!(
        error
            .message
            .contains("`events` needs a `do: { events: … }` action"),
        "{}",
        error.message
    );
}

#[test]
fn dead_ends_loops_and_oversized_button_ids_are_errors() {
    let dir = scratch();
    write(
        dir.path(),
        "x.yaml",
        "flow: x\nstart: a\nstates:\n  a:\n    say: fine\n",
    );
    assert!(only_error(dir.path()).message.contains("dead end"));

    let dir = scratch();
    write(
        dir.path(),
        "x.yaml",
        "flow: x\nstart: a\nstates:\n  a: { say: uno, goto: b }\n  b: { say: due, goto: a }\n",
    );
    assert!(only_error(dir.path()).message.contains("loops back"));

    let dir = scratch();
    let long = "s".repeat(70);
    write(
        dir.path(),
        "x.yaml",
        format!(
            "flow: x\nstart: {long}\nstates:\n  {long}:\n    say: scegli\n    buttons:\n      - {{ label: ok, goto: {long} }}\n"
        ),
    );
    let error = only_error(dir.path());
    assert!(
        error.message.contains("bytes; Telegram allows 64"),
        "{}",
        error.message
    );
    assert_eq!(at(&error), ("x.yaml".into(), 7, 18));
}

#[test]
fn channel_limits_and_unreachable_states_are_warnings() {
    let buttons: String = (1..=11)
        .map(|i| format!("      - {{ label: \"Opzione numero {i} molto lunga\", goto: a }}\n"))
        .collect();
    let (dialogues, report) = load_with_flow(&format!(
        "flow: x\nstart: a\nstates:\n  a:\n    say: scegli\n    buttons:\n{buttons}  orfano:\n    say: solo\n    end: true\n"
    ));
    assert!(dialogues.is_some(), "warnings do not block");
    let messages: Vec<&str> = report
        .diagnostics
        .iter()
        .map(|d| d.message.as_str())
        .collect();
    assert!(
        messages.iter().any(|m| m.contains("numbered text menu")),
        "{messages:#?}"
    );
    assert!(
        !messages.iter().any(|m| m.contains("shows on WhatsApp as")),
        "a numbered text menu shows the labels whole: {messages:#?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("`x.orfano` cannot be reached"))
    );
}

#[test]
fn empty_missing_and_huge_inputs_are_refused_cleanly() {
    let empty = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    assert!(
        only_error(empty.path())
            .message
            .contains("no dialogue files")
    );
    assert!(
        only_error(&empty.path().join("missing"))
            .message
            .contains("cannot read")
    );

    let dir = scratch();
    write(dir.path(), "empty.yaml", "");
    assert!(only_error(dir.path()).message.contains("empty"));

    let dir = scratch();
    write(dir.path(), "huge.yaml", "a".repeat(10 * 1024 * 1024));
    assert!(only_error(dir.path()).message.contains("larger than"));

    let dir = scratch();
    fs::remove_file(dir.path().join("sportello.yaml")).unwrap_or_default();
    assert!(
        errors(dir.path())
            .iter()
            .any(|e| e.message.contains("sportello.yaml is missing"))
    );
}

#[test]
fn json_output_carries_the_same_positions() {
    let (_, report) =
        load_with_flow("flow: x\nstart: a\nstates:\n  a:\n    say: { it: fine, en: fine }\n");
    let json: serde_json::Value = serde_json::from_str(&report.render_json()).unwrap_or_default();
    let first_error = json
        .as_array()
        .and_then(|all| all.iter().find(|d| d["severity"] == "error"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(first_error["line"], 4, "{json:#}");
    assert_eq!(first_error["column"], 3);
    let text = report.render_text();
    assert!(
        text.contains("x.yaml:4:3: error: state `x.a` is a dead end"),
        "{text}"
    );
    assert!(text.contains(" 4 |   a:\n   |   ^"), "{text}");
}

#[test]
fn examples_with_no_telling_word_or_closer_to_another_intent_are_warned_about() {
    let (dialogues, report) = load_with_flow(
        "flow: x\nstart: a\nstates:\n  a:\n    say: scegli\n    match:\n      - goto: b\n        examples:\n          - ciao a tutti\n          - quando esce il bando di medicina\n      - goto: c\n        examples:\n          - bando di medicina quando esce\n          - iscrizione al test di medicina\n          - come mi iscrivo al test di medicina\n  b:\n    say: bando\n    end: true\n  c:\n    say: iscrizione\n    end: true\n",
    );
    assert!(dialogues.is_some(), "warnings do not block");
    let greeting = report
        .diagnostics
        .iter()
        .find(|d| d.message.contains("«ciao a tutti» has no word"))
        .unwrap_or_else(|| panic!("{:#?}", report.diagnostics));
    assert_eq!(greeting.severity, Severity::Warning);
    assert_eq!(at(greeting), ("x.yaml".to_owned(), 9, 13));
    assert!(
        report.diagnostics.iter().any(|d| d
            .message
            .contains("«bando di medicina quando esce» reads closer to `x.b`")),
        "{:#?}",
        report.diagnostics
    );
}

/// The one error of a scratch copy whose `x.yaml` holds `flow`.
fn only_error_of(flow: &str) -> Diagnostic {
    let dir = scratch();
    write(dir.path(), "x.yaml", flow);
    only_error(dir.path())
}

#[test]
fn conditions_are_checked_where_they_are_written() {
    let head = "flow: x\nstart: a\nstates:\n  a:\n    say: ciao\n    goto:\n";
    let ok = format!(
        "{head}      - {{ if: \"year >= 2026\", goto: b }}\n      - {{ goto: b }}\n  b: {{ say: fine, end: true }}\n"
    );
    let (dialogues, report) = load_with_flow(&ok);
    assert!(dialogues.is_some(), "{report:?}");

    let no_default = format!(
        "{head}      - {{ if: \"year >= 2026\", goto: b }}\n  b: {{ say: fine, end: true }}\n"
    );
    let error = only_error_of(&no_default);
    assert!(error.message.contains("needs no `if`"), "{}", error.message);
    assert_eq!(at(&error).1, 7);

    let misspelt = format!(
        "{head}      - {{ if: \"yaer >= 2026\", goto: b }}\n      - {{ goto: b }}\n  b: {{ say: fine, end: true }}\n"
    );
    let error = only_error_of(&misspelt);
    assert!(
        error.message.contains("`yaer`") && error.message.contains("did you mean `year`"),
        "{}",
        error.message
    );
    assert_eq!(at(&error), ("x.yaml".into(), 7, 15));

    let broken = format!(
        "{head}      - {{ if: \"slots.anno >=\", goto: b }}\n      - {{ goto: b }}\n  b: {{ say: fine, end: true }}\n"
    );
    let error = only_error_of(&broken);
    assert!(error.message.contains("does not read"), "{}", error.message);

    let early_default = format!(
        "{head}      - {{ goto: b }}\n      - {{ goto: b }}\n  b: {{ say: fine, end: true }}\n"
    );
    let error = only_error_of(&early_default);
    assert!(error.message.contains("only the last"), "{}", error.message);

    let looping = "flow: x\nstart: a\nstates:\n  a:\n    say: uno\n    goto:\n      - { if: \"year > 2000\", goto: b }\n      - { goto: c }\n  b: { say: due, goto: a }\n  c: { say: tre, end: true }\n";
    let error = only_error_of(looping);
    assert!(error.message.contains("loops back"), "{}", error.message);
}

#[test]
fn typed_answers_are_checked_where_they_are_written() {
    let ask = |fields: &str| {
        format!(
            "flow: x\nstart: a\nstates:\n  a:\n    say: quanti anni?\n    ask: {{ slot: v, escape: b, {fields} }}\n    goto: b\n  b: {{ say: fine, end: true }}\n"
        )
    };
    let (dialogues, report) = load_with_flow(&ask("expect: year, min: year - 25, max: 2020"));
    assert!(dialogues.is_some(), "{report:?}");

    let error = only_error_of(&ask("expect: years"));
    assert!(
        error.message.contains("not a kind of answer") && error.message.contains("`year`"),
        "{}",
        error.message
    );
    let error = only_error_of(&ask("expect: email, min: 3"));
    assert!(
        error.message.contains("only those have an order"),
        "{}",
        error.message
    );
    let error = only_error_of(&ask("expect: choice"));
    assert!(
        error.message.contains("needs `choices:`"),
        "{}",
        error.message
    );
    let error = only_error_of(&ask("expect: number, max: anni + 1"));
    assert!(error.message.contains("`anni`"), "{}", error.message);
    let error = only_error_of(&ask("expect: '^\\d{5}$', choices: [a, b]"));
    assert!(
        error.message.contains("only count with"),
        "{}",
        error.message
    );
}

/// Every finding of a scratch copy whose `x.yaml` holds `flow` (the fixture itself is
/// clean), as `severity: message`.
fn findings_of(flow: &str) -> Vec<String> {
    let (_, report) = load_with_flow(flow);
    report
        .diagnostics
        .iter()
        .filter(|d| d.position.file.ends_with("x.yaml"))
        .map(|d| format!("{:?}: {}", d.severity, d.message))
        .collect()
}

/// Whether a finding of `severity` (`Error`, `Warning`) says `needle`.
fn has(found: &[String], severity: &str, needle: &str) -> bool {
    found
        .iter()
        .any(|f| f.starts_with(severity) && f.contains(needle))
}

#[test]
fn texts_are_tried_with_realistic_values_before_a_citizen_sees_them() {
    let asking = |expect: &str, text: &str| {
        format!(
            "flow: x\nstart: a\nstates:\n  a:\n    ask: {{ slot: anno, prompt: Anno?, {expect}escape: a }}\n    goto: b\n  b:\n    say: \"{text}\"\n    end: true\n"
        )
    };
    let found = findings_of(&asking("", "{{ slots.ano }}"));
    assert!(
        has(
            &found,
            "Error",
            "no `ask` collects `ano`; did you mean `anno`"
        ),
        "{found:#?}"
    );
    let found = findings_of(&asking("expect: year, ", "{{ slots.anno | integer }}"));
    assert!(
        has(&found, "Error", "filter integer is unknown"),
        "{found:#?}"
    );
    let found = findings_of(&asking(
        "",
        "{% if slots.anno | int >= 2007 %}sì{% endif %}",
    ));
    assert!(
        has(&found, "Error", "give its `ask` an `expect`"),
        "{found:#?}"
    );
    let found = findings_of(&asking(
        "expect: year, ",
        "{% if slots.anno >= 2007 %}sì{% endif %}",
    ));
    assert!(
        !has(&found, "Error", ""),
        "a typed year compares as a number: {found:#?}"
    );

    let elsewhere = "flow: x\nstart: a\nstates:\n  a:\n    say: scegli\n    buttons:\n      - { label: anno, goto: b }\n      - { label: saluto, goto: c }\n  b:\n    ask: { slot: anno, prompt: Anno?, expect: year, escape: a }\n    goto: d\n  c:\n    say: \"Nato nel {{ slots.anno }}\"\n    end: true\n  d:\n    say: grazie\n    end: true\n";
    let found = findings_of(elsewhere);
    assert!(
        has(&found, "Warning", "no way into `x.c` passes through x.b"),
        "{found:#?}"
    );
}

#[test]
fn missing_translations_and_hard_italian_are_warned_about() {
    let flow = "flow: x\nstart: a\nstates:\n  a:\n    say: { it: \"Ciao\" }\n    buttons:\n      - { label: { it: Avanti, en: Next }, goto: b }\n      - { label: Solo italiano, goto: b }\n  b:\n    say: \"Conformemente alle disposizioni ministeriali precedentemente richiamate, l'amministrazione scolastica provvederà all'individuazione dei candidati ammissibili secondo le modalità organizzative definite.\"\n    end: true\n";
    let found = findings_of(flow);
    let warns = |needle: &str| has(&found, "Warning", needle);
    assert!(warns("`x.a` has no text in `en`"), "{found:#?}");
    assert!(
        warns("«Solo italiano» of `x.a` has no label in `en`"),
        "{found:#?}"
    );
    assert!(warns("hard to read: Gulpease index"), "{found:#?}");
    assert!(!warns("«Avanti»"), "{found:#?}");
}

/// The basic fixture with `maturita.yaml` replaced by `text`.
fn with_broken_flow(text: &str) -> tempfile::TempDir {
    let dir = scratch();
    write(dir.path(), "maturita.yaml", text);
    dir
}

#[test]
fn an_indentation_slip_is_reported_at_its_line_and_nothing_else_is() {
    let good = fs::read_to_string(fixture("basic").join("maturita.yaml")).unwrap_or_default();
    // `do:` one space left of the `say:` under it: the parser gives up a line later.
    let broken = good.replacen("    do: {", "   do: {", 1);
    assert_ne!(good, broken, "the fixture has the line to break");
    let dir = with_broken_flow(&broken);
    let error = only_error(dir.path());
    let line = broken
        .lines()
        .position(|l| l.starts_with("   do: {"))
        .unwrap_or(0) as u64
        + 1;
    assert_eq!(
        at(&error),
        ("maturita.yaml".into(), line, 4),
        "{}",
        error.message
    );
    assert!(error.message.contains("line them up"), "{}", error.message);

    // The links into the flow from main.yaml are not reported: one note says why.
    let (_, report) = dialogue::load_dir(dir.path());
    let notes: Vec<&Diagnostic> = report
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Warning && d.message.contains("left out"))
        .collect();
    assert_eq!(notes.len(), 1, "{:#?}", report.diagnostics);
    assert!(
        notes[0].message.contains("flow `maturita`"),
        "{}",
        notes[0].message
    );
}

#[test]
fn a_key_indented_under_its_neighbour_is_named_with_what_to_do() {
    let flow = "flow: x\nstart: a\nstates:\n  a:\n    say:\n      it: ciao\n      buttons:\n      - { label: Torna, goto: main.menu }\n";
    let (_, report) = load_with_flow(flow);
    let errors: Vec<&Diagnostic> = report
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(at(errors[0]), ("x.yaml".into(), 7, 7));
    assert!(
        errors[0]
            .message
            .contains("`buttons:` is indented under `say:` (line 5)"),
        "{}",
        errors[0].message
    );
}

#[test]
fn a_quote_inside_quotes_gets_the_doubling_hint_at_its_column() {
    let flow = "flow: x\nstart: a\nstates:\n  a:\n    say: 'L'esame'\n    end: true\n";
    let dir = scratch();
    write(dir.path(), "x.yaml", flow);
    let error = only_error(dir.path());
    assert_eq!(at(&error), ("x.yaml".into(), 5, 12));
    assert!(error.message.contains("`''`"), "{}", error.message);
}

#[test]
fn findings_read_in_italian_when_staff_read_italian() {
    let (_, report) = load_with_flow("flow: x\nstart: a\nstates:\n  a:\n    sai: ciao\n");
    let text = report.render_text_in(sportello::staff_language::StaffLanguage::Italian);
    assert!(
        text.contains("errore: chiave sconosciuta `sai`: forse `say`?"),
        "{text}"
    );
    assert!(text.contains("1 errore/i"), "{text}");

    // The command follows the locale, and `--lang` wins over it.
    let dir = with_broken_flow("flow: maturita\nstart: a\nstates:\n  a:\n    sai: ciao\n");
    let path = dir.path().display().to_string();
    let run = |lang: &str, args: &[&str]| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_sportello"))
            .args(["check", &path])
            .args(args)
            .env_remove("LC_ALL")
            .env_remove("LC_MESSAGES")
            .env("LANG", lang)
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    assert!(run("it_IT.UTF-8", &[]).contains("chiave sconosciuta"));
    assert!(run("C.UTF-8", &[]).contains("unknown key"));
    assert!(run("C.UTF-8", &["--lang", "it"]).contains("chiave sconosciuta"));
    assert!(run("it_IT.UTF-8", &["--lang", "en"]).contains("unknown key"));
}

/// Flows that trip the dialogue lints (the channel limits of buttons aside), each to be
/// the `x.yaml` of a scratch copy.
fn lintable_flows() -> Vec<String> {
    let long_text = "Ciao. ".repeat(700);
    vec![
        "flow: x\nstart: a\nstates:\n  a:\n    say: { it: \"Ciao\" }\n    buttons:\n      - { label: Solo italiano, goto: b }\n      - { label: { it: Anno, en: Year }, goto: c }\n      - { label: { it: Saluto, en: Hello }, goto: k }\n  b:\n    say: \"Nato nel {{ slots.ano }}\"\n    end: true\n  c:\n    ask: { slot: anno, prompt: Anno?, escape: a }\n    goto: d\n  d:\n    say: \"{{ slots.anno | int }}\"\n    end: true\n  k:\n    say: \"Nato nel {{ slots.anno }}\"\n    end: true\n  e:\n    say: vicolo\n  f: { say: uno, goto: g }\n  g: { say: due, goto: f }\n  h:\n    buttons:\n      - { label: ok, goto: a }\n  l:\n    say: lingua\n    do: { language: fr }\n    end: true\n  m:\n    say: scegli\n    buttons:\n      - { label: ok, goto: a }\n    goto: a\n".to_owned(),
        format!("flow: x\nstart: a\nstates:\n  a:\n    say: \"Conformemente alle disposizioni ministeriali precedentemente richiamate, l'amministrazione scolastica provvederà all'individuazione dei candidati ammissibili secondo le modalità organizzative definite dalla circolare e pubblicate sul sito istituzionale del ministero nei tempi previsti.\"\n    goto:\n      - {{ if: \"slots.voto >= 6\", goto: b }}\n      - {{ goto: b }}\n  b:\n    say: \"{long_text}\"\n    end: true\n"),
        "flow: x\nstart: a\nstates:\n  a:\n    say: scegli\n    match:\n      - goto: b\n        examples:\n          - ciao a tutti\n          - quando esce il bando di medicina\n          - orario della segreteria\n      - goto: c\n        examples:\n          - bando di medicina quando esce\n          - iscrizione al test di medicina\n          - come mi iscrivo al test di medicina\n          - orario della segreteria\n  b:\n    say: bando\n    end: true\n  c:\n    say: iscrizione\n    end: true\n".to_owned(),
    ]
}

/// Every finding of the lintable flows (theirs and the fixture's), with the report of
/// each read in Italian.
fn lint_findings() -> (Vec<Diagnostic>, String) {
    let mut all = Vec::new();
    let mut italian = String::new();
    for flow in lintable_flows() {
        let (_, report) = load_with_flow(&flow);
        italian.push_str(&report.render_text_in(sportello::staff_language::StaffLanguage::Italian));
        all.extend(report.diagnostics);
    }
    (all, italian)
}

/// The Italian messages of `found` about `x.yaml`, shortened, for a failing assertion.
fn italian_of(found: &[Diagnostic]) -> Vec<String> {
    found
        .iter()
        .filter(|d| d.position.file.ends_with("x.yaml"))
        .map(|d| {
            let message = d.italian.as_deref().unwrap_or(&d.message);
            message.chars().take(160).collect()
        })
        .collect()
}

#[test]
fn lint_findings_read_in_italian_too() {
    let (found, text) = lint_findings();
    for needle in [
        // check.rs: reachability, dead ends, waiting states, loops, languages, length.
        "avviso: lo stato `x.e` non è raggiungibile: nessun comando, inizio di flusso o altro stato porta qui",
        "errore: lo stato `x.e` è un vicolo cieco",
        "errore: da `x.f` i `goto` tornano a `x.f` senza mai aspettare il cittadino",
        "errore: lo stato `x.h` ha dei pulsanti ma nessun `say` con cui mostrarli",
        "errore: la lingua `fr` non è tra le lingue del bot (`languages`: it, en)",
        "errore: lo stato `x.m` aspetta un pulsante o un testo, quindi il suo `goto` non verrebbe mai seguito",
        "avviso: il testo è di 4200 caratteri; Telegram ne accetta 4096 per messaggio",
        // check_texts.rs: slots, sample values, translations, readability.
        "errore: questo testo legge `slots.ano`, ma nessun `ask` raccoglie `ano`; forse `anno`? (raccolti: anno, nome)",
        "errore: questa condizione legge `slots.voto`, ma nessun `ask` raccoglie `voto`",
        "avviso: questo testo legge `slots.anno`, ma nessuna strada verso `x.k` passa da x.c, che lo raccoglie",
        "errore: questo testo va in errore quando viene mostrato in `x.d`: il valore non è un numero; `slots.anno` contiene quello che ha scritto il cittadino",
        "avviso: `x.a` non ha il testo in `en`: quei cittadini lo leggeranno in `it`",
        "avviso: il pulsante «Solo italiano» di `x.a` non ha l'etichetta in `en`",
        "avviso: difficile da leggere: indice Gulpease 15 (da 60 in su",
        "avviso: una frase di 30 parole («Conformemente alle disposizioni ministeriali precedentemente richiamate,…»): oltre le 25 parole",
        // check_examples.rs: examples with no telling word, misplaced and shared.
        "avviso: l'esempio «ciao a tutti» non ha nessuna parola che distingua una domanda dall'altra",
        "avviso: l'esempio «bando di medicina quando esce» somiglia più a `x.b` (come «quando esce il bando di medicina», 1.00) che al suo `x.c` (0.31)",
        "avviso: l'esempio «orario della segreteria» è scritto anche per `x.b`: le due regole se lo contendono",
    ] {
        assert!(text.contains(needle), "{needle}\n{:#?}", italian_of(&found));
    }
}

#[test]
fn no_lint_finding_lacks_italian() {
    let (found, _) = lint_findings();
    assert!(found.len() > 30, "{:#?}", italian_of(&found));
    let english_only: Vec<&str> = found
        .iter()
        .filter(|d| d.italian.is_none())
        .map(|d| d.message.as_str())
        .collect();
    assert!(english_only.is_empty(), "{english_only:#?}");
}

#[test]
fn hard_english_texts_are_warned_with_their_flesch_figure() {
    let hard = "Candidates experiencing documented incapacitation notwithstanding institutional accommodation procedures should communicate immediately with administrative representatives regarding alternative examination scheduling.";
    let flow = format!(
        "flow: x\nstart: a\nstates:\n  a:\n    say:\n      it: \"La prova è il 18 giugno.\"\n      en: \"{hard}\"\n    goto: main.menu\n"
    );
    let (_, report) = load_with_flow(&flow);
    let warning = report
        .diagnostics
        .iter()
        .find(|d| d.message.contains("Flesch Reading Ease"))
        .unwrap_or_else(|| panic!("{:#?}", report.diagnostics));
    assert_eq!(warning.severity, Severity::Warning);
    assert_eq!(warning.position.line, 7, "{warning:?}");

    let plain = flow.replace(
        hard,
        "The test is on 18 June. Bring an ID card. Come early, please. The room opens at eight.",
    );
    let (_, report) = load_with_flow(&plain);
    assert!(
        !report
            .diagnostics
            .iter()
            .any(|d| d.message.contains("Flesch")),
        "{:#?}",
        report.diagnostics
    );
}

#[test]
fn an_example_that_reads_like_an_off_topic_one_is_warned_about_at_its_line() {
    let dir = scratch();
    let settings = fs::read_to_string(dir.path().join("sportello.yaml")).unwrap_or_default();
    let settings = settings.replacen(
        "fallback:\n",
        "fallback:\n  off_topic: { it: [rinnovo della patente di guida, quiz della patente] }\n",
        1,
    );
    write(dir.path(), "sportello.yaml", settings);
    write(
        dir.path(),
        "x.yaml",
        "flow: x\nstart: a\nstates:\n  a:\n    say: scegli\n    match:\n      - goto: b\n        examples:\n          - quando esce il bando di medicina\n          - rinnovo patente\n  b:\n    say: bando\n    end: true\n",
    );
    let (dialogues, report) = dialogue::load_dir(dir.path());
    assert!(dialogues.is_some(), "warnings do not block");
    let found = report
        .diagnostics
        .iter()
        .find(|d| {
            d.message
                .contains("«rinnovo patente» reads like what the service does not answer")
        })
        .unwrap_or_else(|| panic!("{:#?}", report.diagnostics));
    assert_eq!(found.severity, Severity::Warning);
    assert_eq!(at(found), ("x.yaml".to_owned(), 10, 13));
    assert!(
        found.message.contains("«rinnovo della patente di guida»"),
        "{}",
        found.message
    );
}
