//! `/api` through the router (no network), on every backend.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{demo_app, get, get_with_token, post_json, send, sign_in, token_for};
use huifang_core::{ErrorCode, SCHEMA_HEADER, SCHEMA_VERSION};
use serde_json::json;

#[tokio::test]
async fn sign_in_sets_a_cookie_and_the_token_works_as_bearer_and_cookie() {
    for db in common::test_databases().await {
        let label = db.label;
        let (app, state) = demo_app(&db).await;
        let response = sign_in(&app, "Supervisor", "demo").await;
        assert_eq!(
            response.status,
            StatusCode::OK,
            "[{label}] {}",
            response.text()
        );
        let body = response.json();
        let token = body["token"].as_str().expect("token").to_owned();
        assert_eq!(body["user"]["username"], "supervisor");
        assert_eq!(body["user"]["display_name"], "陈静");
        assert_eq!(body["user"]["role"], "care_supervisor");
        assert_eq!(body["user"]["store_name"], huifang_server::DEMO_STORE);
        assert!(body["expires_at_ms"].as_i64().expect("expiry") > huifang_server::db::now_ms());

        let cookie = response.header("set-cookie").expect("a cookie is set");
        assert!(
            cookie.starts_with(&format!("huifang_session={token};")),
            "{cookie}"
        );
        for attribute in [
            "HttpOnly",
            "SameSite=Strict",
            "Path=/api",
            "Max-Age=2592000",
        ] {
            assert!(
                cookie.contains(attribute),
                "[{label}] {cookie} has {attribute}"
            );
        }
        assert!(
            !cookie.contains("Secure"),
            "[{label}] plain HTTP by default: {cookie}"
        );

        let me = send(&app, get_with_token("/api/auth/me", &token)).await;
        assert_eq!(me.status, StatusCode::OK, "[{label}] {}", me.text());
        assert_eq!(me.json()["user"], body["user"]);

        let by_cookie = Request::get("/api/auth/me")
            .header("cookie", format!("other=1; huifang_session={token}"))
            .body(Body::empty())
            .expect("request");
        let me = send(&app, by_cookie).await;
        assert_eq!(me.status, StatusCode::OK, "[{label}]");
        assert_eq!(me.json()["user"]["username"], "supervisor");

        // Only the hash is stored.
        let stored: Vec<String> = sqlx::query_scalar("SELECT token_hash FROM sessions")
            .fetch_all(&state.db.pool)
            .await
            .expect("sessions");
        assert_eq!(stored, vec![huifang_server::auth::token_hash(&token)]);
        state.db.close().await;
    }
}

#[tokio::test]
async fn wrong_password_unknown_user_and_inactive_user_are_the_same_401() {
    for db in common::test_databases().await {
        let label = db.label;
        let (app, state) = demo_app(&db).await;
        let wrong = sign_in(&app, "agent1", "wrong").await;
        let unknown = sign_in(&app, "nobody", "demo").await;
        let malformed = sign_in(&app, "王丽", "demo").await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "[{label}]");
        assert_eq!(wrong.api_error().error, ErrorCode::InvalidCredentials);
        assert!(wrong.header("set-cookie").is_none());
        for other in [&unknown, &malformed] {
            assert_eq!(other.status, wrong.status, "[{label}]");
            assert_eq!(other.body, wrong.body, "[{label}] identical bodies");
        }

        let agent1 = huifang_server::users::find_active_user(
            &state.db,
            &huifang_core::Username::parse("agent1").expect("username"),
        )
        .await
        .expect("query")
        .expect("agent1 exists")
        .0;
        let token = token_for(&app, "agent1").await;
        huifang_server::users::set_user_active(&state.db, &agent1.id, false)
            .await
            .expect("deactivate");
        let inactive = sign_in(&app, "agent1", "demo").await;
        assert_eq!(
            inactive.body, wrong.body,
            "[{label}] inactive looks like wrong"
        );
        let me = send(&app, get_with_token("/api/auth/me", &token)).await;
        assert_eq!(
            me.status,
            StatusCode::UNAUTHORIZED,
            "[{label}] sessions end"
        );
        state.db.close().await;
    }
}

