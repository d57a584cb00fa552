use super::drives::{self, Drive, DriveStatus, book, mark, slot_id};
use super::funnel::funnel;
use super::leads::*;
use crate::care::dates::Day;
use crate::sync::{
    ClientId, Entity, FieldState, Hlc, Op, Record, RecordId, RecordKind, Scope, UserCtx, Write,
};
use crate::{Role, StoreId, UserId};
use serde_json::json;
use std::collections::BTreeMap;

const NOW: i64 = 1_796_000_000_000;

fn user(name: &str, role: Role) -> UserCtx {
    UserCtx {
        user: UserId(name.to_owned()),
        role,
        store: StoreId("s1".to_owned()),
    }
}

fn today() -> Day {
    Day::of_ms(NOW, 480)
}

fn ctx<'a>(u: &'a UserCtx, rules: &'a SalesRules) -> Ctx<'a> {
    Ctx {
        user: u,
        now_ms: NOW,
        today: today(),
        rules,
    }
}

fn form(phone: &str, grade: Grade) -> LeadForm {
    LeadForm {
        phone: phone.into(),
        name: "赵先生".into(),
        source: Some(Source::WalkIn),
        models: vec!["凯美瑞".into(), " ".into()],
        grade: Some(grade),
        ..LeadForm::default()
    }
}

/// The entity a create makes (stage at its machine's initial state), as a device holds it.
fn entity_of(w: &Write, owner: &str) -> Entity {
    let Op::Create { fields, .. } = &w.op else {
        panic!("a create")
    };
    let stamp = Hlc {
        wall_ms: NOW,
        counter: 0,
        node: ClientId::new_v7(1, [1; 10]),
    };
    let mut f: BTreeMap<String, FieldState> = fields
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                FieldState {
                    value: v.clone(),
                    stamp,
                    by: UserId(owner.into()),
                },
            )
        })
        .collect();
    if w.kind == RecordKind::Lead {
        f.insert(
            "stage".into(),
            FieldState {
                value: json!("new"),
                stamp,
                by: UserId(owner.into()),
            },
        );
    }
    Entity {
        id: w.record.unwrap_or(RecordId::new_v7(9, [9; 10])),
        kind: w.kind,
        scope: Scope {
            store: StoreId("s1".into()),
            owner: Some(UserId(owner.into())),
        },
        fields: f,
        tombstone: None,
        conflicts: BTreeMap::new(),
        version: 1,
    }
}

fn captured(phone: &str, grade: Grade) -> Entity {
    let a = user("advisor1", Role::SalesAdvisor);
    let rules = SalesRules::default();
    let w = capture(
        ctx(&a, &rules),
        RecordId::new_v7(7, [7; 10]),
        &form(phone, grade),
        &[],
    )
    .expect("captured");
    entity_of(&w[0], "advisor1")
}

#[test]
fn the_grade_sets_the_next_follow_up_from_the_cadence() {
    let rules = SalesRules::parse("follow_h=2").expect("rules");
    assert_eq!(rules.follow_up_days(Grade::H), 2);
    assert_eq!(rules.follow_up_days(Grade::B), 7);
    let a = user("advisor1", Role::SalesAdvisor);
    for (grade, days) in [(Grade::H, 2), (Grade::A, 3), (Grade::B, 7), (Grade::C, 15)] {
        let w = capture(
            ctx(&a, &rules),
            RecordId::new_v7(7, [7; 10]),
            &form("13912345678", grade),
            &[],
        )
        .expect("captured");
        let lead = Lead::of(&entity_of(&w[0], "advisor1")).expect("a lead");
        assert_eq!(lead.next_follow_up, Some(today().plus(days)), "{grade:?}");
        assert_eq!(lead.models, ["凯美瑞"], "blank models are dropped");
    }
    assert!(matches!(
        SalesRules::parse("follow_x=1"),
        Err(SalesRulesError::Unknown(_))
    ));
    assert!(matches!(
        SalesRules::parse("follow_h=0"),
        Err(SalesRulesError::Number(_))
    ));
}

#[test]
fn capture_needs_a_mobile_and_refuses_the_advisors_own_duplicate() {
    let a = user("advisor1", Role::SalesAdvisor);
    let rules = SalesRules::default();
    let id = RecordId::new_v7(8, [8; 10]);
    assert!(matches!(
        capture(ctx(&a, &rules), id, &form("010-65529988", Grade::A), &[]),
        Err(LeadError::NotMobile)
    ));
    assert!(matches!(
        capture(ctx(&a, &rules), id, &form("12", Grade::A), &[]),
        Err(LeadError::Phone(_))
    ));
    let mut no_source = form("13912345678", Grade::A);
    no_source.source = None;
    assert_eq!(
        capture(ctx(&a, &rules), id, &no_source, &[]),
        Err(LeadError::Missing(fields::SOURCE))
    );
    let existing = captured("139 1234 5678", Grade::A);
    let records = [Record::Entity(existing.clone())];
    assert_eq!(
        own_duplicate(&records, "+86 139-1234-5678"),
        Some(existing.id)
    );
    assert_eq!(
        capture(
            ctx(&a, &rules),
            id,
            &form("13912345678", Grade::B),
            &records
        ),
        Err(LeadError::OwnDuplicate(existing.id))
    );
}

