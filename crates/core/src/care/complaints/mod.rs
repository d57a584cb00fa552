//! Complaints (投诉) as a closed loop (DOMAIN.md "Complaints"): registration (顾客投诉登记表),
//! judging, investigation, proposals, the supervisor's approval, implementation with the
//! customer's signature, the follow-up callback, review and close.
//!
//! The complaint is an entity whose `status` moves only along its state machine
//! ([`crate::sync::StateMachines::standard`]); each step also writes a `complaint_step` event,
//! so the timeline of who did what when is append-only and never rewritten. Every step is a
//! function from the complaint as the person sees it to the writes that make it, checked here
//! first (the device refuses a wrong step before it is saved) and again by the server's state
//! machine (a step made offline on an old copy is refused with the reason).
//!
//! - [`Registration`]: the form, and its check.
//! - [`Complaint`]: a complaint as the pages read it; [`timeline`]: its steps.
//! - [`Move`] and [`apply`]: the steps of the loop as writes.
//! - [`ComplaintRules`] and [`Deadline`]: the response deadline per severity.
//! - [`stats`]: the classification statistics table (顾客投诉分类统计表).

pub mod stats;
#[cfg(test)]
mod tests;

use super::calls::fields as call_fields;
use super::dates::Day;
use super::phone;
use super::rules::Purpose;
use crate::access::{Action, allows};
use crate::named::named;
use crate::sync::{
    Entity, Event, FieldWrite, Op, Record, RecordId, RecordKind, Scope, StateMachines,
    TransitionError, UserCtx, Write,
};
use crate::{Role, UserId};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The complaint's fields.
pub mod fields {
    pub const CUSTOMER: &str = "customer";
    pub const COMPLAINANT: &str = "complainant";
    pub const PHONE: &str = "phone";
    pub const CHANNEL: &str = "channel";
    /// When the store received it (ms).
    pub const RECEIVED_AT: &str = "received_at";
    /// The car: plate or model as the customer says it.
    pub const VEHICLE: &str = "vehicle";
    pub const WORK_ORDER: &str = "work_order";
    /// The callback task it was opened from.
    pub const TASK: &str = "task";
    pub const CATEGORY: &str = "category";
    pub const SEVERITY: &str = "severity";
    pub const CONTENT: &str = "content";
    /// What the customer asks for.
    pub const DEMAND: &str = "demand";
    /// The care agent who registered it: the follow-up callback is theirs.
    pub const AGENT: &str = "agent";
    pub const STATUS: &str = "status";
    pub const STATUS_REASON: &str = "status_reason";
    pub const JUSTIFIED: &str = "justified";
    pub const JUDGEMENT: &str = "judgement";
    pub const JUDGED_AT: &str = "judged_at";
    pub const DEPARTMENT: &str = "department";
    pub const CAUSE: &str = "cause";
    pub const RESPONSIBLE: &str = "responsible";
    pub const SOLUTIONS: &str = "solutions";
    pub const APPROVED: &str = "approved";
    pub const ACTIONS: &str = "actions";
    pub const MEASURES: &str = "measures";
    pub const NOTIFIED: &str = "notified";
    pub const FEEDBACK: &str = "feedback";
    /// The signature's blob (SHA-256) and when the customer signed.
    pub const SIGNATURE: &str = "signature";
    pub const SIGNED_AT: &str = "signed_at";
    /// Why the customer did not sign.
    pub const REFUSAL: &str = "refusal";
    pub const REVIEW: &str = "review";
    pub const IMPROVEMENTS: &str = "improvements";
    pub const CLOSED_AT: &str = "closed_at";
    /// Step and signature events: the complaint (record id) and the step's name.
    pub const COMPLAINT: &str = "complaint";
    pub const STEP: &str = "step";
    /// Signature and photo events: the image (see `sync::blobs`).
    pub const BLOB: &str = "blob";
    /// Signature event: the text the customer accepted.
    pub const TEXT: &str = "text";
}

named! {
    /// How the complaint reached the store.
    Channel {
        Callback => "callback", "回访", "Callback";
        Phone => "phone", "来电", "Phone call";
        Visit => "visit", "到店", "In person";
        Online => "online", "网络/微信", "Online / WeChat";
        Hotline => "hotline", "厂家热线", "Maker's hotline";
        Other => "other", "其他", "Other";
    }
}

named! {
    /// What the complaint is about (DOMAIN.md's typical categories).
    Category {
        RepairQuality => "repair_quality", "维修质量", "Repair quality";
        ServiceAttitude => "service_attitude", "服务态度", "Service attitude";
        WaitingTime => "waiting_time", "等待时间", "Waiting time";
        PriceBilling => "price_billing", "价格/收费", "Price / billing";
        PartsAvailability => "parts_availability", "配件供应", "Parts availability";
        SalesPromise => "sales_promise", "销售承诺", "Sales promise";
        VehicleQuality => "vehicle_quality", "车辆质量（索赔）", "Vehicle quality (warranty)";
        Other => "other", "其他", "Other";
    }
}

