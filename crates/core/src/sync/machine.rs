//! State machines for status fields: a status only moves along an allowed transition.
//!
//! The registry is data, so the app can draw the next possible steps from the same table the
//! server enforces.

use super::kind::RecordKind;
use std::collections::BTreeMap;

/// One allowed move of a status field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub from: &'static str,
    pub to: &'static str,
    /// The person must give a reason (stored beside the status).
    pub needs_reason: bool,
    /// Only a lead role (supervisor, manager) may make this move: an approval.
    pub needs_lead: bool,
}

const fn step(from: &'static str, to: &'static str) -> Rule {
    Rule {
        from,
        to,
        needs_reason: false,
        needs_lead: false,
    }
}

const fn with_reason(rule: Rule) -> Rule {
    Rule {
        needs_reason: true,
        ..rule
    }
}

const fn by_lead(rule: Rule) -> Rule {
    Rule {
        needs_lead: true,
        ..rule
    }
}

/// The states of one status field and the moves between them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Machine {
    /// The state a new record starts in.
    pub initial: &'static str,
    pub rules: Vec<Rule>,
}

impl Machine {
    /// The rule for `from → to`, if the move is allowed.
    pub fn rule(&self, from: &str, to: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.from == from && r.to == to)
    }

    /// The states reachable from `from` in one move.
    pub fn next(&self, from: &str) -> impl Iterator<Item = &Rule> {
        self.rules.iter().filter(move |r| r.from == from)
    }
}

/// Why a transition is refused by its machine.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("{kind}.{field} has no state machine")]
    NoMachine { kind: RecordKind, field: String },
    #[error("{kind}.{field} is now {current:?}, not {from:?}: someone changed it first")]
    Stale {
        kind: RecordKind,
        field: String,
        from: String,
        current: String,
    },
    #[error("{kind}.{field} cannot move from {from:?} to {to:?}")]
    Illegal {
        kind: RecordKind,
        field: String,
        from: String,
        to: String,
    },
    #[error("moving {kind}.{field} from {from:?} to {to:?} needs a reason")]
    ReasonRequired {
        kind: RecordKind,
        field: String,
        from: String,
        to: String,
    },
}

/// The registry of state machines, by (record kind, field).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StateMachines {
    machines: BTreeMap<(RecordKind, String), Machine>,
}

impl StateMachines {
    /// An empty registry (tests build their own).
    pub fn empty() -> Self {
        Self::default()
    }

    pub fn with(mut self, kind: RecordKind, field: &str, machine: Machine) -> Self {
        self.machines.insert((kind, field.to_owned()), machine);
        self
    }

    /// The dealership's machines: callback tasks, complaints (the closed loop), lead stages.
    pub fn standard() -> Self {
        Self::empty()
            .with(RecordKind::CallbackTask, "status", callback_task_status())
            .with(RecordKind::Complaint, "status", complaint_status())
            .with(RecordKind::Lead, "stage", lead_stage())
            .with(RecordKind::Appointment, "status", appointment_status())
    }

    pub fn machine(&self, kind: RecordKind, field: &str) -> Option<&Machine> {
        self.machines.get(&(kind, field.to_owned()))
    }

    /// Whether `field` of `kind` may change only by transitions.
    pub fn is_status(&self, kind: RecordKind, field: &str) -> bool {
        self.machine(kind, field).is_some()
    }

    /// The status fields of `kind` with their initial states.
    pub fn initial_states(&self, kind: RecordKind) -> impl Iterator<Item = (&str, &'static str)> {
        self.machines
            .iter()
            .filter(move |((k, _), _)| *k == kind)
            .map(|((_, field), m)| (field.as_str(), m.initial))
    }

    /// Checks `from → to` given the current state; returns the rule that allows it.
    pub fn check(
        &self,
        kind: RecordKind,
        field: &str,
        current: &str,
        from: &str,
        to: &str,
        reason: Option<&str>,
    ) -> Result<&Rule, TransitionError> {
        let machine = self
            .machine(kind, field)
            .ok_or_else(|| TransitionError::NoMachine {
                kind,
                field: field.to_owned(),
            })?;
        if current != from {
            return Err(TransitionError::Stale {
                kind,
                field: field.to_owned(),
                from: from.to_owned(),
                current: current.to_owned(),
            });
        }
        let rule = machine
            .rule(from, to)
            .ok_or_else(|| TransitionError::Illegal {
                kind,
                field: field.to_owned(),
                from: from.to_owned(),
                to: to.to_owned(),
            })?;
        if rule.needs_reason && reason.is_none_or(|r| r.trim().is_empty()) {
            return Err(TransitionError::ReasonRequired {
                kind,
                field: field.to_owned(),
                from: from.to_owned(),
                to: to.to_owned(),
            });
        }
        Ok(rule)
    }
}

