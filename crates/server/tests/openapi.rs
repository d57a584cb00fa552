//! The OpenAPI document (`GET /api/openapi.json`): served without a session, OpenAPI 3, every
//! reference resolved, every error answer an `ApiError` — and it lists exactly the routes the
//! router has. The routes are read from the routers' sources (every `.route("…", get(…)…)`
//! under `src/`, all nested under `/api`) and each documented one is also asked of the real
//! router, which must not answer with its "no such route" fallback: a route added without its
//! documentation fails here.

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use common::{TestResponse, app_with, send, test_databases};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const METHODS: [&str; 5] = ["get", "post", "put", "delete", "patch"];

/// (METHOD, /api/path) of every route in the routers' sources.
fn routes_in_sources() -> BTreeSet<(String, String)> {
    let mut files = Vec::new();
    collect_rs(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    let mut routes = BTreeSet::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("a source file");
        // Unit tests build throwaway routers after `#[cfg(test)]`: not the app's routes.
        let text = text.split("#[cfg(test)]").next().unwrap_or_default();
        for (at, _) in text.match_indices(".route(") {
            let args = &text[at + ".route(".len()..];
            let call = &args[..closing_paren(args)];
            let path = call.split('"').nth(1).unwrap_or_else(|| {
                panic!("{}: a route whose path is not a literal", file.display())
            });
            let handlers = &call[call.find(',').expect("a route has handlers")..];
            let mut found = false;
            for method in METHODS {
                for (i, _) in handlers.match_indices(&format!("{method}(")) {
                    let before = handlers[..i].chars().next_back();
                    if before.is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == ':')) {
                        routes.insert((method.to_uppercase(), format!("/api{path}")));
                        found = true;
                    }
                }
            }
            assert!(found, "{}: no method router for {path}", file.display());
        }
    }
    routes
}

fn collect_rs(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a source folder") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            collect_rs(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The length of `text` up to the `)` that closes the call it is the arguments of.
fn closing_paren(text: &str) -> usize {
    let mut depth = 0usize;
    let mut in_string = false;
    for (i, c) in text.char_indices() {
        match c {
            '"' => in_string = !in_string,
            '(' if !in_string => depth += 1,
            ')' if !in_string => {
                if depth == 0 {
                    return i;
                }
                depth -= 1;
            }
            _ => {}
        }
    }
    panic!("an unclosed .route(");
}

/// (METHOD, path) of every operation of the document.
fn documented(doc: &Value) -> BTreeSet<(String, String)> {
    let mut ops = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in METHODS {
            if item.get(method).is_some() {
                ops.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    ops
}

fn document() -> Value {
    serde_json::to_value(huifang_server::openapi::document()).expect("the document serialises")
}

#[test]
fn the_document_lists_every_route_of_the_router() {
    let doc = document();
    let in_sources = routes_in_sources();
    let in_doc = documented(&doc);
    let undocumented: Vec<_> = in_sources.difference(&in_doc).collect();
    let unrouted: Vec<_> = in_doc.difference(&in_sources).collect();
    assert!(
        undocumented.is_empty(),
        "routes without documentation (add them to crates/server/src/openapi.rs): {undocumented:?}"
    );
    assert!(
        unrouted.is_empty(),
        "documented routes no router has: {unrouted:?}"
    );
    assert!(in_doc.len() >= 25, "only {} operations found", in_doc.len());
}

#[test]
fn the_document_is_openapi_3_and_complete() {
    let doc = document();
    let version = doc["openapi"].as_str().expect("an openapi version");
    assert!(version.starts_with("3."), "OpenAPI {version}");
    assert!(doc["info"]["title"].is_string());
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["session_cookie"]["in"], "cookie");
    assert_eq!(schemes["session_cookie"]["name"], "huifang_session");
    assert_eq!(schemes["bearer"]["scheme"], "bearer");

    // Every reference names a schema the document has.
    let schemas = doc["components"]["schemas"].as_object().expect("schemas");
    let mut refs = Vec::new();
    collect_refs(&doc, &mut refs);
    assert!(!refs.is_empty());
    for r in refs {
        let name = r
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("a reference outside the schemas: {r}"));
        assert!(schemas.contains_key(name), "{r} is not in the document");
    }

    let mut ids = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let what = format!("{} {path}", method.to_uppercase());
            assert!(
                ids.insert(
                    op["operationId"]
                        .as_str()
                        .expect("an operation id")
                        .to_owned()
                ),
                "{what}: operation id used twice"
            );
            let responses = op["responses"].as_object().expect("responses");
            assert!(
                responses.keys().any(|s| s.starts_with('2')),
                "{what}: no success answer"
            );
            for status in ["426", "500", "503"] {
                assert!(responses.contains_key(status), "{what}: no {status}");
            }
            // Every error answer is the JSON error shape.
            for (status, answer) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    assert_eq!(
                        answer["content"]["application/json"]["schema"]["$ref"],
                        "#/components/schemas/ApiError",
                        "{what} {status}"
                    );
                }
            }
            let needs_session = op["security"].as_array().is_some_and(|all| {
                all.iter()
                    .all(|one| one.as_object().is_some_and(|o| !o.is_empty()))
            });
            if needs_session {
                assert!(
                    responses.contains_key("401"),
                    "{what}: needs a session, no 401"
                );
            }
        }
    }
}