named! {
    /// How serious it is; it sets the response deadline.
    Severity {
        General => "general", "一般", "General";
        Escalated => "escalated", "升级", "Escalated";
        Major => "major", "重大", "Major";
    }
}

named! {
    /// The department responsible.
    Department {
        Workshop => "workshop", "车间", "Workshop";
        ServiceDesk => "service_desk", "服务前台", "Service desk";
        Parts => "parts", "配件部", "Parts";
        Sales => "sales", "销售部", "Sales";
        Care => "care", "客服部", "Customer care";
        Finance => "finance", "财务部", "Finance";
        Management => "management", "管理层", "Management";
    }
}

named! {
    /// Where the complaint is in its loop (the `status` field's states).
    Status {
        Registered => "registered", "已受理", "Registered";
        Judged => "judged", "已判断", "Judged";
        Investigating => "investigating", "调查中", "Investigating";
        Proposed => "proposed", "方案待批", "Awaiting approval";
        Approved => "approved", "方案已批", "Solution approved";
        Implemented => "implemented", "已实施", "Implemented";
        FollowUp => "follow_up", "待回访总结", "Follow-up and review";
        Closed => "closed", "已结案", "Closed";
        Reopened => "reopened", "已重开", "Reopened";
    }
}

named! {
    /// The steps on a complaint's timeline.
    StepKind {
        Registered => "registered", "受理登记", "Registered";
        Judged => "judged", "判断", "Judged";
        Proposed => "proposed", "调查与方案", "Investigated and proposed";
        Approved => "approved", "批准方案", "Solution approved";
        SentBack => "sent_back", "退回重新调查", "Sent back";
        Implemented => "implemented", "实施与客户确认", "Implemented, customer's answer";
        Closed => "closed", "总结结案", "Reviewed and closed";
        Reopened => "reopened", "重开", "Reopened";
        Photo => "photo", "照片", "Photo";
    }
}

/// The store's complaint rules: how fast each severity must be answered (judged and the
/// customer told), and when the follow-up callback falls due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ComplaintRules {
    pub general_hours: u32,
    pub escalated_hours: u32,
    pub major_hours: u32,
    /// The follow-up callback is due this many days after the solution was carried out.
    pub follow_up_days: i32,
}

impl Default for ComplaintRules {
    fn default() -> Self {
        ComplaintRules {
            general_hours: 24,
            escalated_hours: 8,
            major_hours: 2,
            follow_up_days: 3,
        }
    }
}

impl ComplaintRules {
    pub fn hours(&self, severity: Severity) -> u32 {
        match severity {
            Severity::General => self.general_hours,
            Severity::Escalated => self.escalated_hours,
            Severity::Major => self.major_hours,
        }
    }

    /// Reads `general=24,escalated=8,major=2,follow_up_days=3` (any subset; the rest keep
    /// their defaults), as the server's configuration writes it.
    pub fn parse(text: &str) -> Result<ComplaintRules, RulesError> {
        let mut rules = ComplaintRules::default();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = part
                .split_once('=')
                .ok_or_else(|| RulesError::Shape(part.to_owned()))?;
            let number = |v: &str| {
                v.trim()
                    .parse::<u32>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| RulesError::Number(part.to_owned()))
            };
            match key.trim() {
                "general" => rules.general_hours = number(value)?,
                "escalated" => rules.escalated_hours = number(value)?,
                "major" => rules.major_hours = number(value)?,
                "follow_up_days" => {
                    rules.follow_up_days = i32::try_from(number(value)?)
                        .map_err(|_| RulesError::Number(part.to_owned()))?;
                }
                other => return Err(RulesError::Unknown(other.to_owned())),
            }
        }
        Ok(rules)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RulesError {
    #[error("complaint rules are written key=value, e.g. major=2: {0:?}")]
    Shape(String),
    #[error("complaint rules take a whole number above 0: {0:?}")]
    Number(String),
    #[error("no complaint rule is called {0:?} (general, escalated, major, follow_up_days)")]
    Unknown(String),
}

/// The registration form (顾客投诉登记表) as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Registration {
    pub customer: Option<RecordId>,
    pub complainant: String,
    pub phone: String,
    pub channel: Option<Channel>,
    /// When the store received it (ms).
    pub received_at: i64,
    pub vehicle: String,
    pub work_order: String,
    pub task: Option<RecordId>,
    pub category: Option<Category>,
    pub severity: Option<Severity>,
    pub content: String,
    pub demand: String,
}

