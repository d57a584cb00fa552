//! Browser tests of the engine's read snapshot (`SyncEngine::snapshot`): kept while nothing
//! changes, and never stale after a change — a local write, a pull page, a delete, or
//! another tab of the same user writing (heard over the BroadcastChannel). Each test runs
//! the real engine on its own user's IndexedDB database (no server: the loop's requests fail
//! and back off, which these tests do not depend on).
#![cfg(target_arch = "wasm32")]

use futures::future::{Either, select};
use gloo_timers::future::TimeoutFuture;
use huifang::model;
use huifang::storage::idb::{database_name, delete_database};
use huifang::sync::engine::{SyncEngine, SyncStatus};
use huifang_core::sync::Change;
use huifang_core::sync::{
    ClientId, Event, Hlc, Op, PullResponse, Record, RecordId, RecordKind, Scope,
};
use huifang_core::{Role, StoreId, UserId, UserProfile, Username};
use leptos::prelude::*;
use serde_json::json;
use std::collections::BTreeMap;
use std::rc::Rc;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn profile(test: &str) -> UserProfile {
    let salt = (js_sys::Math::random() * 1e12) as u64;
    UserProfile {
        id: UserId(format!("snapshot-{test}-{salt}")),
        username: Username::parse("agent1").expect("valid"),
        display_name: "王丽".into(),
        // A supervisor: deleting a customer is a lead role's decision.
        role: Role::CareSupervisor,
        store_id: StoreId("s1".into()),
        store_name: "鸿达丰田4S店（演示）".into(),
    }
}

struct Tab {
    engine: SyncEngine,
    changes: RwSignal<u64>,
}

async fn open_tab(user: &UserProfile) -> Tab {
    // The engine spawns its loop (the app's mount sets the executor up; here, the test does).
    let _ = any_spawner::Executor::init_wasm_bindgen();
    let status = RwSignal::new(SyncStatus::default());
    let changes = RwSignal::new(0);
    if !huifang::storage::crypto::is_unlocked() {
        let key = huifang::storage::crypto::Cipher::generate()
            .await
            .expect("WebCrypto makes a key");
        huifang::storage::crypto::set_current(key);
    }
    let engine = SyncEngine::start(user, status, changes)
        .await
        .expect("the engine starts");
    Tab { engine, changes }
}

async fn close(user: &UserProfile, tabs: Vec<Tab>) {
    for tab in &tabs {
        tab.engine.stop();
    }
    drop(tabs);
    // Let the loops notice they were stopped and let go of the database.
    TimeoutFuture::new(50).await;
    let name = database_name(&user.id);
    let deleted = Box::pin(delete_database(&name));
    if let Either::Right(_) = select(deleted, TimeoutFuture::new(5_000)).await {
        web_sys::console::warn_1(&format!("{name} was not deleted in time").into());
    }
}

fn ids(records: &[Record]) -> Vec<RecordId> {
    records.iter().map(Record::id).collect()
}

async fn new_customer(engine: &SyncEngine, name: &str) -> RecordId {
    let op = model::new_customer(engine.user(), name, "13800138000").expect("valid");
    engine
        .create(RecordKind::Customer, move |_| op)
        .await
        .expect("saved")
}

#[wasm_bindgen_test]
async fn a_local_write_shows_at_once_and_nothing_else_reads_again() {
    let user = profile("write");
    let tab = open_tab(&user).await;
    let before = tab.engine.snapshot().await.expect("reads");
    assert!(before.is_empty(), "a new device holds nothing");
    let again = tab.engine.snapshot().await.expect("reads");
    assert!(
        Rc::ptr_eq(&before, &again),
        "nothing changed: the same snapshot"
    );

    let id = new_customer(&tab.engine, "陈先生").await;
    let after = tab.engine.snapshot().await.expect("reads");
    assert_eq!(
        ids(&after),
        vec![id],
        "the write shows in the next snapshot"
    );
    assert!(
        before.is_empty(),
        "a snapshot handed out is never changed under its reader"
    );
    assert_eq!(tab.engine.records().await.expect("reads"), *after);

    // An edit shows too.
    tab.engine
        .write(
            RecordKind::Customer,
            id,
            Op::SetFields {
                writes: vec![huifang_core::sync::FieldWrite {
                    field: model::field::NAME.to_owned(),
                    value: json!("陈志强"),
                    base: None,
                }],
            },
        )
        .await
        .expect("saved");
    let edited = tab.engine.snapshot().await.expect("reads");
    let name = edited[0]
        .as_entity()
        .and_then(|e| e.value(model::field::NAME))
        .cloned();
    assert_eq!(name, Some(json!("陈志强")));
    close(&user, vec![tab]).await;
}

#[wasm_bindgen_test]
async fn a_delete_leaves_the_snapshot() {
    let user = profile("delete");
    let tab = open_tab(&user).await;
    let kept = new_customer(&tab.engine, "陈先生").await;
    let gone = new_customer(&tab.engine, "李女士").await;
    let both = tab.engine.snapshot().await.expect("reads");
    assert_eq!(both.len(), 2);
    tab.engine
        .write(RecordKind::Customer, gone, Op::Delete)
        .await
        .expect("deleted");
    let after = tab.engine.snapshot().await.expect("reads");
    assert_eq!(ids(&after), vec![kept], "the tombstone is left out");
    close(&user, vec![tab]).await;
}

