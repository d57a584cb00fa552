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
//! server's duplicate check after a push (sync/leads.rs) then skips its scan of the store's
//! leads for each new lead's mobile, which otherwise dominates (it grows with the store), so
//! the figure is the sync engine's and the store's. `HUIFANG_BENCH_VIA=engine` calls the
//! server's sync engine in process instead of `/api/sync/push` (no HTTP, no blob or slot
//! checks, no follow-ups): the engine and its store alone.

use huifang_core::sync::{
    ClientId, Hlc, Mutation, MutationId, Op, Outcome, PushRequest, PushResponse, RecordId,
    RecordKind, Scope,
};
use huifang_core::{SCHEMA_VERSION, StoreId, UserId};
use huifang_server::{Config, spawn};
use serde_json::json;
use sqlx::Connection;
use std::time::{Duration, Instant};
use uuid::Uuid;

const BATCH: usize = 1_000;
const TIME_LIMIT: Duration = Duration::from_secs(120);

struct Figures {
    backend: &'static str,
    batches: usize,
    mutations_per_s: f64,
    p50_ms: f64,
    p99_ms: f64,
    floor_rows_per_s: f64,
}

fn main() {
    let batches = std::env::var("HUIFANG_BENCH_BATCHES")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(20);
    let plain = std::env::var("HUIFANG_BENCH_LEADS").as_deref() == Ok("plain");
    let via_engine = std::env::var("HUIFANG_BENCH_VIA").as_deref() == Ok("engine");
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let figures = runtime.block_on(async {
        let mut figures = Vec::new();
        let dir = tempfile::TempDir::new().expect("temp dir");
        let sqlite = format!("sqlite://{}", dir.path().join("bench.db").display());
        figures.push(bench("sqlite", &sqlite, dir.path(), batches, plain, via_engine).await);
        match std::env::var("HUIFANG_TEST_PG_URL") {
            Ok(admin) if !admin.is_empty() => {
                let url = fresh_pg_database(&admin).await;
                figures.push(bench("postgres", &url, dir.path(), batches, plain, via_engine).await);
            }
            _ => eprintln!("(PostgreSQL skipped: run under scripts/with-postgres to bench it too)"),
        }
        figures
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
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(300))
        .build()
        .expect("client");
    let body: serde_json::Value = client
        .post(format!("{base}/api/auth/sign-in"))
        .json(&json!({"username": "advisor1", "password": "demo"}))
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .expect("signed in")
        .json()
        .await
        .expect("sign-in JSON");
    let token = body["token"].as_str().expect("token").to_owned();
    let user = UserId(body["user"]["id"].as_str().expect("id").to_owned());
    let store = StoreId(body["user"]["store_id"].as_str().expect("store").to_owned());

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
        let mutations = (0..BATCH)
            .map(|n| {
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
                    user: user.clone(),
                    kind: RecordKind::Lead,
                    record_id: RecordId(Uuid::now_v7()),
                    op: Op::Create {
                        scope: Scope {
                            store: store.clone(),
                            owner: Some(user.clone()),
                        },
                        fields: [
                            ("name".to_owned(), json!(format!("客户{n}"))),
                            ("phone".to_owned(), json!("13800138000")),
                            ("model".to_owned(), json!("凯美瑞 2.0E")),
                        ]
                        .into_iter()
                        .filter(|(field, _)| !(plain && field == "phone"))
                        .collect(),
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
            client
                .post(format!("{base}/api/sync/push"))
                .bearer_auth(&token)
                .json(&request)
                .send()
                .await
                .and_then(reqwest::Response::error_for_status)
                .expect("push succeeds")
                .json()
                .await
                .expect("push JSON")
        };
        latencies.push(sent.elapsed());
        assert!(
            answer
                .results
                .iter()
                .all(|r| matches!(r.outcome, Outcome::Applied { .. })),
            "every create applies"
        );
    }
    let total: Duration = latencies.iter().sum();
    let done = latencies.len();
    latencies.sort();
    let pct = |p: f64| {
        let i = ((done as f64 * p).ceil() as usize).clamp(1, done.max(1)) - 1;
        latencies.get(i).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    let figures = Figures {
        backend,
        batches: done,
        mutations_per_s: (done * BATCH) as f64 / total.as_secs_f64().max(f64::EPSILON),
        p50_ms: pct(0.50),
        p99_ms: pct(0.99),
        floor_rows_per_s: floor(&server.state().db.pool).await,
    };
    server.stop().await;
    figures
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
    let name = format!("bench_{}", Uuid::now_v7().simple());
    let mut admin = sqlx::postgres::PgConnection::connect(admin_url)
        .await
        .expect("connect to HUIFANG_TEST_PG_URL");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .expect("create the bench database");
    admin.close().await.expect("close");
    let (base, query) = match admin_url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (admin_url, String::new()),
    };
    let host_start = base.find("://").map_or(0, |i| i + 3);
    let server = match base[host_start..].find('/') {
        Some(i) => &base[..host_start + i],
        None => base,
    };
    format!("{server}/{name}{query}")
}
