//! A lead (潜在客户): who, how they came, which models, how soon they will buy (the grade), and
//! when the advisor must follow up next.

use crate::care::dates::Day;
use crate::care::phone::{self, Phone};
use crate::named::named;
use crate::sync::{
    Entity, FieldWrite, Op, Record, RecordId, RecordKind, Scope, StateMachines, TransitionError,
    UserCtx, Write,
};
use crate::{Role, UserId};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The lead's fields.
pub mod fields {
    pub const PHONE: &str = "phone";
    pub const NAME: &str = "name";
    pub const SOURCE: &str = "source";
    pub const MODELS: &str = "models";
    pub const GRADE: &str = "grade";
    pub const NOTES: &str = "notes";
    pub const BUDGET: &str = "budget";
    pub const TRADE_IN: &str = "trade_in";
    /// When it was captured (ms).
    pub const CAPTURED_AT: &str = "captured_at";
    /// The next follow-up day (`YYYY-MM-DD`).
    pub const NEXT_FOLLOW_UP: &str = "next_follow_up";
    /// The last follow-up (ms).
    pub const LAST_FOLLOW_UP: &str = "last_follow_up";
    pub const STAGE: &str = "stage";
    pub const STAGE_REASON: &str = "stage_reason";
    /// Set by the server: another advisor already follows this phone (their user id only).
    pub const DUPLICATE_OF: &str = "duplicate_of";
    /// Follow-up events: the lead, how, what came of it, the next day, the grade after.
    pub const LEAD: &str = "lead";
    pub const CHANNEL: &str = "channel";
    pub const OUTCOME: &str = "outcome";
    pub const NEXT: &str = "next";
}

named! {
    /// How the lead came to the store.
    Source {
        WalkIn => "walk_in", "展厅到店", "Walk-in";
        Phone => "phone", "来电", "Phone";
        Web => "web", "网络", "Web";
        Referral => "referral", "转介绍", "Referral";
        Event => "event", "车展/活动", "Event";
    }
}

named! {
    /// How soon the customer will buy (意向级别): it sets the follow-up cadence.
    Grade {
        H => "H", "H（7天内）", "H (within 7 days)";
        A => "A", "A（15天内）", "A (within 15 days)";
        B => "B", "B（30天内）", "B (within 30 days)";
        C => "C", "C（更久）", "C (later)";
    }
}

named! {
    /// How a follow-up was made.
    Channel {
        Call => "call", "电话", "Call";
        Visit => "visit", "到店", "Visit";
        Message => "message", "微信/短信", "Message";
    }
}

named! {
    /// A lead's stage (the `stage` field's states).
    Stage {
        New => "new", "新线索", "New";
        Following => "following", "跟进中", "Following";
        TestDrive => "test_drive", "已试驾", "Test drive";
        Order => "order", "已订车", "Ordered";
        Delivered => "delivered", "已交车", "Delivered";
        LostPending => "lost_pending", "战败待批", "Lost, awaiting approval";
        Lost => "lost", "已战败", "Lost";
    }
}

/// The store's sales cadence: days to purchase each grade means, and days between follow-ups.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct SalesRules {
    pub purchase_h: i32,
    pub purchase_a: i32,
    pub purchase_b: i32,
    pub follow_h: i32,
    pub follow_a: i32,
    pub follow_b: i32,
    pub follow_c: i32,
}

impl Default for SalesRules {
    fn default() -> Self {
        SalesRules {
            purchase_h: 7,
            purchase_a: 15,
            purchase_b: 30,
            follow_h: 1,
            follow_a: 3,
            follow_b: 7,
            follow_c: 15,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SalesRulesError {
    #[error("sales rules are written key=value, e.g. follow_h=1: {0:?}")]
    Shape(String),
    #[error("sales rules take a whole number of days above 0: {0:?}")]
    Number(String),
    #[error(
        "no sales rule is called {0:?} (purchase_h, purchase_a, purchase_b, follow_h, follow_a, follow_b, follow_c)"
    )]
    Unknown(String),
}

impl SalesRules {
    /// Days until the next follow-up for a lead of `grade`.
    pub fn follow_up_days(&self, grade: Grade) -> i32 {
        match grade {
            Grade::H => self.follow_h,
            Grade::A => self.follow_a,
            Grade::B => self.follow_b,
            Grade::C => self.follow_c,
        }
    }