/// Five wrong passwords in a row lock the name for a quarter of an hour: the fifth answer
/// says so, and while locked even the right password is refused unchecked. Unknown names
/// lock alike; a success starts the count again; the lock ends by itself.
#[tokio::test]
async fn five_wrong_passwords_lock_the_name_for_a_quarter_of_an_hour() {
    use huifang_core::api::SIGN_IN_MAX_FAILURES;
    for db in common::test_databases().await {
        let label = db.label;
        let (app, state) = demo_app(&db).await;
        // A success in between starts the count again.
        for _ in 0..SIGN_IN_MAX_FAILURES - 1 {
            let wrong = sign_in(&app, "agent1", "wrong").await;
            assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "[{label}]");
        }
        assert_eq!(sign_in(&app, "agent1", "demo").await.status, StatusCode::OK);
        for n in 1..SIGN_IN_MAX_FAILURES {
            let wrong = sign_in(&app, " Agent1 ", "wrong").await;
            assert_eq!(
                wrong.status,
                StatusCode::UNAUTHORIZED,
                "[{label}] failure {n}"
            );
        }
        let fifth = sign_in(&app, "agent1", "wrong").await;
        assert_eq!(fifth.status, StatusCode::TOO_MANY_REQUESTS, "[{label}]");
        assert_eq!(fifth.api_error().error, ErrorCode::TooManyAttempts);
        assert!(fifth.api_error().reason.contains("15 minutes"), "[{label}]");
        let right = sign_in(&app, "agent1", "demo").await;
        assert_eq!(
            right.status,
            StatusCode::TOO_MANY_REQUESTS,
            "[{label}] locked: not even the right password"
        );
        assert!(right.header("set-cookie").is_none());
        assert_eq!(
            sign_in(&app, "agent2", "demo").await.status,
            StatusCode::OK,
            "[{label}] other names are not locked"
        );

        // A name that does not exist locks the same way (the answers tell nothing).
        for _ in 0..SIGN_IN_MAX_FAILURES - 1 {
            sign_in(&app, "nobody", "guess").await;
        }
        let unknown = sign_in(&app, "nobody", "guess").await;
        assert_eq!(unknown.status, fifth.status, "[{label}]");
        assert_eq!(unknown.api_error().error, ErrorCode::TooManyAttempts);

        // A quarter of an hour later the lock is gone, and the right password works.
        sqlx::query("UPDATE sign_in_attempts SET locked_until_ms = $1, last_failure_ms = $1")
            .bind(huifang_server::db::now_ms() - 16 * 60 * 1000)
            .execute(&state.db.pool)
            .await
            .expect("age the lock");
        assert_eq!(sign_in(&app, "agent1", "demo").await.status, StatusCode::OK);
        let left: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM sign_in_attempts WHERE username = 'agent1'")
                .fetch_one(&state.db.pool)
                .await
                .expect("count");
        assert_eq!(left, 0, "[{label}] a success clears the count");
        state.db.close().await;
    }
}

/// Wrong passwords for one name arriving at once (a script, or two tablets) are each counted:
/// no answer is a server error (SQLite used to answer "database is locked"), and exactly the
/// first four are "wrong password" whatever the interleaving; the rest are "locked" (a lost
/// count would let more guesses through).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn wrong_passwords_at_once_are_all_counted_without_a_server_error() {
    use huifang_core::api::SIGN_IN_MAX_FAILURES;
    const AT_ONCE: i64 = 12;
    for db in common::test_databases().await {
        let label = db.label;
        let (app, state) = demo_app(&db).await;
        let tries: Vec<_> = (0..AT_ONCE)
            .map(|_| {
                let app = app.clone();
                tokio::spawn(async move { sign_in(&app, "agent1", "wrong").await.status })
            })
            .collect();
        let mut statuses = Vec::new();
        for attempt in tries {
            statuses.push(attempt.await.expect("the sign-in task ends"));
        }
        let wrong = statuses
            .iter()
            .filter(|s| **s == StatusCode::UNAUTHORIZED)
            .count();
        let locked = statuses
            .iter()
            .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
            .count();
        assert_eq!(
            wrong + locked,
            statuses.len(),
            "[{label}] only 401 and 429: {statuses:?}"
        );
        assert_eq!(
            wrong as i64,
            SIGN_IN_MAX_FAILURES - 1,
            "[{label}] {statuses:?}"
        );
        assert_eq!(
            sign_in(&app, "agent1", "demo").await.status,
            StatusCode::TOO_MANY_REQUESTS,
            "[{label}] the name is locked"
        );
        state.db.close().await;
    }
}

