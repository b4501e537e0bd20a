//! The console's static files, built into the binary: Bootstrap Italia and htmx at the
//! versions `scripts/vendor-console-assets` pinned (see `assets/console/vendor/VERSIONS`),
//! and the console's own stylesheet. No CDN: the console works offline.

use axum::Router;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use include_dir::{Dir, include_dir};

use super::ConsoleState;

static ASSETS: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/assets/console");

pub(super) fn routes() -> Router<ConsoleState> {
    Router::new().route("/console/assets/{*path}", get(asset))
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("woff2") => "font/woff2",
        Some("woff") => "font/woff",
        Some("ttf") => "font/ttf",
        Some("png") => "image/png",
        _ => "application/octet-stream",
    }
}

/// `GET /console/assets/{path}`: cached for a day (the files change only with a new
/// binary).
async fn asset(Path(path): Path<String>) -> Response {
    match ASSETS.get_file(&path) {
        Some(file) => (
            [
                (header::CONTENT_TYPE, content_type(&path)),
                (header::CACHE_CONTROL, "public, max-age=86400"),
            ],
            file.contents(),
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
