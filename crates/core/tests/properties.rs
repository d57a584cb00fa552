//! Seeded property tests of the pieces the simulation builds on: the clock, the merge rules
//! and the state machines.

mod sim;

use huifang_core::sync::{
    ClientId, Effect, FieldWrite, Hlc, HlcClock, Mutation, MutationId, Op, Record, RecordId,
    RecordKind, Scope, StateMachines, merge,
};
use huifang_core::{StoreId, UserId};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::json;
use std::collections::BTreeMap;

const HOUR: i64 = 3_600_000;

fn node(n: u8) -> ClientId {
    ClientId::new_v7(1, [n; 10])
}

#[test]
fn hlc_stamps_only_go_up_whatever_the_physical_clock_does() {
    for seed in 0..200 {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut clock = HlcClock::new(node(1));
        let mut last = clock.last();
        let mut now = 1_750_000_000_000_i64;
        for _ in 0..200 {
            // Physical time wanders, jumps by up to ±48 h, and stands still.
            now += match rng.random_range(0..10) {
                0 => rng.random_range(-48 * HOUR..=48 * HOUR),
                1..4 => 0,
                _ => rng.random_range(-1_000..5_000),
            };
            let stamp = if rng.random_bool(0.3) {
                let remote = Hlc {
                    wall_ms: now + rng.random_range(-HOUR..HOUR),
                    counter: rng.random_range(0..5),
                    node: node(2),
                };
                let stamp = clock.observe(remote, now);
                assert!(
                    stamp > remote,
                    "seed {seed}: observe must pass the remote stamp"
                );
                stamp
            } else {
                clock.tick(now)
            };
            assert!(stamp > last, "seed {seed}: {stamp:?} after {last:?}");
            assert!(stamp.wall_ms >= now.min(last.wall_ms));
            last = stamp;
        }
    }
}

fn user(n: usize) -> UserId {
    UserId(format!("user-{n}"))
}

fn mutation(
    record: RecordId,
    kind: RecordKind,
    seq: u64,
    hlc: Hlc,
    by: UserId,
    op: Op,
) -> Mutation {
    Mutation {
        mutation_id: MutationId::new_v7(seq, [seq as u8; 10]),
        client_id: hlc.node,
        client_seq: seq,
        hlc,
        user: by,
        kind,
        record_id: record,
        op,
        step: None,
    }
}

fn fold(create: &Mutation, rest: &[Mutation], machines: &StateMachines) -> Record {
    let mut record = match merge::apply(None, create, machines) {
        Ok(Effect::Changed(record)) => record,
        other => panic!("create failed: {other:?}"),
    };
    for m in rest {
        if let Ok(Effect::Changed(next)) = merge::apply(Some(&record), m, machines) {
            record = next;
        }
    }
    record
}

/// cr-sqlite style: the same writes applied in any order give the same record. For customers
/// (plain last-writer-wins) with any bases; for complaints and leads with the edits that
/// race in practice: several people editing from the same version, some more than once.
#[test]
fn merging_the_same_writes_in_any_order_gives_the_same_record() {
    let machines = StateMachines::standard();
    for seed in 0..2_000 {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let kind = [
            RecordKind::Customer,
            RecordKind::Complaint,
            RecordKind::Lead,
        ][rng.random_range(0..3)];
        let record = RecordId::new_v7(1, [9; 10]);
        let scope = Scope {
            store: StoreId("store-0".to_owned()),
            owner: Some(user(0)),
        };
        let created_at = Hlc {
            wall_ms: 1_000,
            counter: 0,
            node: node(0),
        };
        let fields = BTreeMap::from([("note".to_owned(), json!("first"))]);
        let create = mutation(
            record,
            kind,
            0,
            created_at,
            user(0),
            Op::Create { scope, fields },
        );
        let mut writes = Vec::new();
        let mut stamps = vec![created_at];
        for seq in 1..rng.random_range(2..10) {
            let writer = rng.random_range(0..4);
            let hlc = Hlc {
                wall_ms: rng.random_range(1_001..1_100),
                // A device never hands out the same stamp twice.
                counter: seq as u32,
                node: node(writer as u8 + 1),
            };
            let base = if kind.keeps_conflicts() {
                rng.random_bool(0.7).then_some(created_at)
            } else {
                stamps.get(rng.random_range(0..stamps.len())).copied()
            };
            stamps.push(hlc);
            let op = Op::SetFields {
                writes: vec![FieldWrite {
                    field: if rng.random_bool(0.7) {
                        "note"
                    } else {
                        "phone"
                    }
                    .to_owned(),
                    value: json!(format!("v{seq}")),
                    base,
                }],
            };
            writes.push(mutation(record, kind, seq, hlc, user(writer), op));
        }
        let expected = fold(&create, &writes, &machines);
        for _ in 0..10 {
            writes.shuffle(&mut rng);
            let got = fold(&create, &writes, &machines);
            assert_eq!(got, expected, "seed {seed}: order changed the result");
        }
    }
}

#[test]
fn every_listed_move_is_accepted_and_every_other_refused() {
    let machines = StateMachines::standard();
    for (kind, field) in [
        (RecordKind::CallbackTask, "status"),
        (RecordKind::Complaint, "status"),
        (RecordKind::Lead, "stage"),
    ] {
        let machine = machines.machine(kind, field).expect("machine exists");
        let states: Vec<&str> = machine.rules.iter().flat_map(|r| [r.from, r.to]).collect();
        for &from in &states {
            for &to in &states {
                let allowed = machine.rule(from, to).is_some();
                let result = machines.check(kind, field, from, from, to, Some("why"));
                assert_eq!(result.is_ok(), allowed, "{kind}.{field}: {from} -> {to}");
            }
        }
        // Every state is reachable from the initial one.
        let mut reached = vec![machine.initial];
        let mut i = 0;
        while i < reached.len() {
            for rule in machine.next(reached[i]) {
                if !reached.contains(&rule.to) {
                    reached.push(rule.to);
                }
            }
            i += 1;
        }
        for state in states {
            assert!(
                reached.contains(&state),
                "{kind}.{field}: {state} unreachable"
            );
        }
    }
}

#[test]
fn the_block_on_helper_runs_ready_futures() {
    assert_eq!(sim::block_on(async { 7 }), 7);
}
