//! Who calls whom: the supervisor shares callback tasks out among the agents.
//!
//! - `POST /api/tasks/distribute`: the unassigned tasks, and every unfinished task of the
//!   agents who are away, shared among the agents chosen, in one step (DOMAIN.md: "balancing
//!   the number of customers per agent while taking ability into account"). A customer's
//!   tasks go to one agent — the one already holding another unfinished task of theirs, if
//!   chosen; the rest are shared by capacity with the core's `care::distribute` (its fairness
//!   bound is property-tested).
//! - `POST /api/tasks/reassign`: one customer's unfinished tasks to the agent named.
//!
//! Each move gives the task to the agent (its owner) and stamps a fresh `assigned_at`, from
//! which the agent's list counts the week within which the customer must be contacted.
//! Campaigns (`/api/campaigns…`, [`crate::import::campaign`]) are routed here too: they make
//! the tasks this module shares out.

use crate::auth::CurrentUser;
use crate::db::now_ms;
use crate::error::Error;
use crate::import::{Changes, store_entities};
use crate::json::ApiJson;
use crate::state::AppState;
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use huifang_core::care::distribute::{Agent, distribute, is_unfinished};
use huifang_core::sync::{Entity, FieldWrite, Hlc, Op, RecordId, RecordKind, Scope, UserCtx};
use huifang_core::{Role, UserId, UserProfile};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tasks/distribute", post(distribute_tasks))
        .route("/tasks/reassign", post(reassign))
        .merge(crate::import::campaign::router())
}

pub use huifang_core::care::distribute::{
    AgentLoad, AgentShare, DistributeRequest, DistributeResponse, ReassignRequest, ReassignResponse,
};

/// Care supervisors and managers plan the agents' callbacks; `what` says what was refused.
pub(crate) fn care_lead(me: &UserProfile, what: &str) -> Result<(), Error> {
    if matches!(
        me.role,
        Role::CareSupervisor | Role::StoreManager | Role::GroupManager
    ) {
        Ok(())
    } else {
        Err(Error::Forbidden(format!(
            "the role {} may not {what}",
            me.role
        )))
    }
}

/// Checks that `id` is an active care agent of the store (`staff`: its active users).
fn check_agent(staff: &BTreeMap<UserId, Role>, id: &UserId) -> Result<(), Error> {
    match staff.get(id) {
        Some(Role::CareAgent) => Ok(()),
        Some(role) => Err(Error::BadRequest(format!(
            "{} is a {role}, not a care agent",
            id.0
        ))),
        None => Err(Error::BadRequest(format!(
            "no active user {} in this store",
            id.0
        ))),
    }
}

async fn staff_of(state: &AppState, me: &UserProfile) -> Result<BTreeMap<UserId, Role>, Error> {
    Ok(crate::users::store_users(&state.db, &me.store_id)
        .await?
        .into_iter()
        .map(|u| (u.id, u.role))
        .collect())
}

/// An unfinished callback task of the store.
struct Task {
    id: RecordId,
    customer: String,
    owner: Option<UserId>,
    /// The stamp of its `assigned_at`, the base a new value is written on.
    assigned_at: Option<Hlc>,
}

impl Task {
    fn of(e: &Entity, store: &huifang_core::StoreId) -> Option<Task> {
        let status = e.value("status").and_then(Value::as_str)?;
        if e.kind != RecordKind::CallbackTask || e.scope.store != *store || !is_unfinished(status) {
            return None;
        }
        Some(Task {
            id: e.id,
            customer: e.value("customer").and_then(Value::as_str)?.to_owned(),
            owner: e.scope.owner.clone(),
            assigned_at: e.fields.get("assigned_at").map(|f| f.stamp),
        })
    }
}

/// Gives `task` to `agent`, stamping a fresh `assigned_at`.
fn give(changes: &mut Changes<'_>, me: &UserCtx, task: &Task, agent: &UserId, now: i64) {
    let to = Scope {
        store: me.store.clone(),
        owner: Some(agent.clone()),
    };
    changes.push(RecordKind::CallbackTask, task.id, Op::MoveScope { to });
    let assigned_at = FieldWrite {
        field: "assigned_at".into(),
        value: json!(now),
        base: task.assigned_at,
    };
    changes.push(
        RecordKind::CallbackTask,
        task.id,
        Op::SetFields {
            writes: vec![assigned_at],
        },
    );
}

