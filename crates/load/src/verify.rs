//! After a run: what every tablet was told, held against what the server has.
//!
//! 1. **Answers**: a mutation answered more than once (a push retried after a lost answer) must
//!    get the same version every time, and `applied` at most once: a second `applied` means
//!    the server applied it again.
//! 2. **State**: the whole change feed, pulled as the group manager from cursor 0 (a fresh
//!    device), holds every record once, and every acknowledged mutation's effect: a created
//!    record or event exists with its fields (an event exactly as pushed, with its stamp); each
//!    field a create, an edit or a transition wrote holds that write's value and stamp, or a
//!    later stamp this run also wrote (or the server did). A field holding an older stamp, or a
//!    missing record, is a **lost** acknowledged write. A record's version is never below the
//!    version an acknowledgement named.
//! 3. **Counts**: per callback task, the call-attempt events in the feed equal the attempts
//!    its tablet saved (the tablet's own `attempts` counter field says the same); per lead,
//!    the follow-up events equal its `follow_ups` counter; a delivered lead has exactly one
//!    post-delivery callback (the server's follow-up of an acknowledged delivery); no record
//!    carries a load tablet's stamp without being in that tablet's ledger.
//! 4. **Replay**: every answered mutation is pushed once more, as its tablet; the server must
//!    answer from memory (`duplicate` at the version first named, or the same refusal), and
//!    the feed must not move: a replay that writes is a mutation applied twice.

use crate::api::Api;
use crate::tablet::{Entry, PUSH_BATCH, Tablet};
use huifang_core::SCHEMA_VERSION;
use huifang_core::sync::{
    Change, ClientId, Entity, Hlc, Mutation, Op, Outcome, PushRequest, Record, RecordId, RecordKind,
};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};

/// The most problems listed by name (all are counted).
const LISTED: usize = 30;

/// The verification's findings.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Verdict {
    /// Mutations the tablets made.
    pub mutations: u64,
    /// Answered `applied` or `duplicate`: the server said their effect is in.
    pub acked: u64,
    pub rejected: u64,
    /// Never answered (still in an outbox when the drain gave up).
    pub unanswered: u64,
    /// Acknowledged mutations whose effect is not in the server's state.
    pub lost: u64,
    /// Mutations applied more than once (a second `applied`, another version, an extra event,
    /// a replay that wrote).
    pub applied_twice: u64,
    /// Answers or records that break the protocol in another way.
    pub other: u64,
    /// Mutations pushed more than once whose first answer was `duplicate`: the server had
    /// applied them but the tablet never heard (a lost answer, a kill after the commit), and
    /// the retry was answered from memory.
    pub applied_unheard: u64,
    /// Records read from the feed.
    pub records: u64,
    /// Mutations pushed again in the replay audit.
    pub replayed: u64,
    /// Delivered leads whose post-delivery callback was checked.
    pub deliveries: u64,
    /// Refusals by code, with one reason each.
    pub rejections: BTreeMap<String, (u64, String)>,
    /// The first problems, in words.
    pub problems: Vec<String>,
}

impl Verdict {
    /// Nothing lost, nothing applied twice, nothing else wrong, everything answered.
    pub fn ok(&self) -> bool {
        self.lost == 0 && self.applied_twice == 0 && self.other == 0 && self.unanswered == 0
    }

    fn note(&mut self, problem: String) {
        if self.problems.len() < LISTED {
            self.problems.push(problem);
        }
    }

    fn lose(&mut self, problem: String) {
        self.lost += 1;
        self.note(format!("LOST: {problem}"));
    }

    fn twice(&mut self, problem: String) {
        self.applied_twice += 1;
        self.note(format!("APPLIED TWICE: {problem}"));
    }

    fn wrong(&mut self, problem: String) {
        self.other += 1;
        self.note(format!("WRONG: {problem}"));
    }
}

