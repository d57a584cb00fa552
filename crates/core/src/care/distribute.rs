//! Sharing customers out among agents (DOMAIN.md: "balancing the number of customers per
//! agent while taking ability into account"). Each agent has a capacity (1 = a normal share,
//! 2 = twice that); a customer and all their tasks go to one agent; customers an agent already
//! holds stay with them.
//!
//! The bound, kept by every greedy step and checked by a property test: for any two agents
//! `a` and `b`, `load(a) / cap(a) - load(b) / cap(b) <= 1 / cap(b)` — shares differ by at
//! most one customer per unit of capacity. It holds after [`distribute`] whenever it held
//! before (as when everyone starts empty); from lopsided starting loads each new customer goes
//! to the least loaded until it holds. (Loads count customers: the unit the supervisor hands
//! out.)

use std::collections::BTreeMap;

/// An agent who can take customers now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agent<A> {
    pub id: A,
    /// Relative ability, at least 1.
    pub capacity: u32,
    /// Customers they already hold (counted so new ones even the shares out).
    pub load: u32,
}

/// Why customers cannot be shared out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DistributeError {
    #[error("no agent to share the customers among")]
    NoAgents,
    #[error("an agent's capacity must be at least 1")]
    ZeroCapacity,
}

/// Assigns each of `customers` (in the order given) to an agent: always the one whose share
/// after taking it is smallest (`(load + 1) / capacity`; ties go to the larger capacity, then
/// to the agent listed first). Returns customer → agent.
pub fn distribute<A: Clone + Ord, C: Clone + Ord>(
    agents: &[Agent<A>],
    customers: &[C],
) -> Result<BTreeMap<C, A>, DistributeError> {
    if agents.is_empty() {
        return Err(DistributeError::NoAgents);
    }
    if agents.iter().any(|a| a.capacity == 0) {
        return Err(DistributeError::ZeroCapacity);
    }
    let mut loads: Vec<u64> = agents.iter().map(|a| u64::from(a.load)).collect();
    let mut out = BTreeMap::new();
    for customer in customers {
        if out.contains_key(customer) {
            continue;
        }
        // Compare (load_i + 1) / cap_i exactly, as cross products of integers.
        let mut best = 0;
        for i in 1..agents.len() {
            let (li, ci) = (loads[i] + 1, u64::from(agents[i].capacity));
            let (lb, cb) = (loads[best] + 1, u64::from(agents[best].capacity));
            let better = li * cb < lb * ci || (li * cb == lb * ci && ci > cb);
            if better {
                best = i;
            }
        }
        loads[best] += 1;
        out.insert(customer.clone(), agents[best].id.clone());
    }
    Ok(out)
}

// ---- The API's request and answer (`POST /api/tasks/distribute`) ----------------------

use serde::{Deserialize, Serialize};

/// One agent to share work with.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgentShare {
    pub id: crate::UserId,
    /// Relative ability (1 = a normal share); at least 1.
    #[serde(default = "one")]
    pub capacity: u32,
}

