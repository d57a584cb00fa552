//! `ClientStore::commit`: the whole batch in one read-write transaction, or nothing.
//!
//! 1. Encode and seal every value (before the transaction opens: nothing but IndexedDB
//!    requests may be awaited while it runs, or it commits half-way).
//! 2. Open one `readwrite` transaction over the stores the batch touches.
//! 3. Look up the outbox keys of the mutations to delete (index `by_mutation_id`).
//! 4. Place every write without awaiting it, in the reference store's order; a failing
//!    request aborts the whole transaction.
//! 5. Await `complete` (success, durable) or `abort` (its error says why; nothing was saved).

use super::codec::{encode, encode_outbox, id_key, seq_from_key, seq_key};
use super::error::IdbError;
use super::schema::{ATTENTION, BASES, META, META_KEY, OUTBOX, OUTBOX_BY_MUTATION, VIEWS};
use super::tx::{TxDone, begin_write};
use crate::storage::crypto::Cipher;
use futures::future::try_join_all;
use huifang_core::sync::{ClientBatch, MutationId, Record, RecordId};
use idb::{ObjectStore, Query, Transaction};
use std::collections::BTreeMap;
use std::future::IntoFuture;
use wasm_bindgen::JsValue;
use web_sys::{IdbDatabase, IdbTransaction};

type Entries = Vec<(JsValue, Option<JsValue>)>;

enum PendingOp {
    Put {
        seq: u64,
        key: JsValue,
        mutation_id: MutationId,
        value: JsValue,
    },
    /// Every outbox entry of this mutation.
    Delete(MutationId),
}

/// A batch encoded for IndexedDB.
struct Staged {
    bases: Entries,
    views: Entries,
    pending: Vec<PendingOp>,
    attention: Entries,
    meta: Option<JsValue>,
}

/// Seals `value` when there is one (a delete has none).
async fn sealed<T: serde::Serialize>(
    cipher: &Cipher,
    what: &'static str,
    value: Option<&T>,
) -> Result<Option<JsValue>, IdbError> {
    match value {
        Some(v) => Ok(Some(encode(cipher, what, v).await?)),
        None => Ok(None),
    }
}

/// Records (or their deletion) sealed side by side.
async fn records(
    cipher: &Cipher,
    map: &BTreeMap<RecordId, Option<Record>>,
) -> Result<Entries, IdbError> {
    try_join_all(map.iter().map(|(id, record)| async move {
        Ok::<_, IdbError>((id_key(id), sealed(cipher, "record", record.as_ref()).await?))
    }))
    .await
}

impl Staged {
    /// Every value sealed side by side (the browser encrypts them together).
    async fn encode(cipher: &Cipher, batch: &ClientBatch) -> Result<Self, IdbError> {
        let pending = try_join_all(batch.pending.iter().map(|(id, entry)| async move {
            match entry {
                Some(p) => Ok(PendingOp::Put {
                    seq: p.mutation.client_seq,
                    key: seq_key(p.mutation.client_seq)?,
                    mutation_id: p.mutation.mutation_id,
                    value: encode_outbox(cipher, p.mutation.mutation_id, p).await?,
                }),
                None => Ok(PendingOp::Delete(*id)),
            }
        }));
        let attention = try_join_all(batch.attention.iter().map(|(id, entry)| async move {
            Ok::<_, IdbError>((
                id_key(id),
                sealed(cipher, "rejected change", entry.as_ref()).await?,
            ))
        }));
        let (bases, views, pending, attention, meta) = futures::try_join!(
            records(cipher, &batch.bases),
            records(cipher, &batch.views),
            pending,
            attention,
            sealed(cipher, "device bookkeeping", batch.meta.as_ref()),
        )?;
        Ok(Staged {
            bases,
            views,
            pending,
            attention,
            meta,
        })
    }

    fn stores(&self) -> Vec<&'static str> {
        let mut stores = Vec::new();
        for (touched, name) in [
            (!self.bases.is_empty(), BASES),
            (!self.views.is_empty(), VIEWS),
            (!self.pending.is_empty(), OUTBOX),
            (!self.attention.is_empty(), ATTENTION),
            (self.meta.is_some(), META),
        ] {
            if touched {
                stores.push(name);
            }
        }
        stores
    }
}

pub async fn commit(
    db: &IdbDatabase,
    cipher: &Cipher,
    batch: ClientBatch,
    inject: bool,
) -> Result<(), IdbError> {
    if batch.is_empty() {
        return match inject {
            true => Err(IdbError::from_abort(None)),
            false => Ok(()),
        };
    }
    let staged = Staged::encode(cipher, &batch).await?;
    let raw = begin_write(db, &staged.stores())?;
    let done = TxDone::watch(&raw);
    match place(&raw, staged, inject).await {
        Ok(()) => done.wait().await,
        Err(e) => {
            done.abort().await;
            Err(e)
        }
    }
}

