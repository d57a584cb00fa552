//! Stored values and keys. A value is its serde_json text (the same encoding as the wire
//! protocol; no 2^53 limit on integers, no Map-vs-object question) sealed with the user's data
//! key ([`crate::storage::crypto`]): `{ iv, ct }`, two `Uint8Array`s. A lost tablet's
//! IndexedDB holds no customer's name or number in clear.
//!
//! Values written before encryption at rest, `{ json }`, are still read (and sealed at the
//! next unlock: [`super::IdbClientStore::seal_plain_values`]).

use super::error::IdbError;
use super::schema::{CT_FIELD, IV_FIELD, JSON_FIELD, MUTATION_ID_FIELD};
use crate::storage::crypto::{Cipher, bytes};
use huifang_core::sync::MutationId;
use js_sys::{Object, Reflect, Uint8Array};
use serde::{Serialize, de::DeserializeOwned};
use wasm_bindgen::{JsCast, JsValue};

/// The largest integer a JavaScript number key holds exactly (`Number.MAX_SAFE_INTEGER`).
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// `{ iv, ct }` for any serialisable value: its JSON sealed under `cipher`.
pub async fn encode<T: Serialize>(
    cipher: &Cipher,
    what: &'static str,
    value: &T,
) -> Result<JsValue, IdbError> {
    let json = serde_json::to_vec(value).map_err(|source| IdbError::Serialise { what, source })?;
    seal_bytes(cipher, what, &json).await
}

/// `{ iv, ct }` for bytes.
pub async fn seal_bytes(
    cipher: &Cipher,
    what: &'static str,
    plain: &[u8],
) -> Result<JsValue, IdbError> {
    let sealed = cipher
        .seal(plain)
        .await
        .map_err(|source| IdbError::Crypto { what, source })?;
    let object = Object::new();
    set(&object, IV_FIELD, &bytes(&sealed.iv))?;
    set(&object, CT_FIELD, &bytes(&sealed.ct))?;
    Ok(object.into())
}

/// `{ iv, ct, mutation_id }` for an outbox entry (the id in clear for its index).
pub async fn encode_outbox<T: Serialize>(
    cipher: &Cipher,
    id: MutationId,
    value: &T,
) -> Result<JsValue, IdbError> {
    let object = encode(cipher, "outbox entry", value).await?;
    set(&object, MUTATION_ID_FIELD, &id_key(id))?;
    Ok(object)
}

/// Whether a stored value is still in clear (written before encryption at rest).
pub fn is_plain(value: &JsValue) -> bool {
    field(value, JSON_FIELD).is_some_and(|v| v.is_string())
}

fn field(value: &JsValue, name: &str) -> Option<JsValue> {
    Reflect::get(value, &JsValue::from_str(name))
        .ok()
        .filter(|v| !v.is_undefined())
}

/// The bytes sealed in a `{ iv, ct }` value.
pub async fn open_bytes(
    cipher: &Cipher,
    what: &'static str,
    value: &JsValue,
) -> Result<Vec<u8>, IdbError> {
    let array = |name: &str| {
        field(value, name)
            .and_then(|v| v.dyn_into::<Uint8Array>().ok())
            .ok_or_else(|| IdbError::deserialise(what, format!("no {name}")))
    };
    let iv = array(IV_FIELD)?.to_vec();
    let ct = array(CT_FIELD)?;
    cipher
        .open(&iv, &ct)
        .await
        .map_err(|source| IdbError::Crypto { what, source })
}

pub async fn decode<T: DeserializeOwned>(
    cipher: &Cipher,
    what: &'static str,
    value: &JsValue,
) -> Result<T, IdbError> {
    if let Some(json) = field(value, JSON_FIELD).and_then(|v| v.as_string()) {
        return serde_json::from_str(&json).map_err(|e| IdbError::deserialise(what, e));
    }
    let plain = open_bytes(cipher, what, value).await?;
    serde_json::from_slice(&plain).map_err(|e| IdbError::deserialise(what, e))
}

/// Opens every value at once (the browser decrypts them side by side), in order.
pub async fn decode_all<T: DeserializeOwned>(
    cipher: &Cipher,
    what: &'static str,
    values: &[JsValue],
) -> Result<Vec<T>, IdbError> {
    futures::future::try_join_all(values.iter().map(|v| decode(cipher, what, v))).await
}

/// A UUID key: its hyphenated lower-case text, whose string order is the UUID's byte order
/// (so iteration matches the reference store's `BTreeMap`).
pub fn id_key(id: impl std::fmt::Display) -> JsValue {
    JsValue::from_str(&id.to_string())
}

/// An outbox key: `client_seq` as a number, so keys sort numerically.
pub fn seq_key(seq: u64) -> Result<JsValue, IdbError> {
    if seq > MAX_SAFE_INTEGER {
        return Err(IdbError::deserialise(
            "outbox key",
            format!("client_seq {seq} is beyond what a key holds exactly"),
        ));
    }
    Ok(JsValue::from_f64(seq as f64))
}

/// The `client_seq` back from a key.
pub fn seq_from_key(key: &JsValue) -> Result<u64, IdbError> {
    match key.as_f64() {
        Some(n) if n >= 0.0 && n.fract() == 0.0 && n <= MAX_SAFE_INTEGER as f64 => Ok(n as u64),
        _ => Err(IdbError::deserialise("outbox key", format!("{key:?}"))),
    }
}

pub fn set(object: &JsValue, field: &str, value: &JsValue) -> Result<(), IdbError> {
    Reflect::set(object, &JsValue::from_str(field), value)
        .map(|_| ())
        .map_err(|e| IdbError::from_js(&e))
}
