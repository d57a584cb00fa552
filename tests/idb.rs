//! Browser tests of the IndexedDB device store (wasm-bindgen-test in headless Chromium):
//! every part of a batch, ordering, all-or-nothing, survival across a reload, the core's
//! `Replica` over it (checked step by step against the in-memory reference store), the schema
//! migrations, and the errors the UI must tell apart. Each test uses its own database and
//! deletes it at the end.
#![cfg(target_arch = "wasm32")]

use huifang::storage::crypto::Cipher;
use huifang::storage::idb::schema::{self, SCHEMA};
use huifang::storage::idb::{IdbClientStore, IdbError, StoredBlob, database_name, delete_database};
use huifang_core::sync::{
    ClientBatch, ClientId, ClientMeta, ClientStore, Event, Hlc, MemoryClientStore,
    MemoryServerStore, Mutation, MutationId, NeedsAttention, Op, PendingMutation, Record, RecordId,
    RecordKind, RejectCode, Replica, Scope, ServerConfig, StampPolicy, StateMachines, SyncServer,
    UserCtx,
};
use huifang_core::{Role, StoreId, UserId};
use idb::{Factory, ObjectStoreParams, Query, TransactionMode};
use serde_json::json;
use std::collections::BTreeMap;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const NOW: i64 = 1_750_000_000_000;
const HOUR: i64 = 3_600_000;

fn unique_name(test: &str) -> String {
    let salt = (js_sys::Math::random() * 1e12) as u64;
    format!("huifang-test-{test}-{salt}")
}

thread_local! {
    /// One data key for every test database (a reopened database needs the same key).
    static KEY: std::cell::RefCell<Option<Cipher>> = const { std::cell::RefCell::new(None) };
}

async fn key() -> Cipher {
    if let Some(key) = KEY.with(|k| k.borrow().clone()) {
        return key;
    }
    let key = Cipher::generate().await.expect("WebCrypto makes a key");
    KEY.with(|k| *k.borrow_mut() = Some(key.clone()));
    key
}

async fn open(name: &str) -> IdbClientStore {
    IdbClientStore::open(name, key().await)
        .await
        .expect("the database opens")
}

async fn cleanup(store: IdbClientStore) {
    let name = store.name().to_owned();
    drop(store);
    delete_database(&name)
        .await
        .expect("the database is deleted");
}

fn client() -> ClientId {
    ClientId::new_v7(NOW as u64, [1; 10])
}

fn user() -> UserId {
    UserId("agent-王".to_owned())
}

fn scope() -> Scope {
    Scope {
        store: StoreId("store-1".to_owned()),
        owner: Some(user()),
    }
}

fn record_id(n: u8) -> RecordId {
    RecordId::new_v7(NOW as u64 + u64::from(n), [n; 10])
}

fn mutation_id(n: u8) -> MutationId {
    MutationId::new_v7(NOW as u64 + u64::from(n), [n.wrapping_mul(37); 10])
}

/// A call attempt: an event with text, a float and a number past 2^53.
fn event(n: u8, version: u64) -> Record {
    let fields = BTreeMap::from([
        ("result".to_owned(), json!("无人接听")),
        ("minutes".to_owned(), json!(2.5)),
        ("big".to_owned(), json!(u64::MAX)),
    ]);
    Record::Event(Event {
        id: record_id(n),
        kind: RecordKind::CallAttempt,
        scope: scope(),
        fields,
        stamp: Hlc {
            wall_ms: NOW,
            counter: u32::from(n),
            node: client(),
        },
        by: user(),
        version,
    })
}

fn mutation(n: u8, seq: u64) -> Mutation {
    Mutation {
        mutation_id: mutation_id(n),
        client_id: client(),
        client_seq: seq,
        hlc: Hlc {
            wall_ms: NOW,
            counter: seq as u32,
            node: client(),
        },
        user: user(),
        kind: RecordKind::CallAttempt,
        record_id: record_id(n),
        op: Op::AppendEvent {
            scope: scope(),
            fields: BTreeMap::from([("result".to_owned(), json!("no_answer"))]),
        },
        step: None,
    }
}

fn pending(n: u8, seq: u64) -> PendingMutation {
    PendingMutation {
        mutation: mutation(n, seq),
        acked_version: None,
    }
}

fn attention(n: u8, seq: u64) -> NeedsAttention {
    NeedsAttention {
        mutation: mutation(n, seq),
        code: RejectCode::Forbidden,
        reason: "只有主管可以分配回访任务".to_owned(),
        rejected_at_ms: NOW,
    }
}

