//! Styles and scripts, written for tana and compiled into the binary.

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

use super::AppState;

pub const CSS: &str = include_str!("assets/tana.css");
pub const APP_JS: &str = include_str!("assets/app.js");
pub const WORKBENCH_JS: &str = include_str!("assets/workbench.js");

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/assets/tana.css",
            get(|| async { asset("text/css; charset=utf-8", CSS) }),
        )
        .route(
            "/assets/app.js",
            get(|| async { asset("text/javascript; charset=utf-8", APP_JS) }),
        )
        .route(
            "/assets/workbench.js",
            get(|| async { asset("text/javascript; charset=utf-8", WORKBENCH_JS) }),
        )
}

fn asset(kind: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
}
