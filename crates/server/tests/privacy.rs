//! Customers' privacy and lost tablets: revealing a masked number takes a reason and is
//! audited; a revoked tablet's sessions end and its later pushes are refused and kept for
//! review, never applied and never lost; failed sign-ins are limited per address.

mod common;

use axum::http::StatusCode;
use common::{
    app_with, demo_app, entities, get_with_token, post_json_as, send, sign_in, token_for, user_ctx,
};
use huifang_core::sync::{
    ClientId, FieldWrite, Hlc, Mutation, MutationId, Op, PushRequest, RecordKind,
};
use huifang_core::{ErrorCode, SCHEMA_VERSION};
use serde_json::json;

/// A push from device `client` that sets `note` on `customer` once per value.
fn push_of(
    client: ClientId,
    user: &huifang_core::UserId,
    customer: huifang_core::sync::RecordId,
    notes: &[&str],
) -> serde_json::Value {
    let mutations: Vec<Mutation> = notes
        .iter()
        .enumerate()
        .map(|(i, note)| Mutation {
            mutation_id: MutationId(uuid::Uuid::now_v7()),
            client_id: client,
            client_seq: i as u64 + 1,
            hlc: Hlc {
                wall_ms: huifang_server::db::now_ms(),
                counter: i as u32,
                node: client,
            },
            user: user.clone(),
            kind: RecordKind::Customer,
            record_id: customer,
            op: Op::SetFields {
                writes: vec![FieldWrite {
                    field: "note".to_owned(),
                    value: json!(note),
                    base: None,
                }],
            },
            step: None,
        })
        .collect();
    serde_json::to_value(PushRequest {
        schema_version: SCHEMA_VERSION,
        client_id: client,
        mutations,
    })
    .expect("a push encodes")
}

