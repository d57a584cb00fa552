//! The verification catches what it is for, on ledgers and feeds made by hand.

use super::*;
use crate::tablet::Identity;
use huifang_core::sync::{Event, FieldState, FieldWrite, MutationId, Scope};
use huifang_core::{Role, StoreId, UserId};
use serde_json::json;

fn tablet() -> Tablet {
    Tablet::new(
        0,
        Identity {
            username: "s0-agent0".into(),
            user: UserId("u".into()),
            store: StoreId("s".into()),
            role: Role::CareAgent,
            token: "t".into(),
        },
        1,
    )
}

fn scope() -> Scope {
    Scope {
        store: StoreId("s".into()),
        owner: Some(UserId("u".into())),
    }
}

fn stamp(t: &Tablet, wall_ms: i64) -> Hlc {
    Hlc {
        wall_ms,
        counter: 0,
        node: t.client,
    }
}

fn id(n: u128) -> RecordId {
    RecordId(uuid::Uuid::from_u128(n))
}

/// Adds a mutation to the tablet's ledger with these answers.
fn made(
    t: &mut Tablet,
    kind: RecordKind,
    record: RecordId,
    op: Op,
    at: i64,
    answers: Vec<Outcome>,
) {
    let mutation = Mutation {
        mutation_id: MutationId(uuid::Uuid::now_v7()),
        client_id: t.client,
        client_seq: t.entries.len() as u64 + 1,
        hlc: stamp(t, at),
        user: UserId("u".into()),
        kind,
        record_id: record,
        op,
        step: None,
    };
    t.entries.push(Entry {
        mutation,
        answers,
        sends: 1,
    });
}

fn task_with(t: &Tablet, at: i64, note_at: i64, version: u64) -> Record {
    let state = |value: Value, wall_ms: i64| FieldState {
        value,
        stamp: stamp(t, wall_ms),
        by: UserId("u".into()),
    };
    Record::Entity(Entity {
        id: id(1),
        kind: RecordKind::CallbackTask,
        scope: scope(),
        fields: [
            ("purpose".to_owned(), state(json!("post_service"), at)),
            ("note".to_owned(), state(json!("second"), note_at)),
            ("attempts".to_owned(), state(json!(1), at)),
        ]
        .into_iter()
        .collect(),
        tombstone: None,
        conflicts: BTreeMap::new(),
        version,
    })
}

fn attempt(t: &Tablet, n: u128, at: i64) -> Record {
    Record::Event(Event {
        id: id(n),
        kind: RecordKind::CallAttempt,
        scope: scope(),
        fields: [("task".to_owned(), json!(id(1).to_string()))]
            .into_iter()
            .collect(),
        stamp: stamp(t, at),
        by: UserId("u".into()),
        version: 3,
    })
}

/// A task created at 10, its note set at 20 then 30, one attempt event at 15.
fn history(t: &mut Tablet) {
    let applied = |version| vec![Outcome::Applied { version }];
    made(
        t,
        RecordKind::CallbackTask,
        id(1),
        Op::Create {
            scope: scope(),
            fields: [
                ("purpose".to_owned(), json!("post_service")),
                ("attempts".to_owned(), json!(1)),
            ]
            .into_iter()
            .collect(),
        },
        10,
        applied(1),
    );
    made(
        t,
        RecordKind::CallAttempt,
        id(2),
        Op::AppendEvent {
            scope: scope(),
            fields: [("task".to_owned(), json!(id(1).to_string()))]
                .into_iter()
                .collect(),
        },
        15,
        applied(2),
    );
    for (at, text, version) in [(20, "first", 3), (30, "second", 4)] {
        made(
            t,
            RecordKind::CallbackTask,
            id(1),
            Op::SetFields {
                writes: vec![FieldWrite {
                    field: "note".into(),
                    value: json!(text),
                    base: None,
                }],
            },
            at,
            applied(version),
        );
    }
}

fn judge(t: &Tablet, records: Vec<Record>) -> Verdict {
    let tablets = std::slice::from_ref(t);
    let entries: Vec<(&Tablet, &Entry)> = t.entries.iter().map(|e| (t, e)).collect();
    let records: HashMap<RecordId, Record> = records.into_iter().map(|r| (r.id(), r)).collect();
    let mut verdict = Verdict::default();
    check_answers(&entries, &mut verdict);
    let writes = later_writes(&entries);
    for (_, entry) in &entries {
        if entry.acked() {
            check_effect(entry, &records, &writes, &mut verdict);
        }
    }
    check_counts(tablets, &entries, &records, &mut verdict);
    verdict
}

#[test]
fn a_server_that_kept_everything_once_passes() {
    let mut t = tablet();
    history(&mut t);
    let verdict = judge(&t, vec![task_with(&t, 10, 30, 4), attempt(&t, 2, 15)]);
    assert!(verdict.ok(), "{:?}", verdict.problems);
    assert_eq!((verdict.mutations, verdict.acked), (4, 4));
}

#[test]
fn a_missing_record_or_an_older_value_is_a_lost_write() {
    let mut t = tablet();
    history(&mut t);
    // The attempt event is gone, and the note holds the first edit though the second was
    // acknowledged; the record's version is below the last acknowledged one.
    let verdict = judge(&t, vec![task_with(&t, 10, 20, 3)]);
    assert!(!verdict.ok());
    assert_eq!(verdict.lost, 2, "{:?}", verdict.problems);
    assert_eq!(verdict.applied_twice, 0);
}

#[test]
fn a_second_applied_answer_or_an_extra_event_is_applied_twice() {
    let mut t = tablet();
    history(&mut t);
    t.entries[1].answers.push(Outcome::Applied { version: 7 });
    let mut records = vec![task_with(&t, 10, 30, 4), attempt(&t, 2, 15)];
    let verdict = judge(&t, records.clone());
    assert_eq!(verdict.applied_twice, 1, "{:?}", verdict.problems);
    // The same attempt again under an id no tablet made: one event too many for the task
    // (its counter says 1), and a record with the tablet's stamp outside its ledger.
    t.entries[1].answers.pop();
    records.push(attempt(&t, 9, 16));
    let verdict = judge(&t, records);
    assert_eq!(verdict.applied_twice, 2, "{:?}", verdict.problems);
    assert_eq!(verdict.lost, 0);
}

#[test]
fn unanswered_mutations_fail_the_run() {
    let mut t = tablet();
    history(&mut t);
    t.entries[3].answers.clear();
    let verdict = judge(&t, vec![task_with(&t, 10, 30, 4), attempt(&t, 2, 15)]);
    assert_eq!(verdict.unanswered, 1);
    assert!(!verdict.ok());
}

#[test]
fn a_masked_phone_is_the_same_phone() {
    assert!(same_value(&json!("13800138000"), &json!("138****8000")));
    assert!(!same_value(&json!("13800138000"), &json!("139****8000")));
    assert!(!same_value(&json!("note"), &json!("other")));
    assert!(same_value(&json!(3), &json!(3)));
}