fn meta(cursor: u64) -> ClientMeta {
    // A fresh meta holds `Hlc::zero`: wall_ms is i64::MIN.
    ClientMeta {
        cursor,
        ..ClientMeta::new(client())
    }
}

/// Everything a store holds that a test can see, through the trait only.
#[derive(Debug, Clone, PartialEq)]
struct Snapshot {
    meta: Option<ClientMeta>,
    bases: Vec<(RecordId, Option<Record>)>,
    views: Vec<Record>,
    pending: Vec<PendingMutation>,
    attention: Vec<NeedsAttention>,
}

async fn snapshot<C: ClientStore>(store: &C, ids: &[RecordId]) -> Snapshot {
    let mut bases = Vec::new();
    for id in ids {
        bases.push((*id, store.base(*id).await.expect("base reads")));
    }
    for record in store.views().await.expect("views read") {
        assert_eq!(
            store.view(record.id()).await.expect("view reads"),
            Some(record.clone()),
            "view() agrees with views()"
        );
    }
    // Asked together, in any order, missing ones too: each as view() has it.
    let asked: Vec<RecordId> = ids.iter().rev().copied().collect();
    let together = store.views_of(&asked).await.expect("views_of reads");
    assert_eq!(together.len(), asked.len());
    for (id, got) in asked.iter().zip(together) {
        assert_eq!(
            got,
            store.view(*id).await.expect("view reads"),
            "views_of() agrees with view(), in the order asked"
        );
    }
    Snapshot {
        meta: store.meta().await.expect("meta reads"),
        bases,
        views: store.views().await.expect("views read"),
        pending: store.pending().await.expect("outbox reads"),
        attention: store.needs_attention().await.expect("attention reads"),
    }
}

fn ids() -> Vec<RecordId> {
    (0..8).map(record_id).collect()
}

/// A batch with every part filled.
fn full_batch() -> ClientBatch {
    let mut batch = ClientBatch::default();
    for n in 0..4 {
        batch
            .bases
            .insert(record_id(n), Some(event(n, u64::from(n) + 1)));
        batch
            .views
            .insert(record_id(n), Some(event(n, u64::from(n) + 1)));
    }
    batch.pending.insert(mutation_id(4), Some(pending(4, 1)));
    batch.pending.insert(mutation_id(5), Some(pending(5, 2)));
    batch
        .attention
        .insert(mutation_id(6), Some(attention(6, 3)));
    batch
        .attention
        .insert(mutation_id(7), Some(attention(7, 4)));
    batch.meta = Some(meta(4));
    batch
}

/// Applies the batches to the IndexedDB store and to the reference store, and checks both
/// hold the same after each.
async fn commit_both(idb: &mut IdbClientStore, memory: &mut MemoryClientStore, batch: ClientBatch) {
    memory
        .commit(batch.clone())
        .await
        .expect("reference commits");
    idb.commit(batch).await.expect("IndexedDB commits");
    assert_eq!(snapshot(idb, &ids()).await, snapshot(memory, &ids()).await);
}

#[wasm_bindgen_test]
async fn every_part_of_a_batch_round_trips_and_none_deletes() {
    let mut store = open(&unique_name("round-trip")).await;
    let mut memory = MemoryClientStore::new();
    assert_eq!(
        store.meta().await.expect("reads"),
        None,
        "a new device has no bookkeeping"
    );

    commit_both(&mut store, &mut memory, full_batch()).await;
    let saved = snapshot(&store, &ids()).await;
    assert_eq!(saved.meta, Some(meta(4)));
    assert_eq!(saved.views.len(), 4);
    assert_eq!(saved.bases[2], (record_id(2), Some(event(2, 3))));
    assert_eq!(saved.pending, vec![pending(4, 1), pending(5, 2)]);
    assert_eq!(saved.attention.len(), 2);

    // An update of each part, then deletes of each part; meta is replaced, never deleted.
    let mut update = ClientBatch::default();
    update.bases.insert(record_id(1), Some(event(1, 9)));
    update.views.insert(record_id(1), Some(event(1, 9)));
    update.pending.insert(
        mutation_id(5),
        Some(PendingMutation {
            mutation: mutation(5, 2),
            acked_version: Some(9),
        }),
    );
    update.meta = Some(meta(9));
    commit_both(&mut store, &mut memory, update).await;

    let mut deletes = ClientBatch::default();
    deletes.bases.insert(record_id(0), None);
    deletes.views.insert(record_id(0), None);
    deletes.views.insert(record_id(7), None); // absent: a no-op
    deletes.pending.insert(mutation_id(4), None);
    deletes.attention.insert(mutation_id(6), None);
    commit_both(&mut store, &mut memory, deletes).await;
    let after = snapshot(&store, &ids()).await;
    assert_eq!(after.bases[0], (record_id(0), None));
    assert!(after.views.iter().all(|r| r.id() != record_id(0)));
    assert_eq!(after.pending.len(), 1);
    assert_eq!(after.pending[0].acked_version, Some(9));
    assert_eq!(after.attention, vec![attention(7, 4)]);
    assert_eq!(after.meta, Some(meta(9)));

    // An empty batch changes nothing.
    commit_both(&mut store, &mut memory, ClientBatch::default()).await;
    cleanup(store).await;
}

