//! Importing a large DMS export: the real server on loopback, a generated export of 50,000
//! messy rows (`tests/import_data`), previewed, committed and followed the way the import
//! page does it (the job polled), then imported a second time (which must create nothing).
//! On SQLite (a temp file) and, when `HUIFANG_TEST_PG_URL` names an admin URL, on PostgreSQL
//! (a fresh database). Prints the time of each phase and rows/s; panics if the counts are
//! not exactly the export's.
//!
//!   cargo bench -p huifang-server --bench import
//!   scripts/with-postgres cargo bench -p huifang-server --bench import
//!
//! `HUIFANG_BENCH_IMPORT_ROWS` changes the number of rows (default 50,000).

#[path = "../tests/import_data/mod.rs"]
mod import_data;

use huifang_core::care::dates::Day;
use huifang_core::care::import::{ImportJob, JobPhase, Preview, Summary};
use huifang_server::{Config, spawn};
use serde_json::json;
use std::time::{Duration, Instant};

/// How often the bench polls the job (the page: every 500 ms).
const POLL: Duration = Duration::from_millis(100);
/// A run that takes longer than this has hung.
const TIME_LIMIT: Duration = Duration::from_secs(30 * 60);

struct Figures {
    backend: &'static str,
    rows: usize,
    preview_s: f64,
    preview_kb: f64,
    answer_ms: f64,
    queued_s: f64,
    writing_s: f64,
    tasks_s: f64,
    total_s: f64,
    records: usize,
    again_s: f64,
}