    /// Reads `follow_h=1,follow_a=3,purchase_h=7` (any subset), as the server's configuration
    /// writes it.
    pub fn parse(text: &str) -> Result<SalesRules, SalesRulesError> {
        let mut rules = SalesRules::default();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = part
                .split_once('=')
                .ok_or_else(|| SalesRulesError::Shape(part.to_owned()))?;
            let days = value
                .trim()
                .parse::<i32>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| SalesRulesError::Number(part.to_owned()))?;
            let slot = match key.trim() {
                "purchase_h" => &mut rules.purchase_h,
                "purchase_a" => &mut rules.purchase_a,
                "purchase_b" => &mut rules.purchase_b,
                "follow_h" => &mut rules.follow_h,
                "follow_a" => &mut rules.follow_a,
                "follow_b" => &mut rules.follow_b,
                "follow_c" => &mut rules.follow_c,
                other => return Err(SalesRulesError::Unknown(other.to_owned())),
            };
            *slot = days;
        }
        Ok(rules)
    }
}

/// The capture form, as typed standing on the floor.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LeadForm {
    pub phone: String,
    pub name: String,
    pub source: Option<Source>,
    pub models: Vec<String>,
    pub grade: Option<Grade>,
    pub notes: String,
    pub budget: String,
    pub trade_in: bool,
}

