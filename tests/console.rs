//! The staff console's pages against a real PostgreSQL (`#[sqlx::test]`): signing in,
//! CSRF, roles, publishing news and following it, the inbox, content, every page.
//! The browser end of the same pages is in `console_browser.rs`.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use sportello::console::{self, ConsoleState, accounts};
use sportello::dialogue::{self, Dialogues, Live};
use sportello::store::pg::PgStore;
use sqlx::PgPool;
use tower::ServiceExt;

const PASSWORD: &str = "una password lunga 42";

fn bundled() -> Arc<Dialogues> {
    let (dialogues, report) = dialogue::load(&dialogue::bundled_files());
    match dialogues {
        Some(d) => Arc::new(d),
        None => panic!("bundled dialogues do not load:\n{}", report.render_text()),
    }
}

async fn app(pool: &PgPool) -> Router {
    let state = ConsoleState::new(
        PgStore::from_pool(pool.clone()),
        Live::from(bundled()),
        vec!["@sportello_test".to_owned()],
        false,
    )
    .await
    .unwrap_or_else(|e| panic!("console state: {e}"));
    console::router(state)
}

async fn add(pool: &PgPool, name: &str, role: accounts::Role) {
    if let Err(e) = accounts::add(pool, name, "", role, PASSWORD).await {
        panic!("add {name}: {e}");
    }
}

/// What came back.
struct Page {
    status: StatusCode,
    location: String,
    content_type: String,
    body: String,
}

/// A browser without a browser: keeps cookies, reads the CSRF token of the last page.
struct Browser {
    app: Router,
    cookies: BTreeMap<String, String>,
    csrf: String,
}

impl Browser {
    fn new(app: Router) -> Browser {
        Browser {
            app,
            cookies: BTreeMap::new(),
            csrf: String::new(),
        }
    }

    async fn send(&mut self, method: Method, path: &str, form: Option<String>) -> Page {
        let cookie: Vec<String> = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::COOKIE, cookie.join("; "));
        if form.is_some() {
            request = request.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        }
        let request = request
            .body(form.map_or_else(Body::empty, Body::from))
            .unwrap_or_else(|e| panic!("request: {e}"));
        let response = match self.app.clone().oneshot(request).await {
            Ok(response) => response,
            Err(err) => panic!("{path}: {err}"),
        };
        for set in response.headers().get_all(header::SET_COOKIE) {
            let set = set.to_str().unwrap_or_default();
            let pair = set.split(';').next().unwrap_or_default();
            if let Some((name, value)) = pair.split_once('=') {
                if set.contains("Max-Age=0")
                    || set
                        .to_ascii_lowercase()
                        .contains("expires=thu, 01 jan 1970")
                {
                    self.cookies.remove(name);
                } else {
                    self.cookies.insert(name.to_owned(), value.to_owned());
                }
            }
        }
        let status = response.status();
        let header_of = |h| {
            response
                .headers()
                .get(h)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        let location = header_of(header::LOCATION);
        let content_type = header_of(header::CONTENT_TYPE);
        let bytes = axum::body::to_bytes(response.into_body(), 8 << 20)
            .await
            .unwrap_or_else(|e| panic!("body: {e}"));
        let body = String::from_utf8_lossy(&bytes).into_owned();
        if let Some(token) = csrf_in(&body) {
            self.csrf = token;
        }
        Page {
            status,
            location,
            content_type,
            body,
        }
    }

    async fn get(&mut self, path: &str) -> Page {
        self.send(Method::GET, path, None).await
    }

    /// Posts `fields` with this browser's CSRF token.
    async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let mut all = vec![("csrf", self.csrf.clone())];
        all.extend(fields.iter().map(|(k, v)| (*k, (*v).to_owned())));
        let body = serde_urlencoded::to_string(&all).unwrap_or_default();
        self.send(Method::POST, path, Some(body)).await
    }

    async fn sign_in(&mut self, username: &str, password: &str) -> Page {
        self.get("/console/login").await;
        self.post(
            "/console/login",
            &[
                ("username", username),
                ("password", password),
                ("next", "/console"),
            ],
        )
        .await
    }
}

