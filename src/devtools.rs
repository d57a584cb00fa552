//! Hooks for the end-to-end tests and the browser benchmark, on `window.wasmBindings` (Trunk
//! puts the app's exports there). They drive the same engine the pages use — no shortcut
//! around the outbox — so what they measure is what a person's taps cost.

use crate::model;
use crate::storage::idb::{IdbClientStore, delete_database};
use crate::sync::engine::{SyncEngine, precise_ms};
use huifang_core::sync::RecordKind;
use std::cell::RefCell;
use wasm_bindgen::prelude::*;

thread_local! {
    static ENGINE: RefCell<Option<SyncEngine>> = const { RefCell::new(None) };
}

/// The signed-in engine (set when it starts, cleared when it stops).
pub(crate) fn set_engine(engine: Option<SyncEngine>) {
    ENGINE.with(|e| *e.borrow_mut() = engine);
}

fn engine() -> Result<SyncEngine, JsValue> {
    ENGINE
        .with(|e| e.borrow().clone())
        .ok_or_else(|| JsValue::from_str("no engine: sign in first"))
}

/// Saves `count` new customers named `<prefix> <n>` one by one, as the "new customer" form
/// does; returns each save's time in ms (lock, merge, one IndexedDB commit).
#[wasm_bindgen(js_name = huifangCreateCustomers)]
pub async fn create_customers(prefix: String, count: u32) -> Result<js_sys::Array, JsValue> {
    let engine = engine()?;
    let times = js_sys::Array::new();
    for n in 0..count {
        let name = format!("{prefix} {n:05}");
        let op = model::new_customer(engine.user(), &name, "13800138000")
            .map_err(|e| JsValue::from_str(&e.to_string()))?;
        let started = precise_ms();
        engine
            .create(RecordKind::Customer, move |_| op)
            .await
            .map_err(|e| JsValue::from_str(&e.to_string()))?;
        times.push(&JsValue::from_f64(precise_ms() - started));
    }
    Ok(times)
}

/// The floor: up to `limit` of the device's current records put into a scratch database of
/// the same layout, `per_transaction` at a time; returns each transaction's time in ms.
#[wasm_bindgen(js_name = huifangRawPut)]
pub async fn raw_put(per_transaction: u32, limit: u32) -> Result<js_sys::Array, JsValue> {
    let mut records = engine()?
        .records()
        .await
        .map_err(|e| JsValue::from_str(&e.to_string()))?;
    records.truncate(limit as usize);
    let name = "huifang-bench-floor";
    let store = IdbClientStore::open(name)
        .await
        .map_err(|e| JsValue::from_str(&e.to_string()))?;
    let times = store
        .raw_put(&records, per_transaction as usize)
        .await
        .map_err(|e| JsValue::from_str(&e.to_string()));
    drop(store);
    delete_database(name)
        .await
        .map_err(|e| JsValue::from_str(&e.to_string()))?;
    Ok(times?.into_iter().map(JsValue::from_f64).collect())
}

/// How many records the device holds.
#[wasm_bindgen(js_name = huifangRecordCount)]
pub async fn record_count() -> Result<u32, JsValue> {
    let records = engine()?
        .records()
        .await
        .map_err(|e| JsValue::from_str(&e.to_string()))?;
    Ok(records.len() as u32)
}
