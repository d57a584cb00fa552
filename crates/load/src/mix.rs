//! What a simulated tablet does: the changes a care agent or a sales advisor saves, shaped as
//! the app shapes them (DOMAIN.md, `src/calls.rs`): one call attempt is the attempt event, the
//! task's move to `in_progress` and its next try, saved together as one step.
//!
//! A tablet writes only records it created (its customers, its callbacks, its leads), so it
//! knows every stamp it writes over and the final state of every record is determined by its
//! own acknowledged writes, which is what the verification checks. Two fields exist for the
//! verification alone: `attempts` on a callback task and `follow_ups` on a lead, counters the
//! tablet sets to the number of attempt (follow-up) events it saved for that record, so an
//! event applied twice would show as one more event than the counter.

use huifang_core::Role;
use huifang_core::care::dates::Day;
use huifang_core::sync::{FieldWrite, Hlc, Op, RecordId, RecordKind, Scope};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap, HashSet};

/// The store's UTC offset (China): the day a due date is counted in.
const STORE_UTC_OFFSET_MINUTES: i32 = 480;

/// How often each thing is done, relative to the others.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Mix {
    /// Care agent: one call attempt (event + task changes, one step).
    pub attempt: u32,
    /// Care agent: the callback record of a reached customer, completing the task.
    pub complete: u32,
    /// Care agent: a customer's note edited.
    pub edit_customer: u32,
    /// Care agent: a new customer with a callback for her (one step).
    pub new_customer: u32,
    /// Advisor: a follow-up of a lead (event + the lead's fields, one step).
    pub follow_up: u32,
    /// Advisor: the lead's notes edited.
    pub edit_lead: u32,
    /// Advisor: a new lead.
    pub new_lead: u32,
    /// Advisor: the lead's stage moved on (new → following → order → delivered; a delivery
    /// makes the server create the post-delivery callback).
    pub advance_lead: u32,
}

impl Default for Mix {
    fn default() -> Self {
        Mix {
            attempt: 50,
            complete: 15,
            edit_customer: 20,
            new_customer: 15,
            follow_up: 45,
            edit_lead: 20,
            new_lead: 15,
            advance_lead: 20,
        }
    }
}

/// One change to save: to `record` (new when the op creates).
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub kind: RecordKind,
    pub record: RecordId,
    pub op: Op,
}

/// The tablet's time and ids, as the changes need them.
pub trait Stamper {
    fn now_ms(&self) -> i64;
    fn new_id(&mut self) -> RecordId;
}

#[derive(Debug, Clone)]
struct TaskRef {
    id: RecordId,
    customer: RecordId,
    status: &'static str,
    attempts: u32,
    /// The last attempt reached the customer: the callback record is due.
    awaiting_record: bool,
}

#[derive(Debug, Clone)]
struct LeadRef {
    id: RecordId,
    stage: &'static str,
    follow_ups: u32,
}

/// What one tablet knows of its own records (the app's view, narrowed to them).
#[derive(Debug, Default)]
pub struct World {
    customers: Vec<RecordId>,
    open_tasks: Vec<TaskRef>,
    open_leads: Vec<LeadRef>,
    /// The stamp this tablet last wrote to each field of each record: the `base` of its next
    /// write there (the value it saw).
    seen: HashMap<RecordId, BTreeMap<String, Hlc>>,
    /// Records a refused change touched: their state on the server is not what this tablet
    /// thinks, so it writes no more to them.
    abandoned: HashSet<RecordId>,
    made: u64,
}

impl World {
    /// A refusal of a change to `record`: leave the record alone from now on.
    pub fn abandon(&mut self, record: RecordId) {
        self.abandoned.insert(record);
        self.customers.retain(|id| *id != record);
        self.open_tasks
            .retain(|t| t.id != record && t.customer != record);
        self.open_leads.retain(|l| l.id != record);
    }

    fn base(&self, record: RecordId, field: &str) -> Option<Hlc> {
        self.seen.get(&record).and_then(|f| f.get(field)).copied()
    }

    fn saw(&mut self, change: &Change, stamp: Hlc) {
        let fields: Vec<String> = match &change.op {
            Op::Create { fields, .. } => fields.keys().cloned().collect(),
            Op::SetFields { writes } => writes.iter().map(|w| w.field.clone()).collect(),
            Op::Transition { field, .. } => vec![field.clone()],
            _ => Vec::new(),
        };
        let seen = self.seen.entry(change.record).or_default();
        for field in fields {
            seen.insert(field, stamp);
        }
    }

