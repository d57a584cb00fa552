use super::summary::{Scope, suggestion_key, summary};
use super::*;
use crate::care::kpi::tests::{OFFSET, attempt, day, entity, event, id, member, noon, task};
use serde_json::json;

fn november() -> Period {
    Period {
        from: day(1),
        to: day(30),
    }
}

fn input<'a>(
    rules: &'a Rules,
    complaint_rules: &'a ComplaintRules,
    period: Period,
    today: Day,
) -> Input<'a> {
    Input {
        period,
        today,
        offset_minutes: OFFSET,
        now_ms: noon(today.ymd().2),
        rules,
        complaint_rules,
    }
}

/// A completed callback record of `task` for `customer`.
fn done(n: u128, by: &str, task: u128, customer: u128, at: i64, extra: &[(&str, Value)]) -> Record {
    let mut fields = vec![
        ("task", json!(id(task).to_string())),
        ("customer", json!(id(customer).to_string())),
    ];
    fields.extend(extra.iter().cloned());
    event(n, RecordKind::CallbackRecord, by, at, &fields)
}

fn lead(n: u128, owner: &str, at: i64, stage: &str, followed: bool) -> Record {
    let mut fields = vec![
        ("captured_at", json!(at)),
        ("stage", json!(stage)),
        ("source", json!("walk_in")),
        ("models", json!(["汉EV"])),
    ];
    if followed {
        fields.push(("last_follow_up", json!(at + 3_600_000)));
    }
    entity(n, RecordKind::Lead, Some(owner), &fields)
}

fn complaint(
    n: u128,
    agent: &str,
    at: i64,
    status: &str,
    signed: bool,
    task: Option<u128>,
) -> Record {
    let mut fields = vec![
        ("received_at", json!(at)),
        ("status", json!(status)),
        ("category", json!("service_attitude")),
        ("severity", json!("normal")),
        ("agent", json!(agent)),
    ];
    if status == "closed" {
        fields.push(("closed_at", json!(at + 7_200_000)));
    }
    if signed {
        fields.push(("signature", json!("a".repeat(64))));
    }
    if let Some(t) = task {
        fields.push(("task", json!(id(t).to_string())));
    }
    entity(n, RecordKind::Complaint, Some(agent), &fields)
}

fn appointment(n: u128, d: u32, status: &str) -> Record {
    entity(
        n,
        RecordKind::Appointment,
        None,
        &[
            ("day", json!(day(d).to_string())),
            ("status", json!(status)),
        ],
    )
}

fn vehicle(n: u128, customer: u128, purchase: Day) -> Record {
    entity(
        n,
        RecordKind::Vehicle,
        None,
        &[
            ("customer", json!(id(customer).to_string())),
            ("purchase_date", json!(purchase.to_string())),
        ],
    )
}

fn visit(n: u128, customer: u128, on: Day) -> Record {
    entity(
        n,
        RecordKind::ServiceVisit,
        None,
        &[
            ("customer", json!(id(customer).to_string())),
            ("date", json!(on.to_string())),
        ],
    )
}