/// Why the verification could not run (as opposed to what it found).
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("reading the feed: {0}")]
    Pull(crate::api::CallError),
    #[error("the replay audit's push failed: {0}")]
    Replay(crate::api::CallError),
}

/// The whole feed as the group manager sees it, by record id. Counts records that come
/// twice.
async fn read_feed(
    api: &Api,
    token: &str,
    from: u64,
    verdict: &mut Verdict,
) -> Result<(HashMap<RecordId, Record>, u64), VerifyError> {
    let mut records = HashMap::new();
    let mut cursor = from;
    loop {
        let page = api
            .pull(token, cursor, 2_000)
            .await
            .map_err(VerifyError::Pull)?;
        for change in page.changes {
            match change {
                Change::Record { record } => {
                    let id = record.id();
                    if records.insert(id, record).is_some() {
                        verdict.wrong(format!("record {id} came twice in one read of the feed"));
                    }
                }
                Change::Removed { record_id, .. } => {
                    verdict.wrong(format!(
                        "the group manager was told record {record_id} left their scope"
                    ));
                }
            }
        }
        cursor = page.next_cursor;
        if !page.has_more {
            return Ok((records, cursor));
        }
    }
}

/// Checks the tablets' ledgers against the server behind `api` (no faults on the way), read
/// as the group manager with `auditor_token`.
pub async fn verify(
    tablets: &[Tablet],
    api: &Api,
    auditor_token: &str,
) -> Result<Verdict, VerifyError> {
    let mut verdict = Verdict::default();
    let entries: Vec<(&Tablet, &Entry)> = tablets
        .iter()
        .flat_map(|t| t.entries.iter().map(move |e| (t, e)))
        .collect();
    check_answers(&entries, &mut verdict);
    let (records, end) = read_feed(api, auditor_token, 0, &mut verdict).await?;
    verdict.records = records.len() as u64;
    let writes = later_writes(&entries);
    for (_, entry) in &entries {
        if entry.acked() {
            check_effect(entry, &records, &writes, &mut verdict);
        }
    }
    check_counts(tablets, &entries, &records, &mut verdict);
    replay(tablets, api, &mut verdict).await?;
    let (after, _) = read_feed(api, auditor_token, end, &mut verdict).await?;
    if !after.is_empty() {
        verdict.twice(format!(
            "the replay audit wrote {} records (first {:?}): the server applied mutations it \
             had answered before",
            after.len(),
            after.keys().next()
        ));
    }
    Ok(verdict)
}

fn check_answers(entries: &[(&Tablet, &Entry)], verdict: &mut Verdict) {
    let mut create_versions: HashMap<u64, RecordId> = HashMap::new();
    for (tablet, entry) in entries {
        verdict.mutations += 1;
        let m = &entry.mutation;
        let Some(first) = entry.answer() else {
            verdict.unanswered += 1;
            if verdict.unanswered <= 3 {
                verdict.note(format!(
                    "UNANSWERED: tablet {} mutation {} ({} of {} {})",
                    tablet.n,
                    m.mutation_id,
                    m.op.name(),
                    m.kind,
                    m.record_id
                ));
            }
            continue;
        };
        match first {
            Outcome::Rejected { code, reason } => {
                verdict.rejected += 1;
                let name = serde_json::to_value(code)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_else(|| format!("{code:?}"));
                let slot = verdict
                    .rejections
                    .entry(name)
                    .or_insert_with(|| (0, reason.clone()));
                slot.0 += 1;
            }
            Outcome::Duplicate { .. } => {
                verdict.acked += 1;
                if entry.sends > 1 {
                    verdict.applied_unheard += 1;
                }
            }
            Outcome::Applied { .. } => verdict.acked += 1,
        }
        let applied = entry
            .answers
            .iter()
            .filter(|a| matches!(a, Outcome::Applied { .. }))
            .count();
        let versions: HashSet<Option<u64>> = entry.answers.iter().map(Outcome::version).collect();
        if applied > 1 || versions.len() > 1 {
            verdict.twice(format!(
                "tablet {} mutation {} ({} of {} {}) was answered {:?}",
                tablet.n,
                m.mutation_id,
                m.op.name(),
                m.kind,
                m.record_id,
                entry.answers
            ));
        }
        if let (Op::Create { .. } | Op::AppendEvent { .. }, Outcome::Applied { version }) =
            (&m.op, first)
            && let Some(other) = create_versions.insert(*version, m.record_id)
            && other != m.record_id
        {
            verdict.wrong(format!(
                "version {version} was named for the creation of both {other} and {}",
                m.record_id
            ));
        }
    }
}