/// Why a step cannot be saved; the app shows each in the user's language.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ComplaintError {
    #[error("the {0} must be filled in")]
    Missing(&'static str),
    #[error("the phone number is not valid: {0}")]
    Phone(#[from] phone::PhoneError),
    #[error("pick one of the proposed solutions")]
    NoSuchSolution,
    #[error("the customer's signature or the reason they did not sign is needed")]
    NoAcceptance,
    #[error("the complaint is {current}: this step is not possible now")]
    WrongStep { current: String },
    #[error("only a supervisor or manager may do this")]
    NeedsLead,
    #[error(transparent)]
    Refused(#[from] TransitionError),
}

impl Registration {
    /// Checks the form; returns the fields to store (the phone cleaned).
    pub fn fields(&self) -> Result<BTreeMap<String, Value>, ComplaintError> {
        use fields as f;
        if self.complainant.trim().is_empty() {
            return Err(ComplaintError::Missing(f::COMPLAINANT));
        }
        let phone = phone::clean(&self.phone, None)?;
        let channel = self.channel.ok_or(ComplaintError::Missing(f::CHANNEL))?;
        let category = self.category.ok_or(ComplaintError::Missing(f::CATEGORY))?;
        let severity = self.severity.ok_or(ComplaintError::Missing(f::SEVERITY))?;
        if self.content.trim().is_empty() {
            return Err(ComplaintError::Missing(f::CONTENT));
        }
        if self.received_at <= 0 {
            return Err(ComplaintError::Missing(f::RECEIVED_AT));
        }
        let mut out = BTreeMap::new();
        let mut put = |k: &str, v: Value| {
            out.insert(k.to_owned(), v);
        };
        if let Some(c) = self.customer {
            put(f::CUSTOMER, json!(c.to_string()));
        }
        if let Some(t) = self.task {
            put(f::TASK, json!(t.to_string()));
        }
        put(f::COMPLAINANT, json!(self.complainant.trim()));
        put(f::PHONE, json!(phone.to_string()));
        put(f::CHANNEL, json!(channel.as_str()));
        put(f::RECEIVED_AT, json!(self.received_at));
        put(f::VEHICLE, json!(self.vehicle.trim()));
        put(f::WORK_ORDER, json!(self.work_order.trim()));
        put(f::CATEGORY, json!(category.as_str()));
        put(f::SEVERITY, json!(severity.as_str()));
        put(f::CONTENT, json!(self.content.trim()));
        put(f::DEMAND, json!(self.demand.trim()));
        Ok(out)
    }
}

/// A complaint as the pages read it.
#[derive(Debug, Clone, PartialEq)]
pub struct Complaint {
    pub id: RecordId,
    pub owner: Option<UserId>,
    pub customer: Option<RecordId>,
    pub complainant: String,
    pub phone: String,
    pub channel: Option<Channel>,
    pub received_at: i64,
    pub vehicle: String,
    pub work_order: String,
    pub task: Option<RecordId>,
    pub category: Option<Category>,
    pub severity: Severity,
    pub content: String,
    pub demand: String,
    pub agent: Option<UserId>,
    pub status: Status,
    pub status_reason: String,
    pub justified: Option<bool>,
    pub judgement: String,
    pub judged_at: Option<i64>,
    pub department: Option<Department>,
    pub cause: String,
    pub responsible: String,
    pub solutions: Vec<String>,
    pub approved: Option<usize>,
    pub actions: String,
    pub measures: String,
    pub notified: bool,
    pub feedback: String,
    pub signature: Option<String>,
    pub signed_at: Option<i64>,
    pub refusal: String,
    pub review: String,
    pub improvements: String,
    pub closed_at: Option<i64>,
    /// Fields two people changed at once, waiting for someone to choose.
    pub conflicts: Vec<String>,
}

fn text(e: &Entity, field: &str) -> String {
    e.value(field)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn id_of(e: &Entity, field: &str) -> Option<RecordId> {
    e.value(field)
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok())
        .map(RecordId)
}

impl Complaint {
    /// Reads a complaint entity (`None` for other kinds and deleted ones).
    pub fn of(e: &Entity) -> Option<Complaint> {
        use fields as f;
        if e.kind != RecordKind::Complaint || e.tombstone.is_some() {
            return None;
        }
        let first_stamp = e.fields.values().map(|v| v.stamp.wall_ms).min();
        Some(Complaint {
            id: e.id,
            owner: e.scope.owner.clone(),
            customer: id_of(e, f::CUSTOMER),
            complainant: text(e, f::COMPLAINANT),
            phone: text(e, f::PHONE),
            channel: Channel::parse(&text(e, f::CHANNEL)),
            received_at: e
                .value(f::RECEIVED_AT)
                .and_then(Value::as_i64)
                .or(first_stamp)
                .unwrap_or_default(),
            vehicle: text(e, f::VEHICLE),
            work_order: text(e, f::WORK_ORDER),
            task: id_of(e, f::TASK),
            category: Category::parse(&text(e, f::CATEGORY)),
            severity: Severity::parse(&text(e, f::SEVERITY)).unwrap_or(Severity::General),
            content: text(e, f::CONTENT),
            demand: text(e, f::DEMAND),
            agent: e
                .value(f::AGENT)
                .and_then(Value::as_str)
                .map(|s| UserId(s.to_owned())),
            status: Status::parse(&text(e, f::STATUS)).unwrap_or(Status::Registered),
            status_reason: text(e, f::STATUS_REASON),
            justified: e.value(f::JUSTIFIED).and_then(Value::as_bool),
            judgement: text(e, f::JUDGEMENT),
            judged_at: e.value(f::JUDGED_AT).and_then(Value::as_i64),
            department: Department::parse(&text(e, f::DEPARTMENT)),
            cause: text(e, f::CAUSE),
            responsible: text(e, f::RESPONSIBLE),
            solutions: e
                .value(f::SOLUTIONS)
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
            approved: e
                .value(f::APPROVED)
                .and_then(Value::as_u64)
                .and_then(|n| usize::try_from(n).ok()),
            actions: text(e, f::ACTIONS),
            measures: text(e, f::MEASURES),
            notified: e
                .value(f::NOTIFIED)
                .and_then(Value::as_bool)
                .unwrap_or(false),
            feedback: text(e, f::FEEDBACK),
            signature: e
                .value(f::SIGNATURE)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
            signed_at: e.value(f::SIGNED_AT).and_then(Value::as_i64),
            refusal: text(e, f::REFUSAL),
            review: text(e, f::REVIEW),
            improvements: text(e, f::IMPROVEMENTS),
            closed_at: e.value(f::CLOSED_AT).and_then(Value::as_i64),
            conflicts: e.conflicts.keys().cloned().collect(),
        })
    }

    /// Every complaint among `records`, newest first.
    pub fn all(records: &[Record]) -> Vec<Complaint> {
        let mut list: Vec<Complaint> = records
            .iter()
            .filter_map(Record::as_entity)
            .filter_map(Complaint::of)
            .collect();
        list.sort_by(|a, b| b.received_at.cmp(&a.received_at).then(b.id.cmp(&a.id)));
        list
    }

    /// The solution the supervisor approved.
    pub fn approved_solution(&self) -> Option<&str> {
        self.approved
            .and_then(|i| self.solutions.get(i))
            .map(String::as_str)
    }

    /// Closed with the customer's signature on the solution.
    pub fn closed_signed(&self) -> bool {
        self.status == Status::Closed && self.signature.is_some()
    }

    /// The response deadline and where the complaint stands against it.
    pub fn deadline(&self, rules: &ComplaintRules, now_ms: i64) -> Deadline {
        let due_at = self.received_at + i64::from(rules.hours(self.severity)) * 3_600_000;
        let state = match self.judged_at {
            Some(at) if at <= due_at => DeadlineState::Met,
            Some(_) => DeadlineState::Missed,
            None if self.status != Status::Registered => DeadlineState::Met,
            None if now_ms > due_at => DeadlineState::Overdue,
            None => DeadlineState::Running,
        };
        Deadline { due_at, state }
    }
}

/// When a complaint must be answered by, and whether it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    pub due_at: i64,
    pub state: DeadlineState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeadlineState {
    /// Not answered yet, still in time.
    Running,
    /// Not answered and past the deadline: the supervisor's overdue list.
    Overdue,
    /// Answered in time.
    Met,
    /// Answered, but late.
    Missed,
}

/// One step on a complaint's timeline: a `complaint_step` (or `signature`) event.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineEntry {
    pub id: RecordId,
    pub step: StepKind,
    pub at: i64,
    pub by: UserId,
    pub details: BTreeMap<String, Value>,
}

/// The steps of complaint `id`, oldest first.
pub fn timeline(records: &[Record], id: RecordId) -> Vec<TimelineEntry> {
    let id = id.to_string();
    let mut list: Vec<(&Event, StepKind)> = records
        .iter()
        .filter_map(|r| match r {
            Record::Event(e) if e.kind == RecordKind::ComplaintStep => Some(e),
            _ => None,
        })
        .filter(|e| e.fields.get(fields::COMPLAINT).and_then(Value::as_str) == Some(&id))
        .filter_map(|e| {
            let step = e
                .fields
                .get(fields::STEP)
                .and_then(Value::as_str)
                .and_then(StepKind::parse)?;
            Some((e, step))
        })
        .collect();
    list.sort_by_key(|(e, _)| e.stamp);
    list.into_iter()
        .map(|(e, step)| TimelineEntry {
            id: e.id,
            step,
            at: e.stamp.wall_ms,
            by: e.by.clone(),
            details: e
                .fields
                .iter()
                .filter(|(k, _)| *k != fields::COMPLAINT && *k != fields::STEP)
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        })
        .collect()
}

/// The photos attached to complaint `id` (blob hashes), oldest first.
pub fn photos(records: &[Record], id: RecordId) -> Vec<String> {
    timeline(records, id)
        .into_iter()
        .filter(|t| t.step == StepKind::Photo)
        .filter_map(|t| {
            t.details
                .get(fields::BLOB)
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .collect()
}

/// How the customer answered the solution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Acceptance {
    /// Signed on the tablet: the PNG's blob and the text they accepted.
    Signed { blob: String, text: String },
    /// Did not sign, and why.
    Refused { reason: String },
}

/// A step of the loop, as a person takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Move {
    /// Is it justified? Not justified: the customer is answered and it closes with the reason.
    Judge {
        justified: bool,
        reason: String,
        department: Option<Department>,
    },
    /// The cause, the person responsible and one or more solutions.
    Propose {
        cause: String,
        responsible: String,
        solutions: Vec<String>,
    },
    /// A supervisor picks one solution.
    Approve { solution: usize },
    /// A supervisor sends the proposals back.
    SendBack { reason: String },
    /// The solution carried out, the customer told, and their signature or refusal; creates
    /// the follow-up callback.
    Implement {
        actions: String,
        measures: String,
        notified: bool,
        feedback: String,
        acceptance: Acceptance,
    },
    /// The supervisor's review (总结) closes it.
    Close {
        review: String,
        improvements: String,
    },
    /// Opened again, with the reason.
    Reopen { reason: String },
    /// A photo attached (any time before it is closed).
    Photo { blob: String },
}

impl Move {
    /// The status a move starts from.
    pub fn from(&self) -> Option<Status> {
        Some(match self {
            Move::Judge { .. } => Status::Registered,
            Move::Propose { .. } => Status::Investigating,
            Move::Approve { .. } | Move::SendBack { .. } => Status::Proposed,
            Move::Implement { .. } => Status::Approved,
            Move::Close { .. } => Status::FollowUp,
            Move::Reopen { .. } => Status::Closed,
            Move::Photo { .. } => return None,
        })
    }

    /// Only a supervisor or manager may make it.
    pub fn needs_lead(&self) -> bool {
        matches!(
            self,
            Move::Approve { .. } | Move::SendBack { .. } | Move::Close { .. }
        )
    }
}

/// Who is making the step, and when.
#[derive(Debug, Clone, Copy)]
pub struct Ctx<'a> {
    pub user: &'a UserCtx,
    pub now_ms: i64,
    /// Today in the store's time zone (the follow-up's due day counts from it).
    pub today: Day,
    pub rules: &'a ComplaintRules,
}

