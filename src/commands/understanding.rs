//! Staff tools for how the bot reads citizens: `eval` over a set, `explain` one message.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;

use sportello::conversation::Conversation;
use sportello::evaluation::{Evaluation, explain::explain as explain_message, read_cases};
use sportello::store::ContentSource;
use sportello::store::mem::{MemoryContent, MemoryStore};
use sportello::understand::FaqIndex;

use super::runtime;
use super::staff::{content_file, load_or_report};

/// What `eval` runs on and what it must reach.
pub struct Options {
    pub dialogues: Option<PathBuf>,
    pub content: Option<PathBuf>,
    pub lang: Option<String>,
    pub min_accuracy: Option<f64>,
    pub max_confident_wrong: Option<usize>,
}

pub fn eval(file: &Path, options: Options) -> anyhow::Result<ExitCode> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let cases = read_cases(&text).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let dialogues = load_or_report(options.dialogues.as_deref())?;
    let content = content_file(options.content.as_deref())?;
    let conversation =
        Conversation::new(dialogues, MemoryContent::new(content), MemoryStore::new());
    let evaluation = runtime()?.block_on(Evaluation::run(
        &conversation,
        &cases,
        options.lang.as_deref(),
    ));
    print!("{}", evaluation.render());
    let accuracy = evaluation.accuracy() * 100.0;
    let mut failed = false;
    if let Some(min) = options.min_accuracy
        && accuracy < min
    {
        println!("\nFALLITO: {accuracy:.1}% di risposte giuste, sotto il minimo di {min}%");
        failed = true;
    }
    if let Some(max) = options.max_confident_wrong
        && evaluation.confident_wrong() > max
    {
        println!(
            "\nFALLITO: {} risposte sicure a domande fuori tema, più delle {max} ammesse",
            evaluation.confident_wrong()
        );
        failed = true;
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

pub fn explain(
    message: &str,
    dialogues: Option<&Path>,
    content: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let dialogues = load_or_report(dialogues)?;
    let content = MemoryContent::new(content_file(content)?);
    let list = runtime()?.block_on(content.faqs())?;
    let faqs = FaqIndex::build(&dialogues.understanding.analyzer, list.faqs.to_vec());
    print!("{}", explain_message(&dialogues, &faqs, message));
    Ok(ExitCode::SUCCESS)
}
