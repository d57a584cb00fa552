//! Records the tests put on the server before a tablet opens: customers with a visit and a
//! callback for an agent, through the same push API the devices use.

use crate::Result;
use huifang_core::care::dates::Day;
use huifang_core::sync::{Op, RecordId, RecordKind, Scope};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// A field map from pairs.
pub fn fields(pairs: &[(&str, Value)]) -> BTreeMap<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

/// A fresh record id (UUIDv7), unique within the test run.
pub fn new_id() -> RecordId {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default();
    let mut bits = [0x5e; 10];
    bits[3..].copy_from_slice(&NEXT.fetch_add(1, Ordering::Relaxed).to_be_bytes()[1..]);
    RecordId::new_v7(ms, bits)
}

/// A customer with yesterday's visit and a post-service callback for `agent`; returns the
/// task's id.
pub async fn callback_for(
    supervisor: &crate::ApiClient,
    agent: &huifang_core::UserId,
    name: &str,
    phone: &str,
    work_order: &str,
    today: Day,
) -> Result<RecordId> {
    let store = Scope {
        store: supervisor.me.store_id.clone(),
        owner: None,
    };
    let (customer, visit, task) = (new_id(), new_id(), new_id());
    let changes = vec![
        (
            RecordKind::Customer,
            customer,
            Op::Create {
                scope: store.clone(),
                fields: fields(&[("name", json!(name)), ("phone", json!(phone))]),
            },
        ),
        (
            RecordKind::ServiceVisit,
            visit,
            Op::Create {
                scope: store.clone(),
                fields: fields(&[
                    ("customer", json!(customer.to_string())),
                    ("date", json!(today.plus(-1).to_string())),
                    ("work_order", json!(work_order)),
                    ("items", json!("首保")),
                    ("advisor", json!("刘强")),
                ]),
            },
        ),
        (
            RecordKind::CallbackTask,
            task,
            Op::Create {
                scope: Scope {
                    store: store.store.clone(),
                    owner: Some(agent.clone()),
                },
                fields: fields(&[
                    ("customer", json!(customer.to_string())),
                    ("purpose", json!("post_service")),
                    ("due_by", json!(today.plus(2).to_string())),
                    ("work_order", json!(work_order)),
                ]),
            },
        ),
    ];
    supervisor.apply(changes).await?;
    Ok(task)
}

/// What [`report_month`] put on the server: the ids a reports test checks against.
pub struct ReportSeed {
    /// The member (金卡) customer with a completed callback record, and the one without.
    pub member_called: RecordId,
    pub member_not_called: RecordId,
    /// The complaint 李娜 registered from an unsatisfied callback (category `waiting_time`).
    pub complaint: RecordId,
    /// 张伟's two leads: the first followed up, the second not yet.
    pub leads: [RecordId; 2],
}

type Change = (RecordKind, RecordId, Op);

fn own(api: &crate::ApiClient) -> Scope {
    Scope {
        store: api.me.store_id.clone(),
        owner: Some(api.me.id.clone()),
    }
}

fn event(api: &crate::ApiClient, kind: RecordKind, pairs: &[(&str, Value)]) -> Change {
    (
        kind,
        new_id(),
        Op::AppendEvent {
            scope: own(api),
            fields: fields(pairs),
        },
    )
}

/// A call attempt on `task`, as the call page logs it.
fn attempt(api: &crate::ApiClient, customer: RecordId, task: RecordId, outcome: &str) -> Change {
    event(
        api,
        RecordKind::CallAttempt,
        &[
            ("customer", json!(customer.to_string())),
            ("task", json!(task.to_string())),
            ("outcome", json!(outcome)),
            ("purpose", json!("post_service")),
            (
                "seconds",
                json!(if outcome == "reached" { 180 } else { 30 }),
            ),
        ],
    )
}

