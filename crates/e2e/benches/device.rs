//! The device benchmark in a real browser (a bench, not a test: it prints figures beside
//! their floors and budgets and asserts no timings). Run with `scripts/bench`, or
//! `cargo bench -p huifang-e2e --bench device` after `trunk build --release`.
//!
//! A care agent's tablet after a long day: signed in and synced, then 20,000 customers and
//! 100,000 events (call attempts and callback records) written straight into its IndexedDB as
//! already-synced records (`huifangSeedDevice`: the store's commit, bases and views, nothing in
//! the outbox), with one callback task of the agent's per 5 customers (one in 10 open: 400 on
//! the today list). Over that it times:
//! - the agent's list: `engine.snapshot()` (the page's read) + `model::TodayIndex::of`;
//! - a search keystroke on the today page (`TodayIndex::list` for "王", then "王伟", over
//!   the index the page holds; the customers page has no search);
//! - opening a customer: `engine.snapshot()` + `CustomerFile::of` (the customer page's read);
//! - a local write (record + outbox, one commit), p50/p95;
//! - the floors: a raw IndexedDB cursor over every record, a raw bulk put in one transaction,
//!   a raw single put per transaction;
//! - the cold start offline: service worker installed, offline, CPU throttled 4×, reloaded 10
//!   times, from navigation start to the today list in the page (median, p90) — the list
//!   kept from last time — and on to the list worked out from the records, with the time
//!   of each step between (`performance.mark`s, `huifang::timing`).
//!
//! Knobs: `HUIFANG_BENCH_RECORDS` (customers, default 20000; events are 5×);
//! `HUIFANG_BENCH_SCALE=1000,20000,100000` one row per size (a fresh tablet each, no cold
//! start).

mod common;

use common::{Budget, figure, median, percentile, sorted};
use huifang_e2e::{Tablet, TestApp, TestBrowser};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

const EVENTS_PER_CUSTOMER: u32 = 5;
/// Customers per seeding call (each call stays well inside the protocol's 60 s).
const SEED_CALL: u32 = 2_000;
const REPS: usize = 5;
const WRITES: u32 = 100;
const COLD_STARTS: usize = 10;
const BULK_FLOOR: u32 = 20_000;
const LONG: Duration = Duration::from_secs(900);
/// The steps of a start, in order: the navigation's own timings, then the app's marks
/// (`huifang::timing`), each as ms from navigation start (first occurrence).
const PHASES: [(&str, &str); 11] = [
    ("response-end", "the page's HTML answered (service worker)"),
    ("huifang:main", "the wasm module started"),
    ("huifang:unlock-shown", "the unlock page shown"),
    ("huifang:unlock-start", "the person taps unlock (typing)"),
    ("huifang:unlocked", "the password opened the data key"),
    ("huifang:today-kept", "the list kept from last time shown"),
    ("list", "the today list in the page"),
    ("huifang:engine-open", "the device database opened"),
    (
        "huifang:records-fetched",
        "IndexedDB getAll of every record answered",
    ),
    ("huifang:records-decoded", "every record decoded"),
    (
        "huifang:today-indexed",
        "the list worked out from the records",
    ),
];
/// The mark of the list worked out from the records (after the kept one).
const FRESH: &str = "huifang:today-indexed";
const MARKS: &str = "(() => { const m = {}; \
    for (const e of performance.getEntriesByType('mark')) { if (e.name.startsWith('huifang:') && m[e.name] === undefined) m[e.name] = e.startTime; } \
    const n = performance.getEntriesByType('navigation')[0]; if (n) m['response-end'] = n.responseEnd; \
    m['list'] = window.__huifangListAt; return m; })()";
/// The person's typing on the unlock page (ms between the page showing and the tap), which
/// the cold start leaves out: the rest is the app's.
const TYPING: &str = "(() => { const at = n => { const e = performance.getEntriesByName(n)[0]; return e ? e.startTime : 0; }; \
    return Math.max(0, at('huifang:unlock-start') - at('huifang:unlock-shown')); })()";

/// Marks when the today list first shows, in ms from navigation start.
const LIST_AT: &str = "(() => { const seen = () => { if (window.__huifangListAt === undefined \
    && document.querySelector('[data-testid=today-list]')) { window.__huifangListAt = performance.now(); } }; \
    new MutationObserver(seen).observe(document, { childList: true, subtree: true }); })()";

#[derive(Deserialize)]
struct Seeded {
    records: f64,
    ms: f64,
}

#[derive(Deserialize)]
struct Reads {
    read_ms: Vec<f64>,
    snap_ms: Vec<f64>,
    list_ms: Vec<f64>,
    search1_ms: Vec<f64>,
    search2_ms: Vec<f64>,
    file_ms: Vec<f64>,
    records: f64,
    items: f64,
    hits1: f64,
    hits2: f64,
}

