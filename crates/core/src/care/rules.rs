//! Which callbacks are due for a customer (DOMAIN.md "Callbacks"), and the customer's loyalty
//! class from their return visits. Pure: the facts and "today" go in, task drafts come out,
//! each with a key so generating again never makes the same task twice.
//!
//! The store configures [`Rules`]; the defaults follow the norms: a post-service and a
//! post-delivery call within 3 days, maintenance reminders a week before the service falls
//! due (first service 90 days after purchase, then every 180), insurance and membership
//! renewals from 30 days before expiry, and a recovery call for customers lost to the store.
//!
//! Maintenance also falls due by distance (the first service at 5,000 km, then every
//! 10,000 km): when the customer's visits give two odometer readings, the km driven per day
//! predicts the day the next milestone is reached, and the service day is the earlier of the
//! two. The mileage can only bring a reminder forward, never put it off.

use super::dates::Day;
use serde::{Deserialize, Serialize};

/// Why a callback is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// 维修/保养后回访.
    PostService,
    /// 交车回访.
    PostDelivery,
    /// 保养提醒.
    MaintenanceReminder,
    /// 续保.
    InsuranceRenewal,
    /// 续卡/升级.
    MembershipRenewal,
    /// 流失客户召回.
    Recovery,
    /// 节日/店庆/促销回访: a campaign the supervisor launches on a segment.
    Campaign,
    /// 爽约跟进: the customer did not come to a booked appointment.
    NoShow,
    /// 投诉回访: after a complaint's solution was carried out, is the customer content now?
    ComplaintFollowUp,
}

impl Purpose {
    pub const ALL: [Purpose; 9] = [
        Purpose::PostService,
        Purpose::PostDelivery,
        Purpose::MaintenanceReminder,
        Purpose::InsuranceRenewal,
        Purpose::MembershipRenewal,
        Purpose::Recovery,
        Purpose::Campaign,
        Purpose::NoShow,
        Purpose::ComplaintFollowUp,
    ];

    /// The name records and URLs carry (the serde name).
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::PostService => "post_service",
            Purpose::PostDelivery => "post_delivery",
            Purpose::MaintenanceReminder => "maintenance_reminder",
            Purpose::InsuranceRenewal => "insurance_renewal",
            Purpose::MembershipRenewal => "membership_renewal",
            Purpose::Recovery => "recovery",
            Purpose::Campaign => "campaign",
            Purpose::NoShow => "no_show",
            Purpose::ComplaintFollowUp => "complaint_follow_up",
        }
    }

    pub fn parse(s: &str) -> Option<Purpose> {
        Purpose::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// The store's callback rules, in days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rules {
    pub post_service_within: i32,
    pub post_delivery_within: i32,
    pub first_service_after: i32,
    pub service_interval: i32,
    pub remind_before_service: i32,
    pub insurance_remind_before: i32,
    pub membership_remind_before: i32,
    /// No visit for this long: lapsing (流失预警).
    pub lapsing_after: i32,
    /// No visit for this long: lost (流失客户).
    pub lost_after: i32,
    /// Visits in the last two years that make a customer loyal.
    pub loyal_visits: usize,
    /// The first service (首保) by distance, in km.
    pub first_service_km: u32,
    /// Then one service every so many km.
    pub service_interval_km: u32,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            post_service_within: 3,
            post_delivery_within: 3,
            first_service_after: 90,
            service_interval: 180,
            remind_before_service: 7,
            insurance_remind_before: 30,
            membership_remind_before: 30,
            lapsing_after: 270,
            lost_after: 365,
            loyal_visits: 4,
            first_service_km: 5_000,
            service_interval_km: 10_000,
        }
    }
}

/// A service visit as the rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visit {
    pub day: Day,
    pub work_order: String,
    /// The odometer reading the DMS recorded, in km.
    pub km: Option<u32>,
}

/// What the rules look at.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    pub visits: Vec<Visit>,
    /// When the customer's car was delivered.
    pub purchase: Option<Day>,
    pub insurance_expiry: Option<Day>,
    pub member_expiry: Option<Day>,
}

/// The loyalty class the lists and reports use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Loyalty {
    /// Comes back regularly (忠诚客户).
    Loyal,
    Regular,
    /// Overdue for service (流失预警).
    Lapsing,
    /// Long gone (流失客户).
    Lost,
}

