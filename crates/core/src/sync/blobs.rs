//! Blobs (signatures, photos) are named by the SHA-256 of their bytes (DESIGN.md "Data and
//! sync", Blobs). A mutation references them through fields named [`BLOB_FIELD`] (one hash)
//! or [`BLOBS_FIELD`] (an array of hashes): in the `fields` of [`Op::Create`] and
//! [`Op::AppendEvent`], or as the `value` of a [`FieldWrite`](super::FieldWrite) of that name
//! in [`Op::SetFields`]. A `null` there means "no blob" (a cleared photo), not a reference.
//!
//! The device uploads every referenced blob before it pushes the mutation; the server refuses
//! a mutation that references a blob its store has not uploaded, or a malformed reference.

use super::mutation::Op;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The field that holds one blob's hash.
pub const BLOB_FIELD: &str = "blob";
/// The field that holds an array of blob hashes.
pub const BLOBS_FIELD: &str = "blobs";

/// The SHA-256 of `bytes` as 64 lowercase hex digits: a blob's name.
pub fn hash(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0x0f)]));
    }
    out
}

/// Whether `s` is a blob's name: exactly 64 lowercase hex digits.
pub fn is_hash(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// A `blob`/`blobs` field whose value is not a blob reference.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "field {field:?} must hold {expected}, not {found}: a blob is named by the SHA-256 of \
     its bytes (64 lowercase hex digits)"
)]
pub struct MalformedBlobRef {
    pub field: String,
    pub expected: &'static str,
    /// The offending value, shortened for messages.
    pub found: String,
}

fn shortened(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(80) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

/// Adds the hashes one field's value references to `out`.
fn collect(field: &str, value: &Value, out: &mut Vec<String>) -> Result<(), MalformedBlobRef> {
    let malformed = |expected: &'static str| MalformedBlobRef {
        field: field.to_owned(),
        expected,
        found: shortened(value),
    };
    match field {
        BLOB_FIELD => match value {
            Value::Null => Ok(()),
            Value::String(s) if is_hash(s) => {
                out.push(s.clone());
                Ok(())
            }
            _ => Err(malformed("a SHA-256 (or null)")),
        },
        BLOBS_FIELD => match value {
            Value::Null => Ok(()),
            Value::Array(items) => {
                for item in items {
                    match item {
                        Value::String(s) if is_hash(s) => out.push(s.clone()),
                        _ => return Err(malformed("an array of SHA-256s (or null)")),
                    }
                }
                Ok(())
            }
            _ => Err(malformed("an array of SHA-256s (or null)")),
        },
        _ => Ok(()),
    }
}

/// Every blob `op` references, each once, in the order first met; or the first malformed
/// reference. This is the server's check.
pub fn references(op: &Op) -> Result<Vec<String>, MalformedBlobRef> {
    let mut out = Vec::new();
    match op {
        Op::Create { fields, .. } | Op::AppendEvent { fields, .. } => {
            for (field, value) in fields {
                collect(field, value, &mut out)?;
            }
        }
        Op::SetFields { writes } => {
            for w in writes {
                collect(&w.field, &w.value, &mut out)?;
            }
        }
        Op::Transition { .. } | Op::Delete | Op::MoveScope { .. } => {}
    }
    dedup(&mut out);
    Ok(out)
}

/// Every well-formed blob hash `op` references, each once (what the device uploads before it
/// pushes). Malformed values are left out: the server refuses the mutation with a reason.
pub fn referenced(op: &Op) -> Vec<String> {
    let mut out = Vec::new();
    let mut one = |field: &str, value: &Value| match (field, value) {
        (BLOB_FIELD, Value::String(s)) if is_hash(s) => out.push(s.clone()),
        (BLOBS_FIELD, Value::Array(items)) => out.extend(
            items
                .iter()
                .filter_map(Value::as_str)
                .filter(|s| is_hash(s))
                .map(str::to_owned),
        ),
        _ => {}
    };
    match op {
        Op::Create { fields, .. } | Op::AppendEvent { fields, .. } => {
            for (field, value) in fields {
                one(field, value);
            }
        }
        Op::SetFields { writes } => {
            for w in writes {
                one(&w.field, &w.value);
            }
        }
        Op::Transition { .. } | Op::Delete | Op::MoveScope { .. } => {}
    }
    dedup(&mut out);
    out
}