fn csrf_in(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    let end = html[at..].find('"')?;
    Some(
        html[at..at + end]
            .replace("&#x2f;", "/")
            .replace("&#x3d;", "=")
            .replace("&#x2b;", "+"),
    )
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn strangers_are_sent_to_sign_in_and_a_wrong_password_is_refused(pool: PgPool) {
    add(&pool, "mario.rossi", accounts::Role::Editor).await;
    let mut browser = Browser::new(app(&pool).await);
    let page = browser.get("/console/news").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location, "/console/login?next=/console/news");

    let page = browser.sign_in("mario.rossi", "sbagliata sbagliata").await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert!(
        page.body.contains("Nome utente o password non corretti"),
        "{}",
        page.body
    );
    assert!(
        !page.body.contains("sbagliata"),
        "the password is never echoed"
    );
    let page = browser.get("/console").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);

    let page = browser.sign_in("Mario.Rossi", PASSWORD).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(page.location, "/console");
    let page = browser.get("/console").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Il servizio in breve"));
    assert!(page.body.contains("mario.rossi"));

    let page = browser.post("/console/logout", &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(browser.get("/console").await.status, StatusCode::SEE_OTHER);
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn sign_in_attempts_are_limited_per_account(pool: PgPool) {
    add(&pool, "anna", accounts::Role::Editor).await;
    let mut browser = Browser::new(app(&pool).await);
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(browser.sign_in("anna", "tentativo sbagliato").await.status);
    }
    assert_eq!(statuses[..5], [StatusCode::UNAUTHORIZED; 5]);
    assert_eq!(statuses[5], StatusCode::TOO_MANY_REQUESTS);
    // Even the right password waits: guessing gains nothing.
    let page = browser.sign_in("anna", PASSWORD).await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(page.body.contains("Troppi tentativi"));
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn a_form_without_the_token_is_refused_and_changes_nothing(pool: PgPool) {
    add(&pool, "anna", accounts::Role::Editor).await;
    let mut browser = Browser::new(app(&pool).await);
    browser.sign_in("anna", PASSWORD).await;
    browser.get("/console/news/new").await;
    let body = "title=Falsa&body=Notizia+falsa&topic=maturita&when=now";
    let page = browser
        .send(Method::POST, "/console/news", Some(body.to_owned()))
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let forged = format!("csrf=AAAA{}&{body}", "A".repeat(40));
    let page = browser
        .send(Method::POST, "/console/news", Some(forged))
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let (news,): (i64,) = sqlx::query_as("SELECT count(*) FROM news")
        .fetch_one(&pool)
        .await
        .unwrap_or_default();
    assert_eq!(news, 0);
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn editors_are_refused_admin_pages_and_admins_manage_staff(pool: PgPool) {
    add(&pool, "anna", accounts::Role::Editor).await;
    add(&pool, "capo", accounts::Role::Admin).await;
    let mut editor = Browser::new(app(&pool).await);
    editor.sign_in("anna", PASSWORD).await;
    for path in ["/console/staff", "/console/audit"] {
        let page = editor.get(path).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
        assert!(page.body.contains("riservata agli amministratori"));
    }
    assert!(!editor.get("/console").await.body.contains("/console/staff"));

    let mut admin = Browser::new(app(&pool).await);
    admin.sign_in("capo", PASSWORD).await;
    assert_eq!(admin.get("/console/staff").await.status, StatusCode::OK);
    let page = admin
        .post(
            "/console/staff",
            &[
                ("username", "luca"),
                ("name", "Luca Bianchi"),
                ("role", "editor"),
                ("password", "corta"),
            ],
        )
        .await;
    assert!(page.body.contains("Password troppo corta"), "{}", page.body);
    let page = admin
        .post(
            "/console/staff",
            &[
                ("username", "luca"),
                ("name", "Luca Bianchi"),
                ("role", "editor"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(page.location, "/console/staff?done=added");
    let page = admin
        .post("/console/staff/remove", &[("username", "capo")])
        .await;
    assert!(page.body.contains("ultimo amministratore"), "{}", page.body);
    admin
        .post("/console/staff/remove", &[("username", "anna")])
        .await;
    // A removed account is signed out at its next page.
    assert_eq!(editor.get("/console").await.status, StatusCode::SEE_OTHER);
    let audit = admin.get("/console/audit").await.body;
    assert!(
        audit.contains("staff.add") && audit.contains("staff.remove"),
        "{audit}"
    );
    assert!(audit.contains("luca") && audit.contains("login"));
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn a_news_item_is_previewed_published_followed_and_stopped(pool: PgPool) {
    add(&pool, "anna", accounts::Role::Editor).await;
    for chat in 1..=3 {
        sqlx::query(
            "INSERT INTO subscribers (channel, chat, topics) VALUES ('telegram', $1, '{maturita}')",
        )
        .bind(chat.to_string())
        .execute(&pool)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    }
    let mut browser = Browser::new(app(&pool).await);
    browser.sign_in("anna", PASSWORD).await;
    let form = browser.get("/console/news/new").await;
    assert!(
        form.body.contains("topic-maturita"),
        "the dialogues' topics are offered"
    );

    let fields = [
        ("title", "Prima prova il 18 giugno"),
        (
            "body",
            "La prima prova scritta è il 18 giugno alle 8:30. Porta un documento.",
        ),
        ("link", "https://www.mim.gov.it"),
        ("topic", "maturita"),
        ("when", "now"),
    ];
    let preview = browser.post("/console/news/preview", &fields).await;
    assert_eq!(preview.status, StatusCode::OK);
    assert!(
        preview.body.contains("Telegram · it") && preview.body.contains("WhatsApp · it"),
        "{}",
        preview.body
    );
    assert!(preview.body.contains("/ 4096"));
    assert!(preview.body.contains("id=\"gulpease\""));

    let missing = browser
        .post(
            "/console/news",
            &[("title", ""), ("body", "x"), ("when", "now")],
        )
        .await;
    assert_eq!(missing.status, StatusCode::OK);
    assert!(
        missing.body.contains("Scrivi un titolo")
            && missing.body.contains("Scegli almeno un argomento")
    );

    let page = browser.post("/console/news", &fields).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let shown = browser.get(&page.location).await;
    assert!(shown.body.contains("Prima prova il 18 giugno"));
    // Three subscribers and the channel.
    assert!(shown.body.contains("id=\"n-total\">4<"), "{}", shown.body);
    assert!(
        shown.body.contains("hx-trigger=\"every 2s\""),
        "still polling while queued"
    );

    let key = page
        .location
        .trim_start_matches("/console/news/")
        .to_owned();
    sqlx::query("UPDATE outbox SET status = 'sent' WHERE recipient = '1'")
        .execute(&pool)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let progress = browser.get(&format!("/console/news/{key}/progress")).await;
    assert!(
        progress.body.contains("id=\"n-sent\">1<"),
        "{}",
        progress.body
    );
    assert!(progress.body.contains("25%"));

    // A typo corrected: the queued deliveries carry the new words.
    let form = browser.get(&format!("/console/news/{key}/edit")).await;
    assert!(
        form.body.contains("value=\"Prima prova il 18 giugno\""),
        "{}",
        form.body
    );
    let edited = browser
        .post(
            &format!("/console/news/{key}/edit"),
            &[
                ("title", "Prima prova il 17 giugno"),
                ("body", "La prima prova è il 17 giugno alle 8:30."),
                ("link", ""),
                ("expires", ""),
            ],
        )
        .await;
    assert_eq!(edited.status, StatusCode::SEE_OTHER, "{}", edited.body);
    let (rendered,): (String,) = sqlx::query_as("SELECT rendered->>'it' FROM news WHERE key = $1")
        .bind(&key)
        .fetch_one(&pool)
        .await
        .unwrap_or_default();
    assert!(
        rendered.contains("17 giugno") && !rendered.contains("18 giugno"),
        "{rendered}"
    );

    let stopped = browser
        .post(&format!("/console/news/{key}/cancel"), &[])
        .await;
    assert_eq!(stopped.status, StatusCode::SEE_OTHER);
    let progress = browser.get(&format!("/console/news/{key}/progress")).await;
    assert!(
        progress.body.contains("id=\"n-cancelled\">3<"),
        "{}",
        progress.body
    );
    assert!(progress.body.contains("100%") && !progress.body.contains("every 2s"));
    let (actions,): (Vec<String>,) =
        sqlx::query_as("SELECT array_agg(action ORDER BY id) FROM audit_log")
            .fetch_one(&pool)
            .await
            .unwrap_or_default();
    assert_eq!(
        actions,
        ["login", "news.publish", "news.edit", "news.cancel"]
    );
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn an_unanswered_message_becomes_an_faq_and_leaves_the_inbox(pool: PgPool) {
    add(&pool, "anna", accounts::Role::Editor).await;
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO transcripts (channel, chat, direction, state, body, understood) \
         VALUES ('telegram', '7', 'in', 'main.menu', 'posso portare la borraccia all''esame?', false) RETURNING id",
    )
    .fetch_one(&pool)
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let mut browser = Browser::new(app(&pool).await);
    browser.sign_in("anna", PASSWORD).await;
    let inbox = browser.get("/console/inbox").await;
    assert!(
        inbox.body.contains("posso portare la borraccia"),
        "{}",
        inbox.body
    );

    let form = browser
        .get(&format!("/console/content/faq/new?from={id}"))
        .await;
    assert!(
        form.body.contains("value=\"posso portare la borraccia"),
        "prefilled: {}",
        form.body
    );
    let id_text = id.to_string();
    let page = browser
        .post(
            "/console/content/faq/new",
            &[
                ("question", "Posso portare una bottiglia d'acqua all'esame?"),
                ("answer", "Sì: acqua e un piccolo spuntino sono ammessi."),
                (
                    "examples",
                    "posso portare la borraccia all'esame?\nsi può bere durante lo scritto",
                ),
                ("lang", "it"),
                ("from", &id_text),
            ],
        )
        .await;
    assert_eq!(page.location, "/console/inbox?done=faq", "{}", page.body);
    let (examples,): (Vec<String>,) = sqlx::query_as(
        "SELECT examples FROM faqs WHERE key = 'posso-portare-una-bottiglia-d-acqua-all-esame'",
    )
    .fetch_one(&pool)
    .await
    .unwrap_or_default();
    assert_eq!(examples.len(), 2);
    let inbox = browser.get("/console/inbox?done=faq").await;
    assert!(
        !inbox.body.contains("posso portare la borraccia"),
        "{}",
        inbox.body
    );
    assert!(inbox.body.contains("FAQ creata"));
    let content = browser.get("/console/content?q=bottiglia").await;
    assert!(content.body.contains("Posso portare una bottiglia"));
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn every_page_renders_in_both_languages_and_tables_download_as_csv(pool: PgPool) {
    add(&pool, "capo", accounts::Role::Admin).await;
    let mut browser = Browser::new(app(&pool).await);
    browser.sign_in("capo", PASSWORD).await;
    let pages = [
        "/console",
        "/console/news",
        "/console/news/new",
        "/console/inbox",
        "/console/content",
        "/console/content/faq/new",
        "/console/dialogues",
        "/console/staff",
        "/console/audit",
    ];
    for path in pages {
        let page = browser.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
        assert!(page.body.contains("<html lang=\"it\">"), "{path}");
        assert!(page.body.contains("bootstrap-italia.min.css"), "{path}");
    }
    let dialogues = browser.get("/console/dialogues").await.body;
    assert!(dialogues.contains("<svg"), "the flow picture");
    browser.get("/console/lingua/en").await;
    for path in pages {
        let page = browser.get(path).await;
        assert!(page.body.contains("<html lang=\"en\">"), "{path}");
    }
    assert!(
        browser
            .get("/console")
            .await
            .body
            .contains("The service at a glance")
    );
    let csv = browser.get("/console/stats/subscribers.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.content_type.starts_with("text/csv"));
    assert!(
        csv.body.starts_with("Topic,Channel,Subscribers"),
        "{}",
        csv.body
    );
    assert_eq!(
        browser.get("/console/stats/nothing.csv").await.status,
        StatusCode::NOT_FOUND
    );
    let css = browser
        .get("/console/assets/vendor/bootstrap-italia/css/bootstrap-italia.min.css")
        .await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(css.content_type.starts_with("text/css"));
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn a_calendar_event_is_added_and_edited_with_the_checks_of_an_import(pool: PgPool) {
    add(&pool, "anna", accounts::Role::Editor).await;
    let mut browser = Browser::new(app(&pool).await);
    browser.sign_in("anna", PASSWORD).await;
    assert_eq!(
        browser.get("/console/content/event/new").await.status,
        StatusCode::OK
    );
    let mut fields = vec![
        ("title", "Prova suppletiva"),
        ("category", "sagra-del-paese"),
        ("starts_at", "2027-07-01T08:30"),
        ("ends_at", "2027-07-01T06:00"),
        ("link", "www.mim.gov.it"),
    ];
    let page = browser.post("/console/content/event/new", &fields).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("La fine è prima dell"), "{}", page.body);
    assert!(
        page.body
            .contains("Il collegamento deve iniziare con https:")
    );
    fields[3] = ("ends_at", "");
    fields[4] = ("link", "https://www.mim.gov.it");
    let page = browser.post("/console/content/event/new", &fields).await;
    assert!(
        page.body.contains("Categoria sconosciuta ai dialoghi"),
        "{}",
        page.body
    );
    fields[1] = ("category", "maturita-suppletiva");
    let page = browser.post("/console/content/event/new", &fields).await;
    assert_eq!(
        page.location, "/console/content?saved=prova-suppletiva",
        "{}",
        page.body
    );
    let (title, starts): (String, chrono::DateTime<chrono::Utc>) =
        sqlx::query_as("SELECT title, starts_at FROM events WHERE key = 'prova-suppletiva'")
            .fetch_one(&pool)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(title, "Prova suppletiva");
    assert_eq!(
        starts.to_rfc3339(),
        "2027-07-01T06:30:00+00:00",
        "read as Italian time"
    );

    let form = browser.get("/console/content/event/prova-suppletiva").await;
    assert!(
        form.body.contains("value=\"2027-07-01T08:30\""),
        "{}",
        form.body
    );
    fields[0] = ("title", "Prova suppletiva (rinviata)");
    let page = browser
        .post("/console/content/event/prova-suppletiva", &fields)
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let (title,): (String,) =
        sqlx::query_as("SELECT title FROM events WHERE key = 'prova-suppletiva'")
            .fetch_one(&pool)
            .await
            .unwrap_or_default();
    assert_eq!(title, "Prova suppletiva (rinviata)");
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn expired_console_sessions_go_with_the_hourly_retention(pool: PgPool) {
    sqlx::query(
        "INSERT INTO console_sessions (id, data, expires_at) VALUES \
         ('old', '{}', now() - interval '1 hour'), ('live', '{}', now() + interval '1 hour')",
    )
    .execute(&pool)
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let purged = PgStore::from_pool(pool.clone()).purge_expired(30).await;
    assert_eq!(purged.ok().map(|p| p.console_sessions), Some(1));
    let (left,): (Vec<String>,) = sqlx::query_as("SELECT array_agg(id) FROM console_sessions")
        .fetch_one(&pool)
        .await
        .unwrap_or_default();
    assert_eq!(left, ["live"]);
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn a_message_close_to_an_faq_is_added_as_its_example_in_one_click(pool: PgPool) {
    add(&pool, "anna", accounts::Role::Editor).await;
    sqlx::query(
        "INSERT INTO faqs (key, question, answer) VALUES \
         ('borse-di-studio', 'Come si chiede la borsa di studio regionale?', 'Sul sito della regione.')",
    )
    .execute(&pool)
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO transcripts (channel, chat, direction, state, body, understood) \
         VALUES ('telegram', '8', 'in', 'main.menu', 'borsa di studio regionale come si chiede', false) RETURNING id",
    )
    .fetch_one(&pool)
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let mut browser = Browser::new(app(&pool).await);
    browser.sign_in("anna", PASSWORD).await;
    let inbox = browser.get("/console/inbox").await.body;
    assert!(
        inbox.contains("name=\"faq\" value=\"borse-di-studio\""),
        "{inbox}"
    );
    let id = id.to_string();
    let page = browser
        .post(
            "/console/inbox/example",
            &[("faq", "borse-di-studio"), ("id", &id)],
        )
        .await;
    assert_eq!(page.location, "/console/inbox?done=example");
    let (examples,): (Vec<String>,) =
        sqlx::query_as("SELECT examples FROM faqs WHERE key = 'borse-di-studio'")
            .fetch_one(&pool)
            .await
            .unwrap_or_default();
    assert_eq!(examples, ["borsa di studio regionale come si chiede"]);
    let inbox = browser.get("/console/inbox").await.body;
    assert!(
        !inbox.contains("borsa di studio regionale come si chiede"),
        "taught, it leaves the inbox"
    );
}
