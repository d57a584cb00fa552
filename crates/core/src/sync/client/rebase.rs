//! Taking in the server's answers: push results and pull pages, and the rebase of the
//! outbox on top of what the server says.

use super::{PullApplied, Replica, ReplicaError};
use crate::sync::hlc::HlcClock;
use crate::sync::ids::RecordId;
use crate::sync::merge::{self, Effect};
use crate::sync::protocol::{Change, Outcome, PullRequest, PullResponse, PushResponse};
use crate::sync::record::Record;
use crate::sync::store::{ClientBatch, ClientStore, NeedsAttention, PendingMutation};
use std::collections::{BTreeMap, BTreeSet};

impl<C: ClientStore> Replica<C> {
    /// Takes in the answer to a push: confirmed mutations wait for their pull, refused ones
    /// move to "needs attention" and leave the view.
    pub async fn on_push_response(
        &mut self,
        response: PushResponse,
        local_now_ms: i64,
    ) -> Result<(), ReplicaError<C::Error>> {
        let mut meta = self.meta.clone();
        self.correct_clock(&mut meta, response.server_time_ms, local_now_ms);
        let mut pending = self.pending().await?;
        let mut batch = ClientBatch::default();
        let mut touched = BTreeSet::new();
        for result in response.results {
            let Some(index) = pending
                .iter()
                .position(|p| p.mutation.mutation_id == result.mutation_id)
            else {
                continue; // answered before (a repeated response)
            };
            let record_id = pending[index].mutation.record_id;
            match result.outcome {
                Outcome::Applied { version } | Outcome::Duplicate { version } => {
                    let base = self
                        .store
                        .base(record_id)
                        .await
                        .map_err(ReplicaError::Store)?;
                    // Already pulled back; or gone from the user's scope in a feed they have
                    // read past.
                    let reflected = match base {
                        Some(b) => b.version() >= version,
                        None => meta.cursor >= version,
                    };
                    if reflected {
                        let done = pending.remove(index);
                        batch.pending.insert(done.mutation.mutation_id, None);
                        touched.insert(record_id);
                    } else {
                        pending[index].acked_version = Some(version);
                        batch
                            .pending
                            .insert(result.mutation_id, Some(pending[index].clone()));
                    }
                }
                Outcome::Rejected { code, reason } => {
                    let refused = pending.remove(index);
                    batch.pending.insert(result.mutation_id, None);
                    batch.attention.insert(
                        result.mutation_id,
                        Some(NeedsAttention {
                            mutation: refused.mutation,
                            code,
                            reason,
                            rejected_at_ms: meta.offset.apply(local_now_ms),
                        }),
                    );
                    touched.insert(record_id);
                }
            }
        }
        self.rebuild_views(&touched, &pending, &mut batch).await?;
        self.commit(batch, meta).await
    }

    /// The request for the next pull page.
    pub fn pull_request(&self, limit: u32) -> PullRequest {
        PullRequest {
            cursor: self.meta.cursor,
            limit,
        }
    }

    /// Applies a pull page: new snapshots replace the base, records that left the scope go,
    /// confirmed mutations leave the outbox, and the rest of the outbox is re-applied on top.
    pub async fn apply_pull(
        &mut self,
        response: PullResponse,
        local_now_ms: i64,
    ) -> Result<PullApplied, ReplicaError<C::Error>> {
        if response.cursor != self.meta.cursor {
            return Ok(PullApplied {
                stale: true,
                has_more: false,
                changed: Vec::new(),
            });
        }
        let mut meta = self.meta.clone();
        self.correct_clock(&mut meta, response.server_time_ms, local_now_ms);
        let now = meta.offset.apply(local_now_ms);
        let mut clock = HlcClock::resume(meta.clock);
        let mut batch = ClientBatch::default();
        let mut delivered: BTreeMap<RecordId, u64> = BTreeMap::new();
        for change in response.changes {
            let id = change.record_id();
            let version = change.version();
            let known = match batch.bases.get(&id) {
                Some(staged) => staged.as_ref().map(Record::version),
                None => self
                    .store
                    .base(id)
                    .await
                    .map_err(ReplicaError::Store)?
                    .map(|r| r.version()),
            };
            if known.is_some_and(|v| v >= version) {
                continue;
            }
            match change {
                Change::Record { record } => {
                    if let Some(stamp) = record.max_stamp() {
                        clock.observe(stamp, now);
                    }
                    batch.bases.insert(id, Some(record));
                }
                Change::Removed { .. } => {
                    batch.bases.insert(id, None);
                }
            }
            delivered.insert(id, version);
        }
        meta.clock = clock.last();
        meta.cursor = meta.cursor.max(response.next_cursor);
        let mut pending = self.pending().await?;
        let mut touched: BTreeSet<RecordId> = delivered.keys().copied().collect();
        let caught_up = !response.has_more;
        pending.retain(|p| {
            let Some(acked) = p.acked_version else {
                return true;
            };
            // Confirmed when the pull brought the record at (or after) the acked version, or
            // when the device has read the whole feed past it: then the record is in the base
            // or out of the user's scope.
            let confirmed = delivered
                .get(&p.mutation.record_id)
                .is_some_and(|&seen| acked <= seen)
                || (caught_up && acked <= meta.cursor);
            if confirmed {
                batch.pending.insert(p.mutation.mutation_id, None);
                touched.insert(p.mutation.record_id);
            }
            !confirmed
        });
        self.rebuild_views(&touched, &pending, &mut batch).await?;
        let changed = batch.views.keys().copied().collect();
        self.commit(batch, meta).await?;
        Ok(PullApplied {
            stale: false,
            has_more: response.has_more,
            changed,
        })
    }

    /// Recomputes the view of `touched` records: base (as staged in `batch`, else stored)
    /// with the `pending` mutations of each re-applied in order. A pending mutation that no
    /// longer applies is left out of the view; the server will answer for it.
    async fn rebuild_views(
        &self,
        touched: &BTreeSet<RecordId>,
        pending: &[PendingMutation],
        batch: &mut ClientBatch,
    ) -> Result<(), ReplicaError<C::Error>> {
        for &id in touched {
            let mut record = match batch.bases.get(&id) {
                Some(staged) => staged.clone(),
                None => self.store.base(id).await.map_err(ReplicaError::Store)?,
            };
            for p in pending.iter().filter(|p| p.mutation.record_id == id) {
                if let Ok(Effect::Changed(next)) =
                    merge::apply(record.as_ref(), &p.mutation, &self.machines)
                {
                    record = Some(next);
                }
            }
            batch.views.insert(id, record);
        }
        Ok(())
    }
}
