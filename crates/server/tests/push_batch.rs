//! A push is one store transaction (`SqlServerStore::apply_batch`): what would break if the
//! batch were wrong. A later mutation of a push sees an earlier one's write; a mutation id
//! repeated within a push is a replay; a step refused in its middle refuses the rest of it;
//! and concurrent pushes interleaved with pulls give gap-free versions, each pulled once.
//! On every backend.

mod common;

use common::device::{Device, Person, person, push};
use common::{demo_app, get_with_token, send, test_databases};
use huifang_core::sync::{
    Change, FieldWrite, Mutation, MutationId, Op, Outcome, PullResponse, RecordId, RecordKind,
    RejectCode, Scope,
};
use huifang_server::AppState;
use serde_json::json;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use uuid::Uuid;

fn mine(who: &Person) -> Scope {
    Scope {
        store: who.ctx.store.clone(),
        owner: Some(who.ctx.user.clone()),
    }
}

fn create_lead(device: &mut Device, who: &Person, name: &str) -> Mutation {
    device.mutation(
        RecordKind::Lead,
        RecordId(Uuid::now_v7()),
        Op::Create {
            scope: mine(who),
            fields: [("name".to_owned(), json!(name))].into_iter().collect(),
        },
    )
}

fn applied(outcome: &Outcome) -> u64 {
    match outcome {
        Outcome::Applied { version } => *version,
        other => panic!("not applied: {other:?}"),
    }
}

/// The feed from `cursor` on, as `who` pulls it: every change's version, and the last cursor.
async fn pull_all(app: &axum::Router, who: &Person, mut cursor: u64) -> (Vec<Change>, u64) {
    let mut changes = Vec::new();
    loop {
        let uri = format!("/api/sync/pull?cursor={cursor}&limit=7");
        let response = send(app, get_with_token(&uri, &who.token)).await;
        assert_eq!(response.status, 200, "{}", response.text());
        let page: PullResponse = serde_json::from_slice(&response.body).expect("a PullResponse");
        changes.extend(page.changes);
        cursor = page.next_cursor;
        if !page.has_more {
            return (changes, cursor);
        }
    }
}

async fn last_version(state: &AppState) -> u64 {
    state.sync.store().last_version().await.expect("version")
}

#[tokio::test]
async fn a_later_mutation_of_a_push_sees_the_earlier_ones_write() {
    for db in test_databases().await {
        let label = db.label;
        let (app, state) = demo_app(&db).await;
        let advisor = person(&app, &state, "advisor1").await;
        let mut tablet = Device::of(&advisor);
        let before = last_version(&state).await;

        let create = create_lead(&mut tablet, &advisor, "王先生");
        let id = create.record_id;
        let stamp = create.hlc;
        let edit = tablet.mutation(
            RecordKind::Lead,
            id,
            Op::SetFields {
                writes: vec![FieldWrite {
                    field: "name".to_owned(),
                    value: json!("王建国"),
                    base: Some(stamp),
                }],
            },
        );
        let outcomes = push(&app, &advisor, &tablet, &[create, edit]).await;
        let (first, second) = (applied(&outcomes[0]), applied(&outcomes[1]));
        assert_eq!(first, before + 1, "[{label}] {outcomes:?}");
        assert_eq!(second, before + 2, "[{label}] consecutive: {outcomes:?}");
        assert_eq!(last_version(&state).await, before + 2, "[{label}]");

        let (changes, _) = pull_all(&app, &advisor, before).await;
        assert_eq!(changes.len(), 1, "[{label}] the record once: {changes:?}");
        let Change::Record { record } = &changes[0] else {
            panic!("[{label}] not a record: {changes:?}");
        };
        assert_eq!(record.id(), id, "[{label}]");
        assert_eq!(record.version(), before + 2, "[{label}]");
        let lead = record.as_entity().expect("a lead is an entity");
        assert_eq!(lead.value("name"), Some(&json!("王建国")), "[{label}]");
    }
}

#[tokio::test]
async fn a_mutation_id_twice_in_one_push_is_written_once_and_replayed() {
    for db in test_databases().await {
        let label = db.label;
        let (app, state) = demo_app(&db).await;
        let advisor = person(&app, &state, "advisor1").await;
        let mut tablet = Device::of(&advisor);
        let before = last_version(&state).await;

        let create = create_lead(&mut tablet, &advisor, "李女士");
        let other = create_lead(&mut tablet, &advisor, "赵女士");
        let outcomes = push(
            &app,
            &advisor,
            &tablet,
            &[create.clone(), create.clone(), other],
        )
        .await;
        assert_eq!(
            outcomes,
            vec![
                Outcome::Applied {
                    version: before + 1
                },
                Outcome::Duplicate {
                    version: before + 1
                },
                Outcome::Applied {
                    version: before + 2
                },
            ],
            "[{label}]"
        );
        assert_eq!(
            last_version(&state).await,
            before + 2,
            "[{label}] one write each"
        );

        // The same push again: all replays, nothing written.
        let again = push(&app, &advisor, &tablet, &[create.clone(), create]).await;
        assert_eq!(
            again,
            vec![
                Outcome::Duplicate {
                    version: before + 1
                };
                2
            ],
            "[{label}]"
        );
        assert_eq!(last_version(&state).await, before + 2, "[{label}]");
        let (changes, _) = pull_all(&app, &advisor, before).await;
        assert_eq!(changes.len(), 2, "[{label}] {changes:?}");
    }
}

