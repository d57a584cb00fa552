//! The matrix, every cell, against a table written out by hand: a change of who may do what
//! is made twice, here and in `access.rs`, on purpose.

use super::*;
use crate::sync::RecordKind as K;
use serde_json::json;

/// A row of the expected matrix: the kind, the action's name, and one cell per role in
/// [`Role::ALL`]'s order — care agent, care supervisor, sales advisor, sales manager,
/// store manager, group manager. `-` none, `O` own, `S` store, `G` group.
type Row = (K, &'static str, &'static str);

#[rustfmt::skip]
const EXPECTED: &[Row] = &[
    //                                       agent sup adv smgr store group
    (K::Customer, "read",                    "S S O O S G"),
    (K::Customer, "create",                  "S S - - S G"),
    (K::Customer, "edit details",            "S S - - S G"),
    (K::Customer, "edit contact",            "S S - - - -"),
    (K::Customer, "transition",              "S S - - S G"),
    (K::Customer, "approve",                 "- S - - S G"),
    (K::Customer, "delete",                  "- S - - S G"),
    (K::Customer, "reassign",                "- S - - S G"),
    (K::Customer, "export",                  "- S - - S G"),

    (K::Vehicle, "read",                     "S S O O S G"),
    (K::Vehicle, "create",                   "S S - - S G"),
    (K::Vehicle, "edit details",             "S S - - S G"),
    (K::Vehicle, "transition",               "S S - - S G"),
    (K::Vehicle, "approve",                  "- S - - S G"),
    (K::Vehicle, "delete",                   "- S - - S G"),
    (K::Vehicle, "reassign",                 "- S - - S G"),
    (K::Vehicle, "export",                   "- S - - S G"),

    (K::ServiceVisit, "read",                "S S O O S G"),
    (K::ServiceVisit, "create",              "- S - - S G"),
    (K::ServiceVisit, "edit details",        "- S - - S G"),
    (K::ServiceVisit, "transition",          "- S - - S G"),
    (K::ServiceVisit, "approve",             "- S - - S G"),
    (K::ServiceVisit, "delete",              "- S - - S G"),
    (K::ServiceVisit, "reassign",            "- S - - S G"),
    (K::ServiceVisit, "export",              "- S - - S G"),

    (K::CallbackTask, "read",                "S S O O S G"),
    (K::CallbackTask, "create",              "O S - - S G"),
    (K::CallbackTask, "edit details",        "O S - - S G"),
    (K::CallbackTask, "transition",          "O S - - S G"),
    (K::CallbackTask, "approve",             "- S - - S G"),
    (K::CallbackTask, "delete",              "- S - - S G"),
    (K::CallbackTask, "reassign",            "- S - - S G"),
    (K::CallbackTask, "export",              "- S - - S G"),

    (K::CallScript, "read",                  "S S O O S G"),
    (K::CallScript, "create",                "- S - - S G"),
    (K::CallScript, "edit details",          "- S - - S G"),
    (K::CallScript, "transition",            "- S - - S G"),
    (K::CallScript, "approve",               "- S - - S G"),
    (K::CallScript, "delete",                "- S - - S G"),
    (K::CallScript, "reassign",              "- S - - S G"),
    (K::CallScript, "export",                "- S - - S G"),

    (K::Complaint, "read",                   "S S O O S G"),
    (K::Complaint, "create",                 "S S - - S G"),
    (K::Complaint, "edit details",           "S S - - S G"),
    (K::Complaint, "edit contact",           "S S - - - -"),
    (K::Complaint, "edit registration",      "S S - - S G"),
    (K::Complaint, "edit approval",          "- S - - S G"),
    (K::Complaint, "transition",             "S S - - S G"),
    (K::Complaint, "approve",                "- S - - S G"),
    (K::Complaint, "delete",                 "- S - - S G"),
    (K::Complaint, "reassign",               "- S - - S G"),
    (K::Complaint, "export",                 "- S - - S G"),

    (K::Lead, "read",                        "O O O S S G"),
    (K::Lead, "create",                      "- - O S S G"),
    (K::Lead, "edit details",                "- - O S S G"),
    (K::Lead, "edit contact",                "- - O - - -"),
    (K::Lead, "transition",                  "- - O S S G"),
    (K::Lead, "approve",                     "- - - S S G"),
    (K::Lead, "delete",                      "- - - S S G"),
    (K::Lead, "reassign",                    "- - - S S G"),
    (K::Lead, "export",                      "- - - S S G"),

    (K::TestDrive, "read",                   "O O S S S G"),
    (K::TestDrive, "create",                 "- - O S S G"),
    (K::TestDrive, "edit details",           "- - O S S G"),
    (K::TestDrive, "transition",             "- - O S S G"),
    (K::TestDrive, "approve",                "- - - S S G"),
    (K::TestDrive, "delete",                 "- - - S S G"),
    (K::TestDrive, "reassign",               "- - - S S G"),
    (K::TestDrive, "export",                 "- - - S S G"),

    (K::Appointment, "read",                 "S S O O S G"),
    (K::Appointment, "create",               "S S - - S G"),
    (K::Appointment, "edit details",         "S S - - S G"),
    (K::Appointment, "transition",           "S S - - S G"),
    (K::Appointment, "approve",              "- S - - S G"),
    (K::Appointment, "delete",               "- S - - S G"),
    (K::Appointment, "reassign",             "- S - - S G"),
    (K::Appointment, "export",               "- S - - S G"),

    (K::CallAttempt, "read",                 "S S O O S G"),
    (K::CallAttempt, "create",               "O S - - S G"),
    (K::CallAttempt, "edit details",         "O S - - S G"),
    (K::CallAttempt, "reassign",             "- S - - S G"),
    (K::CallAttempt, "export",               "- S - - S G"),

    (K::CallbackRecord, "read",              "S S O O S G"),
    (K::CallbackRecord, "create",            "O S - - S G"),
    (K::CallbackRecord, "edit details",      "O S - - S G"),
    (K::CallbackRecord, "reassign",          "- S - - S G"),
    (K::CallbackRecord, "export",            "- S - - S G"),

    (K::ComplaintStep, "read",               "S S O O S G"),
    (K::ComplaintStep, "create",             "O S - - S G"),
    (K::ComplaintStep, "edit details",       "O S - - S G"),
    (K::ComplaintStep, "edit approval",      "- S - - S G"),
    (K::ComplaintStep, "reassign",           "- S - - S G"),
    (K::ComplaintStep, "export",             "- S - - S G"),

    (K::LeadActivity, "read",                "O O O S S G"),
    (K::LeadActivity, "create",              "- - O S S G"),
    (K::LeadActivity, "edit details",        "- - O S S G"),
    (K::LeadActivity, "reassign",            "- - - S S G"),
    (K::LeadActivity, "export",              "- - - S S G"),

    (K::Signature, "read",                   "S S O O S G"),
    (K::Signature, "create",                 "O S O - S G"),
    (K::Signature, "edit details",           "O S O - S G"),
    (K::Signature, "reassign",               "- S - - S G"),
    (K::Signature, "export",                 "- S - - S G"),

    (K::AuditEntry, "read",                  "O S O S S G"),
    (K::AuditEntry, "create",                "O S O S S G"),
    (K::AuditEntry, "edit details",          "O S O S S G"),
    (K::AuditEntry, "reassign",              "- S - S S G"),
    (K::AuditEntry, "export",                "- S - S S G"),

    (K::ScriptVersion, "read",               "S S O O S G"),
    (K::ScriptVersion, "create",             "- S - - S G"),
    (K::ScriptVersion, "edit details",       "- S - - S G"),
    (K::ScriptVersion, "reassign",           "- S - - S G"),
    (K::ScriptVersion, "export",             "- S - - S G"),
];

