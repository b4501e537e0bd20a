//! The PostgreSQL store (sqlx, runtime-checked queries, embedded migrations).
//!
//! `citizens` holds sessions, subscribers and transcripts; `content` the calendar,
//! news and FAQ with Italian full-text search. Longer SQL lives in `queries/*.sql`.

mod citizens;
mod content;

use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

use super::StoreError;

pub use citizens::CitizenExport;
pub use content::{ImportSummary, NewNews};

/// The migrations in `migrations/`, compiled into the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!();

/// Connections kept open; a turn holds one for a few milliseconds.
const DEFAULT_MAX_CONNECTIONS: u32 = 16;

/// Sessions, subscribers, transcripts and content in PostgreSQL. Cheap to clone.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// Connects to `url` and applies pending migrations.
    pub async fn connect(url: &str) -> Result<PgStore, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(DEFAULT_MAX_CONNECTIONS)
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await?;
        let store = PgStore { pool };
        store.migrate().await?;
        Ok(store)
    }

    /// Wraps an existing pool (tests); does not migrate.
    pub fn from_pool(pool: PgPool) -> PgStore {
        PgStore { pool }
    }

    /// Applies pending migrations; safe to run from several processes at once.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        MIGRATOR.run(&self.pool).await?;
        Ok(())
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}
