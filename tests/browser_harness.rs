//! The browser harness (tests/browser/mod.rs) on a tiny form served by axum: Chromium
//! fills it, submits it and reads the answer; a screenshot is saved; axe-core passes the
//! good page and flags a bad one. The pages carry a strict Content-Security-Policy, as the
//! console's will, to show the harness works under one.

mod browser;

use std::collections::HashMap;
use std::net::SocketAddr;

use anyhow::Context;
use axum::Router;
use axum::extract::Form;
use axum::http::header;
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use browser::Browser;

const CSP: &str = "default-src 'self'";

const FORM: &str = r#"<!doctype html>
<html lang="it">
<head><meta charset="utf-8"><title>Modulo di prova</title></head>
<body>
<main>
<h1>Modulo di prova</h1>
<form method="post" action="/done">
  <p><label for="name">Nome e cognome</label>
     <input id="name" name="name" type="text" value="da cancellare"></p>
  <p><label for="message">Messaggio</label>
     <textarea id="message" name="message" rows="3"></textarea></p>
  <p><label for="office">Ufficio</label>
     <select id="office" name="office">
       <option value="">Scegli…</option>
       <option value="anagrafe">Anagrafe</option>
       <option value="tributi">Tributi</option>
     </select></p>
  <p><input id="privacy" name="privacy" type="checkbox" value="si">
     <label for="privacy">Ho letto l'informativa</label></p>
  <p><button type="submit">Invia</button></p>
</form>
</main>
</body>
</html>
"#;

/// A field with no label: axe-core's `label` rule, of critical impact.
const BAD: &str = r#"<!doctype html>
<html lang="it">
<head><meta charset="utf-8"><title>Pagina sbagliata</title></head>
<body><main><h1>Cerca</h1><form><input type="text" name="q"></form></main></body>
</html>
"#;

/// Fills `#late` a moment after the page loads, as an htmx swap would.
const LATE_JS: &str =
    "setTimeout(() => { document.getElementById('late').textContent = 'arrivato'; }, 300);\n";

async fn done(Form(fields): Form<HashMap<String, String>>) -> impl IntoResponse {
    let field = |name: &str| {
        html_escape::encode_text(fields.get(name).map_or("(assente)", String::as_str)).to_string()
    };
    let body = format!(
        r#"<!doctype html>
<html lang="it">
<head><meta charset="utf-8"><title>Ricevuto</title><script src="/late.js" defer></script></head>
<body><main><h1>Ricevuto</h1>
<dl id="submitted">
<dt>Nome</dt><dd id="v-name">{}</dd>
<dt>Messaggio</dt><dd><pre id="v-message">{}</pre></dd>
<dt>Ufficio</dt><dd id="v-office">{}</dd>
<dt>Informativa</dt><dd id="v-privacy">{}</dd>
</dl>
<p id="late">in attesa</p>
</main></body>
</html>
"#,
        field("name"),
        field("message"),
        field("office"),
        field("privacy"),
    );
    page(body)
}

fn page(body: impl Into<String>) -> impl IntoResponse {
    ([(header::CONTENT_SECURITY_POLICY, CSP)], Html(body.into()))
}

async fn serve() -> anyhow::Result<SocketAddr> {
    let app = Router::new()
        .route("/form", get(|| async { page(FORM) }))
        .route("/bad", get(|| async { page(BAD) }))
        .route(
            "/late.js",
            get(|| async { ([(header::CONTENT_TYPE, "text/javascript")], LATE_JS) }),
        )
        .route("/done", axum::routing::post(done));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(addr)
}

#[tokio::test]
async fn chromium_fills_submits_and_reads_a_form() -> anyhow::Result<()> {
    let addr = serve().await?;
    let browser = Browser::launch().await?;
    let page = browser.page().await?;

    page.goto(&format!("http://{addr}/form")).await?;
    assert_eq!(page.text("h1").await?, "Modulo di prova");
    let size = "[innerWidth, innerHeight]";
    assert_eq!(page.eval_json(size).await?, serde_json::json!([1280, 900]));
    let violations = page.accessibility().await?;
    assert!(
        violations.is_empty(),
        "the good page has accessibility violations:\n{}",
        violations
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    );

    page.fill("#name", "Maria Rossì").await?;
    page.fill("#message", "Riga uno\nè la seconda").await?;
    page.select("#office", "anagrafe").await?;
    page.check("#privacy").await?;
    page.check("#privacy").await?; // already ticked: stays ticked
    assert_eq!(
        page.eval_json("document.getElementById('privacy').checked")
            .await?,
        serde_json::json!(true)
    );
    assert!(page.select("#office", "nessuno").await.is_err());
    assert!(page.fill("#missing", "x").await.is_err());

    page.click_and_wait_navigation("button[type=submit]")
        .await?;
    assert!(
        page.url().await?.ends_with("/done"),
        "{}",
        page.url().await?
    );
    page.wait_for_text("#submitted", "Maria Rossì").await?;
    assert_eq!(page.text("#v-message").await?, "Riga uno\nè la seconda");
    assert_eq!(page.text("#v-office").await?, "anagrafe");
    assert_eq!(page.text("#v-privacy").await?, "si");
    assert!(page.html().await?.contains(r#"<dl id="submitted">"#));
    // Text a script sets after the load: the wait polls until it is there.
    page.wait_for_text("#late", "arrivato").await?;

    let shot = page.screenshot("harness").await?;
    let png =
        std::fs::read(&shot).with_context(|| format!("no screenshot at {}", shot.display()))?;
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n"),
        "{} is not a PNG",
        shot.display()
    );
    // The page keeps its size after a full-page screenshot.
    assert_eq!(page.eval_json(size).await?, serde_json::json!([1280, 900]));

    browser.close().await
}

#[tokio::test]
async fn axe_flags_a_field_without_a_label() -> anyhow::Result<()> {
    let addr = serve().await?;
    let browser = Browser::launch().await?;
    let page = browser.page().await?;
    page.goto(&format!("http://{addr}/bad")).await?;

    let violations = page.accessibility().await?;
    let label = violations
        .iter()
        .find(|v| v.id == "label")
        .with_context(|| format!("axe-core missed the unlabelled field: {violations:?}"))?;
    assert_eq!(label.impact, "critical");
    assert_eq!(label.targets, ["input"]);
    assert!(
        label.to_string().starts_with("label (critical): "),
        "{label}"
    );

    browser.close().await
}
