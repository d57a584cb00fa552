//! The call script in the agent's call: which published version to run, its placeholders
//! filled from the customer, car, visit, agent and store, and what the run gives the call —
//! the attempt's outcome, the record's satisfaction and suggestions, a complaint filled from
//! an unsatisfied answer. The run is kept on the tablet with the version it began on, so a
//! call begun on version N finishes on N even if N+1 arrives meanwhile.

use crate::calls::Task;
use crate::model::CustomerFile;
use huifang_core::care::calls::{Outcome, Satisfaction};
use huifang_core::care::complaints::{Channel, Registration, Severity};
use huifang_core::scripts::fields;
use huifang_core::scripts::graph::{EndOutcome, Graph, Tag};
use huifang_core::scripts::runner::Run;
use huifang_core::sync::{Record, RecordId, RecordKind};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// A published script version.
#[derive(Debug, Clone, PartialEq)]
pub struct Version {
    /// The `script_version` event's id: what the record names.
    pub id: RecordId,
    pub script: String,
    pub number: u32,
    pub graph: Graph,
}

impl Version {
    fn from_record(r: &Record) -> Option<(Version, String, String)> {
        let Record::Event(e) = r else { return None };
        if e.kind != RecordKind::ScriptVersion {
            return None;
        }
        let s = |f: &str| {
            e.fields
                .get(f)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned()
        };
        let graph: Graph = serde_json::from_value(e.fields.get(fields::GRAPH)?.clone()).ok()?;
        let number = e.fields.get(fields::VERSION).and_then(Value::as_u64)?;
        Some((
            Version {
                id: e.id,
                script: s(fields::SCRIPT),
                number: u32::try_from(number).ok()?,
                graph,
            },
            s(fields::PURPOSE),
            s(fields::LANG),
        ))
    }

    /// The newest published version for `purpose` in `lang` (English when the language
    /// has none).
    pub fn current(records: &[Record], purpose: &str, lang: &str) -> Option<Version> {
        let newest = |want: &str| {
            records
                .iter()
                .filter_map(Version::from_record)
                .filter(|(_, p, l)| p == purpose && l == want)
                .map(|(v, _, _)| v)
                .max_by(|a, b| a.number.cmp(&b.number).then(a.id.cmp(&b.id)))
        };
        newest(lang).or_else(|| newest("en"))
    }

    /// The version with event id `id`.
    pub fn by_id(records: &[Record], id: RecordId) -> Option<Version> {
        records
            .iter()
            .filter(|r| r.id() == id)
            .find_map(Version::from_record)
            .map(|(v, _, _)| v)
    }
}

/// A run in progress, kept on the tablet until the call's outcome is saved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedRun {
    pub task: RecordId,
    pub version: RecordId,
    pub run: Run,
}

/// The placeholder values for a call.
pub fn placeholders(
    file: &CustomerFile,
    task: &Task,
    agent: &str,
    store: &str,
    title: &str,
) -> BTreeMap<String, String> {
    let visit = task
        .work_order
        .as_ref()
        .and_then(|wo| file.visits.iter().find(|v| &v.work_order == wo))
        .or(file.visits.first());
    let car = file.vehicles.first();
    let mut v = BTreeMap::new();
    let mut put = |k: &str, val: &str| {
        v.insert(k.to_owned(), val.to_owned());
    };
    put("customer.name", &file.customer.name);
    put("customer.title", title);
    put("vehicle.model", car.map(|c| c.model.as_str()).unwrap_or(""));
    put("vehicle.plate", car.map(|c| c.plate.as_str()).unwrap_or(""));
    put("visit.date", visit.map(|x| x.date.as_str()).unwrap_or(""));
    put("visit.items", visit.map(|x| x.items.as_str()).unwrap_or(""));
    put(
        "visit.advisor",
        visit.map(|x| x.advisor.as_str()).unwrap_or(""),
    );
    put("agent.name", agent);
    put("store.name", store);
    put("store.phone", "");
    v
}

/// The attempt outcome an ended run implies.
pub fn outcome_of(end: EndOutcome) -> Outcome {
    match end {
        EndOutcome::Completed => Outcome::Reached,
        EndOutcome::Rescheduled => Outcome::NotConvenient,
        EndOutcome::Refused => Outcome::Refused,
        EndOutcome::WrongPerson => Outcome::WrongNumber,
    }
}

/// The satisfaction the run's answers gave (the last tagged one).
pub fn satisfaction_of(run: &Run) -> Option<Satisfaction> {
    run.path.iter().rev().find_map(|s| match s.tag {
        Some(Tag::Satisfied) => Some(Satisfaction::Satisfied),
        Some(Tag::Neutral) => Some(Satisfaction::Neutral),
        Some(Tag::Unsatisfied) => Some(Satisfaction::Unsatisfied),
        _ => None,
    })
}

/// What the customer said in free text: their suggestion or what fell short.
pub fn said(run: &Run) -> String {
    ["suggestions", "issue"]
        .iter()
        .filter_map(|k| run.values.get(*k))
        .cloned()
        .collect::<Vec<_>>()
        .join("；")
}

/// The fields a callback record gets from its run: the exact version and the path taken.
pub fn record_fields(saved: &SavedRun) -> Vec<(String, Value)> {
    vec![
        (
            "script_version".to_owned(),
            json!(saved.version.to_string()),
        ),
        ("script_version_no".to_owned(), json!(saved.run.version)),
        ("script_path".to_owned(), json!(saved.run.path)),
        ("script_values".to_owned(), json!(saved.run.values)),
    ]
}