    /// Notes the stamps of the changes just saved (`stamps` in the same order).
    pub fn saved(&mut self, changes: &[Change], stamps: &[Hlc]) {
        for (change, stamp) in changes.iter().zip(stamps) {
            if !change.kind.is_event() {
                self.saw(change, *stamp);
            }
        }
    }
}

/// Who the tablet's user is, as the changes need it.
#[derive(Debug, Clone)]
pub struct Me {
    pub n: usize,
    pub role: Role,
    pub scope: Scope,
}

impl Me {
    fn store_scope(&self) -> Scope {
        Scope {
            store: self.scope.store.clone(),
            owner: None,
        }
    }
}

fn fields(pairs: &[(&str, Value)]) -> BTreeMap<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

fn pick<'a, T>(rng: &mut fastrand::Rng, items: &'a [(T, u32)]) -> &'a T {
    let total: u32 = items.iter().map(|(_, w)| *w).sum();
    let mut roll = rng.u32(0..total.max(1));
    for (item, weight) in items {
        if roll < *weight {
            return item;
        }
        roll -= weight;
    }
    &items[0].0
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Attempt,
    Complete,
    EditCustomer,
    NewCustomer,
    FollowUp,
    EditLead,
    NewLead,
    AdvanceLead,
}

/// The next thing the tablet's user saves, as one step of changes (empty: nothing to do).
pub fn next_step(
    me: &Me,
    world: &mut World,
    mix: &Mix,
    rng: &mut fastrand::Rng,
    stamps: &mut dyn Stamper,
) -> Vec<Change> {
    let action = if me.role == Role::SalesAdvisor {
        if world.open_leads.is_empty() {
            Action::NewLead
        } else {
            *pick(
                rng,
                &[
                    (Action::FollowUp, mix.follow_up),
                    (Action::EditLead, mix.edit_lead),
                    (Action::NewLead, mix.new_lead),
                    (Action::AdvanceLead, mix.advance_lead),
                ],
            )
        }
    } else if world.open_tasks.is_empty() {
        Action::NewCustomer
    } else {
        *pick(
            rng,
            &[
                (Action::Attempt, mix.attempt),
                (Action::Complete, mix.complete),
                (Action::EditCustomer, mix.edit_customer),
                (Action::NewCustomer, mix.new_customer),
            ],
        )
    };
    match action {
        Action::NewCustomer => new_customer(me, world, stamps),
        Action::Attempt => attempt(me, world, rng, stamps),
        Action::Complete => {
            if world.open_tasks.iter().any(|t| t.awaiting_record) {
                complete(me, world, rng, stamps)
            } else {
                attempt(me, world, rng, stamps)
            }
        }
        Action::EditCustomer => edit_customer(world, rng, stamps),
        Action::NewLead => new_lead(me, world, stamps),
        Action::FollowUp => follow_up(me, world, rng, stamps),
        Action::EditLead => edit_lead(world, rng, stamps),
        Action::AdvanceLead => advance_lead(world, rng),
    }
}

fn day_after(now_ms: i64, days: i32) -> String {
    Day::of_ms(now_ms, STORE_UTC_OFFSET_MINUTES)
        .plus(days)
        .to_string()
}

/// A mobile number unique to tablet `n`'s `k`th record of a series (`prefix` 139: customers,
/// 137: leads), so no two records share one by chance (the lead duplicate check stays quiet).
fn mobile(prefix: u32, n: usize, k: u64) -> String {
    format!("{prefix}{:04}{:04}", n % 10_000, k % 10_000)
}

fn new_customer(me: &Me, world: &mut World, stamps: &mut dyn Stamper) -> Vec<Change> {
    world.made += 1;
    let now = stamps.now_ms();
    let customer = stamps.new_id();
    let task = stamps.new_id();
    let changes = vec![
        Change {
            kind: RecordKind::Customer,
            record: customer,
            op: Op::Create {
                scope: me.store_scope(),
                fields: fields(&[
                    ("name", json!(format!("负载客户{}-{}", me.n, world.made))),
                    ("phone", json!(mobile(139, me.n, world.made))),
                    ("note", json!("")),
                ]),
            },
        },
        Change {
            kind: RecordKind::CallbackTask,
            record: task,
            op: Op::Create {
                scope: me.scope.clone(),
                fields: fields(&[
                    ("customer", json!(customer.to_string())),
                    ("purpose", json!("post_service")),
                    ("due_by", json!(day_after(now, 3))),
                    ("assigned_at", json!(now)),
                    ("attempts", json!(0)),
                ]),
            },
        },
    ];
    world.customers.push(customer);
    world.open_tasks.push(TaskRef {
        id: task,
        customer,
        status: "open",
        attempts: 0,
        awaiting_record: false,
    });
    changes
}

