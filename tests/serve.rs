//! `sportello serve` as an operator runs it: configured by environment, talking to a
//! (fake) Bot API, stopped by SIGTERM with a clean exit.

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

use common::fake_telegram::FakeTelegram;
use common::url_of;
use sqlx::PgPool;

#[sqlx::test(migrations = false)]
async fn serve_answers_on_telegram_and_stops_cleanly_on_sigterm(pool: PgPool) {
    let fake = FakeTelegram::start().await;
    let mut child = Command::new(env!("CARGO_BIN_EXE_sportello"))
        .arg("serve")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("DATABASE_URL", url_of(&pool))
        .env("TELEGRAM_BOT_TOKEN", "123456:SECRET-TOKEN")
        .env("TELEGRAM_API_URL", fake.url.as_str())
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start serve: {e}"));

    fake.send_text(31, "/start");
    let sent = fake.wait_for(31, 1).await;
    assert!(
        sent[0].text.contains("sportello digitale"),
        "{}",
        sent[0].text
    );

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
    assert!(output.contains("stopping"), "{output}");
    assert!(
        !output.contains("SECRET-TOKEN"),
        "the token never reaches the logs"
    );
    assert!(
        !output.contains("/start"),
        "citizen text stays out of info logs"
    );
    assert!(
        !output.contains(" 31"),
        "raw chat ids stay out of info logs"
    );
}
