//! Serving the built app: cache headers, content types, SPA fallback, 404s, and the 503 when
//! the app was never built. The database is SQLite only here: nothing static touches it.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{get, send, write_file};

const HASHED_WASM: &str = "huifang-1a2b3c4d5e6f7a8b_bg.wasm";
const HASHED_CSS: &str = "style-0123456789abcdef.css";

#[tokio::test]
async fn the_app_is_served_with_the_right_cache_headers() {
    let db = common::test_databases()
        .await
        .into_iter()
        .next()
        .expect("sqlite");
    let dist = db.static_dir();
    write_file(&dist, "index.html", "<!doctype html><title>Huifang</title>");
    write_file(&dist, "sw.js", "self.addEventListener('fetch', () => {});");
    write_file(&dist, "manifest.webmanifest", "{\"name\":\"Huifang\"}");
    write_file(&dist, HASHED_WASM, "\0asm fake");
    write_file(&dist, HASHED_CSS, "body { color: black; }");
    write_file(&dist, "icons/icon-192.png", "png");
    let (app, state) = common::app_with(&db.config()).await;

    let wasm = send(&app, get(&format!("/{HASHED_WASM}"))).await;
    assert_eq!(wasm.status, StatusCode::OK);
    assert_eq!(
        wasm.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    assert_eq!(wasm.header("content-type"), Some("application/wasm"));

    let css = send(&app, get(&format!("/{HASHED_CSS}"))).await;
    assert_eq!(
        css.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );

    for path in ["/", "/index.html", "/sw.js"] {
        let response = send(&app, get(path)).await;
        assert_eq!(response.status, StatusCode::OK, "{path}");
        assert_eq!(response.header("cache-control"), Some("no-cache"), "{path}");
    }
    let manifest = send(&app, get("/manifest.webmanifest")).await;
    assert_eq!(manifest.header("cache-control"), Some("no-cache"));
    assert_eq!(
        manifest.header("content-type"),
        Some("application/manifest+json")
    );

    let icon = send(&app, get("/icons/icon-192.png")).await;
    assert_eq!(icon.status, StatusCode::OK);
    assert_eq!(icon.header("cache-control"), Some("public, max-age=3600"));

    // Client-side routes get index.html, uncached.
    for path in ["/today", "/leads/123"] {
        let response = send(&app, get(path)).await;
        assert_eq!(response.status, StatusCode::OK, "{path}");
        assert!(response.text().contains("<title>Huifang</title>"), "{path}");
        assert_eq!(response.header("cache-control"), Some("no-cache"), "{path}");
        assert!(
            response
                .header("content-type")
                .is_some_and(|t| t.starts_with("text/html"))
        );
    }

    let missing = send(&app, get("/missing.js")).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);

    // Compression is negotiated.
    let big = "body { color: black; }\n".repeat(200);
    write_file(&dist, "big.css", &big);
    let request = Request::get("/big.css")
        .header("accept-encoding", "gzip")
        .body(Body::empty())
        .expect("request");
    let response = send(&app, request).await;
    assert_eq!(response.header("content-encoding"), Some("gzip"));
    assert!(response.body.len() < big.len());
    state.db.close().await;
}

