//! The engines end to end over the in-memory stores: one story per test.

mod sim;

use huifang_core::sync::{
    Change, ClientId, MemoryClientStore, MemoryServerStore, Op, Outcome, PullRequest, PushRequest,
    Record, RecordKind, RejectCode, Replica, Scope, ServerConfig, StampPolicy, StateMachines,
    SyncError, SyncServer, UserCtx,
};
use huifang_core::{Role, SCHEMA_VERSION, StoreId, UserId};
use serde_json::json;
use sim::block_on;
use std::collections::BTreeMap;

const NOW: i64 = 1_750_000_000_000;
const HOUR: i64 = 3_600_000;

fn person(name: &str, role: Role) -> UserCtx {
    UserCtx {
        user: UserId(name.to_owned()),
        role,
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

/// Pushes everything, then pulls everything.
fn sync(
    replica: &mut Replica<MemoryClientStore>,
    server: &SyncServer<MemoryServerStore>,
    now: i64,
) {
    let user = replica.user().clone();
    while let Some(batch) = block_on(replica.next_push_batch(2)).expect("outbox reads") {
        let answer = block_on(server.push(&user, batch, NOW)).expect("push");
        block_on(replica.on_push_response(answer, now)).expect("answer applies");
    }
    loop {
        let answer = block_on(server.pull(&user, replica.pull_request(2), NOW)).expect("pull");
        if !block_on(replica.apply_pull(answer, now))
            .expect("pull applies")
            .has_more
        {
            break;
        }
    }
}

fn lead_scope(owner: &UserCtx) -> Scope {
    Scope {
        store: owner.store.clone(),
        owner: Some(owner.user.clone()),
    }
}

fn fields(pairs: &[(&str, &str)]) -> BTreeMap<String, serde_json::Value> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), json!(v)))
        .collect()
}

#[test]
fn a_saved_lead_reaches_the_server_and_comes_back_identical() {
    let server = server();
    let advisor = person("li", Role::SalesAdvisor);
    let mut tablet = device(&advisor, 1);
    let id = tablet.new_record_id(NOW);
    let create = Op::Create {
        scope: lead_scope(&advisor),
        fields: fields(&[("name", "王先生"), ("grade", "H")]),
    };
    block_on(tablet.write(RecordKind::Lead, id, create, NOW)).expect("saved");
    let local = block_on(tablet.record(id))
        .expect("reads")
        .expect("shown at once");
    let stage = local.as_entity().and_then(|e| e.value("stage")).cloned();
    assert_eq!(
        stage,
        Some(json!("new")),
        "status fields start in their initial state"
    );
    sync(&mut tablet, &server, NOW);
    let on_server = server.store().record(id).expect("stored").record;
    assert_eq!(block_on(tablet.record(id)).expect("reads"), Some(on_server));
    assert!(block_on(tablet.pending()).expect("reads").is_empty());
}

#[test]
fn a_replayed_push_is_a_duplicate_and_an_event_exists_once() {
    let server = server();
    let agent = person("wang", Role::CareAgent);
    let mut tablet = device(&agent, 1);
    let id = tablet.new_record_id(NOW);
    let op = Op::AppendEvent {
        scope: lead_scope(&agent),
        fields: fields(&[("result", "no_answer")]),
    };
    block_on(tablet.write(RecordKind::CallAttempt, id, op, NOW)).expect("saved");
    let batch = block_on(tablet.next_push_batch(10))
        .expect("reads")
        .expect("one pending");
    let first = block_on(server.push(&agent, batch.clone(), NOW)).expect("push");
    let again = block_on(server.push(&agent, batch, NOW)).expect("push");
    assert!(matches!(
        first.results[0].outcome,
        Outcome::Applied { version: 1 }
    ));
    assert_eq!(again.results[0].outcome, Outcome::Duplicate { version: 1 });
    assert_eq!(server.store().records().len(), 1);
    assert_eq!(server.store().applied_log().len(), 1);
}