/// Every (record, field, stamp) an acknowledged mutation wrote.
fn later_writes(entries: &[(&Tablet, &Entry)]) -> HashSet<(RecordId, String, Hlc)> {
    let mut out = HashSet::new();
    for (_, entry) in entries.iter().filter(|(_, e)| e.acked()) {
        let m = &entry.mutation;
        for field in written_fields(m) {
            out.insert((m.record_id, field.0, m.hlc));
        }
    }
    out
}

/// The fields a mutation writes, with the value it writes.
fn written_fields(m: &Mutation) -> Vec<(String, Value)> {
    match &m.op {
        Op::Create { fields, .. } => fields.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        Op::SetFields { writes } => writes
            .iter()
            .map(|w| (w.field.clone(), w.value.clone()))
            .collect(),
        Op::Transition { field, to, .. } => vec![(field.clone(), Value::String(to.clone()))],
        _ => Vec::new(),
    }
}

/// The same value, allowing a phone number the reader sees masked (138****5678).
fn same_value(expected: &Value, actual: &Value) -> bool {
    if expected == actual {
        return true;
    }
    match (expected.as_str(), actual.as_str()) {
        (Some(e), Some(a)) if a.contains('*') && e.chars().count() == a.chars().count() => {
            e.chars().zip(a.chars()).all(|(x, y)| y == '*' || x == y)
        }
        _ => false,
    }
}

fn check_effect(
    entry: &Entry,
    records: &HashMap<RecordId, Record>,
    writes: &HashSet<(RecordId, String, Hlc)>,
    verdict: &mut Verdict,
) {
    let m = &entry.mutation;
    let what = format!(
        "{} of {} {} ({})",
        m.op.name(),
        m.kind,
        m.record_id,
        m.mutation_id
    );
    let Some(record) = records.get(&m.record_id) else {
        verdict.lose(format!("{what}: the record is not on the server"));
        return;
    };
    if record.kind() != m.kind {
        verdict.wrong(format!("{what}: the record is a {}", record.kind()));
        return;
    }
    if let Some(told) = entry.answer().and_then(Outcome::version)
        && record.version() < told
    {
        verdict.lose(format!(
            "{what}: acknowledged at version {told}, the record is at {}",
            record.version()
        ));
        return;
    }
    match (record, &m.op) {
        (Record::Event(event), Op::AppendEvent { fields, scope }) => {
            if event.fields != *fields || event.stamp != m.hlc || event.scope != *scope {
                verdict.wrong(format!("{what}: the event differs from the one pushed"));
            }
        }
        (Record::Entity(entity), _) => {
            for (field, value) in written_fields(m) {
                check_field(entity, &field, &value, m.hlc, writes, &what, verdict);
            }
        }
        _ => verdict.wrong(format!("{what}: the record is of the wrong shape")),
    }
}

