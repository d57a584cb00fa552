//! Content-addressed bytes (signatures, photos) by SHA-256, kept until uploaded and no
//! longer referenced. The caller names the bytes by their hash (it computes it anyway for the
//! idempotent upload); this store checks the name's form, not the content.
//!
//! Beside the bytes each blob keeps whether the server has it (`uploaded`, a field of the
//! stored object, so no schema step: a blob stored before the flag existed reads as not
//! uploaded and is uploaded again, harmlessly, as the server's PUT is idempotent).

use super::IdbClientStore;
use super::codec::{open_bytes, seal_bytes, set};
use super::error::IdbError;
use super::schema::{BLOBS, BYTES_FIELD, CONTENT_TYPE_FIELD};
use super::tx::{TxDone, begin_write};
use crate::storage::crypto::Cipher;
use idb::{Query, Transaction};
use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};

/// The field of a stored blob that says the server has it.
const UPLOADED_FIELD: &str = "uploaded";

/// A stored blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBlob {
    pub content_type: String,
    pub bytes: Vec<u8>,
}

fn blob_key(sha256: &str) -> Result<JsValue, IdbError> {
    match huifang_core::sync::blobs::is_hash(sha256) {
        true => Ok(JsValue::from_str(sha256)),
        false => Err(IdbError::Request {
            name: "DataError".to_owned(),
            message: format!("not a lower-case SHA-256 hex digest: {sha256:?}"),
        }),
    }
}

impl IdbClientStore {
    /// Stores `bytes` under their SHA-256 (hex, lower case), not yet uploaded; durable when
    /// it returns `Ok`.
    pub async fn put_blob(
        &self,
        sha256: &str,
        content_type: &str,
        bytes: &[u8],
    ) -> Result<(), IdbError> {
        self.put_blob_marked(sha256, content_type, bytes, false)
            .await
    }

    /// Stores `bytes` under their SHA-256 with whether the server has them (`true` for a copy
    /// fetched from the server).
    pub async fn put_blob_marked(
        &self,
        sha256: &str,
        content_type: &str,
        bytes: &[u8],
        uploaded: bool,
    ) -> Result<(), IdbError> {
        let key = blob_key(sha256)?;
        // `{ content_type, iv, ct, uploaded }`: the bytes sealed like every record.
        let value = seal_bytes(&self.cipher, "blob", bytes).await?;
        set(&value, CONTENT_TYPE_FIELD, &JsValue::from_str(content_type))?;
        set(&value, UPLOADED_FIELD, &JsValue::from_bool(uploaded))?;
        self.write_blob(key, Some(value)).await
    }

    pub async fn delete_blob(&self, sha256: &str) -> Result<(), IdbError> {
        self.write_blob(blob_key(sha256)?, None).await
    }

    pub async fn blob(&self, sha256: &str) -> Result<Option<StoredBlob>, IdbError> {
        Ok(self.blob_with_state(sha256).await?.map(|(blob, _)| blob))
    }

    /// The blob and whether the server has it.
    pub async fn blob_with_state(
        &self,
        sha256: &str,
    ) -> Result<Option<(StoredBlob, bool)>, IdbError> {
        let Some(value) = self.get(BLOBS, blob_key(sha256)?).await? else {
            return Ok(None);
        };
        Ok(Some((
            decode_blob(&self.cipher, &value).await?,
            uploaded_of(&value),
        )))
    }

    /// Whether the server has the blob; `None` when the device does not have it.
    pub async fn blob_uploaded(&self, sha256: &str) -> Result<Option<bool>, IdbError> {
        let Some(value) = self.get(BLOBS, blob_key(sha256)?).await? else {
            return Ok(None);
        };
        Ok(Some(uploaded_of(&value)))
    }

    /// Records that the server has the blob; `false` when the device does not have it.
    pub async fn mark_uploaded(&self, sha256: &str) -> Result<bool, IdbError> {
        match self.blob(sha256).await? {
            Some(blob) => {
                self.put_blob_marked(sha256, &blob.content_type, &blob.bytes, true)
                    .await?;
                Ok(true)
            }
            None => Ok(false),
        }
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

/// A stored blob object's content type and bytes (in clear in `bytes` if stored before
/// encryption at rest).
async fn decode_blob(cipher: &Cipher, value: &JsValue) -> Result<StoredBlob, IdbError> {
    let field = |name: &str| Reflect::get(value, &JsValue::from_str(name)).ok();
    let content_type = field(CONTENT_TYPE_FIELD)
        .and_then(|v| v.as_string())
        .ok_or_else(|| IdbError::deserialise("blob", "no content type"))?;
    let bytes = match field(BYTES_FIELD).and_then(|v| v.dyn_into::<Uint8Array>().ok()) {
        Some(plain) => plain.to_vec(),
        None => open_bytes(cipher, "blob", value).await?,
    };
    Ok(StoredBlob {
        content_type,
        bytes,
    })
}

/// The `uploaded` flag of a stored blob object; missing (stored before the flag) is `false`.
fn uploaded_of(value: &JsValue) -> bool {
    Reflect::get(value, &JsValue::from_str(UPLOADED_FIELD))
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}