/// Places the batch's requests; awaits only the outbox key lookups.
async fn place(raw: &IdbTransaction, staged: Staged, inject: bool) -> Result<(), IdbError> {
    let tx = Transaction::from(raw.clone());
    let existing = outbox_keys_to_delete(&tx, &staged.pending).await?;
    let mut writer = Writer {
        tx: &tx,
        inject,
        stores: BTreeMap::new(),
    };
    writer.entries(BASES, &staged.bases)?;
    writer.entries(VIEWS, &staged.views)?;
    // What the outbox holds at each key as the batch goes (`None`: deleted by the batch), so
    // a delete by mutation id removes exactly what the reference store's `retain` would.
    let mut overlay: BTreeMap<u64, Option<MutationId>> = BTreeMap::new();
    for op in &staged.pending {
        match op {
            PendingOp::Put {
                seq,
                key,
                mutation_id,
                value,
            } => {
                writer.write(OUTBOX, key, Some(value))?;
                overlay.insert(*seq, Some(*mutation_id));
            }
            PendingOp::Delete(id) => {
                let stored = existing
                    .iter()
                    .filter(|(seq, m)| *m == *id && !overlay.contains_key(seq))
                    .map(|(seq, _)| *seq);
                let staged = overlay
                    .iter()
                    .filter(|(_, m)| m.as_ref() == Some(id))
                    .map(|(seq, _)| *seq);
                let seqs: Vec<u64> = stored.chain(staged).collect();
                for seq in seqs {
                    writer.write(OUTBOX, &seq_key(seq)?, None)?;
                    overlay.insert(seq, None);
                }
            }
        }
    }
    writer.entries(ATTENTION, &staged.attention)?;
    if let Some(meta) = &staged.meta {
        writer.write(META, &JsValue::from_str(META_KEY), Some(meta))?;
    }
    if writer.inject {
        // Nothing was written to collide with: abort outright.
        raw.abort().map_err(|e| IdbError::from_js(&e))?;
    }
    Ok(())
}

/// The outbox keys (`client_seq`) of the mutations the batch deletes, read inside the
/// transaction before any write.
async fn outbox_keys_to_delete(
    tx: &Transaction,
    pending: &[PendingOp],
) -> Result<Vec<(u64, MutationId)>, IdbError> {
    let deleted: Vec<MutationId> = pending
        .iter()
        .filter_map(|op| match op {
            PendingOp::Delete(id) => Some(*id),
            PendingOp::Put { .. } => None,
        })
        .collect();
    if deleted.is_empty() {
        return Ok(Vec::new());
    }
    let index = tx.object_store(OUTBOX)?.index(OUTBOX_BY_MUTATION)?;
    // Place every lookup first (one round of requests), then collect the answers.
    let lookups = deleted
        .iter()
        .map(|id| {
            let request = index.get_all_keys(Some(Query::Key(id_key(id))), None)?;
            Ok((*id, request.into_future()))
        })
        .collect::<Result<Vec<_>, IdbError>>()?;
    let mut keys = Vec::new();
    for (id, lookup) in lookups {
        for key in lookup.await? {
            keys.push((seq_from_key(&key)?, id));
        }
    }
    Ok(keys)
}

struct Writer<'a> {
    tx: &'a Transaction,
    /// Make the browser abort after the first put (tests: `fail_next_commit`).
    inject: bool,
    stores: BTreeMap<&'static str, ObjectStore>,
}

impl Writer<'_> {
    fn store(&mut self, name: &'static str) -> Result<&ObjectStore, IdbError> {
        if !self.stores.contains_key(name) {
            let store = self.tx.object_store(name)?;
            self.stores.insert(name, store);
        }
        self.stores
            .get(name)
            .ok_or_else(|| IdbError::deserialise("object store", name))
    }

    fn entries(&mut self, name: &'static str, entries: &Entries) -> Result<(), IdbError> {
        for (key, value) in entries {
            self.write(name, key, value.as_ref())?;
        }
        Ok(())
    }

    /// Places a put (`Some`) or delete (`None`); its failure aborts the transaction.
    fn write(
        &mut self,
        name: &'static str,
        key: &JsValue,
        value: Option<&JsValue>,
    ) -> Result<(), IdbError> {
        let inject = self.inject;
        let store = self.store(name)?;
        match value {
            Some(value) => {
                store.put(value, Some(key))?;
                if inject {
                    // `add` of a key that now exists: ConstraintError, and the browser aborts
                    // the transaction, rolling back the put above.
                    store.add(value, Some(key))?;
                    self.inject = false;
                }
            }
            None => {
                store.delete(Query::Key(key.clone()))?;
            }
        }
        Ok(())
    }
}
