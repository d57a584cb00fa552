//! `/api/sync/push` and `/api/sync/pull` through the router, on every backend: the core's
//! engine over `SqlServerStore`.

mod common;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{TestResponse, demo_app, send, sign_in};
use huifang_core::sync::{
    Change, ClientId, Hlc, Mutation, MutationId, Op, Outcome, PullResponse, PushRequest,
    PushResponse, RecordId, RecordKind, RejectCode, Scope,
};
use huifang_core::{ErrorCode, SCHEMA_VERSION, StoreId, UserId};
use huifang_server::db::now_ms;
use serde_json::json;
use std::collections::BTreeMap;
use uuid::Uuid;

/// A signed-in demo user.
struct Person {
    token: String,
    id: UserId,
    store: StoreId,
}

async fn person(app: &Router, username: &str) -> Person {
    let response = sign_in(app, username, huifang_server::DEMO_PASSWORD).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    let body = response.json();
    Person {
        token: body["token"].as_str().expect("token").to_owned(),
        id: UserId(body["user"]["id"].as_str().expect("id").to_owned()),
        store: StoreId(body["user"]["store_id"].as_str().expect("store").to_owned()),
    }
}

/// One device of one person: makes mutations with its own client id and sequence.
struct Device {
    client: ClientId,
    seq: u64,
    user: UserId,
}

impl Device {
    fn of(person: &Person) -> Self {
        Device {
            client: ClientId(Uuid::now_v7()),
            seq: 0,
            user: person.id.clone(),
        }
    }

    fn at(&mut self, wall_ms: i64, kind: RecordKind, record_id: RecordId, op: Op) -> Mutation {
        self.seq += 1;
        Mutation {
            mutation_id: MutationId(Uuid::now_v7()),
            client_id: self.client,
            client_seq: self.seq,
            hlc: Hlc {
                wall_ms,
                counter: u32::try_from(self.seq).unwrap_or(u32::MAX),
                node: self.client,
            },
            user: self.user.clone(),
            kind,
            record_id,
            op,
            step: None,
        }
    }

    fn mutation(&mut self, kind: RecordKind, record_id: RecordId, op: Op) -> Mutation {
        self.at(now_ms(), kind, record_id, op)
    }

    fn push(&self, mutations: Vec<Mutation>) -> PushRequest {
        PushRequest {
            schema_version: SCHEMA_VERSION,
            client_id: self.client,
            mutations,
        }
    }
}

fn new_record() -> RecordId {
    RecordId(Uuid::now_v7())
}

fn create(scope: Scope, pairs: &[(&str, &str)]) -> Op {
    Op::Create {
        scope,
        fields: pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), json!(v)))
            .collect::<BTreeMap<_, _>>(),
    }
}

fn owned_by(person: &Person) -> Scope {
    Scope {
        store: person.store.clone(),
        owner: Some(person.id.clone()),
    }
}

async fn push_raw(app: &Router, token: &str, body: String) -> TestResponse {
    let request = Request::post("/api/sync/push")
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {token}"))
        .body(Body::from(body))
        .expect("request");
    send(app, request).await
}

async fn push(app: &Router, who: &Person, request: &PushRequest) -> PushResponse {
    let body = serde_json::to_string(request).expect("push JSON");
    let response = push_raw(app, &who.token, body).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    serde_json::from_slice(&response.body).expect("a PushResponse")
}

async fn pull(app: &Router, who: &Person, cursor: u64) -> PullResponse {
    let response = send(
        app,
        common::get_with_token(&format!("/api/sync/pull?cursor={cursor}"), &who.token),
    )
    .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    let page: PullResponse = serde_json::from_slice(&response.body).expect("a PullResponse");
    assert!(!page.has_more, "the tests pull fewer than a page");
    page
}

fn outcomes(response: &PushResponse) -> Vec<Outcome> {
    response.results.iter().map(|r| r.outcome.clone()).collect()
}

async fn count(state: &huifang_server::AppState, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(&state.db.pool)
        .await
        .expect("count")
}

