//! Every store starts with the default call scripts: each purpose in zh-CN and English,
//! published as version 1, readable by agents; running it again adds nothing.

mod common;

use common::demo_app;
use huifang_core::care::rules::Purpose;
use huifang_core::scripts::graph::{Graph, validate};
use huifang_core::sync::{Change, PullRequest, Record, RecordKind};

#[tokio::test]
async fn each_store_gets_every_default_script_once() {
    for db in common::test_databases().await {
        let label = db.label;
        let (_, state) = demo_app(&db).await;
        let created = huifang_server::scripts::ensure_defaults(&state)
            .await
            .expect("defaults");
        assert_eq!(created, Purpose::ALL.len() * 2, "[{label}]");
        let again = huifang_server::scripts::ensure_defaults(&state)
            .await
            .expect("defaults again");
        assert_eq!(again, 0, "[{label}] nothing twice");

        let agent = common::user_ctx(&state, "agent1").await;
        let scripts = common::entities(&state, &agent, RecordKind::CallScript).await;
        assert_eq!(scripts.len(), Purpose::ALL.len() * 2, "[{label}]");
        let page = state
            .sync
            .pull(
                &agent,
                PullRequest {
                    cursor: 0,
                    limit: 1_000,
                },
                0,
            )
            .await
            .expect("pull");
        let versions: Vec<Graph> = page
            .changes
            .into_iter()
            .filter_map(|c| match c {
                Change::Record {
                    record: Record::Event(e),
                } if e.kind == RecordKind::ScriptVersion => e.fields.get("graph").cloned(),
                _ => None,
            })
            .map(|g| serde_json::from_value(g).expect("a graph"))
            .collect();
        assert_eq!(
            versions.len(),
            Purpose::ALL.len() * 2,
            "[{label}] one published version each"
        );
        assert!(versions.iter().all(|g| validate(g).is_empty()), "[{label}]");
        state.db.close().await;
    }
}

/// Two processes starting at once both find no scripts and both write them: the records'
/// ids come from the store, purpose and language, so the store still holds one set.
#[tokio::test]
async fn two_starts_at_once_make_one_set_of_scripts() {
    for db in common::test_databases().await {
        let label = db.label;
        let (_, state) = demo_app(&db).await;
        let (a, b) = tokio::join!(
            huifang_server::scripts::ensure_defaults(&state),
            huifang_server::scripts::ensure_defaults(&state)
        );
        a.expect("first");
        b.expect("second");
        let agent = common::user_ctx(&state, "agent1").await;
        let scripts = common::entities(&state, &agent, RecordKind::CallScript).await;
        assert_eq!(scripts.len(), Purpose::ALL.len() * 2, "[{label}]");
        state.db.close().await;
    }
}