impl Ctx<'_> {
    fn is_lead(&self) -> bool {
        allows(self.user.role, RecordKind::Complaint, Action::Approve).is_some()
    }

    fn own_scope(&self) -> Scope {
        Scope {
            store: self.user.store.clone(),
            owner: Some(self.user.user.clone()),
        }
    }

    fn step(&self, complaint: RecordId, step: StepKind, details: Vec<(&str, Value)>) -> Write {
        let mut f: BTreeMap<String, Value> = details
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
        f.insert(fields::COMPLAINT.to_owned(), json!(complaint.to_string()));
        f.insert(fields::STEP.to_owned(), json!(step.as_str()));
        Write {
            kind: RecordKind::ComplaintStep,
            record: None,
            op: Op::AppendEvent {
                scope: self.own_scope(),
                fields: f,
            },
        }
    }
}

/// Registers a complaint with id `id` (the device makes it, so the first step can name it).
pub fn register(
    ctx: Ctx<'_>,
    id: RecordId,
    form: &Registration,
) -> Result<Vec<Write>, ComplaintError> {
    let mut f = form.fields()?;
    if ctx.user.role == Role::CareAgent {
        f.insert(fields::AGENT.to_owned(), json!(ctx.user.user.0));
    }
    let step = ctx.step(
        id,
        StepKind::Registered,
        vec![
            (fields::SEVERITY, f[fields::SEVERITY].clone()),
            (fields::CATEGORY, f[fields::CATEGORY].clone()),
        ],
    );
    Ok(vec![
        Write {
            kind: RecordKind::Complaint,
            record: Some(id),
            op: Op::Create {
                scope: ctx.own_scope(),
                fields: f,
            },
        },
        step,
    ])
}