/// A callback to create, unless one with the same key exists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    pub purpose: Purpose,
    pub due_by: Day,
    /// The same fact always gives the same key (`post_service:WO-1001`).
    pub key: String,
}

fn last_visit(facts: &Facts) -> Option<Day> {
    facts.visits.iter().map(|v| v.day).max()
}

/// The km of the next service milestone after a reading of `km`. The schedule is 0 (the
/// delivery), `first_service_km`, then every `service_interval_km`; the reading is taken as
/// the service of the schedule point nearest to it (a service a little early or late still
/// counts as that service; a tie counts as the earlier point, so the reminder comes sooner),
/// and the next milestone is the point after that one.
pub fn next_milestone_km(rules: &Rules, km: u32) -> u64 {
    let (km, first, step) = (
        u64::from(km),
        u64::from(rules.first_service_km),
        u64::from(rules.service_interval_km.max(1)),
    );
    if km * 2 <= first {
        return first;
    }
    // Points first + k·step; nearest k, ties down.
    let k = if km <= first {
        0
    } else {
        (km - first + (step - 1) / 2) / step
    };
    first + (k + 1) * step
}

/// The day the next milestone is reached at the customer's pace, from the first and last
/// odometer readings of their visits; `None` without two readings on different days or when
/// the readings do not grow (a changed odometer, a typing error).
pub fn mileage_service_day(rules: &Rules, facts: &Facts) -> Option<Day> {
    // The highest reading of each day, in day order.
    let mut readings: Vec<(Day, u32)> = facts
        .visits
        .iter()
        .filter_map(|v| v.km.map(|km| (v.day, km)))
        .collect();
    readings.sort_unstable();
    readings.dedup_by(|later, kept| {
        let same_day = later.0 == kept.0;
        if same_day {
            kept.1 = kept.1.max(later.1);
        }
        same_day
    });
    let (&(first_day, first_km), &(last_day, last_km)) = (readings.first()?, readings.last()?);
    if last_day <= first_day || last_km <= first_km {
        return None;
    }
    let (days, driven) = (
        i64::from(last_day.0 - first_day.0),
        i64::from(last_km - first_km),
    );
    let ahead = i64::try_from(next_milestone_km(rules, last_km)).ok()? - i64::from(last_km);
    // ahead / (driven / days) days, rounded down: the reminder errs early.
    let after = i32::try_from(ahead.checked_mul(days)? / driven).ok()?;
    Some(Day(last_day.0.checked_add(after)?))
}

/// The customer's class on `today`.
pub fn loyalty(rules: &Rules, facts: &Facts, today: Day) -> Loyalty {
    let Some(last) = last_visit(facts).or(facts.purchase) else {
        return Loyalty::Regular;
    };
    let since = today.0 - last.0;
    if since > rules.lost_after {
        return Loyalty::Lost;
    }
    if since > rules.lapsing_after {
        return Loyalty::Lapsing;
    }
    let recent = facts
        .visits
        .iter()
        .filter(|v| today.0 - v.day.0 <= 730)
        .count();
    if recent >= rules.loyal_visits {
        Loyalty::Loyal
    } else {
        Loyalty::Regular
    }
}

