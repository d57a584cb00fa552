//! The built app: every path outside `/api` is a file of `--static-dir`, or `index.html` for
//! client-side routes (`/today`, `/leads/123`).
//!
//! Caching follows Trunk's file hashing: hashed files never change, so browsers keep them a
//! year; `index.html`, `sw.js` and the manifest name the current build and are revalidated
//! on every load, or an update would never reach a tablet.

use crate::error::Error;
use crate::security;
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, IF_MODIFIED_SINCE, IF_NONE_MATCH,
};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use std::path::Path;
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const NO_CACHE: &str = "no-cache";
const ONE_HOUR: &str = "public, max-age=3600";

/// Logs a clear warning at start when there is no built app to serve.
pub fn warn_if_missing(static_dir: &Path) {
    if !static_dir.join("index.html").is_file() {
        tracing::warn!(
            static_dir = %static_dir.display(),
            "no built app (index.html) in the static folder: the API works, but `/` answers 503. \
             Build the app with scripts/run (or `trunk build --release`) or point \
             --static-dir / HUIFANG_STATIC_DIR at a built dist/ folder"
        );
    }
}

/// The router's fallback: serves the app's files with the SPA fallback and cache headers.
pub async fn serve(State(state): State<AppState>, request: Request) -> Response {
    let dir = state.static_dir.as_path();
    let path = request.uri().path().to_owned();
    // Paths the `/api` router does not match itself (`/api/`) are still API paths: never the app.
    if path == "/api" || path.starts_with("/api/") {
        return Error::NotFound(format!("no API route {path}")).into_response();
    }
    let last_segment = path.rsplit('/').next().unwrap_or_default();
    let is_route = !last_segment.contains('.');
    let index = dir.join("index.html");
    if is_route && !tokio::fs::metadata(&index).await.is_ok_and(|m| m.is_file()) {
        return app_not_built(dir);
    }

    let (mut parts, body) = request.into_parts();
    // The files that name the current build are small: always send them whole. ServeDir's
    // Last-Modified has one-second granularity, so a build replaced within the second of a
    // browser's last fetch would otherwise answer 304 and hide the new version.
    let served_as = if is_route || last_segment.is_empty() {
        "index.html"
    } else {
        last_segment
    };
    if cache_control(served_as) == NO_CACHE {
        parts.headers.remove(IF_MODIFIED_SINCE);
        parts.headers.remove(IF_NONE_MATCH);
    }
    let is_read = parts.method == Method::GET || parts.method == Method::HEAD;
    let index_request = Request::from_parts(parts.clone(), Body::empty());
    let Ok(response) = ServeDir::new(dir)
        .oneshot(Request::from_parts(parts, body))
        .await;
    let (response, served_name) =
        if response.status() == StatusCode::NOT_FOUND && is_read && is_route {
            let Ok(index_response) = ServeFile::new(&index).oneshot(index_request).await;
            (index_response.map(Body::new), "index.html")
        } else if last_segment.is_empty() {
            (response.map(Body::new), "index.html")
        } else {
            (response.map(Body::new), last_segment)
        };
    let mut response = with_cache_headers(response, served_name);
    if response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED {
        // The page's own inline script (Trunk's loader) is allowed by its hash.
        let hashes = if served_name == "index.html" {
            match tokio::fs::read_to_string(&index).await {
                Ok(html) => security::inline_script_hashes(&html),
                Err(e) => {
                    tracing::warn!(error = %e, "index.html unreadable for its script hashes");
                    Vec::new()
                }
            }
        } else {
            Vec::new()
        };
        match HeaderValue::from_str(&security::app_csp(&hashes)) {
            Ok(csp) => {
                response.headers_mut().insert(CONTENT_SECURITY_POLICY, csp);
            }
            Err(e) => tracing::error!(error = %e, "the app's CSP is not a header value"),
        }
    }
    response
}

fn with_cache_headers(mut response: Response, file_name: &str) -> Response {
    let status = response.status();
    if !(status.is_success() || status == StatusCode::NOT_MODIFIED) {
        return response;
    }
    let headers = response.headers_mut();
    headers.insert(
        CACHE_CONTROL,
        HeaderValue::from_static(cache_control(file_name)),
    );
    if let Some(content_type) = content_type_override(file_name) {
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    }
    response
}

/// The Cache-Control of a file, by its name.
pub fn cache_control(file_name: &str) -> &'static str {
    match file_name {
        "index.html" | "sw.js" | "manifest.webmanifest" => NO_CACHE,
        _ if is_hashed(file_name) => IMMUTABLE,
        _ => ONE_HOUR,
    }
}

/// Types the generic MIME table may get wrong or miss.
fn content_type_override(file_name: &str) -> Option<&'static str> {
    if file_name.ends_with(".webmanifest") {
        Some("application/manifest+json")
    } else if file_name.ends_with(".wasm") {
        Some("application/wasm")
    } else {
        None
    }
}

/// Whether Trunk hashed the name: `-` and 16 hex digits right before the extension (or before
/// wasm-bindgen's `_bg`), e.g. `huifang-1a2b3c4d5e6f7a8b_bg.wasm`, `style-0123456789abcdef.css`.
pub fn is_hashed(file_name: &str) -> bool {
    let bytes = file_name.as_bytes();
    bytes.iter().enumerate().any(|(i, &b)| {
        b == b'-'
            && bytes
                .get(i + 1..i + 17)
                .is_some_and(|hash| hash.iter().all(u8::is_ascii_hexdigit))
            && matches!(bytes.get(i + 17), Some(b'.' | b'_'))
    })
}

fn app_not_built(dir: &Path) -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!(
            "The Huifang app is not built: there is no index.html in {}.\n\
             Build it with scripts/run (or `trunk build --release`), or start the server with \
             --static-dir pointing at a built dist/ folder. The API under /api works.\n",
            dir.display()
        ),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trunk_hashed_names_are_recognised() {
        assert!(is_hashed("huifang-1a2b3c4d5e6f7a8b_bg.wasm"));
        assert!(is_hashed("huifang-1a2b3c4d5e6f7a8b.js"));
        assert!(is_hashed("style-0123456789abcdef.css"));
        assert!(!is_hashed("style-0123456789abcde.css"));
        assert!(!is_hashed("style-0123456789abcdeg.css"));
        assert!(!is_hashed("icon-192.png"));
        assert!(!is_hashed("sw.js"));
    }

    #[test]
    fn cache_control_by_name() {
        assert_eq!(cache_control("index.html"), NO_CACHE);
        assert_eq!(cache_control("sw.js"), NO_CACHE);
        assert_eq!(cache_control("manifest.webmanifest"), NO_CACHE);
        assert_eq!(cache_control("style-0123456789abcdef.css"), IMMUTABLE);
        assert_eq!(cache_control("icon-192.png"), ONE_HOUR);
    }
}