/// Changes the registration form while the complaint waits to be judged. Each field carries
/// the stamp its editor saw, so two people changing one field offline make a conflict.
pub fn edit_registration(
    current: &Entity,
    form: &Registration,
) -> Result<Option<Write>, ComplaintError> {
    let status = Status::parse(&text(current, fields::STATUS)).unwrap_or(Status::Registered);
    if status != Status::Registered {
        return Err(ComplaintError::WrongStep {
            current: status.as_str().to_owned(),
        });
    }
    let writes: Vec<FieldWrite> = form
        .fields()?
        .into_iter()
        .filter(|(k, v)| current.value(k) != Some(v))
        .map(|(field, value)| FieldWrite {
            base: current.fields.get(&field).map(|f| f.stamp),
            field,
            value,
        })
        .collect();
    Ok((!writes.is_empty()).then_some(Write {
        kind: RecordKind::Complaint,
        record: Some(current.id),
        op: Op::SetFields { writes },
    }))
}

fn required(value: &str, field: &'static str) -> Result<String, ComplaintError> {
    let v = value.trim();
    if v.is_empty() {
        Err(ComplaintError::Missing(field))
    } else {
        Ok(v.to_owned())
    }
}

/// Which moves `user` may make on `complaint` now (the page offers these).
pub fn moves_open(complaint: &Complaint, user: &UserCtx) -> Vec<&'static str> {
    let lead = allows(user.role, RecordKind::Complaint, Action::Approve).is_some();
    let mut out = Vec::new();
    match complaint.status {
        Status::Registered => out.push("judge"),
        Status::Investigating | Status::Judged | Status::Reopened => out.push("propose"),
        Status::Proposed if lead => out.extend(["approve", "send_back"]),
        Status::Approved => out.push("implement"),
        Status::FollowUp if lead => out.push("close"),
        Status::Closed => out.push("reopen"),
        _ => {}
    }
    if complaint.status != Status::Closed
        && allows(user.role, RecordKind::ComplaintStep, Action::Create).is_some()
    {
        out.push("photo");
    }
    out
}