#[wasm_bindgen_test]
async fn pending_comes_back_in_client_seq_order_and_deletes_by_mutation_id() {
    let mut store = open(&unique_name("order")).await;
    let mut memory = MemoryClientStore::new();
    // Mutation id order (the batch's map order) differs from sequence order, and 10 sorts
    // before 2 as text: the keys must be numbers.
    let seqs = [(9u8, 10u64), (1, 2), (20, 300), (7, 1), (3, 20)];
    let mut batch = ClientBatch::default();
    for (n, seq) in seqs {
        batch.pending.insert(mutation_id(n), Some(pending(n, seq)));
    }
    commit_both(&mut store, &mut memory, batch).await;
    let order: Vec<u64> = store
        .pending()
        .await
        .expect("reads")
        .iter()
        .map(|p| p.mutation.client_seq)
        .collect();
    assert_eq!(order, vec![1, 2, 10, 20, 300]);

    // Delete two by id while another mutation takes the sequence number of one of them in
    // the same batch. The reference applies the map in mutation id order (1, 11, 20): the put
    // of 11 replaces 20's entry first, so the delete of 20 finds nothing left to remove.
    let mut batch = ClientBatch::default();
    batch.pending.insert(mutation_id(1), None);
    batch
        .pending
        .insert(mutation_id(11), Some(pending(11, 300)));
    batch.pending.insert(mutation_id(20), None);
    commit_both(&mut store, &mut memory, batch).await;
    let left: Vec<(MutationId, u64)> = store
        .pending()
        .await
        .expect("reads")
        .iter()
        .map(|p| (p.mutation.mutation_id, p.mutation.client_seq))
        .collect();
    assert!(mutation_id(11) < mutation_id(20));
    let expected = vec![
        (mutation_id(7), 1),
        (mutation_id(9), 10),
        (mutation_id(3), 20),
        (mutation_id(11), 300),
    ];
    assert_eq!(left, expected);
    cleanup(store).await;
}

#[wasm_bindgen_test]
async fn a_batch_that_fails_part_way_leaves_the_store_exactly_as_before() {
    let mut store = open(&unique_name("atomic")).await;
    store.commit(full_batch()).await.expect("saved");
    let before = snapshot(&store, &ids()).await;

    // Updates, inserts and deletes across every store; the browser aborts after the first put.
    let mut batch = ClientBatch::default();
    batch.bases.insert(record_id(0), Some(event(0, 50)));
    batch.bases.insert(record_id(5), Some(event(5, 51)));
    batch.views.insert(record_id(1), None);
    batch.views.insert(record_id(6), Some(event(6, 52)));
    batch.pending.insert(mutation_id(4), None);
    batch.pending.insert(mutation_id(8), Some(pending(8, 3)));
    batch.attention.insert(mutation_id(6), None);
    batch.meta = Some(meta(52));
    store.fail_next_commit();
    let failed = store.commit(batch.clone()).await;
    match failed {
        Err(IdbError::Aborted { ref name, .. }) => assert_eq!(name, "ConstraintError"),
        other => panic!("expected an aborted transaction, got {other:?}"),
    }
    assert_eq!(
        snapshot(&store, &ids()).await,
        before,
        "nothing of the batch was saved"
    );

    // After a reload too, and the same batch then commits whole.
    let name = store.name().to_owned();
    drop(store);
    let mut store = open(&name).await;
    assert_eq!(snapshot(&store, &ids()).await, before);
    store.commit(batch.clone()).await.expect("saved");
    let mut expected = MemoryClientStore::new();
    expected.commit(full_batch()).await.expect("reference");
    expected.commit(batch).await.expect("reference");
    assert_eq!(
        snapshot(&store, &ids()).await,
        snapshot(&expected, &ids()).await
    );
    cleanup(store).await;
}