/// A signed-in user changes their password with the current one: the new one signs in, the
/// old one no longer does, their other sessions end and this one stays. Rule breaks are 400s
/// with reasons; a wrong current password is a wrong sign-in and counts towards the lock.
#[tokio::test]
async fn a_password_is_changed_with_the_current_one_and_other_sessions_end() {
    use axum::body::Body;
    use axum::http::Request;
    let change = |token: &str, current: &str, new: &str| {
        Request::post("/api/auth/password")
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .body(Body::from(
                json!({"current": current, "new": new}).to_string(),
            ))
            .expect("request")
    };
    for db in common::test_databases().await {
        let label = db.label;
        let (app, state) = demo_app(&db).await;
        let here = token_for(&app, "agent2").await;
        let elsewhere = token_for(&app, "agent1").await;
        let demo = huifang_server::DEMO_PASSWORD;
        let short = send(&app, change(&here, demo, "short")).await;
        assert_eq!(short.status, StatusCode::BAD_REQUEST, "[{label}]");
        assert!(short.api_error().reason.contains("at least 8"), "[{label}]");
        let first = send(&app, change(&here, demo, "a-new-secret-1")).await;
        assert_eq!(
            first.status,
            StatusCode::NO_CONTENT,
            "[{label}] {}",
            first.text()
        );
        let other_tablet = sign_in(&app, "agent2", "a-new-secret-1").await.json()["token"]
            .as_str()
            .expect("signed in with the new password")
            .to_owned();
        let same = send(&app, change(&here, "a-new-secret-1", "a-new-secret-1")).await;
        assert_eq!(same.status, StatusCode::BAD_REQUEST, "[{label}]");
        assert!(
            same.api_error().reason.contains("same as the current"),
            "[{label}]"
        );
        let wrong = send(&app, change(&here, "not-it", "another-secret")).await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "[{label}]");
        assert_eq!(wrong.api_error().error, ErrorCode::InvalidCredentials);
        let me = send(&app, get_with_token("/api/auth/me", &here)).await;
        assert_eq!(
            me.status,
            StatusCode::OK,
            "[{label}] a wrong guess signs nobody out"
        );

        let ok = send(&app, change(&here, "a-new-secret-1", "second-secret-2")).await;
        assert_eq!(ok.status, StatusCode::NO_CONTENT, "[{label}] {}", ok.text());
        assert_eq!(
            send(&app, get_with_token("/api/auth/me", &here))
                .await
                .status,
            StatusCode::OK,
            "[{label}] this session stays"
        );
        assert_eq!(
            send(&app, get_with_token("/api/auth/me", &other_tablet))
                .await
                .status,
            StatusCode::UNAUTHORIZED,
            "[{label}] the other sessions end"
        );
        assert_eq!(
            send(&app, get_with_token("/api/auth/me", &elsewhere))
                .await
                .status,
            StatusCode::OK,
            "[{label}] other people's sessions do not"
        );
        assert_eq!(
            sign_in(&app, "agent2", "a-new-secret-1").await.status,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            sign_in(&app, "agent2", "second-secret-2").await.status,
            StatusCode::OK
        );
        let anonymous = send(
            &app,
            post_json(
                "/api/auth/password",
                &json!({"current": "x", "new": "y-long-enough"}),
            ),
        )
        .await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "[{label}]");
        state.db.close().await;
    }
}

/// Behind HTTPS (`--secure-cookies`) the session cookie, and the one that clears it, are
/// `Secure`: a browser never sends them over plain HTTP.
#[tokio::test]
async fn secure_cookies_are_marked_secure() {
    let db = common::test_databases()
        .await
        .into_iter()
        .next()
        .expect("sqlite");
    let mut config = db.config();
    config.demo = true;
    config.secure_cookies = true;
    let (app, state) = common::app_with(&config).await;
    let signed_in = sign_in(&app, "agent1", "demo").await;
    let cookie = signed_in.header("set-cookie").expect("a cookie");
    assert!(cookie.ends_with("; Secure"), "{cookie}");
    let token = signed_in.json()["token"]
        .as_str()
        .expect("token")
        .to_owned();
    let out = send(
        &app,
        axum::http::Request::post("/api/auth/sign-out")
            .header("authorization", format!("Bearer {token}"))
            .body(axum::body::Body::empty())
            .expect("request"),
    )
    .await;
    assert!(
        out.header("set-cookie")
            .is_some_and(|c| c.contains("Max-Age=0") && c.ends_with("; Secure"))
    );
    state.db.close().await;
}

#[tokio::test]
async fn me_without_a_valid_session_is_401() {
    for db in common::test_databases().await {
        let label = db.label;
        let (app, state) = demo_app(&db).await;
        for request in [
            get("/api/auth/me"),
            get_with_token("/api/auth/me", "made-up"),
        ] {
            let response = send(&app, request).await;
            assert_eq!(response.status, StatusCode::UNAUTHORIZED, "[{label}]");
            assert_eq!(response.api_error().error, ErrorCode::Unauthenticated);
        }
        state.db.close().await;
    }
}