#[test]
fn a_follow_up_starts_following_logs_the_event_and_regrades() {
    let a = user("advisor1", Role::SalesAdvisor);
    let rules = SalesRules::default();
    let lead = captured("13912345678", Grade::B);
    let fu = FollowUp {
        channel: Channel::Call,
        outcome: "周末带家人来看车".into(),
        next: None,
        regrade: Some(Grade::H),
    };
    let w = follow_up(ctx(&a, &rules), &lead, &fu).expect("logged");
    assert!(
        matches!(&w[0].op, Op::Transition { from, to, .. } if from == "new" && to == "following")
    );
    let Op::SetFields { writes } = &w[1].op else {
        panic!("fields")
    };
    assert!(
        writes
            .iter()
            .any(|f| f.field == fields::GRADE && f.value == json!("H"))
    );
    assert!(writes.iter().any(
        |f| f.field == fields::NEXT_FOLLOW_UP && f.value == json!(today().plus(1).to_string())
    ));
    assert_eq!(w[2].kind, RecordKind::LeadActivity);
    let empty = FollowUp {
        outcome: " ".into(),
        ..fu
    };
    assert_eq!(
        follow_up(ctx(&a, &rules), &lead, &empty),
        Err(LeadError::Missing(fields::OUTCOME))
    );
}

#[test]
fn lost_needs_a_reason_and_the_managers_approval() {
    let a = user("advisor1", Role::SalesAdvisor);
    let m = user("sales_manager", Role::SalesManager);
    let rules = SalesRules::default();
    let mut lead = captured("13912345678", Grade::C);
    assert_eq!(
        move_stage(ctx(&a, &rules), &lead, Stage::LostPending, ""),
        Err(LeadError::Missing(fields::STAGE_REASON))
    );
    let w = move_stage(ctx(&a, &rules), &lead, Stage::LostPending, "买了别家").expect("asked");
    assert_eq!(w.len(), 2, "new → following → lost_pending");
    lead.fields.get_mut("stage").expect("stage").value = json!("lost_pending");
    assert_eq!(
        move_stage(ctx(&a, &rules), &lead, Stage::Lost, ""),
        Err(LeadError::NeedsLead)
    );
    assert!(move_stage(ctx(&m, &rules), &lead, Stage::Lost, "").is_ok());
    assert!(move_stage(ctx(&m, &rules), &lead, Stage::Following, "").is_ok());
    assert!(matches!(
        move_stage(ctx(&m, &rules), &lead, Stage::Delivered, ""),
        Err(LeadError::Refused(_))
    ));
}

#[test]
fn the_due_list_puts_h_first_then_the_most_overdue_and_managers_see_misses() {
    let mut leads = Vec::new();
    for (i, (grade, offset)) in [(Grade::B, -3), (Grade::H, 0), (Grade::B, -1), (Grade::A, 2)]
        .into_iter()
        .enumerate()
    {
        let mut e = captured("13912345678", grade);
        e.id = RecordId::new_v7(100 + i as u64, [i as u8; 10]);
        e.fields
            .get_mut(fields::NEXT_FOLLOW_UP)
            .expect("next")
            .value = json!(today().plus(offset).to_string());
        leads.push(Lead::of(&e).expect("lead"));
    }
    let due = due_list(&leads, today());
    let shape: Vec<(Grade, Due)> = due.iter().map(|(l, d)| (l.grade, *d)).collect();
    assert_eq!(
        shape,
        [
            (Grade::H, Due::Today),
            (Grade::B, Due::Overdue(3)),
            (Grade::B, Due::Overdue(1))
        ]
    );
    let missed = missed_by_advisor(&leads, today());
    assert_eq!(
        missed.get(&UserId("advisor1".into())).map(Vec::len),
        Some(2)
    );
}

