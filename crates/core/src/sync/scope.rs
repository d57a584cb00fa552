//! Who may see and change which records: the enforcement of the access matrix
//! ([`crate::access`]) over records and mutations. Pure functions of the user, the record's
//! kind, scope and state, and the mutation; the server enforces them on every push and pull,
//! the device runs them first so a forbidden edit is refused before it is ever "saved".

use super::kind::RecordKind;
use super::machine::StateMachines;
use super::mutation::{Mutation, Op};
use super::record::{Record, RecordMeta, Scope};
pub use crate::access::Reach;
use crate::access::{self, Action, FieldGroup, View};
use crate::{Role, StoreId, UserId};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The signed-in person, as the server knows them from the session.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct UserCtx {
    pub user: UserId,
    pub role: Role,
    pub store: StoreId,
}

impl UserCtx {
    /// The signed-in person as the rules see them: the server builds it from the session,
    /// the device from the cached profile.
    pub fn of(profile: &crate::UserProfile) -> Self {
        UserCtx {
            user: profile.id.clone(),
            role: profile.role,
            store: profile.store_id.clone(),
        }
    }
}

/// What a role may write of one kind, as [`grant`] sums the matrix up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant {
    pub reach: Reach,
    /// May delete records, move them to another owner, and make the moves of a state machine
    /// that need a lead's approval.
    pub manage: bool,
}

/// The matrix summed up for pages that only ask "may this role write this kind, and does it
/// lead it": the reach of [`Action::Create`], and whether the role may also reassign.
pub fn grant(role: Role, kind: RecordKind) -> Option<Grant> {
    access::allows(role, kind, Action::Create).map(|reach| Grant {
        reach,
        manage: access::allows(role, kind, Action::Reassign).is_some(),
    })
}

/// Why a user may not do something.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScopeError {
    #[error("the {kind} {record} does not exist (or is not visible to you)")]
    NotFound { kind: RecordKind, record: String },
    #[error("a {role} may not change {kind} records")]
    KindNotAllowed { role: Role, kind: RecordKind },
    #[error("a {role} may change only {kind} records that belong to them")]
    NotOwner { role: Role, kind: RecordKind },
    #[error("this {kind} belongs to another store")]
    OtherStore { kind: RecordKind },
    #[error("only a supervisor or manager may {what}")]
    NeedsLead { what: String },
    #[error("a {role} may not write the {field} of a {kind} ({group} fields)")]
    FieldNotAllowed {
        role: Role,
        kind: RecordKind,
        field: String,
        group: FieldGroup,
    },
    #[error("the {field} of this {kind} cannot change now: {reason}")]
    Locked {
        kind: RecordKind,
        field: String,
        reason: String,
    },
    #[error("the {field} of a {kind} may not be set to a masked number ({value})")]
    MaskedValue {
        kind: RecordKind,
        field: String,
        value: String,
    },
    #[error("the mutation was made by another user than the one signed in")]
    WrongUser,
}

/// Whether `reach` covers a record in `scope` for `user`.
fn reaches(user: &UserCtx, reach: Reach, scope: &Scope) -> bool {
    match reach {
        Reach::Group => true,
        _ if scope.store != user.store => false,
        Reach::Store => true,
        Reach::Own => scope.owner.as_ref() == Some(&user.user),
    }
}

/// Whether `user` may see a record ([`Action::Read`]).
pub fn can_read(user: &UserCtx, meta: &RecordMeta<'_>) -> bool {
    access::allows(user.role, meta.kind, Action::Read)
        .is_some_and(|reach| reaches(user, reach, meta.scope))
}

/// How `user` sees the `group` fields of records of `kind` ([`access::view`]).
pub fn view(user: &UserCtx, kind: RecordKind, group: FieldGroup) -> View {
    access::view(user.role, kind, group)
}

fn covers(user: &UserCtx, reach: Reach, scope: &Scope, kind: RecordKind) -> Result<(), ScopeError> {
    match reach {
        Reach::Group => Ok(()),
        _ if scope.store != user.store => Err(ScopeError::OtherStore { kind }),
        Reach::Store => Ok(()),
        Reach::Own if scope.owner.as_ref() == Some(&user.user) => Ok(()),
        Reach::Own => Err(ScopeError::NotOwner {
            role: user.role,
            kind,
        }),
    }
}

/// The record's status, which decides whether a field group is [`access::locked`].
fn status_of(current: Option<&Record>) -> Option<&str> {
    current
        .and_then(Record::as_entity)
        .and_then(|e| e.value("status"))
        .and_then(Value::as_str)
}

/// Checks one field a mutation writes: its group must be the user's to write (on creation
/// the contact group comes with the record: a number typed in, never one seen masked), not
/// locked in the record's state, and a phone never a masked number.
fn check_field(
    user: &UserCtx,
    kind: RecordKind,
    field: &str,
    value: &Value,
    creating: bool,
    status: Option<&str>,
) -> Result<(), ScopeError> {
    let group = access::field_group(kind, field, value);
    if !(creating && group == FieldGroup::Contact)
        && access::allows(user.role, kind, Action::Edit(group)).is_none()
    {
        return Err(if group == FieldGroup::Approval {
            ScopeError::NeedsLead {
                what: format!("write the {kind}'s {field}"),
            }
        } else {
            ScopeError::FieldNotAllowed {
                role: user.role,
                kind,
                field: field.to_owned(),
                group,
            }
        });
    }
    if let Some(reason) = access::locked(kind, group, status) {
        return Err(ScopeError::Locked {
            kind,
            field: field.to_owned(),
            reason,
        });
    }
    if group == FieldGroup::Contact
        && let Some(text) = value.as_str()
        && crate::privacy::is_masked(text)
    {
        return Err(ScopeError::MaskedValue {
            kind,
            field: field.to_owned(),
            value: text.to_owned(),
        });
    }
    Ok(())
}

