//! Staff accounts: who may sign in to the console, with which role. Passwords are kept
//! only as argon2id hashes (the `argon2` crate's defaults, a random salt each).

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::store::StoreError;

/// The shortest password accepted.
pub const MIN_PASSWORD_LEN: usize = 12;

/// What a staff member may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// News, the inbox, content.
    Editor,
    /// All an editor does, plus staff accounts and the audit log.
    Admin,
}

impl Role {
    /// `editor` or `admin`, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Editor => "editor",
            Role::Admin => "admin",
        }
    }

    /// The stored name back; `None` for anything else.
    pub fn parse(name: &str) -> Option<Role> {
        match name.trim().to_ascii_lowercase().as_str() {
            "editor" | "redattore" => Some(Role::Editor),
            "admin" | "amministratore" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// One staff account (never its password).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffUser {
    /// The row's id, kept in the session.
    pub id: i64,
    /// What they sign in with.
    pub username: String,
    /// What the console shows.
    pub display_name: String,
    /// What they may do.
    pub role: Role,
    /// When the account was made.
    pub created_at: DateTime<Utc>,
}

/// Why an account could not be written.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// The username breaks the naming rule.
    #[error(
        "«{0}» is not a valid username: 2 to 64 lowercase letters, digits, dots, dashes or underscores, starting with a letter or digit"
    )]
    BadUsername(String),
    /// Fewer than [`MIN_PASSWORD_LEN`] characters.
    #[error("the password is too short: use at least {MIN_PASSWORD_LEN} characters")]
    ShortPassword,
    /// The username is taken.
    #[error("a staff member called «{0}» already exists")]
    Exists(String),
    /// No account has that username.
    #[error("no staff member is called «{0}»")]
    NoSuchUser(String),
    /// Removing it would leave nobody to manage accounts.
    #[error("«{0}» is the last admin: add another admin first")]
    LastAdmin(String),
    /// The hasher failed (never for valid input).
    #[error("cannot hash the password: {0}")]
    Hash(String),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for AccountError {
    fn from(err: sqlx::Error) -> Self {
        AccountError::Store(err.into())
    }
}

/// Usernames are lowercase ASCII, as the table's check requires.
pub fn valid_username(name: &str) -> bool {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    (2..=64).contains(&name.len())
        && first_ok
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c))
}

/// `hash` off the async threads: it takes tens of milliseconds of CPU.
async fn hash_apart(password: &str) -> Result<String, AccountError> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || hash(&password))
        .await
        .map_err(|e| AccountError::Hash(e.to_string()))?
}

fn hash(password: &str) -> Result<String, AccountError> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(AccountError::ShortPassword);
    }
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AccountError::Hash(e.to_string()))
}

type Row = (i64, String, String, String, DateTime<Utc>);

fn user((id, username, display_name, role, created_at): Row) -> StaffUser {
    StaffUser {
        id,
        username,
        display_name,
        // The table's check allows only the two names.
        role: Role::parse(&role).unwrap_or(Role::Editor),
        created_at,
    }
}

/// The columns a [`StaffUser`] is read from (a macro: sqlx takes only static SQL).
macro_rules! columns {
    () => {
        "id, username, display_name, role, created_at"
    };
}

/// Adds an account.
pub async fn add(
    pool: &PgPool,
    username: &str,
    display_name: &str,
    role: Role,
    password: &str,
) -> Result<StaffUser, AccountError> {
    if !valid_username(username) {
        return Err(AccountError::BadUsername(username.to_owned()));
    }
    let hash = hash_apart(password).await?;
    let display_name = match display_name.trim() {
        "" => username,
        name => name,
    };
    let row: Option<Row> = sqlx::query_as(concat!(
        "INSERT INTO staff_users (username, display_name, role, password_hash) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (username) DO NOTHING RETURNING ",
        columns!()
    ))
    .bind(username)
    .bind(display_name)
    .bind(role.as_str())
    .bind(hash)
    .fetch_optional(pool)
    .await?;
    row.map(user)
        .ok_or_else(|| AccountError::Exists(username.to_owned()))
}

/// Every account, by username.
pub async fn list(pool: &PgPool) -> Result<Vec<StaffUser>, StoreError> {
    let rows: Vec<Row> = sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        " FROM staff_users ORDER BY username"
    ))
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(user).collect())
}

/// The account with this id, if it still exists.
pub async fn by_id(pool: &PgPool, id: i64) -> Result<Option<StaffUser>, StoreError> {
    let row: Option<Row> = sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        " FROM staff_users WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(user))
}