fn store() -> Vec<Record> {
    vec![
        member(1),
        member(2),
        // Due in November: two completed, one open, one cancelled (not counted).
        task(10, "a1", "post_service", 20, "completed"),
        task(11, "a1", "maintenance_reminder", 21, "completed"),
        task(12, "a2", "post_delivery", 22, "in_progress"),
        task(13, "a2", "post_service", 23, "cancelled"),
        attempt(
            20,
            "a1",
            10,
            noon(19),
            crate::care::calls::Outcome::NoAnswer,
        ),
        attempt(21, "a1", 10, noon(20), crate::care::calls::Outcome::Reached),
        attempt(22, "a1", 11, noon(21), crate::care::calls::Outcome::Reached),
        done(
            30,
            "a1",
            10,
            1,
            noon(20),
            &[
                ("satisfaction", json!("very_satisfied")),
                ("suggestions", json!("休息区加点水果。")),
            ],
        ),
        done(
            31,
            "a1",
            11,
            2,
            noon(21),
            &[
                ("satisfaction", json!("neutral")),
                ("purpose", json!("maintenance_reminder")),
                ("next_action", json!("appointment")),
                ("suggestions", json!("休息区加点水果")),
            ],
        ),
        appointment(40, 25, "arrived"),
        appointment(41, 26, "no_show"),
        appointment(42, 27, "booked"),
        entity(60, RecordKind::Customer, None, &[("name", json!("周建华"))]),
        entity(61, RecordKind::Customer, None, &[("name", json!("林小梅"))]),
        // A car whose customer record is gone counts nowhere (its drill-down would miss it).
        vehicle(62, 63, day(12).plus(-90)),
        // Delivered 90 days before Nov 10 (first service due then) and came back.
        vehicle(50, 60, day(10).plus(-90)),
        visit(51, 60, day(9)),
        // Delivered 90 days before Nov 12, not back.
        vehicle(52, 61, day(12).plus(-90)),
        complaint(70, "a1", noon(21), "closed", true, Some(11)),
        complaint(71, "a2", noon(22), "closed", false, None),
        complaint(72, "a2", noon(23), "investigating", false, None),
        lead(80, "s1", noon(5), "delivered", true),
        lead(81, "s1", noon(6), "test_drive", true),
        lead(82, "s2", noon(7), "new", false),
        lead(83, "s2", noon(8), "following", true),
    ]
}

#[test]
fn every_figure_of_a_small_store() {
    let (rules, cr) = (Rules::default(), ComplaintRules::default());
    let r = report(&store(), &input(&rules, &cr, november(), day(28)));
    let ratio = |k: Kpi| {
        let m = r.measure(k);
        (m.ratio.num, m.ratio.den)
    };
    assert_eq!(ratio(Kpi::CallbackCompletion), (2, 3));
    assert_eq!(
        ratio(Kpi::ThreeDay),
        (1, 2),
        "10 on time, 12 past due unreached"
    );
    assert_eq!(ratio(Kpi::MemberCoverage), (2, 2));
    assert_eq!(ratio(Kpi::EffectiveContact), (2, 3));
    assert_eq!(ratio(Kpi::Satisfaction), (1, 2));
    assert_eq!(ratio(Kpi::AppointmentRate), (1, 1));
    assert_eq!(
        ratio(Kpi::NoShowRate),
        (1, 2),
        "the unmarked booking is not counted"
    );
    assert_eq!(ratio(Kpi::FirstServiceReturn), (1, 2));
    assert_eq!(
        r.measure(Kpi::FirstServiceReturn).items,
        vec![(id(60), true), (id(61), false)]
    );
    assert_eq!(ratio(Kpi::ComplaintsSigned), (1, 2));
    assert_eq!(r.measure(Kpi::ComplaintsSigned).ratio, r.complaints.signed);
    assert_eq!(ratio(Kpi::LeadFollowUp), (3, 4));
    assert_eq!(ratio(Kpi::TestDriveRate), (2, 4));
    assert_eq!(ratio(Kpi::Conversion), (1, 4));
    assert_eq!(r.complaints.total, 3);
    assert_eq!(r.funnel.total.captured, 4);
    assert_eq!(r.funnel.total.delivered, 1);
    assert_eq!(
        r.follow_up_by_advisor[&UserId("s2".into())],
        Ratio { num: 1, den: 2 }
    );
    let a1 = r.agents[&UserId("a1".into())];
    assert_eq!(a1.due, Ratio { num: 2, den: 2 });
    assert_eq!(a1.contact, Ratio { num: 2, den: 3 });
    assert_eq!(a1.records, 2);
    assert_eq!(a1.complaints, 1);
    assert_eq!(r.days.len(), 30);
    let nov20 = r.days[19];
    assert_eq!(
        (nov20.day, nov20.attempts, nov20.reached, nov20.records),
        (day(20), 1, 1, 1)
    );
    assert_eq!(r.days.iter().map(|d| d.leads).sum::<u32>(), 4);
    assert_eq!(r.days.iter().map(|d| d.complaints).sum::<u32>(), 3);
    assert_eq!(
        r.satisfaction.iter().map(|(_, n)| n).sum::<u32>(),
        r.measure(Kpi::Satisfaction).ratio.den
    );
}

