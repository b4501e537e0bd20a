//! Helpers shared by the benchmarks: a scratch database and percentiles.
#![allow(dead_code)]

use std::time::Duration;

pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Creates an empty database next to the one `url` names; returns its name and URL.
pub async fn scratch_database(url: &str) -> Result<(String, String), sqlx::Error> {
    use sqlx::Connection;
    let name = format!("sportello_bench_{}", std::process::id());
    let mut admin = sqlx::PgConnection::connect(url).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await?;
    let base = url.rsplit_once('/').map_or(url, |(base, _)| base);
    Ok((name.clone(), format!("{base}/{name}")))
}

/// Drops a database made by `scratch_database`.
pub async fn drop_database(url: &str, name: &str) {
    use sqlx::Connection;
    if let Ok(mut admin) = sqlx::PgConnection::connect(url).await {
        let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
        )))
        .execute(&mut admin)
        .await;
    }
}

/// Runs `body` on a scratch database next to `DATABASE_URL`, dropped afterwards; says
/// what is missing instead when there is no server or no runtime.
pub fn on_scratch_database<F, Fut>(benchmark: &str, body: F)
where
    F: FnOnce(String) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let Ok(url) = std::env::var("DATABASE_URL") else {
        println!("set DATABASE_URL to a PostgreSQL server to run the {benchmark} benchmark");
        return;
    };
    let Ok(runtime) = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    else {
        println!("cannot start the runtime");
        return;
    };
    runtime.block_on(async {
        let (name, scratch) = match scratch_database(&url).await {
            Ok(db) => db,
            Err(err) => {
                println!("cannot create a scratch database: {err}");
                return;
            }
        };
        body(scratch).await;
        drop_database(&url, &name).await;
    });
}