#[tokio::test]
async fn sign_out_invalidates_the_session_and_clears_the_cookie() {
    for db in common::test_databases().await {
        let label = db.label;
        let (app, state) = demo_app(&db).await;
        let token = token_for(&app, "manager").await;
        let request = Request::post("/api/auth/sign-out")
            .header("authorization", format!("Bearer {token}"))
            .body(Body::empty())
            .expect("request");
        let out = send(&app, request).await;
        assert_eq!(out.status, StatusCode::NO_CONTENT, "[{label}]");
        let cookie = out.header("set-cookie").expect("cookie cleared");
        assert!(cookie.starts_with("huifang_session=;") && cookie.contains("Max-Age=0"));
        let me = send(&app, get_with_token("/api/auth/me", &token)).await;
        assert_eq!(me.status, StatusCode::UNAUTHORIZED, "[{label}]");
        state.db.close().await;
    }
}

#[tokio::test]
async fn an_expired_session_is_refused() {
    for db in common::test_databases().await {
        let label = db.label;
        let (app, state) = demo_app(&db).await;
        let token = token_for(&app, "agent2").await;
        sqlx::query("UPDATE sessions SET expires_at_ms = $1")
            .bind(huifang_server::db::now_ms() - 1)
            .execute(&state.db.pool)
            .await
            .expect("expire");
        let me = send(&app, get_with_token("/api/auth/me", &token)).await;
        assert_eq!(me.status, StatusCode::UNAUTHORIZED, "[{label}]");
        // A failed sign-in of two days ago and one of now: the sweep takes the old one.
        sign_in(&app, "agent1", "wrong").await;
        sign_in(&app, "agent3", "wrong").await;
        sqlx::query("UPDATE sign_in_attempts SET last_failure_ms = $1 WHERE username = 'agent1'")
            .bind(huifang_server::db::now_ms() - 2 * 24 * 60 * 60 * 1000)
            .execute(&state.db.pool)
            .await
            .expect("age");
        assert_eq!(
            huifang_server::auth::housekeeping(&state.db)
                .await
                .expect("the sweep"),
            (1, 1),
            "[{label}] the expired session and the day-old failure go"
        );
        assert_eq!(
            huifang_server::auth::housekeeping(&state.db)
                .await
                .expect("again"),
            (0, 0),
            "[{label}] the recent failure stays"
        );
        state.db.close().await;
    }
}

#[tokio::test]
async fn users_are_listed_for_leads_only() {
    for db in common::test_databases().await {
        let label = db.label;
        let (app, state) = demo_app(&db).await;
        let agent = token_for(&app, "agent1").await;
        let response = send(&app, get_with_token("/api/users", &agent)).await;
        assert_eq!(response.status, StatusCode::FORBIDDEN, "[{label}]");
        assert_eq!(response.api_error().error, ErrorCode::Forbidden);

        let supervisor = token_for(&app, "supervisor").await;
        let response = send(&app, get_with_token("/api/users", &supervisor)).await;
        assert_eq!(
            response.status,
            StatusCode::OK,
            "[{label}] {}",
            response.text()
        );
        let list: huifang_server::users::UserList =
            serde_json::from_slice(&response.body).expect("a user list");
        let names: Vec<&str> = list.users.iter().map(|u| u.username.as_str()).collect();
        assert_eq!(
            names,
            [
                "advisor1",
                "advisor2",
                "agent1",
                "agent2",
                "group",
                "manager",
                "salesmgr",
                "supervisor"
            ],
            "[{label}]"
        );
        assert!(
            list.users
                .iter()
                .all(|u| u.store_name == huifang_server::DEMO_STORE)
        );

        let anonymous = send(&app, get("/api/users")).await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "[{label}]");
        state.db.close().await;
    }
}

#[tokio::test]
async fn every_user_sees_colleagues_names_only() {
    for db in common::test_databases().await {
        let label = db.label;
        let (app, state) = demo_app(&db).await;
        let agent = token_for(&app, "agent1").await;
        let response = send(&app, get_with_token("/api/directory", &agent)).await;
        assert_eq!(
            response.status,
            StatusCode::OK,
            "[{label}] {}",
            response.text()
        );
        let directory: huifang_core::Directory =
            serde_json::from_slice(&response.body).expect("a directory");
        let mut names: Vec<&str> = directory
            .colleagues
            .iter()
            .map(|c| c.display_name.as_str())
            .collect();
        names.sort_unstable();
        let mut expected: Vec<&str> = huifang_server::DEMO_USERS.iter().map(|u| u.1).collect();
        expected.sort_unstable();
        assert_eq!(names, expected, "[{label}]");
        assert!(
            !response.text().contains("agent2"),
            "[{label}] no usernames: {}",
            response.text()
        );
        let anonymous = send(&app, get("/api/directory")).await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "[{label}]");
        state.db.close().await;
    }
}

