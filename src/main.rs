//! `sportello`: command-line wiring. Each subcommand parses its arguments, builds what
//! it needs from the library, and maps the outcome to an exit code.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand, ValueEnum};

use sportello::channel::console::{self, ConsoleOptions};
use sportello::content::{ContentError, ContentFile, Vocabulary};
use sportello::conversation::Conversation;
use sportello::dialogue::{self, Dialogues, Report, SourceFile, graph};
use sportello::store::mem::{MemoryContent, MemoryStore};
use sportello::transcript;

/// Sportello: citizen-service chatbot. Staff tools and the bot itself.
#[derive(Parser)]
#[command(name = "sportello", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate dialogue files; exits 1 if any error is found.
    Check {
        /// Dialogue directory (default: ./dialogues, else the bundled dialogues).
        dir: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
        format: CheckFormat,
    },
    /// Talk to the bot in the terminal: offline, demo content, nothing stored.
    Chat {
        /// Dialogue directory (default: ./dialogues, else the bundled dialogues).
        #[arg(long)]
        dialogues: Option<PathBuf>,
        /// The citizen's language.
        #[arg(long, default_value = "it")]
        lang: String,
        /// A content file to use instead of the bundled demo content.
        #[arg(long)]
        content: Option<PathBuf>,
    },
    /// Run conversation tests and report state coverage; exits 1 on any failure.
    Test {
        /// Transcript directory (default: <dialogues>/tests).
        dir: Option<PathBuf>,
        /// Dialogue directory (default: the transcripts' parent, else ./dialogues).
        #[arg(long)]
        dialogues: Option<PathBuf>,
        /// A content file to use instead of the bundled demo content.
        #[arg(long)]
        content: Option<PathBuf>,
    },
    /// Print the flows as a diagram.
    Graph {
        /// Dialogue directory (default: ./dialogues, else the bundled dialogues).
        dir: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = GraphFormat::Mermaid)]
        format: GraphFormat,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum CheckFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum GraphFormat {
    Mermaid,
    Dot,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Check { dir, format } => {
            let (dialogues, report) = load(dir.as_deref());
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
        Command::Chat {
            dialogues,
            lang,
            content,
        } => {
            let dialogues = load_or_report(dialogues.as_deref())?;
            let content = content_file(content.as_deref())?;
            let conversation =
                Conversation::new(dialogues, MemoryContent::new(content), MemoryStore::new());
            let options = ConsoleOptions {
                interactive: std::io::stdin().is_terminal(),
                lang,
            };
            runtime()?.block_on(async {
                let stdin = tokio::io::BufReader::new(tokio::io::stdin());
                console::run(
                    &conversation,
                    &options,
                    stdin,
                    std::io::stdout(),
                    chrono::Utc::now,
                )
                .await
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Test {
            dir,
            dialogues,
            content,
        } => {
            let tests_dir = dir
                .clone()
                .or_else(|| dialogues.as_ref().map(|d| d.join("tests")));
            let dialogue_dir =
                dialogues.or_else(|| dir.as_ref().and_then(|d| d.parent().map(Path::to_path_buf)));
            let loaded = load_or_report(dialogue_dir.as_deref())?;
            let files = match &tests_dir {
                Some(path) => transcript::read_dir(path)
                    .with_context(|| format!("cannot read {}", path.display()))?,
                None if Path::new("dialogues/tests").is_dir() => {
                    transcript::read_dir(Path::new("dialogues/tests"))?
                }
                None => dialogue::bundled_tests(),
            };
            if files.is_empty() {
                bail!("no transcripts (*.yaml) found");
            }
            let content = content_file(content.as_deref())?;
            let summary = runtime()?.block_on(transcript::run_all(loaded, &content, &files));
            print!("{}", summary.render());
            Ok(if summary.passed() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Graph { dir, format } => {
            let dialogues = load_or_report(dir.as_deref())?;
            let format = match format {
                GraphFormat::Mermaid => graph::GraphFormat::Mermaid,
                GraphFormat::Dot => graph::GraphFormat::Dot,
            };
            print!("{}", graph::render(&dialogues, format));
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Loads `dir`, or ./dialogues, or the bundled dialogues, in that order.
fn load(dir: Option<&Path>) -> (Option<Dialogues>, Report) {
    let files: Result<Vec<SourceFile>, Report> = match dir {
        Some(dir) => dialogue::read_dir(dir),
        None if Path::new("dialogues").is_dir() => dialogue::read_dir(Path::new("dialogues")),
        None => Ok(dialogue::bundled_files()),
    };
    match files {
        Ok(files) => dialogue::load(&files),
        Err(report) => (None, report),
    }
}

/// Loads dialogues for a command that runs them: errors are printed and stop it.
fn load_or_report(dir: Option<&Path>) -> anyhow::Result<Arc<Dialogues>> {
    let (dialogues, report) = load(dir);
    match dialogues {
        Some(d) => Ok(Arc::new(d)),
        None => {
            eprint!("{}", report.render_text());
            bail!("the dialogues have errors; fix them (see `sportello check`)")
        }
    }
}

fn content_file(path: Option<&Path>) -> anyhow::Result<ContentFile> {
    let content = match path {
        None => ContentFile::demo(),
        Some(path) => ContentFile::read(path, &Vocabulary::default()),
    };
    content.map_err(|errors| content_errors(&errors))
}

/// One error listing every problem of a content file, a line each.
fn content_errors(errors: &[ContentError]) -> anyhow::Error {
    let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
    anyhow::anyhow!("the content file has errors:\n{}", lines.join("\n"))
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}
