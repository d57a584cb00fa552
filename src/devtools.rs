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
    let cipher = crate::storage::crypto::current().map_err(js_err)?;
    let store = IdbClientStore::open(name, cipher)
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

// ---- The device benchmark (crates/e2e/benches/device.rs) -----------------------------------

/// Surnames and given names for the synthetic customers: a one-character search ("王")
/// matches a share of them, a two-character one ("王伟") fewer, as on a real tablet.
const SURNAMES: [&str; 10] = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"];
const GIVEN: [&str; 10] = ["伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇"];
/// One callback task per this many customers, and one task in this many open (on the list).
const CUSTOMERS_PER_TASK: u32 = 5;
const TASKS_PER_OPEN: u32 = 10;
/// Records per IndexedDB transaction while seeding (the same bulk path a pull's page takes).
const SEED_PER_COMMIT: usize = 2_000;

fn js_err(e: impl std::fmt::Display) -> JsValue {
    JsValue::from_str(&e.to_string())
}

/// A fresh, unique record id: `run` tells seeding runs apart, `n` records within one.
fn seeded_id(ms: u64, run: u16, n: u64) -> huifang_core::sync::RecordId {
    let mut random = [0u8; 10];
    // Bytes 3..10 of a v7's random part survive the version and variant bits.
    random[1..3].copy_from_slice(&run.to_be_bytes());
    random[3..].copy_from_slice(&n.to_be_bytes()[1..]);
    huifang_core::sync::RecordId::new_v7(ms, random)
}