#[test]
fn a_refused_change_leaves_the_view_and_waits_for_attention_with_the_reason() {
    let server = server();
    let agent = person("wang", Role::CareAgent);
    let supervisor = person("zhao", Role::CareSupervisor);
    let mut agent_tablet = device(&agent, 1);
    let mut supervisor_tablet = device(&supervisor, 2);
    let task = supervisor_tablet.new_record_id(NOW);
    let create = Op::Create {
        scope: lead_scope(&agent),
        fields: fields(&[("customer", "陈女士")]),
    };
    block_on(supervisor_tablet.write(RecordKind::CallbackTask, task, create, NOW)).expect("saved");
    sync(&mut supervisor_tablet, &server, NOW);
    sync(&mut agent_tablet, &server, NOW);
    // Both move the task from "open" at the same time; the supervisor's arrives first.
    let to = |to: &str| Op::Transition {
        field: "status".to_owned(),
        from: "open".to_owned(),
        to: to.to_owned(),
        reason: None,
    };
    block_on(supervisor_tablet.write(RecordKind::CallbackTask, task, to("assigned"), NOW))
        .expect("saved");
    block_on(agent_tablet.write(RecordKind::CallbackTask, task, to("in_progress"), NOW))
        .expect("saved");
    sync(&mut supervisor_tablet, &server, NOW);
    sync(&mut agent_tablet, &server, NOW);
    let attention = block_on(agent_tablet.needs_attention()).expect("reads");
    assert_eq!(attention.len(), 1);
    assert_eq!(attention[0].code, RejectCode::StaleTransition);
    assert!(
        attention[0].reason.contains("now \"assigned\""),
        "{}",
        attention[0].reason
    );
    let shown = block_on(agent_tablet.record(task))
        .expect("reads")
        .expect("visible");
    let status = shown.as_entity().and_then(|e| e.value("status")).cloned();
    assert_eq!(status, Some(json!("assigned")));
}

#[test]
fn a_device_clock_far_ahead_is_refused_then_recovered_and_retried() {
    let server = server();
    let agent = person("wang", Role::CareAgent);
    let mut tablet = device(&agent, 1);
    // Someone set the tablet three hours ahead while it was offline.
    let skewed = NOW + 3 * HOUR;
    let id = tablet.new_record_id(skewed);
    let create = Op::Create {
        scope: lead_scope(&agent),
        fields: fields(&[("name", "刘先生")]),
    };
    block_on(tablet.write(RecordKind::Customer, id, create, skewed)).expect("saved");
    sync(&mut tablet, &server, skewed);
    let attention = block_on(tablet.needs_attention()).expect("reads");
    assert_eq!(attention[0].code, RejectCode::ClockAhead);
    assert!(
        attention[0].reason.contains("3 h 0 min ahead"),
        "{}",
        attention[0].reason
    );
    // The answer corrected the offset and restarted the clock: a retry is accepted.
    let retried = block_on(tablet.retry(attention[0].mutation.mutation_id, skewed)).expect("saved");
    let ahead = retried.hlc.wall_ms - NOW;
    assert!((0..=StampPolicy::default().max_future_ms).contains(&ahead));
    sync(&mut tablet, &server, skewed);
    assert!(
        block_on(tablet.needs_attention())
            .expect("reads")
            .is_empty()
    );
    assert!(server.store().record(id).is_some());
}

#[test]
fn a_lead_moved_to_another_advisor_leaves_one_tablet_and_reaches_the_other() {
    let server = server();
    let li = person("li", Role::SalesAdvisor);
    let zhang = person("zhang", Role::SalesAdvisor);
    let manager = person("sun", Role::SalesManager);
    let (mut li_tablet, mut zhang_tablet, mut manager_tablet) =
        (device(&li, 1), device(&zhang, 2), device(&manager, 3));
    let lead = li_tablet.new_record_id(NOW);
    let create = Op::Create {
        scope: lead_scope(&li),
        fields: fields(&[("name", "周先生")]),
    };
    block_on(li_tablet.write(RecordKind::Lead, lead, create, NOW)).expect("saved");
    for tablet in [&mut li_tablet, &mut zhang_tablet, &mut manager_tablet] {
        sync(tablet, &server, NOW);
    }
    assert!(
        block_on(zhang_tablet.record(lead))
            .expect("reads")
            .is_none()
    );
    // An advisor may not give the lead away; the manager may.
    let give = Op::MoveScope {
        to: lead_scope(&zhang),
    };
    let refused = block_on(li_tablet.write(RecordKind::Lead, lead, give.clone(), NOW));
    assert!(refused.is_err());
    block_on(manager_tablet.write(RecordKind::Lead, lead, give, NOW)).expect("saved");
    for tablet in [&mut manager_tablet, &mut li_tablet, &mut zhang_tablet] {
        sync(tablet, &server, NOW);
    }
    assert!(block_on(li_tablet.record(lead)).expect("reads").is_none());
    assert!(
        block_on(zhang_tablet.record(lead))
            .expect("reads")
            .is_some()
    );
}

