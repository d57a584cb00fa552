//! The device's sync engine. A [`Replica`] keeps, in a [`ClientStore`]:
//! - the server's snapshots of the records in the user's scope (the *base*),
//! - the outbox of the user's mutations not yet confirmed by a pull,
//! - the *view* the app shows: base with the outbox applied on top (rebase),
//! - mutations the server refused ("needs attention"), with its reason,
//! - its bookkeeping: cursor, clock, clock offset, sequence numbers.
//!
//! Every method that changes anything commits one [`ClientBatch`]: a local write is applied
//! and queued together, or not at all.

use super::hlc::{HlcClock, StampPolicy};
use super::ids::{ClientId, MutationId, RecordId};
use super::kind::RecordKind;
use super::machine::StateMachines;
use super::merge::{self, Effect, MergeError};
use super::mutation::{Mutation, Op};
use super::protocol::{MAX_PUSH, PushRequest};
use super::record::{Conflict, Record};
use super::scope::{ScopeError, UserCtx, can_apply};
use super::store::{ClientBatch, ClientMeta, ClientStore, NeedsAttention, PendingMutation};

mod rebase;
use crate::SCHEMA_VERSION;

/// Why a device-side operation failed. Nothing was saved when it returns an error.
#[derive(Debug, thiserror::Error)]
pub enum ReplicaError<E: std::error::Error + 'static> {
    /// The user may not make this change (checked before saving, like the server will).
    #[error(transparent)]
    Forbidden(#[from] ScopeError),
    /// The change does not fit the record as the user sees it.
    #[error(transparent)]
    Invalid(#[from] MergeError),
    #[error("no rejected change with id {0}")]
    UnknownMutation(MutationId),
    /// A refused change that was one part of a step is not sent again alone (half a step
    /// would land): the person takes the step again on the record as it now stands.
    #[error("this change was part of a step that was refused: take the step again")]
    PartOfStep(MutationId),
    /// A step is pushed whole, so it may hold no more changes than one push carries.
    #[error("one save may hold at most {max} changes, this one holds {got}")]
    StepTooLarge { max: usize, got: usize },
    #[error("the device's storage failed: {0}")]
    Store(#[source] E),
}

/// What applying a pull page did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullApplied {
    /// The page did not start at this device's cursor (a late or repeated answer): ignored.
    pub stale: bool,
    /// Whether another page should be pulled right away.
    pub has_more: bool,
    /// Records whose view changed (to tell other tabs).
    pub changed: Vec<RecordId>,
}

/// One change of a [`Replica::write_all`]: to `record`, or to a new record when `None`.
#[derive(Debug, Clone, PartialEq)]
pub struct Write {
    pub kind: RecordKind,
    pub record: Option<RecordId>,
    pub op: Op,
}

/// One change about to become a mutation.
struct Draft {
    kind: RecordKind,
    record_id: RecordId,
    op: Op,
    step: Option<MutationId>,
}

/// One device's replica of the user's scope.
#[derive(Debug)]
pub struct Replica<C> {
    store: C,
    user: UserCtx,
    machines: StateMachines,
    stamps: StampPolicy,
    /// A copy of the committed bookkeeping; replaced only after a commit succeeds.
    meta: ClientMeta,
}

impl<C: ClientStore> Replica<C> {
    /// Opens the replica in `store`. On first start the store is empty and the device takes
    /// `fresh_client_id`; afterwards the stored id is kept. `stamps` must match the server's.
    pub async fn open(
        mut store: C,
        user: UserCtx,
        fresh_client_id: ClientId,
        machines: StateMachines,
        stamps: StampPolicy,
    ) -> Result<Self, ReplicaError<C::Error>> {
        let meta = match store.meta().await.map_err(ReplicaError::Store)? {
            Some(meta) => meta,
            None => {
                let meta = ClientMeta::new(fresh_client_id);
                let batch = ClientBatch {
                    meta: Some(meta.clone()),
                    ..ClientBatch::default()
                };
                store.commit(batch).await.map_err(ReplicaError::Store)?;
                meta
            }
        };
        Ok(Replica {
            store,
            user,
            machines,
            stamps,
            meta,
        })
    }

    pub fn client_id(&self) -> ClientId {
        self.meta.client_id
    }

    pub fn user(&self) -> &UserCtx {
        &self.user
    }

    pub fn meta(&self) -> &ClientMeta {
        &self.meta
    }

    pub fn store(&self) -> &C {
        &self.store
    }

    /// Gives the store back (the simulation "crashes" a device this way).
    pub fn into_store(self) -> C {
        self.store
    }

    /// Reads the bookkeeping again from the store. Several tabs of one user share the store:
    /// each takes the user's write lock and reloads before it writes, so sequence numbers,
    /// ids and the clock continue from whatever another tab committed.
    pub async fn reload(&mut self) -> Result<(), ReplicaError<C::Error>> {
        if let Some(meta) = self.store.meta().await.map_err(ReplicaError::Store)? {
            self.meta = meta;
        }
        Ok(())
    }

    /// The server's time now, estimated from the device's.
    pub fn server_now(&self, local_now_ms: i64) -> i64 {
        self.meta.offset.apply(local_now_ms)
    }

    /// A new record id. Unique for this device (a counter, saved with the next write).
    pub fn new_record_id(&mut self, local_now_ms: i64) -> RecordId {
        let id = self.derive_id(local_now_ms);
        RecordId(id)
    }

    fn derive_id(&mut self, local_now_ms: i64) -> uuid::Uuid {
        let ms = u64::try_from(self.server_now(local_now_ms)).unwrap_or(0);
        let id = self.meta.client_id.derive_v7(ms, self.meta.ids_issued);
        self.meta.ids_issued += 1;
        id
    }

    /// Records a change: checks it as the server will, applies it to the view and appends it
    /// to the outbox, in one commit. When this returns `Ok`, the app may say "saved".
    pub async fn write(
        &mut self,
        kind: RecordKind,
        record_id: RecordId,
        op: Op,
        local_now_ms: i64,
    ) -> Result<Mutation, ReplicaError<C::Error>> {
        let (mutation, batch, meta) = self.prepare(kind, record_id, op, local_now_ms).await?;
        self.commit(batch, meta).await?;
        Ok(mutation)
    }

    /// Records several changes as one: all are checked and applied in order (a later change
    /// sees the earlier ones) and committed together, or none is. A write without a record id
    /// creates a record with a new one. Returns the mutations in order.
    ///
    /// Two or more writes are one step: their mutations share a fresh `step` id, are pushed
    /// together, and the server refuses them from the first refused one on. A step may hold
    /// at most [`MAX_PUSH`] writes.
    pub async fn write_all(
        &mut self,
        writes: Vec<Write>,
        local_now_ms: i64,
    ) -> Result<Vec<Mutation>, ReplicaError<C::Error>> {
        if writes.len() > MAX_PUSH {
            return Err(ReplicaError::StepTooLarge {
                max: MAX_PUSH,
                got: writes.len(),
            });
        }
        let mut meta = self.meta.clone();
        let mut batch = ClientBatch::default();
        let mut out = Vec::with_capacity(writes.len());
        let fresh_id = |meta: &mut ClientMeta| {
            let ms = u64::try_from(meta.offset.apply(local_now_ms)).unwrap_or(0);
            let id = meta.client_id.derive_v7(ms, meta.ids_issued);
            meta.ids_issued += 1;
            id
        };
        let step = (writes.len() > 1).then(|| MutationId(fresh_id(&mut meta)));
        for w in writes {
            let record_id = match w.record {
                Some(id) => id,
                None => RecordId(fresh_id(&mut meta)),
            };
            let mutation = self
                .prepare_into(
                    &mut meta,
                    &mut batch,
                    Draft {
                        kind: w.kind,
                        record_id,
                        op: w.op,
                        step,
                    },
                    local_now_ms,
                )
                .await?;
            out.push(mutation);
        }
        if !out.is_empty() {
            self.commit(batch, meta).await?;
        }
        Ok(out)
    }

    async fn prepare(
        &self,
        kind: RecordKind,
        record_id: RecordId,
        op: Op,
        local_now_ms: i64,
    ) -> Result<(Mutation, ClientBatch, ClientMeta), ReplicaError<C::Error>> {
        let mut meta = self.meta.clone();
        let mut batch = ClientBatch::default();
        let draft = Draft {
            kind,
            record_id,
            op,
            step: None,
        };
        let mutation = self
            .prepare_into(&mut meta, &mut batch, draft, local_now_ms)
            .await?;
        Ok((mutation, batch, meta))
    }

    /// Checks and applies one change on top of `batch` (the view it already holds wins over
    /// the stored one), adding the change to it and advancing `meta`.
    async fn prepare_into(
        &self,
        meta: &mut ClientMeta,
        batch: &mut ClientBatch,
        draft: Draft,
        local_now_ms: i64,
    ) -> Result<Mutation, ReplicaError<C::Error>> {
        let Draft {
            kind,
            record_id,
            op,
            step,
        } = draft;
        let now = meta.offset.apply(local_now_ms);
        let mut clock = HlcClock::resume(meta.clock);
        let hlc = clock.tick(now);
        meta.clock = clock.last();
        let ms = u64::try_from(now).unwrap_or(0);
        let mutation_id = MutationId(meta.client_id.derive_v7(ms, meta.ids_issued));
        meta.ids_issued += 1;
        let mutation = Mutation {
            mutation_id,
            client_id: meta.client_id,
            client_seq: meta.next_seq,
            hlc,
            user: self.user.user.clone(),
            kind,
            record_id,
            op,
            step,
        };
        meta.next_seq += 1;
        let current = match batch.views.get(&record_id) {
            Some(view) => view.clone(),
            None => self
                .store
                .view(record_id)
                .await
                .map_err(ReplicaError::Store)?,
        };
        can_apply(&self.user, &mutation, current.as_ref(), &self.machines)?;
        if let Effect::Changed(record) = merge::apply(current.as_ref(), &mutation, &self.machines)?
        {
            batch.views.insert(record_id, Some(record));
        }
        batch.pending.insert(
            mutation_id,
            Some(PendingMutation {
                mutation: mutation.clone(),
                acked_version: None,
            }),
        );
        Ok(mutation)
    }

    async fn commit(
        &mut self,
        mut batch: ClientBatch,
        meta: ClientMeta,
    ) -> Result<(), ReplicaError<C::Error>> {
        batch.meta = Some(meta.clone());
        self.store
            .commit(batch)
            .await
            .map_err(ReplicaError::Store)?;
        self.meta = meta;
        Ok(())
    }

    /// A record as the user sees it.
    pub async fn record(&self, id: RecordId) -> Result<Option<Record>, ReplicaError<C::Error>> {
        self.store.view(id).await.map_err(ReplicaError::Store)
    }

    /// The records `ids` as the user sees them (tombstones included), in the order asked.
    pub async fn records_of(
        &self,
        ids: &[RecordId],
    ) -> Result<Vec<Option<Record>>, ReplicaError<C::Error>> {
        self.store.views_of(ids).await.map_err(ReplicaError::Store)
    }

    /// Every record the user sees (tombstones included; the app hides them).
    pub async fn records(&self) -> Result<Vec<Record>, ReplicaError<C::Error>> {
        self.store.views().await.map_err(ReplicaError::Store)
    }

    /// Open conflicts in the user's view, for the "needs a decision" list.
    pub async fn conflicts(&self) -> Result<Vec<Conflict>, ReplicaError<C::Error>> {
        Ok(self
            .records()
            .await?
            .iter()
            .filter_map(Record::as_entity)
            .flat_map(|e| e.conflicts.values().cloned())
            .collect())
    }

    /// The outbox (including mutations applied by the server but not yet pulled back).
    pub async fn pending(&self) -> Result<Vec<PendingMutation>, ReplicaError<C::Error>> {
        self.store.pending().await.map_err(ReplicaError::Store)
    }

    pub async fn needs_attention(&self) -> Result<Vec<NeedsAttention>, ReplicaError<C::Error>> {
        self.store
            .needs_attention()
            .await
            .map_err(ReplicaError::Store)
    }

    /// The person has seen a rejected change and lets it go.
    pub async fn dismiss(&mut self, id: MutationId) -> Result<(), ReplicaError<C::Error>> {
        let mut batch = ClientBatch::default();
        batch.attention.insert(id, None);
        let meta = self.meta.clone();
        self.commit(batch, meta).await
    }

    /// Makes a rejected change again as a new mutation (new stamp, e.g. after the device's
    /// clock was fixed), replacing its "needs attention" entry in the same commit.
    pub async fn retry(
        &mut self,
        id: MutationId,
        local_now_ms: i64,
    ) -> Result<Mutation, ReplicaError<C::Error>> {
        let entry = self
            .needs_attention()
            .await?
            .into_iter()
            .find(|e| e.mutation.mutation_id == id)
            .ok_or(ReplicaError::UnknownMutation(id))?;
        let old = entry.mutation;
        if old.step.is_some() {
            return Err(ReplicaError::PartOfStep(id));
        }
        let (mutation, mut batch, meta) = self
            .prepare(old.kind, old.record_id, old.op, local_now_ms)
            .await?;
        batch.attention.insert(id, None);
        self.commit(batch, meta).await?;
        Ok(mutation)
    }

    /// The oldest mutations the server has not confirmed, at most `max`; `None` when there
    /// is nothing to push. Always starts from the oldest, so the server sees a device's
    /// mutations in order even when batches are lost or retried.
    ///
    /// A step is never split: the batch ends before a step that would not fit, unless that
    /// step comes first, when the batch is the whole step even above `max` (a step holds at
    /// most [`MAX_PUSH`] mutations, which every server accepts in one push).
    pub async fn next_push_batch(
        &self,
        max: usize,
    ) -> Result<Option<PushRequest>, ReplicaError<C::Error>> {
        let unconfirmed: Vec<Mutation> = self
            .pending()
            .await?
            .into_iter()
            .filter(|p| p.acked_version.is_none())
            .map(|p| p.mutation)
            .collect();
        let mut mutations: Vec<Mutation> = Vec::new();
        let mut rest = unconfirmed.into_iter().peekable();
        while let Some(first) = rest.next() {
            // The mutations of a step are consecutive in the outbox (one commit).
            let step = first.step;
            let mut group = vec![first];
            if let Some(step) = step {
                while let Some(next) = rest.next_if(|m| m.step == Some(step)) {
                    group.push(next);
                }
            }
            if !mutations.is_empty() && mutations.len() + group.len() > max {
                break;
            }
            mutations.append(&mut group);
        }
        Ok((!mutations.is_empty()).then_some(PushRequest {
            schema_version: SCHEMA_VERSION,
            client_id: self.meta.client_id,
            mutations,
        }))
    }

    /// Takes in the server's time from any answer (also the sign-in's).
    pub async fn on_server_time(
        &mut self,
        server_time_ms: i64,
        local_now_ms: i64,
    ) -> Result<(), ReplicaError<C::Error>> {
        let mut meta = self.meta.clone();
        self.correct_clock(&mut meta, server_time_ms, local_now_ms);
        self.commit(ClientBatch::default(), meta).await
    }

    fn correct_clock(&self, meta: &mut ClientMeta, server_time_ms: i64, local_now_ms: i64) {
        meta.offset.update(server_time_ms, local_now_ms);
        let mut clock = HlcClock::resume(meta.clock);
        clock.recover(server_time_ms, self.stamps.max_future_ms);
        meta.clock = clock.last();
    }
}
