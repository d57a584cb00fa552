//! 20 tablets for 10 s on SQLite through the fault-injecting proxy (requests and answers
//! dropped, delayed, duplicated): afterwards nothing acknowledged is lost, nothing applied
//! twice, and every mutation was answered in the end.

mod common;

use huifang_load::Faults;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_network_loses_no_acknowledged_write_and_applies_none_twice() {
    let mut config = common::quick(10);
    config.faults = Faults::bad_network();
    config.seed = 10;
    let report = huifang_load::run(config).await.expect("the run runs");
    common::assert_verdict(&report);
    let proxy = report.proxy_counts.expect("the proxy was in front");
    assert!(proxy.dropped_requests > 0, "{proxy:?}");
    assert!(proxy.dropped_responses > 0, "{proxy:?}");
    assert!(proxy.delayed > 0, "{proxy:?}");
    assert!(proxy.duplicated > 0, "{proxy:?}");
    assert!(report.resent > 0, "lost answers make tablets push again");
}
