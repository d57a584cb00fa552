//! The care supervisor's figures (DOMAIN.md "Numbers the managers watch"), computed from the
//! synced records the same way on a tablet (its own scope, offline) and on the server.
//!
//! Definitions, as the app shows them beside each number:
//! - **Member coverage** (会员覆盖率): member customers (a membership level on record) with a
//!   completed callback record in the period ÷ member customers. The norm is 100%.
//! - **Three-day compliance** (三日回访率): of the post-service and post-delivery callbacks
//!   whose customer was first on the line (reached, asked to call later, or refused) in the
//!   period, or that passed their due day in the period without contact, the share contacted
//!   on or before the due day.
//! - **Effective contact rate** (有效沟通率), per agent: attempts in the period that reached
//!   the customer ÷ attempts in the period.
//! - **Today's progress**, per agent: callback records completed today, and tasks still open.
//! - **At risk**: unfinished tasks due today or tomorrow with no contact yet; **overdue**:
//!   unfinished tasks past their due day with no contact.

use super::calls::fields;
use super::complaints::ComplaintRules;
use super::dates::{self, Day};
use super::rules::Rules;
use crate::UserId;
use crate::reports::{self, Kpi};
use crate::sync::{Record, RecordId, RecordKind};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// `num` of `den`; the rate is undefined when nothing was counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Ratio {
    pub num: u32,
    pub den: u32,
}

impl Ratio {
    pub fn rate(self) -> Option<f64> {
        (self.den > 0).then(|| f64::from(self.num) / f64::from(self.den))
    }
}

/// Days from `from` to `to`, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Period {
    pub from: Day,
    pub to: Day,
}

impl Period {
    pub fn contains(self, day: Day) -> bool {
        self.from <= day && day <= self.to
    }
}

/// One agent's day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    pub done_today: u32,
    pub open: u32,
}

/// The supervisor's figures.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CareFigures {
    pub member_coverage: Ratio,
    /// Member customers without a completed callback in the period (the drill-down).
    pub uncovered_members: Vec<RecordId>,
    pub three_day: Ratio,
    pub contact: Ratio,
    pub contact_by_agent: BTreeMap<UserId, Ratio>,
    pub progress_by_agent: BTreeMap<UserId, Progress>,
    pub at_risk: Vec<RecordId>,
    pub overdue: Vec<RecordId>,
}

