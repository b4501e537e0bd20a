//! Watches the running dialogues' directory and reloads them when staff save a file
//! (changes are debounced, so saving several files reloads once). `Auto` uses the
//! system's file events and falls back to polling when they cannot start; `Poll`
//! polls, for bind mounts and network file systems that deliver no events.

use std::any::Any;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use notify::{PollWatcher, RecommendedWatcher, RecursiveMode};
use notify_debouncer_mini::{Config, DebounceEventResult, new_debouncer_opt};
use tokio::sync::mpsc;

use super::Live;
use crate::shutdown::Shutdown;

/// Quiet time after the last change before reloading.
const DEBOUNCE: Duration = Duration::from_millis(500);
/// How often `Poll` looks at the files.
const POLL_EVERY: Duration = Duration::from_secs(2);

/// How changes are noticed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WatchMode {
    /// File events, or polling when they cannot start (the default).
    Auto,
    /// Polling only.
    Poll,
    /// No watching: reload with SIGHUP or `POST /admin/reload`.
    Off,
}

impl FromStr for WatchMode {
    type Err = String;

    fn from_str(text: &str) -> Result<WatchMode, String> {
        match text {
            "auto" => Ok(WatchMode::Auto),
            "poll" => Ok(WatchMode::Poll),
            "off" => Ok(WatchMode::Off),
            other => Err(format!("`{other}`: expected auto, poll or off")),
        }
    }
}

/// Reloads `live` on every change of its directory until `shutdown`. Nothing is
/// watched for bundled dialogues or with `WatchMode::Off`.
pub fn spawn(
    live: Live,
    mode: WatchMode,
    shutdown: Shutdown,
) -> Option<tokio::task::JoinHandle<()>> {
    let dir = live.dir()?.to_path_buf();
    if mode == WatchMode::Off {
        return None;
    }
    let (changed, mut changes) = mpsc::unbounded_channel::<()>();
    let watcher = match start(&dir, mode, changed) {
        Ok(watcher) => watcher,
        Err(err) => {
            tracing::warn!(dir = %dir.display(), "cannot watch the dialogues ({err}); reload with SIGHUP or POST /admin/reload");
            return None;
        }
    };
    tracing::info!(dir = %dir.display(), ?mode, "watching the dialogues");
    Some(tokio::spawn(async move {
        // Dropping the debouncer stops it.
        let _watcher = watcher;
        let stopped = shutdown.wait();
        tokio::pin!(stopped);
        loop {
            tokio::select! {
                () = &mut stopped => return,
                change = changes.recv() => {
                    if change.is_none() {
                        return;
                    }
                    // Several events may have queued: one reload covers them.
                    while changes.try_recv().is_ok() {}
                    let live = live.clone();
                    let _ = tokio::task::spawn_blocking(move || live.reload_and_log()).await;
                }
            }
        }
    }))
}

/// Starts the debounced watcher; events are forwarded to `changed`.
fn start(
    dir: &Path,
    mode: WatchMode,
    changed: mpsc::UnboundedSender<()>,
) -> Result<Box<dyn Any + Send>, notify::Error> {
    let handler = move |result: DebounceEventResult| match result {
        Ok(events) if !events.is_empty() => {
            let _ = changed.send(());
        }
        Ok(_) => {}
        Err(err) => tracing::warn!("watching the dialogues: {err}"),
    };
    if mode == WatchMode::Auto {
        let config = Config::default().with_timeout(DEBOUNCE);
        match new_debouncer_opt::<_, RecommendedWatcher>(config, handler.clone()) {
            Ok(mut debouncer) => {
                match debouncer.watcher().watch(dir, RecursiveMode::NonRecursive) {
                    Ok(()) => return Ok(Box::new(debouncer)),
                    Err(err) => tracing::info!("file events unavailable ({err}); polling instead"),
                }
            }
            Err(err) => tracing::info!("file events unavailable ({err}); polling instead"),
        }
    }
    let config = Config::default()
        .with_timeout(DEBOUNCE)
        // Polling sees modification times in whole seconds: compare contents too, so a
        // save within the same second still counts (dialogue files are small).
        .with_notify_config(
            notify::Config::default()
                .with_poll_interval(POLL_EVERY)
                .with_compare_contents(true),
        );
    let mut debouncer = new_debouncer_opt::<_, PollWatcher>(config, handler)?;
    debouncer
        .watcher()
        .watch(dir, RecursiveMode::NonRecursive)?;
    Ok(Box::new(debouncer))
}
