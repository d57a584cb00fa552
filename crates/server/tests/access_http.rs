//! The access matrix (`huifang_core::access`) enforced over HTTP, one representative cell of
//! each action, on every backend: a push refused with `forbidden` and the reason, a pull that
//! leaves out what the role may not read and masks phones for the managers, blobs refused to
//! who may not read their records or write any, reports and exports refused (403 JSON) to the
//! roles without the export cell.

mod common;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::device::{Device, Person, person, pulled, push};
use common::{TestResponse, demo_app, get_with_token, send};
use huifang_core::ErrorCode;
use huifang_core::sync::{
    FieldWrite, Op, Outcome, Record, RecordId, RecordKind, RejectCode, Scope,
};
use huifang_server::blobs::BlobHash;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use uuid::Uuid;

const PHONE: &str = "13800135678";
const MASKED: &str = "138****5678";

fn fields(pairs: &[(&str, Value)]) -> BTreeMap<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

fn own(who: &Person) -> Scope {
    Scope {
        store: who.ctx.store.clone(),
        owner: Some(who.ctx.user.clone()),
    }
}

/// Pushes one change from a fresh device of `who`; its outcome.
async fn push_one(app: &Router, who: &Person, kind: RecordKind, id: RecordId, op: Op) -> Outcome {
    let mut device = Device::of(who);
    let m = device.mutation(kind, id, op);
    push(app, who, &device, &[m])
        .await
        .pop()
        .expect("one outcome")
}

async fn push_applied(app: &Router, who: &Person, kind: RecordKind, id: RecordId, op: Op) {
    let outcome = push_one(app, who, kind, id, op).await;
    assert!(
        matches!(outcome, Outcome::Applied { .. }),
        "not applied: {outcome:?}"
    );
}

/// The reason of a change refused as forbidden (panics on any other outcome).
fn forbidden(outcome: Outcome) -> String {
    match outcome {
        Outcome::Rejected {
            code: RejectCode::Forbidden,
            reason,
        } => reason,
        other => panic!("not refused as forbidden: {other:?}"),
    }
}

fn set(field: &str, value: Value) -> Op {
    Op::SetFields {
        writes: vec![FieldWrite {
            field: field.to_owned(),
            value,
            base: None,
        }],
    }
}

fn new_id() -> RecordId {
    RecordId(Uuid::now_v7())
}

/// A complaint registered by `agent`.
async fn complaint(app: &Router, agent: &Person) -> RecordId {
    let id = new_id();
    push_applied(
        app,
        agent,
        RecordKind::Complaint,
        id,
        Op::Create {
            scope: own(agent),
            fields: fields(&[
                ("complainant", json!("李先生")),
                ("phone", json!(PHONE)),
                ("channel", json!("phone")),
                ("category", json!("waiting_time")),
                ("severity", json!("general")),
                ("content", json!("等了三个小时")),
                ("received_at", json!(1_700_000_000_000_i64)),
            ]),
        },
    )
    .await;
    id
}

fn phone_of(records: &[Record], id: RecordId) -> Option<String> {
    records
        .iter()
        .find(|r| r.id() == id)
        .and_then(Record::as_entity)
        .and_then(|e| e.value("phone"))
        .and_then(Value::as_str)
        .map(str::to_owned)
}