/// Writes a long day's worth of synced records straight into the signed-in user's device
/// database, through the store's commit (bases and views both, nothing in the outbox): a
/// device that pulled them earlier. `customers` customers (numbered from `first`, so calls
/// of a few thousand each add up to a large device within the protocol's time limit), one callback task of the agent's
/// per 5 customers (one in 10 of them open: the today list), and `events_per_customer`
/// events each (call attempts and callback records, 3:2). Returns `{records, ms}`. Reload
/// (or re-read) afterwards: the pages do not know the records arrived.
#[wasm_bindgen(js_name = huifangSeedDevice)]
pub async fn seed_device(
    first: u32,
    customers: u32,
    events_per_customer: u32,
) -> Result<JsValue, JsValue> {
    use huifang_core::care::calls::fields as cf;
    use huifang_core::sync::{
        ClientBatch, ClientId, ClientStore, Entity, Event, FieldState, Hlc, Record, Scope,
    };
    use serde_json::{Value, json};
    use std::collections::BTreeMap;

    let engine = engine()?;
    let me = engine.user().clone();
    let started = precise_ms();
    let now = crate::sync::engine::now_ms();
    let ms = u64::try_from(now).unwrap_or(0);
    let run = (js_sys::Math::random() * 65_536.0) as u16;
    let node = ClientId::new_v7(ms, [run as u8, 7, 7, 7, 7, 7, 7, 7, 7, 7]);
    let (today, _) = crate::routes::today::local_now();
    let mut n = 0u64;
    let mut version = 1_000_000_000u64;
    let mut next = |wall_ms: i64| {
        n += 1;
        version += 1;
        (
            seeded_id(ms, run, n),
            Hlc {
                wall_ms,
                counter: (n % 1000) as u32,
                node,
            },
            version,
        )
    };
    let store_scope = Scope {
        store: me.store.clone(),
        owner: None,
    };
    let my_scope = Scope {
        store: me.store.clone(),
        owner: Some(me.user.clone()),
    };
    let entity = |kind, id, scope: &Scope, stamp: Hlc, version, fields: Vec<(&str, Value)>| {
        Record::Entity(Entity {
            id,
            kind,
            scope: scope.clone(),
            fields: fields
                .into_iter()
                .map(|(k, v)| {
                    (
                        k.to_owned(),
                        FieldState {
                            value: v,
                            stamp,
                            by: me.user.clone(),
                        },
                    )
                })
                .collect(),
            tombstone: None,
            conflicts: BTreeMap::new(),
            version,
        })
    };
    let event = |kind, id, stamp: Hlc, version, fields: Vec<(&str, Value)>| {
        Record::Event(Event {
            id,
            kind,
            scope: my_scope.clone(),
            fields: fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
            stamp,
            by: me.user.clone(),
            version,
        })
    };

    let name = engine.db_name().to_owned();
    let cipher = crate::storage::crypto::current().map_err(js_err)?;
    let mut store = IdbClientStore::open(&name, cipher).await.map_err(js_err)?;
    let mut batch: Vec<Record> = Vec::with_capacity(SEED_PER_COMMIT + 16);
    let mut written = 0u32;
    let day_ms: i64 = 86_400_000;
    for c in first..first + customers {
        let when = now - i64::from(c % 365) * day_ms;
        let (customer, stamp, v) = next(when);
        let customer_key = customer.to_string();
        let name = format!(
            "{}{} {c:06}",
            SURNAMES[(c % 10) as usize],
            GIVEN[((c / 10) % 10) as usize]
        );
        batch.push(entity(
            RecordKind::Customer,
            customer,
            &store_scope,
            stamp,
            v,
            vec![
                ("name", json!(name)),
                ("phone", json!(format!("139{c:08}"))),
                (
                    "note",
                    json!("上次保养后反馈良好，希望周末上午联系；对延保产品有兴趣。"),
                ),
                (
                    "member_level",
                    json!(["普通", "银卡", "金卡"][(c % 3) as usize]),
                ),
            ],
        ));
        let mut task_key = String::new();
        if c.is_multiple_of(CUSTOMERS_PER_TASK) {
            let (task, stamp, v) = next(when);
            task_key = task.to_string();
            let purpose = huifang_core::care::rules::Purpose::ALL
                [(c / CUSTOMERS_PER_TASK) as usize % huifang_core::care::rules::Purpose::ALL.len()];
            let open = (c / CUSTOMERS_PER_TASK).is_multiple_of(TASKS_PER_OPEN);
            batch.push(entity(
                RecordKind::CallbackTask,
                task,
                &my_scope,
                stamp,
                v,
                vec![
                    (cf::CUSTOMER, json!(customer_key)),
                    (cf::STATUS, json!(if open { "open" } else { "done" })),
                    (cf::PURPOSE, json!(purpose.as_str())),
                    (
                        cf::DUE_BY,
                        json!(today.plus((c % 15) as i32 - 5).to_string()),
                    ),
                    (cf::ASSIGNED_AT, json!(when)),
                ],
            ));
        }
        for e in 0..events_per_customer {
            let at = when + i64::from(e) * 3_600_000;
            let (id, stamp, v) = next(at);
            if e % 5 < 3 {
                batch.push(event(
                    RecordKind::CallAttempt,
                    id,
                    stamp,
                    v,
                    vec![
                        (cf::CUSTOMER, json!(customer_key)),
                        (cf::TASK, json!(task_key)),
                        (
                            cf::OUTCOME,
                            json!(["no_answer", "busy", "reached"][(e % 3) as usize]),
                        ),
                        (cf::STARTED_AT, json!(at)),
                        (cf::SECONDS, json!(30 + e * 17)),
                    ],
                ));
            } else {
                batch.push(event(
                    RecordKind::CallbackRecord,
                    id,
                    stamp,
                    v,
                    vec![
                        (cf::CUSTOMER, json!(customer_key)),
                        (cf::TASK, json!(task_key)),
                        (cf::PURPOSE, json!("post_service")),
                        (cf::SATISFACTION, json!("satisfied")),
                        (cf::SUGGESTIONS, json!("希望缩短等待时间")),
                        (cf::COMPLAINT, json!(false)),
                        (cf::NOTES, json!("客户对本次保养满意，提醒下次保养时间。")),
                    ],
                ));
            }
        }
        if batch.len() >= SEED_PER_COMMIT || c + 1 == first + customers {
            let mut commit = ClientBatch::default();
            for r in batch.drain(..) {
                commit.bases.insert(r.id(), Some(r.clone()));
                commit.views.insert(r.id(), Some(r));
                written += 1;
            }
            store.commit(commit).await.map_err(js_err)?;
        }
    }
    drop(store);
    let answer = js_sys::Object::new();
    let set = |k: &str, v: f64| js_sys::Reflect::set(&answer, &k.into(), &v.into());
    set("records", f64::from(written))?;
    set("ms", precise_ms() - started)?;
    Ok(answer.into())
}