#[tokio::test]
async fn a_step_refused_in_its_middle_refuses_the_rest_of_it_and_nothing_else() {
    for db in test_databases().await {
        let label = db.label;
        let (app, state) = demo_app(&db).await;
        let advisor = person(&app, &state, "advisor1").await;
        let mut tablet = Device::of(&advisor);
        let before = last_version(&state).await;

        let step = Some(MutationId(Uuid::now_v7()));
        let in_step = |m: Mutation| Mutation { step, ..m };
        let a = in_step(create_lead(&mut tablet, &advisor, "甲"));
        let b = in_step(create_lead(&mut tablet, &advisor, "乙"));
        // Not a UUIDv7 record id: the engine refuses it.
        let bad = in_step(Mutation {
            record_id: RecordId(Uuid::from_u128(42)),
            ..create_lead(&mut tablet, &advisor, "丙")
        });
        let alone = create_lead(&mut tablet, &advisor, "丁");
        let d = in_step(create_lead(&mut tablet, &advisor, "戊"));
        let e = in_step(create_lead(&mut tablet, &advisor, "己"));
        let batch = [a, b, bad, alone, d, e];
        let outcomes = push(&app, &advisor, &tablet, &batch).await;
        assert_eq!(applied(&outcomes[0]), before + 1, "[{label}] {outcomes:?}");
        assert_eq!(applied(&outcomes[1]), before + 2, "[{label}] {outcomes:?}");
        let Outcome::Rejected { code, reason } = &outcomes[2] else {
            panic!("[{label}] the bad one is refused: {outcomes:?}");
        };
        assert_eq!(*code, RejectCode::Invalid, "[{label}] {reason}");
        assert_eq!(applied(&outcomes[3]), before + 3, "[{label}] {outcomes:?}");
        for later in &outcomes[4..] {
            let Outcome::Rejected { code, reason: why } = later else {
                panic!("[{label}] the rest of the step is refused: {outcomes:?}");
            };
            assert_eq!(*code, RejectCode::StepRefused, "[{label}] {why}");
            assert!(why.contains(reason.as_str()), "[{label}] {why}");
        }
        assert_eq!(last_version(&state).await, before + 3, "[{label}]");

        // Replayed, the push answers the same (the applied ones as duplicates).
        let again = push(&app, &advisor, &tablet, &batch).await;
        let expected: Vec<Outcome> = outcomes.iter().cloned().map(Outcome::replayed).collect();
        assert_eq!(again, expected, "[{label}]");
        assert_eq!(last_version(&state).await, before + 3, "[{label}]");

        let (changes, _) = pull_all(&app, &advisor, before).await;
        let versions: Vec<u64> = changes.iter().map(Change::version).collect();
        assert_eq!(
            versions,
            vec![before + 1, before + 2, before + 3],
            "[{label}]"
        );
    }
}

const PUSHERS: usize = 3;
const PUSHES: usize = 12;
const BATCH: usize = 9;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_pushes_and_pulls_give_every_version_once_and_no_gap() {
    for db in test_databases().await {
        let label = db.label;
        let (app, state) = demo_app(&db).await;
        let advisor = Arc::new(person(&app, &state, "advisor1").await);
        let manager = Arc::new(person(&app, &state, "manager").await);
        let from = last_version(&state).await;
        // Nothing of the seed after `from`: the pullers see only the pushers' writes.
        let done = Arc::new(AtomicBool::new(false));

        let pushers: Vec<_> = (0..PUSHERS)
            .map(|n| {
                let (app, advisor) = (app.clone(), advisor.clone());
                tokio::spawn(async move {
                    let mut tablet = Device::of(&advisor);
                    let mut versions = Vec::new();
                    for p in 0..PUSHES {
                        let batch: Vec<Mutation> = (0..BATCH)
                            .map(|i| create_lead(&mut tablet, &advisor, &format!("{n}-{p}-{i}")))
                            .collect();
                        let outcomes = push(&app, &advisor, &tablet, &batch).await;
                        let mine: Vec<u64> = outcomes.iter().map(applied).collect();
                        // One push, one transaction: its versions are consecutive.
                        for pair in mine.windows(2) {
                            assert_eq!(pair[1], pair[0] + 1, "{mine:?}");
                        }
                        versions.extend(mine);
                        tokio::task::yield_now().await;
                    }
                    versions
                })
            })
            .collect();
        let pullers: Vec<_> = (0..2)
            .map(|_| {
                let (app, manager, done) = (app.clone(), manager.clone(), done.clone());
                tokio::spawn(async move {
                    let mut cursor = from;
                    let mut seen = Vec::new();
                    loop {
                        let finished = done.load(Ordering::SeqCst);
                        let (changes, next) = pull_all(&app, &manager, cursor).await;
                        seen.extend(changes.iter().map(Change::version));
                        cursor = next;
                        if finished {
                            return seen;
                        }
                        tokio::task::yield_now().await;
                    }
                })
            })
            .collect();

        let mut applied = BTreeSet::new();
        for pusher in pushers {
            for version in pusher.await.expect("pusher") {
                assert!(applied.insert(version), "[{label}] {version} given twice");
            }
        }
        done.store(true, Ordering::SeqCst);
        let total = PUSHERS * PUSHES * BATCH;
        let expected: BTreeSet<u64> = (from + 1..=from + total as u64).collect();
        assert_eq!(
            applied, expected,
            "[{label}] the versions given have no gap"
        );
        assert_eq!(last_version(&state).await, from + total as u64, "[{label}]");
        for puller in pullers {
            let seen = puller.await.expect("puller");
            assert!(
                seen.windows(2).all(|w| w[0] < w[1]),
                "[{label}] pulled in feed order, each once"
            );
            let seen: BTreeSet<u64> = seen.into_iter().collect();
            assert_eq!(
                seen, expected,
                "[{label}] every version pulled exactly once"
            );
        }
    }
}
