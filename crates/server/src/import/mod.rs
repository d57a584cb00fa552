//! Importing the DMS's daily export (DOMAIN.md "Customer records"): read the file
//! ([`table`]), map its columns (the core's header recognition, then the supervisor's
//! choices), clean every row and report the rest ([`rows`]). Also what the server writes
//! itself on the store's records: generated callbacks ([`tasks`]), campaigns ([`campaign`]).

pub mod api;
pub mod campaign;
pub mod commit;
pub mod rows;
pub mod table;
pub mod tasks;

use crate::error::Error;
use crate::sync::{Engine, sync_error};
use huifang_core::SCHEMA_VERSION;
use huifang_core::sync::{
    Change, ClientId, Entity, Hlc, Mutation, MutationId, Op, Outcome, PullRequest, PushRequest,
    Record, RecordId, RecordKind, Scope, UserCtx,
};
use serde_json::Value;
use std::collections::BTreeMap;

/// Every live entity `me` sees, through the sync engine's feed: the view a device of theirs
/// would have.
pub(crate) async fn store_entities(
    engine: &Engine,
    me: &UserCtx,
    now_ms: i64,
) -> Result<Vec<Entity>, Error> {
    let mut out = Vec::new();
    let mut cursor = 0;
    loop {
        let request = PullRequest {
            cursor,
            limit: 1_000,
        };
        let page = engine.pull(me, request, now_ms).await.map_err(sync_error)?;
        for change in page.changes {
            if let Change::Record {
                record: Record::Entity(e),
            } = change
                && e.tombstone.is_none()
            {
                out.push(e);
            }
        }
        cursor = page.next_cursor;
        if !page.has_more {
            return Ok(out);
        }
    }
}

/// Changes the server makes itself (an import, generated tasks, a distribution) as the
/// signed-in lead, through the same engine as a device's change: one fresh client per run,
/// its sequence numbers, stamps and ids derived from a counter.
pub(crate) struct Changes<'a> {
    me: &'a UserCtx,
    client: ClientId,
    now_ms: i64,
    /// Marks the run's ids (first random byte), for whoever reads ids in logs.
    tag: u8,
    seq: u64,
    mutations: Vec<Mutation>,
}

/// Random bits for a UUIDv7 from a tag and a counter: bytes 3..10 of a v7's random part
/// survive its version and variant bits, so the counter goes there.
fn v7_bits(tag: u8, counter: u64) -> [u8; 10] {
    let mut random = [0u8; 10];
    random[0] = tag;
    random[3..].copy_from_slice(&counter.to_be_bytes()[1..]);
    random
}

impl<'a> Changes<'a> {
    pub(crate) fn new(me: &'a UserCtx, now_ms: i64, tag: u8) -> Self {
        let ms = now_ms.max(0) as u64;
        let mut random = v7_bits(tag, ms);
        random[1] = tag;
        Changes {
            me,
            client: ClientId::new_v7(ms, random),
            now_ms,
            tag,
            seq: 0,
            mutations: Vec::new(),
        }
    }

    fn next_bits(&mut self) -> [u8; 10] {
        self.seq += 1;
        v7_bits(self.tag, self.seq)
    }

    pub(crate) fn push(&mut self, kind: RecordKind, record_id: RecordId, op: Op) {
        let bits = self.next_bits();
        self.mutations.push(Mutation {
            mutation_id: MutationId::new_v7(self.now_ms.max(0) as u64, bits),
            client_id: self.client,
            client_seq: self.seq,
            hlc: Hlc {
                wall_ms: self.now_ms,
                counter: self.seq as u32,
                node: self.client,
            },
            user: self.me.user.clone(),
            kind,
            record_id,
            op,
        });
    }

    /// A new record of the lead's store, unassigned; returns its id.
    pub(crate) fn create(&mut self, kind: RecordKind, fields: BTreeMap<String, Value>) -> RecordId {
        let id = RecordId::new_v7(self.now_ms.max(0) as u64, self.next_bits());
        let scope = Scope {
            store: self.me.store.clone(),
            owner: None,
        };
        self.push(kind, id, Op::Create { scope, fields });
        id
    }

    /// Pushes everything in the engine's batch size; returns how many were applied and the
    /// reason of every refusal.
    pub(crate) async fn send(self, engine: &Engine) -> Result<(usize, Vec<String>), Error> {
        let mut applied = 0;
        let mut refusals = Vec::new();
        for batch in self.mutations.chunks(1_000) {
            let request = PushRequest {
                schema_version: SCHEMA_VERSION,
                client_id: self.client,
                mutations: batch.to_vec(),
            };
            let response = engine
                .push(self.me, request, self.now_ms)
                .await
                .map_err(sync_error)?;
            for result in response.results {
                match result.outcome {
                    Outcome::Rejected { reason, .. } => refusals.push(reason),
                    _ => applied += 1,
                }
            }
        }
        Ok((applied, refusals))
    }
}
