//! Records the tests put on the server before a tablet opens: customers with a visit and a
//! callback for an agent, through the same push API the devices use.

use crate::Result;
use huifang_core::care::dates::Day;
use huifang_core::sync::{Op, RecordId, RecordKind, Scope};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// A field map from pairs.
pub fn fields(pairs: &[(&str, Value)]) -> BTreeMap<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

/// A fresh record id (UUIDv7), unique within the test run.
pub fn new_id() -> RecordId {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default();
    let mut bits = [0x5e; 10];
    bits[3..].copy_from_slice(&NEXT.fetch_add(1, Ordering::Relaxed).to_be_bytes()[1..]);
    RecordId::new_v7(ms, bits)
}

/// A customer with yesterday's visit and a post-service callback for `agent`; returns the
/// task's id.
pub async fn callback_for(
    supervisor: &crate::ApiClient,
    agent: &huifang_core::UserId,
    name: &str,
    phone: &str,
    work_order: &str,
    today: Day,
) -> Result<RecordId> {
    let store = Scope {
        store: supervisor.me.store_id.clone(),
        owner: None,
    };
    let (customer, visit, task) = (new_id(), new_id(), new_id());
    let changes = vec![
        (
            RecordKind::Customer,
            customer,
            Op::Create {
                scope: store.clone(),
                fields: fields(&[("name", json!(name)), ("phone", json!(phone))]),
            },
        ),
        (
            RecordKind::ServiceVisit,
            visit,
            Op::Create {
                scope: store.clone(),
                fields: fields(&[
                    ("customer", json!(customer.to_string())),
                    ("date", json!(today.plus(-1).to_string())),
                    ("work_order", json!(work_order)),
                    ("items", json!("首保")),
                    ("advisor", json!("刘强")),
                ]),
            },
        ),
        (
            RecordKind::CallbackTask,
            task,
            Op::Create {
                scope: Scope {
                    store: store.store.clone(),
                    owner: Some(agent.clone()),
                },
                fields: fields(&[
                    ("customer", json!(customer.to_string())),
                    ("purpose", json!("post_service")),
                    ("due_by", json!(today.plus(2).to_string())),
                    ("work_order", json!(work_order)),
                ]),
            },
        ),
    ];
    supervisor.apply(changes).await?;
    Ok(task)
}