fn main() {
    let rows = std::env::var("HUIFANG_BENCH_IMPORT_ROWS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(50_000);
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let figures = runtime.block_on(async {
        let today = Day::of_ms(huifang_server::db::now_ms(), 8 * 60);
        let generated = Instant::now();
        let export = import_data::export(rows, 2026, today);
        eprintln!(
            "generated {rows} rows ({:.1} MB) in {:.1?}: {} bad, {} customers, {} cars, {} visits",
            export.csv.len() as f64 / 1e6,
            generated.elapsed(),
            export.bad_rows,
            export.customers,
            export.vehicles,
            export.visits
        );
        let mut figures = Vec::new();
        let dir = tempfile::TempDir::new().expect("temp dir");
        let sqlite = format!("sqlite://{}", dir.path().join("bench.db").display());
        figures.push(bench("sqlite", &sqlite, dir.path(), &export).await);
        match std::env::var("HUIFANG_TEST_PG_URL") {
            Ok(admin) if !admin.is_empty() => {
                let url = fresh_pg_database(&admin).await;
                figures.push(bench("postgres", &url, dir.path(), &export).await);
            }
            _ => eprintln!("(PostgreSQL skipped: run under scripts/with-postgres to bench it too)"),
        }
        figures
    });
    println!();
    println!(
        "import benchmark: a generated DMS export over HTTP on loopback, the job polled; {cores} cores"
    );
    println!(
        "{:<9} {:>7} {:>9} {:>10} {:>9} {:>8} {:>9} {:>8} {:>8} {:>7} {:>10} {:>9}",
        "backend",
        "rows",
        "preview s",
        "preview KB",
        "answer ms",
        "queued s",
        "writing s",
        "tasks s",
        "total s",
        "rows/s",
        "records/s",
        "again s"
    );
    for f in figures {
        println!(
            "{:<9} {:>7} {:>9.1} {:>10.1} {:>9.0} {:>8.1} {:>9.1} {:>8.1} {:>8.1} {:>7.0} {:>10.0} {:>9.1}",
            f.backend,
            f.rows,
            f.preview_s,
            f.preview_kb,
            f.answer_ms,
            f.queued_s,
            f.writing_s,
            f.tasks_s,
            f.total_s,
            f.rows as f64 / f.total_s.max(f64::EPSILON),
            f.records as f64 / f.total_s.max(f64::EPSILON),
            f.again_s
        );
    }
    println!(
        "(total: from the commit's request to the job done; records: customers, cars, visits and \
         callback tasks created; again: the same file imported a second time, creating nothing)"
    );
}

/// The job's phases as the poller saw them: when each began, from the commit's request.
struct Run {
    answer: Duration,
    began: Vec<(JobPhase, Duration)>,
    last: ImportJob,
}

impl Run {
    fn at(&self, phase: JobPhase) -> Option<Duration> {
        self.began
            .iter()
            .find(|(p, _)| *p == phase)
            .map(|(_, at)| *at)
    }

    /// From the start of `from` (or the answer) to the start of the next phase seen.
    fn span(&self, from: JobPhase, to: &[JobPhase]) -> f64 {
        let start = self.at(from).unwrap_or(self.answer);
        let end = to.iter().find_map(|p| self.at(*p)).unwrap_or(start);
        end.saturating_sub(start).as_secs_f64()
    }
}

async fn commit(client: &reqwest::Client, base: &str, token: &str, csv: &str) -> Run {
    let started = Instant::now();
    let mut job: ImportJob = client
        .post(format!("{base}/api/import/commit"))
        .bearer_auth(token)
        .header("content-type", "text/csv")
        .body(csv.to_owned())
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .expect("the commit is taken")
        .json()
        .await
        .expect("a job");
    let answer = started.elapsed();
    let mut began = vec![(job.phase, answer)];
    while !job.phase.is_finished() {
        assert!(started.elapsed() < TIME_LIMIT, "the import hangs: {job:?}");
        tokio::time::sleep(POLL).await;
        job = client
            .get(format!("{base}/api/import/jobs/{}", job.id))
            .bearer_auth(token)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .expect("the job is there")
            .json()
            .await
            .expect("a job");
        if began.last().map(|(p, _)| *p) != Some(job.phase) {
            began.push((job.phase, started.elapsed()));
        }
    }
    assert_eq!(job.phase, JobPhase::Done, "{job:?}");
    Run {
        answer,
        began,
        last: job,
    }
}

async fn bench(
    backend: &'static str,
    url: &str,
    dir: &std::path::Path,
    export: &import_data::Export,
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
        .json(&json!({"username": "supervisor", "password": "demo"}))
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .expect("signed in")
        .json()
        .await
        .expect("sign-in JSON");
    let token = body["token"].as_str().expect("token").to_owned();

    let started = Instant::now();
    let response = client
        .post(format!("{base}/api/import/preview"))
        .bearer_auth(&token)
        .header("content-type", "text/csv")
        .body(export.csv.clone())
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .expect("a preview");
    let bytes = response.bytes().await.expect("the preview's body");
    let preview_s = started.elapsed().as_secs_f64();
    let preview: Preview = serde_json::from_slice(&bytes).expect("preview JSON");
    assert_eq!(preview.rows_clean, export.clean_rows());
    assert_eq!(preview.errors_total, export.bad_rows);

    let run = commit(&client, &base, &token, &export.csv).await;
    let s = &run.last.summary;
    assert_eq!(
        (s.customers_created, s.vehicles_created, s.visits_created),
        (export.customers, export.vehicles, export.visits),
        "[{backend}] {s:?}"
    );
    assert_eq!(s.refused, 0, "{:?}", s.refusals);
    let total = run.at(JobPhase::Done).unwrap_or_default();
    eprintln!("[{backend}] first import: {:?}", run.began);

    let again = commit(&client, &base, &token, &export.csv).await;
    assert_eq!(
        again.last.summary,
        Summary::default(),
        "[{backend}] the second import creates nothing"
    );
    eprintln!("[{backend}] second import: {:?}", again.began);
    server.stop().await;
    Figures {
        backend,
        rows: export.rows,
        preview_s,
        preview_kb: bytes.len() as f64 / 1024.0,
        answer_ms: run.answer.as_secs_f64() * 1000.0,
        queued_s: run.span(JobPhase::Queued, &[JobPhase::Writing]),
        writing_s: run.span(JobPhase::Writing, &[JobPhase::Tasks, JobPhase::Done]),
        tasks_s: run.span(JobPhase::Tasks, &[JobPhase::Done]),
        total_s: total.as_secs_f64(),
        records: s.customers_created + s.vehicles_created + s.visits_created + s.tasks_created,
        again_s: again.at(JobPhase::Done).unwrap_or_default().as_secs_f64(),
    }
}

async fn fresh_pg_database(admin_url: &str) -> String {
    huifang_server::db::create_scratch_postgres(admin_url, "bench")
        .await
        .expect("create the bench database")
}