/// A build replaced within the same second as a browser's last fetch must still reach it:
/// the files naming the build are always sent whole, hashed assets may answer 304.
#[tokio::test]
async fn a_new_build_is_never_hidden_behind_a_304() {
    let db = common::test_databases()
        .await
        .into_iter()
        .next()
        .expect("sqlite");
    let dist = db.static_dir();
    write_file(&dist, "index.html", "<!doctype html><title>v1</title>");
    write_file(&dist, "sw.js", "const BUILD = 'v1';");
    write_file(&dist, HASHED_CSS, "body { color: black; }");
    let (app, state) = common::app_with(&db.config()).await;
    let first = send(&app, get("/sw.js")).await;
    let last_modified = first
        .header("last-modified")
        .expect("sw.js has a Last-Modified")
        .to_owned();
    write_file(&dist, "sw.js", "const BUILD = 'v2';");
    for path in ["/sw.js", "/index.html", "/today"] {
        let request = Request::get(path)
            .header("if-modified-since", &last_modified)
            .body(Body::empty())
            .expect("request");
        let response = send(&app, request).await;
        assert_eq!(response.status, StatusCode::OK, "{path} is sent whole");
    }
    let again = Request::get("/sw.js")
        .header("if-modified-since", &last_modified)
        .body(Body::empty())
        .expect("request");
    assert!(send(&app, again).await.text().contains("v2"));

    let css = send(&app, get(&format!("/{HASHED_CSS}"))).await;
    let css_modified = css
        .header("last-modified")
        .expect("css Last-Modified")
        .to_owned();
    let conditional = Request::get(format!("/{HASHED_CSS}"))
        .header("if-modified-since", &css_modified)
        .body(Body::empty())
        .expect("request");
    assert_eq!(
        send(&app, conditional).await.status,
        StatusCode::NOT_MODIFIED,
        "hashed assets still revalidate cheaply"
    );
    state.db.close().await;
}

#[tokio::test]
async fn without_a_built_app_the_root_says_how_to_build_it_and_the_api_works() {
    let db = common::test_databases()
        .await
        .into_iter()
        .next()
        .expect("sqlite");
    let (app, state) = common::app_with(&db.config()).await;
    let root = send(&app, get("/")).await;
    assert_eq!(root.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(root.text().contains("scripts/run"), "{}", root.text());
    assert!(
        root.header("content-type")
            .is_some_and(|t| t.starts_with("text/plain"))
    );
    assert_eq!(send(&app, get("/api/health")).await.status, StatusCode::OK);
    state.db.close().await;
}

/// Every answer carries the security headers; the app's pages a policy that allows exactly
/// their own inline loader (by hash), the API one that allows nothing.
#[tokio::test]
async fn every_answer_carries_the_security_headers_and_the_page_its_script_hash() {
    use base64::Engine;
    use sha2::{Digest, Sha256};
    let db = common::test_databases()
        .await
        .into_iter()
        .next()
        .expect("sqlite");
    let dist = db.static_dir();
    let loader = "import init, * as bindings from '/huifang-1a2b3c4d5e6f7a8b.js';";
    write_file(
        &dist,
        "index.html",
        &format!("<!doctype html><title>Huifang</title><script type=module>{loader}</script>"),
    );
    write_file(&dist, "sw.js", "self.addEventListener('fetch', () => {});");
    let (app, state) = common::app_with(&db.config()).await;
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(loader));

    for path in ["/", "/today", "/index.html"] {
        let page = send(&app, get(path)).await;
        let csp = page.header("content-security-policy").unwrap_or_default();
        assert!(
            csp.contains(&format!(
                "script-src 'self' 'wasm-unsafe-eval' 'sha256-{hash}'"
            )),
            "{path}: {csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
    }
    let worker = send(&app, get("/sw.js")).await;
    let csp = worker.header("content-security-policy").unwrap_or_default();
    assert!(
        csp.contains("connect-src 'self'"),
        "the worker may fetch the app: {csp}"
    );

    for path in ["/api/health", "/api/nowhere"] {
        let api = send(&app, get(path)).await;
        assert_eq!(
            api.header("content-security-policy"),
            Some(huifang_server::security::API_CSP),
            "{path}"
        );
    }
    for path in ["/", "/sw.js", "/api/health", "/api/nowhere", "/missing.js"] {
        let any = send(&app, get(path)).await;
        assert_eq!(
            any.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(any.header("x-frame-options"), Some("DENY"), "{path}");
        assert_eq!(any.header("referrer-policy"), Some("no-referrer"), "{path}");
        assert!(any.header("permissions-policy").is_some(), "{path}");
    }
    state.db.close().await;
}