/// Why a lead step cannot be saved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LeadError {
    #[error("the {0} must be filled in")]
    Missing(&'static str),
    #[error("a lead needs a mobile number: {0}")]
    Phone(#[from] phone::PhoneError),
    #[error("a lead needs a mobile number, not a landline")]
    NotMobile,
    #[error("this phone is already your lead {0}")]
    OwnDuplicate(RecordId),
    #[error("the lead is {current}: this step is not possible now")]
    WrongStage { current: String },
    #[error("only a sales manager may do this")]
    NeedsLead,
    #[error("the driving licence must be checked before the drive")]
    LicenceNotChecked,
    #[error("this car is already booked for that slot ({0})")]
    SlotTaken(RecordId),
    #[error(transparent)]
    Refused(#[from] TransitionError),
}

/// The mobile number as leads keep it (11 digits), or why not.
pub fn mobile(raw: &str) -> Result<String, LeadError> {
    match phone::clean(raw, None)? {
        Phone::Mobile(n) => Ok(n),
        Phone::Landline { .. } => Err(LeadError::NotMobile),
    }
}

/// A lead as the pages read it.
#[derive(Debug, Clone, PartialEq)]
pub struct Lead {
    pub id: RecordId,
    pub owner: Option<UserId>,
    pub phone: String,
    pub name: String,
    pub source: Option<Source>,
    pub models: Vec<String>,
    pub grade: Grade,
    pub notes: String,
    pub budget: String,
    pub trade_in: bool,
    pub captured_at: i64,
    pub next_follow_up: Option<Day>,
    pub last_follow_up: Option<i64>,
    pub stage: Stage,
    pub stage_reason: String,
    pub duplicate_of: Option<UserId>,
    pub conflicts: Vec<String>,
}

fn text(e: &Entity, field: &str) -> String {
    e.value(field)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

impl Lead {
    pub fn of(e: &Entity) -> Option<Lead> {
        use fields as f;
        if e.kind != RecordKind::Lead || e.tombstone.is_some() {
            return None;
        }
        Some(Lead {
            id: e.id,
            owner: e.scope.owner.clone(),
            phone: text(e, f::PHONE),
            name: text(e, f::NAME),
            source: Source::parse(&text(e, f::SOURCE)),
            models: e
                .value(f::MODELS)
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
            grade: Grade::parse(&text(e, f::GRADE)).unwrap_or(Grade::C),
            notes: text(e, f::NOTES),
            budget: text(e, f::BUDGET),
            trade_in: e
                .value(f::TRADE_IN)
                .and_then(Value::as_bool)
                .unwrap_or(false),
            captured_at: e
                .value(f::CAPTURED_AT)
                .and_then(Value::as_i64)
                .or_else(|| e.fields.values().map(|v| v.stamp.wall_ms).min())
                .unwrap_or_default(),
            next_follow_up: crate::care::dates::parse(&text(e, f::NEXT_FOLLOW_UP)).ok(),
            last_follow_up: e.value(f::LAST_FOLLOW_UP).and_then(Value::as_i64),
            stage: Stage::parse(&text(e, f::STAGE)).unwrap_or(Stage::New),
            stage_reason: text(e, f::STAGE_REASON),
            duplicate_of: e
                .value(f::DUPLICATE_OF)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(|s| UserId(s.to_owned())),
            conflicts: e.conflicts.keys().cloned().collect(),
        })
    }

    /// Every lead among `records`, newest first.
    pub fn all(records: &[Record]) -> Vec<Lead> {
        let mut list: Vec<Lead> = records
            .iter()
            .filter_map(Record::as_entity)
            .filter_map(Lead::of)
            .collect();
        list.sort_by(|a, b| b.captured_at.cmp(&a.captured_at).then(b.id.cmp(&a.id)));
        list
    }

    /// Still being worked: not delivered, not lost.
    pub fn is_open(&self) -> bool {
        !matches!(self.stage, Stage::Delivered | Stage::Lost)
    }
}

/// The device's own open lead with this phone, if any (the tablet holds only the advisor's
/// own). A lost or delivered lead does not count: the customer may come back, as a new lead.
pub fn own_duplicate(records: &[Record], raw_phone: &str) -> Option<RecordId> {
    let wanted = mobile(raw_phone).ok()?;
    Lead::all(records)
        .into_iter()
        .find(|l| l.phone == wanted && l.is_open())
        .map(|l| l.id)
}

/// Who is acting, when, under which cadence.
#[derive(Debug, Clone, Copy)]
pub struct Ctx<'a> {
    pub user: &'a UserCtx,
    pub now_ms: i64,
    pub today: Day,
    pub rules: &'a SalesRules,
}

impl Ctx<'_> {
    pub(crate) fn own_scope(&self) -> Scope {
        Scope {
            store: self.user.store.clone(),
            owner: Some(self.user.user.clone()),
        }
    }

    pub(crate) fn is_manager(&self) -> bool {
        crate::sync::grant(self.user.role, RecordKind::Lead).is_some_and(|g| g.manage)
    }
}

/// Captures a lead with id `id`, owned by the advisor; refuses the advisor's own duplicate (the
/// page opens that lead instead).
pub fn capture(
    ctx: Ctx<'_>,
    id: RecordId,
    form: &LeadForm,
    records: &[Record],
) -> Result<Vec<Write>, LeadError> {
    use fields as f;
    let phone = mobile(&form.phone)?;
    if let Some(existing) = own_duplicate(records, &phone) {
        return Err(LeadError::OwnDuplicate(existing));
    }
    let source = form.source.ok_or(LeadError::Missing(f::SOURCE))?;
    let grade = form.grade.ok_or(LeadError::Missing(f::GRADE))?;
    let models: Vec<&str> = form
        .models
        .iter()
        .map(|m| m.trim())
        .filter(|m| !m.is_empty())
        .collect();
    let next = ctx.today.plus(ctx.rules.follow_up_days(grade));
    let mut fl = BTreeMap::new();
    let mut put = |k: &str, v: Value| {
        fl.insert(k.to_owned(), v);
    };
    put(f::PHONE, json!(phone));
    put(f::NAME, json!(form.name.trim()));
    put(f::SOURCE, json!(source.as_str()));
    put(f::MODELS, json!(models));
    put(f::GRADE, json!(grade.as_str()));
    put(f::NOTES, json!(form.notes.trim()));
    put(f::BUDGET, json!(form.budget.trim()));
    put(f::TRADE_IN, json!(form.trade_in));
    put(f::CAPTURED_AT, json!(ctx.now_ms));
    put(f::NEXT_FOLLOW_UP, json!(next.to_string()));
    Ok(vec![Write {
        kind: RecordKind::Lead,
        record: Some(id),
        op: Op::Create {
            scope: ctx.own_scope(),
            fields: fl,
        },
    }])
}

/// One follow-up as the advisor logs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUp {
    pub channel: Channel,
    pub outcome: String,
    /// The next follow-up day; `None`: the cadence of the (new) grade from today.
    pub next: Option<Day>,
    /// A new grade, if the customer's timing changed.
    pub regrade: Option<Grade>,
}

