//! The floor for the sync benchmark: the same records put straight into the records store,
//! with none of the engine's work (no merge, no outbox, no bookkeeping), each transaction
//! durable like a real commit. What the engine costs is the distance to this.

use super::IdbClientStore;
use super::codec::{encode, id_key};
use super::error::IdbError;
use super::schema::VIEWS;
use super::tx::{TxDone, begin_write};
use huifang_core::sync::Record;

impl IdbClientStore {
    /// Puts `records` into the records store, `per_transaction` at a time; returns each
    /// transaction's time in ms (encoding and sealing included, as the engine's commits include it).
    pub async fn raw_put(
        &self,
        records: &[Record],
        per_transaction: usize,
    ) -> Result<Vec<f64>, IdbError> {
        let mut times = Vec::new();
        for chunk in records.chunks(per_transaction.max(1)) {
            let started = crate::sync::engine::precise_ms();
            let encoded = futures::future::try_join_all(chunk.iter().map(|r| async move {
                Ok::<_, IdbError>((id_key(r.id()), encode(&self.cipher, "record", r).await?))
            }))
            .await?;
            let tx = begin_write(&self.raw, &[VIEWS])?;
            let done = TxDone::watch(&tx);
            let store = tx.object_store(VIEWS).map_err(|e| IdbError::from_js(&e))?;
            for (key, value) in &encoded {
                store
                    .put_with_key(value, key)
                    .map_err(|e| IdbError::from_js(&e))?;
            }
            done.wait().await?;
            times.push(crate::sync::engine::precise_ms() - started);
        }
        Ok(times)
    }
}
