//! The numbers the store is run by (DOMAIN.md "Numbers the managers watch"), computed from
//! the synced records the same way on a tablet (offline, over what it holds) and on the
//! server (over a store, or each store of a group): one [`report`] for a period.
//!
//! Every rate is a [`Measure`]: a [`Ratio`] and the records behind it, each marked as counted
//! in the numerator or not, so every number drills down to its records. Each [`Kpi`] carries
//! its written definition ([`Kpi::definition`]), which the app shows beside the number.
//!
//! Days are the store's days (`offset_minutes` east of UTC); events count on the day of their
//! stamp (the device's corrected clock).

pub mod summary;
#[cfg(test)]
mod tests;

use crate::UserId;
use crate::care::calls::{NextAction, Outcome, Satisfaction, fields as call};
use crate::care::complaints::ComplaintRules;
use crate::care::complaints::stats::{Stats, stats};
use crate::care::dates::{self, Day};
use crate::care::kpi::{Period, Ratio};
use crate::care::rules::{Purpose, Rules};
use crate::sales::funnel::{Funnel, funnel, reached};
use crate::sales::leads::{Lead, Stage};
use crate::sync::{Entity, Event, Record, RecordId, RecordKind};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Which part of the store a figure belongs to (which dashboards show it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Area {
    Care,
    Service,
    Complaints,
    Sales,
}

crate::named::named! {
    /// A rate the managers watch.
    Kpi {
        CallbackCompletion => "callback_completion", "回访完成率", "Callback completion";
        ThreeDay => "three_day", "三日回访率", "Three-day compliance";
        MemberCoverage => "member_coverage", "会员覆盖率", "Member coverage";
        EffectiveContact => "effective_contact", "有效沟通率", "Effective contact rate";
        Satisfaction => "satisfaction", "满意率", "Satisfaction rate (CSI)";
        AppointmentRate => "appointment_rate", "预约率", "Appointment rate";
        NoShowRate => "no_show_rate", "爽约率", "No-show rate";
        FirstServiceReturn => "first_service_return", "首保回厂率（5千公里）", "First-service return (5,000 km)";
        SecondServiceReturn => "second_service_return", "二保回厂率（1万公里）", "Second-service return (10,000 km)";
        ComplaintsSigned => "complaints_signed", "投诉签字结案率", "Complaints closed with signature";
        LeadFollowUp => "lead_follow_up", "潜客跟进率", "Lead follow-up rate";
        TestDriveRate => "test_drive_rate", "试驾率", "Test-drive rate";
        Conversion => "conversion", "成交率", "Conversion rate";
    }
}

impl Kpi {
    pub fn area(self) -> Area {
        match self {
            Kpi::CallbackCompletion
            | Kpi::ThreeDay
            | Kpi::MemberCoverage
            | Kpi::EffectiveContact
            | Kpi::Satisfaction => Area::Care,
            Kpi::AppointmentRate
            | Kpi::NoShowRate
            | Kpi::FirstServiceReturn
            | Kpi::SecondServiceReturn => Area::Service,
            Kpi::ComplaintsSigned => Area::Complaints,
            Kpi::LeadFollowUp | Kpi::TestDriveRate | Kpi::Conversion => Area::Sales,
        }
    }

    /// A rate where less is better (the no-show rate).
    pub fn lower_is_better(self) -> bool {
        self == Kpi::NoShowRate
    }

    /// What the figure counts, as the app shows it beside the number.
    pub fn definition(self, zh: bool) -> &'static str {
        match (self, zh) {
            (Kpi::CallbackCompletion, true) => {
                "期间内到期的回访任务（已取消的除外）中已完成的比例。"
            }
            (Kpi::CallbackCompletion, false) => {
                "Of the callback tasks due in the period (cancelled ones aside), the share completed."
            }
            (Kpi::ThreeDay, true) => {
                "维修后和交车后回访中，期间内首次接通（或到期仍未接通）的任务，在到期日（三天内）或之前接通的比例。"
            }
            (Kpi::ThreeDay, false) => {
                "Of the post-service and post-delivery callbacks first on the line in the period (or past their due day in it without contact), the share contacted on or before the due day (within three days)."
            }
            (Kpi::MemberCoverage, true) => {
                "会员客户（有会员等级）中，期间内有完成回访记录的比例。标准为100%。"
            }
            (Kpi::MemberCoverage, false) => {
                "Of the member customers (a membership level on record), the share with a completed callback record in the period. The norm is 100%."
            }
            (Kpi::EffectiveContact, true) => {
                "期间内的拨打中，接通客户本人的比例（接通数 ÷ 拨打数）。"
            }
            (Kpi::EffectiveContact, false) => {
                "Of the call attempts in the period, the share that reached the customer (reached ÷ attempted)."
            }
            (Kpi::Satisfaction, true) => {
                "期间内完成并回答了满意度的回访记录中，“非常满意”和“满意”的比例。"
            }
            (Kpi::Satisfaction, false) => {
                "Of the callback records completed in the period with a satisfaction answer, the share \"very satisfied\" or \"satisfied\"."
            }
            (Kpi::AppointmentRate, true) => {
                "期间内完成的保养提醒回访中，当场预约了进店保养的比例。"
            }
            (Kpi::AppointmentRate, false) => {
                "Of the maintenance-reminder callbacks completed in the period, the share that booked a service appointment."
            }
            (Kpi::NoShowRate, true) => {
                "预约日在期间内且已登记到店或爽约的预约中，爽约的比例（未登记的不计）。"
            }
            (Kpi::NoShowRate, false) => {
                "Of the appointments with a day in the period marked arrived or no-show, the share that did not come (unmarked ones are not counted)."
            }
            (Kpi::FirstServiceReturn, true) => {
                "首保（交车后规定天数）到期日在期间内且已到期的新车客户中，交车后回厂保养过的比例。"
            }
            (Kpi::FirstServiceReturn, false) => {
                "Of the new-car customers whose first service (a set number of days after delivery) fell due in the period, by today, the share who came back for a service after delivery."
            }
            (Kpi::SecondServiceReturn, true) => {
                "首保后第二次保养到期日在期间内且已到期的客户中，首保后再次回厂的比例。"
            }
            (Kpi::SecondServiceReturn, false) => {
                "Of the customers whose second service (one interval after their first service) fell due in the period, by today, the share who came back after the first service."
            }
            (Kpi::ComplaintsSigned, true) => {
                "期间内受理并已结案的投诉中，客户在平板上签字确认的比例。"
            }
            (Kpi::ComplaintsSigned, false) => {
                "Of the complaints received in the period and closed, the share the customer signed on the tablet."
            }
            (Kpi::LeadFollowUp, true) => "期间内登记的潜在客户中，已至少跟进过一次的比例。",
            (Kpi::LeadFollowUp, false) => {
                "Of the leads captured in the period, the share followed up at least once."
            }
            (Kpi::TestDriveRate, true) => "期间内登记的潜在客户中，已到试驾阶段或之后的比例。",
            (Kpi::TestDriveRate, false) => {
                "Of the leads captured in the period, the share that reached the test-drive stage or beyond."
            }
            (Kpi::Conversion, true) => "期间内登记的潜在客户中，已订车或交车的比例。",
            (Kpi::Conversion, false) => {
                "Of the leads captured in the period, the share that ordered or took delivery."
            }
        }
    }
}