fn stage_of(e: &Entity) -> Stage {
    Stage::parse(&text(e, fields::STAGE)).unwrap_or(Stage::New)
}

fn set(current: &Entity, values: Vec<(&str, Value)>) -> Write {
    Write {
        kind: RecordKind::Lead,
        record: Some(current.id),
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
    }
}

/// A move of the stage, checked by the machine the server enforces.
fn stage_move(
    current: &Entity,
    from: Stage,
    to: Stage,
    reason: Option<String>,
) -> Result<Write, LeadError> {
    StateMachines::standard().check(
        RecordKind::Lead,
        fields::STAGE,
        from.as_str(),
        from.as_str(),
        to.as_str(),
        reason.as_deref(),
    )?;
    Ok(Write {
        kind: RecordKind::Lead,
        record: Some(current.id),
        op: Op::Transition {
            field: fields::STAGE.to_owned(),
            from: from.as_str().to_owned(),
            to: to.as_str().to_owned(),
            reason,
        },
    })
}

/// Logs a follow-up: the event, the next day and grade, and a new lead starts being followed.
pub fn follow_up(ctx: Ctx<'_>, current: &Entity, fu: &FollowUp) -> Result<Vec<Write>, LeadError> {
    use fields as f;
    let stage = stage_of(current);
    if matches!(stage, Stage::Delivered | Stage::Lost) {
        return Err(LeadError::WrongStage {
            current: stage.as_str().to_owned(),
        });
    }
    let outcome = fu.outcome.trim();
    if outcome.is_empty() {
        return Err(LeadError::Missing(f::OUTCOME));
    }
    let grade = fu
        .regrade
        .or_else(|| Grade::parse(&text(current, f::GRADE)))
        .unwrap_or(Grade::C);
    let next = fu
        .next
        .unwrap_or_else(|| ctx.today.plus(ctx.rules.follow_up_days(grade)));
    let mut writes = Vec::new();
    if stage == Stage::New {
        writes.push(stage_move(current, Stage::New, Stage::Following, None)?);
    }
    writes.push(set(
        current,
        vec![
            (f::NEXT_FOLLOW_UP, json!(next.to_string())),
            (f::LAST_FOLLOW_UP, json!(ctx.now_ms)),
            (f::GRADE, json!(grade.as_str())),
        ],
    ));
    let mut ev = BTreeMap::new();
    ev.insert(f::LEAD.to_owned(), json!(current.id.to_string()));
    ev.insert(f::CHANNEL.to_owned(), json!(fu.channel.as_str()));
    ev.insert(f::OUTCOME.to_owned(), json!(outcome));
    ev.insert(f::NEXT.to_owned(), json!(next.to_string()));
    ev.insert(f::GRADE.to_owned(), json!(grade.as_str()));
    writes.push(Write {
        kind: RecordKind::LeadActivity,
        record: None,
        op: Op::AppendEvent {
            scope: ctx.own_scope(),
            fields: ev,
        },
    });
    Ok(writes)
}

