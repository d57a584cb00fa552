use super::stats::stats;
use super::*;
use crate::care::kpi::Period;
use crate::sync::{ClientId, Entity, Event, FieldState, Hlc, RecordKind, check_fields};
use crate::{StoreId, UserId};

const NOW: i64 = 1_796_000_000_000;
const SIG: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

fn user(name: &str, role: Role) -> UserCtx {
    UserCtx {
        user: UserId(name.to_owned()),
        role,
        store: StoreId("s1".to_owned()),
    }
}

fn ctx<'a>(u: &'a UserCtx, rules: &'a ComplaintRules, now: i64) -> Ctx<'a> {
    Ctx {
        user: u,
        now_ms: now,
        today: Day::of_ms(now, 480),
        rules,
    }
}

fn form() -> Registration {
    Registration {
        customer: Some(RecordId::new_v7(1, [1; 10])),
        complainant: "周先生".into(),
        phone: "138 0013 8000".into(),
        channel: Some(Channel::Callback),
        received_at: NOW,
        vehicle: "冀A·12345".into(),
        work_order: "WO-1".into(),
        task: None,
        category: Some(Category::WaitingTime),
        severity: Some(Severity::General),
        content: "保养等了两个小时".into(),
        demand: "道歉".into(),
    }
}

/// A device's copy of one complaint and the events written about it, built by applying the
/// writes the way the sync engine would (transitions checked against the current status).
#[derive(Debug, Clone)]
struct Sim {
    entity: Entity,
    events: Vec<Event>,
    tasks: Vec<BTreeMap<String, Value>>,
    clock: i64,
}

impl Sim {
    fn new(writes: Vec<Write>) -> Sim {
        let mut sim = Sim {
            entity: Entity {
                id: RecordId::new_v7(2, [2; 10]),
                kind: RecordKind::Complaint,
                scope: Scope {
                    store: StoreId("s1".into()),
                    owner: None,
                },
                fields: BTreeMap::new(),
                tombstone: None,
                conflicts: BTreeMap::new(),
                version: 0,
            },
            events: vec![],
            tasks: vec![],
            clock: NOW,
        };
        sim.apply(writes, &UserId("agent1".into()));
        sim
    }

    fn stamp(&mut self) -> Hlc {
        self.clock += 1;
        Hlc {
            wall_ms: self.clock,
            counter: 0,
            node: ClientId::new_v7(1, [9; 10]),
        }
    }

    fn set(&mut self, field: &str, value: Value, by: &UserId) {
        let stamp = self.stamp();
        self.entity.fields.insert(
            field.to_owned(),
            FieldState {
                value,
                stamp,
                by: by.clone(),
            },
        );
    }

    fn apply(&mut self, writes: Vec<Write>, by: &UserId) {
        for w in writes {
            match (w.kind, w.op) {
                (RecordKind::Complaint, Op::Create { scope, fields: f }) => {
                    self.entity.id = w.record.expect("the complaint's id is made by the device");
                    self.entity.scope = scope;
                    for (k, v) in f {
                        self.set(&k, v, by);
                    }
                    self.set(fields::STATUS, json!("registered"), by);
                }
                (RecordKind::Complaint, Op::SetFields { writes }) => {
                    for fw in writes {
                        self.set(&fw.field, fw.value, by);
                    }
                }
                (
                    RecordKind::Complaint,
                    Op::Transition {
                        field,
                        from,
                        to,
                        reason,
                    },
                ) => {
                    let current = text(&self.entity, &field);
                    StateMachines::standard()
                        .check(
                            RecordKind::Complaint,
                            &field,
                            &current,
                            &from,
                            &to,
                            reason.as_deref(),
                        )
                        .expect("every transition a move makes is one the server allows");
                    self.set(&field, json!(to), by);
                    if let Some(r) = reason {
                        self.set(&format!("{field}_reason"), json!(r), by);
                    }
                }
                (
                    RecordKind::ComplaintStep | RecordKind::Signature,
                    Op::AppendEvent { scope, fields: f },
                ) => {
                    let stamp = self.stamp();
                    assert_eq!(
                        scope.owner.as_ref(),
                        Some(by),
                        "events are the writer's own"
                    );
                    self.events.push(Event {
                        id: RecordId::new_v7(u64::try_from(self.clock).unwrap_or(0), [3; 10]),
                        kind: w.kind,
                        scope,
                        fields: f,
                        stamp,
                        by: by.clone(),
                        version: 0,
                    });
                }
                (RecordKind::CallbackTask, Op::Create { fields: f, .. }) => self.tasks.push(f),
                (kind, op) => panic!("unexpected write {kind} {}", op.name()),
            }
        }
    }

