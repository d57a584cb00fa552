//! Who may do what, as data: one matrix of role × record kind × action, defined here once.
//!
//! Everything that decides access asks [`allows`]: the sync rules over records
//! ([`crate::sync::scope`], which the server runs on every push and pull and the device runs
//! before it saves), the server's blob and report endpoints, and the pages that offer a button
//! or not. A cell is the [`Reach`] the role has over records of the kind for the action (only
//! its own, its store's, or the whole group's), or `None`. [`view`] says in which cells a
//! field group is shown masked. `docs/access-control.md` is this matrix rendered by
//! [`markdown`]; a test keeps the two equal.
//!
//! What the matrix decides (DOMAIN.md "People and roles"):
//!
//! - **Read.** Care agents see the store's care records, sales advisors their own leads and
//!   the store's test-drive bookings, supervisors and managers their department's records of
//!   the store (the care supervisor care and the audit trail, the sales manager sales and the
//!   audit trail), the store manager the whole store, the group manager every store of the
//!   group. Whatever is someone's own (its owner is them) they always see: a device must
//!   receive the result of its own writes.
//! - **Create, Edit, Transition.** The front line writes the records of its work: agents the
//!   store's customers, cars, appointments and complaints and their own callbacks, attempts,
//!   callback forms and complaint steps; advisors their own leads, test drives and follow-ups.
//!   Supervisors and managers write what they see, except the audit trail's other readers.
//! - **Edit by field group.** A record's fields fall into groups ([`field_group`]): a
//!   customer's, lead's or complaint's phone number is [`FieldGroup::Contact`], which the
//!   roles that see it masked may not write (a masked number can never be written back); a
//!   complaint's registration form is [`FieldGroup::Registration`], frozen once the complaint
//!   is judged ([`locked`]); a complaint's approval and review, and the timeline steps that
//!   record them, are [`FieldGroup::Approval`], written only by supervisors and managers.
//! - **Approve, Delete, Reassign.** The moves of a state machine that need a lead (approving
//!   a resolution, closing a complaint, declaring a lead lost), deleting a record and giving it
//!   to someone else are the leads' (supervisor, manager) of their department.
//! - **Export.** Taking records out of the app as a file or as the store's figures needs a
//!   supervisor or a manager, over what they read at their store's (or group's) reach.

use crate::Role;
use crate::privacy::PHONE_FIELDS;
use crate::sync::{Area, RecordKind};
use serde_json::Value;
use std::fmt;

/// Which records of a kind a cell covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reach {
    /// Only records owned by the user.
    Own,
    /// Every record of the user's store.
    Store,
    /// Every record of every store of the group.
    Group,
}

impl Reach {
    pub fn as_str(self) -> &'static str {
        match self {
            Reach::Own => "own",
            Reach::Store => "store",
            Reach::Group => "group",
        }
    }
}

/// The fields of a record that share one rule for who may write them (and, for
/// [`FieldGroup::Contact`], who sees them in full).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FieldGroup {
    /// Everything not in another group: the record's ordinary content. A field this module
    /// does not know is a detail, deliberately: groups carve out the fields with stricter
    /// rules, so a new field is as writable as the record it belongs to, and a stricter rule
    /// is a line here (with the test table's line beside it).
    Details,
    /// A phone number of a customer or complainant ([`PHONE_FIELDS`]).
    Contact,
    /// A complaint's registration form (顾客投诉登记表), frozen once it was judged.
    Registration,
    /// A complaint's approval and review, and the timeline steps that record a lead's
    /// decision (approved, sent back, closed).
    Approval,
}

impl FieldGroup {
    pub const ALL: [FieldGroup; 4] = [
        FieldGroup::Details,
        FieldGroup::Contact,
        FieldGroup::Registration,
        FieldGroup::Approval,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FieldGroup::Details => "details",
            FieldGroup::Contact => "contact",
            FieldGroup::Registration => "registration",
            FieldGroup::Approval => "approval",
        }
    }
}

impl fmt::Display for FieldGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Something a person does with records of a kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    /// See the record (pull it, open its blobs).
    Read,
    /// Create an entity or write an event.
    Create,
    /// Write fields of one group (of an entity; of an event as it is written).
    Edit(FieldGroup),
    /// Move a status along its state machine.
    Transition,
    /// Make a move of a state machine that needs a lead (an approval).
    Approve,
    /// Delete an entity (it stays as a tombstone).
    Delete,
    /// Give the record to another owner.
    Reassign,
    /// Take records out of the app: a sheet, a report's figures.
    Export,
}

