//! A pushed change may reference only blobs its store has uploaded, by well-formed names
//! (DESIGN.md "Data and sync", Blobs): through the router, on every backend.

mod common;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{demo_app, send, sign_in};
use huifang_core::sync::blobs::hash;
use huifang_core::sync::{
    ClientId, FieldWrite, Hlc, Mutation, MutationId, Op, Outcome, PushRequest, PushResponse,
    RecordId, RecordKind, RejectCode, Scope,
};
use huifang_core::{SCHEMA_VERSION, StoreId, UserId};
use huifang_server::db::now_ms;
use huifang_server::users::create_store;
use serde_json::{Value, json};
use uuid::Uuid;

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

    fn mutation(&mut self, record_id: RecordId, op: Op) -> Mutation {
        self.seq += 1;
        Mutation {
            mutation_id: MutationId(Uuid::now_v7()),
            client_id: self.client,
            client_seq: self.seq,
            hlc: Hlc {
                wall_ms: now_ms(),
                counter: u32::try_from(self.seq).unwrap_or(u32::MAX),
                node: self.client,
            },
            user: self.user.clone(),
            kind: RecordKind::Lead,
            record_id,
            op,
            step: None,
        }
    }

    fn push(&self, mutations: Vec<Mutation>) -> PushRequest {
        PushRequest {
            schema_version: SCHEMA_VERSION,
            client_id: self.client,
            mutations,
        }
    }
}

/// A lead of `who` with a name and one more field.
fn lead(who: &Person, name: &str, field: &str, value: Value) -> Op {
    Op::Create {
        scope: Scope {
            store: who.store.clone(),
            owner: Some(who.id.clone()),
        },
        fields: [("name".to_owned(), json!(name)), (field.to_owned(), value)]
            .into_iter()
            .collect(),
    }
}

async fn upload(app: &Router, who: &Person, bytes: &[u8]) -> String {
    let name = hash(bytes);
    let request = Request::put(format!("/api/blobs/{name}"))
        .header("content-type", "image/png")
        .header("authorization", format!("Bearer {}", who.token))
        .body(Body::from(bytes.to_vec()))
        .expect("request");
    let response = send(app, request).await;
    assert!(
        response.status == StatusCode::CREATED || response.status == StatusCode::OK,
        "{}",
        response.text()
    );
    name
}

async fn push(app: &Router, who: &Person, request: &PushRequest) -> Vec<Outcome> {
    let request_body = serde_json::to_string(request).expect("push JSON");
    let http = Request::post("/api/sync/push")
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {}", who.token))
        .body(Body::from(request_body))
        .expect("request");
    let response = send(app, http).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    let answer: PushResponse = serde_json::from_slice(&response.body).expect("a PushResponse");
    assert_eq!(answer.results.len(), request.mutations.len());
    for (result, sent) in answer.results.iter().zip(&request.mutations) {
        assert_eq!(
            result.mutation_id, sent.mutation_id,
            "answers in push order"
        );
    }
    answer.results.into_iter().map(|r| r.outcome).collect()
}

fn rejected_for(outcome: &Outcome, needle: &str) -> bool {
    matches!(outcome, Outcome::Rejected { code: RejectCode::Invalid, reason } if reason.contains(needle))
}

#[tokio::test]
async fn an_uploaded_blob_is_referenced_and_a_missing_or_malformed_one_is_refused() {
    for db in common::test_databases().await {
        let label = db.label;
        let (app, state) = demo_app(&db).await;
        let advisor = person(&app, "advisor1").await;
        let mut device = Device::of(&advisor);

        let photo = upload(&app, &advisor, b"\x89PNG\r\n\x1a\n the car's scratch").await;
        let never_uploaded = hash(b"a signature that stayed on a lost tablet");
        let ids: Vec<RecordId> = (0..4).map(|_| RecordId(Uuid::now_v7())).collect();
        let mutations = vec![
            device_mutation(
                &mut device,
                ids[0],
                lead(&advisor, "王芳", "blob", json!(photo)),
            ),
            device_mutation(
                &mut device,
                ids[1],
                lead(&advisor, "李雷", "blobs", json!([photo, never_uploaded])),
            ),
            device_mutation(
                &mut device,
                ids[2],
                lead(&advisor, "韩梅", "blob", json!("IMG_0042.JPG")),
            ),
            device_mutation(
                &mut device,
                ids[3],
                lead(&advisor, "张伟", "note", json!("-")),
            ),
        ];
        let request = device.push(mutations);
        let first = push(&app, &advisor, &request).await;
        assert_eq!(first[0], Outcome::Applied { version: 1 }, "[{label}]");
        assert!(
            rejected_for(&first[1], &never_uploaded),
            "[{label}] {:?}",
            first[1]
        );
        assert!(
            !rejected_for(&first[1], &photo),
            "[{label}] only the missing blob is named: {:?}",
            first[1]
        );
        assert!(
            rejected_for(&first[2], "SHA-256"),
            "[{label}] {:?}",
            first[2]
        );
        assert_eq!(first[3], Outcome::Applied { version: 2 }, "[{label}]");
        let written: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sync_records")
            .fetch_one(&state.db.pool)
            .await
            .expect("count");
        assert_eq!(written, 2, "[{label}] a refused change writes no record");

        // A replay (the answer was lost): the same answers, nothing written twice.
        let again = push(&app, &advisor, &request).await;
        assert_eq!(again[0], Outcome::Duplicate { version: 1 }, "[{label}]");
        assert_eq!(again[1], first[1], "[{label}] the same refusal");
        assert_eq!(again[2], first[2], "[{label}] the same refusal");
        assert_eq!(again[3], Outcome::Duplicate { version: 2 }, "[{label}]");

        // Once the file is there, the change made again goes through; so does a field write.
        upload(&app, &advisor, b"a signature that stayed on a lost tablet").await;
        let retried = device.mutation(
            ids[1],
            lead(&advisor, "李雷", "blobs", json!([photo, never_uploaded])),
        );
        let set = device.mutation(
            ids[0],
            Op::SetFields {
                writes: vec![FieldWrite {
                    field: "blobs".to_owned(),
                    value: json!([never_uploaded, photo]),
                    base: None,
                }],
            },
        );
        let later = push(&app, &advisor, &device.push(vec![retried, set])).await;
        assert_eq!(
            later,
            vec![
                Outcome::Applied { version: 3 },
                Outcome::Applied { version: 4 }
            ],
            "[{label}]"
        );
        state.db.close().await;
    }
}

