//! `/healthz`, `/readyz` and `/metrics` through the ops router, against a real
//! PostgreSQL reached through a proxy the test can cut, to see readiness fail while the
//! database is unreachable and recover when it is back.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use sportello::dialogue::Live;
use sportello::ops::{self, OpsState};
use sportello::store::pg::PgStore;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use tokio::net::{TcpListener, TcpStream};
use tower::ServiceExt;

/// A TCP proxy to PostgreSQL that can be switched off (refusing and cutting
/// connections) and on again.
struct Proxy {
    port: u16,
    up: Arc<AtomicBool>,
}

impl Proxy {
    async fn start(target: String) -> Proxy {
        let listener = match TcpListener::bind("127.0.0.1:0").await {
            Ok(l) => l,
            Err(err) => panic!("bind: {err}"),
        };
        let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
        let up = Arc::new(AtomicBool::new(true));
        let serving = Arc::clone(&up);
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !serving.load(Ordering::SeqCst) {
                    continue; // dropped: refused
                }
                let target = target.clone();
                let serving = Arc::clone(&serving);
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(&target).await else {
                        return;
                    };
                    let copy = tokio::io::copy_bidirectional(&mut client, &mut server);
                    tokio::pin!(copy);
                    loop {
                        tokio::select! {
                            _ = &mut copy => return,
                            () = tokio::time::sleep(Duration::from_millis(50)) => {
                                if !serving.load(Ordering::SeqCst) {
                                    return; // cut
                                }
                            }
                        }
                    }
                });
            }
        });
        Proxy { port, up }
    }

    fn set(&self, up: bool) {
        self.up.store(up, Ordering::SeqCst);
    }
}

async fn get(router: &axum::Router, path: &str) -> (StatusCode, String) {
    let request = Request::get(path)
        .body(Body::empty())
        .unwrap_or_else(|e| panic!("{e}"));
    let response = match router.clone().oneshot(request).await {
        Ok(r) => r,
        Err(never) => match never {},
    };
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap_or_default();
    (status, String::from_utf8_lossy(&body).into_owned())
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn readiness_follows_the_database_and_health_names_the_dialogues(pool: PgPool) {
    let options = pool.connect_options();
    let target = format!("{}:{}", options.get_host(), options.get_port());
    let proxy = Proxy::start(target).await;
    let through_proxy = (*options).clone().host("127.0.0.1").port(proxy.port);
    let proxied = PgPoolOptions::new()
        .acquire_timeout(Duration::from_secs(1))
        .connect_lazy_with(through_proxy);
    let dialogues = common::load(&common::fixture("basic"));
    let version = dialogues.version.clone();
    let router = ops::router(OpsState {
        store: PgStore::from_pool(proxied),
        dialogues: Live::from(dialogues),
        metrics: None,
    });

    let (status, body) = get(&router, "/healthz").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains(&version), "{body}");
    assert_eq!(get(&router, "/readyz").await.0, StatusCode::OK);

    proxy.set(false);
    let (status, body) = get(&router, "/readyz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(body.contains("unreachable"), "{body}");
    assert_eq!(
        get(&router, "/healthz").await.0,
        StatusCode::OK,
        "the process is still up"
    );

    proxy.set(true);
    let mut recovered = false;
    for _ in 0..50 {
        if get(&router, "/readyz").await.0 == StatusCode::OK {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(recovered, "readiness came back with the database");
    assert_eq!(
        get(&router, "/metrics").await.0,
        StatusCode::NOT_FOUND,
        "no recorder here"
    );
}
