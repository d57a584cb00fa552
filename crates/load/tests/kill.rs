//! 20 tablets for 12 s on SQLite while the server process is SIGKILLed and started again on
//! the same database every ~2.5 s: afterwards nothing acknowledged is lost, nothing applied
//! twice, and every mutation was answered in the end.

mod common;

use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_and_restart_during_a_load_run_lose_nothing_and_double_nothing() {
    let mut config = common::quick(12);
    config.kill_every = Some(Duration::from_millis(2_500));
    config.seed = 11;
    let report = huifang_load::run(config).await.expect("the run runs");
    common::assert_verdict(&report);
    assert!(report.kills >= 3, "only {} kills", report.kills);
}