/// Checks the fields `op` writes against the matrix's field groups, in the state of
/// `current` (the record as it stands; `None` when there is none): a complaint's approval and
/// review, and the steps that record them, only from a lead; its registration only before it
/// was judged; contact fields not from the roles that see them masked.
pub fn check_fields(
    user: &UserCtx,
    kind: RecordKind,
    op: &Op,
    current: Option<&Record>,
) -> Result<(), ScopeError> {
    let status = status_of(current);
    match op {
        Op::Create { fields, .. } | Op::AppendEvent { fields, .. } => fields
            .iter()
            .try_for_each(|(field, value)| check_field(user, kind, field, value, true, None)),
        Op::SetFields { writes } => writes
            .iter()
            .try_for_each(|w| check_field(user, kind, &w.field, &w.value, false, status)),
        Op::Transition { .. } | Op::Delete | Op::MoveScope { .. } => Ok(()),
    }
}

/// Whether `user` may apply `m` to the record as it stands (`None`: no such record).
/// Also requires that the user can still see the record afterwards, so their device
/// receives the result.
pub fn can_apply(
    user: &UserCtx,
    m: &Mutation,
    current: Option<&Record>,
    machines: &StateMachines,
) -> Result<(), ScopeError> {
    if m.user != user.user {
        return Err(ScopeError::WrongUser);
    }
    let kind = m.kind;
    let not_found = || ScopeError::NotFound {
        kind,
        record: m.record_id.to_string(),
    };
    // A record the user cannot see is, for them, a record that does not exist.
    if let Some(cur) = current
        && !can_read(user, &cur.meta())
    {
        return Err(not_found());
    }
    // Whoever writes nothing of a kind changes none of it.
    let reach =
        access::allows(user.role, kind, Action::Create).ok_or(ScopeError::KindNotAllowed {
            role: user.role,
            kind,
        })?;
    match (&m.op, current) {
        (Op::Create { .. } | Op::AppendEvent { .. }, _) => {}
        (_, None) => return Err(not_found()),
        (_, Some(cur)) => covers(user, reach, cur.scope(), kind)?,
    }
    // Events are written once: the merge refuses any other change of one, with its reason.
    if kind.is_event()
        && matches!(
            m.op,
            Op::SetFields { .. } | Op::Transition { .. } | Op::Delete
        )
    {
        return Ok(());
    }
    let lead = |action: Action, what: String| match access::allows(user.role, kind, action) {
        Some(reach) => Ok(reach),
        None => Err(ScopeError::NeedsLead { what }),
    };
    let reach = match &m.op {
        Op::Create { .. } | Op::AppendEvent { .. } => reach,
        Op::Delete => lead(Action::Delete, format!("delete a {kind}"))?,
        Op::MoveScope { .. } => lead(Action::Reassign, format!("give a {kind} to someone else"))?,
        Op::Transition {
            field, from, to, ..
        } => {
            let needs_lead = machines
                .machine(kind, field)
                .and_then(|machine| machine.rule(from, to))
                .is_some_and(|rule| rule.needs_lead);
            let action = if needs_lead {
                Action::Approve
            } else {
                Action::Transition
            };
            lead(action, format!("move a {kind} from {from} to {to}"))?
        }
        Op::SetFields { writes } if writes.is_empty() => {
            access::allows(user.role, kind, Action::Edit(FieldGroup::Details)).ok_or(
                ScopeError::KindNotAllowed {
                    role: user.role,
                    kind,
                },
            )?
        }
        Op::SetFields { .. } => reach,
    };
    if let Some(cur) = current {
        covers(user, reach, cur.scope(), kind)?;
    }
    check_fields(user, kind, &m.op, current)?;
    if let Some(scope) = m.op.new_scope() {
        covers(user, reach, scope, kind)?;
        if !can_read(user, &RecordMeta { kind, scope }) {
            return Err(ScopeError::NotOwner {
                role: user.role,
                kind,
            });
        }
    }
    Ok(())
}

/// A phone as a reader who sees it masked gets it; other values as they are.
fn masked_value(value: &Value) -> Value {
    match value {
        Value::String(text) => Value::String(crate::privacy::mask_phone(text)),
        // A number stored as a number is still a number.
        Value::Number(n) => Value::String(crate::privacy::mask_phone(&n.to_string())),
        other => other.clone(),
    }
}

/// The record as `user` may see it: the fields of a group they read masked
/// ([`access::view`], the phones of customers, leads and complaints for the managers) masked
/// with [`crate::privacy::mask_phone`], in the fields and in any open conflict's candidates.
/// The server's pull sends every record through it.
pub fn as_seen_by(user: &UserCtx, mut record: Record) -> Record {
    let kind = record.kind();
    if !access::groups(kind)
        .iter()
        .any(|group| access::view(user.role, kind, *group) == View::Masked)
    {
        return record;
    }
    let hidden = |field: &str, value: &Value| {
        access::view(user.role, kind, access::field_group(kind, field, value)) == View::Masked
    };
    match &mut record {
        Record::Entity(e) => {
            for (name, state) in e.fields.iter_mut() {
                if hidden(name, &state.value) {
                    state.value = masked_value(&state.value);
                }
            }
            for (name, conflict) in e.conflicts.iter_mut() {
                for candidate in conflict.candidates.iter_mut() {
                    if hidden(name, &candidate.value) {
                        candidate.value = masked_value(&candidate.value);
                    }
                }
            }
        }
        Record::Event(e) => {
            for (name, value) in e.fields.iter_mut() {
                if hidden(name, value) {
                    *value = masked_value(value);
                }
            }
        }
    }
    record
}
