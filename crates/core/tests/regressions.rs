//! Shrunk simulation failures, kept as plain tests (see `simulation.rs`).

mod sim;

fn assert_passes(schedule: sim::Schedule) {
    if let Err(failure) = sim::run_caught(&schedule) {
        panic!("{failure}\n{schedule:#?}");
    }
}

#[test]
fn an_empty_schedule_converges() {
    assert_passes(sim::replay(0, &[]));
}

/// Found by `properties::merging_the_same_writes_in_any_order_gives_the_same_record` (seed 9):
/// a value that a later write was based on stayed in the conflict when the blind write
/// arrived first, and left it when it arrived second.
#[test]
fn a_value_someone_edited_from_leaves_the_conflict_in_either_order() {
    use huifang_core::sync::{
        ClientId, Effect, FieldWrite, Hlc, Mutation, MutationId, Op, Record, RecordId, RecordKind,
        Scope, StateMachines, merge,
    };
    use huifang_core::{StoreId, UserId};
    use serde_json::json;

    let machines = StateMachines::standard();
    let record = RecordId::new_v7(1, [9; 10]);
    let stamp = |wall_ms, n: u8| Hlc {
        wall_ms,
        counter: 0,
        node: ClientId::new_v7(1, [n; 10]),
    };
    let m = |seq: u64, hlc: Hlc, user: &str, op: Op| Mutation {
        mutation_id: MutationId::new_v7(seq, [seq as u8; 10]),
        client_id: hlc.node,
        client_seq: seq,
        hlc,
        user: UserId(user.to_owned()),
        kind: RecordKind::Complaint,
        record_id: record,
        op,
        step: None,
    };
    let set = |value: &str, base: Option<Hlc>| Op::SetFields {
        writes: vec![FieldWrite {
            field: "note".to_owned(),
            value: json!(value),
            base,
        }],
    };
    let created = stamp(1_000, 0);
    let create = m(
        0,
        created,
        "creator",
        Op::Create {
            scope: Scope {
                store: StoreId("s".to_owned()),
                owner: None,
            },
            fields: [("note".to_owned(), json!("first"))].into(),
        },
    );
    let edited = m(1, stamp(1_050, 1), "editor", set("edited", Some(created)));
    let blind = m(2, stamp(1_020, 2), "blind", set("blind", None));
    let fold = |order: [&Mutation; 2]| {
        let mut state: Option<Record> = None;
        for mutation in [&create, order[0], order[1]] {
            if let Ok(Effect::Changed(next)) = merge::apply(state.as_ref(), mutation, &machines) {
                state = Some(next);
            }
        }
        state.expect("created")
    };
    let one = fold([&edited, &blind]);
    let other = fold([&blind, &edited]);
    assert_eq!(one, other);
    let conflict = &one.as_entity().expect("entity").conflicts["note"];
    let values: Vec<_> = conflict
        .candidates
        .iter()
        .map(|c| c.value.clone())
        .collect();
    assert_eq!(values, vec![json!("blind"), json!("edited")]);
}

/// Simulation seed 9323: a late push answer made a device's clock restart below its own
/// pending value; its next edit (based on that value, but with a lower stamp) was dropped
/// from the lead's conflict together with the value it replaced.
#[test]
fn an_edit_with_a_lower_stamp_than_the_value_it_replaced_stays_in_the_conflict() {
    assert_passes(sim::replay(
        9323,
        &[2, 3, 4, 7, 8, 12, 13, 15, 24, 27, 34, 36, 37, 41],
    ));
}
