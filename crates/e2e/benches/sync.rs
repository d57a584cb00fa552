//! The sync benchmark in a real browser (a bench, not a test: it prints figures and asserts
//! no timings). Run with `scripts/bench` (which builds the app first), or
//! `cargo bench -p huifang-e2e --bench sync` after `trunk build --release`.
//!
//! It prints, on this machine:
//! - the initial pull of 20,000 records into IndexedDB (records/s), and the floor: raw
//!   IndexedDB puts of the same records in transactions of the same size;
//! - a local write (record + outbox in one commit) p50/p95 with 20,000 records stored, and
//!   the floor: one raw put per durable transaction;
//! - the push of a 1,000-change outbox from the app.
//!
//! Sizes can be lowered for a quick look: HUIFANG_BENCH_RECORDS (default 20000).

mod common;

use common::{Budget, figure, percentile, sorted};
use huifang_core::SCHEMA_VERSION;
use huifang_core::sync::{
    ClientId, Hlc, Mutation, MutationId, Op, PushRequest, RecordId, RecordKind, Scope,
};
use huifang_e2e::{ApiClient, TestApp, TestBrowser};
use serde_json::json;
use std::collections::BTreeMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const WRITES: u32 = 200;
const OUTBOX: u32 = 1_000;
const SEED_BATCH: usize = 1_000;
const LONG: Duration = Duration::from_secs(600);

