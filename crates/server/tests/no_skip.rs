//! The change feed's promise, proven on the deployment it is for: two real server processes
//! on one PostgreSQL, pushes going through both at once, devices pulling from cursor to cursor
//! through both meanwhile. Afterwards every puller has seen every applied version exactly
//! once: no pull skipped a change that committed "behind" its cursor.
//!
//! PostgreSQL only (SQLite is one file behind one process). Skipped loudly without
//! `HUIFANG_TEST_PG_URL`, failed when `HUIFANG_REQUIRE_PG=1`.

mod common;

use huifang_core::sync::{
    ClientId, Hlc, Mutation, MutationId, Op, Outcome, PullResponse, PushRequest, PushResponse,
    RecordId, RecordKind, Scope,
};
use huifang_core::{SCHEMA_VERSION, StoreId, UserId};
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// How long the pushers push.
const PUSH_FOR: Duration = Duration::from_secs(3);
const PUSHERS: usize = 4;
const PULLERS: usize = 3;
const BATCH: usize = 5;
/// Small pages, so pulls paginate while writes land.
const PAGE: u32 = 7;

/// A `huifang-server` child process, killed when dropped.
struct ServerProcess {
    child: Child,
    _stdout: BufReader<ChildStdout>,
    url: String,
}

impl ServerProcess {
    fn start(database_url: &str, dir: &std::path::Path, demo: bool) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_huifang-server"));
        command
            .args(["--listen", "127.0.0.1:0", "--database-url", database_url])
            .arg("--static-dir")
            .arg(dir.join("dist"))
            .arg("--blob-dir")
            .arg(dir.join("blobs"))
            .env("RUST_LOG", "error")
            .env_remove("HUIFANG_DEMO")
            .stdout(Stdio::piped());
        if demo {
            command.arg("--demo");
        }
        let mut child = command.spawn().expect("the server binary starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut stdout = BufReader::new(stdout);
        // The binary prints its URL once it listens (after migrating and seeding).
        let mut line = String::new();
        stdout
            .read_line(&mut line)
            .expect("the server prints its URL");
        let url = line
            .trim()
            .rsplit(' ')
            .next()
            .filter(|u| u.starts_with("http://"))
            .unwrap_or_else(|| panic!("no URL in {line:?}"))
            .to_owned();
        ServerProcess {
            child,
            _stdout: stdout,
            url,
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Session {
    token: String,
    id: UserId,
    store: StoreId,
}

async fn sign_in(client: &reqwest::Client, url: &str, username: &str) -> Session {
    let body: serde_json::Value = client
        .post(format!("{url}/api/auth/sign-in"))
        .json(&serde_json::json!({"username": username, "password": "demo"}))
        .send()
        .await
        .expect("sign-in answers")
        .error_for_status()
        .expect("signed in")
        .json()
        .await
        .expect("sign-in JSON");
    Session {
        token: body["token"].as_str().expect("token").to_owned(),
        id: UserId(body["user"]["id"].as_str().expect("id").to_owned()),
        store: StoreId(body["user"]["store_id"].as_str().expect("store").to_owned()),
    }
}

/// Pushes batches of lead creates through the servers in turn until the deadline; returns
/// the versions the server reported as applied.
async fn pusher(
    client: reqwest::Client,
    urls: Arc<Vec<String>>,
    advisor: Arc<Session>,
    start: usize,
    until: Instant,
) -> Vec<u64> {
    let device = ClientId(Uuid::now_v7());
    let mut seq = 0u64;
    let mut applied = Vec::new();
    let mut turn = start;
    while Instant::now() < until {
        let mutations = (0..BATCH)
            .map(|_| {
                seq += 1;
                Mutation {
                    mutation_id: MutationId(Uuid::now_v7()),
                    client_id: device,
                    client_seq: seq,
                    hlc: Hlc {
                        wall_ms: huifang_server::db::now_ms(),
                        counter: 0,
                        node: device,
                    },
                    user: advisor.id.clone(),
                    kind: RecordKind::Lead,
                    record_id: RecordId(Uuid::now_v7()),
                    op: Op::Create {
                        scope: Scope {
                            store: advisor.store.clone(),
                            owner: Some(advisor.id.clone()),
                        },
                        fields: Default::default(),
                    },
                    step: None,
                }
            })
            .collect();
        let request = PushRequest {
            schema_version: SCHEMA_VERSION,
            client_id: device,
            mutations,
        };
        let url = &urls[turn % urls.len()];
        turn += 1;
        let answer: PushResponse = client
            .post(format!("{url}/api/sync/push"))
            .bearer_auth(&advisor.token)
            .json(&request)
            .send()
            .await
            .expect("push answers")
            .error_for_status()
            .expect("push succeeds")
            .json()
            .await
            .expect("push JSON");
        for result in answer.results {
            match result.outcome {
                Outcome::Applied { version } => applied.push(version),
                other => panic!("a fresh create is applied, not {other:?}"),
            }
        }
    }
    applied
}

/// Pulls from cursor to cursor through the servers in turn until the pushers are done and a
/// pull that started after that has reached the end; returns every version it received.
async fn puller(
    client: reqwest::Client,
    urls: Arc<Vec<String>>,
    manager: Arc<Session>,
    start: usize,
    pushers_done: Arc<AtomicBool>,
    from: u64,
) -> Vec<u64> {
    let mut cursor = from;
    let mut seen = Vec::new();
    let mut turn = start;
    loop {
        let finished = pushers_done.load(Ordering::SeqCst);
        let url = &urls[turn % urls.len()];
        turn += 1;
        let page: PullResponse = client
            .get(format!("{url}/api/sync/pull?cursor={cursor}&limit={PAGE}"))
            .bearer_auth(&manager.token)
            .send()
            .await
            .expect("pull answers")
            .error_for_status()
            .expect("pull succeeds")
            .json()
            .await
            .expect("pull JSON");
        assert_eq!(page.cursor, cursor);
        let mut last = cursor;
        for change in &page.changes {
            assert!(
                change.version() > last,
                "a page is in feed order after the cursor"
            );
            last = change.version();
            seen.push(change.version());
        }
        assert!(page.next_cursor >= cursor);
        cursor = page.next_cursor;
        if finished && !page.has_more {
            return seen;
        }
        if !page.has_more {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_server_processes_on_one_postgres_never_let_a_pull_skip_a_change() {
    let admin_url = match std::env::var("HUIFANG_TEST_PG_URL") {
        Ok(url) if !url.is_empty() => url,
        _ => {
            assert!(
                std::env::var("HUIFANG_REQUIRE_PG").as_deref() != Ok("1"),
                "HUIFANG_REQUIRE_PG=1 but HUIFANG_TEST_PG_URL is not set"
            );
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "\n!!! SKIPPING the two-process no-skip proof: it needs PostgreSQL \
                 (run under scripts/with-postgres) !!!\n"
            );
            return;
        }
    };
    let database_url = common::fresh_pg_database(&admin_url).await;
    let dir = tempfile::TempDir::new().expect("temp dir");
    // The first seeds the demo store before it listens; the second finds it there.
    let first =
        tokio::task::block_in_place(|| ServerProcess::start(&database_url, dir.path(), true));
    let second =
        tokio::task::block_in_place(|| ServerProcess::start(&database_url, dir.path(), false));
    assert_ne!(first.url, second.url);
    let urls = Arc::new(vec![first.url.clone(), second.url.clone()]);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client");
    let advisor = Arc::new(sign_in(&client, &first.url, "advisor1").await);
    let manager = Arc::new(sign_in(&client, &second.url, "manager").await);

    // What the servers wrote at start (the default call scripts) is not the pushers': the
    // pullers start after it.
    let mut from = 0u64;
    loop {
        let page: PullResponse = client
            .get(format!(
                "{}/api/sync/pull?cursor={from}&limit={PAGE}",
                first.url
            ))
            .bearer_auth(&manager.token)
            .send()
            .await
            .expect("pull answers")
            .json()
            .await
            .expect("pull JSON");
        from = page.next_cursor;
        if !page.has_more {
            break;
        }
    }
    let until = Instant::now() + PUSH_FOR;
    let done = Arc::new(AtomicBool::new(false));
    let pushers: Vec<_> = (0..PUSHERS)
        .map(|n| {
            tokio::spawn(pusher(
                client.clone(),
                urls.clone(),
                advisor.clone(),
                n,
                until,
            ))
        })
        .collect();
    let pullers: Vec<_> = (0..PULLERS)
        .map(|n| {
            tokio::spawn(puller(
                client.clone(),
                urls.clone(),
                manager.clone(),
                n,
                done.clone(),
                from,
            ))
        })
        .collect();

    let mut applied = BTreeSet::new();
    for pusher in pushers {
        for version in pusher.await.expect("pusher") {
            assert!(applied.insert(version), "version {version} was given twice");
        }
    }
    done.store(true, Ordering::SeqCst);
    eprintln!("{} versions applied through two processes", applied.len());
    assert!(
        applied.len() >= 100,
        "enough concurrent writes to mean something: {}",
        applied.len()
    );
    for (n, puller) in pullers.into_iter().enumerate() {
        let seen = puller.await.expect("puller");
        let unique: BTreeSet<u64> = seen.iter().copied().collect();
        assert_eq!(
            unique.len(),
            seen.len(),
            "puller {n} received a version twice"
        );
        let missing: Vec<_> = applied.difference(&unique).take(10).collect();
        assert!(missing.is_empty(), "puller {n} missed versions {missing:?}");
        let unknown: Vec<_> = unique.difference(&applied).take(10).collect();
        assert!(
            unknown.is_empty(),
            "puller {n} saw versions never applied {unknown:?}"
        );
    }
    drop((first, second));
}