struct Row {
    customers: u32,
    records: f64,
    seed_s: f64,
    /// The first `records()` after the start, then the median of the next.
    cold_read: f64,
    read: f64,
    /// `engine.snapshot()`, what the pages read (median).
    snap: f64,
    list: f64,
    search1: f64,
    search2: f64,
    file: f64,
    items: f64,
    hits: (f64, f64),
    write_p50: f64,
    write_p95: f64,
    scan: f64,
    bulk_rps: f64,
    single_p50: f64,
    single_p95: f64,
}

fn sizes() -> (Vec<u32>, bool) {
    if let Ok(scale) = std::env::var("HUIFANG_BENCH_SCALE")
        && !scale.trim().is_empty()
    {
        let sizes = scale
            .split(',')
            .filter_map(|s| s.trim().replace('_', "").parse().ok())
            .collect();
        return (sizes, true);
    }
    let records = std::env::var("HUIFANG_BENCH_RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    (vec![records], false)
}

/// A fresh tablet signed in as agent1, synced, installed (service worker), then offline
/// (nothing syncs meanwhile) with `customers` seeded.
async fn tablet(browser: &TestBrowser, url: &str, customers: u32) -> (Tablet, f64, f64) {
    let tablet = browser.open(url).await.expect("tablet");
    tablet.sign_in_synced("agent1").await.expect("signed in");
    tablet
        .wait_for_service_worker()
        .await
        .expect("service worker");
    tablet.set_offline(true).await.expect("offline");
    tablet.wait_for_text("离线").await.expect("offline shown");
    let started = Instant::now();
    let mut records = 0.0;
    let mut first = 0;
    while first < customers {
        let n = SEED_CALL.min(customers - first);
        let seeded: Seeded = tablet
            .call_hook(
                "huifangSeedDevice",
                &format!("{first}, {n}, {EVENTS_PER_CUSTOMER}"),
            )
            .await
            .expect("seeded");
        records += seeded.records;
        eprintln!(
            "seeded customers {first}..{} ({} records in {:.1} s)",
            first + n,
            seeded.records,
            seeded.ms / 1000.0
        );
        first += n;
    }
    let seed_s = started.elapsed().as_secs_f64();
    // The engine learns of the seeded records the way it would after a restart (it may keep
    // what it read in memory, and the seeding wrote past it).
    tablet.reload().await.expect("reload");
    wait_for_engine(&tablet).await;
    (tablet, records, seed_s)
}

/// Waits until the hooks have the engine again (it opens after the page shows; the cursor
/// scan needs it only for the database's name, and reads nothing through it).
async fn wait_for_engine(tablet: &Tablet) {
    let started = Instant::now();
    loop {
        if tablet
            .call_hook::<Seeded>("huifangCursorScan", "")
            .await
            .is_ok()
        {
            return;
        }
        assert!(started.elapsed() < LONG, "the engine did not open");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

async fn measure(tablet: &Tablet, customers: u32, records: f64, seed_s: f64) -> Row {
    let mut reads = Vec::new();
    for _ in 0..REPS {
        let r: Reads = tablet
            .call_hook("huifangTimeReads", "1, '王', '王伟'")
            .await
            .expect("reads");
        reads.push(r);
    }
    let med = |f: fn(&Reads) -> &Vec<f64>| {
        median(&reads.iter().flat_map(|r| f(r).clone()).collect::<Vec<_>>())
    };
    let last = reads.last().expect("reads");
    let mut scans = Vec::new();
    for _ in 0..3 {
        let scan: Seeded = tablet
            .call_hook("huifangCursorScan", "")
            .await
            .expect("cursor scan");
        assert!(scan.records >= last.records, "the cursor saw every record");
        scans.push(scan.ms);
    }
    let writes: Vec<f64> = tablet
        .call_hook("huifangCreateCustomers", &format!("'现场新建', {WRITES}"))
        .await
        .expect("writes");
    let writes = sorted(writes);
    let single: Vec<f64> = tablet
        .call_hook("huifangRawPut", &format!("1, {WRITES}"))
        .await
        .expect("raw single puts");
    let single = sorted(single);
    let bulk: Vec<f64> = tablet
        .call_hook("huifangRawPut", &format!("{BULK_FLOOR}, {BULK_FLOOR}"))
        .await
        .expect("raw bulk put");
    let bulk_n = f64::from(BULK_FLOOR).min(last.records);
    Row {
        customers,
        records,
        seed_s,
        cold_read: reads[0].read_ms[0],
        read: median(
            &reads[1..]
                .iter()
                .flat_map(|r| r.read_ms.clone())
                .collect::<Vec<_>>(),
        ),
        snap: med(|r| &r.snap_ms),
        list: med(|r| &r.list_ms),
        search1: med(|r| &r.search1_ms),
        search2: med(|r| &r.search2_ms),
        file: med(|r| &r.file_ms),
        items: last.items,
        hits: (last.hits1, last.hits2),
        write_p50: percentile(&writes, 50.0),
        write_p95: percentile(&writes, 95.0),
        scan: median(&scans),
        bulk_rps: bulk_n / (bulk.iter().sum::<f64>() / 1000.0),
        single_p50: percentile(&single, 50.0),
        single_p95: percentile(&single, 95.0),
    }
}

/// Offline reloads with the CPU throttled 4×: ms from navigation start to the today list, less
/// the typing on the unlock page (the password unlocks the sealed data: PBKDF2 is counted).
/// Cold starts: the time to the list of each, and each step's times (see [`PHASES`]).
async fn cold_starts(tablet: &Tablet) -> (Vec<f64>, BTreeMap<String, Vec<f64>>) {
    tablet.navigate("/today").await.expect("today");
    tablet
        .wait_until_for(
            "document.querySelector('[data-testid=today-list]')",
            "the today list",
            LONG,
        )
        .await
        .expect("today list");
    tablet
        .page
        .evaluate_on_new_document(LIST_AT)
        .await
        .expect("the list timer");
    tablet.throttle_cpu(4.0).await.expect("throttled");
    let mut times = Vec::new();
    let mut phases: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for run in 0..COLD_STARTS {
        tablet.reload().await.expect("reload offline");
        tablet
            .wait_until_for(
                "window.__huifangListAt !== undefined",
                "the today list after an offline reload",
                LONG,
            )
            .await
            .expect("list after reload");
        let at: f64 = tablet
            .eval::<f64>("window.__huifangListAt")
            .await
            .expect("list time")
            - tablet.eval::<f64>(TYPING).await.expect("typing time");
        let controlled: bool = tablet
            .eval("!!navigator.serviceWorker.controller")
            .await
            .expect("controller");
        assert!(
            controlled,
            "the offline reload came from the service worker"
        );
        eprintln!("cold start {}: {at:.0} ms", run + 1);
        times.push(at);
        // The rest of the start: the records read and the list worked out from them.
        tablet
            .wait_until_for(
                &format!("performance.getEntriesByName('{FRESH}').length > 0"),
                "the list worked out from the records",
                LONG,
            )
            .await
            .expect("the fresh list after reload");
        let marks: BTreeMap<String, f64> = tablet.eval(MARKS).await.expect("the start's marks");
        for (name, ms) in marks {
            phases.entry(name).or_default().push(ms);
        }
        // Let the start's background work (counts, conflicts) finish before the next.
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    tablet.throttle_cpu(1.0).await.expect("unthrottled");
    (times, phases)
}

/// Where a cold start spends its time: each step's median, and the time since the step before.
fn print_phases(phases: &BTreeMap<String, Vec<f64>>) {
    println!();
    println!(
        "cold start offline (CPU 4×), step by step: medians of {COLD_STARTS}, ms from navigation start"
    );
    let mut steps: Vec<(f64, &str)> = Vec::new();
    for (name, what) in PHASES {
        match phases.get(name).filter(|t| !t.is_empty()) {
            Some(times) => steps.push((median(times), what)),
            None => println!("  {what:<48} (no mark)"),
        }
    }
    steps.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut before = 0.0;
    for (at, what) in steps {
        println!("  {what:<48} {at:>9.0}  (+{:.0})", at - before);
        before = at;
    }
}

fn print_row(r: &Row) {
    println!(
        "{:>9} {:>9.0} {:>8.1} {:>9.1} {:>9.1} {:>9.2} {:>9.1} {:>9.2} {:>9.2} {:>9.1} {:>9.1} {:>9.2} {:>9.1} {:>11.0}",
        r.customers,
        r.records,
        r.seed_s,
        r.cold_read,
        r.read,
        r.snap,
        r.list,
        r.search1,
        r.search2,
        r.file,
        r.snap + r.file,
        r.write_p95,
        r.scan,
        r.bulk_rps
    );
}

fn report(r: &Row, suffix: &str) {
    let records = format!("{:.0} records", r.records);
    figure(
        &format!("engine.records() (a copy of every record){suffix}"),
        r.read,
        &format!("{:.0} ms (first {:.0})", r.read, r.cold_read),
        &format!("cursor scan {:.1} ms", r.scan),
        Budget::None,
        "—",
    );
    figure(
        &format!("agent's list: snapshot() + TodayIndex{suffix}"),
        r.snap + r.list,
        &format!("{:.1} ms ({:.1}+{:.1})", r.snap + r.list, r.snap, r.list),
        &format!("cursor scan {:.1} ms", r.scan),
        Budget::Max(16.0),
        "≤ 16 ms",
    );
    figure(
        &format!("search keystroke '王' / '王伟' (TodayIndex::list){suffix}"),
        r.search1.max(r.search2),
        &format!("{:.2} / {:.2} ms", r.search1, r.search2),
        "—",
        Budget::Max(16.0),
        "≤ 16 ms",
    );
    figure(
        &format!("open a customer: snapshot() + CustomerFile::of{suffix}"),
        r.snap + r.file,
        &format!("{:.1} ms ({:.1}+{:.1})", r.snap + r.file, r.snap, r.file),
        &format!("cursor scan {:.1} ms", r.scan),
        Budget::Max(50.0),
        "≤ 50 ms",
    );
    figure(
        &format!("local write (record+outbox) p95, {records}{suffix}"),
        r.write_p95,
        &format!("p50 {:.2} p95 {:.2} ms", r.write_p50, r.write_p95),
        &format!("1 put/tx p50 {:.2} p95 {:.2}", r.single_p50, r.single_p95),
        Budget::Max(5.0),
        "≤ 5 ms",
    );
    figure(
        &format!("raw IndexedDB bulk put, one transaction{suffix}"),
        r.bulk_rps,
        &format!("{:.0} records/s", r.bulk_rps),
        "(a floor)",
        Budget::None,
        "—",
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let (sizes, scaling) = sizes();
    let app = TestApp::start().await.expect("server starts");
    let url = app.url();
    let mut version = String::new();
    let mut rows = Vec::new();
    let mut cold = Vec::new();
    let mut phases = BTreeMap::new();
    for &customers in &sizes {
        let browser = TestBrowser::launch().await.expect("Chromium");
        let (tablet, records, seed_s) = tablet(&browser, &url, customers).await;
        let agent: String = tablet.eval("navigator.userAgent").await.expect("UA");
        version = agent
            .split(' ')
            .find(|w| w.starts_with("HeadlessChrome/") || w.starts_with("Chrome/"))
            .unwrap_or("Chromium")
            .to_owned();
        let row = measure(&tablet, customers, records, seed_s).await;
        eprintln!(
            "{customers} customers: {:.0} on the list, search hits {:.0}/{:.0}",
            row.items, row.hits.0, row.hits.1
        );
        if !scaling {
            (cold, phases) = cold_starts(&tablet).await;
        }
        rows.push(row);
        browser.close().await;
    }

    println!();
    println!(
        "device benchmark (headless {version}, this machine; events = {EVENTS_PER_CUSTOMER}× customers, \
         one task per 5 customers; medians of {REPS})"
    );
    println!(
        "{:>9} {:>9} {:>8} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>11}",
        "customers",
        "records",
        "seed s",
        "1st rd ms",
        "read ms",
        "snap ms",
        "list ms",
        "srch1 ms",
        "srch2 ms",
        "file ms",
        "open ms",
        "wr p95 ms",
        "scan ms",
        "bulk rec/s"
    );
    for r in &rows {
        print_row(r);
    }
    println!(
        "(1st rd: the first engine.records() after a start; read: the next ones (median); snap: engine.snapshot(); list: TodayIndex::of + list; \
         srch: one keystroke's TodayIndex::list; file: CustomerFile::of; open: snap + file; scan: raw IndexedDB cursor over every record; \
         bulk: raw put of {BULK_FLOOR} in one transaction)"
    );
    println!();
    for r in &rows {
        let suffix = if scaling {
            format!(" [{} customers]", r.customers)
        } else {
            String::new()
        };
        report(r, &suffix);
    }
    if !phases.is_empty() {
        print_phases(&phases);
    }
    if !cold.is_empty() {
        let s = sorted(cold.clone());
        figure(
            "cold start offline to the today list (CPU 4×), median",
            percentile(&s, 50.0),
            &format!(
                "{:.0} ms (p90 {:.0})",
                percentile(&s, 50.0),
                percentile(&s, 90.0)
            ),
            "—",
            Budget::Max(1000.0),
            "≤ 1.0 s",
        );
    }
    if let Some(fresh) = phases.get(FRESH).filter(|t| !t.is_empty()) {
        let s = sorted(fresh.clone());
        figure(
            "cold start offline to the list from the records (CPU 4×)",
            percentile(&s, 50.0),
            &format!(
                "{:.0} ms (p90 {:.0})",
                percentile(&s, 50.0),
                percentile(&s, 90.0)
            ),
            "—",
            Budget::None,
            "—",
        );
    }
}