impl Action {
    /// Every action that applies to `kind`, in the order the matrix lists them: entities are
    /// edited (by group), moved and deleted; events are written once.
    pub fn all_for(kind: RecordKind) -> Vec<Action> {
        let mut out = vec![Action::Read, Action::Create];
        out.extend(groups(kind).iter().map(|g| Action::Edit(*g)));
        if !kind.is_event() {
            out.extend([Action::Transition, Action::Approve, Action::Delete]);
        }
        out.extend([Action::Reassign, Action::Export]);
        out
    }

    /// Whether the action applies to records of `kind` (it is one of [`Action::all_for`]):
    /// cheap, as it is asked for every record a pull sends.
    pub fn applies_to(self, kind: RecordKind) -> bool {
        match self {
            Action::Edit(group) => groups(kind).contains(&group),
            Action::Transition | Action::Approve | Action::Delete => !kind.is_event(),
            Action::Read | Action::Create | Action::Reassign | Action::Export => true,
        }
    }

    pub fn name(self) -> String {
        match self {
            Action::Read => "read".to_owned(),
            Action::Create => "create".to_owned(),
            Action::Edit(g) => format!("edit {g}"),
            Action::Transition => "transition".to_owned(),
            Action::Approve => "approve".to_owned(),
            Action::Delete => "delete".to_owned(),
            Action::Reassign => "reassign".to_owned(),
            Action::Export => "export".to_owned(),
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// How a role sees a group of fields of a record it reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum View {
    Full,
    /// Phone numbers as `138****5678` ([`crate::privacy::mask_phone`]).
    Masked,
}

/// The field groups records of `kind` have.
pub fn groups(kind: RecordKind) -> &'static [FieldGroup] {
    use FieldGroup as G;
    match kind {
        RecordKind::Customer | RecordKind::Lead => &[G::Details, G::Contact],
        RecordKind::Complaint => &[G::Details, G::Contact, G::Registration, G::Approval],
        RecordKind::ComplaintStep => &[G::Details, G::Approval],
        _ => &[G::Details],
    }
}

/// A complaint's registration form (besides its phone, which is [`FieldGroup::Contact`]).
const COMPLAINT_REGISTRATION: [&str; 12] = [
    "customer",
    "complainant",
    "channel",
    "received_at",
    "vehicle",
    "work_order",
    "task",
    "category",
    "severity",
    "content",
    "demand",
    "agent",
];

/// The timeline steps that record a lead's decision.
const LEAD_STEPS: [&str; 3] = ["approved", "sent_back", "closed"];

/// The group of `field` of a `kind` record written with `value`. Two groups depend on the
/// value, not only the name: a complaint's `approved` cleared (`null`, as reopening a
/// complaint does) is a detail anyone handling it writes, set it is an approval; a
/// complaint step's `step` is an approval when it names a lead's step. Unknown fields are
/// [`FieldGroup::Details`] (see there why).
pub fn field_group(kind: RecordKind, field: &str, value: &Value) -> FieldGroup {
    let group = match kind {
        RecordKind::Customer | RecordKind::Lead if PHONE_FIELDS.contains(&field) => {
            FieldGroup::Contact
        }
        RecordKind::Complaint => {
            if PHONE_FIELDS.contains(&field) {
                FieldGroup::Contact
            } else if COMPLAINT_REGISTRATION.contains(&field) {
                FieldGroup::Registration
            } else if matches!(field, "review" | "improvements")
                || (field == "approved" && !value.is_null())
            {
                FieldGroup::Approval
            } else {
                FieldGroup::Details
            }
        }
        RecordKind::ComplaintStep
            if field == "step" && value.as_str().is_some_and(|s| LEAD_STEPS.contains(&s)) =>
        {
            FieldGroup::Approval
        }
        _ => FieldGroup::Details,
    };
    debug_assert!(groups(kind).contains(&group));
    group
}

/// Why a group of a record's fields may not be written in the record's current state, if it
/// may not: a complaint's registration form (and its phone) once it left `registered`, i.e.
/// was judged. `status` is the record's status field (`None`: not set).
pub fn locked(kind: RecordKind, group: FieldGroup, status: Option<&str>) -> Option<String> {
    match (kind, group) {
        (RecordKind::Complaint, FieldGroup::Registration | FieldGroup::Contact)
            if status.is_some_and(|s| s != "registered") =>
        {
            Some(format!(
                "the complaint's registration form is closed once it was judged (it is {})",
                status.unwrap_or_default()
            ))
        }
        _ => None,
    }
}

/// The roles that never see customers' numbers in full: they read figures and other
/// people's records, they do not call customers.
fn sees_numbers_masked(role: Role) -> bool {
    matches!(
        role,
        Role::SalesManager | Role::StoreManager | Role::GroupManager
    )
}

/// What `role` reads of records of `kind`, at the widest: records it owns it always reads.
fn read_reach(role: Role, kind: RecordKind) -> Reach {
    let store = match (role, kind.area()) {
        (Role::GroupManager, _) => return Reach::Group,
        (Role::StoreManager, _) => true,
        (Role::CareAgent, Area::Care) => true,
        (Role::CareSupervisor, Area::Care | Area::Audit) => true,
        (Role::SalesManager, Area::Sales | Area::Audit) => true,
        // The test-drive fleet's bookings (a car, a slot, an opaque lead id: no customer's
        // details) are every advisor's to see, so nobody books a car that is taken.
        (Role::SalesAdvisor, _) => kind == RecordKind::TestDrive,
        _ => false,
    };
    if store { Reach::Store } else { Reach::Own }
}

/// What `role` writes of records of `kind` (create, edit details, move a status), and
/// whether it also leads them (approvals, deletes, reassigning).
fn write_cell(role: Role, kind: RecordKind) -> Option<(Reach, bool)> {
    use RecordKind as K;
    match (role, kind.area()) {
        (Role::GroupManager, _) => Some((Reach::Group, true)),
        (Role::StoreManager, _) => Some((Reach::Store, true)),
        (Role::CareSupervisor, Area::Care | Area::Audit) => Some((Reach::Store, true)),
        (Role::SalesManager, Area::Sales | Area::Audit) => Some((Reach::Store, true)),
        (Role::CareAgent, _) => match kind {
            K::Customer | K::Vehicle | K::Appointment | K::Complaint => Some((Reach::Store, false)),
            K::CallbackTask
            | K::CallAttempt
            | K::CallbackRecord
            | K::ComplaintStep
            | K::Signature
            | K::AuditEntry => Some((Reach::Own, false)),
            // Scripts are the supervisors'; service visits come from the DMS import.
            _ => None,
        },
        (Role::SalesAdvisor, Area::Sales) => Some((Reach::Own, false)),
        (Role::SalesAdvisor, _) => match kind {
            K::Signature | K::AuditEntry => Some((Reach::Own, false)),
            _ => None,
        },
        _ => None,
    }
}

/// The matrix: the reach `role` has over records of `kind` for `action`, or `None` when it
/// may not. An action that does not apply to the kind ([`Action::all_for`]) is `None`.
pub fn allows(role: Role, kind: RecordKind, action: Action) -> Option<Reach> {
    if !action.applies_to(kind) {
        return None;
    }
    let write = write_cell(role, kind);
    let reach = write.map(|(reach, _)| reach);
    let leads = write.and_then(|(reach, lead)| lead.then_some(reach));
    match action {
        Action::Read => Some(read_reach(role, kind)),
        Action::Create | Action::Transition => reach,
        Action::Edit(FieldGroup::Details | FieldGroup::Registration) => reach,
        Action::Edit(FieldGroup::Contact) if sees_numbers_masked(role) => None,
        Action::Edit(FieldGroup::Contact) => reach,
        Action::Edit(FieldGroup::Approval) | Action::Approve | Action::Delete => leads,
        Action::Reassign => leads,
        Action::Export => {
            let read = read_reach(role, kind);
            (role.is_lead() && read >= Reach::Store).then_some(read)
        }
    }
}

/// How `role` sees the `group` fields of `kind` records it reads.
pub fn view(role: Role, kind: RecordKind, group: FieldGroup) -> View {
    if group == FieldGroup::Contact && groups(kind).contains(&group) && sees_numbers_masked(role) {
        View::Masked
    } else {
        View::Full
    }
}

/// One cell as the docs print it: `—` for none, else the reach (and "masked" where the
/// role reads the group masked).
pub fn cell_text(role: Role, kind: RecordKind, action: Action) -> String {
    let mut text = match allows(role, kind, action) {
        None => "—".to_owned(),
        Some(reach) => reach.as_str().to_owned(),
    };
    if action == Action::Read
        && groups(kind)
            .iter()
            .any(|g| view(role, kind, *g) == View::Masked)
    {
        text.push_str(", phone masked");
    }
    text
}

/// The matrix as Markdown: one table per record kind, a row per action, a column per role.
pub fn markdown() -> String {
    let mut out = String::new();
    out.push_str(
        "<!-- generated by huifang_core::access::markdown(); the test \
         `access::tests::the_docs_show_the_matrix` compares -->\n",
    );
    for kind in RecordKind::ALL {
        out.push_str(&format!("\n### {kind}\n\n| action |"));
        for role in Role::ALL {
            out.push_str(&format!(" {role} |"));
        }
        out.push_str("\n| --- |");
        for _ in Role::ALL {
            out.push_str(" --- |");
        }
        out.push('\n');
        for action in Action::all_for(kind) {
            out.push_str(&format!("| {action} |"));
            for role in Role::ALL {
                out.push_str(&format!(" {} |", cell_text(role, kind, action)));
            }
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests;