    fn complaint(&self) -> Complaint {
        Complaint::of(&self.entity).expect("a complaint")
    }

    fn records(&self) -> Vec<Record> {
        std::iter::once(Record::Entity(self.entity.clone()))
            .chain(self.events.iter().cloned().map(Record::Event))
            .collect()
    }

    fn step(&mut self, u: &UserCtx, mv: &Move) -> Result<(), ComplaintError> {
        let rules = ComplaintRules::default();
        let writes = apply(ctx(u, &rules, self.clock + 1000), &self.entity, mv)?;
        self.apply(writes, &u.user);
        Ok(())
    }
}

fn registered() -> Sim {
    let agent = user("agent1", Role::CareAgent);
    let rules = ComplaintRules::default();
    let id = RecordId::new_v7(5, [5; 10]);
    Sim::new(register(ctx(&agent, &rules, NOW), id, &form()).expect("a good form"))
}

fn judge_ok() -> Move {
    Move::Judge {
        justified: true,
        reason: "等待超时属实".into(),
        department: Some(Department::Workshop),
    }
}

fn propose() -> Move {
    Move::Propose {
        cause: "工位不足".into(),
        responsible: "车间主管 孙".into(),
        solutions: vec!["赠送一次保养".into(), "  ".into(), "代金券 200 元".into()],
    }
}

fn implement_signed() -> Move {
    Move::Implement {
        actions: "已赠送保养".into(),
        measures: "车间排班调整".into(),
        notified: true,
        feedback: "满意".into(),
        acceptance: Acceptance::Signed {
            blob: SIG.into(),
            text: "本人接受上述处理方案".into(),
        },
    }
}

#[test]
fn the_whole_loop_with_a_signature_and_the_follow_up_callback() {
    let agent = user("agent1", Role::CareAgent);
    let sup = user("sup", Role::CareSupervisor);
    let mut sim = registered();
    let c = sim.complaint();
    assert_eq!(c.status, Status::Registered);
    assert_eq!(c.phone, "13800138000", "the phone is cleaned");
    assert_eq!(c.agent, Some(agent.user.clone()));
    sim.step(&sup, &judge_ok()).expect("judged");
    assert_eq!(sim.complaint().status, Status::Investigating);
    sim.step(&sup, &propose()).expect("proposed");
    assert_eq!(
        sim.complaint().solutions.len(),
        2,
        "blank solutions are dropped"
    );
    assert_eq!(
        sim.step(&agent, &Move::Approve { solution: 1 }),
        Err(ComplaintError::NeedsLead),
        "only a supervisor approves"
    );
    assert_eq!(
        sim.step(&sup, &Move::Approve { solution: 2 }),
        Err(ComplaintError::NoSuchSolution)
    );
    sim.step(&sup, &Move::Approve { solution: 1 })
        .expect("approved");
    assert_eq!(sim.complaint().approved_solution(), Some("代金券 200 元"));
    sim.step(&agent, &implement_signed()).expect("implemented");
    let c = sim.complaint();
    assert_eq!(c.status, Status::FollowUp);
    assert_eq!(c.signature.as_deref(), Some(SIG));
    assert_eq!(sim.tasks.len(), 1, "one follow-up callback");
    let task = &sim.tasks[0];
    assert_eq!(task["purpose"], json!("complaint_follow_up"));
    assert_eq!(
        task["due_by"],
        json!(Day::of_ms(sim.clock, 480).plus(3).to_string())
    );
    assert!(
        sim.events
            .iter()
            .any(|e| e.kind == RecordKind::Signature && e.fields["blob"] == json!(SIG))
    );
    assert_eq!(
        sim.step(
            &agent,
            &Move::Close {
                review: "x".into(),
                improvements: String::new()
            }
        ),
        Err(ComplaintError::NeedsLead)
    );
    sim.step(
        &sup,
        &Move::Close {
            review: "处理及时".into(),
            improvements: "增加工位".into(),
        },
    )
    .expect("closed");
    let c = sim.complaint();
    assert!(c.closed_signed());
    let steps: Vec<StepKind> = timeline(&sim.records(), c.id)
        .iter()
        .map(|t| t.step)
        .collect();
    assert_eq!(
        steps,
        [
            StepKind::Registered,
            StepKind::Judged,
            StepKind::Proposed,
            StepKind::Approved,
            StepKind::Implemented,
            StepKind::Closed
        ]
    );
}