#[tokio::test]
async fn pushes_are_refused_cell_by_cell_with_the_reason() {
    for db in common::test_databases().await {
        let label = db.label;
        let (app, state) = demo_app(&db).await;
        let agent = person(&app, &state, "agent1").await;
        let supervisor = person(&app, &state, "supervisor").await;
        let advisor = person(&app, &state, "advisor1").await;
        let salesmgr = person(&app, &state, "salesmgr").await;

        // Create: an agent writes no leads.
        let lead = new_id();
        let op = Op::Create {
            scope: own(&agent),
            fields: fields(&[("name", json!("王先生")), ("phone", json!(PHONE))]),
        };
        let reason = forbidden(push_one(&app, &agent, RecordKind::Lead, lead, op).await);
        assert!(reason.contains("may not change lead"), "[{label}] {reason}");

        // Edit(approval): an agent may not write a complaint's review.
        let id = complaint(&app, &agent).await;
        let reason = forbidden(
            push_one(
                &app,
                &agent,
                RecordKind::Complaint,
                id,
                set("review", json!("ok")),
            )
            .await,
        );
        assert!(
            reason.contains("only a supervisor or manager may write the complaint's review"),
            "[{label}] {reason}"
        );
        // Edit(registration) is the agent's while the complaint waits to be judged ...
        push_applied(
            &app,
            &agent,
            RecordKind::Complaint,
            id,
            set("content", json!("等了四个小时")),
        )
        .await;
        // ... and nobody's once it was judged.
        push_applied(
            &app,
            &supervisor,
            RecordKind::Complaint,
            id,
            Op::Transition {
                field: "status".to_owned(),
                from: "registered".to_owned(),
                to: "judged".to_owned(),
                reason: None,
            },
        )
        .await;
        for who in [&agent, &supervisor] {
            let reason = forbidden(
                push_one(
                    &app,
                    who,
                    RecordKind::Complaint,
                    id,
                    set("content", json!("改")),
                )
                .await,
            );
            assert!(
                reason.contains("registration form is closed"),
                "[{label}] {reason}"
            );
        }
        // Approve: an agent may not approve a resolution (the machine's lead-only move).
        let step = new_id();
        let op = Op::AppendEvent {
            scope: own(&agent),
            fields: fields(&[
                ("complaint", json!(id.to_string())),
                ("step", json!("approved")),
            ]),
        };
        let reason = forbidden(push_one(&app, &agent, RecordKind::ComplaintStep, step, op).await);
        assert!(
            reason.contains("only a supervisor or manager"),
            "[{label}] {reason}"
        );

        // Approve: cancelling a callback is a lead's move of its machine; Reassign: giving
        // it to someone else is a lead's too — even for the agent it belongs to.
        let task = new_id();
        push_applied(
            &app,
            &agent,
            RecordKind::CallbackTask,
            task,
            Op::Create {
                scope: own(&agent),
                fields: fields(&[("customer", json!("c1"))]),
            },
        )
        .await;
        let cancel = Op::Transition {
            field: "status".to_owned(),
            from: "open".to_owned(),
            to: "cancelled".to_owned(),
            reason: None,
        };
        let reason =
            forbidden(push_one(&app, &agent, RecordKind::CallbackTask, task, cancel).await);
        assert!(
            reason.contains("only a supervisor or manager may move a callback_task"),
            "[{label}] {reason}"
        );
        let colleague = person(&app, &state, "agent2").await;
        let give = Op::MoveScope {
            to: own(&colleague),
        };
        let reason = forbidden(push_one(&app, &agent, RecordKind::CallbackTask, task, give).await);
        assert!(
            reason.contains("give a callback_task to someone else"),
            "[{label}] {reason}"
        );
        // Transition: her own moves of the callback are hers.
        push_applied(
            &app,
            &agent,
            RecordKind::CallbackTask,
            task,
            Op::Transition {
                field: "status".to_owned(),
                from: "open".to_owned(),
                to: "in_progress".to_owned(),
                reason: None,
            },
        )
        .await;

        // Delete: an agent may not delete a customer.
        let customer = new_id();
        push_applied(
            &app,
            &agent,
            RecordKind::Customer,
            customer,
            Op::Create {
                scope: Scope {
                    store: agent.ctx.store.clone(),
                    owner: None,
                },
                fields: fields(&[("name", json!("张三")), ("phone", json!(PHONE))]),
            },
        )
        .await;
        let reason =
            forbidden(push_one(&app, &agent, RecordKind::Customer, customer, Op::Delete).await);
        assert!(reason.contains("delete a customer"), "[{label}] {reason}");

        // Edit(contact): the sales manager reads numbers masked, so never writes one ...
        let lead = new_id();
        push_applied(
            &app,
            &advisor,
            RecordKind::Lead,
            lead,
            Op::Create {
                scope: own(&advisor),
                fields: fields(&[("name", json!("赵女士")), ("phone", json!(PHONE))]),
            },
        )
        .await;
        let reason = forbidden(
            push_one(
                &app,
                &salesmgr,
                RecordKind::Lead,
                lead,
                set("phone", json!(MASKED)),
            )
            .await,
        );
        assert!(reason.contains("contact fields"), "[{label}] {reason}");
        // ... while the lead's other fields are theirs to write.
        push_applied(
            &app,
            &salesmgr,
            RecordKind::Lead,
            lead,
            set("note", json!("跟进")),
        )
        .await;
        // Nobody writes a masked number back, not even its advisor.
        let reason = forbidden(
            push_one(
                &app,
                &advisor,
                RecordKind::Lead,
                lead,
                set("phone", json!(MASKED)),
            )
            .await,
        );
        assert!(reason.contains("masked number"), "[{label}] {reason}");

        // Reassign: a lead belongs to its advisor; another advisor cannot take it.
        let other = person(&app, &state, "advisor2").await;
        let op = Op::MoveScope { to: own(&other) };
        let outcome = push_one(&app, &other, RecordKind::Lead, lead, op).await;
        assert!(
            matches!(
                outcome,
                Outcome::Rejected {
                    code: RejectCode::NotFound,
                    ..
                }
            ),
            "[{label}] another advisor's lead does not exist for them: {outcome:?}"
        );
    }
}