/// Removes repeats, keeping the first of each.
fn dedup(hashes: &mut Vec<String>) {
    let mut seen = std::collections::BTreeSet::new();
    hashes.retain(|h| seen.insert(h.clone()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::StoreId;
    use crate::sync::{FieldWrite, Scope};
    use serde_json::json;
    use std::collections::BTreeMap;

    fn scope() -> Scope {
        Scope {
            store: StoreId("s1".to_owned()),
            owner: None,
        }
    }

    fn fields(pairs: &[(&str, Value)]) -> BTreeMap<String, Value> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect()
    }

    #[test]
    fn hash_is_lowercase_hex_sha256() {
        assert_eq!(
            hash(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            hash(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(is_hash(&hash(b"signature")));
    }

    #[test]
    fn only_64_lowercase_hex_digits_are_hashes() {
        let good = hash(b"x");
        assert!(is_hash(&good));
        assert!(!is_hash(&good.to_uppercase()));
        assert!(!is_hash(&good[..63]));
        assert!(!is_hash(&format!("{good}0")));
        assert!(!is_hash(&format!("{}g", &good[..63])));
        assert!(!is_hash(""));
        // 64 bytes but not 64 ASCII digits.
        assert!(!is_hash(&"é".repeat(32)));
    }

    #[test]
    fn references_come_from_blob_and_blobs_fields_of_every_writing_op() {
        let a = hash(b"a");
        let b = hash(b"b");
        let c = hash(b"c");
        let create = Op::Create {
            scope: scope(),
            fields: fields(&[
                ("blob", json!(a)),
                ("blobs", json!([b, a, b])),
                ("note", json!(c)), // not a blob field
            ]),
        };
        // BTreeMap order: "blob" before "blobs".
        assert_eq!(referenced(&create), vec![a.clone(), b.clone()]);
        assert_eq!(references(&create), Ok(vec![a.clone(), b.clone()]));

        let event = Op::AppendEvent {
            scope: scope(),
            fields: fields(&[("blob", json!(c))]),
        };
        assert_eq!(referenced(&event), vec![c.clone()]);

        let set = Op::SetFields {
            writes: vec![
                FieldWrite {
                    field: "blobs".to_owned(),
                    value: json!([c, a]),
                    base: None,
                },
                FieldWrite {
                    field: "blob".to_owned(),
                    value: json!(c),
                    base: None,
                },
            ],
        };
        assert_eq!(referenced(&set), vec![c.clone(), a.clone()]);
        assert_eq!(references(&set), Ok(vec![c, a]));

        assert!(referenced(&Op::Delete).is_empty());
        assert_eq!(references(&Op::Delete), Ok(vec![]));
    }

    #[test]
    fn null_means_no_blob() {
        let op = Op::SetFields {
            writes: vec![
                FieldWrite {
                    field: "blob".to_owned(),
                    value: Value::Null,
                    base: None,
                },
                FieldWrite {
                    field: "blobs".to_owned(),
                    value: Value::Null,
                    base: None,
                },
            ],
        };
        assert_eq!(references(&op), Ok(vec![]));
        assert!(referenced(&op).is_empty());
    }

    #[test]
    fn malformed_references_are_left_to_the_server_to_refuse() {
        let good = hash(b"good");
        for (field, value) in [
            ("blob", json!("not-a-hash")),
            ("blob", json!(good.to_uppercase())),
            ("blob", json!(42)),
            ("blob", json!([good])),
            ("blobs", json!(good)),
            ("blobs", json!([good, "nope"])),
            ("blobs", json!([good, null])),
        ] {
            let op = Op::Create {
                scope: scope(),
                fields: fields(&[(field, value.clone())]),
            };
            let err = references(&op).expect_err("malformed");
            assert_eq!(err.field, field);
            assert!(err.to_string().contains("SHA-256"), "{err}");
            // The device still uploads what is well formed in it.
            let expected = match value.as_array() {
                Some(_) if field == "blobs" => vec![good.clone()],
                _ => vec![],
            };
            assert_eq!(referenced(&op), expected, "{field}: {value}");
        }
    }

    #[test]
    fn long_values_are_shortened_in_the_reason() {
        let op = Op::Create {
            scope: scope(),
            fields: fields(&[("blob", json!("x".repeat(10_000)))]),
        };
        let err = references(&op).expect_err("malformed");
        assert!(err.to_string().len() < 400, "{err}");
    }
}
