//! People and their devices: a signed-in demo user, and a tablet that turns the core's writes
//! into mutations with its own client id, sequence and stamps (as the app's replica does) and
//! pushes them through `/api/sync/push`.

use super::{get_with_token, send, token_for};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use huifang_core::sync::{
    Change, ClientId, Hlc, Mutation, MutationId, Op, Outcome, PullRequest, PushRequest,
    PushResponse, Record, RecordId, RecordKind, UserCtx, Write,
};
use huifang_core::{SCHEMA_VERSION, UserId};
use huifang_server::AppState;
use huifang_server::db::now_ms;
use uuid::Uuid;

/// A signed-in user: their token and the core's view of them.
pub struct Person {
    pub token: String,
    pub ctx: UserCtx,
}

/// Signs `username` in (password `demo`).
pub async fn person(app: &Router, state: &AppState, username: &str) -> Person {
    Person {
        token: token_for(app, username).await,
        ctx: super::user_ctx(state, username).await,
    }
}

/// One device of one person.
pub struct Device {
    pub client: ClientId,
    pub seq: u64,
    pub user: UserId,
}

impl Device {
    pub fn of(who: &Person) -> Device {
        Device {
            client: ClientId(Uuid::now_v7()),
            seq: 0,
            user: who.ctx.user.clone(),
        }
    }

    pub fn mutation(&mut self, kind: RecordKind, record_id: RecordId, op: Op) -> Mutation {
        self.seq += 1;
        Mutation {
            mutation_id: MutationId(Uuid::now_v7()),
            client_id: self.client,
            client_seq: self.seq,
            hlc: Hlc {
                wall_ms: now_ms(),
                counter: u32::try_from(self.seq).expect("a small sequence"),
                node: self.client,
            },
            user: self.user.clone(),
            kind,
            record_id,
            op,
            step: None,
        }
    }

    /// A write without a record id creates a record with a new one.
    pub fn mutations(&mut self, writes: Vec<Write>) -> Vec<Mutation> {
        writes
            .into_iter()
            .map(|w| {
                let id = w.record.unwrap_or_else(|| RecordId(Uuid::now_v7()));
                self.mutation(w.kind, id, w.op)
            })
            .collect()
    }

    /// The writes of one save, as `Replica::write_all` makes them: one step, sharing a step
    /// id.
    pub fn step(&mut self, writes: Vec<Write>) -> Vec<Mutation> {
        let step = Some(MutationId(Uuid::now_v7()));
        self.mutations(writes)
            .into_iter()
            .map(|m| Mutation { step, ..m })
            .collect()
    }

    pub fn request(&self, mutations: Vec<Mutation>) -> PushRequest {
        PushRequest {
            schema_version: SCHEMA_VERSION,
            client_id: self.client,
            mutations,
        }
    }
}

/// Pushes `mutations` from `device` through `/api/sync/push`; the outcomes in order.
pub async fn push(
    app: &Router,
    who: &Person,
    device: &Device,
    mutations: &[Mutation],
) -> Vec<Outcome> {
    let body = serde_json::to_string(&device.request(mutations.to_vec())).expect("push JSON");
    let request = Request::post("/api/sync/push")
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {}", who.token))
        .body(Body::from(body))
        .expect("request");
    let response = send(app, request).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    let answer: PushResponse = serde_json::from_slice(&response.body).expect("a PushResponse");
    answer.results.into_iter().map(|r| r.outcome).collect()
}

/// Pushes writes that must all be applied (new, not duplicates); the mutations pushed.
pub async fn push_ok(
    app: &Router,
    who: &Person,
    device: &mut Device,
    writes: Vec<Write>,
) -> Vec<Mutation> {
    let mutations = device.mutations(writes);
    let outcomes = push(app, who, device, &mutations).await;
    for outcome in &outcomes {
        assert!(
            matches!(outcome, Outcome::Applied { .. }),
            "not applied: {outcomes:?}"
        );
    }
    mutations
}

/// Every record `who` sees, through the sync feed, page by page.
pub async fn records(state: &AppState, who: &Person) -> Vec<Record> {
    let mut out = Vec::new();
    let mut cursor = 0;
    loop {
        let page = state
            .sync
            .pull(
                &who.ctx,
                PullRequest {
                    cursor,
                    limit: 1_000,
                },
                now_ms(),
            )
            .await
            .expect("pull");
        for change in page.changes {
            if let Change::Record { record } = change {
                out.push(record);
            }
        }
        cursor = page.next_cursor;
        if !page.has_more {
            return out;
        }
    }
}

/// Every record `who`'s tablet holds after pulling through `/api/sync/pull` from the start.
pub async fn pulled(app: &Router, who: &Person) -> Vec<Record> {
    let mut out = Vec::new();
    let mut cursor = 0;
    loop {
        let uri = format!("/api/sync/pull?cursor={cursor}&limit=500");
        let response = send(app, get_with_token(&uri, &who.token)).await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text());
        let page: huifang_core::sync::PullResponse =
            serde_json::from_slice(&response.body).expect("a PullResponse");
        for change in page.changes {
            match change {
                Change::Record { record } => {
                    out.retain(|r: &Record| r.id() != record.id());
                    out.push(record);
                }
                Change::Removed { record_id, .. } => out.retain(|r| r.id() != record_id),
            }
        }
        cursor = page.next_cursor;
        if !page.has_more {
            return out;
        }
    }
}
