//! `sportello serve` run as an operator runs it, for the tests that drive the binary:
//! configured by environment, talking to fake APIs, stopped by SIGTERM.

use std::process::{Command, Stdio};
use std::time::Duration;

use sqlx::PgPool;

use super::fake_telegram::FakeTelegram;
use super::url_of;

/// `serve` on the database of `pool`, talking to the Bot API at `telegram`, listening
/// on `listen`; tests add their own settings before spawning it.
pub fn serve_command(pool: &PgPool, telegram: &reqwest::Url, listen: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sportello"));
    command
        .arg("serve")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("DATABASE_URL", url_of(pool))
        .env("TELEGRAM_BOT_TOKEN", "123456:SECRET-TOKEN")
        .env("TELEGRAM_API_URL", telegram.as_str())
        .env("SPORTELLO_LISTEN", listen)
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    command
}

pub fn spawn(command: &mut Command) -> std::process::Child {
    command
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start serve: {e}"))
}

/// Starts `serve` on the database of `pool`, talking to `fake`, on any free port.
pub fn start_serve(pool: &PgPool, fake: &FakeTelegram) -> std::process::Child {
    spawn(&mut serve_command(pool, &fake.url, "127.0.0.1:0"))
}

/// A free port on loopback for a `serve` the test talks HTTP to.
pub fn free_addr() -> std::net::SocketAddr {
    match std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()) {
        Ok(addr) => addr,
        Err(err) => panic!("no free port: {err}"),
    }
}

/// Sends SIGTERM and checks a clean exit; returns what serve logged.
pub async fn stop(mut child: std::process::Child) -> String {
    let pid = child.id().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status();
    assert!(killed.is_ok_and(|s| s.success()));
    let mut status = None;
    for _ in 0..150 {
        if let Ok(Some(exit)) = child.try_wait() {
            status = Some(exit);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let Some(status) = status else {
        let _ = child.kill();
        panic!("serve did not stop after SIGTERM");
    };
    let output = child
        .wait_with_output()
        .map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
        .unwrap_or_default();
    assert!(status.success(), "exit {status:?}: {output}");
    output
}