#[wasm_bindgen_test]
async fn everything_survives_a_reload() {
    let name = unique_name("reload");
    let mut store = open(&name).await;
    store.commit(full_batch()).await.expect("saved");
    store
        .put_blob(&"ab".repeat(32), "image/png", &[0, 1, 2, 255])
        .await
        .expect("blob saved");
    let saved = snapshot(&store, &ids()).await;
    drop(store);

    let store = open(&name).await;
    assert_eq!(snapshot(&store, &ids()).await, saved);
    assert_eq!(
        store.blob(&"ab".repeat(32)).await.expect("reads"),
        Some(StoredBlob {
            content_type: "image/png".to_owned(),
            bytes: vec![0, 1, 2, 255],
        })
    );
    cleanup(store).await;
}

#[wasm_bindgen_test]
async fn blobs_round_trip_by_sha256() {
    let store = open(&unique_name("blobs")).await;
    let key = "0123456789abcdef".repeat(4);
    assert_eq!(store.blob(&key).await.expect("reads"), None);
    let bytes: Vec<u8> = (0..=255).collect();
    store
        .put_blob(&key, "image/jpeg", &bytes)
        .await
        .expect("saved");
    let got = store.blob(&key).await.expect("reads").expect("present");
    assert_eq!(got.bytes, bytes);
    assert_eq!(got.content_type, "image/jpeg");
    store.delete_blob(&key).await.expect("deleted");
    assert_eq!(store.blob(&key).await.expect("reads"), None);
    assert!(store.put_blob("not-a-hash", "x/y", &[]).await.is_err());
    cleanup(store).await;
}

// ---- The core's replica over IndexedDB, step by step against the in-memory store ----

fn agent() -> UserCtx {
    UserCtx {
        user: user(),
        role: Role::CareAgent,
        store: StoreId("store-1".to_owned()),
    }
}

fn server() -> SyncServer<MemoryServerStore> {
    SyncServer::new(
        MemoryServerStore::new(),
        StateMachines::standard(),
        ServerConfig::default(),
    )
}

async fn device<C: ClientStore>(store: C) -> Replica<C> {
    let mut replica = Replica::open(
        store,
        agent(),
        client(),
        StateMachines::standard(),
        StampPolicy::default(),
    )
    .await
    .expect("opens");
    replica.on_server_time(NOW, NOW).await.expect("signs in");
    replica
}

async fn state<C: ClientStore>(replica: &Replica<C>) -> Snapshot {
    let ids: Vec<RecordId> = replica
        .records()
        .await
        .expect("reads")
        .iter()
        .map(Record::id)
        .collect();
    snapshot(replica.store(), &ids).await
}

/// One device and its own server (both deterministic), so two of them see the same answers.
struct Side<C> {
    replica: Replica<C>,
    server: SyncServer<MemoryServerStore>,
}

impl<C: ClientStore> Side<C> {
    async fn write(&mut self, kind: RecordKind, id: RecordId, op: Op, now: i64) -> MutationId {
        self.replica
            .write(kind, id, op, now)
            .await
            .expect("saved")
            .mutation_id
    }

    /// Pushes at most `max`; returns whether anything was pushed.
    async fn push(&mut self, max: usize, now: i64) -> bool {
        let Some(batch) = self
            .replica
            .next_push_batch(max)
            .await
            .expect("outbox reads")
        else {
            return false;
        };
        let answer = self.server.push(&agent(), batch, NOW).await.expect("push");
        self.replica
            .on_push_response(answer, now)
            .await
            .expect("answer applies");
        true
    }

    async fn pull_all(&mut self, now: i64) {
        loop {
            let request = self.replica.pull_request(2);
            let answer = self
                .server
                .pull(&agent(), request, NOW)
                .await
                .expect("pull");
            if !self
                .replica
                .apply_pull(answer, now)
                .await
                .expect("applies")
                .has_more
            {
                break;
            }
        }
    }
}

async fn same<A: ClientStore, B: ClientStore>(idb: &Side<A>, memory: &Side<B>, step: &str) {
    assert_eq!(
        state(&idb.replica).await,
        state(&memory.replica).await,
        "after {step}"
    );
    assert_eq!(idb.replica.meta(), memory.replica.meta(), "after {step}");
}