/// Removes an account and ends its sessions; never the last admin.
pub async fn remove(pool: &PgPool, username: &str) -> Result<(), AccountError> {
    let mut tx = pool.begin().await?;
    // Serialises removals, so two admins removing each other leave one.
    sqlx::query("LOCK TABLE staff_users IN SHARE ROW EXCLUSIVE MODE")
        .execute(&mut *tx)
        .await?;
    let role: Option<(String,)> =
        sqlx::query_as("SELECT role FROM staff_users WHERE username = $1")
            .bind(username)
            .fetch_optional(&mut *tx)
            .await?;
    let Some((role,)) = role else {
        return Err(AccountError::NoSuchUser(username.to_owned()));
    };
    if role == Role::Admin.as_str() {
        let (admins,): (i64,) =
            sqlx::query_as("SELECT count(*) FROM staff_users WHERE role = 'admin'")
                .fetch_one(&mut *tx)
                .await?;
        if admins <= 1 {
            return Err(AccountError::LastAdmin(username.to_owned()));
        }
    }
    sqlx::query("DELETE FROM staff_users WHERE username = $1")
        .bind(username)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Sets a new password.
pub async fn reset_password(
    pool: &PgPool,
    username: &str,
    password: &str,
) -> Result<(), AccountError> {
    let hash = hash_apart(password).await?;
    let done = sqlx::query(
        "UPDATE staff_users SET password_hash = $2, updated_at = now() WHERE username = $1",
    )
    .bind(username)
    .bind(hash)
    .execute(pool)
    .await?;
    if done.rows_affected() == 0 {
        return Err(AccountError::NoSuchUser(username.to_owned()));
    }
    Ok(())
}

/// The account whose username and password these are; `None` for a wrong pair. An
/// unknown username costs the same hashing as a known one, so timing does not tell
/// which usernames exist.
pub async fn verify(
    pool: &PgPool,
    username: &str,
    password: &str,
) -> Result<Option<StaffUser>, StoreError> {
    let row: Option<(i64, String, String, String, DateTime<Utc>, String)> =
        sqlx::query_as(concat!(
            "SELECT ",
            columns!(),
            ", password_hash FROM staff_users WHERE username = $1"
        ))
        .bind(username.trim().to_ascii_lowercase())
        .fetch_optional(pool)
        .await?;
    let password = password.to_owned();
    let stored = row.as_ref().map(|r| r.5.clone());
    // Hashing takes tens of milliseconds of CPU: off the async threads.
    let matches = tokio::task::spawn_blocking(move || {
        let stored = stored.unwrap_or_else(|| DUMMY_HASH.to_owned());
        PasswordHash::new(&stored).is_ok_and(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
    })
    .await
    .unwrap_or(false);
    Ok(match row {
        Some((id, username, display_name, role, created_at, _)) if matches => {
            Some(user((id, username, display_name, role, created_at)))
        }
        _ => None,
    })
}

/// The argon2id hash of a random password nobody knows, verified against for unknown
/// usernames.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$7dJ7Fz1lYQ9q5m3m0H6b1v1Yx5t8m7mJc0oQy0m3y2k";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_plain_lowercase_names() {
        for good in ["mario.rossi", "ab", "urp-1", "a_b"] {
            assert!(valid_username(good), "{good}");
        }
        for bad in [
            "",
            "a",
            "Mario",
            "-x",
            "mario rossi",
            "marìo",
            &"x".repeat(65),
        ] {
            assert!(!valid_username(bad), "{bad}");
        }
    }

    #[test]
    fn a_short_password_is_refused_and_a_hash_never_holds_the_password() {
        assert!(matches!(hash("corta"), Err(AccountError::ShortPassword)));
        let hashed = hash("una password lunga").unwrap_or_default();
        assert!(hashed.starts_with("$argon2id$"), "{hashed}");
        assert!(!hashed.contains("una password lunga"));
        let parsed = PasswordHash::new(&hashed);
        assert!(parsed.is_ok_and(|p| {
            Argon2::default()
                .verify_password(b"una password lunga", &p)
                .is_ok()
        }));
    }

    #[test]
    fn the_dummy_hash_parses_so_unknown_users_cost_a_real_verification() {
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
    }

    #[test]
    fn roles_read_in_both_languages() {
        assert_eq!(Role::parse("Admin"), Some(Role::Admin));
        assert_eq!(Role::parse("redattore"), Some(Role::Editor));
        assert_eq!(Role::parse("root"), None);
    }
}