/// A rate and the records behind it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Measure {
    pub ratio: Ratio,
    /// The records counted, in the order counted, each with whether it is in the numerator.
    pub items: Vec<(RecordId, bool)>,
}

impl Measure {
    fn count(&mut self, id: RecordId, hit: bool) {
        self.ratio.num += u32::from(hit);
        self.ratio.den += 1;
        self.items.push((id, hit));
    }

    /// The records not in the numerator (the members not called, the leads not followed…).
    pub fn misses(&self) -> impl Iterator<Item = RecordId> + '_ {
        self.items.iter().filter(|(_, hit)| !hit).map(|(id, _)| *id)
    }
}

/// One care agent's period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgentRow {
    /// Their tasks due in the period, and of them completed.
    pub due: Ratio,
    /// Attempts, and of them reached.
    pub contact: Ratio,
    /// Callback records completed in the period.
    pub records: u32,
    /// Of those with an answer, satisfied.
    pub satisfaction: Ratio,
    /// Complaints they registered in the period.
    pub complaints: u32,
}

/// One day's counts (the trend charts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DayRow {
    pub day: Day,
    pub attempts: u32,
    pub reached: u32,
    pub records: u32,
    pub satisfied: u32,
    pub rated: u32,
    pub complaints: u32,
    pub leads: u32,
}

