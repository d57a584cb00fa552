//! Push throughput: the real server on loopback, batches of 1,000 lead creates over HTTP, on
//! SQLite (a temp file) and, when `HUIFANG_TEST_PG_URL` names an admin URL, on PostgreSQL (a
//! fresh database). Beside it the floor: the same rows inserted raw into a table of the same
//! shape, one transaction per batch, on the same backend.
//!
//!   cargo bench -p huifang-server --bench push
//!   scripts/with-postgres cargo bench -p huifang-server --bench push
//!
//! `HUIFANG_BENCH_BATCHES` changes the number of batches (default 20). Each backend stops
//! early after two minutes. `HUIFANG_BENCH_LEADS=plain` pushes leads without a mobile: the
//! server's duplicate check after a push (sync/leads.rs) then has no number to look up, so
//! the figure is the sync engine's and the store's. `HUIFANG_BENCH_VIA=engine` calls the
//! server's sync engine in process instead of `/api/sync/push` (no HTTP, no blob or slot
//! checks, no follow-ups): the engine and its store alone.
//!
//! `HUIFANG_BENCH_PROCESSES=1,2` (PostgreSQL only, so under scripts/with-postgres) adds the
//! scaling run: for each N, a fresh database, N real `huifang-server` processes on it (the
//! binary cargo built beside this bench, each on its own 127.0.0.1 port picked by the OS),
//! and N clients pushing at once, each to its own process as its own device and advisor
//! (advisor1, advisor2, then again), each with its own mobile so no push marks another's
//! leads as duplicates. Real processes, not servers on tasks of this process: each has its own
//! runtime and connection pool, as two servers behind a load balancer would, and the bench's
//! clients do not share their threads. One line per N, `scaling postgres processes=N ...`
//! (another shape than the table scripts/bench reads), with the total mutations/s from the
//! first push sent to the last answered. At most 4 processes; each run stops after two minutes.

use huifang_core::sync::{
    ClientId, Hlc, Mutation, MutationId, Op, Outcome, PushRequest, PushResponse, RecordId,
    RecordKind, Scope,
};
use huifang_core::{SCHEMA_VERSION, StoreId, UserId};
use huifang_server::{Config, spawn};
use serde_json::json;
use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use uuid::Uuid;

const BATCH: usize = 1_000;
const TIME_LIMIT: Duration = Duration::from_secs(120);
/// The most server processes a scaling run starts.
const MAX_PROCESSES: usize = 4;
/// How long a server process may take to say it listens.
const START_LIMIT: Duration = Duration::from_secs(60);

struct Figures {
    backend: &'static str,
    batches: usize,
    mutations_per_s: f64,
    p50_ms: f64,
    p99_ms: f64,
    floor_rows_per_s: f64,
}

/// One run of the scaling bench: N processes, N clients.
struct Scaling {
    processes: usize,
    batches: usize,
    seconds: f64,
    mutations_per_s: f64,
    p50_ms: f64,
    p99_ms: f64,
}

