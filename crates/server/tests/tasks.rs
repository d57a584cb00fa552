//! `POST /api/tasks/distribute` through the router: shares by capacity, keeps a customer with
//! their agent, and refuses what it should.

mod common;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{TestResponse, demo_app, send, token_for};
use huifang_core::care::dates::Day;
use huifang_core::sync::{RecordKind, UserCtx};
use huifang_server::state::AppState;
use huifang_server::tasks::DistributeResponse;
use serde_json::json;

async fn post(
    app: &Router,
    uri: &str,
    token: &str,
    content_type: &str,
    body: Vec<u8>,
) -> TestResponse {
    let request = Request::post(uri)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", content_type)
        .body(Body::from(body))
        .expect("request");
    send(app, request).await
}

/// Callback tasks: (owner, customer, assigned_at stamped).
async fn owners(state: &AppState, viewer: &UserCtx) -> Vec<(Option<String>, String, bool)> {
    common::entities(state, viewer, RecordKind::CallbackTask)
        .await
        .into_iter()
        .map(|e| {
            (
                e.scope.owner.as_ref().map(|o| o.0.clone()),
                e.value("customer")
                    .and_then(|v| v.as_str())
                    .unwrap_or("")
                    .to_owned(),
                e.value("assigned_at").is_some(),
            )
        })
        .collect()
}

async fn import(app: &Router, token: &str, rows: &[(&str, &str, &str)]) {
    let mut csv = String::from("客户姓名,手机号码,进厂日期,委托书号\n");
    let yesterday = Day::of_ms(huifang_server::db::now_ms(), 8 * 60).plus(-1);
    for (name, phone, wo) in rows {
        csv.push_str(&format!("{name},{phone},{yesterday},{wo}\n"));
    }
    let response = post(
        app,
        "/api/import/commit",
        token,
        "text/csv",
        csv.into_bytes(),
    )
    .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
}

#[tokio::test]
async fn tasks_are_shared_by_capacity_and_stay_with_the_customers_agent() {
    for db in common::test_databases().await {
        let label = db.label;
        let (app, state) = demo_app(&db).await;
        let supervisor = token_for(&app, "supervisor").await;
        import(
            &app,
            &supervisor,
            &[
                ("王建国", "13800138000", "WO-1"),
                ("李秀英", "13900139000", "WO-2"),
                ("赵六", "13700137000", "WO-3"),
            ],
        )
        .await;
        let (agent1, agent2) = (
            common::user_ctx(&state, "agent1").await,
            common::user_ctx(&state, "agent2").await,
        );
        let boss = common::user_ctx(&state, "supervisor").await;
        assert!(
            owners(&state, &boss)
                .await
                .iter()
                .all(|(o, _, _)| o.is_none())
        );

        let body = json!({"agents": [
            {"id": agent1.user.0, "capacity": 2},
            {"id": agent2.user.0, "capacity": 1},
        ]});
        let response = post(
            &app,
            "/api/tasks/distribute",
            &supervisor,
            "application/json",
            body.to_string().into_bytes(),
        )
        .await;
        assert_eq!(
            response.status,
            StatusCode::OK,
            "[{label}] {}",
            response.text()
        );
        let shared: DistributeResponse = serde_json::from_slice(&response.body).expect("json");
        assert_eq!(shared.tasks_assigned, 3);
        assert!(shared.refusals.is_empty(), "{:?}", shared.refusals);
        let customers: Vec<u32> = shared.agents.iter().map(|a| a.customers).collect();
        assert_eq!(customers, vec![2, 1], "[{label}] 2:1 by capacity");
        let tasks = owners(&state, &boss).await;
        assert!(
            tasks.iter().all(|(o, _, at)| o.is_some() && *at),
            "{tasks:?}"
        );
        let held = tasks
            .iter()
            .find(|(_, c, _)| !c.is_empty())
            .and_then(|(o, c, _)| o.clone().map(|o| (o, c.clone())))
            .expect("a task");

        // A new visit of a customer someone already holds: the task goes to them.
        let holder_customer = held.1.clone();
        let (name, phone) = common::entities(&state, &boss, RecordKind::Customer)
            .await
            .into_iter()
            .find(|e| e.id.to_string() == holder_customer)
            .map(|e| {
                let text = |f: &str| e.value(f).and_then(|v| v.as_str()).unwrap_or("").to_owned();
                (text("name"), text("phone"))
            })
            .expect("the customer");
        import(&app, &supervisor, &[(&name, &phone, "WO-9")]).await;
        let again = post(
            &app,
            "/api/tasks/distribute",
            &supervisor,
            "application/json",
            body.to_string().into_bytes(),
        )
        .await;
        let again: DistributeResponse = serde_json::from_slice(&again.body).expect("json");
        assert_eq!(again.tasks_assigned, 1);
        let tasks = owners(&state, &boss).await;
        let holders: std::collections::BTreeSet<_> = tasks
            .iter()
            .filter(|(_, c, _)| *c == holder_customer)
            .map(|(o, _, _)| o.clone())
            .collect();
        assert_eq!(
            holders.len(),
            1,
            "[{label}] one agent per customer: {tasks:?}"
        );
        state.db.close().await;
    }
}

#[tokio::test]
async fn only_supervisors_share_and_only_to_agents() {
    for db in common::test_databases().await {
        let (app, state) = demo_app(&db).await;
        let agent = token_for(&app, "agent1").await;
        let supervisor = token_for(&app, "supervisor").await;
        let advisor = common::user_ctx(&state, "advisor1").await;
        let body = |id: &str| json!({"agents": [{"id": id}]}).to_string().into_bytes();
        let refused = post(
            &app,
            "/api/tasks/distribute",
            &agent,
            "application/json",
            body("x"),
        )
        .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        let empty = post(
            &app,
            "/api/tasks/distribute",
            &supervisor,
            "application/json",
            json!({"agents": []}).to_string().into_bytes(),
        )
        .await;
        assert_eq!(empty.status, StatusCode::BAD_REQUEST);
        let not_agent = post(
            &app,
            "/api/tasks/distribute",
            &supervisor,
            "application/json",
            body(&advisor.user.0),
        )
        .await;
        assert_eq!(not_agent.status, StatusCode::BAD_REQUEST);
        assert!(not_agent.api_error().reason.contains("not a care agent"));
        let stranger = post(
            &app,
            "/api/tasks/distribute",
            &supervisor,
            "application/json",
            body("nobody"),
        )
        .await;
        assert_eq!(stranger.status, StatusCode::BAD_REQUEST);
        state.db.close().await;
    }
}
