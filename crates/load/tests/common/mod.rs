//! What the quick runs share: the server binary beside the tests, a short bounded run.

#![allow(dead_code)] // each test file uses a different part

use huifang_load::tablet::Pace;
use huifang_load::{Report, RunConfig, ServerBinary};
use std::time::Duration;

/// 20 tablets in two stores (one with 15, as a store has), a step every 300 ms each, for
/// `seconds`; the server is this crate's `huifang-load serve` (the real server's `run`).
pub fn quick(seconds: u64) -> RunConfig {
    let server = ServerBinary::load_serve(env!("CARGO_BIN_EXE_huifang-load"));
    let mut config = RunConfig::new(20, Duration::from_secs(seconds), server);
    config.per_store = 15;
    config.pace = Pace {
        think: Duration::from_millis(300),
        ..Pace::default()
    };
    config.max_in_flight = 32;
    config.drain_limit = Duration::from_secs(30);
    config
}

/// Prints the report (the harness shows it when the test fails) and checks the verdict.
pub fn assert_verdict(report: &Report) {
    report.print();
    assert!(
        report.ok(),
        "the verification failed: lost {}, applied twice {}, other {}: {:#?} {:#?} {:#?}",
        report.verdict.lost,
        report.verdict.applied_twice,
        report.verdict.other,
        report.verdict.problems,
        report.fatal,
        report.protocol_errors
    );
    assert_eq!(report.verdict.unanswered, 0);
    // Every change the load makes is one its user may make: a refusal means the load's mix
    // (crates/load/src/mix.rs) and the server's rules disagree, and the run tests less.
    assert_eq!(
        report.verdict.rejected, 0,
        "refused changes: {:?}",
        report.verdict.rejections
    );
    assert!(
        report.verdict.acked >= 200,
        "too few acknowledged mutations to mean anything: {}",
        report.verdict.acked
    );
    assert_eq!(report.verdict.replayed, report.verdict.mutations);
}

/// The PostgreSQL admin URL, or `None` (said loudly) when the test should skip; panics when
/// `HUIFANG_REQUIRE_PG=1` and there is none.
pub fn pg_admin_url(what: &str) -> Option<String> {
    match std::env::var("HUIFANG_TEST_PG_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("HUIFANG_REQUIRE_PG").as_deref() != Ok("1"),
                "HUIFANG_REQUIRE_PG=1 but HUIFANG_TEST_PG_URL is not set"
            );
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "\n!!! SKIPPING {what}: it needs PostgreSQL (run under scripts/with-postgres) !!!\n"
            );
            None
        }
    }
}
