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
    common::import_csv(app, token, &csv).await;
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

/// The callback tasks `viewer` sees, by id.
async fn tasks_by_id(
    state: &AppState,
    viewer: &UserCtx,
) -> std::collections::BTreeMap<huifang_core::sync::RecordId, huifang_core::sync::Entity> {
    common::entities(state, viewer, RecordKind::CallbackTask)
        .await
        .into_iter()
        .map(|e| (e.id, e))
        .collect()
}

/// (customer, owner, status) of each task, for failure messages.
fn brief(
    tasks: &std::collections::BTreeMap<huifang_core::sync::RecordId, huifang_core::sync::Entity>,
) -> Vec<(String, Option<String>, String)> {
    tasks
        .values()
        .map(|t| {
            let status = t
                .value("status")
                .and_then(|s| s.as_str())
                .unwrap_or_default();
            (customer_of(t), owner_of(t), status.to_owned())
        })
        .collect()
}

fn owner_of(e: &huifang_core::sync::Entity) -> Option<String> {
    e.scope.owner.as_ref().map(|o| o.0.clone())
}

fn customer_of(e: &huifang_core::sync::Entity) -> String {
    e.value("customer")
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_owned()
}

fn assigned_at(e: &huifang_core::sync::Entity) -> i64 {
    e.value("assigned_at")
        .and_then(serde_json::Value::as_i64)
        .unwrap_or_else(|| panic!("no assigned_at: {e:?}"))
}

async fn move_status(
    state: &AppState,
    who: &UserCtx,
    task: huifang_core::sync::RecordId,
    from: &str,
    to: &str,
) {
    let op = huifang_core::sync::Op::Transition {
        field: "status".into(),
        from: from.into(),
        to: to.into(),
        reason: None,
    };
    common::apply_as(state, who, RecordKind::CallbackTask, task, op).await;
}

/// Agent 1 holds 王建国 (a call under way, and a new visit's task) and 李秀英 (called,
/// done). Distributing among both agents gives the new task to agent 1, who holds the
/// customer by the call under way; with agent 1 away, everything unfinished goes to agent 2
/// with a fresh `assigned_at`, and the finished call stays agent 1's.
#[tokio::test]
async fn an_away_agents_unfinished_tasks_are_shared_out() {
    for db in common::test_databases().await {
        let label = db.label;
        let (app, state) = demo_app(&db).await;
        let supervisor = token_for(&app, "supervisor").await;
        let boss = common::user_ctx(&state, "supervisor").await;
        let (agent1, agent2) = (
            common::user_ctx(&state, "agent1").await,
            common::user_ctx(&state, "agent2").await,
        );
        import(
            &app,
            &supervisor,
            &[
                ("王建国", "13800138000", "WO-1"),
                ("李秀英", "13900139000", "WO-2"),
            ],
        )
        .await;
        let only_agent1 = json!({"agents": [{"id": agent1.user.0}]});
        let first =
            common::post_json_as(&app, "/api/tasks/distribute", &supervisor, &only_agent1).await;
        assert_eq!(first.status, StatusCode::OK, "[{label}] {}", first.text());
        let tasks = tasks_by_id(&state, &boss).await;
        assert_eq!(tasks.len(), 2);
        let wang = tasks
            .values()
            .find(|t| {
                t.value("key")
                    .and_then(|k| k.as_str())
                    .is_some_and(|k| k.ends_with("WO-1"))
            })
            .expect("王建国's task")
            .clone();
        let li = tasks
            .values()
            .find(|t| t.id != wang.id)
            .expect("李秀英's task")
            .clone();
        // 王建国's call is under way; 李秀英's is done.
        move_status(&state, &agent1, wang.id, "open", "in_progress").await;
        move_status(&state, &agent1, li.id, "open", "in_progress").await;
        move_status(&state, &agent1, li.id, "in_progress", "completed").await;

        // A new visit of 王建国: agent 1 still holds him by the call under way, so the new
        // task goes to agent 1 although agent 2 has nothing.
        import(&app, &supervisor, &[("王建国", "13800138000", "WO-3")]).await;
        let both = json!({"agents": [{"id": agent2.user.0}, {"id": agent1.user.0}]});
        let second = common::post_json_as(&app, "/api/tasks/distribute", &supervisor, &both).await;
        let second: DistributeResponse = serde_json::from_slice(&second.body).expect("json");
        assert_eq!(
            (second.tasks_assigned, second.taken_back),
            (1, 0),
            "[{label}]"
        );
        let tasks = tasks_by_id(&state, &boss).await;
        let wang_customer = customer_of(&wang);
        assert!(
            tasks
                .values()
                .filter(|t| customer_of(t) == wang_customer)
                .all(|t| owner_of(t).as_deref() == Some(agent1.user.0.as_str())),
            "[{label}] one agent per customer: {:?}",
            brief(&tasks)
        );
        let a1 = &second.agents[1];
        assert_eq!(
            (a1.customers, a1.given),
            (1, 0),
            "[{label}] {:?}",
            second.agents
        );
        let before = assigned_at(&tasks[&wang.id]);

        // Agent 1 is away.
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        let away = json!({"agents": [{"id": agent2.user.0}], "away": [agent1.user.0]});
        let third = common::post_json_as(&app, "/api/tasks/distribute", &supervisor, &away).await;
        assert_eq!(third.status, StatusCode::OK, "[{label}] {}", third.text());
        let third: DistributeResponse = serde_json::from_slice(&third.body).expect("json");
        assert_eq!(
            (third.tasks_assigned, third.taken_back),
            (2, 2),
            "[{label}]"
        );
        assert!(third.refusals.is_empty(), "{:?}", third.refusals);
        assert_eq!(
            (third.agents[0].customers, third.agents[0].given),
            (1, 1),
            "[{label}] agent 2 now holds 王建国"
        );
        let tasks = tasks_by_id(&state, &boss).await;
        for t in tasks.values() {
            let status = t
                .value("status")
                .and_then(|s| s.as_str())
                .unwrap_or_default();
            let expected = if status == "completed" {
                &agent1
            } else {
                &agent2
            };
            assert_eq!(
                owner_of(t).as_deref(),
                Some(expected.user.0.as_str()),
                "[{label}] {status} task {t:?}"
            );
        }
        assert!(
            assigned_at(&tasks[&wang.id]) > before,
            "[{label}] a fresh assigned_at"
        );
        assert_eq!(
            tasks[&wang.id].value("status"),
            Some(&json!("in_progress")),
            "the call under way keeps its state"
        );
        // Agent 1's tablet now holds only the finished call.
        let theirs = common::entities(&state, &agent1, RecordKind::CallbackTask).await;
        let open_for_agent1: Vec<_> = theirs
            .iter()
            .filter(|t| owner_of(t).as_deref() == Some(agent1.user.0.as_str()))
            .map(|t| t.value("status").cloned())
            .collect();
        assert_eq!(open_for_agent1, vec![Some(json!("completed"))], "[{label}]");

        // Away and chosen at once is a contradiction.
        let both_ways = json!({"agents": [{"id": agent2.user.0}], "away": [agent2.user.0]});
        let refused =
            common::post_json_as(&app, "/api/tasks/distribute", &supervisor, &both_ways).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST);
        assert!(
            refused.api_error().reason.contains("away"),
            "{}",
            refused.text()
        );
        state.db.close().await;
    }
}