#[test]
fn losing_a_lead_needs_a_reason_and_the_managers_approval() {
    let server = server();
    let li = person("li", Role::SalesAdvisor);
    let manager = person("sun", Role::SalesManager);
    let (mut li_tablet, mut manager_tablet) = (device(&li, 1), device(&manager, 2));
    let lead = li_tablet.new_record_id(NOW);
    let create = Op::Create {
        scope: lead_scope(&li),
        fields: BTreeMap::new(),
    };
    block_on(li_tablet.write(RecordKind::Lead, lead, create, NOW)).expect("saved");
    let stage = |from: &str, to: &str, reason: Option<&str>| Op::Transition {
        field: "stage".to_owned(),
        from: from.to_owned(),
        to: to.to_owned(),
        reason: reason.map(str::to_owned),
    };
    let no_reason = block_on(li_tablet.write(
        RecordKind::Lead,
        lead,
        stage("new", "lost_pending", None),
        NOW,
    ));
    assert!(no_reason.is_err());
    block_on(li_tablet.write(
        RecordKind::Lead,
        lead,
        stage("new", "lost_pending", Some("bought elsewhere")),
        NOW,
    ))
    .expect("saved");
    let approve = stage("lost_pending", "lost", None);
    assert!(block_on(li_tablet.write(RecordKind::Lead, lead, approve.clone(), NOW)).is_err());
    sync(&mut li_tablet, &server, NOW);
    sync(&mut manager_tablet, &server, NOW);
    block_on(manager_tablet.write(RecordKind::Lead, lead, approve, NOW)).expect("saved");
    sync(&mut manager_tablet, &server, NOW);
    sync(&mut li_tablet, &server, NOW);
    let shown = block_on(li_tablet.record(lead))
        .expect("reads")
        .expect("visible");
    let entity = shown.as_entity().expect("entity");
    assert_eq!(entity.value("stage"), Some(&json!("lost")));
    assert_eq!(
        entity.value("stage_reason"),
        Some(&json!("bought elsewhere"))
    );
}

#[test]
fn concurrent_edits_of_a_complaint_are_kept_as_a_conflict_until_resolved() {
    let server = server();
    let wang = person("wang", Role::CareAgent);
    let zhao = person("zhao", Role::CareSupervisor);
    let (mut a, mut b) = (device(&wang, 1), device(&zhao, 2));
    let complaint = a.new_record_id(NOW);
    let create = Op::Create {
        scope: lead_scope(&wang),
        fields: fields(&[("department", "workshop")]),
    };
    block_on(a.write(RecordKind::Complaint, complaint, create, NOW)).expect("saved");
    sync(&mut a, &server, NOW);
    sync(&mut b, &server, NOW);
    let seen = block_on(a.record(complaint)).expect("reads").and_then(|r| {
        r.as_entity()
            .and_then(|e| e.fields.get("department"))
            .map(|f| f.stamp)
    });
    let set = |value: &str, base| Op::SetFields {
        writes: vec![huifang_core::sync::FieldWrite {
            field: "department".to_owned(),
            value: json!(value),
            base,
        }],
    };
    block_on(a.write(RecordKind::Complaint, complaint, set("service", seen), NOW)).expect("saved");
    block_on(b.write(
        RecordKind::Complaint,
        complaint,
        set("sales", seen),
        NOW + 1,
    ))
    .expect("saved");
    sync(&mut a, &server, NOW);
    sync(&mut b, &server, NOW);
    sync(&mut a, &server, NOW);
    let conflicts = block_on(a.conflicts()).expect("reads");
    assert_eq!(conflicts.len(), 1);
    let values: Vec<_> = conflicts[0]
        .candidates
        .iter()
        .map(|c| c.value.clone())
        .collect();
    assert_eq!(values, vec![json!("service"), json!("sales")]);
    // The supervisor decides, having seen the conflict: it is cleared everywhere.
    let winner = Some(conflicts[0].winner);
    block_on(b.write(
        RecordKind::Complaint,
        complaint,
        set("service", winner),
        NOW + 2,
    ))
    .expect("saved");
    for tablet in [&mut b, &mut a] {
        sync(tablet, &server, NOW);
    }
    assert!(block_on(a.conflicts()).expect("reads").is_empty());
    let record = server.store().record(complaint).expect("stored").record;
    assert_eq!(
        record.as_entity().and_then(|e| e.value("department")),
        Some(&json!("service"))
    );
}

#[test]
fn an_old_app_is_told_to_update() {
    let server = server();
    let agent = person("wang", Role::CareAgent);
    let request = PushRequest {
        schema_version: SCHEMA_VERSION + 1,
        client_id: ClientId::new_v7(1, [1; 10]),
        mutations: Vec::new(),
    };
    let err = block_on(server.push(&agent, request, NOW)).expect_err("refused");
    assert!(matches!(err, SyncError::UpdateRequired { .. }));
}

