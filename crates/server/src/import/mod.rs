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
    /// Tells this run's ids from another's made in the same millisecond.
    salt: u16,
    seq: u64,
    mutations: Vec<Mutation>,
}

/// Random bits for a UUIDv7 from a tag and a counter: bytes 3..10 of a v7's random part
/// survive its version and variant bits, so the counter goes there.
fn v7_bits(tag: u8, salt: u16, counter: u64) -> [u8; 10] {
    let mut random = [0u8; 10];
    random[0] = tag;
    // Byte 1 survives whole, byte 2 keeps its low six bits (the variant takes the rest).
    random[1] = (salt >> 6) as u8;
    random[2] = (salt & 0x3f) as u8;
    random[3..].copy_from_slice(&counter.to_be_bytes()[1..]);
    random
}

/// A salt per run: a random start for this process, then a counter, so two runs in one
/// millisecond never derive the same ids (their mutations would be taken for duplicates).
fn next_salt() -> u16 {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU16, Ordering};
    static START: OnceLock<u16> = OnceLock::new();
    static RUNS: AtomicU16 = AtomicU16::new(0);
    let start = *START.get_or_init(|| OsRng.next_u32() as u16);
    start.wrapping_add(RUNS.fetch_add(1, Ordering::Relaxed)) & 0x3fff
}

/// The stamp of the next server-made change: never below the last one this process gave,
/// so a later run's write always wins over an earlier run's in the same millisecond.
fn next_stamp(now_ms: i64) -> (i64, u32) {
    use std::sync::atomic::{AtomicU64, Ordering};
    static LAST: AtomicU64 = AtomicU64::new(0);
    let floor = (now_ms.max(0) as u64) << 20;
    let mut taken = floor;
    // `fetch_update` retries on contention; the closure never refuses.
    let _ = LAST.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |last| {
        taken = floor.max(last + 1);
        Some(taken)
    });
    ((taken >> 20) as i64, (taken & 0xf_ffff) as u32)
}

impl<'a> Changes<'a> {
    pub(crate) fn new(me: &'a UserCtx, now_ms: i64, tag: u8) -> Self {
        let ms = now_ms.max(0) as u64;
        let salt = next_salt();
        Changes {
            me,
            client: ClientId::new_v7(ms, v7_bits(tag, salt, 0)),
            now_ms,
            tag,
            salt,
            seq: 0,
            mutations: Vec::new(),
        }
    }

    fn next_bits(&mut self) -> [u8; 10] {
        self.seq += 1;
        v7_bits(self.tag, self.salt, self.seq)
    }

    pub(crate) fn push(&mut self, kind: RecordKind, record_id: RecordId, op: Op) {
        let bits = self.next_bits();
        let (wall_ms, counter) = next_stamp(self.now_ms);
        self.mutations.push(Mutation {
            mutation_id: MutationId::new_v7(self.now_ms.max(0) as u64, bits),
            client_id: self.client,
            client_seq: self.seq,
            hlc: Hlc {
                wall_ms,
                counter,
                node: self.client,
            },
            user: self.me.user.clone(),
            kind,
            record_id,
            op,
            step: None,
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

#[cfg(test)]
mod run_tests {
    use super::*;
    use huifang_core::{Role, StoreId, UserId};

    #[test]
    fn two_runs_in_one_millisecond_never_share_ids_and_the_later_stamps_win() {
        let me = UserCtx {
            user: UserId("sup".into()),
            role: Role::CareSupervisor,
            store: StoreId("s".into()),
        };
        let record = RecordId(uuid::Uuid::from_u128(1));
        let run = || {
            let mut c = Changes::new(&me, 1_800_000_000_000, 0xd1);
            c.push(RecordKind::CallbackTask, record, Op::Delete);
            c.mutations.remove(0)
        };
        let (first, second) = (run(), run());
        assert_ne!(first.mutation_id, second.mutation_id);
        assert_ne!(first.client_id, second.client_id);
        assert!(
            second.hlc > first.hlc,
            "{:?} !> {:?}",
            second.hlc,
            first.hlc
        );
    }
}