#[test]
fn a_period_before_the_records_counts_nothing_and_every_kpi_has_a_definition() {
    let (rules, cr) = (Rules::default(), ComplaintRules::default());
    let october = Period {
        from: Day::from_ymd(2026, 10, 1).expect("a day"),
        to: Day::from_ymd(2026, 10, 31).expect("a day"),
    };
    let r = report(&store(), &input(&rules, &cr, october, day(28)));
    for k in Kpi::ALL {
        assert!(!k.definition(true).is_empty() && !k.definition(false).is_empty());
        if *k != Kpi::MemberCoverage {
            assert_eq!(r.measure(*k).ratio.num, 0, "{k:?}");
        }
    }
    // Members are counted in every period: none was called in October.
    assert_eq!(
        r.measure(Kpi::MemberCoverage).ratio,
        Ratio { num: 0, den: 2 }
    );
}

#[test]
fn the_summary_of_a_campaign_and_of_a_period() {
    let mut records = store();
    records.push(entity(
        90,
        RecordKind::CallbackTask,
        Some("a2"),
        &[
            ("purpose", json!("campaign")),
            ("campaign", json!("双十一保养节")),
            ("due_by", json!(day(12).to_string())),
            ("status", json!("completed")),
        ],
    ));
    records.push(entity(
        91,
        RecordKind::CallbackTask,
        Some("a2"),
        &[
            ("purpose", json!("campaign")),
            ("campaign", json!("双十一保养节")),
            ("due_by", json!(day(12).to_string())),
            ("status", json!("open")),
        ],
    ));
    records.push(done(
        92,
        "a2",
        90,
        1,
        noon(11),
        &[
            ("satisfaction", json!("satisfied")),
            ("suggestions", json!("无")),
        ],
    ));
    records.push(attempt(
        93,
        "a2",
        91,
        noon(11),
        crate::care::calls::Outcome::Busy,
    ));
    let s = summary(&records, &Scope::Campaign("双十一保养节".into()));
    assert_eq!(s.reached, Ratio { num: 1, den: 2 });
    assert_eq!(s.attempts, 1);
    assert_eq!(s.satisfied, Ratio { num: 1, den: 1 });
    assert!(s.suggestions.is_empty(), "无 is no suggestion");
    assert_eq!(
        s.agents[&UserId("a2".into())].reached,
        Ratio { num: 1, den: 2 }
    );

    let s = summary(
        &records,
        &Scope::Period(Period {
            from: day(20),
            to: day(23),
        }),
    );
    assert_eq!(
        s.reached,
        Ratio { num: 2, den: 3 },
        "tasks 10, 11, 12; 13 was cancelled"
    );
    assert_eq!(s.attempts, 3);
    assert_eq!(s.suggestions, vec![("休息区加点水果".to_owned(), 2)]);
    assert_eq!(s.complaints, 1, "only the complaint raised from a callback");
    let attitude = s
        .complaint_categories
        .iter()
        .find(|(c, _)| c.as_str() == "service_attitude")
        .map(|(_, n)| *n);
    assert_eq!(attitude, Some(1));
    let names = BTreeMap::from([(UserId("a1".into()), "王丽".to_owned())]);
    let csv = s.to_csv(true, &names);
    assert!(csv.starts_with('\u{feff}'));
    assert!(csv.contains("按专员,王丽 · 接通完成,2/2 (100.0%)"), "{csv}");
    assert!(csv.contains("客户建议（最多的）,休息区加点水果,2"), "{csv}");
}

