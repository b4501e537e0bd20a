//! The staff console in real headless Chromium, as a press officer uses it, against a
//! running `sportello serve` on a real PostgreSQL and a fake Bot API: sign in (and a
//! wrong password), an editor refused an admin page, a forged form refused, a news item
//! composed with its preview, published to a subscriber and followed to 100%, a question
//! the bot did not understand turned into an FAQ that the bot then answers. Every page
//! is checked with axe-core and saved as a screenshot under
//! `target/console-screenshots/`.

mod browser;
mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use browser::{Browser, Page};
use common::fake_telegram::FakeTelegram;
use common::serve::{free_addr, serve_command, spawn, stop};
use common::url_of;
use sqlx::PgPool;

const PASSWORD: &str = "una password lunga 42";

/// `sportello staff add`, the password on standard input.
fn add_staff(pool: &PgPool, username: &str, name: &str, role: &str) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sportello"))
        .args(["staff", "add", username, "--name", name, "--role", role])
        .env("DATABASE_URL", url_of(pool))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run sportello: {e}"));
    if let Some(mut stdin) = child.stdin.take() {
        let _ = writeln!(stdin, "{PASSWORD}");
    }
    let output = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("staff add: {e}"));
    assert!(
        output.status.success(),
        "staff add: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Checks the page with axe-core and saves its screenshot as `name`.
async fn look(page: &Page, name: &str) {
    let shot = page
        .screenshot(name)
        .await
        .unwrap_or_else(|e| panic!("{name}: {e:#}"));
    assert!(shot.is_file());
    let violations = page
        .accessibility()
        .await
        .unwrap_or_else(|e| panic!("{name}: {e:#}"));
    let listed: Vec<String> = violations.iter().map(ToString::to_string).collect();
    assert!(
        violations.is_empty(),
        "{name}: accessibility violations:\n{}",
        listed.join("\n")
    );
}

async fn must<T>(what: &str, result: anyhow::Result<T>) -> T {
    result.unwrap_or_else(|e| panic!("{what}: {e:#}"))
}

async fn sign_in(page: &Page, base: &str, username: &str, password: &str) {
    must(
        "login page",
        page.goto(&format!("{base}/console/login")).await,
    )
    .await;
    must("username", page.fill("#username", username).await).await;
    must("password", page.fill("#password", password).await).await;
    must(
        "sign in",
        page.click_and_wait_navigation("#login-submit").await,
    )
    .await;
}

#[sqlx::test(migrations = false)]
async fn a_press_officer_publishes_news_and_teaches_the_bot_in_the_browser(pool: PgPool) {
    let fake = FakeTelegram::start().await;
    let addr = free_addr();
    // On loopback the console's cookies go over plain HTTP (`auto`).
    let child = spawn(&mut serve_command(&pool, &fake.url, &addr.to_string()));
    let base = format!("http://{addr}");

    // A citizen follows the State exam's news.
    let citizen = 51;
    fake.follow_topic(citizen, "Esame di Stato").await;
    // …and asks something the bot does not know yet.
    let question =
        "c'è un parcheggio per le auto dei genitori davanti alla scuola il giorno dello scritto?";
    fake.send_text(citizen, question);
    let sent = fake.wait_for(citizen, 5).await;
    let before = sent[4].text.clone();

    add_staff(&pool, "anna.verdi", "Anna Verdi", "editor");
    add_staff(&pool, "capo", "Carla Capo", "admin");

    let browser = must("launch Chromium", Browser::launch().await).await;
    let page = must("a tab", browser.page().await).await;

    // Strangers are sent to sign in; a wrong password says so.
    must("console", page.goto(&format!("{base}/console")).await).await;
    must("login form", page.wait_for_text("h1", "Accedi").await).await;
    look(&page, "login").await;
    sign_in(&page, &base, "anna.verdi", "password sbagliata!").await;
    must(
        "wrong password",
        page.wait_for_text("#login-error", "non corretti").await,
    )
    .await;
    look(&page, "login-wrong-password").await;

    sign_in(&page, &base, "anna.verdi", PASSWORD).await;
    must(
        "overview",
        page.wait_for_text("h1", "Il servizio in breve").await,
    )
    .await;
    look(&page, "overview").await;

    // An editor is refused the admin pages.
    must(
        "staff page",
        page.goto(&format!("{base}/console/staff")).await,
    )
    .await;
    must(
        "refused",
        page.wait_for_text("main", "riservata agli amministratori")
            .await,
    )
    .await;
    look(&page, "refused").await;

    // A form posted without the console's token changes nothing.
    let forged = must(
        "forged post",
        page.eval_json(
            "fetch('/console/news', {method: 'POST', headers: {'Content-Type': \
             'application/x-www-form-urlencoded'}, body: 'title=Falsa&body=Falsa&topic=maturita&when=now'})\
             .then(r => r.status)",
        )
        .await,
    )
    .await;
    assert_eq!(forged, serde_json::json!(403));

    // Compose, preview, publish, follow.
    must("news", page.goto(&format!("{base}/console/news")).await).await;
    look(&page, "news-list").await;
    must("compose", page.click_and_wait_navigation("#compose").await).await;
    must(
        "title",
        page.fill("#title", "Prima prova: mercoledì 17 giugno")
            .await,
    )
    .await;
    must(
        "body",
        page.fill(
            "#body",
            "La prima prova scritta è mercoledì 17 giugno alle 8:30. Porta un documento. Arriva presto.",
        )
        .await,
    )
    .await;
    must("topic", page.check("#topic-maturita").await).await;
    must(
        "preview",
        page.wait_for_text("#preview", "Telegram · it").await,
    )
    .await;
    must(
        "preview text",
        page.wait_for_text("#preview", "mercoledì 17 giugno").await,
    )
    .await;
    must(
        "readability",
        page.wait_for_text("#preview", "Gulpease").await,
    )
    .await;
    look(&page, "news-compose").await;
    must("publish", page.click_and_wait_navigation("#publish").await).await;
    must("progress", page.wait_for_text("#percent", "100%").await).await;
    must("sent", page.wait_for_text("#n-sent", "1").await).await;
    look(&page, "news-progress").await;
    must("correct", page.click_and_wait_navigation("#edit").await).await;
    look(&page, "news-edit").await;
    let sent = fake.wait_for(citizen, 6).await;
    assert!(
        sent[5].text.contains("Prima prova: mercoledì 17 giugno"),
        "{}",
        sent[5].text
    );

    // The question the bot missed becomes an FAQ.
    must("inbox", page.goto(&format!("{base}/console/inbox")).await).await;
    must(
        "the question",
        page.wait_for_text("main", "parcheggio per le auto").await,
    )
    .await;
    look(&page, "inbox").await;
    must(
        "create faq",
        page.click_and_wait_navigation("a[href^='/console/content/faq/new?from=']")
            .await,
    )
    .await;
    must(
        "answer",
        page.fill(
            "#answer",
            "La scuola non ha un parcheggio riservato: usa i mezzi pubblici o arriva presto.",
        )
        .await,
    )
    .await;
    must(
        "question",
        page.fill(
            "#question",
            "C'è un parcheggio davanti alla scuola il giorno dello scritto?",
        )
        .await,
    )
    .await;
    look(&page, "faq-form").await;
    must("save", page.click_and_wait_navigation("#save-faq").await).await;
    must("saved", page.wait_for_text("main", "FAQ creata").await).await;
    // The bot answers with it once its content check sees the new FAQ (seconds).
    let mut answered = String::new();
    for n in 6..40 {
        fake.send_text(citizen, question);
        let sent = fake.wait_for(citizen, n + 1).await;
        answered = sent[n].text.clone();
        if answered.contains("parcheggio riservato") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    assert!(
        answered.contains("parcheggio riservato"),
        "before: {before}\nafter: {answered}"
    );

    must(
        "content",
        page.goto(&format!("{base}/console/content")).await,
    )
    .await;
    look(&page, "content").await;
    must(
        "event form",
        page.goto(&format!("{base}/console/content/event/new"))
            .await,
    )
    .await;
    look(&page, "event-form").await;
    must(
        "dialogues",
        page.goto(&format!("{base}/console/dialogues")).await,
    )
    .await;
    must("graph", page.wait_for_text("main", "Versione in uso").await).await;
    look(&page, "dialogues").await;

    // An admin sees the accounts and who did what.
    must(
        "sign out",
        page.click_and_wait_navigation("form[action='/console/logout'] button")
            .await,
    )
    .await;
    sign_in(&page, &base, "capo", PASSWORD).await;
    must("staff", page.goto(&format!("{base}/console/staff")).await).await;
    must("accounts", page.wait_for_text("main", "anna.verdi").await).await;
    look(&page, "staff").await;
    must("audit", page.goto(&format!("{base}/console/audit")).await).await;
    must(
        "audit entries",
        page.wait_for_text("#audit", "news.publish").await,
    )
    .await;
    must(
        "audit faq",
        page.wait_for_text("#audit", "faq.create").await,
    )
    .await;
    look(&page, "audit").await;
    // English, one click away.
    must(
        "english",
        page.click_and_wait_navigation("a[lang='en']").await,
    )
    .await;
    must("english page", page.wait_for_text("h1", "Audit log").await).await;
    look(&page, "audit-en").await;

    must("close", browser.close().await).await;
    let log = stop(child).await;
    assert!(!log.contains(PASSWORD), "passwords never reach the logs");
    assert!(
        !log.contains("parcheggio"),
        "citizen text stays out of info logs"
    );
}