/// The callback record (回访记录表) of a reached customer and the task completed, as the
/// call page saves them.
fn completed(
    api: &crate::ApiClient,
    customer: RecordId,
    task: RecordId,
    satisfaction: &str,
    suggestions: &str,
) -> Vec<Change> {
    let complaint = satisfaction == "unsatisfied";
    let move_to = |from: &str, to: &str| {
        (
            RecordKind::CallbackTask,
            task,
            Op::Transition {
                field: "status".to_owned(),
                from: from.to_owned(),
                to: to.to_owned(),
                reason: None,
            },
        )
    };
    vec![
        event(
            api,
            RecordKind::CallbackRecord,
            &[
                ("customer", json!(customer.to_string())),
                ("task", json!(task.to_string())),
                ("purpose", json!("post_service")),
                ("satisfaction", json!(satisfaction)),
                ("suggestions", json!(suggestions)),
                ("complaint", json!(complaint)),
                (
                    "next_action",
                    json!(if complaint { "complaint" } else { "nothing" }),
                ),
                ("notes", json!("")),
            ],
        ),
        move_to("open", "in_progress"),
        move_to("in_progress", "completed"),
    ]
}

fn failed(what: &str, e: impl std::fmt::Display) -> crate::E2eError {
    crate::E2eError::Other(format!("{what}: {e}"))
}