#[tokio::test]
async fn push_pull_round_trip_and_a_replay_applies_nothing_twice() {
    for db in common::test_databases().await {
        let label = db.label;
        let (app, state) = demo_app(&db).await;
        let advisor = person(&app, "advisor1").await;
        let mut device = Device::of(&advisor);
        let ids: Vec<RecordId> = (0..3).map(|_| new_record()).collect();
        let mutations = ids
            .iter()
            .enumerate()
            .map(|(n, id)| {
                let name = format!("客户{n}");
                device.mutation(
                    RecordKind::Lead,
                    *id,
                    create(owned_by(&advisor), &[("name", &name)]),
                )
            })
            .collect();
        let request = device.push(mutations);
        let first = push(&app, &advisor, &request).await;
        assert_eq!(
            outcomes(&first),
            vec![
                Outcome::Applied { version: 1 },
                Outcome::Applied { version: 2 },
                Outcome::Applied { version: 3 },
            ],
            "[{label}]"
        );
        assert!(
            (first.server_time_ms - now_ms()).abs() < 60_000,
            "[{label}]"
        );

        let page = pull(&app, &advisor, 0).await;
        assert_eq!(page.cursor, 0);
        assert_eq!(page.next_cursor, 3, "[{label}]");
        let pulled: Vec<RecordId> = page.changes.iter().map(Change::record_id).collect();
        assert_eq!(pulled, ids, "[{label}] in feed order");
        let Change::Record { record } = &page.changes[0] else {
            panic!("[{label}] a record, not {:?}", page.changes[0]);
        };
        assert_eq!(
            record.as_entity().and_then(|e| e.value("name")),
            Some(&json!("客户0"))
        );
        assert_eq!(
            record.as_entity().and_then(|e| e.value("stage")),
            Some(&json!("new")),
            "initial stage"
        );

        // The same push again (a lost answer, retried): duplicates, nothing written.
        let again = push(&app, &advisor, &request).await;
        assert_eq!(
            outcomes(&again),
            vec![
                Outcome::Duplicate { version: 1 },
                Outcome::Duplicate { version: 2 },
                Outcome::Duplicate { version: 3 },
            ],
            "[{label}]"
        );
        assert!(
            pull(&app, &advisor, 3).await.changes.is_empty(),
            "[{label}]"
        );
        assert_eq!(count(&state, "sync_records").await, 3, "[{label}]");
        assert_eq!(count(&state, "sync_outcomes").await, 3, "[{label}]");
        let counter: i64 = sqlx::query_scalar("SELECT version FROM sync_feed WHERE id = 1")
            .fetch_one(&state.db.pool)
            .await
            .expect("feed counter");
        assert_eq!(counter, 3, "[{label}] replays do not move the counter");
        state.db.close().await;
    }
}

#[tokio::test]
async fn refused_mutations_carry_their_reason_and_stay_refused() {
    for db in common::test_databases().await {
        let label = db.label;
        let (app, state) = demo_app(&db).await;
        let agent = person(&app, "agent1").await;
        let mut device = Device::of(&agent);
        let complaint = new_record();
        let store_scope = Scope {
            store: agent.store.clone(),
            owner: None,
        };
        let created = device.mutation(
            RecordKind::Complaint,
            complaint,
            create(store_scope, &[("summary", "保养后异响")]),
        );
        // The closed loop does not allow closing a complaint that was never judged.
        let illegal = device.mutation(
            RecordKind::Complaint,
            complaint,
            Op::Transition {
                field: "status".to_owned(),
                from: "registered".to_owned(),
                to: "closed".to_owned(),
                reason: None,
            },
        );
        // A tablet whose clock is a day ahead.
        let ahead = device.at(
            now_ms() + 24 * 3_600_000,
            RecordKind::Complaint,
            new_record(),
            create(
                Scope {
                    store: agent.store.clone(),
                    owner: None,
                },
                &[("summary", "x")],
            ),
        );
        let request = device.push(vec![created, illegal, ahead]);
        let answer = outcomes(&push(&app, &agent, &request).await);
        assert_eq!(answer[0], Outcome::Applied { version: 1 }, "[{label}]");
        let Outcome::Rejected { code, reason } = &answer[1] else {
            panic!("[{label}] the transition is rejected: {:?}", answer[1]);
        };
        assert_eq!(*code, RejectCode::IllegalTransition, "[{label}] {reason}");
        assert!(
            reason.contains("registered") && reason.contains("closed"),
            "{reason}"
        );
        let Outcome::Rejected { code, reason } = &answer[2] else {
            panic!("[{label}] the future stamp is refused: {:?}", answer[2]);
        };
        assert_eq!(*code, RejectCode::ClockAhead, "[{label}]");
        assert!(reason.contains("clock"), "[{label}] {reason}");

        // Replayed: the same answers, and the feed did not move.
        let again = outcomes(&push(&app, &agent, &request).await);
        assert_eq!(again[0], Outcome::Duplicate { version: 1 }, "[{label}]");
        assert_eq!(again[1..], answer[1..], "[{label}]");
        let page = pull(&app, &agent, 0).await;
        assert_eq!(page.changes.len(), 1, "[{label}] only the complaint");
        assert_eq!(page.next_cursor, 1, "[{label}]");
        let Change::Record { record } = &page.changes[0] else {
            panic!("[{label}] a record");
        };
        assert_eq!(
            record.as_entity().and_then(|e| e.value("status")),
            Some(&json!("registered"))
        );
        state.db.close().await;
    }
}