fn check_field(
    entity: &Entity,
    field: &str,
    value: &Value,
    stamp: Hlc,
    writes: &HashSet<(RecordId, String, Hlc)>,
    what: &str,
    verdict: &mut Verdict,
) {
    let Some(state) = entity.fields.get(field) else {
        verdict.lose(format!("{what}: field {field} is not on the server"));
        return;
    };
    if state.stamp == stamp {
        if !same_value(value, &state.value) {
            verdict.wrong(format!(
                "{what}: field {field} has this write's stamp but the value {} instead of {value}",
                state.value
            ));
        }
    } else if state.stamp < stamp {
        verdict.lose(format!(
            "{what}: field {field} holds an older write ({:?} < {:?})",
            state.stamp, stamp
        ));
    } else if !writes.contains(&(entity.id, field.to_owned(), state.stamp))
        && state.stamp.node == stamp.node
    {
        // A later stamp of this very tablet that no acknowledged write of it carries.
        verdict.wrong(format!(
            "{what}: field {field} holds a stamp of this tablet no acknowledged write has"
        ));
    }
}

fn uuid_field(fields: &BTreeMap<String, Value>, key: &str) -> Option<RecordId> {
    fields
        .get(key)
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok())
        .map(RecordId)
}

fn check_counts(
    tablets: &[Tablet],
    entries: &[(&Tablet, &Entry)],
    records: &HashMap<RecordId, Record>,
    verdict: &mut Verdict,
) {
    let clients: HashSet<ClientId> = tablets.iter().map(|t| t.client).collect();
    let ours: HashSet<RecordId> = entries.iter().map(|(_, e)| e.mutation.record_id).collect();
    // Events in the feed per parent record (attempts per task, follow-ups per lead), and
    // post-delivery callbacks and customers per lead.
    let mut events: HashMap<(RecordKind, RecordId), u64> = HashMap::new();
    let mut made_for_lead: HashMap<(RecordKind, RecordId), u64> = HashMap::new();
    for record in records.values() {
        match record {
            Record::Event(e) => {
                for key in ["task", "lead"] {
                    if let Some(parent) = uuid_field(&e.fields, key) {
                        *events.entry((e.kind, parent)).or_default() += 1;
                    }
                }
                if clients.contains(&e.stamp.node) && !ours.contains(&e.id) {
                    verdict.twice(format!(
                        "event {} carries a load tablet's stamp but no tablet made it",
                        e.id
                    ));
                }
            }
            Record::Entity(e) => {
                let values: BTreeMap<String, Value> = e
                    .fields
                    .iter()
                    .map(|(k, v)| (k.clone(), v.value.clone()))
                    .collect();
                if let Some(lead) = uuid_field(&values, "lead") {
                    *made_for_lead.entry((e.kind, lead)).or_default() += 1;
                }
                let stamped_by_load = e.fields.values().any(|f| clients.contains(&f.stamp.node));
                if stamped_by_load && !ours.contains(&e.id) {
                    verdict.twice(format!(
                        "{} {} carries a load tablet's stamp but no tablet made it",
                        e.kind, e.id
                    ));
                }
            }
        }
    }
    // What the tablets were told was applied, per parent.
    let mut acked_events: HashMap<(RecordKind, RecordId), u64> = HashMap::new();
    // Parents with a refused or unanswered change: their counter may not match.
    let mut doubtful: HashSet<RecordId> = HashSet::new();
    // Parents with an unanswered event: it may have been applied without the tablet knowing.
    let mut unanswered: HashSet<RecordId> = HashSet::new();
    for (_, entry) in entries {
        let m = &entry.mutation;
        if let Op::AppendEvent { fields, .. } = &m.op {
            for key in ["task", "lead"] {
                if let Some(parent) = uuid_field(fields, key) {
                    if entry.acked() {
                        *acked_events.entry((m.kind, parent)).or_default() += 1;
                    } else {
                        doubtful.insert(parent);
                    }
                    if entry.answers.is_empty() {
                        unanswered.insert(parent);
                    }
                }
            }
        }
        if !entry.acked() {
            doubtful.insert(m.record_id);
        }
    }
    for ((kind, parent), told) in &acked_events {
        let found = events.get(&(*kind, *parent)).copied().unwrap_or(0);
        if found > *told && !unanswered.contains(parent) {
            verdict.twice(format!(
                "{parent} has {found} {kind} events on the server, its tablet was told of {told}"
            ));
        }
        // Fewer is already counted as lost, event by event.
        let counter = match kind {
            RecordKind::CallAttempt => Some("attempts"),
            RecordKind::LeadActivity => Some("follow_ups"),
            _ => None,
        };
        if let (Some(counter), false) = (counter, doubtful.contains(parent))
            && let Some(Record::Entity(e)) = records.get(parent)
            && let Some(n) = e.value(counter).and_then(Value::as_u64)
            && n != found
        {
            verdict.wrong(format!(
                "{parent}: its {counter} counter says {n}, the server has {found} {kind} events"
            ));
        }
    }
    for (_, entry) in entries.iter().filter(|(_, e)| e.acked()) {
        let m = &entry.mutation;
        let Op::Transition { field, to, .. } = &m.op else {
            continue;
        };
        if m.kind != RecordKind::Lead || field != "stage" || to != "delivered" {
            continue;
        }
        verdict.deliveries += 1;
        let lead = m.record_id;
        // The server's ids for a delivery's callback (crates/server/src/sync/leads.rs).
        let task = RecordId::fixed(&format!("lead:{lead}:post_delivery"));
        match records.get(&task) {
            Some(Record::Entity(e)) if e.kind == RecordKind::CallbackTask => {}
            _ => verdict.lose(format!(
                "lead {lead} was delivered (acknowledged) but its post-delivery callback {task} \
                 is not on the server"
            )),
        }
        for kind in [RecordKind::CallbackTask, RecordKind::Customer] {
            let n = made_for_lead.get(&(kind, lead)).copied().unwrap_or(0);
            if n > 1 {
                verdict.twice(format!("lead {lead} has {n} post-delivery {kind} records"));
            }
        }
    }
}