fn set(world: &World, record: RecordId, kind: RecordKind, pairs: &[(&str, Value)]) -> Change {
    Change {
        kind,
        record,
        op: Op::SetFields {
            writes: pairs
                .iter()
                .map(|(field, value)| FieldWrite {
                    field: (*field).to_owned(),
                    value: value.clone(),
                    base: world.base(record, field),
                })
                .collect(),
        },
    }
}

fn transition(record: RecordId, kind: RecordKind, field: &str, from: &str, to: &str) -> Change {
    Change {
        kind,
        record,
        op: Op::Transition {
            field: field.to_owned(),
            from: from.to_owned(),
            to: to.to_owned(),
            reason: None,
        },
    }
}

fn attempt(
    me: &Me,
    world: &mut World,
    rng: &mut fastrand::Rng,
    stamps: &mut dyn Stamper,
) -> Vec<Change> {
    let candidates: Vec<usize> = (0..world.open_tasks.len())
        .filter(|i| !world.open_tasks[*i].awaiting_record)
        .collect();
    let Some(&i) = candidates.get(rng.usize(0..candidates.len().max(1))) else {
        return new_customer(me, world, stamps);
    };
    let now = stamps.now_ms();
    let outcome = *pick(
        rng,
        &[
            ("reached", 30),
            ("no_answer", 35),
            ("busy", 20),
            ("not_convenient", 10),
            ("switched_off", 5),
        ],
    );
    let event = stamps.new_id();
    let task = world.open_tasks[i].clone();
    let mut changes = vec![Change {
        kind: RecordKind::CallAttempt,
        record: event,
        op: Op::AppendEvent {
            scope: me.scope.clone(),
            fields: fields(&[
                ("customer", json!(task.customer.to_string())),
                ("task", json!(task.id.to_string())),
                ("outcome", json!(outcome)),
                ("started_at", json!(now - 60_000)),
                ("seconds", json!(rng.u32(5..300))),
                ("purpose", json!("post_service")),
            ]),
        },
    }];
    if task.status != "in_progress" {
        changes.push(transition(
            task.id,
            RecordKind::CallbackTask,
            "status",
            task.status,
            "in_progress",
        ));
    }
    let attempts = task.attempts + 1;
    let mut status = "in_progress";
    match outcome {
        "reached" => changes.push(set(
            world,
            task.id,
            RecordKind::CallbackTask,
            &[("attempts", json!(attempts))],
        )),
        "not_convenient" => {
            let at = now + 86_400_000;
            changes.push(transition(
                task.id,
                RecordKind::CallbackTask,
                "status",
                "in_progress",
                "rescheduled",
            ));
            changes.push(set(
                world,
                task.id,
                RecordKind::CallbackTask,
                &[
                    ("attempts", json!(attempts)),
                    ("next_try_at", json!(at)),
                    ("agreed_at", json!(at)),
                ],
            ));
            status = "rescheduled";
        }
        _ => changes.push(set(
            world,
            task.id,
            RecordKind::CallbackTask,
            &[
                ("attempts", json!(attempts)),
                ("next_try_at", json!(now + 7_200_000)),
            ],
        )),
    }
    let t = &mut world.open_tasks[i];
    t.attempts = attempts;
    t.status = status;
    t.awaiting_record = outcome == "reached";
    changes
}