fn collect_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("$ref", Value::String(r)) => out.push(r.clone()),
                    _ => collect_refs(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

#[tokio::test]
async fn the_document_is_served_without_a_session_and_every_route_answers() {
    let db = test_databases().await.remove(0);
    let (app, _state) = app_with(&db.config()).await;
    let served = send(
        &app,
        Request::get("/api/openapi.json")
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(served.status, StatusCode::OK);
    assert!(
        served
            .header("content-type")
            .is_some_and(|t| t.starts_with("application/json"))
    );
    assert_eq!(served.json(), document());

    // Each documented operation reaches a handler: never the "no such route" fallback, never
    // "method not allowed" (most answer 401 here, without a session).
    for (method, path) in documented(&document()) {
        let uri = path.replace('{', "").replace('}', "-probe");
        let request = Request::builder()
            .method(Method::from_bytes(method.as_bytes()).expect("a method"))
            .uri(&uri)
            .body(Body::empty())
            .expect("request");
        let answer: TestResponse = send(&app, request).await;
        assert_ne!(
            answer.status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {uri}"
        );
        assert!(
            !(answer.status == StatusCode::NOT_FOUND && answer.text().contains("no API route")),
            "{method} {uri}: the router has no such route"
        );
        assert!(
            !answer.status.is_server_error(),
            "{method} {uri}: {} {}",
            answer.status,
            answer.text()
        );
    }
}

/// Found by scripts/api-fuzz (schemathesis): a query string axum's `Query` could not read was
/// answered in plain text, outside the document (`GET /api/audit?limit=-1`); and a pull cursor
/// past any SQL BIGINT was a 500 (`GET /api/sync/pull?cursor=9223372036854775808`). Both are
/// 400 with the JSON error now.
#[tokio::test]
async fn malformed_queries_are_answered_with_the_json_error() {
    use common::{demo_app, get_with_token, token_for};
    for db in test_databases().await {
        let (app, _state) = demo_app(&db).await;
        let token = token_for(&app, "manager").await;
        for uri in [
            "/api/audit?limit=-1",
            "/api/audit?limit=x&limit=y",
            "/api/sync/pull?cursor=9223372036854775808",
            "/api/sync/pull?cursor=18446744073709551615",
            "/api/sync/pull?limit=0",
        ] {
            let answer = send(&app, get_with_token(uri, &token)).await;
            assert_eq!(
                answer.status,
                StatusCode::BAD_REQUEST,
                "{}: {uri}",
                db.label
            );
            assert_eq!(
                answer.api_error().error,
                huifang_core::ErrorCode::BadRequest,
                "{}: {uri}",
                db.label
            );
        }
        let twice = Request::post("/api/import/preview?mapping=name&mapping=mobile")
            .header("authorization", format!("Bearer {token}"))
            .body(Body::from("姓名,手机\n张三,13800138000\n"))
            .expect("request");
        let answer = send(&app, twice).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", db.label);
        assert_eq!(
            answer.api_error().error,
            huifang_core::ErrorCode::BadRequest
        );
    }
}
