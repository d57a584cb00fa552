//! Callback tasks from the store's rules (the core's `care::rules`): after an import (and
//! whenever called), every customer's due callbacks that do not exist yet become
//! `callback_task` records, unassigned, for the supervisor to share out. A task's key
//! (`<customer>:post_service:WO-1001`) makes this safe to run any number of times.

use crate::error::Error;
use crate::sync::Engine;
use huifang_core::care::dates::{self, Day};
use huifang_core::care::rules::{self, Facts, Rules};
use huifang_core::sync::{RecordId, RecordKind, UserCtx};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// The fields of a callback task.
pub mod fields {
    pub const CUSTOMER: &str = "customer";
    pub const PURPOSE: &str = "purpose";
    pub const DUE_BY: &str = "due_by";
    pub const KEY: &str = "key";
}

fn day_of(value: Option<&Value>) -> Option<Day> {
    value
        .and_then(Value::as_str)
        .and_then(|s| dates::parse(s).ok())
}

/// Creates the tasks due on `today` that do not exist yet; returns how many, and the
/// refusals' reasons (none expected: the importer is a lead).
pub async fn generate(
    engine: &Engine,
    me: &UserCtx,
    rules: &Rules,
    today: Day,
    now_ms: i64,
) -> Result<(usize, Vec<String>), Error> {
    let mut facts: BTreeMap<RecordId, Facts> = BTreeMap::new();
    let mut keys = BTreeSet::new();
    for e in super::store_entities(engine, me, now_ms).await? {
        let customer_of = |e: &huifang_core::sync::Entity| {
            e.value("customer")
                .and_then(Value::as_str)
                .and_then(|s| s.parse().ok())
                .map(RecordId)
        };
        match e.kind {
            RecordKind::Customer => {
                let f = facts.entry(e.id).or_default();
                f.insurance_expiry = day_of(e.value("insurance_expiry"));
                f.member_expiry = day_of(e.value("member_expiry"));
            }
            RecordKind::Vehicle => {
                if let (Some(c), Some(p)) = (customer_of(&e), day_of(e.value("purchase_date"))) {
                    let f = facts.entry(c).or_default();
                    f.purchase = f.purchase.max(Some(p));
                }
            }
            RecordKind::ServiceVisit => {
                if let (Some(c), Some(d)) = (customer_of(&e), day_of(e.value("date"))) {
                    let work_order = e
                        .value("work_order")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned();
                    facts.entry(c).or_default().visits.push((d, work_order));
                }
            }
            RecordKind::CallbackTask => {
                if let Some(k) = e.value(fields::KEY).and_then(Value::as_str) {
                    keys.insert(k.to_owned());
                }
            }
            _ => {}
        }
    }
    let mut changes = super::Changes::new(me, now_ms, 0x7a);
    for (customer, f) in &facts {
        for draft in rules::due(rules, f, today) {
            let key = format!("{customer}:{}", draft.key);
            if !keys.insert(key.clone()) {
                continue;
            }
            let mut task = BTreeMap::new();
            task.insert(fields::CUSTOMER.to_owned(), json!(customer.to_string()));
            task.insert(fields::PURPOSE.to_owned(), json!(draft.purpose));
            task.insert(fields::DUE_BY.to_owned(), json!(draft.due_by.to_string()));
            task.insert(fields::KEY.to_owned(), json!(key));
            changes.create(RecordKind::CallbackTask, task);
        }
    }
    let (created, refusals) = changes.send(engine).await?;
    Ok((created, refusals))
}