#[test]
fn suggestions_are_counted_by_their_text() {
    assert_eq!(
        suggestion_key("  多发保养提醒！ "),
        Some("多发保养提醒".into())
    );
    assert_eq!(suggestion_key("没有"), None);
    assert_eq!(suggestion_key("None."), None);
    assert_eq!(suggestion_key(""), None);
    let long = "很".repeat(40_000);
    assert_eq!(
        suggestion_key(&long).map(|k| k.chars().count()),
        Some(super::summary::SUGGESTION_MAX_CHARS)
    );
}

#[cfg(not(target_arch = "wasm32"))]
mod props {
    use super::*;
    use crate::care::calls::Outcome;
    use proptest::prelude::*;

    /// A random store: members (some called), tasks with attempts and records, appointments,
    /// deliveries with visits, complaints and leads, spread over November.
    fn any_store() -> impl Strategy<Value = Vec<Record>> {
        let outcome = proptest::sample::select(Outcome::ALL.to_vec());
        let satisfaction = proptest::sample::select(Satisfaction::ALL.to_vec());
        let status =
            proptest::sample::select(vec!["open", "in_progress", "completed", "cancelled"]);
        let purpose = proptest::sample::select(vec![
            "post_service",
            "post_delivery",
            "maintenance_reminder",
        ]);
        let stage = proptest::sample::select(vec![
            "new",
            "following",
            "test_drive",
            "order",
            "delivered",
            "lost",
        ]);
        (
            proptest::collection::vec((any::<bool>(), proptest::option::of(1u32..31)), 0..6),
            proptest::collection::vec(
                (
                    any::<bool>(),
                    purpose,
                    1u32..31,
                    status,
                    proptest::collection::vec((outcome, 1u32..31), 0..3),
                    proptest::option::of((satisfaction, 1u32..31, any::<bool>())),
                ),
                0..6,
            ),
            proptest::collection::vec((1u32..31, 0u8..3), 0..4),
            proptest::collection::vec(
                (-120i32..0, proptest::collection::vec(1i32..200, 0..3)),
                0..4,
            ),
            proptest::collection::vec((1u32..31, any::<bool>(), any::<bool>()), 0..4),
            proptest::collection::vec((1u32..31, stage, any::<bool>()), 0..5),
        )
            .prop_map(|(customers, tasks, appts, cars, complaints, leads)| {
                let mut out = Vec::new();
                for (i, (is_member, called)) in customers.into_iter().enumerate() {
                    let n = 1_000 + i as u128;
                    let level = if is_member { "金卡" } else { "" };
                    out.push(entity(
                        n,
                        RecordKind::Customer,
                        None,
                        &[("member_level", json!(level))],
                    ));
                    if let Some(d) = called {
                        out.push(done(1_500 + i as u128, "a1", 99_999, n, noon(d), &[]));
                    }
                }
                for (i, (agent, purpose, due, status, attempts, rec)) in
                    tasks.into_iter().enumerate()
                {
                    let n = 2_000 + i as u128 * 10;
                    let owner = if agent { "a1" } else { "a2" };
                    out.push(task(n, owner, purpose, due, status));
                    for (j, (o, d)) in attempts.into_iter().enumerate() {
                        out.push(attempt(n + 1 + j as u128, owner, n, noon(d), o));
                    }
                    if let Some((s, d, booked)) = rec {
                        let action = if booked { "appointment" } else { "nothing" };
                        out.push(done(
                            n + 9,
                            owner,
                            n,
                            1_000,
                            noon(d),
                            &[
                                ("satisfaction", json!(s.as_str())),
                                ("purpose", json!(purpose)),
                                ("next_action", json!(action)),
                            ],
                        ));
                    }
                }
                for (i, (d, s)) in appts.into_iter().enumerate() {
                    let status = ["booked", "arrived", "no_show"][usize::from(s)];
                    out.push(appointment(3_000 + i as u128, d, status));
                }
                for (i, (bought, later)) in cars.into_iter().enumerate() {
                    let c = 4_000 + i as u128 * 10;
                    out.push(entity(
                        c,
                        RecordKind::Customer,
                        None,
                        &[("name", json!("客户"))],
                    ));
                    let delivered = day(1).plus(bought);
                    out.push(vehicle(c + 1, c, delivered));
                    for (j, after) in later.into_iter().enumerate() {
                        out.push(visit(c + 2 + j as u128, c, delivered.plus(after)));
                    }
                }
                for (i, (d, closed, signed)) in complaints.into_iter().enumerate() {
                    let status = if closed { "closed" } else { "investigating" };
                    out.push(complaint(
                        5_000 + i as u128,
                        "a1",
                        noon(d),
                        status,
                        signed,
                        None,
                    ));
                }
                for (i, (d, stage, followed)) in leads.into_iter().enumerate() {
                    out.push(lead(6_000 + i as u128, "s1", noon(d), stage, followed));
                }
                out
            })
    }

