//! `POST /api/tasks/distribute`: the supervisor shares the open, unassigned callback tasks
//! among the agents they choose, in one step (DOMAIN.md: "balancing the number of customers
//! per agent while taking ability into account"). A customer's tasks go to one agent — the
//! one already holding another open task of theirs, if any; the rest are shared by
//! capacity with the core's `care::distribute` (its fairness bound is property-tested).
//! Each assignment moves the task to the agent (its owner) and stamps `assigned_at`, from
//! which the agent's list counts the week within which the customer must be contacted.

use crate::auth::CurrentUser;
use crate::db::now_ms;
use crate::error::Error;
use crate::import::{Changes, store_entities};
use crate::json::ApiJson;
use crate::state::AppState;
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use huifang_core::care::distribute::{Agent, distribute};
use huifang_core::sync::{FieldWrite, Op, RecordId, RecordKind, Scope};
use huifang_core::{Role, UserId};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

pub fn router() -> Router<AppState> {
    Router::new().route("/tasks/distribute", post(distribute_tasks))
}

pub use huifang_core::care::distribute::{
    AgentLoad, AgentShare, DistributeRequest, DistributeResponse,
};

async fn distribute_tasks(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    ApiJson(request): ApiJson<DistributeRequest>,
) -> Result<Json<DistributeResponse>, Error> {
    if !matches!(
        me.role,
        Role::CareSupervisor | Role::StoreManager | Role::GroupManager
    ) {
        return Err(Error::Forbidden(format!(
            "the role {} may not share out callback tasks",
            me.role
        )));
    }
    if request.agents.is_empty() {
        return Err(Error::BadRequest("choose at least one agent".into()));
    }
    let staff: BTreeMap<UserId, Role> = crate::users::store_users(&state.db, &me.store_id)
        .await?
        .into_iter()
        .map(|u| (u.id, u.role))
        .collect();
    for a in &request.agents {
        match staff.get(&a.id) {
            Some(Role::CareAgent) => {}
            Some(role) => {
                return Err(Error::BadRequest(format!(
                    "{} is a {role}, not a care agent",
                    a.id.0
                )));
            }
            None => {
                return Err(Error::BadRequest(format!(
                    "no active user {} in this store",
                    a.id.0
                )));
            }
        }
        if a.capacity == 0 {
            return Err(Error::BadRequest("a capacity is at least 1".into()));
        }
    }
    let ctx = huifang_core::sync::UserCtx::of(&me);
    let now = now_ms();
    // Open tasks: who holds which customer, and what is unassigned.
    let mut holder: BTreeMap<String, UserId> = BTreeMap::new();
    let mut unassigned: BTreeMap<String, Vec<RecordId>> = BTreeMap::new();
    for e in store_entities(&state.sync, &ctx, now).await? {
        if e.kind != RecordKind::CallbackTask || e.value("status") != Some(&json!("open")) {
            continue;
        }
        let Some(customer) = e.value("customer").and_then(Value::as_str) else {
            continue;
        };
        match &e.scope.owner {
            Some(owner) => {
                holder.entry(customer.to_owned()).or_insert(owner.clone());
            }
            None => unassigned
                .entry(customer.to_owned())
                .or_default()
                .push(e.id),
        }
    }
    let chosen: BTreeSet<&UserId> = request.agents.iter().map(|a| &a.id).collect();
    let mut loads: BTreeMap<UserId, u32> = BTreeMap::new();
    for owner in holder.values() {
        *loads.entry(owner.clone()).or_default() += 1;
    }
    // Customers whose agent is among the chosen stay with them; the others are shared.
    let mut assignment: BTreeMap<String, UserId> = BTreeMap::new();
    let mut to_share = Vec::new();
    for customer in unassigned.keys() {
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
    let mut tasks_assigned = 0;
    for (customer, agent) in &assignment {
        *given.entry(agent.clone()).or_default() += 1;
        for task in unassigned.get(customer).into_iter().flatten() {
            tasks_assigned += 1;
            let to = Scope {
                store: me.store_id.clone(),
                owner: Some(agent.clone()),
            };
            changes.push(RecordKind::CallbackTask, *task, Op::MoveScope { to });
            let assigned_at = FieldWrite {
                field: "assigned_at".into(),
                value: json!(now),
                base: None,
            };
            changes.push(
                RecordKind::CallbackTask,
                *task,
                Op::SetFields {
                    writes: vec![assigned_at],
                },
            );
        }
    }
    let (_, refusals) = changes.send(&state.sync).await?;
    tracing::info!(user = %me.username, tasks_assigned, "callback tasks shared out");
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
        agents,
        refusals,
    }))
}