/// open → assigned → in_progress → completed / rescheduled / failed.
fn callback_task_status() -> Machine {
    Machine {
        initial: "open",
        rules: vec![
            step("open", "assigned"),
            step("open", "in_progress"),
            by_lead(step("open", "cancelled")),
            by_lead(step("assigned", "open")),
            step("assigned", "in_progress"),
            by_lead(step("assigned", "cancelled")),
            step("in_progress", "completed"),
            step("in_progress", "rescheduled"),
            with_reason(step("in_progress", "failed")),
            step("rescheduled", "assigned"),
            step("rescheduled", "in_progress"),
            by_lead(step("rescheduled", "cancelled")),
            by_lead(step("failed", "open")),
        ],
    }
}

/// A service appointment (预约): booked, then the customer comes (marked by hand or matched
/// from the next DMS import), does not come (爽约, which creates a follow-up call), or it is
/// called off with a reason. A no-show can be booked again.
fn appointment_status() -> Machine {
    Machine {
        initial: "booked",
        rules: vec![
            step("booked", "arrived"),
            step("booked", "no_show"),
            with_reason(step("booked", "cancelled")),
            step("no_show", "booked"),
            // The DMS shows the visit after all (the customer came late).
            step("no_show", "arrived"),
        ],
    }
}

/// The complaint's closed loop (DOMAIN.md "Complaints").
fn complaint_status() -> Machine {
    Machine {
        initial: "registered",
        rules: vec![
            step("registered", "judged"),
            step("judged", "investigating"),
            // Not justified: answer the customer tactfully and close with a reason.
            with_reason(step("judged", "closed")),
            step("investigating", "proposed"),
            by_lead(step("proposed", "approved")),
            by_lead(with_reason(step("proposed", "investigating"))),
            step("approved", "implemented"),
            step("implemented", "follow_up"),
            // The supervisor's review (总结) closes it.
            by_lead(step("follow_up", "closed")),
            with_reason(step("closed", "reopened")),
            step("reopened", "investigating"),
        ],
    }
}

/// A lead's stages; losing a lead (战败) needs the sales manager's approval.
fn lead_stage() -> Machine {
    let mut rules = vec![
        step("new", "following"),
        step("following", "test_drive"),
        step("following", "order"),
        step("test_drive", "following"),
        step("test_drive", "order"),
        step("order", "delivered"),
        by_lead(step("lost_pending", "lost")),
        by_lead(step("lost_pending", "following")),
    ];
    for open in ["new", "following", "test_drive", "order"] {
        rules.push(with_reason(step(open, "lost_pending")));
    }
    Machine {
        initial: "new",
        rules,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complaints_follow_the_closed_loop() {
        let m = StateMachines::standard();
        let kind = RecordKind::Complaint;
        let ok = |cur: &str, to: &str, reason: Option<&str>| {
            m.check(kind, "status", cur, cur, to, reason).is_ok()
        };
        assert!(ok("registered", "judged", None));
        assert!(!ok("registered", "closed", None));
        assert!(!ok("judged", "closed", None));
        assert!(ok(
            "judged",
            "closed",
            Some("not justified: tyre wear is normal")
        ));
        assert!(!ok("closed", "reopened", Some("  ")));
        assert!(ok("closed", "reopened", Some("customer called again")));
        let approve = m
            .check(kind, "status", "proposed", "proposed", "approved", None)
            .expect("allowed");
        assert!(approve.needs_lead);
    }

    #[test]
    fn a_stale_from_is_refused_with_the_current_state() {
        let m = StateMachines::standard();
        let err = m
            .check(
                RecordKind::Lead,
                "stage",
                "order",
                "following",
                "test_drive",
                None,
            )
            .expect_err("stale");
        assert!(err.to_string().contains("now \"order\""), "{err}");
    }

    #[test]
    fn illegal_moves_are_refused() {
        let m = StateMachines::standard();
        for (kind, field, from, to) in [
            (RecordKind::CallbackTask, "status", "completed", "open"),
            (RecordKind::CallbackTask, "status", "open", "completed"),
            (RecordKind::Lead, "stage", "new", "delivered"),
            (RecordKind::Lead, "stage", "lost", "following"),
            (RecordKind::Complaint, "status", "registered", "approved"),
        ] {
            assert!(matches!(
                m.check(kind, field, from, from, to, Some("why")),
                Err(TransitionError::Illegal { .. })
            ));
        }
        assert!(matches!(
            m.check(RecordKind::Customer, "status", "a", "a", "b", None),
            Err(TransitionError::NoMachine { .. })
        ));
    }
}