fn complete(
    me: &Me,
    world: &mut World,
    rng: &mut fastrand::Rng,
    stamps: &mut dyn Stamper,
) -> Vec<Change> {
    let waiting: Vec<usize> = (0..world.open_tasks.len())
        .filter(|i| world.open_tasks[*i].awaiting_record)
        .collect();
    let Some(&i) = waiting.get(rng.usize(0..waiting.len().max(1))) else {
        return Vec::new();
    };
    let task = world.open_tasks.remove(i);
    let record = stamps.new_id();
    vec![
        Change {
            kind: RecordKind::CallbackRecord,
            record,
            op: Op::AppendEvent {
                scope: me.scope.clone(),
                fields: fields(&[
                    ("customer", json!(task.customer.to_string())),
                    ("task", json!(task.id.to_string())),
                    ("satisfaction", json!(rng.u32(1..=5))),
                    ("suggestions", json!("")),
                    ("next_action", json!("none")),
                    ("notes", json!("客户满意，无其他需求")),
                ]),
            },
        },
        transition(
            task.id,
            RecordKind::CallbackTask,
            "status",
            "in_progress",
            "completed",
        ),
    ]
}

fn edit_customer(
    world: &mut World,
    rng: &mut fastrand::Rng,
    stamps: &mut dyn Stamper,
) -> Vec<Change> {
    if world.customers.is_empty() {
        return Vec::new();
    }
    let customer = world.customers[rng.usize(0..world.customers.len())];
    let note = format!("备注 {} @{}", stamps.now_ms(), rng.u32(..));
    vec![set(
        world,
        customer,
        RecordKind::Customer,
        &[("note", json!(note))],
    )]
}

fn new_lead(me: &Me, world: &mut World, stamps: &mut dyn Stamper) -> Vec<Change> {
    world.made += 1;
    let lead = stamps.new_id();
    let now = stamps.now_ms();
    world.open_leads.push(LeadRef {
        id: lead,
        stage: "new",
        follow_ups: 0,
    });
    vec![Change {
        kind: RecordKind::Lead,
        record: lead,
        op: Op::Create {
            scope: me.scope.clone(),
            fields: fields(&[
                ("name", json!(format!("负载线索{}-{}", me.n, world.made))),
                ("phone", json!(mobile(137, me.n, world.made))),
                ("source", json!("walk_in")),
                ("models", json!(["凯美瑞"])),
                ("grade", json!("A")),
                ("captured_at", json!(now)),
                ("follow_ups", json!(0)),
            ]),
        },
    }]
}

fn follow_up(
    me: &Me,
    world: &mut World,
    rng: &mut fastrand::Rng,
    stamps: &mut dyn Stamper,
) -> Vec<Change> {
    let i = rng.usize(0..world.open_leads.len().max(1));
    let Some(lead) = world.open_leads.get(i).cloned() else {
        return Vec::new();
    };
    let now = stamps.now_ms();
    let event = stamps.new_id();
    let follow_ups = lead.follow_ups + 1;
    world.open_leads[i].follow_ups = follow_ups;
    vec![
        Change {
            kind: RecordKind::LeadActivity,
            record: event,
            op: Op::AppendEvent {
                scope: me.scope.clone(),
                fields: fields(&[
                    ("lead", json!(lead.id.to_string())),
                    ("channel", json!("phone")),
                    ("outcome", json!("talked")),
                    ("next", json!(day_after(now, 3))),
                ]),
            },
        },
        set(
            world,
            lead.id,
            RecordKind::Lead,
            &[
                ("follow_ups", json!(follow_ups)),
                ("last_follow_up", json!(now)),
                ("next_follow_up", json!(day_after(now, 3))),
            ],
        ),
    ]
}

fn edit_lead(world: &mut World, rng: &mut fastrand::Rng, stamps: &mut dyn Stamper) -> Vec<Change> {
    let i = rng.usize(0..world.open_leads.len().max(1));
    let Some(lead) = world.open_leads.get(i).cloned() else {
        return Vec::new();
    };
    let notes = format!("客户关注油耗 {} @{}", stamps.now_ms(), rng.u32(..));
    vec![set(
        world,
        lead.id,
        RecordKind::Lead,
        &[("notes", json!(notes))],
    )]
}

fn advance_lead(world: &mut World, rng: &mut fastrand::Rng) -> Vec<Change> {
    let i = rng.usize(0..world.open_leads.len().max(1));
    let Some(lead) = world.open_leads.get(i).cloned() else {
        return Vec::new();
    };
    let to = match lead.stage {
        "new" => "following",
        "following" => "order",
        _ => "delivered",
    };
    if to == "delivered" {
        world.open_leads.remove(i);
    } else {
        world.open_leads[i].stage = to;
    }
    vec![transition(
        lead.id,
        RecordKind::Lead,
        "stage",
        lead.stage,
        to,
    )]
}
