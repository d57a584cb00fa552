//! The invariants that must hold once the network has healed and everyone has synced.

use super::{Device, World, block_on, replica};
use huifang_core::UserId;
use huifang_core::sync::{
    Effect, Hlc, Mutation, Op, Outcome, Record, RecordId, StateMachines, can_read, merge,
};
use std::collections::{BTreeMap, BTreeSet, HashMap};

pub fn invariants(world: &mut World) -> Result<(), String> {
    let server_records: BTreeMap<RecordId, Record> = world
        .server
        .store()
        .records()
        .into_iter()
        .map(|s| (s.record.id(), s.record))
        .collect();
    replicas_equal_server(world, &server_records)?;
    saved_is_accounted_for(world, &server_records)?;
    let log = world.server.store().applied_log();
    nothing_applied_twice(&log)?;
    events_exist_once(&log, &server_records)?;
    replay_gives_server_state(&log, &server_records)?;
    world.stats.conflicts_raised = no_edit_disappears(&log)?;
    world.stats.applied = log.len();
    world.stats.conflicts = server_records
        .values()
        .filter_map(Record::as_entity)
        .map(|e| e.conflicts.len())
        .sum();
    world.stats.moves = log
        .iter()
        .filter(|(m, _)| matches!(m.op, Op::MoveScope { .. }))
        .count();
    Ok(())
}

/// Every device shows exactly the server's records in its user's scope, and has sent all.
fn replicas_equal_server(
    world: &mut World,
    server: &BTreeMap<RecordId, Record>,
) -> Result<(), String> {
    for (i, device) in world.devices.iter_mut().enumerate() {
        let user = device.user.clone();
        let replica = replica(device);
        let pending = block_on(replica.pending()).expect("outbox reads");
        if !pending.is_empty() {
            return Err(format!(
                "device {i} still has {} pending mutations",
                pending.len()
            ));
        }
        let views: BTreeMap<RecordId, Record> = block_on(replica.records())
            .expect("views read")
            .into_iter()
            .map(|r| (r.id(), r))
            .collect();
        let expected: BTreeMap<RecordId, Record> = server
            .iter()
            .filter(|(_, r)| can_read(&user, &r.meta()))
            .map(|(id, r)| (*id, r.clone()))
            .collect();
        if views != expected {
            let extra: Vec<_> = views.keys().filter(|k| !expected.contains_key(k)).collect();
            let missing: Vec<_> = expected.keys().filter(|k| !views.contains_key(k)).collect();
            let differ: Vec<_> = views
                .iter()
                .filter(|(k, v)| expected.get(k).is_some_and(|e| e != *v))
                .map(|(k, v)| format!("{k}: device {v:?}\n  server {:?}", expected[k]))
                .collect();
            return Err(format!(
                "device {i} ({:?}) differs from the server: extra {extra:?}, missing \
                 {missing:?}, different {differ:#?}",
                user.role
            ));
        }
    }
    Ok(())
}

/// Every mutation a device called saved was answered: applied (so in the server's log, or a
/// no-op there), or rejected and listed on that device as needing attention.
fn saved_is_accounted_for(
    world: &mut World,
    server: &BTreeMap<RecordId, Record>,
) -> Result<(), String> {
    let mut attention: HashMap<usize, BTreeSet<_>> = HashMap::new();
    for (i, device) in world.devices.iter_mut().enumerate() {
        let list = block_on(replica(device).needs_attention()).expect("attention reads");
        attention.insert(i, list.iter().map(|a| a.mutation.mutation_id).collect());
    }
    let mut rejected = 0;
    for (client, m) in &world.saved {
        match world.server.store().outcome(m.mutation_id) {
            None => return Err(format!("saved mutation never reached the server: {m:?}")),
            Some(Outcome::Rejected { reason, .. }) => {
                rejected += 1;
                if !attention[client].contains(&m.mutation_id) {
                    return Err(format!(
                        "rejected ({reason}) but not shown on device {client}: {m:?}"
                    ));
                }
            }
            Some(Outcome::Applied { .. } | Outcome::Duplicate { .. }) => {
                if !server.contains_key(&m.record_id) {
                    return Err(format!("applied but its record is gone: {m:?}"));
                }
            }
        }
    }
    world.stats.rejected = rejected;
    Ok(())
}

fn nothing_applied_twice(log: &[(Mutation, Outcome)]) -> Result<(), String> {
    let mut seen = BTreeSet::new();
    for (m, _) in log {
        if !seen.insert(m.mutation_id) {
            return Err(format!("applied twice: {m:?}"));
        }
    }
    Ok(())
}

fn events_exist_once(
    log: &[(Mutation, Outcome)],
    server: &BTreeMap<RecordId, Record>,
) -> Result<(), String> {
    let mut appended: HashMap<RecordId, usize> = HashMap::new();
    for (m, _) in log {
        if let Op::AppendEvent { fields, .. } = &m.op {
            *appended.entry(m.record_id).or_default() += 1;
            match server.get(&m.record_id) {
                Some(Record::Event(e)) if &e.fields == fields => {}
                other => return Err(format!("event {m:?} stored as {other:?}")),
            }
        }
    }
    for record in server.values() {
        if let Record::Event(e) = record
            && appended.get(&e.id) != Some(&1)
        {
            return Err(format!(
                "event {} was appended {:?} times",
                e.id,
                appended.get(&e.id)
            ));
        }
    }
    Ok(())
}