fn one() -> u32 {
    1
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DistributeRequest {
    pub agents: Vec<AgentShare>,
    /// Agents who are away (leave, sick, gone): every unfinished task they hold is taken back
    /// and shared among `agents` with the unassigned ones. None of them may be in `agents`.
    #[serde(default)]
    pub away: Vec<crate::UserId>,
}

/// What each agent holds afterwards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgentLoad {
    pub id: crate::UserId,
    pub capacity: u32,
    /// Customers with unfinished tasks this agent holds.
    pub customers: u32,
    /// Of them, new to this agent in this step.
    pub given: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DistributeResponse {
    /// Tasks given to an agent in this step (unassigned ones and those taken back).
    pub tasks_assigned: usize,
    /// Of them, tasks taken back from the agents who are away.
    #[serde(default)]
    pub taken_back: usize,
    pub agents: Vec<AgentLoad>,
    pub refusals: Vec<String>,
}

/// `POST /api/tasks/reassign`: a lead moves one customer's unfinished tasks to an agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReassignRequest {
    /// The customer's record id.
    pub customer: String,
    pub to: crate::UserId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReassignResponse {
    /// Tasks that changed hands (those the agent already held are not counted).
    pub moved: usize,
    pub refusals: Vec<String>,
}

/// The task statuses that are still work to do: `open`, `assigned`, `in_progress` and
/// `rescheduled` (not `completed`, `failed` or `cancelled`). Such a task's owner holds its
/// customer.
pub fn is_unfinished(status: &str) -> bool {
    matches!(status, "open" | "assigned" | "in_progress" | "rescheduled")
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    fn agent(id: &str, capacity: u32, load: u32) -> Agent<String> {
        Agent {
            id: id.to_owned(),
            capacity,
            load,
        }
    }

    fn loads(agents: &[Agent<String>], out: &BTreeMap<u32, String>) -> Vec<u64> {
        agents
            .iter()
            .map(|a| u64::from(a.load) + out.values().filter(|v| **v == a.id).count() as u64)
            .collect()
    }

    #[test]
    fn equal_agents_get_equal_shares() {
        let agents = [agent("wang", 1, 0), agent("li", 1, 0)];
        let customers: Vec<u32> = (0..11).collect();
        let out = distribute(&agents, &customers).expect("shared");
        assert_eq!(out.len(), 11);
        assert_eq!(loads(&agents, &out), vec![6, 5]);
    }

    #[test]
    fn capacity_weighs_and_existing_loads_count() {
        let agents = [agent("senior", 2, 0), agent("new", 1, 3)];
        let customers: Vec<u32> = (0..9).collect();
        let out = distribute(&agents, &customers).expect("shared");
        // 12 customers in all, 2:1 → 8 and 4: the new agent already had 3.
        assert_eq!(loads(&agents, &out), vec![8, 4]);
    }

    #[test]
    fn nothing_to_share_among_is_an_error() {
        assert_eq!(
            distribute::<String, u32>(&[], &[1]),
            Err(DistributeError::NoAgents)
        );
        assert_eq!(
            distribute(&[agent("a", 0, 0)], &[1u32]),
            Err(DistributeError::ZeroCapacity)
        );
    }

    #[test]
    fn unfinished_tasks_are_the_ones_still_to_do() {
        for s in ["open", "assigned", "in_progress", "rescheduled"] {
            assert!(is_unfinished(s), "{s}");
        }
        for s in ["completed", "failed", "cancelled", ""] {
            assert!(!is_unfinished(s), "{s}");
        }
    }

    #[test]
    fn away_is_optional_on_the_wire() {
        let request: DistributeRequest =
            serde_json::from_str(r#"{"agents":[{"id":"u1"}]}"#).expect("old shape");
        assert!(request.away.is_empty());
        assert_eq!(request.agents[0].capacity, 1);
        let answer: DistributeResponse =
            serde_json::from_str(r#"{"tasks_assigned":2,"agents":[],"refusals":[]}"#)
                .expect("old shape");
        assert_eq!(answer.taken_back, 0);
    }

    /// The fairness bound for random agent sets, capacities, starting loads and counts.
    #[test]
    fn shares_differ_by_at_most_one_customer_per_unit_of_capacity() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2026);
        for _ in 0..2_000 {
            let n = rng.random_range(1..8);
            let agents: Vec<Agent<String>> = (0..n)
                .map(|i| agent(&format!("a{i}"), rng.random_range(1..5), 0))
                .collect();
            let customers: Vec<u32> = (0..rng.random_range(0..200)).collect();
            let out = distribute(&agents, &customers).expect("shared");
            assert_eq!(out.len(), customers.len(), "every customer placed");
            let l = loads(&agents, &out);
            for (a, la) in agents.iter().zip(&l) {
                for (b, lb) in agents.iter().zip(&l) {
                    // la/ca - lb/cb <= 1/cb  ⇔  la*cb - lb*ca <= ca
                    let (ca, cb) = (u64::from(a.capacity), u64::from(b.capacity));
                    assert!(
                        la * cb <= lb * ca + ca,
                        "{} has {la} for capacity {ca}, {} has {lb} for {cb}",
                        a.id,
                        b.id
                    );
                }
            }
        }
    }
}
