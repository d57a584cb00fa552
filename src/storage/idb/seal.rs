//! Sealing what an earlier version kept in clear: a database written before encryption at
//! rest holds `{ json }` values and blobs with plain `bytes`. At the first unlock after the
//! update every such value is sealed under the user's data key, in one read-write
//! transaction (all or nothing; until it succeeds the values stay readable as they were).

use super::IdbClientStore;
use super::codec::{is_plain, seal_bytes, set};
use super::error::IdbError;
use super::schema::{
    ATTENTION, BASES, BLOBS, BYTES_FIELD, CONTENT_TYPE_FIELD, JSON_FIELD, META, META_KEY,
    MUTATION_ID_FIELD, OUTBOX, VIEWS,
};
use super::tx::{TxDone, begin_write};
use futures::future::try_join_all;
use idb::TransactionMode;
use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};

/// Fields copied in clear beside the sealed value (an index's key, a blob's bookkeeping).
const KEPT_FIELDS: [&str; 3] = [MUTATION_ID_FIELD, CONTENT_TYPE_FIELD, "uploaded"];

impl IdbClientStore {
    /// Seals what an earlier version kept in clear, if anything: a database whose bookkeeping
    /// (written by every commit) is in clear was written before encryption at rest; `retry`
    /// after a sealing that failed (the bookkeeping may be sealed since). Cheap otherwise
    /// (one read).
    pub async fn seal_if_written_in_clear(&self, retry: bool) -> Result<usize, IdbError> {
        match self.get(META, JsValue::from_str(META_KEY)).await? {
            Some(meta) if retry || is_plain(&meta) => self.seal_plain_values().await,
            _ => Ok(0),
        }
    }

    /// Whether the database holds values sealed under some key (not in clear, not empty):
    /// a new key must not seal into it.
    pub async fn holds_sealed_values(&self) -> Result<bool, IdbError> {
        Ok(self
            .get(META, JsValue::from_str(META_KEY))
            .await?
            .is_some_and(|meta| !is_plain(&meta)))
    }

    /// Seals every value still in clear; how many there were.
    pub async fn seal_plain_values(&self) -> Result<usize, IdbError> {
        let stores = [META, BASES, VIEWS, OUTBOX, ATTENTION, BLOBS];
        if self.is_closed() {
            return Err(IdbError::Closed);
        }
        // Read every store in one read-only transaction: keys and values in the same order.
        let tx = self
            .db
            .transaction(&stores, TransactionMode::ReadOnly)
            .map_err(|e| self.closed_or(e))?;
        let mut plain: Vec<(&'static str, JsValue, JsValue)> = Vec::new();
        for name in stores {
            let store = tx.object_store(name)?;
            let keys = store.get_all_keys(None, None)?.await?;
            let values = store.get_all(None, None)?.await?;
            for (key, value) in keys.into_iter().zip(values) {
                if is_plain(&value) || plain_blob(&value).is_some() {
                    plain.push((name, key, value));
                }
            }
        }
        if plain.is_empty() {
            return Ok(0);
        }
        let sealed = try_join_all(plain.iter().map(|(name, key, value)| async move {
            let bytes = match plain_blob(value) {
                Some(bytes) => bytes,
                None => Reflect::get(value, &JsValue::from_str(JSON_FIELD))
                    .ok()
                    .and_then(|v| v.as_string())
                    .unwrap_or_default()
                    .into_bytes(),
            };
            let out = seal_bytes(&self.cipher, "value kept in clear", &bytes).await?;
            for field in KEPT_FIELDS {
                let kept = Reflect::get(value, &JsValue::from_str(field))
                    .map_err(|e| IdbError::from_js(&e))?;
                if !kept.is_undefined() {
                    set(&out, field, &kept)?;
                }
            }
            Ok::<_, IdbError>((*name, key.clone(), out))
        }))
        .await?;
        let raw = begin_write(&self.raw, &stores)?;
        let done = TxDone::watch(&raw);
        let placed = (|| {
            for (name, key, value) in &sealed {
                raw.object_store(name)
                    .and_then(|store| store.put_with_key(value, key))
                    .map_err(|e| IdbError::from_js(&e))?;
            }
            Ok::<_, IdbError>(())
        })();
        match placed {
            Ok(()) => done.wait().await?,
            Err(e) => {
                done.abort().await;
                return Err(e);
            }
        }
        Ok(sealed.len())
    }
}

/// A blob's bytes kept in clear (stored before encryption at rest).
fn plain_blob(value: &JsValue) -> Option<Vec<u8>> {
    Reflect::get(value, &JsValue::from_str(BYTES_FIELD))
        .ok()
        .and_then(|v| v.dyn_into::<Uint8Array>().ok())
        .map(|b| b.to_vec())
}
