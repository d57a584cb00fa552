//! `PUT/GET /api/blobs/{sha256}` through the router, on every backend.

mod common;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{TestResponse, demo_app, send, token_for};
use huifang_core::{ErrorCode, Role, Username};
use huifang_server::blobs::BlobHash;
use huifang_server::users::{NewUser, create_store, create_user};

async fn put(
    app: &Router,
    token: &str,
    name: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> TestResponse {
    let request = Request::put(format!("/api/blobs/{name}"))
        .header("content-type", content_type)
        .header("authorization", format!("Bearer {token}"))
        .body(Body::from(bytes))
        .expect("request");
    send(app, request).await
}

async fn get(app: &Router, token: &str, name: &str) -> TestResponse {
    send(
        app,
        common::get_with_token(&format!("/api/blobs/{name}"), token),
    )
    .await
}

/// A second store with one care agent, `other_agent`, password `demo`.
async fn other_store(state: &huifang_server::AppState) {
    let hash = huifang_server::auth::hash_password("demo".to_owned())
        .await
        .expect("hash");
    let store = create_store(&state.db.pool, "另一家店", None)
        .await
        .expect("store");
    let username = Username::parse("other_agent").expect("username");
    create_user(
        &state.db.pool,
        NewUser {
            store_id: &store,
            username: &username,
            display_name: "周敏",
            role: Role::CareAgent,
            password_hash: &hash,
        },
    )
    .await
    .expect("user");
}

#[tokio::test]
async fn blobs_round_trip_idempotently_and_stay_in_their_store() {
    for db in common::test_databases().await {
        let label = db.label;
        let (app, state) = demo_app(&db).await;
        other_store(&state).await;
        let agent = token_for(&app, "agent1").await;
        let colleague = token_for(&app, "advisor1").await;
        let stranger = token_for(&app, "other_agent").await;

        let signature = b"\x89PNG\r\n\x1a\n a customer's signature".to_vec();
        let name = BlobHash::of(&signature).as_str().to_owned();
        let first = put(&app, &agent, &name, "image/png", signature.clone()).await;
        assert_eq!(
            first.status,
            StatusCode::CREATED,
            "[{label}] {}",
            first.text()
        );

        // The file is where the sharding says, and nothing else is left in the folder.
        let file = state.blobs.dir.join(&name[..2]).join(&name[2..]);
        assert_eq!(std::fs::read(&file).expect("the file"), signature);
        let modified = std::fs::metadata(&file)
            .and_then(|m| m.modified())
            .expect("mtime");
        let entries = std::fs::read_dir(file.parent().expect("shard"))
            .expect("shard folder")
            .count();
        assert_eq!(entries, 1, "[{label}] no temp file left");

        // The same bytes again: accepted, nothing rewritten.
        let again = put(&app, &agent, &name, "image/png", signature.clone()).await;
        assert_eq!(again.status, StatusCode::OK, "[{label}]");
        let modified_again = std::fs::metadata(&file)
            .and_then(|m| m.modified())
            .expect("mtime");
        assert_eq!(modified, modified_again, "[{label}]");
        let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM blobs")
            .fetch_one(&state.db.pool)
            .await
            .expect("count");
        assert_eq!(rows, 1, "[{label}]");

        // Its uploader reads it, cacheable forever; a colleague only once a record they may
        // read names it (the access matrix: crates/server/tests/access_http.rs).
        let refused = get(&app, &colleague, &name).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "[{label}]");
        let read = get(&app, &agent, &name).await;
        assert_eq!(read.status, StatusCode::OK, "[{label}] {}", read.text());
        assert_eq!(read.body, signature);
        assert_eq!(read.header("content-type"), Some("image/png"));
        assert_eq!(
            read.header("cache-control"),
            Some("private, max-age=31536000, immutable")
        );

        // Another store's user: as if it did not exist.
        let hidden = get(&app, &stranger, &name).await;
        assert_eq!(hidden.status, StatusCode::NOT_FOUND, "[{label}]");
        assert_eq!(hidden.api_error().error, ErrorCode::NotFound);
        let missing = get(&app, &agent, &"0".repeat(64)).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND, "[{label}]");
        // ... until they upload the same bytes themselves.
        let theirs = put(&app, &stranger, &name, "image/png", signature.clone()).await;
        assert_eq!(theirs.status, StatusCode::CREATED, "[{label}]");
        assert_eq!(get(&app, &stranger, &name).await.body, signature);

        let unsigned = send(&app, common::get(&format!("/api/blobs/{name}"))).await;
        assert_eq!(unsigned.status, StatusCode::UNAUTHORIZED, "[{label}]");
        state.db.close().await;
    }
}

#[tokio::test]
async fn bad_blob_uploads_get_a_clear_json_error() {
    for db in common::test_databases().await {
        let label = db.label;
        let (app, state) = demo_app(&db).await;
        let agent = token_for(&app, "agent1").await;
        let photo = b"\xff\xd8\xff a photo of the dent".to_vec();
        let name = BlobHash::of(&photo).as_str().to_owned();

        let wrong = put(&app, &agent, &"a".repeat(64), "image/jpeg", photo.clone()).await;
        assert_eq!(wrong.status, StatusCode::BAD_REQUEST, "[{label}]");
        let error = wrong.api_error();
        assert_eq!(error.error, ErrorCode::BadRequest);
        assert!(error.reason.contains("SHA-256"), "{}", error.reason);

        for malformed in ["abc", &name.to_uppercase(), &format!("{name}0")] {
            let response = put(&app, &agent, malformed, "image/jpeg", photo.clone()).await;
            assert_eq!(
                response.status,
                StatusCode::BAD_REQUEST,
                "[{label}] {malformed}"
            );
            assert!(response.api_error().reason.contains("64 lowercase hex"));
            let response = get(&app, &agent, malformed).await;
            assert_eq!(
                response.status,
                StatusCode::BAD_REQUEST,
                "[{label}] {malformed}"
            );
        }

        let pdf = put(&app, &agent, &name, "application/pdf", photo.clone()).await;
        assert_eq!(pdf.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "[{label}]");
        assert_eq!(pdf.api_error().error, ErrorCode::UnsupportedMediaType);

        let big = vec![7u8; state.blobs.max_bytes + 1];
        let big_name = BlobHash::of(&big).as_str().to_owned();
        let response = put(&app, &agent, &big_name, "image/webp", big).await;
        assert_eq!(response.status, StatusCode::PAYLOAD_TOO_LARGE, "[{label}]");
        let error = response.api_error();
        assert_eq!(error.error, ErrorCode::PayloadTooLarge);
        assert!(
            error.reason.contains(&state.blobs.max_bytes.to_string()),
            "{}",
            error.reason
        );

        // A blob at exactly the limit is fine (and bigger than /api's 1 MiB).
        let full = vec![9u8; state.blobs.max_bytes];
        let full_name = BlobHash::of(&full).as_str().to_owned();
        let response = put(&app, &agent, &full_name, "image/webp; q=1", full).await;
        assert_eq!(
            response.status,
            StatusCode::CREATED,
            "[{label}] {}",
            response.text()
        );

        let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM blobs")
            .fetch_one(&state.db.pool)
            .await
            .expect("count");
        assert_eq!(rows, 1, "[{label}] only the good upload");
        state.db.close().await;
    }
}