#[test]
fn a_car_is_booked_once_per_slot_and_done_needs_the_licence_checked() {
    let a = user("advisor1", Role::SalesAdvisor);
    let rules = SalesRules::default();
    let lead = captured("13912345678", Grade::H);
    let day = today().plus(1);
    assert_eq!(
        slot_id("s1", "bZ4X 试驾车", day, "10:00"),
        slot_id("s1", "bZ4X 试驾车", day, "10:00"),
        "every device makes the same id"
    );
    assert_ne!(
        slot_id("s1", "bZ4X 试驾车", day, "10:00"),
        slot_id("s1", "bZ4X 试驾车", day, "11:00")
    );
    let w = book(ctx(&a, &rules), &lead, "bZ4X 试驾车", day, "10:00", &[]).expect("booked");
    let booked = entity_of(&w[0], "advisor1");
    let drives = vec![Drive::of(&booked).expect("a drive")];
    assert!(matches!(
        book(ctx(&a, &rules), &lead, "bZ4X 试驾车", day, "10:00", &drives),
        Err(LeadError::SlotTaken(_))
    ));
    assert!(book(ctx(&a, &rules), &lead, "bZ4X 试驾车", day, "25:00", &drives).is_err());
    assert_eq!(
        mark(&booked, Some(&lead), DriveStatus::Done, false),
        Err(LeadError::LicenceNotChecked)
    );
    let done = mark(&booked, Some(&lead), DriveStatus::Done, true).expect("done");
    let moves: Vec<(String, String)> = done
        .iter()
        .filter_map(|w| match &w.op {
            Op::Transition { from, to, .. } => Some((from.clone(), to.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        moves,
        [
            ("new".to_owned(), "following".to_owned()),
            ("following".to_owned(), "test_drive".to_owned())
        ]
    );
    assert_eq!(drives::taken(&drives, day).len(), 1);
    // Called off, the slot is free again, as a new record every device agrees on.
    let mut cancelled = booked.clone();
    cancelled
        .fields
        .get_mut(drives::fields::STATUS)
        .expect("status")
        .value = json!("cancelled");
    let after = vec![Drive::of(&cancelled).expect("a drive")];
    assert!(drives::taken(&after, day).is_empty());
    let again =
        book(ctx(&a, &rules), &lead, "bZ4X 试驾车", day, "10:00", &after).expect("rebooked");
    assert_ne!(again[0].record, Some(booked.id), "not the cancelled record");
    assert_eq!(
        again[0].record,
        Some(drives::rebooking_id("s1", "bZ4X 试驾车", day, "10:00", 1))
    );
}

#[test]
fn the_funnel_counts_each_lead_at_every_stage_it_reached() {
    let mut leads = Vec::new();
    for (i, stage) in ["new", "following", "order", "delivered", "lost"]
        .iter()
        .enumerate()
    {
        let mut e = captured("13912345678", Grade::A);
        e.id = RecordId::new_v7(200 + i as u64, [i as u8; 10]);
        e.fields.get_mut("stage").expect("stage").value = json!(stage);
        leads.push(Lead::of(&e).expect("lead"));
    }
    let f = funnel(&leads, NOW - 1, NOW + 1);
    assert_eq!(
        (
            f.total.captured,
            f.total.following,
            f.total.test_drive,
            f.total.order,
            f.total.delivered,
            f.total.lost
        ),
        (5, 3, 2, 2, 1, 1)
    );
    assert_eq!(f.by_source["walk_in"].captured, 5);
    assert_eq!(f.by_model["凯美瑞"].delivered, 1);
    assert_eq!(f.by_advisor[&UserId("advisor1".into())].order, 2);
    assert_eq!(funnel(&leads, NOW + 10, NOW + 20).total.captured, 0);
}

#[test]
fn a_reassigned_lead_takes_its_follow_ups_and_booked_drives_along() {
    let a = user("advisor1", Role::SalesAdvisor);
    let m = user("manager", Role::StoreManager);
    let rules = SalesRules::default();
    let lead = captured("13912345678", Grade::A);
    let fu = FollowUp {
        channel: Channel::Call,
        outcome: "想看白色".into(),
        next: None,
        regrade: None,
    };
    let activity = follow_up(ctx(&a, &rules), &lead, &fu).expect("logged");
    let Op::AppendEvent { fields: ev, .. } = &activity[2].op else {
        panic!("an event")
    };
    let event = crate::sync::Event {
        id: RecordId::new_v7(300, [3; 10]),
        kind: RecordKind::LeadActivity,
        scope: lead.scope.clone(),
        fields: ev.clone(),
        stamp: Hlc {
            wall_ms: NOW,
            counter: 1,
            node: ClientId::new_v7(1, [1; 10]),
        },
        by: UserId("advisor1".into()),
        version: 2,
    };
    let booked =
        book(ctx(&a, &rules), &lead, "bZ4X 试驾车", today(), "10:00", &[]).expect("booked");
    let drive = entity_of(&booked[0], "advisor1");
    let mut done = entity_of(&booked[0], "advisor1");
    done.id = RecordId::new_v7(301, [4; 10]);
    done.fields
        .get_mut(drives::fields::STATUS)
        .expect("status")
        .value = json!("done");
    let records = [
        Record::Entity(lead.clone()),
        Record::Event(event.clone()),
        Record::Entity(drive.clone()),
        Record::Entity(done.clone()),
    ];
    let to = UserId("advisor2".into());
    assert_eq!(
        reassign(ctx(&a, &rules), &lead, &to, &records),
        Err(LeadError::NeedsLead)
    );
    let moved: Vec<RecordId> = reassign(ctx(&m, &rules), &lead, &to, &records)
        .expect("the manager may")
        .into_iter()
        .filter(|w| matches!(&w.op, Op::MoveScope { to: s } if s.owner.as_ref() == Some(&to)))
        .filter_map(|w| w.record)
        .collect();
    assert_eq!(
        moved,
        [lead.id, event.id, drive.id],
        "a drive already done stays"
    );
}