/// A customer created by `agent1` (the demo store starts with none); its id.
async fn a_customer(state: &huifang_server::AppState, phone: &str) -> huifang_core::sync::RecordId {
    let agent = user_ctx(state, "agent1").await;
    let id = huifang_core::sync::RecordId(uuid::Uuid::now_v7());
    let fields = [
        ("name", json!("王建国")),
        ("phone", json!(phone)),
        ("note", json!("第一次")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    common::apply_as(
        state,
        &agent,
        RecordKind::Customer,
        id,
        Op::Create {
            scope: huifang_core::sync::Scope {
                store: agent.store.clone(),
                owner: None,
            },
            fields,
        },
    )
    .await;
    id
}

#[tokio::test]
async fn a_revoked_tablet_is_signed_out_and_its_later_pushes_are_kept_for_review() {
    for db in common::test_databases().await {
        let label = db.label;
        let (app, state) = demo_app(&db).await;
        let agent_ctx = user_ctx(&state, "agent1").await;
        let customer = a_customer(&state, "13800135678").await;
        let lost = ClientId(uuid::Uuid::now_v7());
        let agent = token_for(&app, "agent1").await;
        let first = post_json_as(
            &app,
            "/api/sync/push",
            &agent,
            &push_of(lost, &agent_ctx.user, customer, &["第二次"]),
        )
        .await;
        assert_eq!(first.status, StatusCode::OK, "[{label}] {}", first.text());

        let manager = token_for(&app, "manager").await;
        let devices = send(&app, get_with_token("/api/devices", &manager)).await;
        assert_eq!(
            devices.status,
            StatusCode::OK,
            "[{label}] {}",
            devices.text()
        );
        let listed = devices.json();
        let row = listed
            .as_array()
            .and_then(|all| all.iter().find(|d| d["client_id"] == lost.to_string()))
            .unwrap_or_else(|| panic!("[{label}] the tablet is listed: {listed}"));
        assert_eq!(row["username"], "agent1", "[{label}]");
        assert!(row["revoked_at_ms"].is_null(), "[{label}]");
        // Agents do not manage tablets.
        let refused = send(&app, get_with_token("/api/devices", &agent)).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "[{label}]");

        let uri = format!("/api/devices/{lost}/revoke");
        let vague = post_json_as(&app, &uri, &manager, &json!({"reason": "丢了"})).await;
        assert_eq!(vague.status, StatusCode::BAD_REQUEST, "[{label}]");
        let revoked =
            post_json_as(&app, &uri, &manager, &json!({"reason": "平板在展厅丢失"})).await;
        assert_eq!(
            revoked.status,
            StatusCode::OK,
            "[{label}] {}",
            revoked.text()
        );
        assert!(revoked.json()["revoked_at_ms"].is_i64(), "[{label}]");

        // The session it pushed with has ended.
        let signed_out = post_json_as(
            &app,
            "/api/sync/push",
            &agent,
            &push_of(lost, &agent_ctx.user, customer, &["x"]),
        )
        .await;
        assert_eq!(signed_out.status, StatusCode::UNAUTHORIZED, "[{label}]");

        // Signing in again does not make the device's pushes count: refused (and that session
        // ended too), the same mutations kept once however often they come.
        let later = push_of(lost, &agent_ctx.user, customer, &["被盗后一", "被盗后二"]);
        for attempt in 0..2 {
            let again = token_for(&app, "agent1").await;
            let answer = post_json_as(&app, "/api/sync/push", &again, &later).await;
            assert_eq!(answer.status, StatusCode::FORBIDDEN, "[{label}] #{attempt}");
            assert_eq!(
                answer.api_error().error,
                ErrorCode::DeviceRevoked,
                "[{label}]"
            );
            let replay = post_json_as(&app, "/api/sync/push", &again, &later).await;
            assert_eq!(
                replay.status,
                StatusCode::UNAUTHORIZED,
                "[{label}] #{attempt}"
            );
        }
        let kept = send(
            &app,
            get_with_token(&format!("/api/devices/{lost}/quarantine"), &manager),
        )
        .await;
        assert_eq!(kept.status, StatusCode::OK, "[{label}] {}", kept.text());
        let kept = kept.json();
        let kept = kept.as_array().expect("a list");
        assert_eq!(kept.len(), 2, "[{label}] kept once each: {kept:?}");
        assert_eq!(kept[0]["username"], "agent1", "[{label}]");
        let notes: Vec<&str> = kept
            .iter()
            .filter_map(|k| k["mutation"]["op"]["set_fields"]["writes"][0]["value"].as_str())
            .collect();
        assert_eq!(notes, ["被盗后一", "被盗后二"], "[{label}]");
        // Not applied: the customer's note is the one from before the revocation.
        let now = entities(&state, &agent_ctx, RecordKind::Customer).await;
        let note = now
            .iter()
            .find(|c| c.id == customer)
            .and_then(|c| c.value("note"))
            .cloned();
        assert_eq!(note, Some(json!("第二次")), "[{label}]");

        // The agent's other tablet still syncs.
        let other = token_for(&app, "agent1").await;
        let fine = post_json_as(
            &app,
            "/api/sync/push",
            &other,
            &push_of(
                ClientId(uuid::Uuid::now_v7()),
                &agent_ctx.user,
                customer,
                &["新平板"],
            ),
        )
        .await;
        assert_eq!(fine.status, StatusCode::OK, "[{label}] {}", fine.text());

        let log = send(&app, get_with_token("/api/audit", &manager))
            .await
            .json();
        assert!(
            log.as_array()
                .is_some_and(
                    |entries| entries.iter().any(|e| e["action"] == "revoke_device"
                        && e["detail"].as_str().is_some_and(
                            |d| d.contains(&lost.to_string()) && d.contains("展厅丢失")
                        ))
                ),
            "[{label}] {log}"
        );
    }
}

#[tokio::test]
async fn revealing_a_number_takes_a_reason_and_is_audited() {
    for db in common::test_databases().await {
        let label = db.label;
        let (app, state) = demo_app(&db).await;
        let agent_ctx = user_ctx(&state, "agent1").await;
        a_customer(&state, "13912345678").await;
        let customers = entities(&state, &agent_ctx, RecordKind::Customer).await;
        let customer = customers
            .iter()
            .find(|c| c.value("phone").and_then(|p| p.as_str()).is_some())
            .expect("a demo customer with a phone");
        let phone = customer.value("phone").cloned();
        let manager = token_for(&app, "manager").await;

        let no_reason = post_json_as(
            &app,
            "/api/privacy/reveal",
            &manager,
            &json!({"record_id": customer.id.to_string(), "reason": " 看 "}),
        )
        .await;
        assert_eq!(no_reason.status, StatusCode::BAD_REQUEST, "[{label}]");
        let unknown = post_json_as(
            &app,
            "/api/privacy/reveal",
            &manager,
            &json!({"record_id": uuid::Uuid::now_v7().to_string(), "reason": "核对投诉客户"}),
        )
        .await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND, "[{label}]");

        let shown = post_json_as(
            &app,
            "/api/privacy/reveal",
            &manager,
            &json!({"record_id": customer.id.to_string(), "reason": "核对投诉客户"}),
        )
        .await;
        assert_eq!(shown.status, StatusCode::OK, "[{label}] {}", shown.text());
        assert_eq!(Some(shown.json()["phone"].clone()), phone, "[{label}]");

        let log = send(&app, get_with_token("/api/audit", &manager))
            .await
            .json();
        let entry = &log[0];
        assert_eq!(entry["action"], "reveal_phone", "[{label}] {log}");
        assert_eq!(entry["username"], "manager", "[{label}]");
        assert!(
            entry["detail"]
                .as_str()
                .is_some_and(|d| d.contains("核对投诉客户") && d.contains(&customer.id.to_string())),
            "[{label}] {log}"
        );
        // Refused reveals wrote nothing.
        assert_eq!(log.as_array().map(Vec::len), Some(1), "[{label}] {log}");
    }
}

#[tokio::test]
async fn failed_sign_ins_are_limited_per_address_with_a_clear_reason() {
    for db in common::test_databases().await {
        let label = db.label;
        let mut config = db.config();
        config.demo = true;
        config.sign_in_per_minute = 3;
        let (app, _state) = app_with(&config).await;
        // A shift signing in is never limited: only failures count.
        for _ in 0..5 {
            token_for(&app, "agent1").await;
        }
        // Spraying one password over many names (each name far from its own lock).
        for name in ["agent1", "agent2", "supervisor"] {
            let wrong = sign_in(&app, name, "123456").await;
            assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "[{label}]");
        }
        let limited = sign_in(&app, "manager", huifang_server::DEMO_PASSWORD).await;
        assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS, "[{label}]");
        let error = limited.api_error();
        assert_eq!(error.error, ErrorCode::RateLimited, "[{label}]");
        assert!(
            error.reason.contains("try again in"),
            "[{label}] {}",
            error.reason
        );
    }
}
