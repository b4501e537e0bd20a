//! Staff tools that need no database: check, chat, test, graph.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};

use sportello::channel::console::{self, ConsoleOptions, Preview};
use sportello::content::{ContentError, ContentFile, Vocabulary};
use sportello::conversation::Conversation;
use sportello::dialogue::{self, Dialogues, Report, SourceFile, graph};
use sportello::say;
use sportello::staff_language::StaffLanguage;
use sportello::store::mem::{MemoryContent, MemoryStore};
use sportello::store::pg::PgStore;
use sportello::store::{CitizenStore, ContentSource};
use sportello::transcript;

use super::runtime;
use crate::{ChatArgs, ChatChannel, CheckFormat, GraphFormat};

pub fn check(dir: Option<&Path>, format: CheckFormat) -> anyhow::Result<ExitCode> {
    let (dialogues, report) = load(dir);
    match format {
        CheckFormat::Text => print!("{}", report.render_text()),
        CheckFormat::Json => println!("{}", report.render_json()),
    }
    Ok(if dialogues.is_some() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

pub fn chat(args: ChatArgs) -> anyhow::Result<ExitCode> {
    let dialogues = load_or_report(args.dialogues.as_deref())?;
    let options = ConsoleOptions {
        interactive: std::io::stdin().is_terminal(),
        lang: args.lang.clone(),
        chat: args.chat.clone(),
        preview: match args.channel {
            ChatChannel::Console => Preview::Console,
            ChatChannel::Telegram => Preview::Telegram,
            ChatChannel::Whatsapp => Preview::WhatsApp,
        },
        staff: StaffLanguage::current(),
    };
    let rt = runtime()?;
    match &args.database_url {
        None => {
            let content = content_file(args.content.as_deref())?;
            let conversation =
                Conversation::new(dialogues, MemoryContent::new(content), MemoryStore::new());
            rt.block_on(talk(&conversation, &options))?;
        }
        Some(url) => rt.block_on(async {
            let store = PgStore::connect(url).await?;
            let retention = store.spawn_retention(args.transcripts.retention_days);
            let conversation = Conversation::new(dialogues, store.clone(), store)
                .with_transcripts(args.transcripts.transcripts);
            let result = talk(&conversation, &options).await;
            retention.abort();
            result
        })?,
    }
    Ok(ExitCode::SUCCESS)
}

async fn talk<C: ContentSource, S: CitizenStore>(
    conversation: &Conversation<C, S>,
    options: &ConsoleOptions,
) -> anyhow::Result<()> {
    let stdin = tokio::io::BufReader::new(tokio::io::stdin());
    console::run(
        conversation,
        options,
        stdin,
        std::io::stdout(),
        chrono::Utc::now,
    )
    .await?;
    Ok(())
}

pub fn test(
    dir: Option<PathBuf>,
    dialogues: Option<PathBuf>,
    content: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let language = StaffLanguage::current();
    let tests_dir = dir
        .clone()
        .or_else(|| dialogues.as_ref().map(|d| d.join("tests")));
    let dialogue_dir =
        dialogues.or_else(|| dir.as_ref().and_then(|d| d.parent().map(Path::to_path_buf)));
    let loaded = load_or_report(dialogue_dir.as_deref())?;
    let read = |path: &Path| {
        transcript::read_dir(path).with_context(|| {
            let shown = path.display();
            say!("cannot read {shown}", "non riesco a leggere {shown}")
                .in_language(language)
                .to_owned()
        })
    };
    let files = match &tests_dir {
        Some(path) => read(path)?,
        None if Path::new("dialogues/tests").is_dir() => read(Path::new("dialogues/tests"))?,
        None => dialogue::bundled_tests(),
    };
    if files.is_empty() {
        bail!(
            "{}",
            language.pick(
                "no transcripts (*.yaml) found",
                "nessun test trovato (file *.yaml)"
            )
        );
    }
    let content = content_file(content)?;
    let summary = runtime()?.block_on(transcript::run_all(loaded, &content, &files));
    print!("{}", summary.render(language));
    Ok(if summary.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

pub fn graph(
    dir: Option<&Path>,
    format: GraphFormat,
    flow: Option<String>,
) -> anyhow::Result<ExitCode> {
    let dialogues = load_or_report(dir)?;
    let format = match format {
        GraphFormat::Mermaid => graph::GraphFormat::Mermaid,
        GraphFormat::Dot => graph::GraphFormat::Dot,
        GraphFormat::Svg => graph::GraphFormat::Svg,
        GraphFormat::Html => graph::GraphFormat::Html,
    };
    let options = graph::GraphOptions {
        flow,
        language: StaffLanguage::current(),
    };
    print!("{}", graph::render(&dialogues, format, &options)?);
    Ok(ExitCode::SUCCESS)
}

/// Loads `dir`, or ./dialogues, or the bundled dialogues, in that order.
pub fn load(dir: Option<&Path>) -> (Option<Dialogues>, Report) {
    let files: Result<Vec<SourceFile>, Report> = match dialogue_dir(dir) {
        Some(dir) => dialogue::read_dir(&dir),
        None => Ok(dialogue::bundled_files()),
    };
    match files {
        Ok(files) => dialogue::load(&files),
        Err(report) => (None, report),
    }
}

/// The directory the dialogues come from: `dir`, else `./dialogues` when it exists;
/// `None` means the dialogues built into the binary.
pub fn dialogue_dir(dir: Option<&Path>) -> Option<std::path::PathBuf> {
    match dir {
        Some(dir) => Some(dir.to_path_buf()),
        None if Path::new("dialogues").is_dir() => Some("dialogues".into()),
        None => None,
    }
}

/// Loads dialogues for a command that runs them: errors are printed and stop it.
pub fn load_or_report(dir: Option<&Path>) -> anyhow::Result<Arc<Dialogues>> {
    let (dialogues, report) = load(dir);
    match dialogues {
        Some(d) => Ok(Arc::new(d)),
        None => {
            eprint!("{}", report.render_text());
            bail!(
                "{}",
                StaffLanguage::current().pick(
                    "the dialogues have errors; fix them (see `sportello check`)",
                    "i dialoghi hanno errori: correggili (vedi `sportello check`)"
                )
            )
        }
    }
}

/// The categories and topics of the dialogues content must use.
pub fn vocabulary(dir: Option<&Path>) -> anyhow::Result<Vocabulary> {
    let dialogues = load_or_report(dir)?;
    Ok(Vocabulary::of(&dialogues))
}

pub fn content_file(path: Option<&Path>) -> anyhow::Result<ContentFile> {
    let content = match path {
        None => ContentFile::demo(),
        Some(path) => ContentFile::read(path, &Vocabulary::default()),
    };
    content.map_err(|errors| content_errors(&errors))
}

/// One error listing every problem of a content file, a line each.
pub fn content_errors(errors: &[ContentError]) -> anyhow::Error {
    let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
    let heading = StaffLanguage::current().pick(
        "nothing was imported; the content has errors:",
        "non è stato importato nulla: il contenuto ha errori:",
    );
    anyhow::anyhow!("{heading}\n{}", lines.join("\n"))
}