#[tokio::test]
async fn health_reports_version_schema_and_backend() {
    for db in common::test_databases().await {
        let (app, state) = common::app_with(&db.config()).await;
        let response = send(&app, get("/api/health")).await;
        assert_eq!(response.status, StatusCode::OK, "[{}]", db.label);
        let health: huifang_core::Health = serde_json::from_slice(&response.body).expect("health");
        assert_eq!(health.status, "ok");
        assert_eq!(health.version, env!("CARGO_PKG_VERSION"));
        assert_eq!(health.schema_version, SCHEMA_VERSION);
        assert_eq!(health.database, db.label);

        state.db.close().await;
        let response = send(&app, get("/api/health")).await;
        assert_eq!(
            response.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "[{}]",
            db.label
        );
        assert_eq!(response.api_error().error, ErrorCode::Unavailable);
    }
}

#[tokio::test]
async fn malformed_requests_get_clear_json_errors() {
    for db in common::test_databases().await {
        let label = db.label;
        let (app, state) = common::app_with(&db.config()).await;

        let bad_json = Request::post("/api/auth/sign-in")
            .header("content-type", "application/json")
            .body(Body::from("{\"username\": "))
            .expect("request");
        let response = send(&app, bad_json).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "[{label}]");
        let error = response.api_error();
        assert_eq!(error.error, ErrorCode::BadRequest);
        assert!(!error.reason.is_empty());

        let missing_field = send(
            &app,
            post_json("/api/auth/sign-in", &json!({"username": "a"})),
        )
        .await;
        assert_eq!(missing_field.status, StatusCode::BAD_REQUEST, "[{label}]");
        assert!(missing_field.api_error().reason.contains("password"));

        let no_type = Request::post("/api/auth/sign-in")
            .body(Body::from(r#"{"username":"a","password":"b"}"#))
            .expect("request");
        let response = send(&app, no_type).await;
        assert_eq!(
            response.status,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "[{label}]"
        );
        assert_eq!(response.api_error().error, ErrorCode::UnsupportedMediaType);

        let huge = json!({"username": "a", "password": "x".repeat(2 * 1024 * 1024)});
        let response = send(&app, post_json("/api/auth/sign-in", &huge)).await;
        assert_eq!(response.status, StatusCode::PAYLOAD_TOO_LARGE, "[{label}]");
        let error = response.api_error();
        assert_eq!(error.error, ErrorCode::PayloadTooLarge);
        assert!(error.reason.contains("1048576"), "{}", error.reason);

        for path in ["/api/no-such-thing", "/api/auth/x/y", "/api", "/api/"] {
            let response = send(&app, get(path)).await;
            assert_eq!(response.status, StatusCode::NOT_FOUND, "[{label}] {path}");
            assert_eq!(response.api_error().error, ErrorCode::NotFound, "{path}");
        }

        let response = send(&app, get("/api/auth/sign-in")).await;
        assert_eq!(response.status, StatusCode::METHOD_NOT_ALLOWED, "[{label}]");
        assert!(response.api_error().reason.contains("GET"));
        state.db.close().await;
    }
}

#[tokio::test]
async fn another_schema_version_must_update() {
    for db in common::test_databases().await {
        let label = db.label;
        let (app, state) = common::app_with(&db.config()).await;
        for version in [(SCHEMA_VERSION + 1).to_string(), "banana".to_owned()] {
            let request = Request::get("/api/health")
                .header(SCHEMA_HEADER, version)
                .body(Body::empty())
                .expect("request");
            let response = send(&app, request).await;
            assert_eq!(response.status, StatusCode::UPGRADE_REQUIRED, "[{label}]");
            let error = response.api_error();
            assert_eq!(error.error, ErrorCode::UpdateRequired);
            assert!(error.reason.contains("must be updated"), "{}", error.reason);
        }
        let request = Request::get("/api/health")
            .header(SCHEMA_HEADER, SCHEMA_VERSION.to_string())
            .body(Body::empty())
            .expect("request");
        assert_eq!(
            send(&app, request).await.status,
            StatusCode::OK,
            "[{label}]"
        );
        state.db.close().await;
    }
}