#[wasm_bindgen_test]
async fn a_replica_over_indexeddb_matches_the_in_memory_replica() {
    let name = unique_name("replica");
    let mut idb = Side {
        replica: device(open(&name).await).await,
        server: server(),
    };
    let mut memory = Side {
        replica: device(MemoryClientStore::new()).await,
        server: server(),
    };
    same(&idb, &memory, "sign-in").await;

    // A customer, a change to it, and two call attempts, all offline.
    let customer = idb.replica.new_record_id(NOW);
    assert_eq!(customer, memory.replica.new_record_id(NOW));
    let create = Op::Create {
        scope: scope(),
        fields: BTreeMap::from([
            ("name".to_owned(), json!("陈女士")),
            ("phone".to_owned(), json!("13800000000")),
        ]),
    };
    let set_note = |base: Option<Hlc>| Op::SetFields {
        writes: vec![huifang_core::sync::FieldWrite {
            field: "note".to_owned(),
            value: json!("周三下午再打"),
            base,
        }],
    };
    let a = idb
        .write(RecordKind::Customer, customer, create.clone(), NOW)
        .await;
    let b = memory
        .write(RecordKind::Customer, customer, create, NOW)
        .await;
    assert_eq!(a, b);
    idb.write(RecordKind::Customer, customer, set_note(None), NOW + 1)
        .await;
    memory
        .write(RecordKind::Customer, customer, set_note(None), NOW + 1)
        .await;
    for n in 0..2 {
        let attempt_i = idb.replica.new_record_id(NOW + 2);
        let attempt_m = memory.replica.new_record_id(NOW + 2);
        assert_eq!(attempt_i, attempt_m);
        let op = Op::AppendEvent {
            scope: scope(),
            fields: BTreeMap::from([("result".to_owned(), json!(format!("attempt {n}")))]),
        };
        idb.write(RecordKind::CallAttempt, attempt_i, op.clone(), NOW + 2)
            .await;
        memory
            .write(RecordKind::CallAttempt, attempt_m, op, NOW + 2)
            .await;
    }
    same(&idb, &memory, "four local writes").await;
    assert_eq!(idb.replica.pending().await.expect("reads").len(), 4);

    // Half the outbox goes up: acknowledged but not yet pulled back.
    assert!(idb.push(2, NOW + 3).await);
    assert!(memory.push(2, NOW + 3).await);
    same(&idb, &memory, "a partial push").await;
    let acked = idb.replica.pending().await.expect("reads");
    assert_eq!(
        acked.iter().filter(|p| p.acked_version.is_some()).count(),
        2
    );

    idb.pull_all(NOW + 4).await;
    memory.pull_all(NOW + 4).await;
    same(&idb, &memory, "a pull").await;

    while idb.push(2, NOW + 5).await {}
    while memory.push(2, NOW + 5).await {}
    idb.pull_all(NOW + 6).await;
    memory.pull_all(NOW + 6).await;
    same(&idb, &memory, "a full sync").await;
    assert!(idb.replica.pending().await.expect("reads").is_empty());
    assert_eq!(idb.replica.records().await.expect("reads").len(), 3);
    assert_eq!(idb.replica.meta().cursor, idb.server.store().last_version());

    // A clock three hours ahead: refused, kept with the reason, then retried.
    let skewed = NOW + 3 * HOUR;
    let stamp = idb
        .replica
        .record(customer)
        .await
        .expect("reads")
        .and_then(|r| {
            r.as_entity()
                .and_then(|e| e.fields.get("note"))
                .map(|f| f.stamp)
        });
    let refused = idb
        .write(RecordKind::Customer, customer, set_note(stamp), skewed)
        .await;
    memory
        .write(RecordKind::Customer, customer, set_note(stamp), skewed)
        .await;
    idb.push(10, skewed).await;
    memory.push(10, skewed).await;
    same(&idb, &memory, "a refused push").await;
    let attention = idb.replica.needs_attention().await.expect("reads");
    assert_eq!(attention.len(), 1);
    assert_eq!(attention[0].code, RejectCode::ClockAhead);
    idb.replica.retry(refused, skewed).await.expect("retried");
    memory
        .replica
        .retry(refused, skewed)
        .await
        .expect("retried");
    same(&idb, &memory, "a retry").await;
    while idb.push(10, skewed).await {}
    while memory.push(10, skewed).await {}
    idb.pull_all(skewed).await;
    memory.pull_all(skewed).await;
    same(&idb, &memory, "the retry synced").await;
    assert!(
        idb.replica
            .needs_attention()
            .await
            .expect("reads")
            .is_empty()
    );

    // The replica re-opens from the database after a reload and sees the same.
    let before = state(&idb.replica).await;
    drop(idb);
    let reopened = device(open(&name).await).await;
    assert_eq!(state(&reopened).await.views, before.views);
    assert_eq!(reopened.client_id(), client());
    cleanup(reopened.into_store()).await;
}

// ---- Schema migrations ----