#[test]
/// Enums are externally tagged (`{"create": {...}}`): internally tagged ones make serde
/// buffer every value and deserialise it twice over, which cost the app 15 KB gzip.
fn the_wire_format_is_tagged_snake_case_json() {
    let agent = person("wang", Role::CareAgent);
    let mut tablet = device(&agent, 1);
    let id = tablet.new_record_id(NOW);
    let op = Op::Create {
        scope: lead_scope(&agent),
        fields: fields(&[("name", "陈女士")]),
    };
    let m = block_on(tablet.write(RecordKind::Customer, id, op, NOW)).expect("saved");
    let json = serde_json::to_value(&m).expect("serialises");
    assert_eq!(json["kind"], "customer");
    assert!(json["op"]["create"]["fields"].is_object(), "{json}");
    assert_eq!(json["hlc"]["wall_ms"], NOW);
    let back: huifang_core::sync::Mutation = serde_json::from_value(json).expect("parses");
    assert_eq!(back, m);
    let record = block_on(tablet.record(id)).expect("reads").expect("shown");
    let change = Change::Record { record };
    let json = serde_json::to_value(&change).expect("serialises");
    assert!(json["record"]["record"]["entity"].is_object(), "{json}");
    let back: Change = serde_json::from_value(json).expect("parses");
    assert_eq!(back, change);
    let rejected = Outcome::Rejected {
        code: RejectCode::ClockAhead,
        reason: "clock".to_owned(),
    };
    assert_eq!(
        serde_json::to_value(&rejected).expect("serialises"),
        json!({"rejected": {"code": "clock_ahead", "reason": "clock"}})
    );
    let _: Record = serde_json::from_value(
        serde_json::to_value(back.clone()).expect("ok")["record"]["record"].clone(),
    )
    .expect("a record parses alone");
    let pull = PullRequest {
        cursor: 4,
        limit: 100,
    };
    assert_eq!(
        serde_json::to_value(pull).expect("ok"),
        json!({"cursor": 4, "limit": 100})
    );
}

#[test]
fn several_changes_save_together_in_order_or_not_at_all() {
    use huifang_core::sync::Write;
    let agent = person("agent1", Role::CareAgent);
    let server = server();
    let mut tablet = device(&agent, 7);
    let task = Write {
        kind: RecordKind::CallbackTask,
        record: None,
        op: Op::Create {
            scope: lead_scope(&agent),
            fields: fields(&[("purpose", "post_service")]),
        },
    };
    let created = block_on(tablet.write_all(vec![task], NOW)).expect("saves");
    let task_id = created[0].record_id;
    let step = |from: &str, to: &str| Write {
        kind: RecordKind::CallbackTask,
        record: Some(task_id),
        op: Op::Transition {
            field: "status".into(),
            from: from.into(),
            to: to.into(),
            reason: None,
        },
    };
    let attempt = Write {
        kind: RecordKind::CallAttempt,
        record: None,
        op: Op::AppendEvent {
            scope: lead_scope(&agent),
            fields: fields(&[("outcome", "reached")]),
        },
    };
    // The second transition sees the first: open → in_progress → completed in one save.
    let saved = block_on(tablet.write_all(
        vec![
            attempt.clone(),
            step("open", "in_progress"),
            step("in_progress", "completed"),
        ],
        NOW + 1,
    ))
    .expect("saves");
    assert_eq!(saved.len(), 3);
    assert_ne!(saved[0].record_id, task_id, "the attempt got a new id");
    let status = |tablet: &Replica<MemoryClientStore>| {
        block_on(tablet.record(task_id))
            .expect("reads")
            .and_then(|r| r.as_entity().and_then(|e| e.value("status")).cloned())
    };
    assert_eq!(status(&tablet), Some(json!("completed")));
    // A refused change anywhere saves nothing: the attempt before it is not kept either.
    let pending_before = block_on(tablet.pending()).expect("reads").len();
    let refused = block_on(tablet.write_all(vec![attempt, step("open", "in_progress")], NOW + 2));
    assert!(refused.is_err());
    assert_eq!(
        block_on(tablet.pending()).expect("reads").len(),
        pending_before
    );
    sync(&mut tablet, &server, NOW + 3);
    assert_eq!(status(&tablet), Some(json!("completed")));
    assert!(block_on(tablet.pending()).expect("reads").is_empty());
    assert!(
        block_on(tablet.needs_attention())
            .expect("reads")
            .is_empty()
    );
}