/// Pushes every answered mutation again, tablet by tablet, whole steps per push.
async fn replay(tablets: &[Tablet], api: &Api, verdict: &mut Verdict) -> Result<(), VerifyError> {
    for tablet in tablets {
        let answered: Vec<&Entry> = tablet
            .entries
            .iter()
            .filter(|e| !e.answers.is_empty())
            .collect();
        let mut start = 0;
        while start < answered.len() {
            let mut end = (start + PUSH_BATCH).min(answered.len());
            // Never end inside a step.
            while end < answered.len()
                && end > start + 1
                && answered[end].mutation.step.is_some()
                && answered[end].mutation.step == answered[end - 1].mutation.step
            {
                end -= 1;
            }
            let chunk = &answered[start..end];
            let request = PushRequest {
                schema_version: SCHEMA_VERSION,
                client_id: tablet.client,
                mutations: chunk.iter().map(|e| e.mutation.clone()).collect(),
            };
            let response = api
                .push(&tablet.identity.token, &request)
                .await
                .map_err(VerifyError::Replay)?;
            if response.results.len() != chunk.len() {
                verdict.wrong(format!(
                    "a replay of {} mutations got {} results",
                    chunk.len(),
                    response.results.len()
                ));
            }
            for (entry, result) in chunk.iter().zip(&response.results) {
                verdict.replayed += 1;
                let Some(first) = entry.answer() else {
                    continue;
                };
                let expected = first.clone().replayed();
                if result.outcome != expected {
                    let m = &entry.mutation;
                    let problem = format!(
                        "tablet {} mutation {} ({} of {} {}): first answered {first:?}, \
                         replayed {:?}",
                        tablet.n,
                        m.mutation_id,
                        m.op.name(),
                        m.kind,
                        m.record_id,
                        result.outcome
                    );
                    if matches!(result.outcome, Outcome::Applied { .. }) {
                        verdict.twice(problem);
                    } else {
                        verdict.wrong(problem);
                    }
                }
            }
            start = end;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