/// The writes that make `mv` on `current`, checked against the loop's state machine and the
/// person's role. Returns them in order, the status moves first: the device commits them as
/// one step, and the server refuses the rest of a step once a move of it is refused (someone
/// moved the complaint on first), so nothing of a refused step lands.
pub fn apply(ctx: Ctx<'_>, current: &Entity, mv: &Move) -> Result<Vec<Write>, ComplaintError> {
    use fields as f;
    let complaint = Complaint::of(current).ok_or(ComplaintError::WrongStep {
        current: current.kind.as_str().to_owned(),
    })?;
    if mv.needs_lead() && !ctx.is_lead() {
        return Err(ComplaintError::NeedsLead);
    }
    let status = complaint.status;
    if let Some(from) = mv.from() {
        // Investigation may resume from a judged or reopened complaint left half-way.
        let resumable = matches!(mv, Move::Propose { .. })
            && matches!(status, Status::Judged | Status::Reopened);
        if status != from && !resumable {
            return Err(ComplaintError::WrongStep {
                current: status.as_str().to_owned(),
            });
        }
    }
    let mut writes = Vec::new();
    let mut walk = Walk {
        machines: StateMachines::standard(),
        id: complaint.id,
        status,
    };
    let set = |values: Vec<(&str, Value)>| Write {
        kind: RecordKind::Complaint,
        record: Some(complaint.id),
        op: Op::SetFields {
            writes: values
                .into_iter()
                .map(|(field, value)| FieldWrite {
                    base: current.fields.get(field).map(|s| s.stamp),
                    field: field.to_owned(),
                    value,
                })
                .collect(),
        },
    };
    let id = complaint.id;
    match mv {
        Move::Judge {
            justified,
            reason,
            department,
        } => {
            if complaint.category.is_none() {
                return Err(ComplaintError::Missing(f::CATEGORY));
            }
            let mut values = vec![
                (f::JUSTIFIED, json!(justified)),
                (f::JUDGEMENT, json!(reason.trim())),
                (f::JUDGED_AT, json!(ctx.now_ms)),
            ];
            if *justified {
                let department = department.ok_or(ComplaintError::Missing(f::DEPARTMENT))?;
                values.push((f::DEPARTMENT, json!(department.as_str())));
                walk.go(&mut writes, Status::Judged, None)?;
                walk.go(&mut writes, Status::Investigating, None)?;
                writes.push(set(values));
            } else {
                let reason = required(reason, f::JUDGEMENT)?;
                values.push((f::CLOSED_AT, json!(ctx.now_ms)));
                walk.go(&mut writes, Status::Judged, None)?;
                walk.go(&mut writes, Status::Closed, Some(reason))?;
                writes.push(set(values));
            }
            writes.push(ctx.step(
                id,
                StepKind::Judged,
                vec![
                    (f::JUSTIFIED, json!(justified)),
                    (f::JUDGEMENT, json!(reason.trim())),
                    (
                        f::DEPARTMENT,
                        json!(department.filter(|_| *justified).map(Department::as_str)),
                    ),
                ],
            ));
        }
        Move::Propose {
            cause,
            responsible,
            solutions,
        } => {
            let cause = required(cause, f::CAUSE)?;
            let responsible = required(responsible, f::RESPONSIBLE)?;
            let solutions: Vec<String> = solutions
                .iter()
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect();
            if solutions.is_empty() {
                return Err(ComplaintError::Missing(f::SOLUTIONS));
            }
            if walk.status != Status::Investigating {
                walk.go(&mut writes, Status::Investigating, None)?;
            }
            walk.go(&mut writes, Status::Proposed, None)?;
            writes.push(set(vec![
                (f::CAUSE, json!(cause)),
                (f::RESPONSIBLE, json!(responsible)),
                (f::SOLUTIONS, json!(solutions)),
            ]));
            writes.push(ctx.step(
                id,
                StepKind::Proposed,
                vec![
                    (f::CAUSE, json!(cause)),
                    (f::RESPONSIBLE, json!(responsible)),
                    (f::SOLUTIONS, json!(solutions)),
                ],
            ));
        }
        Move::Approve { solution } => {
            let chosen = complaint
                .solutions
                .get(*solution)
                .ok_or(ComplaintError::NoSuchSolution)?
                .clone();
            walk.go(&mut writes, Status::Approved, None)?;
            writes.push(set(vec![(f::APPROVED, json!(solution))]));
            writes.push(ctx.step(id, StepKind::Approved, vec![("solution", json!(chosen))]));
        }
        Move::SendBack { reason } => {
            let reason = required(reason, f::STATUS_REASON)?;
            walk.go(&mut writes, Status::Investigating, Some(reason.clone()))?;
            writes.push(ctx.step(id, StepKind::SentBack, vec![("reason", json!(reason))]));
        }
        Move::Implement {
            actions,
            measures,
            notified,
            feedback,
            acceptance,
        } => {
            let actions = required(actions, f::ACTIONS)?;
            if !notified {
                return Err(ComplaintError::Missing(f::NOTIFIED));
            }
            let mut values = vec![
                (f::ACTIONS, json!(actions)),
                (f::MEASURES, json!(measures.trim())),
                (f::NOTIFIED, json!(true)),
                (f::FEEDBACK, json!(feedback.trim())),
            ];
            let mut signature = None;
            match acceptance {
                Acceptance::Signed { blob, text } => {
                    if !crate::sync::blobs::is_hash(blob) {
                        return Err(ComplaintError::NoAcceptance);
                    }
                    let text = required(text, f::TEXT)?;
                    values.push((f::SIGNATURE, json!(blob)));
                    values.push((f::SIGNED_AT, json!(ctx.now_ms)));
                    values.push((f::REFUSAL, json!("")));
                    let mut sf = BTreeMap::new();
                    sf.insert(f::COMPLAINT.to_owned(), json!(id.to_string()));
                    sf.insert(f::BLOB.to_owned(), json!(blob));
                    sf.insert(f::TEXT.to_owned(), json!(text));
                    sf.insert(f::SIGNED_AT.to_owned(), json!(ctx.now_ms));
                    sf.insert("content_type".to_owned(), json!("image/png"));
                    signature = Some(Write {
                        kind: RecordKind::Signature,
                        record: None,
                        op: Op::AppendEvent {
                            scope: ctx.own_scope(),
                            fields: sf,
                        },
                    });
                }
                Acceptance::Refused { reason } => {
                    let reason =
                        required(reason, f::REFUSAL).map_err(|_| ComplaintError::NoAcceptance)?;
                    values.push((f::REFUSAL, json!(reason)));
                    // A signature from before a reopening is not this solution's.
                    values.push((f::SIGNATURE, Value::Null));
                    values.push((f::SIGNED_AT, Value::Null));
                }
            }
            walk.go(&mut writes, Status::Implemented, None)?;
            walk.go(&mut writes, Status::FollowUp, None)?;
            writes.push(set(values));
            writes.extend(signature);
            writes.push(ctx.step(
                id,
                StepKind::Implemented,
                vec![
                    (f::ACTIONS, json!(actions)),
                    (f::MEASURES, json!(measures.trim())),
                    (f::FEEDBACK, json!(feedback.trim())),
                    (
                        f::SIGNATURE,
                        json!(matches!(acceptance, Acceptance::Signed { .. })),
                    ),
                    (
                        f::REFUSAL,
                        json!(match acceptance {
                            Acceptance::Refused { reason } => reason.trim(),
                            Acceptance::Signed { .. } => "",
                        }),
                    ),
                ],
            ));
            writes.push(follow_up_task(ctx, &complaint));
        }
        Move::Close {
            review,
            improvements,
        } => {
            let review = required(review, f::REVIEW)?;
            walk.go(&mut writes, Status::Closed, None)?;
            writes.push(set(vec![
                (f::REVIEW, json!(review)),
                (f::IMPROVEMENTS, json!(improvements.trim())),
                (f::CLOSED_AT, json!(ctx.now_ms)),
            ]));
            writes.push(ctx.step(
                id,
                StepKind::Closed,
                vec![
                    (f::REVIEW, json!(review)),
                    (f::IMPROVEMENTS, json!(improvements.trim())),
                ],
            ));
        }
        Move::Reopen { reason } => {
            let reason = required(reason, f::STATUS_REASON)?;
            walk.go(&mut writes, Status::Reopened, Some(reason.clone()))?;
            walk.go(&mut writes, Status::Investigating, None)?;
            // Reopened, it needs a new solution approved, carried out and answered: what the
            // customer signed before stays on the timeline, not on the complaint.
            writes.push(set(vec![
                (f::CLOSED_AT, Value::Null),
                (f::APPROVED, Value::Null),
                (f::SIGNATURE, Value::Null),
                (f::SIGNED_AT, Value::Null),
                (f::REFUSAL, json!("")),
            ]));
            writes.push(ctx.step(id, StepKind::Reopened, vec![("reason", json!(reason))]));
        }
        Move::Photo { blob } => {
            if walk.status == Status::Closed {
                return Err(ComplaintError::WrongStep {
                    current: status.as_str().to_owned(),
                });
            }
            if !crate::sync::blobs::is_hash(blob) {
                return Err(ComplaintError::Missing(f::BLOB));
            }
            writes.push(ctx.step(id, StepKind::Photo, vec![(f::BLOB, json!(blob))]));
        }
    }
    Ok(writes)
}

