//! The shape of synced records: entities whose fields each carry the stamp of their last
//! write, and append-only events. These are the snapshots the server stores and sends.

use super::hlc::Hlc;
use super::ids::RecordId;
use super::kind::RecordKind;
use crate::{StoreId, UserId};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// Where a record lives: the store, and the person it belongs to (the agent a callback is
/// assigned to, the advisor who owns a lead). Moving ownership is a change of scope.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Scope {
    pub store: StoreId,
    pub owner: Option<UserId>,
}

/// One field's current value and who wrote it when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldState {
    pub value: Value,
    pub stamp: Hlc,
    pub by: UserId,
}

/// A deleted entity keeps its id and fields (for the audit trail) under a tombstone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Tombstone {
    pub at: Hlc,
    pub by: UserId,
}

/// Two or more people changed one field of a complaint or a lead, each from a value the
/// others never saw. Every person's latest value is kept until someone resolves it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Conflict {
    pub record: RecordId,
    pub field: String,
    /// Each person's latest value, ordered by stamp (oldest first).
    pub candidates: Vec<FieldState>,
    /// The stamp of the value the field shows meanwhile: the latest candidate. A `SetFields`
    /// whose `base` is this stamp (the person saw the conflict) resolves it.
    pub winner: Hlc,
}

/// A mutable record: customer, vehicle, callback task, complaint, lead, ...
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Entity {
    pub id: RecordId,
    pub kind: RecordKind,
    pub scope: Scope,
    pub fields: BTreeMap<String, FieldState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tombstone: Option<Tombstone>,
    /// Open conflicts, by field.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub conflicts: BTreeMap<String, Conflict>,
    /// The record's position in the server's change feed (0 while only on the device).
    pub version: u64,
}

/// An append-only record: call attempt, callback record, complaint step, ...
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Event {
    pub id: RecordId,
    pub kind: RecordKind,
    pub scope: Scope,
    pub fields: BTreeMap<String, Value>,
    pub stamp: Hlc,
    pub by: UserId,
    pub version: u64,
}

/// A record snapshot as stored and synced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Record {
    Entity(Entity),
    Event(Event),
}

/// What visibility rules look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordMeta<'a> {
    pub kind: RecordKind,
    pub scope: &'a Scope,
}

impl Record {
    pub fn id(&self) -> RecordId {
        match self {
            Record::Entity(e) => e.id,
            Record::Event(e) => e.id,
        }
    }

    pub fn kind(&self) -> RecordKind {
        match self {
            Record::Entity(e) => e.kind,
            Record::Event(e) => e.kind,
        }
    }

    pub fn scope(&self) -> &Scope {
        match self {
            Record::Entity(e) => &e.scope,
            Record::Event(e) => &e.scope,
        }
    }

    pub fn scope_mut(&mut self) -> &mut Scope {
        match self {
            Record::Entity(e) => &mut e.scope,
            Record::Event(e) => &mut e.scope,
        }
    }

    pub fn meta(&self) -> RecordMeta<'_> {
        RecordMeta {
            kind: self.kind(),
            scope: self.scope(),
        }
    }

    pub fn version(&self) -> u64 {
        match self {
            Record::Entity(e) => e.version,
            Record::Event(e) => e.version,
        }
    }

    pub fn set_version(&mut self, version: u64) {
        match self {
            Record::Entity(e) => e.version = version,
            Record::Event(e) => e.version = version,
        }
    }

    /// The latest stamp anywhere in the record; a device observes it so its next edit is later.
    pub fn max_stamp(&self) -> Option<Hlc> {
        match self {
            Record::Event(e) => Some(e.stamp),
            Record::Entity(e) => e
                .fields
                .values()
                .map(|f| f.stamp)
                .chain(e.tombstone.as_ref().map(|t| t.at))
                .chain(
                    e.conflicts
                        .values()
                        .flat_map(|c| c.candidates.iter().map(|f| f.stamp)),
                )
                .max(),
        }
    }

    pub fn as_entity(&self) -> Option<&Entity> {
        match self {
            Record::Entity(e) => Some(e),
            Record::Event(_) => None,
        }
    }

    /// Deleted entities stay as tombstones; the app hides them.
    pub fn is_deleted(&self) -> bool {
        matches!(
            self,
            Record::Entity(Entity {
                tombstone: Some(_),
                ..
            })
        )
    }
}

impl Entity {
    /// A field's value, if set.
    pub fn value(&self, field: &str) -> Option<&Value> {
        self.fields.get(field).map(|f| &f.value)
    }
}