#[tokio::test]
async fn pulls_leave_out_what_a_role_may_not_read_and_mask_phones_for_managers() {
    for db in common::test_databases().await {
        let label = db.label;
        let (app, state) = demo_app(&db).await;
        let agent = person(&app, &state, "agent1").await;
        let supervisor = person(&app, &state, "supervisor").await;
        let advisor = person(&app, &state, "advisor1").await;
        let other_advisor = person(&app, &state, "advisor2").await;
        let salesmgr = person(&app, &state, "salesmgr").await;
        let manager = person(&app, &state, "manager").await;
        let group = person(&app, &state, "group").await;

        let lead = new_id();
        push_applied(
            &app,
            &advisor,
            RecordKind::Lead,
            lead,
            Op::Create {
                scope: own(&advisor),
                fields: fields(&[("name", json!("赵女士")), ("phone", json!(PHONE))]),
            },
        )
        .await;
        let customer = new_id();
        push_applied(
            &app,
            &agent,
            RecordKind::Customer,
            customer,
            Op::Create {
                scope: Scope {
                    store: agent.ctx.store.clone(),
                    owner: None,
                },
                fields: fields(&[("name", json!("张三")), ("phone", json!(PHONE))]),
            },
        )
        .await;
        let complaint = complaint(&app, &agent).await;

        // Read: what a role may not read never reaches its tablet.
        let agents = pulled(&app, &agent).await;
        assert_eq!(
            phone_of(&agents, lead),
            None,
            "[{label}] an agent reads no leads"
        );
        assert!(!agents.iter().any(|r| r.id() == lead), "[{label}]");
        let others = pulled(&app, &other_advisor).await;
        assert!(
            !others.iter().any(|r| r.id() == lead || r.id() == customer),
            "[{label}] another advisor's lead and the care records stay away"
        );
        let sales = pulled(&app, &salesmgr).await;
        assert!(!sales.iter().any(|r| r.id() == customer), "[{label}]");

        // Phones: in full for who calls customers, masked for the managers.
        assert_eq!(
            phone_of(&agents, customer).as_deref(),
            Some(PHONE),
            "[{label}]"
        );
        assert_eq!(
            phone_of(&agents, complaint).as_deref(),
            Some(PHONE),
            "[{label}]"
        );
        let sups = pulled(&app, &supervisor).await;
        assert_eq!(
            phone_of(&sups, customer).as_deref(),
            Some(PHONE),
            "[{label}]"
        );
        let advisors = pulled(&app, &advisor).await;
        assert_eq!(
            phone_of(&advisors, lead).as_deref(),
            Some(PHONE),
            "[{label}]"
        );
        assert_eq!(phone_of(&sales, lead).as_deref(), Some(MASKED), "[{label}]");
        for who in [&manager, &group] {
            let seen = pulled(&app, who).await;
            for id in [lead, customer, complaint] {
                assert_eq!(
                    phone_of(&seen, id).as_deref(),
                    Some(MASKED),
                    "[{label}] {id}"
                );
            }
            // Everything else of the record is there as it was written.
            let name = seen
                .iter()
                .find(|r| r.id() == customer)
                .and_then(Record::as_entity)
                .and_then(|e| e.value("name").cloned());
            assert_eq!(name, Some(json!("张三")), "[{label}]");
        }
        // The stored record keeps the number: masking is the pull's, not the data's.
        let stored = common::device::records(&state, &agent).await;
        assert_eq!(
            phone_of(&stored, customer).as_deref(),
            Some(PHONE),
            "[{label}]"
        );
    }
}

async fn put_blob(app: &Router, token: &str, bytes: &[u8]) -> TestResponse {
    let name = BlobHash::of(bytes).as_str().to_owned();
    let request = Request::put(format!("/api/blobs/{name}"))
        .header("content-type", "image/png")
        .header("authorization", format!("Bearer {token}"))
        .body(Body::from(bytes.to_vec()))
        .expect("request");
    send(app, request).await
}

