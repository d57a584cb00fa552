//! Callback tasks from the store's rules (the core's `care::rules`): after an import (and
//! whenever called), every customer's due callbacks that do not exist yet become
//! `callback_task` records, unassigned, for the supervisor to share out. A task's key
//! (`<customer>:post_service:WO-1001`) makes this safe to run any number of times.

use crate::error::Error;
use crate::sync::Engine;
use huifang_core::StoreId;
use huifang_core::care::dates::{self, Day};
use huifang_core::care::rules::{self, Facts, Rules, Visit};
use huifang_core::sync::{Entity, RecordId, RecordKind, UserCtx};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// The fields of a callback task.
pub mod fields {
    pub const CUSTOMER: &str = "customer";
    pub const PURPOSE: &str = "purpose";
    pub const DUE_BY: &str = "due_by";
    pub const KEY: &str = "key";
    /// A post-service callback's visit (its work order).
    pub const WORK_ORDER: &str = "work_order";
}

pub(crate) fn day_of(value: Option<&Value>) -> Option<Day> {
    value
        .and_then(Value::as_str)
        .and_then(|s| dates::parse(s).ok())
}

/// What the store's records say of its customers, for the rules and for campaigns.
#[derive(Default)]
pub(crate) struct StoreFacts<'a> {
    /// The customers' records, by id.
    pub customers: BTreeMap<RecordId, &'a Entity>,
    /// The rules' facts of every customer some record names.
    pub facts: BTreeMap<RecordId, Facts>,
    /// The models of each customer's cars.
    pub models: BTreeMap<RecordId, Vec<String>>,
    /// The keys of the callback tasks that exist.
    pub task_keys: BTreeSet<String>,
}

/// The customer a record names in its `customer` field.
pub(crate) fn customer_of(e: &Entity) -> Option<RecordId> {
    e.value("customer")
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok())
        .map(RecordId)
}

/// Gathers the facts of `store` from `entities` (a group role sees other stores' too).
pub(crate) fn store_facts<'a>(entities: &'a [Entity], store: &StoreId) -> StoreFacts<'a> {
    let mut out = StoreFacts::default();
    for e in entities.iter().filter(|e| e.scope.store == *store) {
        match e.kind {
            RecordKind::Customer => {
                out.customers.insert(e.id, e);
                let f = out.facts.entry(e.id).or_default();
                f.insurance_expiry = day_of(e.value("insurance_expiry"));
                f.member_expiry = day_of(e.value("member_expiry"));
            }
            RecordKind::Vehicle => {
                let Some(c) = customer_of(e) else { continue };
                if let Some(p) = day_of(e.value("purchase_date")) {
                    let f = out.facts.entry(c).or_default();
                    f.purchase = f.purchase.max(Some(p));
                }
                if let Some(m) = e.value("model").and_then(Value::as_str) {
                    out.models.entry(c).or_default().push(m.to_owned());
                }
            }
            RecordKind::ServiceVisit => {
                if let (Some(c), Some(day)) = (customer_of(e), day_of(e.value("date"))) {
                    let work_order = e
                        .value("work_order")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned();
                    // Imports write whole km; a reading that is not one is no reading.
                    let km = e
                        .value("mileage")
                        .and_then(Value::as_u64)
                        .and_then(|km| u32::try_from(km).ok());
                    out.facts.entry(c).or_default().visits.push(Visit {
                        day,
                        work_order,
                        km,
                    });
                }
            }
            RecordKind::CallbackTask => {
                if let Some(k) = e.value(fields::KEY).and_then(Value::as_str) {
                    out.task_keys.insert(k.to_owned());
                }
            }
            _ => {}
        }
    }
    out
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
    let entities = super::store_entities(engine, me, now_ms).await?;
    let StoreFacts {
        facts,
        task_keys: mut keys,
        ..
    } = store_facts(&entities, &me.store);
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
            // The visit a post-service callback is about, for the call page (and the
            // script's "thanks for your visit on …").
            if let Some(work_order) = draft.key.strip_prefix("post_service:") {
                task.insert(fields::WORK_ORDER.to_owned(), json!(work_order));
            }
            task.insert(fields::KEY.to_owned(), json!(key));
            changes.create(RecordKind::CallbackTask, task);
        }
    }
    let (created, refusals) = changes.send(engine).await?;
    Ok((created, refusals))
}