/// The status as the steps of one move walk it, each step checked by the same machine the
/// server enforces.
struct Walk {
    machines: StateMachines,
    id: RecordId,
    status: Status,
}

impl Walk {
    fn go(
        &mut self,
        writes: &mut Vec<Write>,
        to: Status,
        reason: Option<String>,
    ) -> Result<(), ComplaintError> {
        let from = self.status.as_str();
        self.machines.check(
            RecordKind::Complaint,
            fields::STATUS,
            from,
            from,
            to.as_str(),
            reason.as_deref(),
        )?;
        writes.push(Write {
            kind: RecordKind::Complaint,
            record: Some(self.id),
            op: Op::Transition {
                field: fields::STATUS.to_owned(),
                from: from.to_owned(),
                to: to.as_str().to_owned(),
                reason,
            },
        });
        self.status = to;
        Ok(())
    }
}

/// The follow-up callback (投诉回访), due some days after the solution was carried out, on the
/// list of the care agent who registered the complaint (or of the agent carrying it out; for
/// a supervisor without an agent on record, the store's, to share out).
fn follow_up_task(ctx: Ctx<'_>, complaint: &Complaint) -> Write {
    let owner = if ctx.user.role == Role::CareAgent {
        // An agent may give work only to herself.
        Some(ctx.user.user.clone())
    } else {
        complaint.agent.clone()
    };
    let mut task = BTreeMap::new();
    if let Some(c) = complaint.customer {
        task.insert(call_fields::CUSTOMER.to_owned(), json!(c.to_string()));
    }
    task.insert(
        call_fields::PURPOSE.to_owned(),
        json!(Purpose::ComplaintFollowUp.as_str()),
    );
    task.insert(
        call_fields::DUE_BY.to_owned(),
        json!(ctx.today.plus(ctx.rules.follow_up_days).to_string()),
    );
    task.insert(
        fields::COMPLAINT.to_owned(),
        json!(complaint.id.to_string()),
    );
    task.insert(
        "key".to_owned(),
        json!(format!("complaint:{}:follow_up", complaint.id)),
    );
    if owner.is_some() {
        task.insert(call_fields::ASSIGNED_AT.to_owned(), json!(ctx.now_ms));
    }
    Write {
        kind: RecordKind::CallbackTask,
        record: None,
        op: Op::Create {
            scope: Scope {
                store: ctx.user.store.clone(),
                owner,
            },
            fields: task,
        },
    }
}