#[tokio::test]
async fn a_customers_tasks_are_reassigned_by_hand() {
    for db in common::test_databases().await {
        let label = db.label;
        let (app, state) = demo_app(&db).await;
        let supervisor = token_for(&app, "supervisor").await;
        let boss = common::user_ctx(&state, "supervisor").await;
        let (agent1, agent2) = (
            common::user_ctx(&state, "agent1").await,
            common::user_ctx(&state, "agent2").await,
        );
        import(
            &app,
            &supervisor,
            &[
                ("王建国", "13800138000", "WO-1"),
                ("李秀英", "13900139000", "WO-2"),
            ],
        )
        .await;
        let only_agent1 = json!({"agents": [{"id": agent1.user.0}]});
        common::post_json_as(&app, "/api/tasks/distribute", &supervisor, &only_agent1).await;
        let tasks = tasks_by_id(&state, &boss).await;
        let wang = tasks
            .values()
            .find(|t| {
                t.value("key")
                    .and_then(|k| k.as_str())
                    .is_some_and(|k| k.ends_with("WO-1"))
            })
            .expect("王建国's task")
            .clone();
        let customer = customer_of(&wang);
        let before = assigned_at(&wang);
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;

        let to_agent2 = json!({"customer": customer, "to": agent2.user.0});
        let response =
            common::post_json_as(&app, "/api/tasks/reassign", &supervisor, &to_agent2).await;
        assert_eq!(
            response.status,
            StatusCode::OK,
            "[{label}] {}",
            response.text()
        );
        assert_eq!(response.json()["moved"], json!(1));
        let tasks = tasks_by_id(&state, &boss).await;
        assert_eq!(
            owner_of(&tasks[&wang.id]).as_deref(),
            Some(agent2.user.0.as_str())
        );
        assert!(
            assigned_at(&tasks[&wang.id]) > before,
            "[{label}] a fresh assigned_at"
        );
        assert!(
            tasks
                .values()
                .filter(|t| t.id != wang.id)
                .all(|t| owner_of(t).as_deref() == Some(agent1.user.0.as_str())),
            "[{label}] the other customer stays: {:?}",
            brief(&tasks)
        );
        // Again: agent 2 has them already.
        let again =
            common::post_json_as(&app, "/api/tasks/reassign", &supervisor, &to_agent2).await;
        assert_eq!(again.json()["moved"], json!(0), "[{label}]");

        // Refusals, each with its reason.
        let agent_token = token_for(&app, "agent1").await;
        let by_agent =
            common::post_json_as(&app, "/api/tasks/reassign", &agent_token, &to_agent2).await;
        assert_eq!(by_agent.status, StatusCode::FORBIDDEN);
        assert!(
            by_agent.api_error().reason.contains("care_agent"),
            "{}",
            by_agent.text()
        );
        let advisor = common::user_ctx(&state, "advisor1").await;
        for (body, status, says) in [
            (
                json!({"customer": customer, "to": advisor.user.0}),
                StatusCode::BAD_REQUEST,
                "not a care agent",
            ),
            (
                json!({"customer": customer, "to": "nobody"}),
                StatusCode::BAD_REQUEST,
                "no active user",
            ),
            (
                json!({"customer": "not-an-id", "to": agent2.user.0}),
                StatusCode::BAD_REQUEST,
                "not a record id",
            ),
            (
                json!({"customer": uuid::Uuid::now_v7().to_string(), "to": agent2.user.0}),
                StatusCode::NOT_FOUND,
                "no customer",
            ),
        ] {
            let refused =
                common::post_json_as(&app, "/api/tasks/reassign", &supervisor, &body).await;
            assert_eq!(
                refused.status,
                status,
                "[{label}] {body}: {}",
                refused.text()
            );
            assert!(
                refused.api_error().reason.contains(says),
                "{}",
                refused.text()
            );
        }
        let tasks = tasks_by_id(&state, &boss).await;
        assert_eq!(
            owner_of(&tasks[&wang.id]).as_deref(),
            Some(agent2.user.0.as_str())
        );
        state.db.close().await;
    }
}
