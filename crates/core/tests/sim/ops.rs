//! What a simulated person does: a plausible change chosen from what their device shows.

use super::{Device, block_on, replica, rng_for, store_id};
use huifang_core::Role;
use huifang_core::sync::{
    FieldWrite, Op, Reach, Record, RecordId, RecordKind, Scope, StateMachines, UserCtx, grant,
};
use rand::Rng;
use rand::seq::IndexedRandom;
use serde_json::json;
use std::collections::BTreeMap;

const FIELDS: [&str; 3] = ["note", "phone", "grade"];

pub fn choose(
    pick: u64,
    device: &mut Device,
    users: &[UserCtx],
    local_ms: i64,
) -> Option<(RecordKind, RecordId, Op)> {
    let mut rng = rng_for(pick);
    let user = device.user.clone();
    let replica = replica(device);
    let records: Vec<Record> = block_on(replica.records()).expect("views read");
    let entities: Vec<&Record> = records.iter().filter(|r| !r.is_deleted()).collect();
    let entity_like: Vec<&Record> = entities
        .iter()
        .copied()
        .filter(|r| r.as_entity().is_some())
        .collect();
    let writable: Vec<RecordKind> = RecordKind::ALL
        .into_iter()
        .filter(|&k| grant(user.role, k).is_some())
        .collect();
    let roll = rng.random_range(0..100);
    // Nothing to edit yet, or it is time for something new.
    if roll < 30 || entity_like.is_empty() {
        let contested: Vec<RecordKind> = writable
            .iter()
            .copied()
            .filter(|k| k.keeps_conflicts())
            .collect();
        let kind = if !contested.is_empty() && rng.random_bool(0.4) {
            *contested.choose(&mut rng)?
        } else {
            *writable.choose(&mut rng)?
        };
        let scope = scope_for(&mut rng, &user, users, kind);
        let id = replica.new_record_id(local_ms);
        let mut fields = BTreeMap::new();
        for f in FIELDS {
            if rng.random_bool(0.6) {
                fields.insert(
                    f.to_owned(),
                    json!(format!("{f}-{}", rng.random_range(0..5))),
                );
            }
        }
        let op = if kind.is_event() {
            Op::AppendEvent { scope, fields }
        } else {
            Op::Create { scope, fields }
        };
        return Some((kind, id, op));
    }
    // Complaints and leads are where concurrent edits matter: pick them more often.
    let contested: Vec<&Record> = entity_like
        .iter()
        .copied()
        .filter(|r| r.kind().keeps_conflicts())
        .collect();
    let target = if !contested.is_empty() && rng.random_bool(0.5) {
        *contested.choose(&mut rng)?
    } else {
        *entity_like.choose(&mut rng)?
    };
    let entity = target.as_entity()?;
    let machines = StateMachines::standard();
    let op = match roll {
        30..70 => {
            let mut writes = Vec::new();
            for f in FIELDS {
                if rng.random_bool(0.5) {
                    writes.push(FieldWrite {
                        field: f.to_owned(),
                        value: json!(format!("{f}-{}", rng.random_range(0..100))),
                        // Usually what the editor saw; sometimes a stale form (an old copy).
                        base: if rng.random_bool(0.9) {
                            entity.fields.get(f).map(|s| s.stamp)
                        } else {
                            None
                        },
                    });
                }
            }
            if writes.is_empty() {
                return None;
            }
            Op::SetFields { writes }
        }
        70..85 => {
            let (field, _) = machines.initial_states(entity.kind).next()?;
            let current = entity.value(field)?.as_str()?.to_owned();
            let machine = machines.machine(entity.kind, field)?;
            let rules: Vec<_> = machine.next(&current).collect();
            let rule = rules.choose(&mut rng)?;
            Op::Transition {
                field: field.to_owned(),
                from: current.clone(),
                to: rule.to.to_owned(),
                reason: rng.random_bool(0.8).then(|| "customer asked".to_owned()),
            }
        }
        85..90 => Op::Delete,
        _ => {
            // Ownership moves: a lead gives the record to someone else in its store.
            let candidates: Vec<&UserCtx> = users
                .iter()
                .filter(|u| u.store == entity.scope.store)
                .collect();
            let to = candidates.choose(&mut rng)?;
            Op::MoveScope {
                to: Scope {
                    store: entity.scope.store.clone(),
                    owner: Some(to.user.clone()),
                },
            }
        }
    };
    Some((target.kind(), target.id(), op))
}

fn scope_for(rng: &mut impl Rng, user: &UserCtx, users: &[UserCtx], kind: RecordKind) -> Scope {
    let reach = grant(user.role, kind).map(|g| g.reach);
    let store = if reach == Some(Reach::Group) && rng.random_bool(0.3) {
        store_id(rng.random_range(0..super::STORES))
    } else {
        user.store.clone()
    };
    let owner = match reach {
        Some(Reach::Own) => Some(user.user.clone()),
        _ if user.role == Role::GroupManager || rng.random_bool(0.5) => {
            let same_store: Vec<&UserCtx> = users.iter().filter(|u| u.store == store).collect();
            same_store.choose(rng).map(|u| u.user.clone())
        }
        _ => Some(user.user.clone()),
    };
    Scope { store, owner }
}

/// A complaint or lead both devices show, and a field to fight over.
pub fn shared_contested(
    pick: u64,
    mine: &[Record],
    theirs: &[Record],
) -> Option<(RecordKind, RecordId, String)> {
    let mut rng = rng_for(pick);
    let shared: Vec<&Record> = mine
        .iter()
        .filter(|r| r.kind().keeps_conflicts() && !r.is_deleted())
        .filter(|r| theirs.iter().any(|t| t.id() == r.id()))
        .collect();
    let record = shared.choose(&mut rng)?;
    let field = FIELDS.choose(&mut rng)?;
    Some((record.kind(), record.id(), (*field).to_owned()))
}

/// Sets one field from what this device shows.
pub fn set_one(device: &mut Device, id: RecordId, field: &str, pick: u64) -> Op {
    let mut rng = rng_for(pick);
    let seen = block_on(replica(device).record(id))
        .expect("view reads")
        .and_then(|r| {
            r.as_entity()
                .and_then(|e| e.fields.get(field))
                .map(|f| f.stamp)
        });
    Op::SetFields {
        writes: vec![FieldWrite {
            field: field.to_owned(),
            value: json!(format!("{field}-{}", rng.random_range(0..100))),
            base: seen,
        }],
    }
}
