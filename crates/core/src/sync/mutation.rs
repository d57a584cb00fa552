//! A mutation is one local change, as the device records it in its outbox and pushes it.

use super::hlc::Hlc;
use super::ids::{ClientId, MutationId, RecordId};
use super::kind::RecordKind;
use super::record::Scope;
use crate::UserId;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// One change made on a device. Applied locally and appended to the outbox in one store
/// transaction; pushed until the server answers for it; replayed harmlessly (the server
/// remembers every `mutation_id`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Mutation {
    pub mutation_id: MutationId,
    pub client_id: ClientId,
    /// The device's sequence number: mutations are pushed in this order.
    pub client_seq: u64,
    /// The stamp of every field this mutation writes.
    pub hlc: Hlc,
    /// Who made the change (the server checks it is the signed-in user).
    pub user: UserId,
    pub kind: RecordKind,
    pub record_id: RecordId,
    pub op: Op,
    /// The step this mutation is part of: the id shared by the mutations one person saved
    /// together (one `Replica::write_all` of two or more writes); `None` for a change saved
    /// alone. The server refuses a step from its first refused mutation on, and a device
    /// never splits a step across two pushes. Outboxes and pushes from before steps existed
    /// read as `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<MutationId>,
}

/// What a mutation does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Op {
    /// Creates an entity. Status fields left out start in their machine's initial state.
    Create {
        scope: Scope,
        fields: BTreeMap<String, Value>,
    },
    /// Sets fields of an entity; each write says which stamp its editor last saw.
    SetFields { writes: Vec<FieldWrite> },
    /// Writes an event (once: the same record id again is a duplicate).
    AppendEvent {
        scope: Scope,
        fields: BTreeMap<String, Value>,
    },
    /// Moves a status field along its state machine. `from` must be the current value.
    Transition {
        field: String,
        from: String,
        to: String,
        /// Required by some moves (closing a complaint as not justified, reopening it,
        /// declaring a lead lost); stored in the field `<field>_reason`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// Deletes an entity (it stays as a tombstone).
    Delete,
    /// Gives a record to another owner (or store): a lead role's decision.
    MoveScope { to: Scope },
}

/// One field written by [`Op::SetFields`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldWrite {
    pub field: String,
    pub value: Value,
    /// The stamp of the field's value the editor saw (`None`: the field was empty for them).
    /// Setting it to a conflict's winner resolves the conflict.
    pub base: Option<Hlc>,
}

impl Op {
    /// The op's name, for logs and reasons.
    pub fn name(&self) -> &'static str {
        match self {
            Op::Create { .. } => "create",
            Op::SetFields { .. } => "set_fields",
            Op::AppendEvent { .. } => "append_event",
            Op::Transition { .. } => "transition",
            Op::Delete => "delete",
            Op::MoveScope { .. } => "move_scope",
        }
    }

    /// The scope a record gets from this op, if the op sets one.
    pub fn new_scope(&self) -> Option<&Scope> {
        match self {
            Op::Create { scope, .. } | Op::AppendEvent { scope, .. } => Some(scope),
            Op::MoveScope { to } => Some(to),
            _ => None,
        }
    }
}

/// The field that keeps the reason given for a transition of `field`.
pub fn reason_field(field: &str) -> String {
    format!("{field}_reason")
}
