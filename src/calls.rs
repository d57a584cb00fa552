//! The agent's call, as changes to synced records: an attempt moves its task (retry later,
//! an agreed time, give up), a completed callback record (回访记录表) completes it, and a
//! booked appointment (预约) is kept, arrives or is missed. Pure functions over records, so
//! the pages stay thin and every rule here is tested natively.

use huifang_core::UserId;
use huifang_core::care::calls::{
    self, CallError, CallRules, FormError, Next, NextAction, Outcome, RecordForm, fields,
};
use huifang_core::care::dates::{self, Day};
use huifang_core::care::quiet::{Window, WindowError};
use huifang_core::care::rules::Purpose;
use huifang_core::sync::{FieldWrite, Op, Record, RecordId, RecordKind, Scope, UserCtx, Write};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// A callback task as the call page reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    pub id: RecordId,
    pub customer: RecordId,
    pub purpose: Option<Purpose>,
    pub due_by: Option<Day>,
    pub status: String,
    pub next_try_at: Option<i64>,
    pub assigned_at: Option<i64>,
    pub owner: Option<UserId>,
    /// The visit a post-service callback is about (its work order).
    pub work_order: Option<String>,
}

fn as_i64(v: Option<&Value>) -> Option<i64> {
    v.and_then(Value::as_i64)
}

impl Task {
    pub fn from_record(record: &Record) -> Option<Task> {
        let e = record.as_entity()?;
        if e.kind != RecordKind::CallbackTask || e.tombstone.is_some() {
            return None;
        }
        let s = |f: &str| e.value(f).and_then(Value::as_str);
        Some(Task {
            id: e.id,
            customer: s(fields::CUSTOMER)?.parse().ok().map(RecordId)?,
            purpose: s(fields::PURPOSE).and_then(Purpose::parse),
            due_by: s(fields::DUE_BY).and_then(|d| dates::parse(d).ok()),
            status: s(fields::STATUS).unwrap_or("open").to_owned(),
            next_try_at: as_i64(e.value(fields::NEXT_TRY_AT)),
            assigned_at: as_i64(e.value(fields::ASSIGNED_AT)),
            owner: e.scope.owner.clone(),
            work_order: s("work_order").map(str::to_owned),
        })
    }

    /// Still to do: not completed, failed or cancelled.
    pub fn is_open(&self) -> bool {
        huifang_core::care::distribute::is_unfinished(&self.status)
    }
}

/// One logged attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    pub id: RecordId,
    pub customer: String,
    pub task: Option<String>,
    pub outcome: Option<Outcome>,
    pub by: UserId,
    pub at_ms: i64,
    pub started_at: Option<i64>,
    pub seconds: Option<i64>,
    pub quiet_reason: Option<String>,
    pub agreed_at: Option<i64>,
}

impl Attempt {
    pub fn from_record(record: &Record) -> Option<Attempt> {
        let Record::Event(e) = record else {
            return None;
        };
        if e.kind != RecordKind::CallAttempt {
            return None;
        }
        let s = |f: &str| e.fields.get(f).and_then(Value::as_str).map(str::to_owned);
        Some(Attempt {
            id: e.id,
            customer: s(fields::CUSTOMER).unwrap_or_default(),
            task: s(fields::TASK),
            outcome: s(fields::OUTCOME).as_deref().and_then(Outcome::parse),
            by: e.by.clone(),
            at_ms: e.stamp.wall_ms,
            started_at: as_i64(e.fields.get(fields::STARTED_AT)),
            seconds: as_i64(e.fields.get(fields::SECONDS)),
            quiet_reason: s(fields::QUIET_REASON),
            agreed_at: as_i64(e.fields.get(fields::AGREED_AT)),
        })
    }

    /// Attempts matching `keep`, newest first.
    pub fn matching(records: &[Record], keep: impl Fn(&Attempt) -> bool) -> Vec<Attempt> {
        let mut list: Vec<Attempt> = records
            .iter()
            .filter_map(Attempt::from_record)
            .filter(|a| keep(a))
            .collect();
        list.sort_by(|a, b| b.at_ms.cmp(&a.at_ms).then(b.id.cmp(&a.id)));
        list
    }