#[test]
fn not_justified_closes_with_the_reason_and_reopening_needs_one() {
    let sup = user("sup", Role::CareSupervisor);
    let mut sim = registered();
    assert_eq!(
        sim.step(
            &sup,
            &Move::Judge {
                justified: false,
                reason: " ".into(),
                department: None
            }
        ),
        Err(ComplaintError::Missing(fields::JUDGEMENT))
    );
    sim.step(
        &sup,
        &Move::Judge {
            justified: false,
            reason: "轮胎磨损属正常".into(),
            department: None,
        },
    )
    .expect("closed as not justified");
    let c = sim.complaint();
    assert_eq!(c.status, Status::Closed);
    assert_eq!(c.status_reason, "轮胎磨损属正常");
    assert!(!c.closed_signed());
    assert_eq!(
        sim.step(&sup, &Move::Reopen { reason: "".into() }),
        Err(ComplaintError::Missing(fields::STATUS_REASON))
    );
    sim.step(
        &sup,
        &Move::Reopen {
            reason: "客户再次来电".into(),
        },
    )
    .expect("reopened");
    assert_eq!(sim.complaint().status, Status::Investigating);
    assert_eq!(sim.complaint().closed_at, None);
}

#[test]
fn a_reopened_complaint_forgets_the_old_signature_until_it_is_signed_again() {
    let sup = user("sup", Role::CareSupervisor);
    let mut sim = registered();
    for mv in [
        judge_ok(),
        propose(),
        Move::Approve { solution: 0 },
        implement_signed(),
        Move::Close {
            review: "ok".into(),
            improvements: String::new(),
        },
        Move::Reopen {
            reason: "客户再次来电".into(),
        },
    ] {
        sim.step(&sup, &mv).expect("step");
    }
    let c = sim.complaint();
    assert_eq!((c.signature.as_deref(), c.approved), (None, None));
    for mv in [
        propose(),
        Move::Approve { solution: 1 },
        Move::Implement {
            actions: "换件".into(),
            measures: String::new(),
            notified: true,
            feedback: String::new(),
            acceptance: Acceptance::Refused {
                reason: "不愿签字".into(),
            },
        },
        Move::Close {
            review: "ok".into(),
            improvements: String::new(),
        },
    ] {
        sim.step(&sup, &mv).expect("step");
    }
    let c = sim.complaint();
    assert!(!c.closed_signed(), "the old signature does not count");
    assert_eq!(c.refusal, "不愿签字");
}

