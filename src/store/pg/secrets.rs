//! Secrets every replica shares (the console's CSRF key, the key of named voters'
//! hashes): made once, by whichever process asks first, and kept in `console_secrets`.

use sqlx::PgExecutor;

use super::PgStore;
use crate::store::StoreError;

impl PgStore {
    /// The secret called `name`, made now if no replica made it yet (the first one
    /// written wins).
    pub async fn shared_secret(&self, name: &str) -> Result<String, StoreError> {
        use rand::Rng;
        // Made once, read many times (each named vote asks): no write once it exists.
        if let Some(secret) = existing_secret(&self.pool, name).await? {
            return Ok(secret);
        }
        let fresh: String = rand::rng()
            .sample_iter(rand::distr::Alphanumeric)
            .take(64)
            .map(char::from)
            .collect();
        sqlx::query(
            "INSERT INTO console_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(&fresh)
        .execute(&self.pool)
        .await?;
        Ok(existing_secret(&self.pool, name).await?.unwrap_or(fresh))
    }
}

/// The secret called `name`, if one was made.
pub(super) async fn existing_secret(
    ex: impl PgExecutor<'_>,
    name: &str,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT value FROM console_secrets WHERE name = $1")
        .bind(name)
        .fetch_optional(ex)
        .await
}
