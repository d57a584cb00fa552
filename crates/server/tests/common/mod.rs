//! Test helpers: a fresh database per test on every backend, and a router to call.
//!
//! Every database test runs on SQLite (a temp file) and on PostgreSQL when
//! `HUIFANG_TEST_PG_URL` names an admin URL (a fresh `t_<uuid>` database per test). Without
//! it the PostgreSQL half is skipped loudly, or fails when `HUIFANG_REQUIRE_PG=1`.

#![allow(dead_code)] // each test file uses a different part

pub mod device;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use huifang_server::{AppState, Config};
use std::path::{Path, PathBuf};
use tempfile::TempDir;
use tower::ServiceExt;

/// One fresh database of one backend.
pub struct TestDb {
    pub label: &'static str,
    pub url: String,
    /// Holds the SQLite file (and the static dir) until the test ends.
    pub dir: TempDir,
}

impl TestDb {
    pub fn config(&self) -> Config {
        Config::for_tests(self.url.clone(), self.static_dir())
    }

    /// An (empty unless the test fills it) folder to serve as the app.
    pub fn static_dir(&self) -> PathBuf {
        self.dir.path().join("dist")
    }
}

/// A fresh SQLite database, and a fresh PostgreSQL one when configured.
pub async fn test_databases() -> Vec<TestDb> {
    let sqlite_dir = TempDir::new().expect("temp dir");
    let url = format!("sqlite://{}", sqlite_dir.path().join("test.db").display());
    let mut dbs = vec![TestDb {
        label: "sqlite",
        url,
        dir: sqlite_dir,
    }];
    match std::env::var("HUIFANG_TEST_PG_URL") {
        Ok(admin_url) if !admin_url.is_empty() => {
            dbs.push(TestDb {
                label: "postgres",
                url: fresh_pg_database(&admin_url).await,
                dir: TempDir::new().expect("temp dir"),
            });
        }
        _ => {
            if std::env::var("HUIFANG_REQUIRE_PG").as_deref() == Ok("1") {
                panic!("HUIFANG_REQUIRE_PG=1 but HUIFANG_TEST_PG_URL is not set");
            }
            // Straight to stderr, once per test binary: the test harness would swallow an
            // `eprintln!` of a passing test.
            static WARNED: std::sync::Once = std::sync::Once::new();
            WARNED.call_once(|| {
                use std::io::Write;
                let _ = writeln!(
                    std::io::stderr(),
                    "\n!!! SKIPPING the PostgreSQL half of these tests: HUIFANG_TEST_PG_URL is \
                     not set (run under scripts/with-postgres) !!!\n"
                );
            });
        }
    }
    dbs
}

pub async fn fresh_pg_database(admin_url: &str) -> String {
    huifang_server::db::create_scratch_postgres(admin_url, "t")
        .await
        .expect("create the test database")
}

/// Connects (migrating; seeding if `config.demo`) and builds the router.
pub async fn app_with(config: &Config) -> (Router, AppState) {
    let state = AppState::from_config(config)
        .await
        .expect("the app state starts");
    (huifang_server::router(state.clone()), state)
}

/// The app on `db` with the demo store seeded.
pub async fn demo_app(db: &TestDb) -> (Router, AppState) {
    let mut config = db.config();
    config.demo = true;
    app_with(&config).await
}

pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl TestResponse {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `{error, reason}` of an API error, checking the shape.
    pub fn api_error(&self) -> huifang_core::ApiError {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not an ApiError ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }
}

pub async fn send(app: &Router, request: Request<Body>) -> TestResponse {
    let response = app
        .clone()
        .oneshot(request)
        .await
        .expect("the router answers");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("the body is read")
        .to_bytes()
        .to_vec();
    TestResponse {
        status,
        headers,
        body,
    }
}

pub fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).expect("request")
}

pub fn get_with_token(uri: &str, token: &str) -> Request<Body> {
    Request::get(uri)
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .expect("request")
}

pub fn post_json(uri: &str, body: &serde_json::Value) -> Request<Body> {
    Request::post(uri)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .expect("request")
}

/// Signs in and returns the whole response.
pub async fn sign_in(app: &Router, username: &str, password: &str) -> TestResponse {
    send(
        app,
        post_json(
            "/api/auth/sign-in",
            &serde_json::json!({"username": username, "password": password}),
        ),
    )
    .await
}

/// Signs in (must succeed) and returns the token.
pub async fn token_for(app: &Router, username: &str) -> String {
    let response = sign_in(app, username, huifang_server::DEMO_PASSWORD).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    response.json()["token"]
        .as_str()
        .expect("token in the sign-in answer")
        .to_owned()
}