/// Folding the server's log through the merge rules gives exactly the server's records: the
/// store kept nothing the rules did not say.
fn replay_gives_server_state(
    log: &[(Mutation, Outcome)],
    server: &BTreeMap<RecordId, Record>,
) -> Result<(), String> {
    let machines = StateMachines::standard();
    let mut state: BTreeMap<RecordId, Record> = BTreeMap::new();
    for (m, outcome) in log {
        match merge::apply(state.get(&m.record_id), m, &machines) {
            Ok(Effect::Changed(mut record)) => {
                record.set_version(outcome.version().unwrap_or_default());
                state.insert(m.record_id, record);
            }
            other => return Err(format!("replaying {m:?} gave {other:?}")),
        }
    }
    if &state != server {
        return Err("replaying the server's log gives a different state".to_owned());
    }
    Ok(())
}

/// For complaints and leads, a written value leaves the record only when its author wrote
/// again, when someone who saw it (or the conflict holding it) wrote over it, or with a
/// delete. Checked step by step over the server's log.
fn no_edit_disappears(log: &[(Mutation, Outcome)]) -> Result<usize, String> {
    let machines = StateMachines::standard();
    let mut raised = 0;
    let mut state: BTreeMap<RecordId, Record> = BTreeMap::new();
    for (m, _) in log {
        let before = state.get(&m.record_id).cloned();
        if let Ok(Effect::Changed(record)) = merge::apply(before.as_ref(), m, &machines) {
            state.insert(m.record_id, record);
        }
        if !m.kind.keeps_conflicts() {
            continue;
        }
        let Op::SetFields { writes } = &m.op else {
            continue;
        };
        let after = state.get(&m.record_id).and_then(Record::as_entity);
        for write in writes {
            let live = |r: Option<&Record>| -> Vec<(Hlc, UserId)> {
                let Some(e) = r.and_then(Record::as_entity) else {
                    return Vec::new();
                };
                let mut live: Vec<(Hlc, UserId)> = e
                    .fields
                    .get(&write.field)
                    .map(|f| (f.stamp, f.by.clone()))
                    .into_iter()
                    .collect();
                if let Some(c) = e.conflicts.get(&write.field) {
                    live.extend(c.candidates.iter().map(|f| (f.stamp, f.by.clone())));
                }
                live
            };
            let old = live(before.as_ref());
            let new = live(after.map(|_| &state[&m.record_id]));
            let winner_before = before
                .as_ref()
                .and_then(Record::as_entity)
                .and_then(|e| e.fields.get(&write.field))
                .map(|f| f.stamp);
            let resolves = write.base.is_some() && write.base == winner_before;
            let conflicted = |r: Option<&Record>| {
                r.and_then(Record::as_entity)
                    .is_some_and(|e| e.conflicts.contains_key(&write.field))
            };
            if !conflicted(before.as_ref()) && conflicted(state.get(&m.record_id)) {
                raised += 1;
            }
            for (stamp, by) in &old {
                let gone = !new.iter().any(|(s, _)| s == stamp);
                let seen = write.base == Some(*stamp);
                if gone && *by != m.user && !resolves && !seen {
                    return Err(format!(
                        "{}.{} value by {by:?} at {stamp:?} vanished when {:?} wrote without \
                         seeing it: {m:?}",
                        m.kind, write.field, m.user
                    ));
                }
            }
            // The new write itself may lose only to its own author's later value.
            let kept = new.iter().any(|(s, _)| *s == m.hlc);
            let lost_to_own = new.iter().any(|(_, by)| *by == m.user);
            if !kept && !lost_to_own && !resolves {
                return Err(format!("the write {m:?} left no trace"));
            }
        }
    }
    Ok(raised)
}

/// The device's view is always its base with its outbox re-applied in order (the rebase).
pub fn view_is_base_plus_pending(device: &mut Device) -> Result<(), String> {
    let machines = StateMachines::standard();
    let replica = replica(device);
    let pending = block_on(replica.pending()).expect("outbox reads");
    let views: BTreeMap<RecordId, Record> = block_on(replica.records())
        .expect("views read")
        .into_iter()
        .map(|r| (r.id(), r))
        .collect();
    let bases: BTreeMap<RecordId, Record> = replica
        .store()
        .bases()
        .map(|r| (r.id(), r.clone()))
        .collect();
    let ids: BTreeSet<RecordId> = views
        .keys()
        .chain(bases.keys())
        .chain(pending.iter().map(|p| &p.mutation.record_id))
        .copied()
        .collect();
    for id in ids {
        let mut expected = bases.get(&id).cloned();
        for p in pending.iter().filter(|p| p.mutation.record_id == id) {
            if let Ok(Effect::Changed(next)) =
                merge::apply(expected.as_ref(), &p.mutation, &machines)
            {
                expected = Some(next);
            }
        }
        if views.get(&id) != expected.as_ref() {
            return Err(format!(
                "the view of {id} is not base + outbox:\n view {:?}\n expected {expected:?}",
                views.get(&id)
            ));
        }
    }
    Ok(())
}
