//! Reading dialogue files: listing a directory, refusing oversized or non-UTF-8
//! files, parsing YAML with locations, and the version that names a set of files.

use std::path::Path;
use std::sync::Arc;

use sha2::{Digest, Sha256};

use super::Builder;
use crate::dialogue::diagnostic::{Diagnostic, Position, Report};
use crate::dialogue::raw::STATE_KEYS;
use crate::say;
use crate::staff_language::Message;

/// Larger files are refused unread: a dialogue file is a few kilobytes.
pub const MAX_FILE_BYTES: usize = 1024 * 1024;
/// The settings file every dialogue directory has.
pub const SETTINGS_FILE: &str = "sportello.yaml";

/// Whether `path` names the settings file (either extension).
pub(super) fn is_settings_file(path: &str) -> bool {
    Path::new(path)
        .file_name()
        .is_some_and(|n| n == SETTINGS_FILE || n == "sportello.yml")
}

/// One dialogue file's name and bytes, from disk or embedded in the binary.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The name findings show: a path on disk, or `dialogues/…` when bundled.
    pub path: String,
    /// The contents, not yet checked to be UTF-8.
    pub bytes: Vec<u8>,
}

/// Lists the `.yaml`/`.yml` files of `dir` (not its subdirectories), sorted by name.
pub fn read_dir(dir: &Path) -> Result<Vec<SourceFile>, Report> {
    let shown: Arc<str> = Arc::from(dir.display().to_string());
    let fail = |message: Message| {
        let mut report = Report::default();
        report.push(Diagnostic::error(Position::whole(&shown), message));
        report
    };
    let entries = std::fs::read_dir(dir).map_err(|err| {
        fail(say!(
            "cannot read the dialogue directory: {err}",
            "non riesco a leggere la cartella dei dialoghi: {err}"
        ))
    })?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|err| {
            fail(say!(
                "cannot list the directory: {err}",
                "non riesco a elencare la cartella: {err}"
            ))
        })?;
        let path = entry.path();
        let is_yaml = path
            .extension()
            .is_some_and(|ext| ext == "yaml" || ext == "yml");
        if !is_yaml || !path.is_file() {
            continue;
        }
        let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
        let bytes = if size > MAX_FILE_BYTES as u64 {
            // Keep it out of memory; `load` reports it by its size.
            vec![0; MAX_FILE_BYTES + 1]
        } else {
            std::fs::read(&path).map_err(|err| {
                let path = path.display();
                fail(say!(
                    "cannot read {path}: {err}",
                    "non riesco a leggere {path}: {err}"
                ))
            })?
        };
        files.push(SourceFile {
            path: path.display().to_string(),
            bytes,
        });
    }
    if files.is_empty() {
        return Err(fail(Message::new(
            "no dialogue files (*.yaml) here; a dialogue directory needs sportello.yaml and one file per flow",
            "qui non ci sono file di dialogo (*.yaml); una cartella di dialoghi contiene sportello.yaml e un file per flusso",
        )));
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

impl Builder {
    /// The file as text, or an error naming the size or the first bad byte.
    pub(super) fn text_of(&mut self, file: &Arc<str>, bytes: &[u8]) -> Option<String> {
        if bytes.len() > MAX_FILE_BYTES {
            self.error(Position::whole(file), {
                let kib = MAX_FILE_BYTES / 1024;
                say!(
                    "file is larger than {kib} KiB; split it into flows",
                    "il file supera {kib} KiB; dividilo in più flussi"
                )
            });
            return None;
        }
        match std::str::from_utf8(bytes) {
            Ok(text) => {
                self.report.add_source(file, text);
                self.sources.insert(Arc::clone(file), text.to_owned());
                Some(text.to_owned())
            }
            Err(err) => {
                let good = &bytes[..err.valid_up_to()];
                let line = good.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
                let line_start = good.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
                let column =
                    String::from_utf8_lossy(&good[line_start..]).chars().count() as u64 + 1;
                self.error(
                    Position::new(file, line, column),
                    Message::new(
                        "the file is not UTF-8 text; save it as UTF-8",
                        "il file non è testo UTF-8; salvalo come UTF-8",
                    ),
                );
                None
            }
        }
    }

    /// Parses YAML into `T`; an empty file or a YAML error becomes a finding.
    pub(super) fn parse<T: serde::de::DeserializeOwned>(
        &mut self,
        file: &Arc<str>,
        text: &str,
    ) -> Option<T> {
        if text.trim().is_empty() {
            self.error(
                Position::whole(file),
                Message::new("the file is empty", "il file è vuoto"),
            );
            return None;
        }
        match crate::yaml::from_str_knowing::<T>(text, STATE_KEYS) {
            Ok(value) => Some(value),
            Err(err) => {
                self.error(Position::new(file, err.line, err.column), err.message());
                None
            }
        }
    }
}

impl Builder {
    /// Notes the flow of a file that could not be read (its `flow:` line, else the file
    /// name), and says once that it is left out.
    pub(super) fn skip_flow_of(&mut self, file: &Arc<str>, text: &str) {
        let declared = text.lines().find_map(|line| {
            let value = line.strip_prefix("flow:")?.split('#').next()?;
            let name = value.trim().trim_matches(['"', '\'']);
            (!name.is_empty()).then(|| name.to_owned())
        });
        let stem = Path::new(&**file)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned());
        let Some(flow) = declared.or(stem) else {
            return;
        };
        self.report.push(Diagnostic::warning(
            Position::whole(file),
            say!(
                "flow `{flow}` is left out until this file reads; links to it from other files are not checked meanwhile",
                "il flusso `{flow}` resta escluso finché questo file non si legge; intanto i collegamenti dagli altri file non vengono controllati"
            ),
        ));
        self.skipped_flows.insert(flow);
    }
}

/// A short hash of the files' names and bytes: a new version whenever any file changes.
pub(super) fn version_of(files: &[SourceFile]) -> String {
    let mut hasher = Sha256::new();
    for file in files {
        let name = Path::new(&file.path)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned());
        hasher.update(name.unwrap_or_default().as_bytes());
        hasher.update([0]);
        hasher.update(&file.bytes);
    }
    let digest = hasher.finalize();
    digest.iter().take(6).map(|b| format!("{b:02x}")).collect()
}