    proptest! {
        #[test]
        fn every_rate_stays_within_zero_and_one_and_its_records_add_up(
            records in any_store(), today in 1u32..31
        ) {
            let (rules, cr) = (Rules::default(), ComplaintRules::default());
            let r = report(&records, &input(&rules, &cr, november(), day(today)));
            for k in Kpi::ALL {
                let m = r.measure(*k);
                prop_assert!(m.ratio.num <= m.ratio.den, "{:?}", k);
                if let Some(rate) = m.ratio.rate() {
                    prop_assert!((0.0..=1.0).contains(&rate), "{:?}", k);
                }
                prop_assert_eq!(m.items.len(), m.ratio.den as usize);
                prop_assert_eq!(m.items.iter().filter(|(_, hit)| *hit).count(), m.ratio.num as usize);
            }
            for a in r.agents.values() {
                for ratio in [a.due, a.contact, a.satisfaction] {
                    prop_assert!(ratio.num <= ratio.den);
                }
            }
            let s = summary(&records, &Scope::Period(november()));
            prop_assert!(s.reached.num <= s.reached.den && s.satisfied.num <= s.satisfied.den);
        }

        #[test]
        fn coverage_is_whole_exactly_when_every_member_has_a_record_in_the_period(
            records in any_store()
        ) {
            let (rules, cr) = (Rules::default(), ComplaintRules::default());
            let r = report(&records, &input(&rules, &cr, november(), day(30)));
            let m = r.measure(Kpi::MemberCoverage);
            let members: Vec<RecordId> = records
                .iter()
                .filter_map(Record::as_entity)
                .filter(|e| e.kind == RecordKind::Customer
                    && entity_str(e, "member_level").is_some_and(|l| !l.is_empty()))
                .map(|e| e.id)
                .collect();
            let called: BTreeSet<String> = records
                .iter()
                .filter_map(|r| match r {
                    Record::Event(e) if e.kind == RecordKind::CallbackRecord => {
                        str_field(&e.fields, "customer").map(str::to_owned)
                    }
                    _ => None,
                })
                .collect();
            let all_called = members.iter().all(|m| called.contains(&m.to_string()));
            prop_assert_eq!(m.ratio.num == m.ratio.den, all_called);
            prop_assert_eq!(m.ratio.den as usize, members.len());
        }

        #[test]
        fn an_unrelated_record_changes_nothing(records in any_store(), today in 1u32..31) {
            let (rules, cr) = (Rules::default(), ComplaintRules::default());
            let at = input(&rules, &cr, november(), day(today));
            let before = report(&records, &at);
            let mut more = records.clone();
            // A script, an audit entry, and a call and a lead from another month.
            more.push(entity(9_990, RecordKind::CallScript, None, &[("title", json!("保养后回访"))]));
            more.push(event(9_991, RecordKind::AuditEntry, "sup", noon(3), &[("action", json!("export"))]));
            let december = noon(30) + 5 * 86_400_000;
            more.push(attempt(9_992, "a1", 9_999, december, Outcome::Reached));
            more.push(lead(9_993, "s1", december, "order", true));
            prop_assert_eq!(report(&more, &at), before);
        }
    }
}