    /// The attempts made to `customer`, newest first.
    pub fn of_customer(records: &[Record], customer: RecordId) -> Vec<Attempt> {
        let key = customer.to_string();
        Attempt::matching(records, |a| a.customer == key)
    }

    /// An attempt outside any task (the customer called, an ad-hoc call): an event, written
    /// once and never edited.
    pub fn log(user: &UserCtx, customer: RecordId, outcome: Outcome) -> Op {
        let mut f = BTreeMap::new();
        f.insert(fields::CUSTOMER.to_owned(), json!(customer.to_string()));
        f.insert(fields::OUTCOME.to_owned(), json!(outcome.as_str()));
        Op::AppendEvent {
            scope: mine(user),
            fields: f,
        }
    }

    /// The attempts on `task`, newest first.
    pub fn of_task(records: &[Record], task: RecordId) -> Vec<Attempt> {
        let key = task.to_string();
        Attempt::matching(records, |a| a.task.as_deref() == Some(key.as_str()))
    }
}

/// What the agent enters after a call.
#[derive(Debug, Clone, PartialEq)]
pub struct CallInput {
    pub outcome: Outcome,
    /// When the agent tapped to call (ms), if they did from the app.
    pub started_at: Option<i64>,
    /// The approximate length in seconds.
    pub seconds: Option<i64>,
    /// Why the agent called in quiet hours.
    pub quiet_reason: Option<String>,
    /// The time agreed with the customer (not convenient).
    pub agreed_at: Option<i64>,
}

fn transition(task: RecordId, from: &str, to: &str, reason: Option<String>) -> Write {
    Write {
        kind: RecordKind::CallbackTask,
        record: Some(task),
        op: Op::Transition {
            field: fields::STATUS.into(),
            from: from.into(),
            to: to.into(),
            reason,
        },
    }
}

fn set(kind: RecordKind, record: RecordId, values: &[(&str, Value)]) -> Write {
    Write {
        kind,
        record: Some(record),
        op: Op::SetFields {
            writes: values
                .iter()
                .map(|(f, v)| FieldWrite {
                    field: (*f).to_owned(),
                    value: v.clone(),
                    base: None,
                })
                .collect(),
        },
    }
}

fn mine(user: &UserCtx) -> Scope {
    Scope {
        store: user.store.clone(),
        owner: Some(user.user.clone()),
    }
}

/// The task's move to `in_progress`, unless it is there already.
fn start(task: &Task) -> Option<Write> {
    (task.status != "in_progress").then(|| transition(task.id, &task.status, "in_progress", None))
}

/// The changes an attempt makes: the attempt itself and the task's move; and what follows.
pub fn attempt_writes(
    user: &UserCtx,
    rules: &CallRules,
    task: &Task,
    earlier: &[Attempt],
    input: &CallInput,
    now_ms: i64,
) -> Result<(Next, Vec<Write>), CallError> {
    let same_before = earlier
        .iter()
        .filter(|a| a.outcome == Some(input.outcome))
        .count() as u32;
    let next = calls::next(rules, input.outcome, same_before, now_ms, input.agreed_at)?;
    let mut attempt = BTreeMap::new();
    attempt.insert(
        fields::CUSTOMER.to_owned(),
        json!(task.customer.to_string()),
    );
    attempt.insert(fields::TASK.to_owned(), json!(task.id.to_string()));
    attempt.insert(fields::OUTCOME.to_owned(), json!(input.outcome.as_str()));
    if let Some(p) = task.purpose {
        attempt.insert(fields::PURPOSE.to_owned(), json!(p.as_str()));
    }
    for (f, v) in [
        (fields::STARTED_AT, input.started_at),
        (fields::SECONDS, input.seconds),
        (
            fields::AGREED_AT,
            input
                .agreed_at
                .filter(|_| matches!(next, Next::Reschedule(_))),
        ),
    ] {
        if let Some(v) = v {
            attempt.insert(f.to_owned(), json!(v));
        }
    }
    if let Some(reason) = input
        .quiet_reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
    {
        attempt.insert(fields::QUIET_REASON.to_owned(), json!(reason));
    }
    let mut writes = vec![Write {
        kind: RecordKind::CallAttempt,
        record: None,
        op: Op::AppendEvent {
            scope: mine(user),
            fields: attempt,
        },
    }];
    writes.extend(start(task));
    match next {
        Next::Record => {}
        Next::RetryAt(at) => writes.push(set(
            RecordKind::CallbackTask,
            task.id,
            &[(fields::NEXT_TRY_AT, json!(at))],
        )),
        Next::Reschedule(at) => {
            writes.push(transition(task.id, "in_progress", "rescheduled", None));
            writes.push(set(
                RecordKind::CallbackTask,
                task.id,
                &[
                    (fields::NEXT_TRY_AT, json!(at)),
                    (fields::AGREED_AT, json!(at)),
                ],
            ));
        }
        Next::GiveUp(g) => {
            writes.push(transition(
                task.id,
                "in_progress",
                "failed",
                Some(g.reason()),
            ));
        }
    }
    Ok((next, writes))
}

