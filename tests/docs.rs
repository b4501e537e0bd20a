//! The docs show only what runs: every YAML example of docs/common-tasks.md is copied
//! from a file of docs/examples, whose tests run with the suite (tests/cli.rs).

use std::path::Path;

const MARKER: &str = "<!-- from ";

/// Each `<!-- from PATH -->` of `markdown` with the fenced block that follows it.
fn examples(markdown: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut lines = markdown.lines();
    while let Some(line) = lines.next() {
        let Some(path) = line
            .trim()
            .strip_prefix(MARKER)
            .and_then(|rest| rest.strip_suffix("-->"))
        else {
            continue;
        };
        let fence = lines
            .by_ref()
            .find(|l| !l.trim().is_empty())
            .unwrap_or_default();
        assert!(fence.trim().starts_with("```"), "no block after {line}");
        let block: Vec<&str> = lines.by_ref().take_while(|l| l.trim() != "```").collect();
        found.push((path.trim().to_owned(), block.join("\n")));
    }
    found
}

#[test]
fn every_example_of_the_common_tasks_is_copied_from_a_tested_file() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let page = std::fs::read_to_string(root.join("docs/common-tasks.md"))
        .unwrap_or_else(|e| panic!("docs/common-tasks.md: {e}"));
    let examples = examples(&page);
    let yaml_blocks = page.matches("```yaml").count();
    assert_eq!(
        examples.len(),
        yaml_blocks,
        "every YAML block names its file"
    );
    assert!(examples.len() >= 10, "{}", examples.len());
    for (path, block) in &examples {
        assert!(
            path.starts_with("docs/examples/"),
            "{path} is not a tested file"
        );
        let file =
            std::fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert!(
            file.contains(block.as_str()),
            "this example is not in {path} as written:\n{block}"
        );
    }
}
