//! Two server processes on one PostgreSQL behind the proxy, with a bad network in front
//! (a duplicated request goes to both processes at once): 20 tablets for 10 s, then the
//! verification. PostgreSQL only: skipped loudly without `HUIFANG_TEST_PG_URL`, failed when
//! `HUIFANG_REQUIRE_PG=1`.

mod common;

use huifang_load::{Backend, Faults};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_one_postgres_behind_a_bad_network_lose_nothing() {
    let Some(admin_url) = common::pg_admin_url("the two-process PostgreSQL load run") else {
        return;
    };
    let mut config = common::quick(10);
    config.backend = Backend::Postgres { admin_url };
    config.processes = 2;
    config.faults = Faults::bad_network();
    config.seed = 12;
    let report = huifang_load::run(config).await.expect("the run runs");
    common::assert_verdict(&report);
    let proxy = report.proxy_counts.expect("the proxy was in front");
    assert!(proxy.duplicated > 0, "{proxy:?}");
    assert_eq!(report.processes, 2);
}