async fn distribute_tasks(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    ApiJson(request): ApiJson<DistributeRequest>,
) -> Result<Json<DistributeResponse>, Error> {
    care_lead(&me, "share out callback tasks")?;
    if request.agents.is_empty() {
        return Err(Error::BadRequest("choose at least one agent".into()));
    }
    let staff = staff_of(&state, &me).await?;
    for a in &request.agents {
        check_agent(&staff, &a.id)?;
        if a.capacity == 0 {
            return Err(Error::BadRequest("a capacity is at least 1".into()));
        }
    }
    let chosen: BTreeSet<&UserId> = request.agents.iter().map(|a| &a.id).collect();
    // Away agents need not be active: one who left the store is away for good.
    let away: BTreeSet<&UserId> = request.away.iter().collect();
    if let Some(both) = away.intersection(&chosen).next() {
        return Err(Error::BadRequest(format!(
            "{} is away and cannot also be given tasks",
            both.0
        )));
    }
    let ctx = UserCtx::of(&me);
    let now = now_ms();
    // Who holds which customer (by an unfinished task), and what is to give: the unassigned
    // tasks and those of the agents who are away.
    let mut holder: BTreeMap<String, UserId> = BTreeMap::new();
    let mut to_give: BTreeMap<String, Vec<Task>> = BTreeMap::new();
    for task in store_entities(&state.sync, &ctx, now)
        .await?
        .iter()
        .filter_map(|e| Task::of(e, &me.store_id))
    {
        match &task.owner {
            Some(owner) if !away.contains(owner) => {
                holder.entry(task.customer.clone()).or_insert(owner.clone());
            }
            _ => to_give.entry(task.customer.clone()).or_default().push(task),
        }
    }
    let mut loads: BTreeMap<UserId, u32> = BTreeMap::new();
    for owner in holder.values() {
        *loads.entry(owner.clone()).or_default() += 1;
    }
    // Customers whose agent is among the chosen stay with them; the others are shared.
    let mut assignment: BTreeMap<String, UserId> = BTreeMap::new();
    let mut to_share = Vec::new();
    for customer in to_give.keys() {
        match holder.get(customer) {
            Some(agent) if chosen.contains(agent) => {
                assignment.insert(customer.clone(), agent.clone());
            }
            _ => to_share.push(customer.clone()),
        }
    }
    let agents: Vec<Agent<UserId>> = request
        .agents
        .iter()
        .map(|a| Agent {
            id: a.id.clone(),
            capacity: a.capacity,
            load: loads.get(&a.id).copied().unwrap_or(0),
        })
        .collect();
    let shared = distribute(&agents, &to_share).map_err(|e| Error::BadRequest(e.to_string()))?;
    assignment.extend(shared);

    let mut changes = Changes::new(&ctx, now, 0xd1);
    let mut given: BTreeMap<UserId, u32> = BTreeMap::new();
    let (mut tasks_assigned, mut taken_back) = (0, 0);
    for (customer, agent) in &assignment {
        if holder.get(customer) != Some(agent) {
            *given.entry(agent.clone()).or_default() += 1;
        }
        for task in to_give.get(customer).into_iter().flatten() {
            tasks_assigned += 1;
            if task.owner.is_some() {
                taken_back += 1;
            }
            give(&mut changes, &ctx, task, agent, now);
        }
    }
    let (_, refusals) = changes.send(&state.sync).await?;
    tracing::info!(user = %me.username, tasks_assigned, taken_back, "callback tasks shared out");
    let agents = request
        .agents
        .iter()
        .map(|a| {
            let given = given.get(&a.id).copied().unwrap_or(0);
            AgentLoad {
                id: a.id.clone(),
                capacity: a.capacity,
                customers: loads.get(&a.id).copied().unwrap_or(0) + given,
                given,
            }
        })
        .collect();
    Ok(Json(DistributeResponse {
        tasks_assigned,
        taken_back,
        agents,
        refusals,
    }))
}

async fn reassign(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    ApiJson(request): ApiJson<ReassignRequest>,
) -> Result<Json<ReassignResponse>, Error> {
    care_lead(&me, "reassign callback tasks")?;
    let customer: RecordId = request.customer.parse().map(RecordId).map_err(|e| {
        Error::BadRequest(format!("{:?} is not a record id: {e}", request.customer))
    })?;
    check_agent(&staff_of(&state, &me).await?, &request.to)?;
    let ctx = UserCtx::of(&me);
    let now = now_ms();
    let entities = store_entities(&state.sync, &ctx, now).await?;
    let known = entities.iter().any(|e| {
        e.kind == RecordKind::Customer && e.id == customer && e.scope.store == me.store_id
    });
    if !known {
        return Err(Error::NotFound(format!(
            "no customer {customer} in this store"
        )));
    }
    let wanted = customer.to_string();
    let mut changes = Changes::new(&ctx, now, 0x4e);
    let mut moved = 0;
    for task in entities.iter().filter_map(|e| Task::of(e, &me.store_id)) {
        if task.customer == wanted && task.owner.as_ref() != Some(&request.to) {
            give(&mut changes, &ctx, &task, &request.to, now);
            moved += 1;
        }
    }
    let (_, refusals) = changes.send(&state.sync).await?;
    tracing::info!(user = %me.username, %customer, moved, "callback tasks reassigned");
    Ok(Json(ReassignResponse { moved, refusals }))
}