/// The figures over `records` for `period`, on `today`; times become days at
/// `offset_minutes` east of UTC (the store's time zone). The rates are the report's
/// ([`crate::reports::report`]), so the supervisor's page and the reports agree.
pub fn care_figures(
    records: &[Record],
    period: Period,
    today: Day,
    offset_minutes: i32,
) -> CareFigures {
    let (rules, complaint_rules) = (Rules::default(), ComplaintRules::default());
    let report = reports::report(
        records,
        &reports::Input {
            period,
            today,
            offset_minutes,
            now_ms: 0,
            rules: &rules,
            complaint_rules: &complaint_rules,
        },
    );
    let coverage = report.measure(Kpi::MemberCoverage);
    let mut out = CareFigures {
        member_coverage: coverage.ratio,
        uncovered_members: coverage.misses().collect(),
        three_day: report.measure(Kpi::ThreeDay).ratio,
        contact: report.measure(Kpi::EffectiveContact).ratio,
        contact_by_agent: report
            .agents
            .iter()
            .filter(|(_, a)| a.contact.den > 0)
            .map(|(agent, a)| (agent.clone(), a.contact))
            .collect(),
        ..CareFigures::default()
    };
    let events = records.iter().filter_map(|r| match r {
        Record::Event(e) => Some(e),
        Record::Entity(_) => None,
    });
    let contact_day = reports::first_contacts(events.clone(), offset_minutes);
    for e in events.filter(|e| e.kind == RecordKind::CallbackRecord) {
        if Day::of_ms(e.stamp.wall_ms, offset_minutes) == today {
            out.progress_by_agent
                .entry(e.by.clone())
                .or_default()
                .done_today += 1;
        }
    }
    for e in records.iter().filter_map(Record::as_entity) {
        if e.tombstone.is_some() || e.kind != RecordKind::CallbackTask {
            continue;
        }
        let field = |f: &str| e.value(f).and_then(Value::as_str);
        let status = field(fields::STATUS);
        let Some(due) = field(fields::DUE_BY).and_then(|d| dates::parse(d).ok()) else {
            continue;
        };
        // A task without a status yet is one still to do (a status starts at open).
        if status == Some("cancelled") || !status.is_none_or(super::distribute::is_unfinished) {
            continue;
        }
        if let Some(owner) = &e.scope.owner {
            out.progress_by_agent.entry(owner.clone()).or_default().open += 1;
        }
        if !contact_day.contains_key(&e.id) {
            if due < today {
                out.overdue.push(e.id);
            } else if due <= today.plus(1) {
                out.at_risk.push(e.id);
            }
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::StoreId;
    use crate::care::calls::Outcome;
    use crate::sync::Event;
    use crate::sync::{ClientId, Entity, FieldState, Hlc, Scope};
    use serde_json::json;

    pub(crate) const OFFSET: i32 = 8 * 60;

    pub(crate) fn day(d: u32) -> Day {
        Day::from_ymd(2026, 11, d).expect("a day")
    }

    /// Noon on 2026-11-`d`, Beijing time.
    pub(crate) fn noon(d: u32) -> i64 {
        i64::from(day(d).0) * 86_400_000 + 4 * 3_600_000
    }

    pub(crate) fn id(n: u128) -> RecordId {
        RecordId(uuid::Uuid::from_u128(n))
    }

    pub(crate) fn stamp(ms: i64) -> Hlc {
        Hlc {
            wall_ms: ms,
            counter: 0,
            node: ClientId(uuid::Uuid::from_u128(1)),
        }
    }

    pub(crate) fn entity(
        n: u128,
        kind: RecordKind,
        owner: Option<&str>,
        fields: &[(&str, Value)],
    ) -> Record {
        Record::Entity(Entity {
            id: id(n),
            kind,
            scope: Scope {
                store: StoreId("s".into()),
                owner: owner.map(|o| UserId(o.into())),
            },
            fields: fields
                .iter()
                .map(|(k, v)| {
                    (
                        (*k).to_owned(),
                        FieldState {
                            value: v.clone(),
                            stamp: stamp(1),
                            by: UserId("sup".into()),
                        },
                    )
                })
                .collect(),
            tombstone: None,
            conflicts: BTreeMap::new(),
            version: 1,
        })
    }

    pub(crate) fn event(
        n: u128,
        kind: RecordKind,
        by: &str,
        at: i64,
        fields: &[(&str, Value)],
    ) -> Record {
        Record::Event(Event {
            id: id(n),
            kind,
            scope: Scope {
                store: StoreId("s".into()),
                owner: Some(UserId(by.into())),
            },
            fields: fields
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
            stamp: stamp(at),
            by: UserId(by.into()),
            version: 1,
        })
    }

    pub(crate) fn member(n: u128) -> Record {
        entity(
            n,
            RecordKind::Customer,
            None,
            &[("member_level", json!("金卡"))],
        )
    }

    pub(crate) fn task(n: u128, owner: &str, purpose: &str, due: u32, status: &str) -> Record {
        entity(
            n,
            RecordKind::CallbackTask,
            Some(owner),
            &[
                ("purpose", json!(purpose)),
                ("due_by", json!(day(due).to_string())),
                ("status", json!(status)),
            ],
        )
    }

    pub(crate) fn attempt(n: u128, by: &str, task: u128, at: i64, outcome: Outcome) -> Record {
        event(
            n,
            RecordKind::CallAttempt,
            by,
            at,
            &[
                ("task", json!(id(task).to_string())),
                ("outcome", json!(outcome.as_str())),
            ],
        )
    }

    pub(crate) fn record(n: u128, by: &str, customer: u128, at: i64) -> Record {
        event(
            n,
            RecordKind::CallbackRecord,
            by,
            at,
            &[("customer", json!(id(customer).to_string()))],
        )
    }

    pub(crate) fn november() -> Period {
        Period {
            from: day(1),
            to: day(30),
        }
    }

    #[test]
    fn the_supervisors_figures_on_a_small_store() {
        let records = vec![
            member(1),
            member(2),
            entity(
                3,
                RecordKind::Customer,
                None,
                &[("member_level", json!(""))],
            ),
            // Reached on time, completed.
            task(10, "a1", "post_service", 20, "completed"),
            attempt(20, "a1", 10, noon(19), Outcome::NoAnswer),
            attempt(21, "a1", 10, noon(20), Outcome::Reached),
            record(30, "a1", 1, noon(20)),
            // Reached a day late.
            task(11, "a1", "post_service", 20, "completed"),
            attempt(22, "a1", 11, noon(21), Outcome::Reached),
            // Past due, never reached.
            task(12, "a2", "post_delivery", 25, "in_progress"),
            attempt(23, "a2", 12, noon(25), Outcome::Busy),
            // Not due yet, not contacted: not counted for compliance; at risk tomorrow.
            task(13, "a2", "post_service", 29, "open"),
            // A reminder is not a three-day callback.
            task(14, "a2", "maintenance_reminder", 10, "open"),
            // Today's record by a2.
            record(31, "a2", 3, noon(28)),
        ];
        let f = care_figures(&records, november(), day(28), OFFSET);
        assert_eq!(f.member_coverage, Ratio { num: 1, den: 2 });
        assert_eq!(f.uncovered_members, vec![id(2)]);
        assert_eq!(f.three_day, Ratio { num: 1, den: 3 });
        assert_eq!(f.contact, Ratio { num: 2, den: 4 });
        assert_eq!(
            f.contact_by_agent[&UserId("a1".into())],
            Ratio { num: 2, den: 3 }
        );
        assert_eq!(
            f.contact_by_agent[&UserId("a2".into())],
            Ratio { num: 0, den: 1 }
        );
        assert_eq!(
            f.progress_by_agent[&UserId("a2".into())],
            Progress {
                done_today: 1,
                open: 3
            }
        );
        assert_eq!(f.at_risk, vec![id(13)]);
        assert_eq!(f.overdue, vec![id(12), id(14)]);
    }

    #[test]
    fn days_are_counted_in_the_stores_time_zone() {
        // 23:30 UTC on the 20th is 07:30 on the 21st in Beijing: a day late.
        let late = i64::from(day(20).0) * 86_400_000 + 23 * 3_600_000 + 30 * 60_000;
        let records = vec![
            task(10, "a1", "post_service", 20, "completed"),
            attempt(20, "a1", 10, late, Outcome::Reached),
        ];
        let f = care_figures(&records, november(), day(28), OFFSET);
        assert_eq!(f.three_day, Ratio { num: 0, den: 1 });
        let f = care_figures(&records, november(), day(28), 0);
        assert_eq!(f.three_day, Ratio { num: 1, den: 1 });
    }

    #[cfg(not(target_arch = "wasm32"))]
    mod props {
        use super::*;
        use proptest::prelude::*;
        use std::collections::BTreeSet;

        fn any_outcome() -> impl Strategy<Value = Outcome> {
            proptest::sample::select(Outcome::ALL.to_vec())
        }

        /// A random small store: members (some called), tasks with attempts.
        fn store() -> impl Strategy<Value = Vec<Record>> {
            (
                proptest::collection::vec((any::<bool>(), any::<bool>(), 1u32..30), 0..8),
                proptest::collection::vec(
                    (
                        0u128..2,
                        1u32..30,
                        proptest::collection::vec((any_outcome(), 1u32..30), 0..4),
                    ),
                    0..8,
                ),
            )
                .prop_map(|(customers, tasks)| {
                    let mut out = Vec::new();
                    for (i, (is_member, called, d)) in customers.into_iter().enumerate() {
                        let n = 1_000 + i as u128;
                        let level = if is_member { "银卡" } else { "" };
                        out.push(entity(
                            n,
                            RecordKind::Customer,
                            None,
                            &[("member_level", json!(level))],
                        ));
                        if called {
                            out.push(record(2_000 + i as u128, "a1", n, noon(d)));
                        }
                    }
                    for (i, (agent, due, attempts)) in tasks.into_iter().enumerate() {
                        let n = 3_000 + i as u128 * 10;
                        let owner = if agent == 0 { "a1" } else { "a2" };
                        out.push(task(n, owner, "post_service", due, "in_progress"));
                        for (j, (o, d)) in attempts.into_iter().enumerate() {
                            out.push(attempt(n + 1 + j as u128, owner, n, noon(d), o));
                        }
                    }
                    out
                })
        }

        proptest! {
            #[test]
            fn rates_stay_within_zero_and_one(records in store(), today in 1u32..31) {
                let f = care_figures(&records, november(), day(today), OFFSET);
                for r in [f.member_coverage, f.three_day, f.contact]
                    .into_iter()
                    .chain(f.contact_by_agent.values().copied())
                {
                    prop_assert!(r.num <= r.den);
                    if let Some(rate) = r.rate() {
                        prop_assert!((0.0..=1.0).contains(&rate));
                    }
                }
            }

            #[test]
            fn coverage_is_whole_exactly_when_every_member_was_called(records in store()) {
                let f = care_figures(&records, november(), day(30), OFFSET);
                let members: BTreeSet<RecordId> = records
                    .iter()
                    .filter_map(Record::as_entity)
                    .filter(|e| e.kind == RecordKind::Customer
                        && e.value("member_level").and_then(Value::as_str).is_some_and(|l| !l.is_empty()))
                    .map(|e| e.id)
                    .collect();
                let called: BTreeSet<String> = records
                    .iter()
                    .filter(|r| r.kind() == RecordKind::CallbackRecord)
                    .filter_map(|r| match r {
                        Record::Event(e) => e.fields.get("customer").and_then(Value::as_str).map(str::to_owned),
                        Record::Entity(_) => None,
                    })
                    .collect();
                let all_called = members.iter().all(|m| called.contains(&m.to_string()));
                prop_assert_eq!(f.member_coverage.num == f.member_coverage.den, all_called);
                prop_assert_eq!(f.member_coverage.den as usize, members.len());
            }

            #[test]
            fn an_unrelated_record_changes_nothing(records in store(), today in 1u32..31) {
                let before = care_figures(&records, november(), day(today), OFFSET);
                let mut more = records.clone();
                more.push(entity(9_999, RecordKind::Lead, Some("adv"), &[("phone", json!("13800138000"))]));
                more.push(event(9_998, RecordKind::LeadActivity, "adv", noon(3), &[("outcome", json!("reached"))]));
                prop_assert_eq!(care_figures(&more, november(), day(today), OFFSET), before);
            }
        }
    }
}