/// `count` customers pushed by the supervisor, as a DMS import would create them.
async fn seed(api: &ApiClient, count: usize) {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    let client_id = ClientId::new_v7(ms, [9; 10]);
    let scope = Scope {
        store: api.me.store_id.clone(),
        owner: None,
    };
    let mut seq = 0u64;
    let mut made = 0usize;
    while made < count {
        let n = SEED_BATCH.min(count - made);
        let mutations = (0..n)
            .map(|i| {
                seq += 1;
                // Bytes 3..10 of a v7's random part survive the version and variant bits.
                let mut random = [0u8; 10];
                random[3..].copy_from_slice(&seq.to_be_bytes()[1..]);
                let mut fields = BTreeMap::new();
                fields.insert("name".to_owned(), json!(format!("客户 {:05}", made + i)));
                fields.insert("phone".to_owned(), json!(format!("138{:08}", made + i)));
                fields.insert(
                    "note".to_owned(),
                    json!("上次保养后反馈良好，希望周末上午联系；对延保产品有兴趣。"),
                );
                Mutation {
                    mutation_id: MutationId::new_v7(ms, random),
                    client_id,
                    client_seq: seq,
                    hlc: Hlc {
                        wall_ms: ms as i64,
                        counter: seq as u32,
                        node: client_id,
                    },
                    user: api.me.id.clone(),
                    kind: RecordKind::Customer,
                    record_id: RecordId::new_v7(ms, random),
                    op: Op::Create {
                        scope: scope.clone(),
                        fields,
                    },
                    step: None,
                }
            })
            .collect();
        let answer = api
            .push(&PushRequest {
                schema_version: SCHEMA_VERSION,
                client_id,
                mutations,
            })
            .await
            .expect("seed push");
        if let Some(refused) = answer
            .results
            .iter()
            .find(|r| r.outcome.version().is_none())
        {
            panic!("the server refused a seeded customer: {refused:?}");
        }
        made += n;
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let records: usize = std::env::var("HUIFANG_BENCH_RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let app = TestApp::start().await.expect("server starts");
    let supervisor = ApiClient::sign_in(&app.url(), "supervisor")
        .await
        .expect("API");
    let started = Instant::now();
    seed(&supervisor, records).await;
    eprintln!(
        "seeded {records} customers on the server in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let on_server = supervisor
        .records_of(RecordKind::Customer)
        .await
        .expect("records")
        .len();
    assert_eq!(on_server, records, "the server holds every seeded customer");

    let browser = TestBrowser::launch().await.expect("Chromium");
    let tablet = browser.open(&app.url()).await.expect("tablet");
    tablet.wait_for_text("登录").await.expect("sign-in page");
    tablet.sign_in("agent1", "demo").await.expect("sign in");
    tablet
        .wait_until_for(
            "document.querySelector('[data-testid=sync-state][data-runs=\"1\"]')",
            "the initial pull",
            LONG,
        )
        .await
        .expect("initial pull");
    let pull = tablet.sync_state().await.expect("state");
    let stored: u32 = tablet
        .call_hook("huifangRecordCount", "")
        .await
        .expect("count");

    // Local writes with everything stored; offline so the loop does not push meanwhile.
    tablet.set_offline(true).await.expect("offline");
    tablet.wait_for_text("离线").await.expect("offline shown");
    let writes: Vec<f64> = tablet
        .call_hook("huifangCreateCustomers", &format!("'现场新建', {WRITES}"))
        .await
        .expect("writes");
    let writes = sorted(writes);
    let floor_single: Vec<f64> = tablet
        .call_hook("huifangRawPut", &format!("1, {WRITES}"))
        .await
        .expect("raw single puts");
    let floor_single = sorted(floor_single);
    let floor_pages: Vec<f64> = tablet
        .call_hook("huifangRawPut", &format!("500, {records}"))
        .await
        .expect("raw page puts");
    let floor_total: f64 = floor_pages.iter().sum();

    // A 1,000-change outbox, then back online.
    let more: Vec<f64> = tablet
        .call_hook(
            "huifangCreateCustomers",
            &format!("'离线补录', {}", OUTBOX - WRITES),
        )
        .await
        .expect("outbox");
    assert_eq!(more.len() as u32, OUTBOX - WRITES);
    tablet
        .wait_sync(&format!("s.pending === {OUTBOX}"), "the outbox")
        .await
        .expect("outbox ready");
    tablet.set_offline(false).await.expect("online");
    let push = tablet
        .wait_sync(
            &format!("s.runs > 1 && s.pending === 0 && s.last_pushed === {OUTBOX}"),
            "the push",
        )
        .await
        .expect("pushed");

    println!();
    println!("sync benchmark (headless Chromium, this machine; {records} records)");
    println!(
        "  initial pull into IndexedDB   {:>8.0} ms  {:>8.0} records/s  ({} records stored)",
        pull.last_run_ms,
        pull.last_pulled as f64 / (pull.last_run_ms / 1000.0),
        stored
    );
    println!(
        "    floor: raw put, 500 per tx  {:>8.0} ms  {:>8.0} records/s",
        floor_total,
        records as f64 / (floor_total / 1000.0)
    );
    println!(
        "  local write (record+outbox)   p50 {:>6.2} ms  p95 {:>6.2} ms  ({WRITES} writes)",
        percentile(&writes, 50.0),
        percentile(&writes, 95.0)
    );
    println!(
        "    floor: raw put, 1 per tx    p50 {:>6.2} ms  p95 {:>6.2} ms",
        percentile(&floor_single, 50.0),
        percentile(&floor_single, 95.0)
    );
    println!(
        "  push of a {OUTBOX}-change outbox   {:>8.0} ms  {:>8.0} changes/s  (whole run with the pull-back: {:.0} ms)",
        push.last_push_ms,
        OUTBOX as f64 / (push.last_push_ms / 1000.0),
        push.last_run_ms
    );
    println!();
    let pull_rps = pull.last_pulled as f64 / (pull.last_run_ms / 1000.0);
    figure(
        "initial sync (pull into IndexedDB)",
        pull_rps,
        &format!("{pull_rps:.0} records/s"),
        &format!(
            "500/tx {:.0} rec/s",
            records as f64 / (floor_total / 1000.0)
        ),
        Budget::Min(10_000.0),
        "≥ 10,000 rec/s",
    );
    figure(
        &format!("local write (record+outbox) p95, {stored} stored"),
        percentile(&writes, 95.0),
        &format!(
            "p50 {:.2} p95 {:.2} ms",
            percentile(&writes, 50.0),
            percentile(&writes, 95.0)
        ),
        &format!("1 put/tx p95 {:.2} ms", percentile(&floor_single, 95.0)),
        Budget::Max(5.0),
        "≤ 5 ms",
    );
    figure(
        &format!("push of a {OUTBOX}-change outbox (app)"),
        push.last_push_ms,
        &format!("{:.0} ms", push.last_push_ms),
        "—",
        Budget::Max(1000.0),
        "≤ 1 s",
    );
    browser.close().await;
}