/// The callbacks due for a customer on `today`.
pub fn due(rules: &Rules, facts: &Facts, today: Day) -> Vec<Draft> {
    let mut out = Vec::new();
    for visit in &facts.visits {
        let due_by = visit.day.plus(rules.post_service_within);
        if visit.day <= today && today <= due_by {
            out.push(Draft {
                purpose: Purpose::PostService,
                due_by,
                key: format!("post_service:{}", visit.work_order),
            });
        }
    }
    if let Some(purchase) = facts.purchase {
        let due_by = purchase.plus(rules.post_delivery_within);
        if purchase <= today && today <= due_by {
            out.push(Draft {
                purpose: Purpose::PostDelivery,
                due_by,
                key: format!("post_delivery:{purchase}"),
            });
        }
    }
    let class = loyalty(rules, facts, today);
    match (class, last_visit(facts), facts.purchase) {
        (Loyalty::Lost, last, purchase) => {
            if let Some(since) = last.or(purchase) {
                out.push(Draft {
                    purpose: Purpose::Recovery,
                    due_by: today.plus(7),
                    key: format!("recovery:{since}"),
                });
            }
        }
        (_, last, purchase) => {
            let by_time = match (last, purchase) {
                (Some(last), _) => Some(last.plus(rules.service_interval)),
                (None, Some(p)) => Some(p.plus(rules.first_service_after)),
                (None, None) => None,
            };
            // Readings come from visits, so a mileage day comes with a time-based one.
            let next_service = match (by_time, mileage_service_day(rules, facts)) {
                (Some(t), Some(m)) => Some(t.min(m)),
                (t, _) => t,
            };
            if let Some(service) = next_service
                && today >= service.plus(-rules.remind_before_service)
            {
                out.push(Draft {
                    purpose: Purpose::MaintenanceReminder,
                    due_by: service.max(today),
                    key: format!("maintenance:{service}"),
                });
            }
        }
    }
    for (expiry, before, purpose, name) in [
        (
            facts.insurance_expiry,
            rules.insurance_remind_before,
            Purpose::InsuranceRenewal,
            "insurance",
        ),
        (
            facts.member_expiry,
            rules.membership_remind_before,
            Purpose::MembershipRenewal,
            "membership",
        ),
    ] {
        if let Some(expiry) = expiry
            && expiry.plus(-before) <= today
            && today <= expiry
        {
            out.push(Draft {
                purpose,
                due_by: expiry,
                key: format!("{name}:{expiry}"),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> Day {
        Day::from_ymd(y, m, d).expect("a day")
    }

    fn purposes(drafts: &[Draft]) -> Vec<Purpose> {
        drafts.iter().map(|d| d.purpose).collect()
    }

    fn visit(day: Day, work_order: &str, km: Option<u32>) -> Visit {
        Visit {
            day,
            work_order: work_order.to_owned(),
            km,
        }
    }

    #[test]
    fn purpose_names_are_the_serde_names() {
        for p in Purpose::ALL {
            assert_eq!(
                serde_json::to_value(p).ok(),
                Some(serde_json::json!(p.as_str()))
            );
            assert_eq!(Purpose::parse(p.as_str()), Some(p));
        }
        assert_eq!(Purpose::parse("nope"), None);
    }

    #[test]
    fn a_visit_calls_back_within_three_days_and_only_then() {
        let rules = Rules::default();
        let facts = Facts {
            visits: vec![visit(day(2026, 11, 3), "WO-1001", None)],
            ..Facts::default()
        };
        for (today, expected) in [
            (day(2026, 11, 2), vec![]),
            (day(2026, 11, 3), vec![Purpose::PostService]),
            (day(2026, 11, 6), vec![Purpose::PostService]),
            (day(2026, 11, 7), vec![]),
        ] {
            assert_eq!(purposes(&due(&rules, &facts, today)), expected, "{today}");
        }
        let drafts = due(&rules, &facts, day(2026, 11, 4));
        assert_eq!(drafts[0].due_by, day(2026, 11, 6));
        assert_eq!(drafts[0].key, "post_service:WO-1001");
    }

    #[test]
    fn delivery_first_service_and_the_regular_interval() {
        let rules = Rules::default();
        let bought = Facts {
            purchase: Some(day(2026, 1, 10)),
            ..Facts::default()
        };
        assert_eq!(
            purposes(&due(&rules, &bought, day(2026, 1, 12))),
            vec![Purpose::PostDelivery]
        );
        // First service 90 days on (10 April), reminded from a week before.
        assert!(due(&rules, &bought, day(2026, 4, 2)).is_empty());
        let reminder = due(&rules, &bought, day(2026, 4, 3));
        assert_eq!(purposes(&reminder), vec![Purpose::MaintenanceReminder]);
        assert_eq!(reminder[0].due_by, day(2026, 4, 10));
        // After a visit, the next service is 180 days after it.
        let serviced = Facts {
            visits: vec![visit(day(2026, 4, 9), "WO-7", None)],
            ..bought
        };
        let drafts = due(&rules, &serviced, day(2026, 10, 1));
        assert_eq!(purposes(&drafts), vec![Purpose::MaintenanceReminder]);
        assert_eq!(drafts[0].key, format!("maintenance:{}", day(2026, 10, 6)));
    }

    #[test]
    fn renewals_from_thirty_days_before_expiry() {
        let rules = Rules::default();
        let facts = Facts {
            insurance_expiry: Some(day(2026, 12, 31)),
            member_expiry: Some(day(2026, 12, 15)),
            ..Facts::default()
        };
        assert!(due(&rules, &facts, day(2026, 11, 14)).is_empty());
        assert_eq!(
            purposes(&due(&rules, &facts, day(2026, 12, 1))),
            vec![Purpose::InsuranceRenewal, Purpose::MembershipRenewal]
        );
        assert!(due(&rules, &facts, day(2027, 1, 1)).is_empty());
    }

    #[test]
    fn loyalty_from_return_visits() {
        let rules = Rules::default();
        let today = day(2026, 11, 30);
        let visits = |days: &[Day]| Facts {
            visits: days
                .iter()
                .map(|d| visit(*d, &d.to_string(), None))
                .collect(),
            ..Facts::default()
        };
        let loyal = visits(&[
            day(2025, 3, 1),
            day(2025, 9, 1),
            day(2026, 3, 1),
            day(2026, 9, 1),
        ]);
        assert_eq!(loyalty(&rules, &loyal, today), Loyalty::Loyal);
        assert_eq!(
            loyalty(&rules, &visits(&[day(2026, 9, 1)]), today),
            Loyalty::Regular
        );
        assert_eq!(
            loyalty(&rules, &visits(&[day(2026, 1, 20)]), today),
            Loyalty::Lapsing
        );
        let lost = visits(&[day(2025, 6, 1)]);
        assert_eq!(loyalty(&rules, &lost, today), Loyalty::Lost);
        let drafts = due(&rules, &lost, today);
        assert_eq!(purposes(&drafts), vec![Purpose::Recovery]);
        assert_eq!(drafts[0].key, "recovery:2025-06-01");
        assert_eq!(loyalty(&rules, &Facts::default(), today), Loyalty::Regular);
    }

    #[test]
    fn the_same_facts_give_the_same_keys() {
        let rules = Rules::default();
        let facts = Facts {
            visits: vec![visit(day(2026, 11, 28), "WO-9", None)],
            insurance_expiry: Some(day(2026, 12, 20)),
            ..Facts::default()
        };
        let a = due(&rules, &facts, day(2026, 11, 29));
        let b = due(&rules, &facts, day(2026, 11, 30));
        let keys = |d: &[Draft]| d.iter().map(|d| d.key.clone()).collect::<Vec<_>>();
        assert_eq!(
            keys(&a),
            keys(&b),
            "generating on two days makes no second task"
        );
    }

    #[test]
    fn the_next_milestone_after_a_reading() {
        let rules = Rules::default();
        for (km, next) in [
            (0, 5_000),
            (2_500, 5_000),
            // Near 5,000 km: that was the first service, early or late.
            (2_501, 15_000),
            (4_800, 15_000),
            (9_000, 15_000),
            (10_000, 15_000),
            (10_001, 25_000),
            (14_000, 25_000),
            (20_000, 25_000),
            (20_001, 35_000),
            (u32::MAX, 4_294_975_000),
        ] {
            assert_eq!(next_milestone_km(&rules, km), next, "{km} km");
        }
    }

    #[test]
    fn a_customer_who_drives_a_lot_is_reminded_by_mileage() {
        let rules = Rules::default();
        // 5,000 km in 50 days: 100 km a day. The last reading counts as the first service,
        // so the next is at 15,000 km, 9,000 km = 90 days on, not 180.
        let last = day(2026, 3, 1);
        let facts = Facts {
            visits: vec![
                visit(last.plus(-50), "WO-1", Some(1_000)),
                visit(last, "WO-2", Some(6_000)),
            ],
            ..Facts::default()
        };
        assert_eq!(mileage_service_day(&rules, &facts), Some(last.plus(90)));
        assert!(
            !purposes(&due(&rules, &facts, last.plus(82))).contains(&Purpose::MaintenanceReminder)
        );
        let drafts = due(&rules, &facts, last.plus(83));
        assert_eq!(purposes(&drafts), vec![Purpose::MaintenanceReminder]);
        assert_eq!(drafts[0].due_by, last.plus(90));
        assert_eq!(drafts[0].key, format!("maintenance:{}", last.plus(90)));
        // The next day the same prediction gives the same key: no second task.
        assert_eq!(due(&rules, &facts, last.plus(84))[0].key, drafts[0].key);
    }

    #[test]
    fn a_customer_who_drives_little_keeps_the_time_based_day() {
        let rules = Rules::default();
        let last = day(2026, 3, 1);
        // 10 km a day: 15,000 km is 1,000 days away; 180 days come first.
        let facts = Facts {
            visits: vec![
                visit(last.plus(-100), "WO-1", Some(5_000)),
                visit(last, "WO-2", Some(6_000)),
            ],
            ..Facts::default()
        };
        assert_eq!(mileage_service_day(&rules, &facts), Some(last.plus(900)));
        let drafts = due(&rules, &facts, last.plus(175));
        assert_eq!(drafts[0].key, format!("maintenance:{}", last.plus(180)));
    }

    #[test]
    fn no_estimate_without_two_growing_readings() {
        let rules = Rules::default();
        let d = day(2026, 3, 1);
        for visits in [
            vec![visit(d, "A", Some(6_000))],
            vec![visit(d, "A", Some(6_000)), visit(d.plus(30), "B", None)],
            // Two readings of one day.
            vec![visit(d, "A", Some(1_000)), visit(d, "B", Some(6_000))],
            // A changed odometer or a typing error.
            vec![
                visit(d, "A", Some(60_000)),
                visit(d.plus(30), "B", Some(6_000)),
            ],
            vec![
                visit(d, "A", Some(6_000)),
                visit(d.plus(30), "B", Some(6_000)),
            ],
        ] {
            let facts = Facts {
                visits: visits.clone(),
                ..Facts::default()
            };
            assert_eq!(mileage_service_day(&rules, &facts), None, "{visits:?}");
        }
        // Of one day's readings the highest counts; visits may come in any order.
        let facts = Facts {
            visits: vec![
                visit(d.plus(10), "C", Some(2_000)),
                visit(d, "A", Some(500)),
                visit(d, "B", Some(1_000)),
            ],
            ..Facts::default()
        };
        // 100 km a day from 2,000 km (→ 5,000 km): 30 days.
        assert_eq!(mileage_service_day(&rules, &facts), Some(d.plus(40)));
    }

    /// Whatever the readings, the mileage never makes a maintenance reminder later than the
    /// time-based rule alone: it appears no later and is due no later.
    #[test]
    fn mileage_never_puts_a_reminder_off() {
        use rand::{Rng, SeedableRng};
        let rules = Rules::default();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5_000);
        let reminder = |drafts: &[Draft]| {
            drafts
                .iter()
                .find(|d| d.purpose == Purpose::MaintenanceReminder)
                .map(|d| d.due_by)
        };
        let start = day(2024, 1, 1);
        let mut brought_forward = 0;
        for _ in 0..5_000 {
            let n = rng.random_range(0..5);
            let mut visits = Vec::new();
            for i in 0..n {
                let km = rng.random_bool(0.8).then(|| rng.random_range(0..60_000u32));
                visits.push(visit(
                    start.plus(rng.random_range(0..900)),
                    &format!("W{i}"),
                    km,
                ));
            }
            let purchase = rng
                .random_bool(0.5)
                .then(|| start.plus(rng.random_range(-400..400)));
            let with_km = Facts {
                visits,
                purchase,
                ..Facts::default()
            };
            let by_time = Facts {
                visits: with_km
                    .visits
                    .iter()
                    .map(|v| Visit {
                        km: None,
                        ..v.clone()
                    })
                    .collect(),
                ..with_km.clone()
            };
            let today = start.plus(rng.random_range(0..1_200));
            let (a, b) = (
                reminder(&due(&rules, &with_km, today)),
                reminder(&due(&rules, &by_time, today)),
            );
            if let Some(time_due) = b {
                let mileage_due = a.unwrap_or_else(|| {
                    panic!("{with_km:?} on {today}: the time-based reminder is gone")
                });
                assert!(mileage_due <= time_due, "{with_km:?} on {today}");
                if mileage_due < time_due {
                    brought_forward += 1;
                }
            } else if a.is_some() {
                brought_forward += 1;
            }
        }
        assert!(brought_forward > 0, "the mileage never made a difference");
    }
}
