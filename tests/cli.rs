//! The `sportello` binary as staff and newcomers use it, on the bundled dialogues.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::sportello;

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn chat_answers_start_with_the_main_menu_and_the_first_test_by_number_or_text() {
    let output = sportello(&["chat"], "/start\n1\n");
    assert!(output.status.success());
    let text = stdout(&output);
    assert!(text.contains("[1]"), "numbered buttons: {text}");
    assert!(text.contains("Esame di Stato"), "{text}");

    let output = sportello(&["chat"], "/start\nquando è la prima prova?\n");
    let text = stdout(&output);
    assert!(text.contains("mercoledì 16 giugno 2027"), "{text}");
}

#[test]
fn chat_works_from_any_directory_with_the_embedded_dialogues() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sportello"))
        .arg("chat")
        .current_dir(std::env::temp_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    if let Some(mut input) = child.stdin.take() {
        let _ = input.write_all(b"/start\n");
    }
    let output = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    assert!(output.status.success());
    assert!(stdout(&output).contains("[1]"));
}

#[test]
fn check_passes_on_the_bundled_dialogues_and_fails_at_a_misspelt_target() {
    let output = sportello(&["check", "dialogues"], "");
    assert!(output.status.success(), "{}", stdout(&output));
    assert!(stdout(&output).contains("0 error(s)"));

    let copy = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut misspelt = None;
    for entry in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("dialogues"))
        .into_iter()
        .flatten()
        .flatten()
    {
        let path = entry.path();
        if !path.is_file() {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = if misspelt.is_none() && name != "sportello.yaml" {
            // Misspell the first `goto: <target>` of the first flow file.
            text.lines()
                .enumerate()
                .find_map(|(i, line)| {
                    line.find("goto: ")
                        .map(|byte| (i, line[..byte].chars().count()))
                })
                .map(|(line, col)| {
                    misspelt = Some((name.clone(), line + 1, col + 7));
                    text.lines()
                        .enumerate()
                        .map(|(i, l)| {
                            if i == line {
                                l.replacen("goto: ", "goto: zz", 1)
                            } else {
                                l.to_owned()
                            }
                        })
                        .collect::<Vec<_>>()
                        .join("\n")
                })
                .unwrap_or(text)
        } else {
            text
        };
        std::fs::write(copy.path().join(&name), text).unwrap_or_else(|e| panic!("{e}"));
    }
    let Some((file, line, column)) = misspelt else {
        panic!("no goto found to misspell")
    };
    let dir = copy.path().display().to_string();
    let output = sportello(&["check", &dir], "");
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    let expected = format!("{file}:{line}:{column}: error: unknown target `zz");
    assert!(
        text.contains(&expected),
        "expected {expected:?} in:\n{text}"
    );
}

#[test]
fn test_command_passes_with_high_coverage() {
    let output = sportello(&["test"], "");
    let text = stdout(&output);
    assert!(output.status.success(), "{text}");
    let coverage = text
        .lines()
        .find_map(|l| l.strip_prefix("coverage: "))
        .and_then(|l| l.split('(').nth(1))
        .and_then(|l| l.split('%').next())
        .and_then(|p| p.parse::<f64>().ok())
        .unwrap_or(0.0);
    assert!(coverage >= 90.0, "coverage {coverage}%:\n{text}");
}

#[test]
fn graph_prints_mermaid_and_dot() {
    let output = sportello(&["graph"], "");
    let text = stdout(&output);
    assert!(output.status.success());
    assert!(text.starts_with("flowchart TD\n"), "{text}");
    assert!(text.contains("subgraph"));
    assert!(text.contains("-->|\""));
    let output = sportello(&["graph", "--format", "dot"], "");
    let text = stdout(&output);
    assert!(text.starts_with("digraph sportello {"));
    assert!(text.trim_end().ends_with('}'));
}

#[test]
fn commands_that_load_broken_dialogues_exit_non_zero_with_the_finding() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.path().join("sportello.yaml"), "main: [\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().display().to_string();
    for args in [
        vec!["check", &path],
        vec!["graph", &path],
        vec!["chat", "--dialogues", &path],
    ] {
        let output = sportello(&args, "");
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        let all = format!(
            "{}{}",
            stdout(&output),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(all.contains("sportello.yaml:1:"), "{args:?}: {all}");
        assert!(!all.contains("panicked"));
    }
}

#[test]
fn the_examples_of_the_docs_pass_their_own_tests() {
    let output = sportello(&["test", "docs/examples/tests"], "");
    let text = stdout(&output);
    assert!(output.status.success(), "{text}");
    assert!(text.contains("0 failed"), "{text}");
    let output = sportello(&["check", "docs/examples"], "");
    let text = stdout(&output);
    assert!(output.status.success(), "{text}");
    assert!(text.contains("0 error(s), 0 warning(s)"), "{text}");
}
