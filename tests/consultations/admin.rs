//! `/admin/consultations` through `oneshot`: define (with the content file's checks),
//! list, and read one with its results and deliveries.

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};
use sportello::admin::{self, AdminState, AdminTokens};
use sportello::dialogue::Live;
use sportello::store::pg::PgStore;
use sqlx::PgPool;
use tower::ServiceExt;

use super::{QUESTION, dialogues, exec, schedule};

const TOKEN: &str = "admin-test-token-0123456789abcdef";

fn app(pool: &PgPool) -> Router {
    let tokens: AdminTokens = TOKEN.parse().unwrap_or_else(|e| panic!("{e}"));
    admin::router(AdminState::new(
        PgStore::from_pool(pool.clone()),
        Live::from(dialogues()),
        Vec::new(),
        tokens,
    ))
}

async fn call(
    app: &Router,
    method: Method,
    uri: &str,
    body: Option<&Value>,
) -> (StatusCode, Value) {
    let mut builder = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"));
    let body = match body {
        Some(json) => {
            builder = builder.header(header::CONTENT_TYPE, "application/json");
            Body::from(json.to_string())
        }
        None => Body::empty(),
    };
    let request = builder.body(body).unwrap_or_else(|e| panic!("{e}"));
    let response = match app.clone().oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    };
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap_or_default();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

fn definition() -> Value {
    json!({
        "key": "orari",
        "question": QUESTION,
        "options": ["Mattina", "Pomeriggio"],
        "topics": ["maturita"],
        "closes_at": "2099-06-20 18:00"
    })
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn staff_define_a_consultation_and_read_its_results(pool: PgPool) {
    let app = app(&pool);
    let (status, body) = call(
        &app,
        Method::POST,
        "/admin/consultations",
        Some(&definition()),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["consultation"]["status"], "scheduled");
    assert_eq!(
        body["consultation"]["anonymous"], true,
        "anonymous by default"
    );
    assert_eq!(
        body["consultation"]["closes_at"],
        "2099-06-20T18:00:00+02:00"
    );
    let (status, body) = call(
        &app,
        Method::POST,
        "/admin/consultations",
        Some(&definition()),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");

    // Opens at once (no `opens_at`): the scheduler sends it.
    exec(
        &pool,
        "INSERT INTO subscribers (channel, chat, topics) VALUES ('telegram', '101', '{maturita}')",
    )
    .await;
    assert_eq!(schedule(&pool).await.opened, [("orari".to_owned(), 1)]);
    exec(
        &pool,
        "INSERT INTO consultation_votes (consultation_id, voter, option) VALUES (1, 'a', 0), (1, 'b', 0), (1, 'c', 1)",
    )
    .await;
    let (status, body) = call(&app, Method::GET, "/admin/consultations/orari", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["consultation"]["status"], "open");
    assert_eq!(
        body["results"],
        json!({ "answers": 3, "options": [
            { "option": "Mattina", "count": 2, "percent": 67 },
            { "option": "Pomeriggio", "count": 1, "percent": 33 }
        ] })
    );
    assert_eq!(body["deliveries"], json!({ "question": { "queued": 1 } }));
    let (status, body) = call(&app, Method::GET, "/admin/consultations", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["consultations"][0]["key"], "orari");
    assert_eq!(body["consultations"][0]["answers"], 3);
    let (status, _) = call(&app, Method::GET, "/admin/consultations/nessuna", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn a_definition_is_checked_as_a_content_file_is(pool: PgPool) {
    let app = app(&pool);
    let refused = |change: Value| {
        let mut body = definition();
        if let (Some(body), Some(change)) = (body.as_object_mut(), change.as_object()) {
            body.extend(change.clone());
        }
        body
    };
    for (change, says) in [
        (
            json!({ "options": ["Sì"] }),
            "`options`: has 1 option(s); a consultation has 2 to 10",
        ),
        (
            json!({ "topics": ["corsi"] }),
            "`topics`: unknown topic `corsi`",
        ),
        (
            json!({ "question": "x".repeat(301) }),
            "`question`: has 301 characters",
        ),
        (
            json!({ "closes_at": "2020-01-01" }),
            "`closes_at` is in the past",
        ),
        (
            json!({ "opens_at": "2099-07-01", "closes_at": "2099-06-01" }),
            "`closes_at`: is not after opens_at",
        ),
        (json!({ "closes_at": "domani" }), "`closes_at`: not a date"),
    ] {
        let (status, body) = call(
            &app,
            Method::POST,
            "/admin/consultations",
            Some(&refused(change.clone())),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{change}: {body}");
        let error = body["error"].as_str().unwrap_or_default();
        assert!(error.contains(says), "{change}: {error}");
    }
    let (status, _) = call(
        &app,
        Method::POST,
        "/admin/consultations",
        Some(&refused(json!({ "anonimo": false }))),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown fields are refused"
    );
}
