//! The storage traits the sync engines run on. The server implements [`ServerStore`] over SQL,
//! the app implements [`ClientStore`] over IndexedDB; `memory` has in-memory versions for
//! tests and the simulation. The traits only move data: every decision is made by
//! `SyncServer` and `Replica`, so all implementations behave alike.
//!
//! The methods are `async` so IndexedDB and sqlx can implement them directly. The engines
//! only ever call them one at a time; an implementation may assume no other call of the same
//! engine is in flight (see each method for what must be atomic).

// `async fn` in a public trait cannot promise `Send` futures to generic callers; the server
// uses its concrete store type, whose futures are `Send` exactly when its own code is.
#![allow(async_fn_in_trait)]

use super::hlc::{ClockOffset, Hlc};
use super::ids::{ClientId, MutationId, RecordId};
use super::mutation::Mutation;
use super::protocol::{Outcome, RejectCode};
use super::record::{Record, Scope};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A record as the server keeps it: the snapshot, plus every scope it held before (so a pull
/// can tell a former viewer that it left their scope).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredRecord {
    pub record: Record,
    pub past_scopes: Vec<Scope>,
}

/// What the server store read, inside its transaction, for one mutation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loaded {
    /// The outcome recorded for this mutation id, if it was processed before.
    pub prior: Option<Outcome>,
    /// The record the mutation targets, as committed.
    pub record: Option<StoredRecord>,
    /// The feed version a change committed now gets: greater than every version committed
    /// before, and than every version a pull has returned.
    pub next_version: u64,
}

/// What the engine decided for one mutation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub outcome: Outcome,
    /// Remember `outcome` under the mutation id (false only when `prior` was already there).
    pub remember: bool,
    /// The record to write; its version is `Loaded::next_version`.
    pub write: Option<StoredRecord>,
}

/// One page of the raw change feed (before visibility filtering).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedPage {
    /// Records whose version is greater than the cursor, in version order.
    pub records: Vec<StoredRecord>,
    /// Whether records after the last one exist.
    pub has_more: bool,
}

/// The server's storage.
pub trait ServerStore {
    type Error: std::error::Error + 'static;

    /// Runs one mutation in one transaction: read the prior outcome of `mutation.mutation_id`
    /// and the record `mutation.record_id`, call `decide`, then write the outcome (if
    /// `remember`) and the record (if any, at `next_version`), and commit.
    ///
    /// The transaction must be serialised against every other `apply_mutation` that can
    /// touch the same record or assign versions (e.g. a per-store advisory lock, or a
    /// SERIALIZABLE transaction retried on conflict), and versions must become visible to
    /// [`ServerStore::feed`] in version order: a pull must never see version `v + 1` while
    /// `v` can still commit. Returns the outcome decided.
    async fn apply_mutation<F>(
        &self,
        mutation: &Mutation,
        decide: F,
    ) -> Result<Outcome, Self::Error>
    where
        F: FnOnce(Loaded) -> Decision;

    /// Runs a whole push, in order, as if each mutation were [`ServerStore::apply_mutation`]d
    /// one after another with no other writer in between: `decide` sees each mutation with
    /// what the earlier ones of the batch wrote (their outcomes and records), and
    /// `next_version` counts on from the last version the batch assigned. Returns the
    /// outcomes decided, one per mutation, in order.
    ///
    /// An implementation may run the batch in one transaction (the SQL store does: one
    /// commit, so one fsync, per push): then an error leaves nothing of the batch behind, and
    /// all of its versions become visible to [`ServerStore::feed`] at once. The default runs
    /// [`ServerStore::apply_mutation`] for each, one transaction each.
    async fn apply_batch<F>(
        &self,
        mutations: &[Mutation],
        mut decide: F,
    ) -> Result<Vec<Outcome>, Self::Error>
    where
        F: FnMut(&Mutation, Loaded) -> Decision,
    {
        let mut outcomes = Vec::with_capacity(mutations.len());
        for m in mutations {
            outcomes.push(self.apply_mutation(m, |loaded| decide(m, loaded)).await?);
        }
        Ok(outcomes)
    }