#[tokio::test]
async fn whole_requests_refused_with_a_clear_json_error() {
    for db in common::test_databases().await {
        let label = db.label;
        let (app, state) = demo_app(&db).await;
        let advisor = person(&app, "advisor1").await;
        let mut device = Device::of(&advisor);

        // An app built for another schema: told to update.
        let mut old = device.push(vec![]);
        old.schema_version = SCHEMA_VERSION + 1;
        let response = push_raw(&app, &advisor.token, json!(old).to_string()).await;
        assert_eq!(response.status, StatusCode::UPGRADE_REQUIRED, "[{label}]");
        let error = response.api_error();
        assert_eq!(error.error, ErrorCode::UpdateRequired);
        assert!(error.reason.contains("updated"), "{}", error.reason);

        // More mutations than a push may hold.
        let many = (0..1_001)
            .map(|_| {
                device.mutation(
                    RecordKind::Lead,
                    new_record(),
                    create(owned_by(&advisor), &[]),
                )
            })
            .collect();
        let response = push_raw(&app, &advisor.token, json!(device.push(many)).to_string()).await;
        assert_eq!(response.status, StatusCode::PAYLOAD_TOO_LARGE, "[{label}]");
        let error = response.api_error();
        assert_eq!(error.error, ErrorCode::PayloadTooLarge);
        assert!(error.reason.contains("1000"), "{}", error.reason);

        // A body past the push limit.
        let huge = "长".repeat(3 * 1024 * 1024); // 9 MiB of UTF-8
        let op = create(owned_by(&advisor), &[("note", &huge)]);
        let one = device_mutation(&mut device, op);
        let big = device.push(vec![one]);
        let response = push_raw(&app, &advisor.token, json!(big).to_string()).await;
        assert_eq!(response.status, StatusCode::PAYLOAD_TOO_LARGE, "[{label}]");
        let error = response.api_error();
        assert_eq!(error.error, ErrorCode::PayloadTooLarge);
        assert!(error.reason.contains("8388608"), "{}", error.reason);

        // ... but a push larger than the rest of /api accepts (1 MiB) goes through.
        let note = "x".repeat(2 * 1024 * 1024);
        let op = create(owned_by(&advisor), &[("note", &note)]);
        let one = device_mutation(&mut device, op);
        let two_mib = device.push(vec![one]);
        let answer = push(&app, &advisor, &two_mib).await;
        assert_eq!(
            outcomes(&answer),
            vec![Outcome::Applied { version: 1 }],
            "[{label}]"
        );

        // Pull parameters are checked; both routes need a session.
        for query in ["limit=0", "limit=2001", "cursor=abc", "cursor=-1"] {
            let response = send(
                &app,
                common::get_with_token(&format!("/api/sync/pull?{query}"), &advisor.token),
            )
            .await;
            assert_eq!(
                response.status,
                StatusCode::BAD_REQUEST,
                "[{label}] {query}"
            );
            assert_eq!(response.api_error().error, ErrorCode::BadRequest);
        }
        let response = send(&app, common::get("/api/sync/pull")).await;
        assert_eq!(response.status, StatusCode::UNAUTHORIZED, "[{label}]");
        let response = send(&app, common::post_json("/api/sync/push", &json!(old))).await;
        assert_eq!(response.status, StatusCode::UNAUTHORIZED, "[{label}]");
        assert_eq!(count(&state, "sync_records").await, 1, "[{label}]");
        state.db.close().await;
    }
}

fn device_mutation(device: &mut Device, op: Op) -> Mutation {
    device.mutation(RecordKind::Lead, new_record(), op)
}

