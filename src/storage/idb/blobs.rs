//! Content-addressed bytes (signatures, photos) by SHA-256, kept until uploaded and no
//! longer referenced. The caller names the bytes by their hash (it computes it anyway for the
//! idempotent upload); this store checks the name's form, not the content.

use super::IdbClientStore;
use super::codec::set;
use super::error::IdbError;
use super::schema::{BLOBS, BYTES_FIELD, CONTENT_TYPE_FIELD};
use super::tx::{TxDone, begin_write};
use idb::{Query, Transaction};
use js_sys::{Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};

/// A stored blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBlob {
    pub content_type: String,
    pub bytes: Vec<u8>,
}

fn blob_key(sha256: &str) -> Result<JsValue, IdbError> {
    let ok = sha256.len() == 64
        && sha256
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    match ok {
        true => Ok(JsValue::from_str(sha256)),
        false => Err(IdbError::Request {
            name: "DataError".to_owned(),
            message: format!("not a lower-case SHA-256 hex digest: {sha256:?}"),
        }),
    }
}

impl IdbClientStore {
    /// Stores `bytes` under their SHA-256 (hex, lower case); durable when it returns `Ok`.
    pub async fn put_blob(
        &self,
        sha256: &str,
        content_type: &str,
        bytes: &[u8],
    ) -> Result<(), IdbError> {
        let key = blob_key(sha256)?;
        let value = Object::new();
        set(&value, CONTENT_TYPE_FIELD, &JsValue::from_str(content_type))?;
        set(&value, BYTES_FIELD, &Uint8Array::from(bytes))?;
        self.write_blob(key, Some(value.into())).await
    }

    pub async fn delete_blob(&self, sha256: &str) -> Result<(), IdbError> {
        self.write_blob(blob_key(sha256)?, None).await
    }

    pub async fn blob(&self, sha256: &str) -> Result<Option<StoredBlob>, IdbError> {
        let Some(value) = self.get(BLOBS, blob_key(sha256)?).await? else {
            return Ok(None);
        };
        let field = |name: &str| Reflect::get(&value, &JsValue::from_str(name)).ok();
        let content_type = field(CONTENT_TYPE_FIELD)
            .and_then(|v| v.as_string())
            .ok_or_else(|| IdbError::deserialise("blob", "no content type"))?;
        let bytes = field(BYTES_FIELD)
            .and_then(|v| v.dyn_into::<Uint8Array>().ok())
            .ok_or_else(|| IdbError::deserialise("blob", "no bytes"))?
            .to_vec();
        Ok(Some(StoredBlob {
            content_type,
            bytes,
        }))
    }

    async fn write_blob(&self, key: JsValue, value: Option<JsValue>) -> Result<(), IdbError> {
        if self.is_closed() {
            return Err(IdbError::Closed);
        }
        let raw = begin_write(&self.raw, &[BLOBS])?;
        let done = TxDone::watch(&raw);
        let placed = Transaction::from(raw.clone())
            .object_store(BLOBS)
            .and_then(|store| match &value {
                Some(v) => store.put(v, Some(&key)).map(|_| ()),
                None => store.delete(Query::Key(key.clone())).map(|_| ()),
            });
        match placed {
            Ok(()) => done.wait().await,
            Err(e) => {
                done.abort().await;
                Err(e.into())
            }
        }
    }
}
