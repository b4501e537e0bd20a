//! Dialogues changed while the bot runs: a valid change is live at the next turn, a
//! broken one changes nothing and is reported at its line, and a conversation whose
//! state went away starts its flow again with a notice.

mod common;

use std::path::Path;
use std::sync::Arc;

use common::{at, basic_content, fixture};
use sportello::conversation::Conversation;
use sportello::dialogue::{self, Live, ReloadError};
use sportello::engine::{Inbound, Input};
use sportello::store::ChatKey;
use sportello::store::mem::{MemoryContent, MemoryStore};

/// A copy of the `basic` fixture dialogues that the test may edit.
fn editable_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for entry in std::fs::read_dir(fixture("basic"))
        .into_iter()
        .flatten()
        .flatten()
    {
        let target = dir.path().join(entry.file_name());
        if let Err(err) = std::fs::copy(entry.path(), target) {
            panic!("copy: {err}");
        }
    }
    dir
}

fn edit(dir: &Path, file: &str, from: &str, to: &str) {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(text.contains(from), "{file} has no {from:?}");
    if let Err(err) = std::fs::write(&path, text.replace(from, to)) {
        panic!("write: {err}");
    }
}

fn running(dir: &Path) -> Conversation<MemoryContent, MemoryStore> {
    let (dialogues, report) = dialogue::load_dir(dir);
    let Some(dialogues) = dialogues else {
        panic!("{}", report.render_text())
    };
    let live = Live::new(Arc::new(dialogues), Some(dir.to_path_buf()));
    Conversation::new(
        live,
        MemoryContent::new(basic_content()),
        MemoryStore::new(),
    )
}

async fn say(c: &Conversation<MemoryContent, MemoryStore>, text: &str) -> String {
    let inbound = Inbound {
        at: at("2027-01-15T08:00:00Z"),
        input: Input::from_text(text),
    };
    match c
        .turn(&ChatKey::new("test", "1"), &inbound, Some("it"))
        .await
    {
        Ok(turn) => common::said(&turn),
        Err(err) => panic!("turn failed: {err}"),
    }
}

#[tokio::test]
async fn a_valid_change_is_live_at_the_next_turn() {
    let dir = editable_copy();
    let bot = running(dir.path());
    assert!(
        say(&bot, "/start")
            .await
            .contains("Ciao! Come posso aiutarti?")
    );
    let before = bot.dialogues().version.clone();
    edit(
        dir.path(),
        "main.yaml",
        "Ciao! Come posso aiutarti?",
        "Buongiorno! Dimmi pure.",
    );
    let reloaded = bot.live().reload_and_log();
    assert!(reloaded.as_ref().is_ok_and(|r| r.changed), "{reloaded:?}");
    assert_ne!(bot.dialogues().version, before);
    assert!(say(&bot, "/menu").await.contains("Buongiorno! Dimmi pure."));
    let again = bot.live().reload();
    assert!(
        again.is_ok_and(|r| !r.changed),
        "nothing changed the second time"
    );
}

#[tokio::test]
async fn a_broken_change_keeps_the_running_version_and_names_its_line() {
    let dir = editable_copy();
    let bot = running(dir.path());
    let before = bot.dialogues().version.clone();
    edit(dir.path(), "main.yaml", "goto: iscrivi", "goto: iscirvi");
    match bot.live().reload_and_log() {
        Err(ReloadError::Invalid(report)) => {
            let finding = report
                .diagnostics
                .iter()
                .find(|d| d.message.contains("iscirvi"))
                .unwrap_or_else(|| panic!("{}", report.render_text()));
            assert!(finding.position.file.ends_with("main.yaml"));
            assert_eq!(
                (finding.position.line, finding.position.column > 0),
                (8, true)
            );
        }
        other => panic!("the broken change was taken: {other:?}"),
    }
    assert_eq!(bot.dialogues().version, before);
    assert!(
        say(&bot, "/start")
            .await
            .contains("Ciao! Come posso aiutarti?")
    );
}

#[tokio::test]
async fn a_conversation_whose_state_went_away_restarts_its_flow_with_a_notice() {
    let dir = editable_copy();
    let bot = running(dir.path());
    say(&bot, "/start toggle").await;
    assert_eq!(say(&bot, "x").await, "pong");
    // Staff rename `pong`: the citizen's state no longer exists.
    edit(dir.path(), "toggle.yaml", "pong", "pang");
    assert!(bot.live().reload().is_ok());
    let said = say(&bot, "x").await;
    assert!(said.contains("Il servizio è stato aggiornato"), "{said}");
    assert!(said.ends_with("ping"), "the flow starts again: {said}");
    assert_eq!(say(&bot, "x").await, "pang", "and goes on normally");
}

#[tokio::test]
async fn bundled_dialogues_are_not_reloaded() {
    let bot = Conversation::new(
        common::load(&fixture("basic")),
        MemoryContent::new(basic_content()),
        MemoryStore::new(),
    );
    assert!(matches!(bot.live().reload(), Err(ReloadError::Bundled)));
}

#[tokio::test]
async fn a_saved_file_is_picked_up_by_the_watcher() {
    use sportello::dialogue::watch::{self, WatchMode};
    for mode in [WatchMode::Auto, WatchMode::Poll] {
        let dir = editable_copy();
        let bot = running(dir.path());
        let (stop, shutdown) = sportello::shutdown::channel();
        let Some(watcher) = watch::spawn(bot.live().clone(), mode, shutdown) else {
            panic!("{mode:?}: nothing watched")
        };
        let before = bot.dialogues().version.clone();
        edit(
            dir.path(),
            "main.yaml",
            "Ciao! Come posso aiutarti?",
            "Salve!",
        );
        let mut reloaded = false;
        for _ in 0..300 {
            if bot.dialogues().version != before {
                reloaded = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(reloaded, "{mode:?}: the change was never picked up");
        assert!(say(&bot, "/start").await.contains("Salve!"));
        stop.fire();
        assert!(watcher.await.is_ok());
    }
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn a_reload_through_one_replica_reaches_the_others(pool: sqlx::PgPool) {
    use sportello::store::pg::PgStore;
    // Two replicas running the same directory (a volume both mount).
    let dir = editable_copy();
    let first = running(dir.path());
    let second = running(dir.path());
    let store = PgStore::from_pool(pool);
    let (trigger, stop) = sportello::shutdown::channel();
    let follower = sportello::replicas::follow_reloads(store.clone(), second.live().clone(), stop);

    edit(
        dir.path(),
        "main.yaml",
        "Ciao! Come posso aiutarti?",
        "Buongiorno! Dimmi pure.",
    );
    // The first replica reloads (the admin API does this) and says so.
    let reloaded = first.live().reload_and_log();
    assert!(reloaded.as_ref().is_ok_and(|r| r.changed), "{reloaded:?}");
    let version = first.dialogues().version.clone();
    // The follower may still be opening its LISTEN: say it until it is heard.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while second.dialogues().version != version && std::time::Instant::now() < deadline {
        if let Err(err) = sportello::replicas::announce_reload(&store, &version).await {
            panic!("{err}");
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(second.dialogues().version, version);
    assert!(
        say(&second, "/start")
            .await
            .contains("Buongiorno! Dimmi pure.")
    );
    trigger.fire();
    let _ = follower.await;
}
