use super::*;
use crate::staff_language::StaffLanguage;

/// The hint `from_str` would give for `text`, read as free-form YAML.
fn hint_for(text: &str) -> Hint {
    hint_as::<serde_json::Value>(text, &[])
}

/// The hint for `text` read as a `T`, knowing `keys` sit side by side.
fn hint_as<T: serde::de::DeserializeOwned>(text: &str, keys: &[&str]) -> Hint {
    let options = serde_saphyr::options! { with_snippet: false };
    let err = serde_saphyr::from_str_with_options::<T>(text, options)
        .err()
        .unwrap_or_else(|| panic!("parses:\n{text}"));
    let (line, column) = err.location().map_or((0, 0), |l| (l.line(), l.column()));
    explain(text, line, column, &super::super::message_of(&err), keys)
}

/// A state with texts per language, for the misplaced-key hints.
#[derive(Debug, serde::Deserialize)]
#[allow(dead_code)]
struct State {
    say: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    buttons: Vec<String>,
}

type States = std::collections::BTreeMap<String, State>;

fn english(hint: &Hint) -> &str {
    hint.message.in_language(StaffLanguage::English)
}

#[test]
fn a_line_one_space_too_far_right_is_named_not_the_next_one() {
    let text = "states:\n  menu:\n    say: ciao\n  date:\n   do: { events: x }\n    say: date\n    end: true\n";
    let hint = hint_for(text);
    assert_eq!((hint.line, hint.column), (5, 4), "{hint:?}");
    assert!(english(&hint).contains("column 5"), "{hint:?}");
}

#[test]
fn a_first_child_too_deep_is_named_when_its_siblings_are_right() {
    let text = "states:\n  date:\n      do: x\n    say: date\n    end: true\n";
    let hint = hint_for(text);
    assert_eq!(hint.line, 3, "{hint:?}");
    assert!(english(&hint).contains("line 4"), "{hint:?}");
}

#[test]
fn list_items_that_do_not_line_up_are_named() {
    let text = "buttons:\n  - { label: a, goto: x }\n   - { label: b, goto: y }\n";
    let hint = hint_for(text);
    assert_eq!(hint.line, 3, "{hint:?}");
    assert!(english(&hint).contains("`-` of a list line up"), "{hint:?}");
}

#[test]
fn a_key_right_of_a_line_with_a_value_is_named() {
    let text = "flow: prova\nstart: menu\n  title: x\n";
    let hint = hint_for(text);
    assert_eq!(hint.line, 3, "{hint:?}");
    assert!(english(&hint).contains("already has its value"), "{hint:?}");
}

#[test]
fn a_line_between_two_levels_lists_the_columns_it_could_take() {
    let text = "states:\n  menu:\n    say: ciao\n   end: true\n";
    let hint = hint_for(text);
    assert_eq!(hint.line, 4, "{hint:?}");
    assert!(english(&hint).contains("column 4"), "{hint:?}");
    assert!(english(&hint).contains("column 5") || english(&hint).contains("column 3"));
}

#[test]
fn a_quote_inside_single_quotes_gets_the_doubling_hint() {
    let hint = hint_for("say: 'L'esame di Stato'\n");
    assert_eq!(hint.line, 1);
    assert!(english(&hint).contains("''"), "{hint:?}");
    let italian = hint.message.in_language(StaffLanguage::Italian);
    assert!(italian.contains("va raddoppiato"), "{italian}");
}

#[test]
fn a_tab_in_the_indentation_is_named() {
    let hint = hint_for("states:\n  menu:\n\tsay: ciao\n");
    assert_eq!(hint.line, 3, "{hint:?}");
    assert!(english(&hint).contains("tab"));
}

#[test]
fn an_unclosed_brace_is_named_on_its_own_line() {
    let text = "buttons:\n  - { label: a, goto: x\n  - { label: b, goto: y }\nsay: ciao\n";
    let hint = hint_for(text);
    assert_eq!((hint.line, hint.column), (2, 5), "{hint:?}");
    assert!(english(&hint).contains("not closed"), "{hint:?}");
}

#[test]
fn a_colon_inside_a_value_asks_for_quotes() {
    let hint = hint_for("say: Orari: 9-13\n");
    assert!(english(&hint).contains("between quotes"), "{hint:?}");
}

#[test]
fn block_texts_and_comments_do_not_confuse_the_rules() {
    // A block text may hold anything at any depth; the slip is the last line.
    let text = "say: |\n  uno\n      due: tre\n  # non è un commento\nend: true\n  bad: x\n";
    let hint = hint_for(text);
    assert_eq!(hint.line, 6, "{hint:?}");
}

#[test]
fn a_key_indented_into_the_text_above_is_named_as_misplaced() {
    let text = "a:\n  say:\n    it: ciao\n  buttons:\n    - x\nb:\n  say:\n    it: ciao\n    buttons:\n    - x\n";
    let hint = hint_as::<States>(text, &[]);
    assert_eq!(hint.line, 9, "{hint:?}");
    assert!(english(&hint).contains("under `say:`"), "{hint:?}");
}

#[test]
fn unknown_keys_get_a_did_you_mean_in_both_languages() {
    let message = translated("unknown field `butons`, expected one of say, buttons, match");
    assert!(
        message.english.contains("did you mean `buttons`?"),
        "{message:?}"
    );
    let italian = message.in_language(StaffLanguage::Italian);
    assert!(italian.contains("forse `buttons`?"), "{italian}");
}

#[test]
fn hostile_text_never_panics() {
    for text in [
        "\u{feff}- : : :\n\t\t-",
        "{{{{{{{{[[[[[[",
        "'''''''\n\"\"\"\"\\",
        "a:\n - b\n  - c\n   - d\n    - e:\n     f: |\n  g",
        "- - - - - -\n      x: y\n  z",
        "é: è\n  à: ò\n ù",
    ] {
        let hint = explain(text, 2, 3, "did not find expected key", &["a", "b"]);
        assert!(hint.line <= 7, "{text:?} {hint:?}");
    }
}

#[test]
fn keys_of_one_mapping_tell_a_misplaced_key_even_when_written_once() {
    let text = "a:\n  say:\n    it: ciao\n    buttons:\n    - x\n";
    let plain = hint_as::<States>(text, &[]);
    assert_ne!(plain.line, 4, "no sibling to tell by: {plain:?}");
    let hint = hint_as::<States>(text, &["say", "buttons"]);
    assert_eq!(hint.line, 4, "{hint:?}");
    assert!(english(&hint).contains("under `say:`"), "{hint:?}");
}