    /// Up to `limit` records with version greater than `after`, in version order (each
    /// record once, at its latest version).
    async fn feed(&self, after: u64, limit: u32) -> Result<FeedPage, Self::Error>;
}

/// A device's own bookkeeping, saved with every change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientMeta {
    pub client_id: ClientId,
    /// The `client_seq` of the next mutation.
    pub next_seq: u64,
    /// How many record and mutation ids this device has derived.
    pub ids_issued: u64,
    /// The last stamp the device's clock handed out or observed.
    pub clock: Hlc,
    pub offset: ClockOffset,
    /// The pull cursor: the feed version up to which this device has applied changes.
    pub cursor: u64,
}

impl ClientMeta {
    pub fn new(client_id: ClientId) -> Self {
        ClientMeta {
            client_id,
            next_seq: 1,
            ids_issued: 1, // 0 would derive the client id itself in its first millisecond
            clock: Hlc::zero(client_id),
            offset: ClockOffset::default(),
            cursor: 0,
        }
    }
}

/// A mutation in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingMutation {
    pub mutation: Mutation,
    /// Set once the server applied it (at this feed version); it stays until a pull has
    /// brought that version of the record, so the view never flickers back.
    pub acked_version: Option<u64>,
}

/// A mutation the server refused, kept until a person deals with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NeedsAttention {
    pub mutation: Mutation,
    pub code: RejectCode,
    /// The server's reason, for the person.
    pub reason: String,
    /// Local (corrected) time the rejection arrived.
    pub rejected_at_ms: i64,
}

/// Everything one engine step changes on the device, committed atomically by
/// [`ClientStore::commit`]. `None` values delete the key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientBatch {
    /// Server snapshots, as last pulled.
    pub bases: BTreeMap<RecordId, Option<Record>>,
    /// What the user sees: the base with the outbox applied on top.
    pub views: BTreeMap<RecordId, Option<Record>>,
    pub pending: BTreeMap<MutationId, Option<PendingMutation>>,
    pub attention: BTreeMap<MutationId, Option<NeedsAttention>>,
    pub meta: Option<ClientMeta>,
}

impl ClientBatch {
    pub fn is_empty(&self) -> bool {
        self.bases.is_empty()
            && self.views.is_empty()
            && self.pending.is_empty()
            && self.attention.is_empty()
            && self.meta.is_none()
    }
}

/// The device's storage.
pub trait ClientStore {
    type Error: std::error::Error + 'static;

    /// The device's bookkeeping, `None` on first start.
    async fn meta(&self) -> Result<Option<ClientMeta>, Self::Error>;
    async fn base(&self, id: RecordId) -> Result<Option<Record>, Self::Error>;
    async fn view(&self, id: RecordId) -> Result<Option<Record>, Self::Error>;
    /// The views of `ids`, in their order (a store may read them together, in one go).
    async fn views_of(&self, ids: &[RecordId]) -> Result<Vec<Option<Record>>, Self::Error> {
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(self.view(*id).await?);
        }
        Ok(out)
    }
    /// Every record the user sees (the app adds indexed queries beside this).
    async fn views(&self) -> Result<Vec<Record>, Self::Error>;
    /// The outbox, ordered by `client_seq`.
    async fn pending(&self) -> Result<Vec<PendingMutation>, Self::Error>;
    async fn needs_attention(&self) -> Result<Vec<NeedsAttention>, Self::Error>;
    /// Applies the whole batch or nothing (one IndexedDB `readwrite` transaction over all
    /// object stores it touches). When it returns `Ok`, the change is durable.
    async fn commit(&mut self, batch: ClientBatch) -> Result<(), Self::Error>;
}