/// Version 1 as it shipped, made by hand (not by the app's steps): the sync stores, no
/// outbox index, no blobs.
async fn create_version_1(name: &str) {
    let mut request = Factory::new()
        .expect("IndexedDB")
        .open(name, Some(1))
        .expect("opens");
    request.on_upgrade_needed(|event| {
        use idb::DatabaseEvent;
        let db = event.database().expect("database");
        for store in ["meta", "bases", "views", "outbox", "attention"] {
            db.create_object_store(store, ObjectStoreParams::new())
                .expect("store");
        }
    });
    let db = request.await.expect("version 1 opens");
    assert_eq!(db.version().expect("version"), 1);
    let tx = db
        .transaction(&["meta", "views", "outbox"], TransactionMode::ReadWrite)
        .expect("tx");
    let value = |json: String, mutation_id: Option<MutationId>| {
        let object = js_sys::Object::new();
        js_sys::Reflect::set(&object, &"json".into(), &json.into()).expect("set");
        if let Some(id) = mutation_id {
            js_sys::Reflect::set(&object, &"mutation_id".into(), &id.to_string().into())
                .expect("set");
        }
        JsValue::from(object)
    };
    tx.object_store("meta")
        .expect("meta")
        .put(&value(to_json(&meta(7)), None), Some(&"meta".into()))
        .expect("put");
    tx.object_store("views")
        .expect("views")
        .put(
            &value(to_json(&event(1, 7)), None),
            Some(&record_id(1).to_string().into()),
        )
        .expect("put");
    for (n, seq) in [(2u8, 1u64), (3, 2)] {
        tx.object_store("outbox")
            .expect("outbox")
            .put(
                &value(to_json(&pending(n, seq)), Some(mutation_id(n))),
                Some(&JsValue::from_f64(seq as f64)),
            )
            .expect("put");
    }
    let done = tx.await.expect("committed");
    assert!(done.is_committed());
    db.close();
}

fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("encodes")
}

#[wasm_bindgen_test]
async fn a_version_1_database_is_migrated_and_keeps_its_data() {
    let name = unique_name("migrate");
    create_version_1(&name).await;

    let mut store = open(&name).await;
    assert_eq!(store.meta().await.expect("reads"), Some(meta(7)));
    assert_eq!(store.views().await.expect("reads"), vec![event(1, 7)]);
    assert_eq!(
        store.pending().await.expect("reads"),
        vec![pending(2, 1), pending(3, 2)]
    );
    // The new index finds entries written before it existed.
    let mut batch = ClientBatch::default();
    batch.pending.insert(mutation_id(2), None);
    store.commit(batch).await.expect("saved");
    assert_eq!(store.pending().await.expect("reads"), vec![pending(3, 2)]);
    store
        .put_blob(&"cd".repeat(32), "image/png", &[1])
        .await
        .expect("the new blob store works");

    // The layout, seen by a second plain connection.
    let db = Factory::new()
        .expect("IndexedDB")
        .open(&name, None)
        .expect("opens")
        .await
        .expect("opens");
    assert_eq!(db.version().expect("version"), SCHEMA);
    let mut names = db.store_names();
    names.sort();
    let mut expected: Vec<String> = schema::STORES.iter().map(|s| (*s).to_owned()).collect();
    expected.sort();
    assert_eq!(names, expected);
    let tx = db
        .transaction(&[schema::OUTBOX], TransactionMode::ReadOnly)
        .expect("tx");
    let outbox = tx.object_store(schema::OUTBOX).expect("outbox");
    assert_eq!(
        outbox.index_names(),
        vec![schema::OUTBOX_BY_MUTATION.to_owned()]
    );
    let index = outbox.index(schema::OUTBOX_BY_MUTATION).expect("index");
    let keys = index
        .get_all_keys(Some(Query::Key(mutation_id(3).to_string().into())), None)
        .expect("lookup")
        .await
        .expect("lookup");
    assert_eq!(keys, vec![JsValue::from_f64(2.0)]);
    db.close();
    cleanup(store).await;
}

#[wasm_bindgen_test]
async fn a_fresh_database_gets_every_store_at_the_current_version() {
    let store = open(&unique_name("fresh")).await;
    assert_eq!(store.meta().await.expect("reads"), None);
    assert!(store.pending().await.expect("reads").is_empty());
    assert!(store.views().await.expect("reads").is_empty());
    cleanup(store).await;
}