fn main() {
    let batches = std::env::var("HUIFANG_BENCH_BATCHES")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(20);
    let plain = std::env::var("HUIFANG_BENCH_LEADS").as_deref() == Ok("plain");
    let via_engine = std::env::var("HUIFANG_BENCH_VIA").as_deref() == Ok("engine");
    let processes = process_counts();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let (figures, scaling) = runtime.block_on(async {
        let mut figures = Vec::new();
        let mut scaling = Vec::new();
        let dir = tempfile::TempDir::new().expect("temp dir");
        let sqlite = format!("sqlite://{}", dir.path().join("bench.db").display());
        figures.push(bench("sqlite", &sqlite, dir.path(), batches, plain, via_engine).await);
        match std::env::var("HUIFANG_TEST_PG_URL") {
            Ok(admin) if !admin.is_empty() => {
                let url = fresh_pg_database(&admin).await;
                figures.push(bench("postgres", &url, dir.path(), batches, plain, via_engine).await);
                for &n in &processes {
                    let url = fresh_pg_database(&admin).await;
                    scaling.push(scale(n, &url, dir.path(), batches, plain).await);
                }
            }
            _ => {
                eprintln!("(PostgreSQL skipped: run under scripts/with-postgres to bench it too)");
                if !processes.is_empty() {
                    eprintln!("(HUIFANG_BENCH_PROCESSES needs PostgreSQL: scaling skipped)");
                }
            }
        }
        (figures, scaling)
    });
    println!();
    let leads = if plain {
        "without a mobile"
    } else {
        "with one mobile"
    };
    let via = if via_engine {
        "through the engine in process"
    } else {
        "over HTTP on loopback"
    };
    println!("push benchmark: batches of {BATCH} lead creates ({leads}) {via}; {cores} cores");
    println!(
        "{:<9} {:>7} {:>13} {:>13} {:>13} {:>18}",
        "backend", "batches", "mutations/s", "p50 batch ms", "p99 batch ms", "floor rows/s"
    );
    for f in figures {
        println!(
            "{:<9} {:>7} {:>13.0} {:>13.1} {:>13.1} {:>18.0}",
            f.backend, f.batches, f.mutations_per_s, f.p50_ms, f.p99_ms, f.floor_rows_per_s
        );
    }
    println!(
        "(floor: the same rows inserted raw into a table of the same shape, one transaction per batch)"
    );
    if !scaling.is_empty() {
        println!();
        println!(
            "scaling on PostgreSQL: N server processes on one database, N clients pushing at once"
        );
        for s in &scaling {
            println!(
                "scaling postgres processes={} clients={} batches={} seconds={:.1} \
                 mutations/s={:.0} p50-batch-ms={:.1} p99-batch-ms={:.1}",
                s.processes,
                s.processes,
                s.batches,
                s.seconds,
                s.mutations_per_s,
                s.p50_ms,
                s.p99_ms
            );
        }
        if let [first, .., last] = &scaling[..] {
            println!(
                "scaling postgres {}->{} processes: x{:.2} mutations/s",
                first.processes,
                last.processes,
                last.mutations_per_s / first.mutations_per_s.max(f64::EPSILON)
            );
        }
    }
}

/// `HUIFANG_BENCH_PROCESSES`: the process counts of the scaling run (none when unset).
fn process_counts() -> Vec<usize> {
    let Ok(text) = std::env::var("HUIFANG_BENCH_PROCESSES") else {
        return Vec::new();
    };
    text.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| match t.parse::<usize>() {
            Ok(n) if (1..=MAX_PROCESSES).contains(&n) => n,
            _ => panic!(
                "HUIFANG_BENCH_PROCESSES={text:?}: give process counts from 1 to {MAX_PROCESSES}, \
                 comma-separated (e.g. 1,2)"
            ),
        })
        .collect()
}

async fn bench(
    backend: &'static str,
    url: &str,
    dir: &std::path::Path,
    batches: usize,
    plain: bool,
    via_engine: bool,
) -> Figures {
    let mut config = Config::for_tests(url, dir.join(format!("dist-{backend}")));
    config.demo = true;
    let server = spawn(config).await.expect("the server starts");
    let base = server.url();
    let client = http_client();
    let Session { token, user, store } = sign_in(&client, &base, "advisor1").await;
    let device = ClientId(Uuid::now_v7());
    let mut seq = 0u64;
    let mut latencies = Vec::with_capacity(batches);
    let started = Instant::now();
    for _ in 0..batches {
        if started.elapsed() > TIME_LIMIT {
            eprintln!(
                "{backend}: stopped after {} batches (time limit)",
                latencies.len()
            );
            break;
        }
        let request = lead_batch(device, &mut seq, &user, &store, mobile(plain, 0));
        let sent = Instant::now();
        let answer: PushResponse = if via_engine {
            let me = huifang_core::sync::UserCtx {
                user: user.clone(),
                role: huifang_core::Role::SalesAdvisor,
                store: store.clone(),
            };
            let now = huifang_server::db::now_ms();
            server
                .state()
                .sync
                .push(&me, request, now)
                .await
                .expect("push succeeds")
        } else {
            push_http(&client, &base, &token, &request).await
        };
        latencies.push(sent.elapsed());
        all_applied(&answer);
    }
    let total: Duration = latencies.iter().sum();
    let done = latencies.len();
    latencies.sort();
    let figures = Figures {
        backend,
        batches: done,
        mutations_per_s: (done * BATCH) as f64 / total.as_secs_f64().max(f64::EPSILON),
        p50_ms: percentile_ms(&latencies, 0.50),
        p99_ms: percentile_ms(&latencies, 0.99),
        floor_rows_per_s: floor(&server.state().db.pool).await,
    };
    server.stop().await;
    figures
}

