//! Helpers shared by the integration tests: the fixture dialogues, a conversation over
//! in-memory stores, and a pinned clock.
#![allow(dead_code)]

pub mod bot;
pub mod fake_telegram;
pub mod fake_whatsapp;
pub mod running;
pub mod serve;
pub mod worker;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sportello::content::ContentFile;
use sportello::conversation::Conversation;
use sportello::dialogue::{self, Dialogues};
use sportello::engine::{Inbound, Input, Turn};
use sportello::store::ChatKey;
use sportello::store::mem::{MemoryContent, MemoryStore};

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Loads a dialogue directory, failing the test with the rendered report on errors.
pub fn load(dir: &Path) -> Arc<Dialogues> {
    let (dialogues, report) = dialogue::load_dir(dir);
    match dialogues {
        Some(d) => Arc::new(d),
        None => panic!(
            "dialogues in {} do not load:\n{}",
            dir.display(),
            report.render_text()
        ),
    }
}

pub fn basic_content() -> ContentFile {
    let path = fixture("basic-content.yaml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    ContentFile::parse("content.yaml", &text, &Default::default())
        .unwrap_or_else(|e| panic!("{path:?}: {e:?}"))
}

pub fn at(text: &str) -> DateTime<Utc> {
    text.parse()
        .unwrap_or_else(|e| panic!("{text} is not a time: {e}"))
}

/// A citizen talking to the fixture bot, in January 2027 unless moved.
pub struct Citizen {
    pub conversation: Conversation<MemoryContent, MemoryStore>,
    pub key: ChatKey,
    pub now: DateTime<Utc>,
    pub lang: String,
    pub last: Option<Turn>,
}

impl Citizen {
    pub fn new(dialogues: Arc<Dialogues>, content: ContentFile) -> Citizen {
        Citizen {
            conversation: Conversation::new(
                dialogues,
                MemoryContent::new(content),
                MemoryStore::new(),
            ),
            key: ChatKey::new("test", "42"),
            now: at("2027-01-15T08:00:00Z"),
            lang: "it".to_owned(),
            last: None,
        }
    }

    pub fn basic() -> Citizen {
        Citizen::new(load(&fixture("basic")), basic_content())
    }

    pub async fn input(&mut self, input: Input) -> Turn {
        let inbound = Inbound {
            at: self.now,
            input,
        };
        let turn = self
            .conversation
            .turn(&self.key, &inbound, Some(&self.lang))
            .await;
        let turn = match turn {
            Ok(turn) => turn,
            Err(err) => panic!("turn failed: {err}"),
        };
        self.last = Some(turn.clone());
        turn
    }

    /// Sends typed text and returns everything the bot said, joined.
    pub async fn send(&mut self, text: &str) -> String {
        let turn = self.input(Input::from_text(text)).await;
        said(&turn)
    }

    /// Presses the button whose label contains `label` in the last reply.
    pub async fn press(&mut self, label: &str) -> String {
        let payload = self
            .last
            .as_ref()
            .and_then(|t| {
                t.replies
                    .iter()
                    .flat_map(|r| &r.buttons)
                    .find(|b| b.label.contains(label))
            })
            .map(|b| b.payload.clone());
        let Some(payload) = payload else {
            panic!("no button {label:?} offered")
        };
        let turn = self.input(Input::Button(payload)).await;
        said(&turn)
    }

    pub fn state(&self) -> String {
        self.last
            .as_ref()
            .map(|t| t.session.state.clone())
            .unwrap_or_default()
    }

    /// The values the last turn left in the session.
    pub fn slots(&self) -> std::collections::BTreeMap<String, serde_json::Value> {
        self.last
            .as_ref()
            .map(|t| t.session.slots.clone())
            .unwrap_or_default()
    }

    pub fn buttons(&self) -> Vec<String> {
        self.last
            .as_ref()
            .map(|t| {
                t.replies
                    .iter()
                    .flat_map(|r| r.buttons.iter().map(|b| b.label.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }
}

pub fn said(turn: &Turn) -> String {
    turn.replies
        .iter()
        .map(|r| r.text.as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs the `sportello` binary from the repository root with `stdin` as its input.
/// DATABASE_URL is removed so that nothing reaches a database unless asked.
pub fn sportello(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sportello"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("DATABASE_URL")
        // The staff tools speak the locale's language: tests read English unless they
        // ask for Italian, whatever this machine's locale.
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", "C.UTF-8")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run sportello: {e}"));
    if let Some(mut input) = child.stdin.take() {
        let _ = input.write_all(stdin.as_bytes());
    }
    child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("sportello did not finish: {e}"))
}

/// The URL of the database `#[sqlx::test]` made for a test, for running the binary on it.
pub fn url_of(pool: &sqlx::PgPool) -> String {
    let base = std::env::var("DATABASE_URL").unwrap_or_default();
    let server = base
        .rsplit_once('/')
        .map_or(base.as_str(), |(server, _)| server)
        .to_owned();
    let name = pool
        .connect_options()
        .get_database()
        .unwrap_or("postgres")
        .to_owned();
    format!("{server}/{name}")
}

/// A copy of the bundled dialogues the test may edit.
pub fn bundled_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let bundled = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("dialogues");
    for entry in std::fs::read_dir(bundled).into_iter().flatten().flatten() {
        if entry.path().is_file() {
            let _ = std::fs::copy(entry.path(), dir.path().join(entry.file_name()));
        }
    }
    dir
}