/// Times, `reps` times each, over what the device holds, what the pages run:
/// - `read_ms`: `engine.records()` (a copy of every live record);
/// - `snap_ms`: `engine.snapshot()` (what the pages read: the kept records, read from the
///   store again only after a change);
/// - `list_ms`: the today page's list: `TodayIndex::of` over the snapshot, then its list
///   with no search;
/// - `search1_ms` / `search2_ms`: one keystroke on the today page: the index's list for `q1`,
///   then `q2` (the customers page has no search);
/// - `file_ms`: a customer's file (`CustomerFile::of`, as the customer page builds it) of the
///   middle customer by id, over the snapshot.
///
/// Returns those arrays (ms) and `records`, `items`, `hits1`, `hits2` (counts).
#[wasm_bindgen(js_name = huifangTimeReads)]
pub async fn time_reads(reps: u32, q1: String, q2: String) -> Result<JsValue, JsValue> {
    use crate::routes::today::{local_now, local_offset};
    let engine = engine()?;
    let me = engine.user().user.clone();
    let (today, _) = local_now();
    let offset = local_offset();
    let answer = js_sys::Object::new();
    let names = [
        "read_ms",
        "snap_ms",
        "list_ms",
        "search1_ms",
        "search2_ms",
        "file_ms",
    ];
    let times: Vec<js_sys::Array> = names.iter().map(|_| js_sys::Array::new()).collect();
    let lap = |i: usize, started: f64| times[i].push(&JsValue::from_f64(precise_ms() - started));
    let (mut records_n, mut items, mut hits1, mut hits2) = (0, 0, 0, 0);
    for _ in 0..reps.max(1) {
        let started = precise_ms();
        records_n = engine.records().await.map_err(js_err)?.len();
        lap(0, started);

        let started = precise_ms();
        let records = engine.snapshot().await.map_err(js_err)?;
        lap(1, started);

        let started = precise_ms();
        let index = model::TodayIndex::of(&records, &me, today, offset);
        items = index.list("", None).len();
        lap(2, started);

        let started = precise_ms();
        hits1 = index.list(&q1, None).len();
        lap(3, started);
        let started = precise_ms();
        hits2 = index.list(&q2, None).len();
        lap(4, started);

        let customers: Vec<_> = records
            .iter()
            .filter(|r| {
                r.as_entity()
                    .is_some_and(|e| e.kind == RecordKind::Customer)
            })
            .map(|r| r.id())
            .collect();
        let id = customers
            .get(customers.len() / 2)
            .copied()
            .ok_or_else(|| JsValue::from_str("no customers stored"))?;
        let started = precise_ms();
        let file = model::CustomerFile::of(&records, id, today);
        lap(5, started);
        if file.is_none() {
            return Err(JsValue::from_str("the customer's file is missing"));
        }
    }
    for (name, array) in names.iter().zip(&times) {
        js_sys::Reflect::set(&answer, &(*name).into(), array)?;
    }
    for (name, n) in [
        ("records", records_n),
        ("items", items),
        ("hits1", hits1),
        ("hits2", hits2),
    ] {
        js_sys::Reflect::set(&answer, &name.into(), &JsValue::from_f64(n as f64))?;
    }
    Ok(answer.into())
}

/// The floor for reads: every value of the device's records store visited with a raw
/// IndexedDB cursor (a second connection, one read-only transaction, no decoding beyond
/// IndexedDB's own). Returns `{records, ms}`.
#[wasm_bindgen(js_name = huifangCursorScan)]
pub async fn cursor_scan() -> Result<JsValue, JsValue> {
    use crate::storage::idb::schema::VIEWS;
    let engine = engine()?;
    let name = engine.db_name().to_owned();
    let factory = idb::Factory::new().map_err(js_err)?;
    let db = factory
        .open(&name, None)
        .map_err(js_err)?
        .await
        .map_err(js_err)?;
    let started = precise_ms();
    let tx = db
        .transaction(&[VIEWS], idb::TransactionMode::ReadOnly)
        .map_err(js_err)?;
    let store = tx.object_store(VIEWS).map_err(js_err)?;
    let mut count = 0u32;
    if let Some(cursor) = store
        .open_cursor(None, None)
        .map_err(js_err)?
        .await
        .map_err(js_err)?
    {
        let mut cursor = cursor.into_managed();
        while let Some(value) = cursor.value().map_err(js_err)? {
            if !value.is_undefined() {
                count += 1;
            }
            cursor.next(None).await.map_err(js_err)?;
        }
    }
    let ms = precise_ms() - started;
    db.close();
    let answer = js_sys::Object::new();
    js_sys::Reflect::set(&answer, &"records".into(), &f64::from(count).into())?;
    js_sys::Reflect::set(&answer, &"ms".into(), &ms.into())?;
    Ok(answer.into())
}