/// The `p` quantile of sorted latencies, in ms (0 when there are none).
fn percentile_ms(sorted: &[Duration], p: f64) -> f64 {
    let done = sorted.len();
    let i = ((done as f64 * p).ceil() as usize).clamp(1, done.max(1)) - 1;
    sorted.get(i).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(300))
        .build()
        .expect("client")
}

/// A signed-in demo user: the bearer token, their id and store.
struct Session {
    token: String,
    user: UserId,
    store: StoreId,
}

async fn sign_in(client: &reqwest::Client, base: &str, username: &str) -> Session {
    let body: serde_json::Value = client
        .post(format!("{base}/api/auth/sign-in"))
        .json(&json!({"username": username, "password": "demo"}))
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .expect("signed in")
        .json()
        .await
        .expect("sign-in JSON");
    Session {
        token: body["token"].as_str().expect("token").to_owned(),
        user: UserId(body["user"]["id"].as_str().expect("id").to_owned()),
        store: StoreId(body["user"]["store_id"].as_str().expect("store").to_owned()),
    }
}

/// The mobile of client `n`'s leads (`None`: leads without one).
fn mobile(plain: bool, n: usize) -> Option<String> {
    (!plain).then(|| format!("1380013{:04}", 8000 + n))
}

/// A batch of [`BATCH`] lead creates by `user` from `device`, all with `mobile`.
fn lead_batch(
    device: ClientId,
    seq: &mut u64,
    user: &UserId,
    store: &StoreId,
    mobile: Option<String>,
) -> PushRequest {
    let mutations = (0..BATCH)
        .map(|n| {
            *seq += 1;
            let mut fields: std::collections::BTreeMap<String, serde_json::Value> = [
                ("name".to_owned(), json!(format!("客户{n}"))),
                ("model".to_owned(), json!("凯美瑞 2.0E")),
            ]
            .into_iter()
            .collect();
            if let Some(mobile) = &mobile {
                fields.insert("phone".to_owned(), json!(mobile));
            }
            Mutation {
                mutation_id: MutationId(Uuid::now_v7()),
                client_id: device,
                client_seq: *seq,
                hlc: Hlc {
                    wall_ms: huifang_server::db::now_ms(),
                    counter: 0,
                    node: device,
                },
                user: user.clone(),
                kind: RecordKind::Lead,
                record_id: RecordId(Uuid::now_v7()),
                op: Op::Create {
                    scope: Scope {
                        store: store.clone(),
                        owner: Some(user.clone()),
                    },
                    fields,
                },
                step: None,
            }
        })
        .collect();
    PushRequest {
        schema_version: SCHEMA_VERSION,
        client_id: device,
        mutations,
    }
}

async fn push_http(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    request: &PushRequest,
) -> PushResponse {
    client
        .post(format!("{base}/api/sync/push"))
        .bearer_auth(token)
        .json(request)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .expect("push succeeds")
        .json()
        .await
        .expect("push JSON")
}

fn all_applied(answer: &PushResponse) {
    assert!(
        answer
            .results
            .iter()
            .all(|r| matches!(r.outcome, Outcome::Applied { .. })),
        "every create applies"
    );
}

/// A `huifang-server` process of the scaling run; killed when dropped (also when the bench
/// panics), so none outlives the bench.
struct ServerProcess {
    child: Child,
    url: String,
}

impl ServerProcess {
    /// Starts the server binary on `url`'s database, on a port of 127.0.0.1 the OS picks, and
    /// waits until it says where it listens. `--demo` seeds the demo store when there is none
    /// (so the first process of a run seeds, the others find it).
    fn start(database_url: &str, dir: &std::path::Path, n: usize) -> ServerProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_huifang-server"))
            .arg("--listen")
            .arg("127.0.0.1:0")
            .arg("--database-url")
            .arg(database_url)
            .arg("--static-dir")
            .arg(dir.join("dist-scaling"))
            .arg("--blob-dir")
            .arg(dir.join(format!("blobs-scaling-{n}")))
            .env("HUIFANG_DEMO", "true")
            .env("RUST_LOG", "error")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the server binary starts");
        let stdout = child.stdout.take().expect("the server's stdout");
        let (said, heard) = std::sync::mpsc::channel();
        // Reads the server's stdout to the end, so the pipe never fills.
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(url) = line.strip_prefix("Huifang is listening on ") {
                    // The bench may have stopped waiting: nobody to tell then.
                    if said.send(url.trim().to_owned()).is_err() {
                        break;
                    }
                }
            }
        });
        let mut process = ServerProcess {
            child,
            url: String::new(),
        };
        process.url = heard
            .recv_timeout(START_LIMIT)
            .expect("the server process says where it listens");
        process
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if let Err(e) = self.child.kill() {
            eprintln!("stopping a server process: {e}");
        }
        if let Err(e) = self.child.wait() {
            eprintln!("waiting for a server process: {e}");
        }
    }
}

