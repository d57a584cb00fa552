//! HTTP hardening: the security headers every response carries, and the Content-Security-
//! Policy of the app's pages.
//!
//! - `/api` answers JSON, CSV or XLSX and never anything a browser should run or frame:
//!   `default-src 'none'`.
//! - The app (index.html, the service worker) may load only its own files: scripts from the
//!   server itself plus the one inline module script Trunk writes into index.html (allowed by
//!   its SHA-256, worked out from the file being served, so a rebuild needs no configuration),
//!   WebAssembly compilation (`'wasm-unsafe-eval'`), images from the server, `blob:` (photos and
//!   signatures kept on the tablet) and `data:`; requests to the server only; no plugins, no
//!   framing, no foreign forms. Inline styles stay allowed: the views set a few `style`
//!   attributes, which cannot run code.
//! - Everywhere: `nosniff`, no referrer, no framing, a separate browsing context group,
//!   and only the camera among the powerful features (photos of a complaint).

use crate::error::Error;
use axum::extract::{Request, State};
use axum::http::header::{
    CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::IntoResponse;
use axum::response::Response;
use base64::Engine;
use sha2::{Digest, Sha256};
use std::time::Duration;

/// The policy of every `/api` answer.
pub const API_CSP: &str =
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const PERMISSIONS_POLICY: HeaderName = HeaderName::from_static("permissions-policy");
const CROSS_ORIGIN_OPENER_POLICY: HeaderName =
    HeaderName::from_static("cross-origin-opener-policy");

/// The app's policy, allowing the inline scripts whose `sha256-…` sources are given.
pub fn app_csp(inline_script_hashes: &[String]) -> String {
    let mut scripts = String::from("'self' 'wasm-unsafe-eval'");
    for hash in inline_script_hashes {
        scripts.push_str(" '");
        scripts.push_str(hash);
        scripts.push('\'');
    }
    format!(
        "default-src 'self'; script-src {scripts}; style-src 'self' 'unsafe-inline'; \
         img-src 'self' blob: data:; connect-src 'self'; worker-src 'self'; \
         manifest-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; \
         frame-ancestors 'none'"
    )
}

/// The CSP source (`sha256-<base64>`) of each inline `<script>` of an HTML page: the exact
/// text between its tags, as the browser hashes it. Scripts with a `src` are left out.
pub fn inline_script_hashes(html: &str) -> Vec<String> {
    let lower = html.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(start) = lower[from..].find("<script").map(|i| i + from) {
        let Some(tag_end) = lower[start..].find('>').map(|i| i + start) else {
            break;
        };
        let Some(close) = lower[tag_end..].find("</script").map(|i| i + tag_end) else {
            break;
        };
        let tag = &lower[start..tag_end];
        if !tag.contains("src=") {
            let body = &html[tag_end + 1..close];
            let digest = Sha256::digest(body.as_bytes());
            out.push(format!(
                "sha256-{}",
                base64::engine::general_purpose::STANDARD.encode(digest)
            ));
        }
        from = close;
    }
    out
}

/// How long an `/api` request may take. Long work (an import) runs as a job and answers at
/// once; a request stopped here rolls its transaction back, and the tablet's retry is
/// answered like any replay.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// Middleware (`from_fn_with_state(limit, …)`): a request that takes longer than `limit` is
/// stopped and answered 503 with a JSON reason, instead of holding a connection forever.
pub async fn time_limit(State(limit): State<Duration>, request: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => Error::Unavailable(format!(
            "the request took longer than {} s and was stopped; try again",
            limit.as_secs_f64()
        ))
        .into_response(),
    }
}

/// Middleware: the headers every response carries. A response that set its own
/// Content-Security-Policy (the app's pages) keeps it; every other gets [`API_CSP`].
pub async fn headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if !headers.contains_key(CONTENT_SECURITY_POLICY) {
        headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(API_CSP));
    }
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        CROSS_ORIGIN_OPENER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(
        PERMISSIONS_POLICY,
        HeaderValue::from_static(
            "camera=(self), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
        ),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_request_over_the_time_limit_is_stopped_with_a_json_reason() {
        use axum::Router;
        use axum::body::Body;
        use axum::routing::get;
        use tower::ServiceExt;
        let app = Router::new()
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    "late"
                }),
            )
            .route("/quick", get(|| async { "quick" }))
            .layer(axum::middleware::from_fn_with_state(
                Duration::from_millis(50),
                time_limit,
            ));
        let ask = |path: &'static str| {
            let app = app.clone();
            async move {
                let request = Request::get(path).body(Body::empty()).expect("request");
                let Ok(response) = app.oneshot(request).await;
                let status = response.status();
                let bytes = axum::body::to_bytes(response.into_body(), 1 << 16)
                    .await
                    .expect("body");
                (status, String::from_utf8_lossy(&bytes).into_owned())
            }
        };
        let (status, body) = ask("/slow").await;
        assert_eq!(status, axum::http::StatusCode::SERVICE_UNAVAILABLE);
        let json: serde_json::Value = serde_json::from_str(&body).expect("a JSON error");
        assert_eq!(json["error"], "unavailable", "{body}");
        assert!(
            json["reason"]
                .as_str()
                .is_some_and(|r| r.contains("0.05 s")),
            "{body}"
        );
        assert_eq!(ask("/quick").await.1, "quick");
    }

    #[test]
    fn inline_scripts_are_hashed_and_external_ones_left_out() {
        let html = "<!doctype html><script type=module>import init from '/a.js';</script>\
                    <SCRIPT src=/b.js></SCRIPT><script>x()</script>";
        let hashes = inline_script_hashes(html);
        assert_eq!(hashes.len(), 2);
        let expected = base64::engine::general_purpose::STANDARD
            .encode(Sha256::digest(b"import init from '/a.js';"));
        assert_eq!(hashes[0], format!("sha256-{expected}"));
        assert_ne!(hashes[0], hashes[1]);
        assert!(inline_script_hashes("<p>no scripts</p>").is_empty());
        assert!(inline_script_hashes("<script>never closed").is_empty());
    }

    #[test]
    fn the_app_policy_allows_its_own_scripts_and_wasm_only() {
        let csp = app_csp(&["sha256-abc=".to_owned()]);
        assert!(csp.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-abc='"));
        assert!(csp.contains("object-src 'none'"));
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(!csp.contains(" 'unsafe-eval'"), "no eval of strings");
        assert!(!csp.contains("script-src 'self' 'unsafe-inline'"));
    }
}
