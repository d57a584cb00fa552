//! Which callbacks are due for a customer (DOMAIN.md "Callbacks"), and the customer's loyalty
//! class from their return visits. Pure: the facts and "today" go in, task drafts come out,
//! each with a key so generating again never makes the same task twice.
//!
//! The store configures [`Rules`]; the defaults follow the norms: a post-service and a
//! post-delivery call within 3 days, maintenance reminders a week before the service falls
//! due (first service 90 days after purchase, then every 180), insurance and membership
//! renewals from 30 days before expiry, and a recovery call for customers lost to the store.

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
}

impl Purpose {
    pub const ALL: [Purpose; 8] = [
        Purpose::PostService,
        Purpose::PostDelivery,
        Purpose::MaintenanceReminder,
        Purpose::InsuranceRenewal,
        Purpose::MembershipRenewal,
        Purpose::Recovery,
        Purpose::Campaign,
        Purpose::NoShow,
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
        }
    }
}

/// What the rules look at.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    /// Service visits: day and work order.
    pub visits: Vec<(Day, String)>,
    /// When the customer's car was delivered.
    pub purchase: Option<Day>,
    pub insurance_expiry: Option<Day>,
    pub member_expiry: Option<Day>,
}

/// The loyalty class the lists and reports use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
    facts.visits.iter().map(|(d, _)| *d).max()
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
        .filter(|(d, _)| today.0 - d.0 <= 730)
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
    for (day, work_order) in &facts.visits {
        let due_by = day.plus(rules.post_service_within);
        if *day <= today && today <= due_by {
            out.push(Draft {
                purpose: Purpose::PostService,
                due_by,
                key: format!("post_service:{work_order}"),
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
            let next_service = match (last, purchase) {
                (Some(last), _) => Some(last.plus(rules.service_interval)),
                (None, Some(p)) => Some(p.plus(rules.first_service_after)),
                (None, None) => None,
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

    #[test]
    fn purpose_names_are_the_serde_names() {
        for p in Purpose::ALL {
            assert_eq!(serde_json::to_value(p).ok(), Some(serde_json::json!(p.as_str())));
            assert_eq!(Purpose::parse(p.as_str()), Some(p));
        }
        assert_eq!(Purpose::parse("nope"), None);
    }

    #[test]
    fn a_visit_calls_back_within_three_days_and_only_then() {
        let rules = Rules::default();
        let facts = Facts {
            visits: vec![(day(2026, 11, 3), "WO-1001".into())],
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
            visits: vec![(day(2026, 4, 9), "WO-7".into())],
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
            visits: days.iter().map(|d| (*d, d.to_string())).collect(),
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
            visits: vec![(day(2026, 11, 28), "WO-9".into())],
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
}