/// The scaling run for `n` processes on the fresh database `url`: `n` clients, each pushing
/// `batches` batches to its own process, all at once.
async fn scale(n: usize, url: &str, dir: &std::path::Path, batches: usize, plain: bool) -> Scaling {
    // One after another: the first migrates and seeds, the others find it done.
    let servers: Vec<ServerProcess> = (0..n).map(|i| ServerProcess::start(url, dir, i)).collect();
    let client = http_client();
    let mut sessions = Vec::with_capacity(n);
    for (i, server) in servers.iter().enumerate() {
        let username = if i % 2 == 0 { "advisor1" } else { "advisor2" };
        sessions.push((
            server.url.clone(),
            sign_in(&client, &server.url, username).await,
        ));
    }
    let started = Instant::now();
    let clients: Vec<_> = sessions
        .into_iter()
        .enumerate()
        .map(|(i, (base, session))| {
            let client = client.clone();
            tokio::spawn(async move {
                let device = ClientId(Uuid::now_v7());
                let mut seq = 0u64;
                let mut latencies = Vec::with_capacity(batches);
                for _ in 0..batches {
                    if started.elapsed() > TIME_LIMIT {
                        eprintln!(
                            "scaling {n}: client {i} stopped after {} batches (time limit)",
                            latencies.len()
                        );
                        break;
                    }
                    let request = lead_batch(
                        device,
                        &mut seq,
                        &session.user,
                        &session.store,
                        mobile(plain, i),
                    );
                    let sent = Instant::now();
                    all_applied(&push_http(&client, &base, &session.token, &request).await);
                    latencies.push(sent.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for c in clients {
        latencies.extend(c.await.expect("a client task finishes"));
    }
    let seconds = started.elapsed().as_secs_f64();
    drop(servers);
    latencies.sort();
    Scaling {
        processes: n,
        batches: latencies.len(),
        seconds,
        mutations_per_s: (latencies.len() * BATCH) as f64 / seconds.max(f64::EPSILON),
        p50_ms: percentile_ms(&latencies, 0.50),
        p99_ms: percentile_ms(&latencies, 0.99),
    }
}

/// The same rows, inserted raw: `sync_records`' shape, one transaction per batch.
async fn floor(pool: &sqlx::AnyPool) -> f64 {
    sqlx::query(
        "CREATE TABLE bench_floor (record_id TEXT PRIMARY KEY NOT NULL, kind TEXT NOT NULL, \
         store_id TEXT NOT NULL, owner TEXT, version BIGINT NOT NULL UNIQUE, body TEXT NOT NULL)",
    )
    .execute(pool)
    .await
    .expect("floor table");
    let rows: Vec<(String, String, String, Option<String>, i64, String)> = sqlx::query_as(
        "SELECT record_id, kind, store_id, owner, version, body FROM sync_records ORDER BY version",
    )
    .fetch_all(pool)
    .await
    .expect("the pushed rows");
    let started = Instant::now();
    for chunk in rows.chunks(BATCH) {
        let mut tx = pool.begin().await.expect("begin");
        for (id, kind, store, owner, version, body) in chunk {
            sqlx::query(
                "INSERT INTO bench_floor (record_id, kind, store_id, owner, version, body) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id)
            .bind(kind)
            .bind(store)
            .bind(owner.clone())
            .bind(*version)
            .bind(body)
            .execute(&mut *tx)
            .await
            .expect("insert");
        }
        tx.commit().await.expect("commit");
    }
    let elapsed = started.elapsed();
    sqlx::query("DROP TABLE bench_floor")
        .execute(pool)
        .await
        .expect("drop the floor table");
    rows.len() as f64 / elapsed.as_secs_f64().max(f64::EPSILON)
}

/// A fresh database on the PostgreSQL server of `admin_url`.
async fn fresh_pg_database(admin_url: &str) -> String {
    huifang_server::db::create_scratch_postgres(admin_url, "bench")
        .await
        .expect("create the bench database")
}
