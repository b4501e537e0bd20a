//! Keeping several `serve` processes on one PostgreSQL in step. A dialogue reload
//! asked of one replica (the admin API, the console) is announced on
//! `sportello_reload`; every other replica reloads its own directory on hearing it.
//! (Each replica's file watcher and SIGHUP work as before; content needs nothing here:
//! the FAQ list carries a version every replica checks, and the calendar and news are
//! read from the database.)

use sqlx::postgres::PgListener;

use crate::dialogue::Live;
use crate::shutdown::Shutdown;
use crate::store::StoreError;
use crate::store::pg::PgStore;

/// The channel reloads are announced on.
const RELOAD_CHANNEL: &str = "sportello_reload";

/// Tells every replica that the dialogues now run at `version`.
pub async fn announce_reload(store: &PgStore, version: &str) -> Result<(), StoreError> {
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(RELOAD_CHANNEL)
        .bind(version)
        .execute(store.pool())
        .await?;
    Ok(())
}

/// Reloads `live` whenever another replica announces a version it does not run,
/// until `stop`. A lost connection is opened again (sqlx's listener does it on the
/// next receive); a replica that missed a notice while disconnected catches up at
/// the next one, or by its file watcher.
pub fn follow_reloads(store: PgStore, live: Live, stop: Shutdown) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut listener = match PgListener::connect_with(store.pool()).await {
            Ok(listener) => listener,
            Err(err) => {
                tracing::warn!("replicas: no LISTEN connection, reloads stay local: {err}");
                return;
            }
        };
        if let Err(err) = listener.listen(RELOAD_CHANNEL).await {
            tracing::warn!("replicas: LISTEN failed, reloads stay local: {err}");
            return;
        }
        let stopped = stop.wait();
        tokio::pin!(stopped);
        loop {
            let notice = tokio::select! {
                () = &mut stopped => return,
                notice = listener.recv() => notice,
            };
            match notice {
                Ok(notice) if notice.payload() != live.get().version => {
                    tracing::info!(version = %notice.payload(), "another replica reloaded the dialogues");
                    let live = live.clone();
                    let _ = tokio::task::spawn_blocking(move || live.reload_and_log()).await;
                }
                Ok(_) => {}
                Err(err) => {
                    tracing::warn!("replicas: reload notices interrupted: {err}");
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                }
            }
        }
    })
}
