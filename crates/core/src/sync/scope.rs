//! Who may see and change which records. Pure functions of the user, the record's kind and
//! scope, and the mutation; the server enforces them on every push and pull, the device runs
//! them first so a forbidden edit is refused before it is ever "saved".
//!
//! Kept deliberately small and table-like: [`grant`] is the whole write matrix.

use super::kind::{Area, RecordKind};
use super::machine::StateMachines;
use super::mutation::{Mutation, Op};
use super::record::{Record, RecordMeta, Scope};
use crate::{Role, StoreId, UserId};
use serde::{Deserialize, Serialize};

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

/// Which records of a kind a grant covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Only records owned by the user.
    Own,
    /// Every record of the user's store.
    Store,
    /// Every record of every store of the group.
    Group,
}

/// What a role may write of one kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant {
    pub reach: Reach,
    /// May delete records, move them to another owner, and make the moves of a state machine
    /// that need a lead's approval.
    pub manage: bool,
}

const fn grant_of(reach: Reach, manage: bool) -> Option<Grant> {
    Some(Grant { reach, manage })
}

/// The write matrix: what `role` may write of `kind`.
pub fn grant(role: Role, kind: RecordKind) -> Option<Grant> {
    use RecordKind as K;
    match (role, kind.area()) {
        (Role::GroupManager, _) => grant_of(Reach::Group, true),
        (Role::StoreManager, _) => grant_of(Reach::Store, true),
        (Role::CareSupervisor, Area::Care | Area::Audit) => grant_of(Reach::Store, true),
        (Role::SalesManager, Area::Sales | Area::Audit) => grant_of(Reach::Store, true),
        (Role::CareAgent, _) => match kind {
            K::Customer | K::Vehicle | K::Appointment | K::Complaint => {
                grant_of(Reach::Store, false)
            }
            K::CallbackTask
            | K::CallAttempt
            | K::CallbackRecord
            | K::ComplaintStep
            | K::Signature
            | K::AuditEntry => grant_of(Reach::Own, false),
            // Scripts are the supervisors'; service visits come from the DMS import.
            _ => None,
        },
        (Role::SalesAdvisor, Area::Sales) => grant_of(Reach::Own, false),
        (Role::SalesAdvisor, _) => match kind {
            K::Signature | K::AuditEntry => grant_of(Reach::Own, false),
            _ => None,
        },
        _ => None,
    }
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
    #[error("the mutation was made by another user than the one signed in")]
    WrongUser,
}

/// Whether `user` may see a record.
pub fn can_read(user: &UserCtx, meta: &RecordMeta<'_>) -> bool {
    if user.role == Role::GroupManager {
        return true;
    }
    if meta.scope.store != user.store {
        return false;
    }
    if meta.scope.owner.as_ref() == Some(&user.user) {
        return true;
    }
    // The test-drive fleet's bookings (a car, a slot, an opaque lead id: no customer's
    // details) are every advisor's to see, so nobody books a car that is taken.
    if user.role == Role::SalesAdvisor && meta.kind == RecordKind::TestDrive {
        return true;
    }
    matches!(
        (user.role, meta.kind.area()),
        (Role::StoreManager, _)
            | (Role::CareAgent, Area::Care)
            | (Role::CareSupervisor, Area::Care | Area::Audit)
            | (Role::SalesManager, Area::Sales | Area::Audit)
    )
}

fn covers(user: &UserCtx, grant: Grant, scope: &Scope, kind: RecordKind) -> Result<(), ScopeError> {
    match grant.reach {
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
    let grant = grant(user.role, kind).ok_or(ScopeError::KindNotAllowed {
        role: user.role,
        kind,
    })?;
    match (&m.op, current) {
        (Op::Create { .. } | Op::AppendEvent { .. }, _) => {}
        (_, None) => return Err(not_found()),
        (_, Some(cur)) => covers(user, grant, cur.scope(), kind)?,
    }
    let needs_lead = |what: &str| {
        if grant.manage {
            Ok(())
        } else {
            Err(ScopeError::NeedsLead {
                what: what.to_owned(),
            })
        }
    };
    match &m.op {
        Op::Delete => needs_lead(&format!("delete a {kind}"))?,
        Op::MoveScope { .. } => needs_lead(&format!("give a {kind} to someone else"))?,
        Op::Transition {
            field, from, to, ..
        } => {
            let lead_only = machines
                .machine(kind, field)
                .and_then(|machine| machine.rule(from, to))
                .is_some_and(|rule| rule.needs_lead);
            if lead_only {
                needs_lead(&format!("move a {kind} from {from} to {to}"))?;
            }
        }
        _ => {}
    }
    if let Some(scope) = m.op.new_scope() {
        covers(user, grant, scope, kind)?;
        if !can_read(user, &RecordMeta { kind, scope }) {
            return Err(ScopeError::NotOwner {
                role: user.role,
                kind,
            });
        }
    }
    Ok(())
}
