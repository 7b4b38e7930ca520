//! Serves the built web UI (`ui/dist`) from disk: `GET /` and its assets.
//!
//! Read from disk rather than embedded, so the Rust build does not depend on the UI build;
//! `kaibo serve` finds the folder through `--ui DIR`, `KAIBO_UI_DIR`, or the share folder's
//! `ui/` (see [`crate::share_dir`]).

use std::path::{Component, Path, PathBuf};

use axum::extract::{Path as UrlPath, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};

/// Where the built UI lives.
#[derive(Clone)]
pub struct UiFolder(pub PathBuf);

/// The UI folder to use when none is given: `KAIBO_UI_DIR`, else the share folder's `ui/`.
pub fn default_ui_dir() -> PathBuf {
    crate::share_dir::ui_dir()
}

pub async fn index(State(ui): State<UiFolder>) -> Response {
    match tokio::fs::read(ui.0.join("index.html")).await {
        Ok(bytes) => ([(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::CACHE_CONTROL, "no-cache")], bytes).into_response(),
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Html(format!(
                "<!doctype html><meta charset=utf-8><title>Kaibo Studio</title><body style=\"background:#111;color:#eee;font:16px sans-serif\">\
                 <h1>The studio UI is not built</h1><p>Run <code>npm --prefix ui ci &amp;&amp; npm --prefix ui run build</code>, \
                 or point <code>--ui</code> at a built folder. Looked in: {}</p>",
                escape(&ui.0.display().to_string())
            )),
        )
            .into_response(),
    }
}

pub async fn asset(State(ui): State<UiFolder>, UrlPath(path): UrlPath<String>) -> Response {
    let relative = Path::new(&path);
    // Only plain names below the folder: no `..`, no absolute paths.
    if !relative.components().all(|c| matches!(c, Component::Normal(_))) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let file = ui.0.join("assets").join(relative);
    match tokio::fs::read(&file).await {
        Ok(bytes) => ([(header::CONTENT_TYPE, content_type(&file))], bytes).into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("woff2") => "font/woff2",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}