#[wasm_bindgen_test]
async fn a_pull_page_shows_its_records() {
    let user = profile("pull");
    let tab = open_tab(&user).await;
    let empty = tab.engine.snapshot().await.expect("reads");
    assert!(empty.is_empty());
    let node = ClientId::new_v7(1_750_000_000_000, [7; 10]);
    let id = RecordId::new_v7(1_750_000_000_001, [9; 10]);
    let pulled = Record::Event(Event {
        id,
        kind: RecordKind::CallAttempt,
        scope: Scope {
            store: user.store_id.clone(),
            owner: Some(user.id.clone()),
        },
        fields: BTreeMap::from([("outcome".to_owned(), json!("no_answer"))]),
        stamp: Hlc {
            wall_ms: 1_750_000_000_000,
            counter: 0,
            node,
        },
        by: user.id.clone(),
        version: 1,
    });
    let applied = tab
        .engine
        .apply_pull(PullResponse {
            cursor: 0,
            changes: vec![Change::Record { record: pulled }],
            next_cursor: 1,
            has_more: false,
            server_time_ms: 1_750_000_000_000,
        })
        .await
        .expect("applied");
    assert_eq!(applied.changed, vec![id]);
    let after = tab.engine.snapshot().await.expect("reads");
    assert_eq!(ids(&after), vec![id], "the pulled record shows");
    close(&user, vec![tab]).await;
}

#[wasm_bindgen_test]
async fn this_tabs_writes_are_patched_in_without_reading_every_record() {
    let user = profile("patch");
    let tab = open_tab(&user).await;
    let first = new_customer(&tab.engine, "陈先生").await;
    let held = tab.engine.snapshot().await.expect("reads");
    let reads = tab.engine.full_reads();
    assert!(reads >= 1);

    let second = new_customer(&tab.engine, "李女士").await;
    let mut want = vec![first, second];
    want.sort();
    assert_eq!(ids(&tab.engine.snapshot().await.expect("reads")), want);
    tab.engine
        .write(
            RecordKind::Customer,
            second,
            Op::SetFields {
                writes: vec![huifang_core::sync::FieldWrite {
                    field: model::field::NAME.to_owned(),
                    value: json!("李娜"),
                    base: None,
                }],
            },
        )
        .await
        .expect("saved");
    let edited = tab.engine.snapshot().await.expect("reads");
    let name = edited
        .iter()
        .find(|r| r.id() == second)
        .and_then(|r| r.as_entity())
        .and_then(|e| e.value(model::field::NAME))
        .cloned();
    assert_eq!(name, Some(json!("李娜")), "the edit is patched in");
    tab.engine
        .write(RecordKind::Customer, first, Op::Delete)
        .await
        .expect("deleted");
    assert_eq!(
        ids(&tab.engine.snapshot().await.expect("reads")),
        vec![second],
        "the delete is patched out"
    );
    assert_eq!(
        tab.engine.full_reads(),
        reads,
        "this tab's own writes re-read only their records"
    );
    assert_eq!(
        ids(&held),
        vec![first],
        "the snapshot a page still holds is never changed under it"
    );
    assert_eq!(
        tab.engine.records().await.expect("reads"),
        *tab.engine.snapshot().await.expect("reads"),
    );

    // Another tab's write is news without names: everything is read again.
    let there = open_tab(&user).await;
    let third = new_customer(&there.engine, "王先生").await;
    let mut want = vec![second, third];
    want.sort();
    shows(&tab, &want, "the other tab's write").await;
    assert!(
        tab.engine.full_reads() > reads,
        "news from another tab reads everything"
    );
    close(&user, vec![tab, there]).await;
}

#[wasm_bindgen_test]
async fn readers_asking_together_while_a_change_is_patched_in_all_see_it() {
    let user = profile("together");
    let tab = open_tab(&user).await;
    let first = new_customer(&tab.engine, "陈先生").await;
    let _kept = tab.engine.snapshot().await.expect("reads");
    let second = new_customer(&tab.engine, "李女士").await;
    // The first reader takes the noted record to re-read it; the second must wait for that
    // (the kept records look up to date meanwhile), not answer without the change.
    let (a, b, conflicts) = futures::join!(
        tab.engine.snapshot(),
        tab.engine.snapshot(),
        tab.engine.conflicts()
    );
    let mut want = vec![first, second];
    want.sort();
    assert_eq!(ids(&a.expect("reads")), want);
    assert_eq!(
        ids(&b.expect("reads")),
        want,
        "the second reader sees the change too"
    );
    assert!(conflicts.expect("reads").is_empty());
    close(&user, vec![tab]).await;
}