fn device_mutation(device: &mut Device, id: RecordId, op: Op) -> Mutation {
    device.mutation(id, op)
}

#[tokio::test]
async fn a_blob_uploaded_by_another_store_is_not_this_stores() {
    for db in common::test_databases().await {
        let label = db.label;
        let (app, state) = demo_app(&db).await;
        let advisor = person(&app, "advisor1").await;
        let mut device = Device::of(&advisor);
        let name = hash(b"someone else's photo");
        // A row for the same bytes, but of another store.
        let other = create_store(&state.db.pool, "另一家店", None)
            .await
            .expect("store");
        sqlx::query(
            "INSERT INTO blobs (sha256, store_id, size, content_type, created_by, created_at_ms) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&name)
        .bind(&other.0)
        .bind(20_i64)
        .bind("image/png")
        .bind(&advisor.id.0)
        .bind(now_ms())
        .execute(&state.db.pool)
        .await
        .expect("a foreign blob row");
        let op = lead(&advisor, "赵敏", "blob", json!(name));
        let answer = push(&app, &advisor, &{
            let m = device.mutation(RecordId(Uuid::now_v7()), op);
            device.push(vec![m])
        })
        .await;
        assert!(rejected_for(&answer[0], &name), "[{label}] {:?}", answer[0]);
        state.db.close().await;
    }
}

#[tokio::test]
async fn a_blob_refused_change_refuses_the_rest_of_its_step() {
    for db in common::test_databases().await {
        let label = db.label;
        let (app, state) = demo_app(&db).await;
        let advisor = person(&app, "advisor1").await;
        let mut device = Device::of(&advisor);
        let missing = hash(b"a photo that never left the tablet");
        let (a, b, c) = (
            RecordId(Uuid::now_v7()),
            RecordId(Uuid::now_v7()),
            RecordId(Uuid::now_v7()),
        );
        // One save: a lead, another with a photo not uploaded, a field of the first; then a
        // change saved on its own.
        let step = Some(MutationId(Uuid::now_v7()));
        let mut saved: Vec<Mutation> = [
            (a, lead(&advisor, "王芳", "note", json!("-"))),
            (b, lead(&advisor, "李雷", "blob", json!(missing))),
            (
                a,
                Op::SetFields {
                    writes: vec![FieldWrite {
                        field: "grade".to_owned(),
                        value: json!("H"),
                        base: None,
                    }],
                },
            ),
        ]
        .into_iter()
        .map(|(id, op)| Mutation {
            step,
            ..device.mutation(id, op)
        })
        .collect();
        saved.push(device.mutation(c, lead(&advisor, "韩梅", "note", json!("-"))));
        let request = device.push(saved);
        let first = push(&app, &advisor, &request).await;
        // The whole step is refused from its first change on, with the missing image named.
        assert!(
            rejected_for(&first[0], &missing),
            "[{label}] {:?}",
            first[0]
        );
        for refused in &first[1..3] {
            assert!(
                matches!(refused, Outcome::Rejected { code: RejectCode::StepRefused, reason }
                    if reason.starts_with("part of a step that was refused: ") && reason.contains(&missing)),
                "[{label}] not refused with its step: {refused:?}"
            );
        }
        assert_eq!(
            first[3],
            Outcome::Applied { version: 1 },
            "[{label}] another save is judged on its own"
        );
        let written: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sync_records")
            .fetch_one(&state.db.pool)
            .await
            .expect("count");
        assert_eq!(
            written, 1,
            "[{label}] nothing of the refused step is written"
        );

        // The photo arrives, the answer was lost: the replay still answers the same.
        upload(&app, &advisor, b"a photo that never left the tablet").await;
        let again = push(&app, &advisor, &request).await;
        for i in 0..3 {
            assert_eq!(again[i], first[i], "[{label}]");
        }
        assert_eq!(again[3], Outcome::Duplicate { version: 1 }, "[{label}]");
        state.db.close().await;
    }
}
