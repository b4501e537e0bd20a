//! The dialogues a running bot uses, replaced whole and at once when staff change the
//! files. A turn runs on the version it started with; a change that does not load
//! keeps the running version and reports every finding with file:line:col.
//!
//! Reloading reads files; call it off the async threads (`spawn_blocking`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arc_swap::ArcSwap;
use serde::Serialize;

use super::{Diagnostic, Dialogues, Report, Severity, load_dir};

/// The running dialogues and where they come from. Cheap to clone; clones share the
/// same version.
#[derive(Debug, Clone)]
pub struct Live {
    current: Arc<ArcSwap<Dialogues>>,
    /// `None` for the dialogues built into the binary, which never change.
    dir: Option<PathBuf>,
}

/// A reload that took.
#[derive(Debug, Clone, Serialize)]
pub struct Reloaded {
    /// The version now running (a hash of the files).
    pub version: String,
    /// False when the files had not changed.
    pub changed: bool,
    /// Warnings about the new version (it runs anyway).
    pub warnings: Vec<Diagnostic>,
}

/// Why the running version was kept.
#[derive(Debug, thiserror::Error)]
pub enum ReloadError {
    /// Loaded from the binary: nothing on disk to read again.
    #[error("the dialogues are built into the binary; there is no directory to reload")]
    Bundled,
    /// The new files have errors; the findings say which.
    #[error("the dialogues have {} error(s); the running version is kept", .0.count(Severity::Error))]
    Invalid(Report),
}

impl From<Arc<Dialogues>> for Live {
    fn from(dialogues: Arc<Dialogues>) -> Live {
        Live::new(dialogues, None)
    }
}

impl Live {
    /// `dialogues`, loaded from `dir` (`None`: bundled, never reloaded).
    pub fn new(dialogues: Arc<Dialogues>, dir: Option<PathBuf>) -> Live {
        Live {
            current: Arc::new(ArcSwap::new(dialogues)),
            dir,
        }
    }

    /// The version running now; keep it for the whole of a turn.
    pub fn get(&self) -> Arc<Dialogues> {
        self.current.load_full()
    }

    /// The directory reloads read, if the dialogues came from one.
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// Loads and checks the directory again; swaps the new version in only if it has
    /// no errors.
    pub fn reload(&self) -> Result<Reloaded, ReloadError> {
        let Some(dir) = &self.dir else {
            return Err(ReloadError::Bundled);
        };
        let (loaded, report) = load_dir(dir);
        let Some(loaded) = loaded else {
            return Err(ReloadError::Invalid(report));
        };
        let version = loaded.version.clone();
        let changed = version != self.get().version;
        if changed {
            self.current.store(Arc::new(loaded));
        }
        Ok(Reloaded {
            version,
            changed,
            warnings: report.diagnostics,
        })
    }

    /// `reload`, logged: the new version, or each finding as `file:line:col`.
    pub fn reload_and_log(&self) -> Result<Reloaded, ReloadError> {
        let outcome = self.reload();
        match &outcome {
            Ok(reloaded) if reloaded.changed => {
                metrics::counter!("sportello_dialogue_reloads_total", "outcome" => "ok")
                    .increment(1);
                tracing::info!(version = %reloaded.version, "dialogues reloaded");
            }
            Ok(_) => tracing::debug!("dialogues unchanged"),
            Err(ReloadError::Invalid(report)) => {
                metrics::counter!("sportello_dialogue_reloads_total", "outcome" => "failed")
                    .increment(1);
                for d in &report.diagnostics {
                    let p = &d.position;
                    let severity = match d.severity {
                        Severity::Error => "error",
                        Severity::Warning => "warning",
                    };
                    tracing::warn!(
                        "{}:{}:{}: {severity}: {}",
                        p.file,
                        p.line,
                        p.column,
                        d.message
                    );
                }
                tracing::warn!(version = %self.get().version, "dialogue change refused; the running version is kept");
            }
            Err(err @ ReloadError::Bundled) => tracing::info!("{err}"),
        }
        outcome
    }
}