/// Writes a file (and its folders) under `dir`.
pub fn write_file(dir: &Path, name: &str, contents: &str) {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("create folders");
    }
    std::fs::write(path, contents).expect("write file");
}

/// The core's view of a demo user, as the server builds it from their session.
pub async fn user_ctx(state: &AppState, username: &str) -> huifang_core::sync::UserCtx {
    let (profile, _) = huifang_server::users::find_active_user(
        &state.db,
        &huifang_core::Username::parse(username).expect("username"),
    )
    .await
    .expect("query")
    .expect("the user exists");
    huifang_core::sync::UserCtx::of(&profile)
}

/// Every entity of `kind` `user` sees, as the sync feed gives it.
pub async fn entities(
    state: &AppState,
    user: &huifang_core::sync::UserCtx,
    kind: huifang_core::sync::RecordKind,
) -> Vec<huifang_core::sync::Entity> {
    let page = state
        .sync
        .pull(
            user,
            huifang_core::sync::PullRequest {
                cursor: 0,
                limit: 1_000,
            },
            0,
        )
        .await
        .expect("pull");
    page.changes
        .into_iter()
        .filter_map(|c| match c {
            huifang_core::sync::Change::Record {
                record: huifang_core::sync::Record::Entity(e),
            } if e.kind == kind => Some(e),
            _ => None,
        })
        .collect()
}

/// Pushes one mutation as `user` from a fresh device, as a tablet would; returns its outcome.
pub async fn push_as(
    state: &AppState,
    user: &huifang_core::sync::UserCtx,
    kind: huifang_core::sync::RecordKind,
    record_id: huifang_core::sync::RecordId,
    op: huifang_core::sync::Op,
) -> huifang_core::sync::Outcome {
    use huifang_core::sync::{ClientId, Hlc, Mutation, MutationId, PushRequest};
    // Stamps made in one millisecond still follow each other.
    static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let client = ClientId(uuid::Uuid::now_v7());
    let mutation = Mutation {
        mutation_id: MutationId(uuid::Uuid::now_v7()),
        client_id: client,
        client_seq: 1,
        hlc: Hlc {
            wall_ms: huifang_server::db::now_ms(),
            counter: COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            node: client,
        },
        user: user.user.clone(),
        kind,
        record_id,
        op,
        step: None,
    };
    let request = PushRequest {
        schema_version: huifang_core::SCHEMA_VERSION,
        client_id: client,
        mutations: vec![mutation],
    };
    let response = state
        .sync
        .push(user, request, huifang_server::db::now_ms())
        .await
        .expect("push");
    response
        .results
        .into_iter()
        .next()
        .expect("one result")
        .outcome
}

/// Pushes one mutation as `user`, which must be applied.
pub async fn apply_as(
    state: &AppState,
    user: &huifang_core::sync::UserCtx,
    kind: huifang_core::sync::RecordKind,
    record_id: huifang_core::sync::RecordId,
    op: huifang_core::sync::Op,
) {
    let outcome = push_as(state, user, kind, record_id, op).await;
    assert!(outcome.version().is_some(), "not applied: {outcome:?}");
}

/// POST with a bearer token and a JSON body.
pub async fn post_json_as(
    app: &Router,
    uri: &str,
    token: &str,
    body: &serde_json::Value,
) -> TestResponse {
    let request = Request::post(uri)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .expect("request");
    send(app, request).await
}

/// POSTs an import file (CSV text) to `/api/import/commit` and follows the job it starts
/// (`GET /api/import/jobs/<id>`) for at most two minutes; it must succeed. The finished job.
pub async fn import_csv(
    app: &Router,
    token: &str,
    csv: &str,
) -> huifang_core::care::import::ImportJob {
    use huifang_core::care::import::{ImportJob, JobPhase};
    let request = Request::post("/api/import/commit")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "text/csv")
        .body(Body::from(csv.to_owned()))
        .expect("request");
    let response = send(app, request).await;
    assert_eq!(response.status, StatusCode::ACCEPTED, "{}", response.text());
    let mut job: ImportJob = serde_json::from_slice(&response.body).expect("an import job");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while !job.phase.is_finished() {
        assert!(
            std::time::Instant::now() < deadline,
            "the import did not finish: {job:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        let uri = format!("/api/import/jobs/{}", job.id);
        let polled = send(app, get_with_token(&uri, token)).await;
        assert_eq!(polled.status, StatusCode::OK, "{}", polled.text());
        job = serde_json::from_slice(&polled.body).expect("an import job");
    }
    assert_eq!(job.phase, JobPhase::Done, "{job:?}");
    job
}

/// The server's day (China, UTC+8), as the rules count it.
pub fn today() -> huifang_core::care::dates::Day {
    huifang_core::care::dates::Day::of_ms(huifang_server::db::now_ms(), 8 * 60)
}