/// Who reads phone numbers masked: `M` masked, `F` in full, by role as in [`EXPECTED`].
#[rustfmt::skip]
const MASKED: &[(K, &str)] = &[
    (K::Customer,  "F F F M M M"),
    (K::Lead,      "F F F M M M"),
    (K::Complaint, "F F F M M M"),
];

fn parse(cells: &str) -> Vec<Option<Reach>> {
    cells
        .split_whitespace()
        .map(|c| match c {
            "-" => None,
            "O" => Some(Reach::Own),
            "S" => Some(Reach::Store),
            "G" => Some(Reach::Group),
            other => panic!("bad cell {other:?}"),
        })
        .collect()
}

/// Every action there is, applicable or not.
fn every_action() -> Vec<Action> {
    let mut out = vec![Action::Read, Action::Create];
    out.extend(FieldGroup::ALL.iter().map(|g| Action::Edit(*g)));
    out.extend([
        Action::Transition,
        Action::Approve,
        Action::Delete,
        Action::Reassign,
        Action::Export,
    ]);
    out
}

#[test]
fn every_cell_is_as_the_table_says() {
    let mut checked = 0;
    for kind in K::ALL {
        for action in every_action() {
            let row = EXPECTED
                .iter()
                .filter(|(k, a, _)| *k == kind && *a == action.name())
                .collect::<Vec<_>>();
            let expected = match row.as_slice() {
                [] => vec![None; Role::ALL.len()],
                [(_, _, cells)] => parse(cells),
                _ => panic!("{kind} {action} is listed twice"),
            };
            assert_eq!(expected.len(), Role::ALL.len(), "{kind} {action}");
            for (role, want) in Role::ALL.into_iter().zip(expected) {
                assert_eq!(
                    allows(role, kind, action),
                    want,
                    "{role} × {kind} × {action}"
                );
                checked += 1;
            }
        }
    }
    assert_eq!(
        checked,
        K::ALL.len() * every_action().len() * Role::ALL.len()
    );
    for kind in K::ALL {
        for action in every_action() {
            assert_eq!(
                action.applies_to(kind),
                Action::all_for(kind).contains(&action),
                "{kind} {action}"
            );
        }
    }
    // The table lists exactly the actions that apply (no row for a kind's missing group).
    for (kind, action, _) in EXPECTED {
        assert!(
            Action::all_for(*kind).iter().any(|a| a.name() == *action),
            "{kind} has no action {action}"
        );
    }
    let applicable: usize = K::ALL.iter().map(|k| Action::all_for(*k).len()).sum();
    assert_eq!(EXPECTED.len(), applicable);
}

