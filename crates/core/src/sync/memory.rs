//! In-memory stores: the reference implementations of the storage traits, used by tests and
//! the convergence simulation. Not for production (nothing survives the process).

use super::ids::{MutationId, RecordId};
use super::mutation::Mutation;
use super::protocol::Outcome;
use super::record::Record;
use super::store::{
    ClientBatch, ClientMeta, ClientStore, Decision, FeedPage, Loaded, NeedsAttention,
    PendingMutation, ServerStore, StoredRecord,
};
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;

#[derive(Debug, Default)]
struct ServerInner {
    outcomes: HashMap<MutationId, Outcome>,
    records: HashMap<RecordId, StoredRecord>,
    by_version: BTreeMap<u64, RecordId>,
    last_version: u64,
    /// Every mutation that wrote a record, with its outcome, in commit order.
    log: Vec<(Mutation, Outcome)>,
}

/// The server's store in memory. Single-threaded: the `RefCell` is the "transaction".
#[derive(Debug, Default)]
pub struct MemoryServerStore {
    inner: RefCell<ServerInner>,
}

impl MemoryServerStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Every record, in version order.
    pub fn records(&self) -> Vec<StoredRecord> {
        let inner = self.inner.borrow();
        inner
            .by_version
            .values()
            .filter_map(|id| inner.records.get(id).cloned())
            .collect()
    }

    pub fn record(&self, id: RecordId) -> Option<StoredRecord> {
        self.inner.borrow().records.get(&id).cloned()
    }

    /// The outcome remembered for a mutation id.
    pub fn outcome(&self, id: MutationId) -> Option<Outcome> {
        self.inner.borrow().outcomes.get(&id).cloned()
    }

    /// The mutations that changed a record, with their outcomes, in commit order.
    pub fn applied_log(&self) -> Vec<(Mutation, Outcome)> {
        self.inner.borrow().log.clone()
    }

    pub fn last_version(&self) -> u64 {
        self.inner.borrow().last_version
    }
}

impl ServerStore for MemoryServerStore {
    type Error = Infallible;

    async fn apply_mutation<F>(
        &self,
        mutation: &Mutation,
        decide: F,
    ) -> Result<Outcome, Self::Error>
    where
        F: FnOnce(Loaded) -> Decision,
    {
        let mut inner = self.inner.borrow_mut();
        let next_version = inner.last_version + 1;
        let loaded = Loaded {
            prior: inner.outcomes.get(&mutation.mutation_id).cloned(),
            record: inner.records.get(&mutation.record_id).cloned(),
            next_version,
        };
        let decision = decide(loaded);
        if decision.remember {
            inner
                .outcomes
                .insert(mutation.mutation_id, decision.outcome.clone());
        }
        if let Some(mut stored) = decision.write {
            stored.record.set_version(next_version);
            let id = stored.record.id();
            if let Some(old) = inner.records.insert(id, stored) {
                inner.by_version.remove(&old.record.version());
            }
            inner.by_version.insert(next_version, id);
            inner.last_version = next_version;
            inner.log.push((mutation.clone(), decision.outcome.clone()));
        }
        Ok(decision.outcome)
    }

    async fn feed(&self, after: u64, limit: u32) -> Result<FeedPage, Self::Error> {
        let inner = self.inner.borrow();
        let mut ids = inner
            .by_version
            .range(after.saturating_add(1)..)
            .map(|(_, id)| id);
        let mut records = Vec::new();
        for id in ids.by_ref().take(limit as usize) {
            if let Some(stored) = inner.records.get(id) {
                records.push(stored.clone());
            }
        }
        let has_more = ids.next().is_some();
        Ok(FeedPage { records, has_more })
    }
}

/// A failure injected by a test into [`MemoryClientStore::commit`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the device's storage failed (injected)")]
pub struct InjectedFailure;

/// A device's store in memory. `Clone` is a snapshot of the "disk".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemoryClientStore {
    meta: Option<ClientMeta>,
    bases: BTreeMap<RecordId, Record>,
    views: BTreeMap<RecordId, Record>,
    /// By client_seq.
    pending: BTreeMap<u64, PendingMutation>,
    attention: BTreeMap<MutationId, NeedsAttention>,
    fail_next_commit: bool,
}

impl MemoryClientStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Makes the next `commit` fail without changing anything (a full disk, a crash mid-way).
    pub fn fail_next_commit(&mut self) {
        self.fail_next_commit = true;
    }

    pub fn bases(&self) -> impl Iterator<Item = &Record> {
        self.bases.values()
    }
}

fn put<K: Ord, V>(map: &mut BTreeMap<K, V>, key: K, value: Option<V>) {
    match value {
        Some(v) => {
            map.insert(key, v);
        }
        None => {
            map.remove(&key);
        }
    }
}

impl ClientStore for MemoryClientStore {
    type Error = InjectedFailure;

    async fn meta(&self) -> Result<Option<ClientMeta>, Self::Error> {
        Ok(self.meta.clone())
    }

    async fn base(&self, id: RecordId) -> Result<Option<Record>, Self::Error> {
        Ok(self.bases.get(&id).cloned())
    }

    async fn view(&self, id: RecordId) -> Result<Option<Record>, Self::Error> {
        Ok(self.views.get(&id).cloned())
    }

    async fn views(&self) -> Result<Vec<Record>, Self::Error> {
        Ok(self.views.values().cloned().collect())
    }

    async fn pending(&self) -> Result<Vec<PendingMutation>, Self::Error> {
        Ok(self.pending.values().cloned().collect())
    }

    async fn needs_attention(&self) -> Result<Vec<NeedsAttention>, Self::Error> {
        Ok(self.attention.values().cloned().collect())
    }

    async fn commit(&mut self, batch: ClientBatch) -> Result<(), Self::Error> {
        if std::mem::take(&mut self.fail_next_commit) {
            return Err(InjectedFailure);
        }
        for (id, record) in batch.bases {
            put(&mut self.bases, id, record);
        }
        for (id, record) in batch.views {
            put(&mut self.views, id, record);
        }
        for (id, pending) in batch.pending {
            match pending {
                Some(p) => {
                    self.pending.insert(p.mutation.client_seq, p);
                }
                None => self.pending.retain(|_, p| p.mutation.mutation_id != id),
            }
        }
        for (id, entry) in batch.attention {
            put(&mut self.attention, id, entry);
        }
        if let Some(meta) = batch.meta {
            self.meta = Some(meta);
        }
        Ok(())
    }
}
