//! Helpers shared by the benchmarks: a scratch database and percentiles.
#![allow(dead_code)]

use std::process::{Command, Stdio};
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

/// `sportello serve` on the database `url`, polling the fake Bot API at `api_url` at
/// `rate` messages a second (paid broadcasts above 30), as the benches run it; its log
/// (warnings) goes to stderr when `stderr_knob` is set in the environment.
pub fn serve_command(url: &str, api_url: &str, rate: u32, stderr_knob: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sportello"));
    command
        .arg("serve")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("DATABASE_URL", url)
        .env("TELEGRAM_BOT_TOKEN", "1:BENCH")
        .env("TELEGRAM_API_URL", api_url)
        .env("TELEGRAM_RATE", rate.to_string())
        .env("TELEGRAM_PAID_BROADCAST", (rate > 30).to_string())
        .env("SPORTELLO_LISTEN", "127.0.0.1:0")
        .env("SPORTELLO_WATCH", "off")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(if std::env::var_os(stderr_knob).is_some() {
            Stdio::inherit()
        } else {
            Stdio::null()
        });
    command
}

/// Imports the demo content into the database `url`; false, said, when it cannot.
pub fn import_demo(url: &str) -> bool {
    let imported = Command::new(env!("CARGO_BIN_EXE_sportello"))
        .args(["content", "import", "content/demo.yaml"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("DATABASE_URL", url)
        .stdout(Stdio::null())
        .status();
    let done = imported.is_ok_and(|s| s.success());
    if !done {
        println!("cannot import the demo content");
    }
    done
}