/// What a report is computed with, besides the records.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    pub period: Period,
    /// The day figures "by today" are counted to (the first-service returns).
    pub today: Day,
    pub offset_minutes: i32,
    pub now_ms: i64,
    pub rules: &'a Rules,
    pub complaint_rules: &'a ComplaintRules,
}

/// Every figure of one period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Report {
    pub period: Period,
    pub kpis: BTreeMap<Kpi, Measure>,
    /// The complaint classification statistics (by category, department; time to close).
    pub complaints: Stats,
    /// The conversion funnel of the leads captured in the period.
    pub funnel: Funnel,
    pub agents: BTreeMap<UserId, AgentRow>,
    /// Leads followed up ÷ captured, per advisor.
    pub follow_up_by_advisor: BTreeMap<UserId, Ratio>,
    /// Satisfaction answers in the period, in the form's order.
    pub satisfaction: Vec<(Satisfaction, u32)>,
    /// Every day of the period.
    pub days: Vec<DayRow>,
}

impl Report {
    pub fn measure(&self, kpi: Kpi) -> &Measure {
        static EMPTY: Measure = Measure {
            ratio: Ratio { num: 0, den: 0 },
            items: Vec::new(),
        };
        self.kpis.get(&kpi).unwrap_or(&EMPTY)
    }
}

/// The first and last millisecond of a period's days.
pub fn period_ms(period: Period, offset_minutes: i32) -> (i64, i64) {
    let shift = i64::from(offset_minutes) * 60_000;
    let start = i64::from(period.from.0) * 86_400_000 - shift;
    let end = (i64::from(period.to.0) + 1) * 86_400_000 - shift - 1;
    (start, end)
}

pub(crate) fn str_field<'a>(fields: &'a BTreeMap<String, Value>, f: &str) -> Option<&'a str> {
    fields.get(f).and_then(Value::as_str)
}

pub(crate) fn entity_str<'a>(e: &'a Entity, f: &str) -> Option<&'a str> {
    e.value(f).and_then(Value::as_str)
}

pub(crate) fn id_in(s: Option<&str>) -> Option<RecordId> {
    s.and_then(|s| s.parse().ok()).map(RecordId)
}

fn day_in(s: Option<&str>) -> Option<Day> {
    s.and_then(|s| dates::parse(s).ok())
}

/// The first day each task's customer was on the line (reached, asked for later, refused),
/// by task id, from the call attempts.
pub fn first_contacts<'a>(
    events: impl Iterator<Item = &'a Event>,
    offset_minutes: i32,
) -> BTreeMap<RecordId, Day> {
    let mut out: BTreeMap<RecordId, Day> = BTreeMap::new();
    for e in events.filter(|e| e.kind == RecordKind::CallAttempt) {
        let contact = str_field(&e.fields, call::OUTCOME)
            .and_then(Outcome::parse)
            .is_some_and(Outcome::is_contact);
        if let (true, Some(task)) = (contact, id_in(str_field(&e.fields, call::TASK))) {
            let day = Day::of_ms(e.stamp.wall_ms, offset_minutes);
            let first = out.entry(task).or_insert(day);
            *first = (*first).min(day);
        }
    }
    out
}

fn live(r: &Record) -> Option<&Entity> {
    r.as_entity().filter(|e| e.tombstone.is_none())
}

fn events(records: &[Record]) -> impl Iterator<Item = &Event> {
    records.iter().filter_map(|r| match r {
        Record::Event(e) => Some(e),
        Record::Entity(_) => None,
    })
}