/// Moves the lead's stage: an order, a delivery, a loss (with the reason; the manager approves
/// it or sends it back to following). The server creates the post-delivery callback.
pub fn move_stage(
    ctx: Ctx<'_>,
    current: &Entity,
    to: Stage,
    reason: &str,
) -> Result<Vec<Write>, LeadError> {
    let from = stage_of(current);
    let reason = reason.trim();
    let needs_manager = from == Stage::LostPending;
    if needs_manager && !ctx.is_manager() {
        return Err(LeadError::NeedsLead);
    }
    let reason = if to == Stage::LostPending {
        if reason.is_empty() {
            return Err(LeadError::Missing(fields::STAGE_REASON));
        }
        Some(reason.to_owned())
    } else {
        None
    };
    let mut writes = Vec::new();
    // A new lead that orders or is lost was followed first.
    let from = if from == Stage::New && to != Stage::Following {
        writes.push(stage_move(current, Stage::New, Stage::Following, None)?);
        Stage::Following
    } else {
        from
    };
    writes.push(stage_move(current, from, to, reason)?);
    Ok(writes)
}

/// Where a lead stands against its follow-up day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Due {
    /// Past the day by so many days.
    Overdue(i32),
    Today,
}

/// The advisor's follow-up list for `today`: open leads due or overdue, H first, then the most
/// overdue.
pub fn due_list(leads: &[Lead], today: Day) -> Vec<(Lead, Due)> {
    let mut list: Vec<(Lead, Due)> = leads
        .iter()
        .filter(|l| l.is_open() && l.stage != Stage::LostPending)
        .filter_map(|l| {
            let day = l.next_follow_up?;
            let due = match today.0 - day.0 {
                n if n > 0 => Due::Overdue(n),
                0 => Due::Today,
                _ => return None,
            };
            Some((l.clone(), due))
        })
        .collect();
    list.sort_by(|(a, da), (b, db)| {
        a.grade
            .cmp(&b.grade)
            .then_with(|| db.cmp(da))
            .then(a.id.cmp(&b.id))
    });
    list
}

/// Per advisor, the open leads whose follow-up day passed without one (the manager's check).
pub fn missed_by_advisor(leads: &[Lead], today: Day) -> BTreeMap<UserId, Vec<RecordId>> {
    let mut out: BTreeMap<UserId, Vec<RecordId>> = BTreeMap::new();
    for (lead, due) in due_list(leads, today) {
        if let (Due::Overdue(_), Some(owner)) = (due, lead.owner.clone()) {
            out.entry(owner).or_default().push(lead.id);
        }
    }
    out
}

/// Gives a lead to another advisor (the manager's decision): it leaves the old advisor's
/// tablet, with its follow-ups (the notes on the customer) and its drives still booked, so the
/// old advisor keeps nothing of it and the new one has its history and can run its drives.
pub fn reassign(
    ctx: Ctx<'_>,
    current: &Entity,
    to: &UserId,
    records: &[Record],
) -> Result<Vec<Write>, LeadError> {
    if !ctx.is_manager() {
        return Err(LeadError::NeedsLead);
    }
    let scope = Scope {
        store: current.scope.store.clone(),
        owner: Some(to.clone()),
    };
    let key = current.id.to_string();
    let of_lead = |fields: Option<&Value>| fields.and_then(Value::as_str) == Some(key.as_str());
    let mut writes = vec![Write {
        kind: RecordKind::Lead,
        record: Some(current.id),
        op: Op::MoveScope { to: scope.clone() },
    }];
    for r in records {
        let belongs = match r {
            Record::Event(e) => {
                e.kind == RecordKind::LeadActivity && of_lead(e.fields.get(fields::LEAD))
            }
            Record::Entity(e) => {
                e.kind == RecordKind::TestDrive
                    && e.tombstone.is_none()
                    && of_lead(e.value(super::drives::fields::LEAD))
                    && e.value(super::drives::fields::STATUS)
                        .and_then(Value::as_str)
                        == Some(super::drives::DriveStatus::Booked.as_str())
            }
        };
        if belongs && r.scope().owner.as_ref() != Some(to) {
            writes.push(Write {
                kind: r.kind(),
                record: Some(r.id()),
                op: Op::MoveScope { to: scope.clone() },
            });
        }
    }
    Ok(writes)
}

/// The roles that capture leads.
pub fn captures_leads(role: Role) -> bool {
    matches!(role, Role::SalesAdvisor | Role::SalesManager)
}