#[tokio::test]
async fn blobs_are_for_who_may_read_their_records() {
    for db in common::test_databases().await {
        let label = db.label;
        let (app, state) = demo_app(&db).await;
        let agent = person(&app, &state, "agent1").await;
        let supervisor = person(&app, &state, "supervisor").await;
        let advisor = person(&app, &state, "advisor1").await;
        let salesmgr = person(&app, &state, "salesmgr").await;

        let photo = b"\x89PNG\r\n\x1a\n the scratch on the door".to_vec();
        let name = BlobHash::of(&photo).as_str().to_owned();
        let uploaded = put_blob(&app, &agent.token, &photo).await;
        assert_eq!(
            uploaded.status,
            StatusCode::CREATED,
            "[{label}] {}",
            uploaded.text()
        );
        let complaint = complaint(&app, &agent).await;
        let step = new_id();
        push_applied(
            &app,
            &agent,
            RecordKind::ComplaintStep,
            step,
            Op::AppendEvent {
                scope: own(&agent),
                fields: fields(&[
                    ("complaint", json!(complaint.to_string())),
                    ("step", json!("photo")),
                    ("blob", json!(name)),
                ]),
            },
        )
        .await;
        let uri = format!("/api/blobs/{name}");
        // The uploader and whoever reads the complaint's steps fetch it ...
        for who in [&agent, &supervisor] {
            let got = send(&app, get_with_token(&uri, &who.token)).await;
            assert_eq!(got.status, StatusCode::OK, "[{label}] {}", got.text());
            assert_eq!(got.body, photo, "[{label}]");
        }
        // ... a sales advisor of the same store, who reads no complaints, does not.
        let refused = send(&app, get_with_token(&uri, &advisor.token)).await;
        assert_eq!(
            refused.status,
            StatusCode::FORBIDDEN,
            "[{label}] {}",
            refused.text()
        );
        assert_eq!(refused.api_error().error, ErrorCode::Forbidden, "[{label}]");
        // Upload: the sales manager writes no record that holds an image.
        let refused = put_blob(&app, &salesmgr.token, b"\x89PNG\r\n\x1a\n a lead's face").await;
        assert_eq!(
            refused.status,
            StatusCode::FORBIDDEN,
            "[{label}] {}",
            refused.text()
        );
        assert!(
            refused.api_error().reason.contains("may not upload"),
            "[{label}] {}",
            refused.text()
        );
    }
}

#[tokio::test]
async fn reports_and_exports_need_the_export_cell() {
    let period = "from=2026-01-01&to=2026-01-31";
    let cases: [(&str, String, &[&str], &[&str]); 4] = [
        (
            "store report",
            format!("/api/reports?{period}"),
            &["supervisor", "salesmgr", "manager", "group"],
            &["agent1", "advisor1"],
        ),
        (
            "group report",
            format!("/api/reports/group?{period}"),
            &["group"],
            &["agent1", "supervisor", "salesmgr", "manager"],
        ),
        (
            "callback summary",
            format!("/api/reports/summary?{period}&format=csv&lang=zh"),
            &["supervisor", "manager", "group"],
            &["agent1", "advisor1", "salesmgr"],
        ),
        (
            "complaint statistics",
            format!("/api/complaints/stats?{period}&format=csv&lang=zh"),
            &["supervisor", "manager", "group"],
            &["agent1", "advisor1", "salesmgr"],
        ),
    ];
    for db in common::test_databases().await {
        let label = db.label;
        let (app, _state) = demo_app(&db).await;
        for (what, uri, allowed, refused) in &cases {
            for username in *allowed {
                let token = common::token_for(&app, username).await;
                let got = send(&app, get_with_token(uri, &token)).await;
                assert_eq!(
                    got.status,
                    StatusCode::OK,
                    "[{label}] {username} {what}: {}",
                    got.text()
                );
            }
            for username in *refused {
                let token = common::token_for(&app, username).await;
                let got = send(&app, get_with_token(uri, &token)).await;
                assert_eq!(
                    got.status,
                    StatusCode::FORBIDDEN,
                    "[{label}] {username} {what}: {}",
                    got.text()
                );
                let error = got.api_error();
                assert_eq!(error.error, ErrorCode::Forbidden, "[{label}]");
                assert!(!error.reason.is_empty(), "[{label}] {username} {what}");
            }
        }
    }
}