/// The report of `records` for `input.period`.
pub fn report(records: &[Record], input: &Input<'_>) -> Report {
    let Input {
        period,
        today,
        offset_minutes,
        ..
    } = *input;
    let day_of = |ms: i64| Day::of_ms(ms, offset_minutes);
    let mut kpis: BTreeMap<Kpi, Measure> =
        Kpi::ALL.iter().map(|k| (*k, Measure::default())).collect();
    let mut agents: BTreeMap<UserId, AgentRow> = BTreeMap::new();
    let mut days: Vec<DayRow> = (period.from.0..=period.to.0)
        .map(|d| DayRow {
            day: Day(d),
            attempts: 0,
            reached: 0,
            records: 0,
            satisfied: 0,
            rated: 0,
            complaints: 0,
            leads: 0,
        })
        .collect();
    let mut answers: BTreeMap<Satisfaction, u32> = BTreeMap::new();
    let mut covered: BTreeSet<RecordId> = BTreeSet::new();
    let contacts = first_contacts(events(records), offset_minutes);

    // Events: attempts and callback records.
    for e in events(records) {
        let day = day_of(e.stamp.wall_ms);
        if !period.contains(day) {
            continue;
        }
        match e.kind {
            RecordKind::CallAttempt => {
                let Some(outcome) = str_field(&e.fields, call::OUTCOME).and_then(Outcome::parse)
                else {
                    continue;
                };
                let hit = outcome == Outcome::Reached;
                kpi(&mut kpis, Kpi::EffectiveContact).count(e.id, hit);
                let row = agents.entry(e.by.clone()).or_default();
                row.contact.num += u32::from(hit);
                row.contact.den += 1;
                if let Some(d) = day_row(&mut days, period, day) {
                    d.attempts += 1;
                    d.reached += u32::from(hit);
                }
            }
            RecordKind::CallbackRecord => {
                if let Some(c) = id_in(str_field(&e.fields, call::CUSTOMER)) {
                    covered.insert(c);
                }
                let answer = str_field(&e.fields, call::SATISFACTION).and_then(Satisfaction::parse);
                let row = agents.entry(e.by.clone()).or_default();
                row.records += 1;
                if let Some(a) = answer {
                    row.satisfaction.num += u32::from(a.is_satisfied());
                    row.satisfaction.den += 1;
                    kpi(&mut kpis, Kpi::Satisfaction).count(e.id, a.is_satisfied());
                    *answers.entry(a).or_default() += 1;
                }
                if str_field(&e.fields, call::PURPOSE).and_then(Purpose::parse)
                    == Some(Purpose::MaintenanceReminder)
                {
                    let booked = str_field(&e.fields, call::NEXT_ACTION)
                        .and_then(NextAction::parse)
                        == Some(NextAction::Appointment);
                    kpi(&mut kpis, Kpi::AppointmentRate).count(e.id, booked);
                }
                if let Some(d) = day_row(&mut days, period, day) {
                    d.records += 1;
                    if let Some(a) = answer {
                        d.rated += 1;
                        d.satisfied += u32::from(a.is_satisfied());
                    }
                }
            }
            _ => {}
        }
    }

    // Entities: tasks, customers, appointments, vehicles and visits.
    let mut members: Vec<RecordId> = Vec::new();
    let mut customers: BTreeSet<RecordId> = BTreeSet::new();
    let mut purchase: BTreeMap<RecordId, Day> = BTreeMap::new();
    let mut visits: BTreeMap<RecordId, Vec<Day>> = BTreeMap::new();
    for e in records.iter().filter_map(live) {
        let s = |f: &str| entity_str(e, f);
        match e.kind {
            RecordKind::Customer => {
                customers.insert(e.id);
                if s("member_level").is_some_and(|l| !l.trim().is_empty()) {
                    members.push(e.id);
                }
            }
            RecordKind::CallbackTask => {
                let status = s(call::STATUS);
                if status == Some("cancelled") {
                    continue;
                }
                let Some(due) = day_in(s(call::DUE_BY)) else {
                    continue;
                };
                if period.contains(due) {
                    let done = status == Some("completed");
                    kpi(&mut kpis, Kpi::CallbackCompletion).count(e.id, done);
                    if let Some(owner) = &e.scope.owner {
                        let row = agents.entry(owner.clone()).or_default();
                        row.due.den += 1;
                        row.due.num += u32::from(done);
                    }
                }
                if matches!(
                    s(call::PURPOSE).and_then(Purpose::parse),
                    Some(Purpose::PostService | Purpose::PostDelivery)
                ) {
                    match contacts.get(&e.id) {
                        Some(c) if period.contains(*c) => {
                            kpi(&mut kpis, Kpi::ThreeDay).count(e.id, *c <= due);
                        }
                        None if period.contains(due) && due < today => {
                            kpi(&mut kpis, Kpi::ThreeDay).count(e.id, false);
                        }
                        _ => {}
                    }
                }
            }
            RecordKind::Appointment => {
                let marked = match s("status") {
                    Some("arrived") => Some(false),
                    Some("no_show") => Some(true),
                    _ => None,
                };
                if let (Some(no_show), Some(day)) = (marked, day_in(s("day")))
                    && period.contains(day)
                {
                    kpi(&mut kpis, Kpi::NoShowRate).count(e.id, no_show);
                }
            }
            RecordKind::Vehicle => {
                if let (Some(c), Some(p)) = (id_in(s("customer")), day_in(s("purchase_date"))) {
                    let latest = purchase.entry(c).or_insert(p);
                    *latest = (*latest).max(p);
                }
            }
            RecordKind::ServiceVisit => {
                if let (Some(c), Some(d)) = (id_in(s("customer")), day_in(s("date"))) {
                    visits.entry(c).or_default().push(d);
                }
            }
            _ => {}
        }
    }
    for m in members {
        kpi(&mut kpis, Kpi::MemberCoverage).count(m, covered.contains(&m));
    }
    // Only customers on record: a car whose customer was deleted has no one to drill down to.
    for (customer, delivered) in purchase.iter().filter(|(c, _)| customers.contains(c)) {
        let mut after: Vec<Day> = visits
            .get(customer)
            .map(|v| v.iter().copied().filter(|d| d > delivered).collect())
            .unwrap_or_default();
        after.sort_unstable();
        let first_due = delivered.plus(input.rules.first_service_after);
        if period.contains(first_due) && first_due <= today {
            let came = after.first().is_some_and(|d| *d <= today);
            kpi(&mut kpis, Kpi::FirstServiceReturn).count(*customer, came);
        }
        if let Some(first) = after.first() {
            let second_due = first.plus(input.rules.service_interval);
            if period.contains(second_due) && second_due <= today {
                let came = after.get(1).is_some_and(|d| *d <= today);
                kpi(&mut kpis, Kpi::SecondServiceReturn).count(*customer, came);
            }
        }
    }

    // Complaints: the classification statistics, and who registered them.
    let complaints = stats(
        records,
        period,
        offset_minutes,
        input.complaint_rules,
        input.now_ms,
    );
    for c in crate::care::complaints::Complaint::all(records) {
        let day = day_of(c.received_at);
        if !period.contains(day) {
            continue;
        }
        if let Some(d) = day_row(&mut days, period, day) {
            d.complaints += 1;
        }
        if let Some(agent) = &c.agent {
            agents.entry(agent.clone()).or_default().complaints += 1;
        }
        if c.status == crate::care::complaints::Status::Closed {
            kpi(&mut kpis, Kpi::ComplaintsSigned).count(c.id, c.closed_signed());
        }
    }

    // Leads: follow-up, test drives, conversion and the funnel.
    let (from_ms, to_ms) = period_ms(period, offset_minutes);
    let leads: Vec<Lead> = records
        .iter()
        .filter_map(live)
        .filter_map(Lead::of)
        .collect();
    let mut follow_up_by_advisor: BTreeMap<UserId, Ratio> = BTreeMap::new();
    for l in leads
        .iter()
        .filter(|l| from_ms <= l.captured_at && l.captured_at <= to_ms)
    {
        let followed = l.last_follow_up.is_some();
        kpi(&mut kpis, Kpi::LeadFollowUp).count(l.id, followed);
        if let Some(owner) = &l.owner {
            let r = follow_up_by_advisor.entry(owner.clone()).or_default();
            r.num += u32::from(followed);
            r.den += 1;
        }
        let got = crate::sales::funnel::reached(l.stage);
        kpi(&mut kpis, Kpi::TestDriveRate).count(l.id, got >= reached(Stage::TestDrive));
        kpi(&mut kpis, Kpi::Conversion).count(l.id, got >= reached(Stage::Order));
        if let Some(d) = day_row(&mut days, period, day_of(l.captured_at)) {
            d.leads += 1;
        }
    }
    let funnel = funnel(&leads, from_ms, to_ms);
    // The records behind each number in id order (UUIDv7: creation order), whatever order the
    // device or the server holds them in.
    for m in kpis.values_mut() {
        m.items.sort_unstable();
    }
    let satisfaction = Satisfaction::ALL
        .into_iter()
        .map(|s| (s, answers.get(&s).copied().unwrap_or(0)))
        .collect();
    Report {
        period,
        kpis,
        complaints,
        funnel,
        agents,
        follow_up_by_advisor,
        satisfaction,
        days,
    }
}

fn day_row(days: &mut [DayRow], period: Period, day: Day) -> Option<&mut DayRow> {
    if !period.contains(day) {
        return None;
    }
    usize::try_from(day.0 - period.from.0)
        .ok()
        .and_then(|i| days.get_mut(i))
}

fn kpi(kpis: &mut BTreeMap<Kpi, Measure>, k: Kpi) -> &mut Measure {
    kpis.entry(k).or_default()
}