#[tokio::test]
async fn pulls_follow_scopes_and_a_moved_lead_changes_devices() {
    for db in common::test_databases().await {
        let label = db.label;
        let (app, state) = demo_app(&db).await;
        let advisor1 = person(&app, "advisor1").await;
        let advisor2 = person(&app, "advisor2").await;
        let manager = person(&app, "manager").await;
        let lead = new_record();
        let mut phone1 = Device::of(&advisor1);
        let created = phone1.mutation(
            RecordKind::Lead,
            lead,
            create(owned_by(&advisor1), &[("name", "孙先生")]),
        );
        let answer = push(&app, &advisor1, &phone1.push(vec![created])).await;
        assert_eq!(outcomes(&answer), vec![Outcome::Applied { version: 1 }]);

        let seen1 = pull(&app, &advisor1, 0).await;
        assert_eq!(seen1.changes.len(), 1, "[{label}] the owner sees the lead");
        let seen2 = pull(&app, &advisor2, 0).await;
        assert!(seen2.changes.is_empty(), "[{label}] advisor2 does not");
        assert_eq!(seen2.next_cursor, 1, "[{label}] but moves past it");

        // advisor2 cannot touch it either: for them it does not exist.
        let mut phone2 = Device::of(&advisor2);
        let steal = phone2.mutation(
            RecordKind::Lead,
            lead,
            Op::MoveScope {
                to: owned_by(&advisor2),
            },
        );
        let answer = push(&app, &advisor2, &phone2.push(vec![steal])).await;
        assert!(
            matches!(
                &answer.results[0].outcome,
                Outcome::Rejected {
                    code: RejectCode::NotFound,
                    ..
                }
            ),
            "[{label}] {answer:?}"
        );

        // The manager gives the lead to advisor2.
        let mut desk = Device::of(&manager);
        let moved = desk.mutation(
            RecordKind::Lead,
            lead,
            Op::MoveScope {
                to: owned_by(&advisor2),
            },
        );
        let answer = push(&app, &manager, &desk.push(vec![moved])).await;
        assert_eq!(
            outcomes(&answer),
            vec![Outcome::Applied { version: 2 }],
            "[{label}]"
        );

        let gone = pull(&app, &advisor1, seen1.next_cursor).await;
        assert_eq!(
            gone.changes,
            vec![Change::Removed {
                record_id: lead,
                version: 2
            }],
            "[{label}]"
        );
        let arrived = pull(&app, &advisor2, seen2.next_cursor).await;
        assert_eq!(arrived.changes.len(), 1, "[{label}]");
        let Change::Record { record } = &arrived.changes[0] else {
            panic!("[{label}] advisor2 receives the lead");
        };
        assert_eq!(record.id(), lead);
        assert_eq!(record.scope().owner.as_ref(), Some(&advisor2.id));
        assert_eq!(
            record.as_entity().and_then(|e| e.value("name")),
            Some(&json!("孙先生"))
        );
        state.db.close().await;
    }
}

/// The clock margin is the store's to set (`--max-clock-ahead-secs`): a stamp ten minutes
/// ahead passes a 15-minute margin and is refused under a one-minute one.
#[tokio::test]
async fn the_clock_ahead_margin_is_configurable() {
    for db in common::test_databases().await {
        let label = db.label;
        for (margin_secs, accepted) in [(900, true), (60, false)] {
            let mut config = db.config();
            config.demo = true;
            config.max_clock_ahead_secs = margin_secs;
            let (app, state) = common::app_with(&config).await;
            let agent = person(&app, "agent1").await;
            let mut device = Device::of(&agent);
            let ahead = device.at(
                now_ms() + 10 * 60_000,
                RecordKind::Complaint,
                new_record(),
                create(
                    Scope {
                        store: agent.store.clone(),
                        owner: None,
                    },
                    &[("summary", "时钟超前")],
                ),
            );
            let answer = outcomes(&push(&app, &agent, &device.push(vec![ahead])).await);
            match &answer[0] {
                Outcome::Applied { .. } => assert!(accepted, "[{label}] {margin_secs} s"),
                Outcome::Rejected { code, .. } => {
                    assert!(!accepted, "[{label}] {margin_secs} s refused");
                    assert_eq!(*code, RejectCode::ClockAhead, "[{label}]");
                }
                other => panic!("[{label}] unexpected {other:?}"),
            }
            state.db.close().await;
        }
    }
}