#[test]
fn a_refusal_to_sign_is_recorded_and_a_blank_one_is_not_enough() {
    let sup = user("sup", Role::CareSupervisor);
    let mut sim = registered();
    sim.step(&sup, &judge_ok()).expect("judged");
    sim.step(&sup, &propose()).expect("proposed");
    sim.step(&sup, &Move::Approve { solution: 0 })
        .expect("approved");
    let refused = |reason: &str| Move::Implement {
        actions: "已赠送保养".into(),
        measures: String::new(),
        notified: true,
        feedback: String::new(),
        acceptance: Acceptance::Refused {
            reason: reason.into(),
        },
    };
    assert_eq!(
        sim.step(&sup, &refused(" ")),
        Err(ComplaintError::NoAcceptance)
    );
    sim.step(&sup, &refused("客户表示不方便签字"))
        .expect("refusal recorded");
    let c = sim.complaint();
    assert_eq!(c.refusal, "客户表示不方便签字");
    assert_eq!(c.signature, None);
    // A supervisor carrying it out gives the follow-up to the agent who registered it.
    assert_eq!(sim.tasks.len(), 1);
}

#[test]
fn judging_needs_a_category_and_a_department_when_justified() {
    let sup = user("sup", Role::CareSupervisor);
    let agent = user("agent1", Role::CareAgent);
    let rules = ComplaintRules::default();
    let mut f = form();
    f.category = None;
    assert_eq!(
        register(ctx(&agent, &rules, NOW), RecordId::new_v7(5, [5; 10]), &f),
        Err(ComplaintError::Missing(fields::CATEGORY))
    );
    f = form();
    f.phone = "12345".into();
    assert!(matches!(
        register(ctx(&agent, &rules, NOW), RecordId::new_v7(5, [5; 10]), &f),
        Err(ComplaintError::Phone(_))
    ));
    let mut sim = registered();
    assert_eq!(
        sim.step(
            &sup,
            &Move::Judge {
                justified: true,
                reason: String::new(),
                department: None
            }
        ),
        Err(ComplaintError::Missing(fields::DEPARTMENT))
    );
}

#[test]
fn a_step_on_an_old_copy_is_refused() {
    let sup = user("sup", Role::CareSupervisor);
    let mut sim = registered();
    sim.step(&sup, &judge_ok()).expect("judged");
    assert!(matches!(
        sim.step(&sup, &judge_ok()),
        Err(ComplaintError::WrongStep { .. })
    ));
    assert!(matches!(
        sim.step(&sup, &implement_signed()),
        Err(ComplaintError::WrongStep { .. })
    ));
}

#[test]
fn editing_the_form_writes_only_what_changed_with_the_stamp_seen() {
    let sim = registered();
    let mut f = form();
    f.content = "保养等了三个小时".into();
    let w = edit_registration(&sim.entity, &f)
        .expect("valid")
        .expect("a change");
    let Op::SetFields { writes } = w.op else {
        panic!("set fields")
    };
    assert_eq!(writes.len(), 1);
    assert_eq!(writes[0].field, fields::CONTENT);
    assert_eq!(
        writes[0].base,
        Some(sim.entity.fields[fields::CONTENT].stamp)
    );
    assert_eq!(edit_registration(&sim.entity, &form()), Ok(None));
}

#[test]
fn deadlines_run_by_severity_and_stop_when_answered() {
    let rules = ComplaintRules::parse("major=2, general=24").expect("rules");
    let mut sim = registered();
    sim.set(fields::SEVERITY, json!("major"), &UserId("a".into()));
    let c = sim.complaint();
    let hour = 3_600_000;
    assert_eq!(c.deadline(&rules, NOW + hour).state, DeadlineState::Running);
    assert_eq!(
        c.deadline(&rules, NOW + 3 * hour).state,
        DeadlineState::Overdue
    );
    assert_eq!(c.deadline(&rules, NOW).due_at, NOW + 2 * hour);
    let mut answered = c.clone();
    answered.judged_at = Some(NOW + 3 * hour);
    answered.status = Status::Investigating;
    assert_eq!(
        answered.deadline(&rules, NOW + 9 * hour).state,
        DeadlineState::Missed
    );
    assert!(matches!(
        ComplaintRules::parse("major=0"),
        Err(RulesError::Number(_))
    ));
    assert!(matches!(
        ComplaintRules::parse("urgent=1"),
        Err(RulesError::Unknown(_))
    ));
}