#[test]
fn phones_are_masked_for_the_roles_that_do_not_call_customers() {
    for kind in K::ALL {
        for group in FieldGroup::ALL {
            let row = MASKED.iter().find(|(k, _)| *k == kind);
            for (i, role) in Role::ALL.into_iter().enumerate() {
                let want = match row {
                    Some((_, cells)) if group == FieldGroup::Contact => {
                        match cells.split_whitespace().nth(i) {
                            Some("M") => View::Masked,
                            Some("F") => View::Full,
                            other => panic!("bad cell {other:?}"),
                        }
                    }
                    _ => View::Full,
                };
                assert_eq!(view(role, kind, group), want, "{role} × {kind} × {group}");
                // Whoever reads a group masked may never write it back.
                if want == View::Masked {
                    assert_eq!(allows(role, kind, Action::Edit(group)), None);
                }
            }
        }
    }
}

#[test]
fn exports_need_a_supervisor_or_a_manager() {
    for kind in K::ALL {
        for role in [Role::CareAgent, Role::SalesAdvisor] {
            assert_eq!(allows(role, kind, Action::Export), None, "{role} {kind}");
        }
    }
}

#[test]
fn fields_fall_into_their_groups() {
    let g = |kind, field, value| field_group(kind, field, &value);
    assert_eq!(
        g(K::Customer, "phone", json!("13800135678")),
        FieldGroup::Contact
    );
    assert_eq!(g(K::Customer, "note", json!("x")), FieldGroup::Details);
    assert_eq!(g(K::Lead, "phone", json!("1")), FieldGroup::Contact);
    assert_eq!(g(K::Vehicle, "phone", json!("1")), FieldGroup::Details);
    assert_eq!(g(K::Complaint, "phone", json!("1")), FieldGroup::Contact);
    for field in COMPLAINT_REGISTRATION {
        assert_eq!(g(K::Complaint, field, json!("x")), FieldGroup::Registration);
    }
    assert_eq!(
        g(K::Complaint, "judgement", json!("x")),
        FieldGroup::Details
    );
    assert_eq!(g(K::Complaint, "review", json!("x")), FieldGroup::Approval);
    assert_eq!(
        g(K::Complaint, "improvements", json!("")),
        FieldGroup::Approval
    );
    assert_eq!(g(K::Complaint, "approved", json!(0)), FieldGroup::Approval);
    // Reopening clears the approval: anyone handling the complaint does that.
    assert_eq!(
        g(K::Complaint, "approved", Value::Null),
        FieldGroup::Details
    );
    for step in ["approved", "sent_back", "closed"] {
        assert_eq!(
            g(K::ComplaintStep, "step", json!(step)),
            FieldGroup::Approval
        );
    }
    assert_eq!(
        g(K::ComplaintStep, "step", json!("judged")),
        FieldGroup::Details
    );
    // A field nobody listed is a detail (deliberately: see FieldGroup::Details).
    assert_eq!(
        g(K::Complaint, "something_new", json!(1)),
        FieldGroup::Details
    );
}