#[wasm_bindgen_test]
async fn a_database_newer_than_the_app_is_a_version_error() {
    let name = unique_name("newer");
    let db = Factory::new()
        .expect("IndexedDB")
        .open(&name, Some(SCHEMA + 1))
        .expect("opens")
        .await
        .expect("opens");
    db.close();
    match IdbClientStore::open(&name, key().await).await {
        Err(IdbError::Version { supported }) => assert_eq!(supported, SCHEMA),
        other => panic!("expected a version error, got {other:?}"),
    }
    delete_database(&name).await.expect("deleted");
}

#[wasm_bindgen_test]
async fn an_upgrade_held_up_by_another_connection_is_blocked_then_succeeds_later() {
    let name = unique_name("blocked");
    create_version_1(&name).await;
    // An old tab: an open version-1 connection that ignores `versionchange`.
    let old_tab = Factory::new()
        .expect("IndexedDB")
        .open(&name, Some(1))
        .expect("opens")
        .await
        .expect("opens");
    match IdbClientStore::open(&name, key().await).await {
        Err(IdbError::Blocked) => {}
        other => panic!("expected blocked, got {other:?}"),
    }
    old_tab.close();
    // The abandoned upgrade is cancelled when it gets through; a new open migrates.
    let store = open(&name).await;
    assert_eq!(store.meta().await.expect("reads"), Some(meta(7)));
    assert_eq!(store.pending().await.expect("reads").len(), 2);
    cleanup(store).await;
}

#[wasm_bindgen_test]
async fn another_tab_deleting_the_database_closes_this_connection() {
    let name = unique_name("closed");
    let mut store = open(&name).await;
    store.commit(full_batch()).await.expect("saved");
    // Not blocked: this connection lets go on `versionchange`.
    delete_database(&name).await.expect("deleted");
    assert!(store.is_closed());
    assert!(matches!(store.meta().await, Err(IdbError::Closed)));
    assert!(matches!(
        store.commit(full_batch()).await,
        Err(IdbError::Closed)
    ));
    drop(store);
}

#[wasm_bindgen_test]
fn quota_exceeded_is_its_own_error() {
    let full = web_sys::DomException::new_with_message_and_name("disk full", "QuotaExceededError")
        .expect("a DOMException");
    assert!(IdbError::from_dom(&full).is_quota_exceeded());
    assert!(IdbError::from_abort(Some(full.clone())).is_quota_exceeded());
    assert!(IdbError::from_js(&full.into()).is_quota_exceeded());
    let other = web_sys::DomException::new_with_message_and_name("x", "ConstraintError")
        .expect("a DOMException");
    assert!(!IdbError::from_abort(Some(other)).is_quota_exceeded());
    assert!(
        IdbError::QuotaExceeded.to_string().contains("NOT saved"),
        "the message is loud"
    );
}

#[wasm_bindgen_test]
fn database_names_are_per_user() {
    assert_eq!(database_name(&UserId("u-42".to_owned())), "huifang-u-42");
}

// ---- Encryption at rest ----

/// Every value of every store, as IndexedDB holds it (a second, plain connection: what
/// someone with the tablet's files would read).
async fn raw_values(name: &str) -> Vec<(String, JsValue)> {
    let db = Factory::new()
        .expect("IndexedDB")
        .open(name, None)
        .expect("opens")
        .await
        .expect("opens");
    let tx = db
        .transaction(&schema::STORES, TransactionMode::ReadOnly)
        .expect("tx");
    let mut out = Vec::new();
    for store in schema::STORES {
        for value in tx
            .object_store(store)
            .expect("store")
            .get_all(None, None)
            .expect("read")
            .await
            .expect("read")
        {
            out.push((store.to_owned(), value));
        }
    }
    db.close();
    out
}

/// The bytes of `text` appear in `value` (its JSON text, or the raw bytes of its arrays).
fn shows(value: &JsValue, text: &str) -> bool {
    let json = js_sys::JSON::stringify(value)
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_default();
    if json.contains(text) {
        return true;
    }
    ["iv", "ct", "bytes"].iter().any(|field| {
        js_sys::Reflect::get(value, &JsValue::from_str(field))
            .ok()
            .and_then(|v| wasm_bindgen::JsCast::dyn_into::<js_sys::Uint8Array>(v).ok())
            .is_some_and(|a| a.to_vec().windows(text.len()).any(|w| w == text.as_bytes()))
    })
}

