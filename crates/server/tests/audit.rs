//! The audit log: every export is written with who, when and what it covered; store and
//! group managers read their store's entries, newest first; nobody else reads them.

mod common;

use axum::http::StatusCode;
use common::{demo_app, get_with_token, send, token_for};

#[tokio::test]
async fn exports_are_written_to_the_audit_log_that_managers_read() {
    for db in common::test_databases().await {
        let label = db.label;
        let (app, state) = demo_app(&db).await;
        let supervisor = token_for(&app, "supervisor").await;
        let manager = token_for(&app, "manager").await;

        let empty = send(&app, get_with_token("/api/audit", &manager)).await;
        assert_eq!(empty.status, StatusCode::OK, "[{label}] {}", empty.text());
        assert_eq!(empty.json(), serde_json::json!([]), "[{label}]");

        let stats = send(
            &app,
            get_with_token(
                "/api/complaints/stats?from=2026-11-01&to=2026-11-30&format=csv",
                &supervisor,
            ),
        )
        .await;
        assert_eq!(stats.status, StatusCode::OK, "[{label}] {}", stats.text());
        let summary = send(
            &app,
            get_with_token(
                "/api/reports/summary?from=2026-11-01&to=2026-11-30&format=xlsx",
                &manager,
            ),
        )
        .await;
        assert_eq!(
            summary.status,
            StatusCode::OK,
            "[{label}] {}",
            summary.text()
        );
        // A refused export is no export: nothing is written for it.
        let agent = token_for(&app, "agent1").await;
        let refused = send(
            &app,
            get_with_token(
                "/api/complaints/stats?from=2026-11-01&to=2026-11-30&format=csv",
                &agent,
            ),
        )
        .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "[{label}]");

        let log = send(&app, get_with_token("/api/audit", &manager))
            .await
            .json();
        let entries = log.as_array().expect("a list");
        assert_eq!(entries.len(), 2, "[{label}] {log}");
        assert_eq!(
            entries[0]["action"], "export_callback_summary",
            "[{label}] newest first"
        );
        assert_eq!(entries[0]["username"], "manager");
        assert!(
            entries[0]["detail"]
                .as_str()
                .is_some_and(|d| d.contains("xlsx")),
            "[{label}] {log}"
        );
        assert_eq!(entries[1]["action"], "export_complaint_stats");
        assert_eq!(entries[1]["username"], "supervisor");
        assert!(
            entries[1]["detail"]
                .as_str()
                .is_some_and(|d| d.contains("2026-11-01") && d.contains("csv")),
            "[{label}] {log}"
        );
        // An import of a customer list is written too.
        common::import_csv(&app, &supervisor, "客户姓名,手机号码\n陈志强,13800138000\n").await;
        let log = send(&app, get_with_token("/api/audit", &manager))
            .await
            .json();
        assert_eq!(log[0]["action"], "import_customers", "[{label}] {log}");
        assert!(
            log[0]["detail"]
                .as_str()
                .is_some_and(|d| d.starts_with("1 rows to write")),
            "[{label}] {log}"
        );
        let one = send(&app, get_with_token("/api/audit?limit=1", &manager))
            .await
            .json();
        assert_eq!(one.as_array().map(Vec::len), Some(1), "[{label}]");
        assert_eq!(one[0]["action"], "import_customers", "[{label}] the newest");

        let group = send(
            &app,
            get_with_token("/api/audit", &token_for(&app, "group").await),
        )
        .await;
        assert_eq!(
            group.status,
            StatusCode::OK,
            "[{label}] group managers read it too"
        );
        for who in [supervisor.as_str(), agent.as_str()] {
            let denied = send(&app, get_with_token("/api/audit", who)).await;
            assert_eq!(denied.status, StatusCode::FORBIDDEN, "[{label}]");
        }
        for bad in ["/api/audit?limit=0", "/api/audit?limit=5000"] {
            let wrong = send(&app, get_with_token(bad, &manager)).await;
            assert_eq!(wrong.status, StatusCode::BAD_REQUEST, "[{label}] {bad}");
        }
        state.db.close().await;
    }
}