/// A customer pulled at `version`, with an open conflict on its name when `conflict`.
fn pulled_customer(
    user: &UserProfile,
    id: RecordId,
    version: u64,
    conflict: bool,
    deleted: bool,
) -> Record {
    use huifang_core::sync::{Conflict, Entity, FieldState, Tombstone};
    let stamp = |n: i64| Hlc {
        wall_ms: 1_750_000_000_000 + n,
        counter: 0,
        node: ClientId::new_v7(1_750_000_000_000, [7; 10]),
    };
    let state = |name: &str, n: i64| FieldState {
        value: json!(name),
        stamp: stamp(n),
        by: user.id.clone(),
    };
    let conflicts = if conflict {
        BTreeMap::from([(
            model::field::NAME.to_owned(),
            Conflict {
                record: id,
                field: model::field::NAME.to_owned(),
                candidates: vec![state("陈先生", 1), state("陈志强", 2)],
                winner: stamp(2),
            },
        )])
    } else {
        BTreeMap::new()
    };
    Record::Entity(Entity {
        id,
        kind: RecordKind::Customer,
        scope: Scope {
            store: user.store_id.clone(),
            owner: None,
        },
        fields: BTreeMap::from([(model::field::NAME.to_owned(), state("陈志强", 2))]),
        tombstone: deleted.then(|| Tombstone {
            at: stamp(3),
            by: user.id.clone(),
        }),
        conflicts,
        version,
    })
}

#[wasm_bindgen_test]
async fn conflicts_are_counted_from_the_snapshot_deleted_records_too() {
    let user = profile("conflicts");
    let tab = open_tab(&user).await;
    assert!(tab.engine.conflicts().await.expect("reads").is_empty());
    let id = RecordId::new_v7(1_750_000_000_001, [3; 10]);
    let page = |cursor: u64, record: Record| PullResponse {
        cursor,
        changes: vec![Change::Record { record }],
        next_cursor: cursor + 1,
        has_more: false,
        server_time_ms: 1_750_000_000_000,
    };
    let pull = async |cursor: u64, record: Record| {
        let applied = tab
            .engine
            .apply_pull(page(cursor, record))
            .await
            .expect("applied");
        assert_eq!(applied.changed, vec![id]);
    };
    pull(0, pulled_customer(&user, id, 1, true, false)).await;
    let conflicts = tab.engine.conflicts().await.expect("reads");
    assert_eq!(conflicts.len(), 1, "the pulled conflict is counted");
    assert_eq!(conflicts[0].record, id);

    // Deleted with the conflict open: it is still there to be seen, the record is not.
    pull(1, pulled_customer(&user, id, 2, true, true)).await;
    assert_eq!(tab.engine.conflicts().await.expect("reads").len(), 1);
    assert!(tab.engine.snapshot().await.expect("reads").is_empty());

    pull(2, pulled_customer(&user, id, 3, false, true)).await;
    assert!(
        tab.engine.conflicts().await.expect("reads").is_empty(),
        "a resolved conflict leaves the count"
    );
    close(&user, vec![tab]).await;
}

/// Waits (at most 5 s) until the tab's snapshot holds exactly `want`.
async fn shows(tab: &Tab, want: &[RecordId], what: &str) {
    let mut waited = 0;
    loop {
        let now = ids(&tab.engine.snapshot().await.expect("reads"));
        if now == want {
            return;
        }
        assert!(waited < 5_000, "{what} never showed: {now:?}, not {want:?}");
        TimeoutFuture::new(20).await;
        waited += 20;
    }
}

/// Waits (at most 5 s) until the tab's pages are told to re-read (`changes` moves past
/// `seen`); then the snapshot they read holds what the other tab wrote.
async fn told(tab: &Tab, seen: u64) {
    let mut waited = 0;
    while tab.changes.get_untracked() == seen {
        assert!(waited < 5_000, "the pages were never told");
        TimeoutFuture::new(20).await;
        waited += 20;
    }
}

#[wasm_bindgen_test]
async fn another_tab_writing_shows_once_it_tells_this_one() {
    let user = profile("tabs");
    let here = open_tab(&user).await;
    let there = open_tab(&user).await;
    let first = new_customer(&here.engine, "陈先生").await;
    assert_eq!(
        ids(&here.engine.snapshot().await.expect("reads")),
        vec![first]
    );
    // The other tab may hold a snapshot from its start (its conflict count): the write shows
    // there once the news arrives.
    shows(&there, &[first], "the first tab's write").await;

    let seen = here.changes.get_untracked();
    let second = new_customer(&there.engine, "李女士").await;
    let mut want = vec![first, second];
    want.sort();
    // This tab kept its snapshot; only the other tab's news can tell it to read again.
    shows(&here, &want, "the other tab's write").await;
    told(&here, seen).await;
    assert_eq!(ids(&here.engine.snapshot().await.expect("reads")), want);

    // And a delete in this tab shows in the other.
    let seen = there.changes.get_untracked();
    here.engine
        .write(RecordKind::Customer, first, Op::Delete)
        .await
        .expect("deleted");
    shows(&there, &[second], "the other tab's delete").await;
    told(&there, seen).await;
    assert_eq!(
        ids(&there.engine.snapshot().await.expect("reads")),
        vec![second]
    );
    close(&user, vec![here, there]).await;
}