#[test]
fn the_statistics_count_each_complaint_once_and_export_the_same_figures() {
    let sup = user("sup", Role::CareSupervisor);
    let mut sim = registered();
    for mv in [
        judge_ok(),
        propose(),
        Move::Approve { solution: 0 },
        implement_signed(),
        Move::Close {
            review: "ok".into(),
            improvements: String::new(),
        },
    ] {
        sim.step(&sup, &mv).expect("step");
    }
    let day = Day::of_ms(NOW, 480);
    let rules = ComplaintRules::default();
    let s = stats(
        &sim.records(),
        Period { from: day, to: day },
        480,
        &rules,
        NOW + 10_000,
    );
    assert_eq!(s.total, 1);
    assert_eq!(s.closed, 1);
    assert_eq!((s.signed.num, s.signed.den), (1, 1));
    assert!(s.by_category.contains(&(Category::WaitingTime, 1)));
    assert_eq!(s.by_category.iter().map(|(_, n)| n).sum::<u32>(), 1);
    assert!(s.by_department.contains(&(Department::Workshop, 1)));
    assert!(s.by_status.contains(&(Status::Closed, 1)));
    assert_eq!(s.slowest.map(|(id, _)| id), Some(sim.entity.id));
    let csv = s.to_csv(true);
    assert!(csv.contains("等待时间,1"), "{csv}");
    assert!(csv.contains("客户签字结案,1/1"), "{csv}");
    let other_day = Period {
        from: day.plus(1),
        to: day.plus(7),
    };
    assert_eq!(stats(&sim.records(), other_day, 480, &rules, NOW).total, 0);
}

