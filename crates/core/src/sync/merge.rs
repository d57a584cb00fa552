//! The merge rules: how one mutation changes one record. Pure and deterministic, so the server
//! (applying pushes) and the device (rebasing its outbox on pulled state) compute the same
//! record from the same inputs.
//!
//! - Per field, the later HLC stamp wins.
//! - For complaints and leads, a write made from a value the writer never saw, over a value
//!   written by someone else, keeps both as a [`Conflict`] until a person resolves it.
//! - Status fields move only by transitions along their [`StateMachines`].
//! - Events are written once; the same event again is unchanged, never a second event.

use super::hlc::Hlc;
use super::machine::{StateMachines, TransitionError};
use super::mutation::{FieldWrite, Mutation, Op, reason_field};
use super::record::{Conflict, Entity, Event, FieldState, Record, Tombstone};
use crate::UserId;
use serde_json::Value;
use std::collections::BTreeMap;

/// What applying a mutation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// The record as it is now (its `version` is left as it was; the server sets it).
    Changed(Record),
    /// The mutation changes nothing: its effect is already there (a replayed event, a
    /// delete of a deleted record, writes that all lost to later stamps).
    Unchanged,
}

/// Why a mutation cannot be applied to the record as it stands.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    #[error("the {kind} {record} does not exist (or is not visible to you)")]
    NotFound { kind: String, record: String },
    #[error("a record with id {record} already exists with different content")]
    AlreadyExists { record: String },
    #[error("the {kind} {record} was deleted")]
    Deleted { kind: String, record: String },
    #[error("{kind} records are events: they are written once and never changed ({op})")]
    EventsAreAppendOnly { kind: String, op: &'static str },
    #[error("{kind} records are not events: use create, not append_event")]
    NotAnEvent { kind: String },
    #[error("the record's kind is {actual}, not {claimed}")]
    KindMismatch { actual: String, claimed: String },
    #[error("{kind}.{field} is a status: change it with a transition")]
    UseTransition { kind: String, field: String },
    #[error("a new {kind} must start as {field} = {initial:?}")]
    BadInitialState {
        kind: String,
        field: String,
        initial: String,
    },
    #[error("nothing to change: the write lists no fields")]
    NoFields,
    #[error(transparent)]
    Transition(#[from] TransitionError),
}

/// Applies `m` to the record as it stands (`None`: no such record yet).
pub fn apply(
    current: Option<&Record>,
    m: &Mutation,
    machines: &StateMachines,
) -> Result<Effect, MergeError> {
    let kind = m.kind;
    if let Some(cur) = current
        && cur.kind() != kind
    {
        return Err(MergeError::KindMismatch {
            actual: cur.kind().to_string(),
            claimed: kind.to_string(),
        });
    }
    let new = match (&m.op, current) {
        (Op::Create { .. } | Op::AppendEvent { .. }, existing) => {
            let created = create(m, machines)?;
            return match existing {
                None => Ok(Effect::Changed(created)),
                Some(cur) if same_content(cur, &created) => Ok(Effect::Unchanged),
                Some(_) => Err(MergeError::AlreadyExists {
                    record: m.record_id.to_string(),
                }),
            };
        }
        (_, None) => {
            return Err(MergeError::NotFound {
                kind: kind.to_string(),
                record: m.record_id.to_string(),
            });
        }
        (Op::MoveScope { to }, Some(cur)) => {
            let mut next = cur.clone();
            *next.scope_mut() = to.clone();
            next
        }
        (_, Some(Record::Event(_))) => {
            return Err(MergeError::EventsAreAppendOnly {
                kind: kind.to_string(),
                op: m.op.name(),
            });
        }
        (Op::Delete, Some(Record::Entity(e))) => {
            if e.tombstone.is_some() {
                return Ok(Effect::Unchanged);
            }
            let mut next = e.clone();
            next.tombstone = Some(Tombstone {
                at: m.hlc,
                by: m.user.clone(),
            });
            Record::Entity(next)
        }
        (_, Some(Record::Entity(e))) if e.tombstone.is_some() => {
            return Err(MergeError::Deleted {
                kind: kind.to_string(),
                record: m.record_id.to_string(),
            });
        }
        (Op::SetFields { writes }, Some(Record::Entity(e))) => {
            if writes.is_empty() {
                return Err(MergeError::NoFields);
            }
            let mut next = e.clone();
            for write in writes {
                if machines.is_status(kind, &write.field) {
                    return Err(MergeError::UseTransition {
                        kind: kind.to_string(),
                        field: write.field.clone(),
                    });
                }
                merge_field(&mut next, write, m.hlc, &m.user);
            }
            Record::Entity(next)
        }
        (
            Op::Transition {
                field,
                from,
                to,
                reason,
            },
            Some(Record::Entity(e)),
        ) => {
            let current_state = e.value(field).and_then(Value::as_str).unwrap_or_default();
            machines.check(kind, field, current_state, from, to, reason.as_deref())?;
            let mut next = e.clone();
            // A status is not last-writer-wins: the machine already ordered the moves, so the
            // transition sets the field whatever the stamps say.
            next.fields.insert(field.clone(), state(to.clone(), m));
            if let Some(reason) = reason {
                next.fields
                    .insert(reason_field(field), state(reason.clone(), m));
            }
            Record::Entity(next)
        }
    };
    if Some(&new) == current {
        Ok(Effect::Unchanged)
    } else {
        Ok(Effect::Changed(new))
    }
}

fn state(value: impl Into<Value>, m: &Mutation) -> FieldState {
    FieldState {
        value: value.into(),
        stamp: m.hlc,
        by: m.user.clone(),
    }
}

fn create(m: &Mutation, machines: &StateMachines) -> Result<Record, MergeError> {
    let kind = m.kind;
    match &m.op {
        Op::AppendEvent { scope, fields } => {
            if !kind.is_event() {
                return Err(MergeError::NotAnEvent {
                    kind: kind.to_string(),
                });
            }
            Ok(Record::Event(Event {
                id: m.record_id,
                kind,
                scope: scope.clone(),
                fields: fields.clone(),
                stamp: m.hlc,
                by: m.user.clone(),
                version: 0,
            }))
        }
        Op::Create { scope, fields } => {
            if kind.is_event() {
                return Err(MergeError::EventsAreAppendOnly {
                    kind: kind.to_string(),
                    op: "create",
                });
            }
            let mut states: BTreeMap<String, FieldState> = fields
                .iter()
                .map(|(name, value)| (name.clone(), state(value.clone(), m)))
                .collect();
            for (field, initial) in machines.initial_states(kind) {
                match fields.get(field) {
                    None => {
                        states.insert(field.to_owned(), state(initial, m));
                    }
                    Some(v) if v.as_str() == Some(initial) => {}
                    Some(_) => {
                        return Err(MergeError::BadInitialState {
                            kind: kind.to_string(),
                            field: field.to_owned(),
                            initial: initial.to_owned(),
                        });
                    }
                }
            }
            Ok(Record::Entity(Entity {
                id: m.record_id,
                kind,
                scope: scope.clone(),
                fields: states,
                tombstone: None,
                conflicts: BTreeMap::new(),
                version: 0,
            }))
        }
        _ => Err(MergeError::NotFound {
            kind: kind.to_string(),
            record: m.record_id.to_string(),
        }),
    }
}

/// The same record apart from its feed position: a replayed create or event.
fn same_content(current: &Record, created: &Record) -> bool {
    let mut a = current.clone();
    a.set_version(0);
    &a == created
}

/// Merges one field write into an entity.
///
/// - No value yet, or a write that saw the current value: the later stamp wins, and a
///   write that saw the current winner resolves an open conflict.
/// - For complaints and leads, a write that did not see the current value, over a value
///   written by someone else, opens (or joins) a conflict. A conflict keeps each person's
///   latest value, minus values a later write was based on; the field shows the latest
///   candidate.
pub fn merge_field(entity: &mut Entity, write: &FieldWrite, stamp: Hlc, by: &UserId) {
    let incoming = FieldState {
        value: write.value.clone(),
        stamp,
        by: by.clone(),
    };
    let Some(current) = entity.fields.get(&write.field).cloned() else {
        entity.fields.insert(write.field.clone(), incoming);
        return;
    };
    if current.stamp == stamp {
        return; // the same write again
    }
    let saw_current = write.base == Some(current.stamp);
    let winner = if stamp > current.stamp {
        incoming.clone()
    } else {
        current.clone()
    };
    let concurrent = entity.kind.keeps_conflicts() && !saw_current && current.by != *by;
    let open = entity.conflicts.remove(&write.field);
    if saw_current && stamp > current.stamp {
        // Resolved (or never in conflict): the writer chose knowing the current value.
    } else if concurrent || open.is_some() {
        let mut candidates = open.map(|c| c.candidates).unwrap_or_default();
        keep_latest_per_person(&mut candidates, current);
        // The value the writer saw is superseded by their write (even if its stamp is higher:
        // a device clock corrected backwards), whatever order the writes arrive in.
        candidates.retain(|c| Some(c.stamp) != write.base);
        keep_latest_per_person(&mut candidates, incoming);
        if candidates.len() > 1 {
            candidates.sort_by_key(|c| c.stamp);
            entity.conflicts.insert(
                write.field.clone(),
                Conflict {
                    record: entity.id,
                    field: write.field.clone(),
                    candidates,
                    winner: winner.stamp,
                },
            );
        }
    }
    entity.fields.insert(write.field.clone(), winner);
}

fn keep_latest_per_person(candidates: &mut Vec<FieldState>, state: FieldState) {
    match candidates.iter_mut().find(|c| c.by == state.by) {
        Some(existing) if existing.stamp < state.stamp => *existing = state,
        Some(_) => {}
        None => candidates.push(state),
    }
}