#[test]
fn a_complaints_registration_closes_once_it_is_judged() {
    for group in [FieldGroup::Registration, FieldGroup::Contact] {
        assert_eq!(locked(K::Complaint, group, None), None);
        assert_eq!(locked(K::Complaint, group, Some("registered")), None);
        for state in ["judged", "investigating", "closed", "reopened"] {
            assert!(
                locked(K::Complaint, group, Some(state)).is_some(),
                "{state}"
            );
        }
    }
    assert_eq!(
        locked(K::Complaint, FieldGroup::Details, Some("closed")),
        None
    );
    assert_eq!(
        locked(K::Customer, FieldGroup::Contact, Some("closed")),
        None
    );
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn the_docs_show_the_matrix() {
    const START: &str = "<!-- matrix:start -->\n";
    const END: &str = "<!-- matrix:end -->";
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/access-control.md");
    let doc = std::fs::read_to_string(path).expect("docs/access-control.md is readable");
    let (head, rest) = doc
        .split_once(START)
        .expect("the doc has the matrix's start mark");
    let (table, tail) = rest
        .split_once(END)
        .expect("the doc has the matrix's end mark");
    let generated = markdown();
    if table != generated {
        if std::env::var_os("HUIFANG_BLESS_DOCS").is_some() {
            std::fs::write(path, format!("{head}{START}{generated}{END}{tail}"))
                .expect("docs/access-control.md is writable");
        } else {
            panic!(
                "docs/access-control.md shows another matrix than access.rs: run \
                 `HUIFANG_BLESS_DOCS=1 cargo test -p huifang-core access` to write it"
            );
        }
    }
}

/// The matrix as `can_apply` enforces it over mutations and records.
mod enforcement {
    use crate::sync::{
        ClientId, Entity, FieldState, FieldWrite, Hlc, Mutation, MutationId, Op, Record, RecordId,
        RecordKind, Scope, ScopeError, StateMachines, UserCtx, as_seen_by, can_apply,
    };
    use crate::{Role, StoreId, UserId};
    use serde_json::{Value, json};
    use std::collections::BTreeMap;
    use uuid::Uuid;

    fn user(name: &str, role: Role) -> UserCtx {
        UserCtx {
            user: UserId(name.to_owned()),
            role,
            store: StoreId("s1".to_owned()),
        }
    }

    fn stamp() -> Hlc {
        Hlc {
            wall_ms: 1,
            counter: 0,
            node: ClientId(Uuid::nil()),
        }
    }

    fn entity(kind: RecordKind, owner: &str, fields: &[(&str, Value)]) -> Record {
        Record::Entity(Entity {
            id: RecordId(Uuid::now_v7()),
            kind,
            scope: Scope {
                store: StoreId("s1".to_owned()),
                owner: Some(UserId(owner.to_owned())),
            },
            fields: fields
                .iter()
                .map(|(k, v)| {
                    let state = FieldState {
                        value: v.clone(),
                        stamp: stamp(),
                        by: UserId(owner.to_owned()),
                    };
                    ((*k).to_owned(), state)
                })
                .collect(),
            tombstone: None,
            conflicts: BTreeMap::new(),
            version: 1,
        })
    }

    fn mutation(by: &UserCtx, record: &Record, op: Op) -> Mutation {
        Mutation {
            mutation_id: MutationId(Uuid::now_v7()),
            client_id: ClientId(Uuid::nil()),
            client_seq: 1,
            hlc: stamp(),
            user: by.user.clone(),
            kind: record.kind(),
            record_id: record.id(),
            op,
            step: None,
        }
    }

    fn set(field: &str, value: Value) -> Op {
        Op::SetFields {
            writes: vec![FieldWrite {
                field: field.to_owned(),
                value,
                base: None,
            }],
        }
    }

    fn check(by: &UserCtx, record: &Record, op: Op) -> Result<(), ScopeError> {
        can_apply(
            by,
            &mutation(by, record, op),
            Some(record),
            &StateMachines::standard(),
        )
    }

    #[test]
    fn a_judged_complaints_registration_is_nobodys_to_change() {
        let agent = user("a", Role::CareAgent);
        let sup = user("sup", Role::CareSupervisor);
        let open = entity(
            RecordKind::Complaint,
            "a",
            &[("status", json!("registered"))],
        );
        assert_eq!(check(&agent, &open, set("content", json!("x"))), Ok(()));
        assert_eq!(
            check(&agent, &open, set("phone", json!("13900001111"))),
            Ok(())
        );
        let judged = entity(
            RecordKind::Complaint,
            "a",
            &[("status", json!("investigating"))],
        );
        for who in [&agent, &sup] {
            for field in ["content", "phone", "severity"] {
                assert!(
                    matches!(
                        check(who, &judged, set(field, json!("x"))),
                        Err(ScopeError::Locked { .. })
                    ),
                    "{} {field}",
                    who.role
                );
            }
            // Handling goes on.
            assert_eq!(check(who, &judged, set("cause", json!("x"))), Ok(()));
        }
        // The review is the supervisor's.
        assert!(matches!(
            check(&agent, &judged, set("review", json!("x"))),
            Err(ScopeError::NeedsLead { .. })
        ));
        assert_eq!(check(&sup, &judged, set("review", json!("x"))), Ok(()));
    }

    #[test]
    fn managers_never_write_a_number_and_nobody_writes_a_masked_one() {
        let advisor = user("adv", Role::SalesAdvisor);
        let salesmgr = user("sm", Role::SalesManager);
        let lead = entity(RecordKind::Lead, "adv", &[("phone", json!("13800135678"))]);
        assert_eq!(
            check(&advisor, &lead, set("phone", json!("13900001111"))),
            Ok(())
        );
        assert!(matches!(
            check(&salesmgr, &lead, set("phone", json!("13900001111"))),
            Err(ScopeError::FieldNotAllowed { .. })
        ));
        assert_eq!(check(&salesmgr, &lead, set("note", json!("x"))), Ok(()));
        assert!(matches!(
            check(&advisor, &lead, set("phone", json!("138****5678"))),
            Err(ScopeError::MaskedValue { .. })
        ));
        // Capturing a lead with a number typed in is the sales manager's too.
        let create = Op::Create {
            scope: lead.scope().clone(),
            fields: [("phone".to_owned(), json!("13900001111"))].into(),
        };
        let mut owned = lead.clone();
        owned.scope_mut().owner = Some(salesmgr.user.clone());
        let m = mutation(&salesmgr, &owned, create);
        assert_eq!(
            can_apply(&salesmgr, &m, None, &StateMachines::standard()),
            Ok(())
        );
    }

    #[test]
    fn pulled_records_show_managers_masked_numbers_only() {
        let lead = entity(
            RecordKind::Lead,
            "adv",
            &[("phone", json!("13800135678")), ("name", json!("赵"))],
        );
        let phone = |r: &Record| r.as_entity().and_then(|e| e.value("phone").cloned());
        for (role, want) in [
            (Role::SalesAdvisor, "13800135678"),
            (Role::SalesManager, "138****5678"),
            (Role::StoreManager, "138****5678"),
            (Role::GroupManager, "138****5678"),
        ] {
            let seen = as_seen_by(&user("adv", role), lead.clone());
            assert_eq!(phone(&seen), Some(json!(want)), "{role}");
            assert_eq!(
                seen.as_entity().and_then(|e| e.value("name").cloned()),
                Some(json!("赵"))
            );
        }
        // A vehicle's "phone" is no customer's number: nobody's view of it changes.
        let car = entity(RecordKind::Vehicle, "a", &[("phone", json!("13800135678"))]);
        let seen = as_seen_by(&user("m", Role::StoreManager), car.clone());
        assert_eq!(seen, car);
    }
}