/// The task waits for its callback record: its last attempt reached the customer and no
/// record completed it yet.
pub fn awaiting_record(task: &Task, attempts: &[Attempt]) -> bool {
    task.status == "in_progress"
        && attempts
            .first()
            .is_some_and(|a| a.outcome == Some(Outcome::Reached))
}

/// A service visit to book (预约).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Booking {
    pub day: String,
    pub slot: String,
    pub advisor: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BookingError {
    #[error("choose the day of the visit")]
    NoDay,
    #[error("the visit cannot be in the past")]
    PastDay,
    #[error(transparent)]
    Slot(#[from] WindowError),
}

impl Booking {
    /// Checks the booking; returns its day and time slot.
    pub fn check(&self, today: Day) -> Result<(Day, Window), BookingError> {
        let day = dates::parse(self.day.trim()).map_err(|_| BookingError::NoDay)?;
        if day < today {
            return Err(BookingError::PastDay);
        }
        Ok((day, Window::parse(&self.slot)?))
    }
}

/// Why the callback record cannot be saved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    #[error(transparent)]
    Form(#[from] FormError),
    #[error(transparent)]
    Booking(#[from] BookingError),
    #[error("the next action is an appointment: fill in its day and time")]
    BookingMissing,
}

fn hhmm(minute: u16) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

fn appointment_fields(
    customer: RecordId,
    day: Day,
    slot: Window,
    advisor: &str,
) -> BTreeMap<String, Value> {
    let mut f = BTreeMap::new();
    f.insert("customer".to_owned(), json!(customer.to_string()));
    f.insert("day".to_owned(), json!(day.to_string()));
    f.insert(
        "slot".to_owned(),
        json!(format!("{}-{}", hhmm(slot.start), hhmm(slot.end))),
    );
    f.insert("advisor".to_owned(), json!(advisor.trim()));
    f
}

/// The changes a completed callback record makes: the record, the task completed, and the
/// appointment when one was booked.
pub fn record_writes(
    user: &UserCtx,
    task: &Task,
    form: &RecordForm,
    lapsing: bool,
    booking: Option<&Booking>,
    today: Day,
    extra: Vec<(String, Value)>,
) -> Result<Vec<Write>, RecordError> {
    let (satisfaction, action) = form.check(lapsing)?;
    let mut writes = Vec::new();
    let mut record = BTreeMap::new();
    record.insert(
        fields::CUSTOMER.to_owned(),
        json!(task.customer.to_string()),
    );
    record.insert(fields::TASK.to_owned(), json!(task.id.to_string()));
    if let Some(p) = task.purpose {
        record.insert(fields::PURPOSE.to_owned(), json!(p.as_str()));
    }
    record.insert(
        fields::SATISFACTION.to_owned(),
        json!(satisfaction.as_str()),
    );
    record.insert(
        fields::SUGGESTIONS.to_owned(),
        json!(form.suggestions.trim()),
    );
    record.insert(fields::COMPLAINT.to_owned(), json!(form.complaint));
    record.insert(fields::NEXT_ACTION.to_owned(), json!(action.as_str()));
    record.insert(fields::NOTES.to_owned(), json!(form.notes.trim()));
    if lapsing && let Some(r) = &form.lapse_reason {
        record.insert(fields::LAPSE_REASON.to_owned(), json!(r));
    }
    // The script run: the exact version and the path taken.
    record.extend(extra);
    if action == NextAction::Appointment {
        let booking = booking.ok_or(RecordError::BookingMissing)?;
        let (day, slot) = booking.check(today)?;
        writes.push(Write {
            kind: RecordKind::Appointment,
            record: None,
            op: Op::Create {
                scope: Scope {
                    store: user.store.clone(),
                    owner: None,
                },
                fields: appointment_fields(task.customer, day, slot, &booking.advisor),
            },
        });
    }
    writes.insert(
        0,
        Write {
            kind: RecordKind::CallbackRecord,
            record: None,
            op: Op::AppendEvent {
                scope: mine(user),
                fields: record,
            },
        },
    );
    writes.extend(start(task));
    writes.push(transition(task.id, "in_progress", "completed", None));
    Ok(writes)
}

/// A service appointment.
#[derive(Debug, Clone, PartialEq)]
pub struct Appointment {
    pub id: RecordId,
    pub customer: RecordId,
    pub day: Option<Day>,
    pub slot: String,
    pub advisor: String,
    pub status: String,
}

impl Appointment {
    pub fn from_record(record: &Record) -> Option<Appointment> {
        let e = record.as_entity()?;
        if e.kind != RecordKind::Appointment || e.tombstone.is_some() {
            return None;
        }
        let s = |f: &str| {
            e.value(f)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        Some(Appointment {
            id: e.id,
            customer: s("customer").parse().ok().map(RecordId)?,
            day: dates::parse(&s("day")).ok(),
            slot: s("slot"),
            advisor: s("advisor"),
            status: e
                .value("status")
                .and_then(Value::as_str)
                .unwrap_or("booked")
                .to_owned(),
        })
    }

    /// Every appointment among `records`, by day and slot.
    pub fn all(records: &[Record]) -> Vec<Appointment> {
        let mut list: Vec<Appointment> = records
            .iter()
            .filter_map(Appointment::from_record)
            .collect();
        list.sort_by(|a, b| (a.day, &a.slot, a.id).cmp(&(b.day, &b.slot, b.id)));
        list
    }
}

/// Marks an appointment arrived or missed. A missed one (爽约) also creates the follow-up
/// call: the agent's own task, or the store's for a supervisor to share out.
pub fn mark_appointment(user: &UserCtx, a: &Appointment, to: &str, today: Day) -> Vec<Write> {
    let mut writes = vec![Write {
        kind: RecordKind::Appointment,
        record: Some(a.id),
        op: Op::Transition {
            field: "status".into(),
            from: a.status.clone(),
            to: to.into(),
            reason: None,
        },
    }];
    if to == "no_show" {
        let mut task = BTreeMap::new();
        task.insert(fields::CUSTOMER.to_owned(), json!(a.customer.to_string()));
        task.insert(fields::PURPOSE.to_owned(), json!(Purpose::NoShow.as_str()));
        task.insert(fields::DUE_BY.to_owned(), json!(today.plus(3).to_string()));
        task.insert(
            "key".to_owned(),
            json!(format!("{}:no_show:{}", a.customer, a.id)),
        );
        let owner = (user.role == huifang_core::Role::CareAgent).then(|| user.user.clone());
        if owner.is_some() {
            task.insert(
                fields::ASSIGNED_AT.to_owned(),
                json!(i64::from(today.0) * 86_400_000),
            );
        }
        writes.push(Write {
            kind: RecordKind::CallbackTask,
            record: None,
            op: Op::Create {
                scope: Scope {
                    store: user.store.clone(),
                    owner,
                },
                fields: task,
            },
        });
    }
    writes
}

#[cfg(test)]
mod tests {
    use super::*;
    use huifang_core::care::calls::{GiveUp, Satisfaction};
    use huifang_core::{Role, StoreId};

    const NOW: i64 = 1_800_000_000_000;

    fn agent() -> UserCtx {
        UserCtx {
            user: UserId("agent1".into()),
            role: Role::CareAgent,
            store: StoreId("s1".into()),
        }
    }

    fn task(status: &str) -> Task {
        Task {
            id: RecordId(uuid::Uuid::from_u128(5)),
            customer: RecordId(uuid::Uuid::from_u128(7)),
            purpose: Some(Purpose::PostService),
            due_by: None,
            status: status.into(),
            next_try_at: None,
            assigned_at: None,
            owner: Some(UserId("agent1".into())),
            work_order: None,
        }
    }

    fn input(outcome: Outcome) -> CallInput {
        CallInput {
            outcome,
            started_at: Some(NOW - 90_000),
            seconds: Some(90),
            quiet_reason: None,
            agreed_at: None,
        }
    }

    fn moves(writes: &[Write]) -> Vec<(String, String)> {
        writes
            .iter()
            .filter_map(|w| match &w.op {
                Op::Transition { from, to, .. } => Some((from.clone(), to.clone())),
                _ => None,
            })
            .collect()
    }

    fn pair(a: &str, b: &str) -> (String, String) {
        (a.to_owned(), b.to_owned())
    }

    #[test]
    fn a_first_no_answer_starts_the_task_and_sets_the_retry() {
        let (next, writes) = attempt_writes(
            &agent(),
            &CallRules::default(),
            &task("open"),
            &[],
            &input(Outcome::NoAnswer),
            NOW,
        )
        .expect("valid");
        assert_eq!(next, Next::RetryAt(NOW + 2 * 3_600_000));
        assert_eq!(writes[0].kind, RecordKind::CallAttempt);
        let Op::AppendEvent { fields: f, scope } = &writes[0].op else {
            panic!("an event");
        };
        assert_eq!(scope.owner, Some(UserId("agent1".into())));
        assert_eq!(f[fields::SECONDS], json!(90));
        assert_eq!(f[fields::TASK], json!(task("open").id.to_string()));
        assert_eq!(moves(&writes), vec![pair("open", "in_progress")]);
        let Op::SetFields { writes: w } = &writes[2].op else {
            panic!("the retry time");
        };
        assert_eq!(w[0].field, fields::NEXT_TRY_AT);
    }

    #[test]
    fn the_third_no_answer_fails_the_task_with_its_reason() {
        let earlier: Vec<Attempt> = (0..2)
            .map(|n| Attempt {
                id: RecordId(uuid::Uuid::from_u128(100 + n)),
                customer: String::new(),
                task: None,
                outcome: Some(Outcome::NoAnswer),
                by: UserId("agent1".into()),
                at_ms: NOW,
                started_at: None,
                seconds: None,
                quiet_reason: None,
                agreed_at: None,
            })
            .collect();
        let (next, writes) = attempt_writes(
            &agent(),
            &CallRules::default(),
            &task("in_progress"),
            &earlier,
            &input(Outcome::NoAnswer),
            NOW,
        )
        .expect("valid");
        assert_eq!(
            next,
            Next::GiveUp(GiveUp::TooManyAttempts(Outcome::NoAnswer))
        );
        assert_eq!(moves(&writes), vec![pair("in_progress", "failed")]);
        let Op::Transition { reason, .. } = &writes[1].op else {
            panic!("a transition");
        };
        assert_eq!(reason.as_deref(), Some("too_many_attempts:no_answer"));
    }

    #[test]
    fn not_convenient_moves_the_task_to_the_agreed_time() {
        let mut i = input(Outcome::NotConvenient);
        assert_eq!(
            attempt_writes(&agent(), &CallRules::default(), &task("open"), &[], &i, NOW)
                .map(|_| ()),
            Err(CallError::AgreedTimeRequired)
        );
        i.agreed_at = Some(NOW + 86_400_000);
        i.quiet_reason = Some("  客户要求午休时间来电 ".into());
        let (next, writes) = attempt_writes(
            &agent(),
            &CallRules::default(),
            &task("rescheduled"),
            &[],
            &i,
            NOW,
        )
        .expect("valid");
        assert_eq!(next, Next::Reschedule(NOW + 86_400_000));
        assert_eq!(
            moves(&writes),
            vec![
                pair("rescheduled", "in_progress"),
                pair("in_progress", "rescheduled")
            ]
        );
        let Op::AppendEvent { fields: f, .. } = &writes[0].op else {
            panic!("an event");
        };
        assert_eq!(f[fields::QUIET_REASON], json!("客户要求午休时间来电"));
        assert_eq!(f[fields::AGREED_AT], json!(NOW + 86_400_000));
    }

    #[test]
    fn a_complete_record_completes_the_task_and_books_the_visit() {
        let today = Day::from_ymd(2026, 11, 30).expect("day");
        let form = RecordForm {
            satisfaction: Some(Satisfaction::Satisfied),
            next_action: Some(NextAction::Appointment),
            ..RecordForm::default()
        };
        assert_eq!(
            record_writes(
                &agent(),
                &task("in_progress"),
                &form,
                false,
                None,
                today,
                Vec::new()
            ),
            Err(RecordError::BookingMissing)
        );
        let mut booking = Booking {
            day: "2026-11-29".into(),
            slot: "09:00-10:00".into(),
            advisor: "张顾问".into(),
        };
        assert_eq!(
            record_writes(
                &agent(),
                &task("in_progress"),
                &form,
                false,
                Some(&booking),
                today,
                Vec::new()
            ),
            Err(RecordError::Booking(BookingError::PastDay))
        );
        booking.day = "2026-12-02".into();
        let writes = record_writes(
            &agent(),
            &task("in_progress"),
            &form,
            false,
            Some(&booking),
            today,
            vec![("script_version_no".to_owned(), json!(2))],
        )
        .expect("valid");
        let kinds: Vec<RecordKind> = writes.iter().map(|w| w.kind).collect();
        assert_eq!(
            kinds,
            vec![
                RecordKind::CallbackRecord,
                RecordKind::Appointment,
                RecordKind::CallbackTask
            ]
        );
        assert_eq!(moves(&writes), vec![pair("in_progress", "completed")]);
        let Op::Create { fields: f, .. } = &writes[1].op else {
            panic!("an appointment");
        };
        assert_eq!(f["day"], json!("2026-12-02"));
        assert_eq!(f["slot"], json!("09:00-10:00"));
        let Op::AppendEvent { fields: r, .. } = &writes[0].op else {
            panic!("the record");
        };
        assert_eq!(r["script_version_no"], json!(2), "the script run is kept");
        assert_eq!(
            record_writes(
                &agent(),
                &task("in_progress"),
                &form,
                true,
                Some(&booking),
                today,
                Vec::new()
            ),
            Err(RecordError::Form(FormError::LapseReasonRequired))
        );
    }

    #[test]
    fn a_missed_appointment_creates_the_agents_follow_up_call() {
        let today = Day::from_ymd(2026, 11, 30).expect("day");
        let a = Appointment {
            id: RecordId(uuid::Uuid::from_u128(9)),
            customer: RecordId(uuid::Uuid::from_u128(7)),
            day: Some(today),
            slot: "09:00-10:00".into(),
            advisor: String::new(),
            status: "booked".into(),
        };
        assert_eq!(mark_appointment(&agent(), &a, "arrived", today).len(), 1);
        let writes = mark_appointment(&agent(), &a, "no_show", today);
        assert_eq!(moves(&writes), vec![pair("booked", "no_show")]);
        let Op::Create { fields: f, scope } = &writes[1].op else {
            panic!("a task");
        };
        assert_eq!(scope.owner, Some(UserId("agent1".into())));
        assert_eq!(f[fields::PURPOSE], json!("no_show"));
        assert_eq!(f[fields::DUE_BY], json!("2026-12-03"));
    }
}
