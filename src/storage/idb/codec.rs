//! Stored values and keys. Values are JSON text inside a small object (see `schema`): the core
//! types round-trip exactly through serde_json (the same encoding as the wire protocol; no
//! 2^53 limit on integers, no Map-vs-object question), and a later encryption-at-rest step
//! can replace the text by ciphertext in one place.

use super::error::IdbError;
use super::schema::{JSON_FIELD, MUTATION_ID_FIELD};
use huifang_core::sync::MutationId;
use js_sys::{Object, Reflect};
use serde::{Serialize, de::DeserializeOwned};
use wasm_bindgen::JsValue;

/// The largest integer a JavaScript number key holds exactly (`Number.MAX_SAFE_INTEGER`).
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// `{ json }` for any serialisable value.
pub fn encode<T: Serialize>(what: &'static str, value: &T) -> Result<JsValue, IdbError> {
    let json =
        serde_json::to_string(value).map_err(|source| IdbError::Serialise { what, source })?;
    let object = Object::new();
    set(&object, JSON_FIELD, &JsValue::from_str(&json))?;
    Ok(object.into())
}

/// `{ json, mutation_id }` for an outbox entry.
pub fn encode_outbox<T: Serialize>(id: MutationId, value: &T) -> Result<JsValue, IdbError> {
    let object = encode("outbox entry", value)?;
    set(&object, MUTATION_ID_FIELD, &id_key(id))?;
    Ok(object)
}

pub fn decode<T: DeserializeOwned>(what: &'static str, value: &JsValue) -> Result<T, IdbError> {
    let json = Reflect::get(value, &JsValue::from_str(JSON_FIELD))
        .ok()
        .and_then(|v| v.as_string())
        .ok_or_else(|| IdbError::deserialise(what, "no JSON text"))?;
    serde_json::from_str(&json).map_err(|e| IdbError::deserialise(what, e))
}

pub fn decode_all<T: DeserializeOwned>(
    what: &'static str,
    values: &[JsValue],
) -> Result<Vec<T>, IdbError> {
    values.iter().map(|v| decode(what, v)).collect()
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