#[test]
fn csv_cells_are_quoted_and_never_formulas() {
    assert_eq!(super::stats::csv_cell("a,b"), "\"a,b\"");
    assert_eq!(super::stats::csv_cell("=1+1"), "'=1+1");
    assert_eq!(super::stats::csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
}

#[cfg(not(target_arch = "wasm32"))]
mod properties {
    use super::*;
    use proptest::prelude::*;

    fn any_move() -> impl Strategy<Value = Move> {
        prop_oneof![
            (
                any::<bool>(),
                "[a-z ]{0,3}",
                proptest::option::of(0usize..7)
            )
                .prop_map(|(justified, reason, d)| Move::Judge {
                    justified,
                    reason,
                    department: d.map(|i| Department::ALL[i]),
                }),
            (
                "[a-z ]{0,2}",
                "[a-z]{0,2}",
                proptest::collection::vec("[a-z ]{0,2}", 0..3)
            )
                .prop_map(|(cause, responsible, solutions)| Move::Propose {
                    cause,
                    responsible,
                    solutions
                }),
            (0usize..2).prop_map(|solution| Move::Approve { solution }),
            "[a-z ]{0,2}".prop_map(|reason| Move::SendBack { reason }),
            (proptest::bool::weighted(0.85), any::<bool>()).prop_map(|(notified, signed)| {
                Move::Implement {
                    actions: "done".into(),
                    measures: String::new(),
                    notified,
                    feedback: String::new(),
                    acceptance: if signed {
                        Acceptance::Signed {
                            blob: SIG.into(),
                            text: "ok".into(),
                        }
                    } else {
                        Acceptance::Refused {
                            reason: if notified {
                                "busy".into()
                            } else {
                                String::new()
                            },
                        }
                    },
                }
            }),
            "[a-z]{0,3}".prop_map(|review| Move::Close {
                review,
                improvements: String::new()
            }),
            "[a-z ]{0,2}".prop_map(|reason| Move::Reopen { reason }),
            Just(Move::Photo { blob: SIG.into() }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]

        /// No sequence of steps, by anyone, reaches a state the loop does not allow: every
        /// transition written is one the server's machine accepts (checked as it is applied),
        /// and what each state promises holds.
        #[test]
        fn no_sequence_of_moves_reaches_an_illegal_state(
            moves in proptest::collection::vec((any::<bool>(), any_move()), 0..40)
        ) {
            let agent = user("agent1", Role::CareAgent);
            let sup = user("sup", Role::CareSupervisor);
            let mut sim = registered();
            let mut done = 1usize;
            for (lead, mv) in moves {
                let who = if lead { &sup } else { &agent };
                let before = sim.clone();
                match sim.step(who, &mv) {
                    Ok(()) => done += 1,
                    Err(_) => {
                        // A refused step writes nothing at all.
                        prop_assert_eq!(&sim.entity, &before.entity);
                        prop_assert_eq!(sim.events.len(), before.events.len());
                        continue;
                    }
                }
                prop_assert!(!mv.needs_lead() || lead, "a lead-only step by an agent");
                let c = sim.complaint();
                let steps = sim.events.iter().filter(|e| e.kind == RecordKind::ComplaintStep).count();
                prop_assert_eq!(steps, done, "one timeline step per step taken");
                match c.status {
                    Status::Closed => prop_assert!(
                        c.justified == Some(false) && !c.status_reason.trim().is_empty()
                            || !c.review.trim().is_empty()
                    ),
                    Status::Approved => prop_assert!(c.approved_solution().is_some()),
                    Status::FollowUp => {
                        prop_assert!(c.notified);
                        prop_assert!(c.signature.is_some() || !c.refusal.trim().is_empty());
                    }
                    Status::Proposed => prop_assert!(!c.solutions.is_empty()),
                    Status::Registered | Status::Investigating => {}
                    // Passed through within one step, never left there.
                    Status::Judged | Status::Implemented | Status::Reopened => {
                        prop_assert!(false, "left in a passing state {:?}", c.status)
                    }
                }
                let implemented = sim
                    .events
                    .iter()
                    .filter(|e| e.fields.get(fields::STEP) == Some(&json!("implemented")))
                    .count();
                prop_assert_eq!(sim.tasks.len(), implemented, "one follow-up per implementation");
            }
        }
    }
}

#[test]
fn only_leads_may_push_the_fields_and_steps_of_an_approval_or_a_review() {
    let agent = user("agent1", Role::CareAgent);
    let sup = user("sup", Role::CareSupervisor);
    let mut sim = registered();
    for mv in [judge_ok(), propose()] {
        sim.step(&sup, &mv).expect("step");
    }
    let rules = ComplaintRules::default();
    let approval = apply(
        ctx(&sup, &rules, NOW),
        &sim.entity,
        &Move::Approve { solution: 0 },
    )
    .expect("a supervisor may");
    for w in &approval {
        assert_eq!(check_fields(&sup, w.kind, &w.op, None).err(), None);
    }
    // The same writes from an agent's tablet: the fields and the step are refused too, not
    // only the status move.
    let refused: Vec<bool> = approval
        .iter()
        .map(|w| check_fields(&agent, w.kind, &w.op, None).err().is_some())
        .collect();
    assert_eq!(
        refused,
        [false, true, true],
        "move (the machine's), approved, step"
    );
    // What an agent writes in her own steps passes.
    let judge = apply(ctx(&sup, &rules, NOW), &registered().entity, &judge_ok()).expect("judge");
    assert!(
        judge
            .iter()
            .all(|w| check_fields(&agent, w.kind, &w.op, None).err().is_none())
    );
    let reopen = Op::SetFields {
        writes: vec![FieldWrite {
            field: fields::APPROVED.into(),
            value: Value::Null,
            base: None,
        }],
    };
    assert_eq!(
        check_fields(&agent, RecordKind::Complaint, &reopen, None).err(),
        None,
        "reopening clears it"
    );
}