/// A month's worth of care and sales work for the reports, through the push API as the
/// tablets would send it: five customers (two of them 金卡 members) with a post-service
/// callback due `today` each — 王丽 (`agent1`) has three, 李娜 (`agent2`) two.
///
/// - 王丽: member 周建华 no answer, then reached, "非常满意" with a suggestion; member 吴海燕 no
///   answer (still open); 钱芳 not called yet.
/// - 李娜: 郑丽 reached, "满意" with the same suggestion (written with a full stop); 孙明
///   reached, "不满意", and a complaint registered from the call (`waiting_time`), with the
///   core's `complaints::register` writes.
/// - 张伟 (`advisor1`) captures two leads with the core's `leads::capture`; follows one up.
///
/// So, for the period holding `today`: callbacks completed 3/5, attempts reached 3/5,
/// satisfied 2/3, members covered 1/2, one complaint, two leads (one followed up).
pub async fn report_month(
    supervisor: &crate::ApiClient,
    agent1: &crate::ApiClient,
    agent2: &crate::ApiClient,
    advisor1: &crate::ApiClient,
    today: Day,
    now_ms: i64,
) -> Result<ReportSeed> {
    use huifang_core::care::complaints::{
        self, Category, Channel, ComplaintRules, Registration, Severity,
    };
    use huifang_core::sales::leads::{self, FollowUp, Grade, LeadForm, SalesRules, Source};
    use huifang_core::sync::{Record, UserCtx, Write};

    let store = Scope {
        store: supervisor.me.store_id.clone(),
        owner: None,
    };
    // (name, phone, member level, agent)
    let people: [(&str, &str, &str, &crate::ApiClient); 5] = [
        ("周建华", "13700137001", "金卡", agent1),
        ("吴海燕", "13700137002", "金卡", agent1),
        ("钱芳", "13700137005", "", agent1),
        ("郑丽", "13700137003", "", agent2),
        ("孙明", "13700137004", "", agent2),
    ];
    let mut customers = Vec::new();
    let mut tasks = Vec::new();
    let mut changes = Vec::new();
    for (i, (name, phone, level, agent)) in people.iter().enumerate() {
        let (customer, task) = (new_id(), new_id());
        let mut about = vec![("name", json!(name)), ("phone", json!(phone))];
        if !level.is_empty() {
            about.push(("member_level", json!(level)));
        }
        changes.push((
            RecordKind::Customer,
            customer,
            Op::Create {
                scope: store.clone(),
                fields: fields(&about),
            },
        ));
        changes.push((
            RecordKind::CallbackTask,
            task,
            Op::Create {
                scope: Scope {
                    store: store.store.clone(),
                    owner: Some(agent.me.id.clone()),
                },
                fields: fields(&[
                    ("customer", json!(customer.to_string())),
                    ("purpose", json!("post_service")),
                    ("due_by", json!(today.to_string())),
                    ("work_order", json!(format!("WO-52{i:02}"))),
                ]),
            },
        ));
        customers.push(customer);
        tasks.push(task);
    }
    supervisor.apply(changes).await?;

    // 王丽's calls.
    let mut calls = vec![
        attempt(agent1, customers[0], tasks[0], "no_answer"),
        attempt(agent1, customers[0], tasks[0], "reached"),
    ];
    calls.extend(completed(
        agent1,
        customers[0],
        tasks[0],
        "very_satisfied",
        "希望延长周末营业时间",
    ));
    calls.push(attempt(agent1, customers[1], tasks[1], "no_answer"));
    agent1.apply(calls).await?;

    // 李娜's calls, and the complaint from the unsatisfied one.
    let mut calls = vec![attempt(agent2, customers[3], tasks[3], "reached")];
    calls.extend(completed(
        agent2,
        customers[3],
        tasks[3],
        "satisfied",
        "希望延长周末营业时间。",
    ));
    calls.push(attempt(agent2, customers[4], tasks[4], "reached"));
    calls.extend(completed(
        agent2,
        customers[4],
        tasks[4],
        "unsatisfied",
        "等待时间太长",
    ));
    let complaint = new_id();
    let rules = ComplaintRules::default();
    let ctx = UserCtx::of(&agent2.me);
    let writes = complaints::register(
        complaints::Ctx {
            user: &ctx,
            now_ms,
            today,
            rules: &rules,
        },
        complaint,
        &Registration {
            customer: Some(customers[4]),
            complainant: "孙明".into(),
            phone: "13700137004".into(),
            channel: Some(Channel::Callback),
            received_at: now_ms,
            vehicle: "沪A·52004".into(),
            work_order: "WO-5204".into(),
            task: Some(tasks[4]),
            category: Some(Category::WaitingTime),
            severity: Some(Severity::General),
            content: "保养等了三个小时，没人解释".into(),
            demand: "希望店里给个说法".into(),
        },
    )
    .map_err(|e| failed("the complaint", e))?;
    let as_change = |w: Write| (w.kind, w.record.unwrap_or_else(new_id), w.op);
    calls.extend(writes.into_iter().map(as_change));
    agent2.apply(calls).await?;

    // 张伟's two leads; the first followed up by phone.
    let sales_rules = SalesRules::default();
    let ctx = UserCtx::of(&advisor1.me);
    let lead_ctx = || leads::Ctx {
        user: &ctx,
        now_ms,
        today,
        rules: &sales_rules,
    };
    let lead_ids = [new_id(), new_id()];
    for (id, (phone, name, grade)) in lead_ids.iter().zip([
        ("13911110001", "冯先生", Grade::H),
        ("13911110002", "陈女士", Grade::A),
    ]) {
        let form = LeadForm {
            phone: phone.into(),
            name: name.into(),
            source: Some(Source::WalkIn),
            models: vec!["凯美瑞".into()],
            grade: Some(grade),
            ..LeadForm::default()
        };
        let writes =
            leads::capture(lead_ctx(), *id, &form, &[]).map_err(|e| failed("a lead", e))?;
        advisor1
            .apply(writes.into_iter().map(as_change).collect())
            .await?;
    }
    let first = advisor1
        .records()
        .await?
        .into_iter()
        .find_map(|r| match r {
            Record::Entity(e) if e.id == lead_ids[0] => Some(e),
            _ => None,
        })
        .ok_or_else(|| failed("the lead", "not on the server"))?;
    let writes = leads::follow_up(
        lead_ctx(),
        &first,
        &FollowUp {
            channel: leads::Channel::Call,
            outcome: "约周六来店看车".into(),
            next: None,
            regrade: None,
        },
    )
    .map_err(|e| failed("the follow-up", e))?;
    advisor1
        .apply(writes.into_iter().map(as_change).collect())
        .await?;

    Ok(ReportSeed {
        member_called: customers[0],
        member_not_called: customers[1],
        complaint,
        leads: lead_ids,
    })
}