/// The registration form of a complaint from an unsatisfied answer, filled from the call: the
/// customer, the visit, the question and answer, what the customer said. The agent picks the
/// category and saves it without leaving the call.
pub fn complaint_from(
    task: &Task,
    file: &CustomerFile,
    question: &str,
    answer: &str,
    said: &str,
    now_ms: i64,
) -> Registration {
    let content = if said.trim().is_empty() {
        format!("{question} — {answer}")
    } else {
        format!("{question} — {answer}\n{said}")
    };
    Registration {
        customer: Some(task.customer),
        complainant: file.customer.name.clone(),
        phone: file.customer.phone.clone(),
        channel: Some(Channel::Callback),
        received_at: now_ms,
        vehicle: file
            .vehicles
            .first()
            .map(|v| v.plate.clone())
            .unwrap_or_default(),
        work_order: task.work_order.clone().unwrap_or_default(),
        task: Some(task.id),
        category: None,
        severity: Some(Severity::General),
        content,
        demand: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use huifang_core::StoreId;
    use huifang_core::UserId;
    use huifang_core::care::rules::Purpose;
    use huifang_core::scripts::defaults::default_script;
    use huifang_core::sync::{ClientId, Event, Hlc, Scope};

    fn version_event(n: u128, number: u32, purpose: Purpose, lang: &str) -> Record {
        let graph = serde_json::to_value(default_script(purpose, lang)).expect("json");
        Record::Event(Event {
            id: RecordId(uuid::Uuid::from_u128(n)),
            kind: RecordKind::ScriptVersion,
            scope: Scope {
                store: StoreId("s".into()),
                owner: Some(UserId("sup".into())),
            },
            fields: [
                ("script", json!("script-1")),
                ("version", json!(number)),
                ("purpose", json!(purpose.as_str())),
                ("lang", json!(lang)),
                ("graph", graph),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
            stamp: Hlc {
                wall_ms: 1,
                counter: 0,
                node: ClientId(uuid::Uuid::from_u128(1)),
            },
            by: UserId("sup".into()),
            version: 1,
        })
    }

    #[test]
    fn the_newest_version_in_the_language_is_run_and_an_old_one_stays_findable() {
        let records = vec![
            version_event(1, 1, Purpose::PostService, "zh-CN"),
            version_event(2, 2, Purpose::PostService, "zh-CN"),
            version_event(3, 1, Purpose::PostService, "en"),
            version_event(4, 1, Purpose::Recovery, "en"),
        ];
        let v = Version::current(&records, "post_service", "zh-CN").expect("a version");
        assert_eq!((v.number, v.id), (2, RecordId(uuid::Uuid::from_u128(2))));
        // No Chinese recovery script: the English one.
        let v = Version::current(&records, "recovery", "zh-CN").expect("english");
        assert_eq!(v.id, RecordId(uuid::Uuid::from_u128(4)));
        let old = Version::by_id(&records, RecordId(uuid::Uuid::from_u128(1))).expect("v1");
        assert_eq!(old.number, 1);
        assert!(Version::current(&records, "campaign", "zh-CN").is_none());
    }

    #[test]
    fn an_unsatisfied_run_gives_the_record_and_the_complaint_their_content() {
        let g = default_script(Purpose::PostService, "zh-CN");
        let mut run = Run::start(&g, "script-1", 1, 0).expect("run");
        run.answer(&g, 0, 1).expect("是本人");
        run.answer(&g, 0, 2).expect("方便");
        run.answer(&g, 2, 3).expect("不满意");
        let issue: BTreeMap<String, String> =
            [("issue".to_owned(), "等了两个小时".to_owned())].into();
        run.capture(&g, &issue, 4).expect("captures");
        assert_eq!(run.ended(&g).map(outcome_of), Some(Outcome::Reached));
        assert_eq!(satisfaction_of(&run), Some(Satisfaction::Unsatisfied));
        assert_eq!(said(&run), "等了两个小时");
        let saved = SavedRun {
            task: RecordId(uuid::Uuid::from_u128(9)),
            version: RecordId(uuid::Uuid::from_u128(2)),
            run,
        };
        let fields: BTreeMap<String, Value> = record_fields(&saved).into_iter().collect();
        assert_eq!(fields["script_version_no"], json!(1));
        assert_eq!(fields["script_path"].as_array().map(Vec::len), Some(4));
        let task = Task {
            id: RecordId(uuid::Uuid::from_u128(9)),
            customer: RecordId(uuid::Uuid::from_u128(7)),
            purpose: Some(Purpose::PostService),
            due_by: None,
            status: "in_progress".into(),
            next_try_at: None,
            assigned_at: None,
            owner: None,
            work_order: Some("WO-1".into()),
        };
        let file = CustomerFile {
            customer: crate::model::Customer {
                id: task.customer,
                name: "王建国".into(),
                phone: "13800138000".into(),
                note: String::new(),
                email: String::new(),
                stamps: BTreeMap::new(),
                conflicted: Vec::new(),
            },
            member_level: String::new(),
            member_expiry: String::new(),
            insurance_expiry: String::new(),
            tags: Vec::new(),
            quiet_hours: Vec::new(),
            do_not_contact: BTreeMap::new(),
            vehicles: Vec::new(),
            visits: Vec::new(),
            tasks: Vec::new(),
            attempts: Vec::new(),
            records: Vec::new(),
            appointments: Vec::new(),
            loyalty: huifang_core::care::rules::Loyalty::Regular,
        };
        let form = complaint_from(&task, &file, "满意吗？", "不满意", "等了两个小时", 5);
        assert_eq!(form.work_order, "WO-1");
        assert_eq!(form.content, "满意吗？ — 不满意\n等了两个小时");
        assert_eq!(form.complainant, "王建国");
        assert_eq!(form.task, Some(task.id));
        assert_eq!(form.category, None, "the agent picks the category");
    }
}
