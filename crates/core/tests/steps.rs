//! Steps: the changes one person saves together (`Replica::write_all`) share a step id, travel
//! in one push, and the server refuses them from the first refused one on.

mod sim;

use huifang_core::sync::{
    ClientId, MAX_PUSH, MemoryClientStore, MemoryServerStore, Mutation, Op, Outcome, PushRequest,
    RecordId, RecordKind, RejectCode, Replica, ReplicaError, Scope, ServerConfig, StampPolicy,
    StateMachines, SyncServer, UserCtx, Write,
};
use huifang_core::{Role, StoreId, UserId};
use serde_json::json;
use sim::block_on;
use std::collections::BTreeMap;

const NOW: i64 = 1_750_000_000_000;

fn agent() -> UserCtx {
    UserCtx {
        user: UserId("wang".to_owned()),
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

fn device(user: &UserCtx, n: u8) -> Replica<MemoryClientStore> {
    let mut replica = block_on(Replica::open(
        MemoryClientStore::new(),
        user.clone(),
        ClientId::new_v7(NOW as u64, [n; 10]),
        StateMachines::standard(),
        StampPolicy::default(),
    ))
    .expect("opens");
    block_on(replica.on_server_time(NOW, NOW)).expect("signs in");
    replica
}

fn own(user: &UserCtx) -> Scope {
    Scope {
        store: user.store.clone(),
        owner: Some(user.user.clone()),
    }
}

/// Pushes everything in batches of `max`, then pulls everything; the batches pushed.
fn sync(
    replica: &mut Replica<MemoryClientStore>,
    server: &SyncServer<MemoryServerStore>,
    max: usize,
) -> Vec<PushRequest> {
    let user = replica.user().clone();
    let mut pushed = Vec::new();
    while let Some(batch) = block_on(replica.next_push_batch(max)).expect("outbox reads") {
        let answer = block_on(server.push(&user, batch.clone(), NOW)).expect("push");
        block_on(replica.on_push_response(answer, NOW)).expect("answer applies");
        pushed.push(batch);
    }
    loop {
        let answer = block_on(server.pull(&user, replica.pull_request(100), NOW)).expect("pull");
        if !block_on(replica.apply_pull(answer, NOW))
            .expect("pull applies")
            .has_more
        {
            return pushed;
        }
    }
}

fn task(user: &UserCtx) -> Write {
    Write {
        kind: RecordKind::CallbackTask,
        record: None,
        op: Op::Create {
            scope: own(user),
            fields: BTreeMap::from([("purpose".to_owned(), json!("post_service"))]),
        },
    }
}

fn moved(task: RecordId, from: &str, to: &str) -> Write {
    Write {
        kind: RecordKind::CallbackTask,
        record: Some(task),
        op: Op::Transition {
            field: "status".to_owned(),
            from: from.to_owned(),
            to: to.to_owned(),
            reason: None,
        },
    }
}

fn note(task: RecordId, field: &str, text: &str) -> Write {
    Write {
        kind: RecordKind::CallbackTask,
        record: Some(task),
        op: Op::SetFields {
            writes: vec![huifang_core::sync::FieldWrite {
                field: field.to_owned(),
                value: json!(text),
                base: None,
            }],
        },
    }
}

fn attempt(user: &UserCtx, task: RecordId) -> Write {
    Write {
        kind: RecordKind::CallAttempt,
        record: None,
        op: Op::AppendEvent {
            scope: own(user),
            fields: BTreeMap::from([
                ("task".to_owned(), json!(task.to_string())),
                ("outcome".to_owned(), json!("reached")),
            ]),
        },
    }
}

fn rejected(outcome: &Outcome) -> (RejectCode, &str) {
    match outcome {
        Outcome::Rejected { code, reason } => (*code, reason.as_str()),
        other => panic!("not rejected: {other:?}"),
    }
}

#[test]
fn a_step_refused_at_its_first_move_is_refused_whole_and_a_replay_answers_the_same() {
    let server = server();
    let agent = agent();
    let mut first = device(&agent, 1);
    let mut second = device(&agent, 2);
    let created = block_on(first.write_all(vec![task(&agent)], NOW)).expect("saved");
    let task_id = created[0].record_id;
    sync(&mut first, &server, 10);
    sync(&mut second, &server, 10);

    // One tablet starts the call; the other, offline, completes it from the old copy.
    block_on(first.write_all(vec![moved(task_id, "open", "in_progress")], NOW)).expect("saved");
    sync(&mut first, &server, 10);
    let late = block_on(second.write_all(
        vec![
            moved(task_id, "open", "in_progress"),
            moved(task_id, "in_progress", "completed"),
            note(task_id, "summary", "客户满意"),
            attempt(&agent, task_id),
        ],
        NOW,
    ))
    .expect("saved on the old copy");
    // A later step of the same tablet, on its own.
    let next = block_on(second.write_all(
        vec![attempt(&agent, task_id), note(task_id, "remark", "再联系")],
        NOW,
    ))
    .expect("saved");
    let late_step = late[0].step.expect("a step of four writes has a step id");
    assert!(late.iter().all(|m| m.step == Some(late_step)));
    let next_step = next[0].step.expect("a step");
    assert_ne!(next_step, late_step);
    assert!(next.iter().all(|m| m.step == Some(next_step)));

    let batch = block_on(second.next_push_batch(100))
        .expect("reads")
        .expect("pending");
    assert_eq!(batch.mutations.len(), 6);
    let answer = block_on(server.push(&agent, batch.clone(), NOW)).expect("push");
    let outcomes: Vec<&Outcome> = answer.results.iter().map(|r| &r.outcome).collect();
    let (code, reason) = rejected(outcomes[0]);
    assert_eq!(code, RejectCode::StaleTransition, "{reason}");
    for outcome in &outcomes[1..4] {
        let (code, reason) = rejected(outcome);
        assert_eq!(code, RejectCode::StepRefused, "{reason}");
        assert!(
            reason.starts_with("part of a step that was refused: ")
                && reason.contains("from \"open\" to \"in_progress\"")
                && reason.contains(&task_id.to_string()),
            "{reason}"
        );
    }
    assert!(
        outcomes[4..].iter().all(|o| o.version().is_some()),
        "the next step is judged on its own: {outcomes:?}"
    );

    // Nothing of the refused step was written: the task stays in progress without a summary,
    // the attempt does not exist; the next step's writes are there.
    let stored = server.store().record(task_id).expect("stored").record;
    let entity = stored.as_entity().expect("an entity");
    assert_eq!(entity.value("status"), Some(&json!("in_progress")));
    assert_eq!(entity.value("summary"), None);
    assert_eq!(entity.value("remark"), Some(&json!("再联系")));
    assert!(server.store().record(late[3].record_id).is_none());
    assert!(server.store().record(next[0].record_id).is_some());

    // The answer was lost: the replay answers the same, writes nothing more.
    let versions = server.store().last_version();
    let again = block_on(server.push(&agent, batch, NOW)).expect("push");
    for (then, now) in answer.results.iter().zip(&again.results) {
        assert_eq!(now.outcome, then.outcome.clone().replayed());
    }
    assert_eq!(server.store().last_version(), versions);

    // The person sees the whole refused step under "needs attention".
    block_on(second.on_push_response(answer, NOW)).expect("answer applies");
    sync(&mut second, &server, 10);
    let attention = block_on(second.needs_attention()).expect("reads");
    let mut ids: Vec<_> = attention.iter().map(|a| a.mutation.mutation_id).collect();
    ids.sort();
    let mut expected: Vec<_> = late.iter().map(|m| m.mutation_id).collect();
    expected.sort();
    assert_eq!(ids, expected);
    let shown = block_on(second.record(task_id))
        .expect("reads")
        .expect("visible");
    let shown = shown.as_entity().expect("an entity");
    assert_eq!(shown.value("status"), Some(&json!("in_progress")));
    assert_eq!(shown.value("summary"), None);
    // None of it is sent again alone: half a step would land.
    for m in &late {
        assert!(matches!(
            block_on(second.retry(m.mutation_id, NOW)),
            Err(huifang_core::sync::ReplicaError::PartOfStep(id)) if id == m.mutation_id
        ));
    }
}

#[test]
fn a_refused_member_refuses_only_the_rest_of_its_step() {
    let server = server();
    let agent = agent();
    let mut tablet = device(&agent, 3);
    let created = block_on(tablet.write_all(vec![task(&agent)], NOW)).expect("saved");
    let task_id = created[0].record_id;
    sync(&mut tablet, &server, 10);
    let saved = block_on(tablet.write_all(
        vec![
            attempt(&agent, task_id),
            moved(task_id, "open", "in_progress"),
            note(task_id, "summary", "接通"),
        ],
        NOW,
    ))
    .expect("saved");
    let batch = block_on(tablet.next_push_batch(10))
        .expect("reads")
        .expect("pending");
    // A pre-check (the server's blob check, say) refuses the move: the attempt before it
    // stays applied, the field write after it is refused with it.
    let answer = block_on(server.push_with(&agent, batch.clone(), NOW, |m| {
        matches!(m.op, Op::Transition { .. }).then(|| (RejectCode::Invalid, "not today".to_owned()))
    }))
    .expect("push");
    assert!(answer.results[0].outcome.version().is_some());
    assert_eq!(
        rejected(&answer.results[1].outcome),
        (RejectCode::Invalid, "not today")
    );
    let (code, reason) = rejected(&answer.results[2].outcome);
    assert_eq!(code, RejectCode::StepRefused);
    assert!(reason.ends_with(": not today"), "{reason}");
    // A replay keeps its first answers, whatever the pre-check says now.
    let again = block_on(server.push_with(&agent, batch, NOW, |_| None)).expect("push");
    for (then, now) in answer.results.iter().zip(&again.results) {
        assert_eq!(now.outcome, then.outcome.clone().replayed());
    }
    let stored = server.store().record(task_id).expect("stored").record;
    assert_eq!(
        stored.as_entity().and_then(|e| e.value("status")),
        Some(&json!("open"))
    );
    assert!(server.store().record(saved[0].record_id).is_some());
}

/// The ids of the steps (or single mutations) in `batch`, in order, one per group.
fn groups(batch: &PushRequest) -> Vec<usize> {
    let mut sizes: Vec<usize> = Vec::new();
    let mut last = None;
    for m in &batch.mutations {
        match (m.step, last) {
            (Some(step), Some(prev)) if prev == step => {
                if let Some(size) = sizes.last_mut() {
                    *size += 1;
                }
            }
            _ => sizes.push(1),
        }
        last = m.step;
    }
    sizes
}

#[test]
fn a_push_batch_never_splits_a_step() {
    for (max, expected) in [
        // Smaller than a step: the step goes whole, alone.
        (2, vec![vec![1], vec![3], vec![1], vec![2]]),
        // A step straddling the limit waits for the next batch.
        (3, vec![vec![1], vec![3], vec![1, 2]]),
        (4, vec![vec![1, 3], vec![1, 2]]),
        (100, vec![vec![1, 3, 1, 2]]),
    ] {
        let server = server();
        let agent = agent();
        let mut tablet = device(&agent, 4);
        let single = |tablet: &mut Replica<MemoryClientStore>| {
            let saved = block_on(tablet.write_all(vec![task(&agent)], NOW)).expect("saved");
            assert_eq!(saved[0].step, None, "a single write is no step");
            saved[0].record_id
        };
        let a = single(&mut tablet);
        block_on(tablet.write_all(
            vec![
                attempt(&agent, a),
                moved(a, "open", "in_progress"),
                note(a, "summary", "接通"),
            ],
            NOW,
        ))
        .expect("saved");
        let b = single(&mut tablet);
        block_on(tablet.write_all(
            vec![attempt(&agent, b), moved(b, "open", "in_progress")],
            NOW,
        ))
        .expect("saved");
        let pushed = sync(&mut tablet, &server, max);
        let shapes: Vec<Vec<usize>> = pushed.iter().map(groups).collect();
        assert_eq!(shapes, expected, "max {max}");
        // Every step id appears in one batch only.
        let mut seen = std::collections::BTreeSet::new();
        for batch in &pushed {
            let steps: std::collections::BTreeSet<_> =
                batch.mutations.iter().filter_map(|m| m.step).collect();
            for step in steps {
                assert!(seen.insert(step), "max {max}: step {step} split");
            }
        }
        assert!(block_on(tablet.pending()).expect("reads").is_empty());
        assert!(
            block_on(tablet.needs_attention())
                .expect("reads")
                .is_empty()
        );
    }
}

#[test]
fn a_step_larger_than_a_push_is_refused_before_saving() {
    let agent = agent();
    let mut tablet = device(&agent, 5);
    let writes = (0..=MAX_PUSH).map(|_| task(&agent)).collect();
    match block_on(tablet.write_all(writes, NOW)) {
        Err(ReplicaError::StepTooLarge { max, got }) => {
            assert_eq!((max, got), (MAX_PUSH, MAX_PUSH + 1));
        }
        other => panic!("not refused: {other:?}"),
    }
    assert!(block_on(tablet.pending()).expect("reads").is_empty());
    assert_eq!(ServerConfig::default().max_push, MAX_PUSH);
}

#[test]
fn a_mutation_without_a_step_reads_and_writes_as_before() {
    let agent = agent();
    let mut tablet = device(&agent, 6);
    let saved = block_on(tablet.write_all(vec![task(&agent)], NOW)).expect("saved");
    let json = serde_json::to_value(&saved[0]).expect("JSON");
    assert!(json.get("step").is_none(), "{json}");
    let read: Mutation = serde_json::from_value(json).expect("reads");
    assert_eq!(read, saved[0]);
    let id = saved[0].record_id;
    let step = block_on(tablet.write_all(
        vec![attempt(&agent, id), moved(id, "open", "in_progress")],
        NOW,
    ))
    .expect("saved");
    let json = serde_json::to_value(&step[1]).expect("JSON");
    assert_eq!(
        json.get("step"),
        Some(&json!(step[0].step.expect("a step").to_string()))
    );
}