#[wasm_bindgen_test]
async fn every_stored_value_is_sealed_and_shows_no_customer_in_clear() {
    let name = unique_name("sealed");
    let mut store = open(&name).await;
    let customer = Record::Event(Event {
        fields: BTreeMap::from([
            ("name".to_owned(), json!("陈女士")),
            ("phone".to_owned(), json!("13800000000")),
        ]),
        ..match event(1, 1) {
            Record::Event(e) => e,
            Record::Entity(_) => unreachable!("event() makes an event"),
        }
    });
    let mut batch = ClientBatch::default();
    batch.views.insert(record_id(1), Some(customer.clone()));
    batch.bases.insert(record_id(1), Some(customer.clone()));
    batch.pending.insert(mutation_id(2), Some(pending(2, 1)));
    batch
        .attention
        .insert(mutation_id(3), Some(attention(3, 2)));
    batch.meta = Some(meta(7));
    store.commit(batch).await.expect("saved");
    store
        .put_blob(&"ab".repeat(32), "image/png", "陈女士的签名".as_bytes())
        .await
        .expect("saved");

    let raw = raw_values(&name).await;
    assert_eq!(raw.len(), 6, "one value in each store: {raw:?}");
    for (store_name, value) in &raw {
        for secret in ["陈女士", "13800000000", "无人接听", "只有主管", "no_answer"] {
            assert!(
                !shows(value, secret),
                "{store_name} shows {secret:?} in clear: {value:?}"
            );
        }
        assert!(
            js_sys::Reflect::get(value, &"iv".into()).is_ok_and(|v| !v.is_undefined()),
            "{store_name} is sealed"
        );
    }
    // Read back through the store, everything is as it was.
    assert_eq!(store.views().await.expect("reads"), vec![customer]);
    assert_eq!(store.pending().await.expect("reads"), vec![pending(2, 1)]);
    assert_eq!(
        store.blob(&"ab".repeat(32)).await.expect("reads"),
        Some(StoredBlob {
            content_type: "image/png".to_owned(),
            bytes: "陈女士的签名".as_bytes().to_vec(),
        })
    );
    cleanup(store).await;
}

#[wasm_bindgen_test]
async fn another_key_opens_nothing_and_says_so() {
    let name = unique_name("other-key");
    let mut store = open(&name).await;
    let mut batch = ClientBatch::default();
    batch.views.insert(record_id(1), Some(event(1, 1)));
    store.commit(batch).await.expect("saved");
    drop(store);
    let stranger = IdbClientStore::open(
        &name,
        Cipher::generate().await.expect("WebCrypto makes a key"),
    )
    .await
    .expect("the database opens");
    match stranger.views().await {
        Err(IdbError::Crypto { .. }) => {}
        other => panic!("another key must not read the records: {other:?}"),
    }
    drop(stranger);
    // The right key still reads them: nothing was harmed.
    let store = open(&name).await;
    assert_eq!(store.views().await.expect("reads"), vec![event(1, 1)]);
    cleanup(store).await;
}

#[wasm_bindgen_test]
async fn a_database_kept_in_clear_by_an_earlier_version_is_sealed_once() {
    let name = unique_name("seal-legacy");
    create_version_1(&name).await;
    let store = open(&name).await;
    assert!(
        !store.holds_sealed_values().await.expect("reads"),
        "in clear"
    );
    let sealed = store.seal_if_written_in_clear(false).await.expect("sealed");
    assert_eq!(sealed, 4, "meta, one record, two outbox entries");
    for (store_name, value) in raw_values(&name).await {
        assert!(
            js_sys::Reflect::get(&value, &"json".into()).is_ok_and(|v| v.is_undefined()),
            "{store_name} has no value in clear left: {value:?}"
        );
        assert!(!shows(&value, "无人接听"), "{store_name}: {value:?}");
    }
    assert_eq!(
        store.seal_if_written_in_clear(false).await.expect("reads"),
        0
    );
    assert!(
        store.holds_sealed_values().await.expect("reads"),
        "a new key must not seal into it"
    );
    // A retry after a failed sealing reads everything again and finds nothing in clear.
    assert_eq!(
        store.seal_if_written_in_clear(true).await.expect("reads"),
        0
    );
    // Read through the store, the data is unchanged (and the index still finds entries).
    assert_eq!(store.meta().await.expect("reads"), Some(meta(7)));
    assert_eq!(store.views().await.expect("reads"), vec![event(1, 7)]);
    assert_eq!(
        store.pending().await.expect("reads"),
        vec![pending(2, 1), pending(3, 2)]
    );
    let mut store = store;
    let mut batch = ClientBatch::default();
    batch.pending.insert(mutation_id(2), None);
    store.commit(batch).await.expect("saved");
    assert_eq!(store.pending().await.expect("reads"), vec![pending(3, 2)]);
    cleanup(store).await;
}
