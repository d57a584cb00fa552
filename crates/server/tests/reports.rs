//! Reports on the server, on every backend: `GET /api/reports` is the core's `report` over what
//! the caller's own tablet pulled, `/api/reports/group` adds up the group's stores and only
//! them, the callback summary exports (`/api/reports/summary`, CSV and XLSX) hold the core's
//! summary rows, only the right roles read them, and a bad query is refused with the reason.
//!
//! The store is seeded the way the app fills it: devices push the core's writes (complaints,
//! leads) and, where the app writes plain fields (customers, tasks, calls, appointments),
//! those fields, all through `/api/sync/push`.

mod common;

use axum::Router;
use axum::http::StatusCode;
use calamine::{Data, Reader, Xlsx};
use common::device::{Device, Person, person, pulled, push_ok};
use common::{TestResponse, demo_app, get_with_token, send};
use huifang_core::care::calls::fields as call;
use huifang_core::care::complaints::{self, Category, ComplaintRules, Registration, Severity};
use huifang_core::care::dates::Day;
use huifang_core::care::kpi::Period;
use huifang_core::care::rules::Rules;
use huifang_core::reports::summary::{Scope as SummaryScope, summary};
use huifang_core::reports::{Input, Kpi, Report, report};
use huifang_core::sales::leads::{self, FollowUp, LeadForm, SalesRules, Stage};
use huifang_core::sync::{Op, Record, RecordId, RecordKind, Scope, Write};
use huifang_core::{Role, StoreId, UserId, Username};
use huifang_server::AppState;
use huifang_server::db::now_ms;
use huifang_server::reports::GroupReport;
use huifang_server::users::{NewUser, create_store, create_user};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::Cursor;
use uuid::Uuid;

/// The store's time zone (China), as the server counts days.
const OFFSET: i32 = 8 * 60;
const CAMPAIGN: &str = "春节问候";

fn new_id() -> RecordId {
    RecordId(Uuid::now_v7())
}

fn fields(pairs: &[(&str, Value)]) -> BTreeMap<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

fn scope(who: &Person, owner: Option<&UserId>) -> Scope {
    Scope {
        store: who.ctx.store.clone(),
        owner: owner.cloned(),
    }
}

/// An entity `who` creates in their store.
fn create(
    who: &Person,
    kind: RecordKind,
    id: RecordId,
    owner: Option<&UserId>,
    pairs: &[(&str, Value)],
) -> Write {
    Write {
        kind,
        record: Some(id),
        op: Op::Create {
            scope: scope(who, owner),
            fields: fields(pairs),
        },
    }
}

/// An event `who` writes as their own.
fn event(who: &Person, kind: RecordKind, pairs: &[(&str, Value)]) -> Write {
    Write {
        kind,
        record: None,
        op: Op::AppendEvent {
            scope: scope(who, Some(&who.ctx.user)),
            fields: fields(pairs),
        },
    }
}

fn status(kind: RecordKind, id: RecordId, from: &str, to: &str) -> Write {
    Write {
        kind,
        record: Some(id),
        op: Op::Transition {
            field: "status".into(),
            from: from.into(),
            to: to.into(),
            reason: None,
        },
    }
}

/// A customer (`member`: their membership level); its id.
async fn customer(
    app: &Router,
    who: &Person,
    device: &mut Device,
    name: &str,
    phone: &str,
    member: Option<&str>,
) -> RecordId {
    let id = new_id();
    let mut pairs = vec![("name", json!(name)), ("phone", json!(phone))];
    if let Some(level) = member {
        pairs.push(("member_level", json!(level)));
    }
    push_ok(
        app,
        who,
        device,
        vec![create(who, RecordKind::Customer, id, None, &pairs)],
    )
    .await;
    id
}

/// A callback task the supervisor gives `agent`; its id.
#[allow(clippy::too_many_arguments)]
async fn task(
    app: &Router,
    supervisor: &Person,
    desk: &mut Device,
    agent: &Person,
    customer: RecordId,
    purpose: &str,
    due_by: Day,
    campaign: Option<&str>,
) -> RecordId {
    let id = new_id();
    let mut pairs = vec![
        (call::CUSTOMER, json!(customer.to_string())),
        (call::PURPOSE, json!(purpose)),
        (call::DUE_BY, json!(due_by.to_string())),
        ("key", json!(format!("{customer}:{purpose}:{due_by}"))),
    ];
    if let Some(name) = campaign {
        pairs.push(("campaign", json!(name)));
    }
    let task = create(
        supervisor,
        RecordKind::CallbackTask,
        id,
        Some(&agent.ctx.user),
        &pairs,
    );
    push_ok(app, supervisor, desk, vec![task]).await;
    id
}

fn attempt(agent: &Person, task: RecordId, customer: RecordId, outcome: &str) -> Write {
    event(
        agent,
        RecordKind::CallAttempt,
        &[
            (call::TASK, json!(task.to_string())),
            (call::CUSTOMER, json!(customer.to_string())),
            (call::OUTCOME, json!(outcome)),
            (call::STARTED_AT, json!(now_ms())),
            (call::SECONDS, json!(95)),
        ],
    )
}

/// A call that reached the customer, the callback record and the task completed.
#[allow(clippy::too_many_arguments)]
async fn callback(
    app: &Router,
    agent: &Person,
    tablet: &mut Device,
    task: RecordId,
    customer: RecordId,
    purpose: &str,
    satisfaction: &str,
    suggestions: &str,
    next_action: &str,
) {
    let record = event(
        agent,
        RecordKind::CallbackRecord,
        &[
            (call::TASK, json!(task.to_string())),
            (call::CUSTOMER, json!(customer.to_string())),
            (call::PURPOSE, json!(purpose)),
            (call::SATISFACTION, json!(satisfaction)),
            (call::SUGGESTIONS, json!(suggestions)),
            (call::NEXT_ACTION, json!(next_action)),
            (call::NOTES, json!("")),
        ],
    );
    let writes = vec![
        status(RecordKind::CallbackTask, task, "open", "in_progress"),
        attempt(agent, task, customer, "reached"),
        record,
        status(RecordKind::CallbackTask, task, "in_progress", "completed"),
    ];
    push_ok(app, agent, tablet, writes).await;
}

/// What [`seed`] made that the tests look for.
struct Seeded {
    supervisor: Person,
    manager: Person,
    period: Period,
}

/// A store's month: members and not, cars delivered and serviced, callbacks completed, late
/// and not reached, a campaign, appointments kept and missed, a complaint from a callback,
/// leads followed and ordered.
async fn seed(app: &Router, state: &AppState) -> Seeded {
    let supervisor = person(app, state, "supervisor").await;
    let agent1 = person(app, state, "agent1").await;
    let agent2 = person(app, state, "agent2").await;
    let advisor = person(app, state, "advisor1").await;
    let manager = person(app, state, "manager").await;
    let (mut desk, mut tablet1, mut tablet2, mut showroom) = (
        Device::of(&supervisor),
        Device::of(&agent1),
        Device::of(&agent2),
        Device::of(&advisor),
    );
    let today = common::today();

    let gold = customer(
        app,
        &supervisor,
        &mut desk,
        "王建国",
        "13800138000",
        Some("金卡"),
    )
    .await;
    let silver = customer(
        app,
        &supervisor,
        &mut desk,
        "李秀英",
        "13900139000",
        Some("银卡"),
    )
    .await;
    let plain = customer(app, &supervisor, &mut desk, "张伟", "13700137000", None).await;
    let new_car = customer(app, &supervisor, &mut desk, "刘洋", "13600136000", None).await;

    // Cars and visits: the new car's first service fell due two days ago and it came back
    // yesterday; the plain customer's fell due five days ago and it did not; the gold member's
    // second service fell due three days ago and it came yesterday.
    let first = Rules::default().first_service_after;
    let interval = Rules::default().service_interval;
    let vehicle = |c: RecordId, plate: &str, bought: Day| {
        create(
            &supervisor,
            RecordKind::Vehicle,
            new_id(),
            None,
            &[
                ("customer", json!(c.to_string())),
                ("plate", json!(plate)),
                ("purchase_date", json!(bought.to_string())),
            ],
        )
    };
    let visit = |c: RecordId, day: Day| {
        create(
            &supervisor,
            RecordKind::ServiceVisit,
            new_id(),
            None,
            &[
                ("customer", json!(c.to_string())),
                ("date", json!(day.to_string())),
                ("work_order", json!(format!("WO-{day}"))),
            ],
        )
    };
    let first_visit = today.plus(-3 - interval);
    let writes = vec![
        vehicle(new_car, "冀A·10001", today.plus(-2 - first)),
        visit(new_car, today.plus(-1)),
        vehicle(plain, "冀A·10002", today.plus(-5 - first)),
        vehicle(gold, "冀A·10003", first_visit.plus(-30)),
        visit(gold, first_visit),
        visit(gold, today.plus(-1)),
    ];
    push_ok(app, &supervisor, &mut desk, writes).await;

    // Callbacks: after service (reached on time), a maintenance reminder that booked an
    // appointment, one past its day never reached, a campaign of two (one reached, one busy),
    // and one cancelled.
    let after_service = task(
        app,
        &supervisor,
        &mut desk,
        &agent1,
        gold,
        "post_service",
        today.plus(1),
        None,
    )
    .await;
    let reminder = task(
        app,
        &supervisor,
        &mut desk,
        &agent2,
        silver,
        "maintenance_reminder",
        today,
        None,
    )
    .await;
    // Past its day and never reached.
    task(
        app,
        &supervisor,
        &mut desk,
        &agent1,
        plain,
        "post_service",
        today.plus(-3),
        None,
    )
    .await;
    let greeted = task(
        app,
        &supervisor,
        &mut desk,
        &agent1,
        plain,
        "campaign",
        today.plus(2),
        Some(CAMPAIGN),
    )
    .await;
    let busy = task(
        app,
        &supervisor,
        &mut desk,
        &agent2,
        new_car,
        "campaign",
        today.plus(2),
        Some(CAMPAIGN),
    )
    .await;
    let cancelled = task(
        app,
        &supervisor,
        &mut desk,
        &agent2,
        silver,
        "insurance_renewal",
        today.plus(1),
        None,
    )
    .await;
    push_ok(
        app,
        &supervisor,
        &mut desk,
        vec![status(
            RecordKind::CallbackTask,
            cancelled,
            "open",
            "cancelled",
        )],
    )
    .await;

    push_ok(
        app,
        &agent1,
        &mut tablet1,
        vec![attempt(&agent1, after_service, gold, "no_answer")],
    )
    .await;
    callback(
        app,
        &agent1,
        &mut tablet1,
        after_service,
        gold,
        "post_service",
        "very_satisfied",
        "休息区增加饮品。",
        "nothing",
    )
    .await;
    callback(
        app,
        &agent2,
        &mut tablet2,
        reminder,
        silver,
        "maintenance_reminder",
        "unsatisfied",
        "休息区增加饮品",
        "appointment",
    )
    .await;
    callback(
        app,
        &agent1,
        &mut tablet1,
        greeted,
        plain,
        "campaign",
        "satisfied",
        "无",
        "complaint",
    )
    .await;
    push_ok(
        app,
        &agent2,
        &mut tablet2,
        vec![
            status(RecordKind::CallbackTask, busy, "open", "in_progress"),
            attempt(&agent2, busy, new_car, "busy"),
        ],
    )
    .await;

    // Appointments: one kept yesterday, one missed the day before.
    let (kept, missed) = (new_id(), new_id());
    let appointment = |id: RecordId, c: RecordId, day: Day| {
        create(
            &agent2,
            RecordKind::Appointment,
            id,
            Some(&agent2.ctx.user),
            &[
                ("customer", json!(c.to_string())),
                ("day", json!(day.to_string())),
                ("slot", json!("09:00-10:00")),
            ],
        )
    };
    let writes = vec![
        appointment(kept, silver, today.plus(-1)),
        appointment(missed, gold, today.plus(-2)),
        status(RecordKind::Appointment, kept, "booked", "arrived"),
        status(RecordKind::Appointment, missed, "booked", "no_show"),
    ];
    push_ok(app, &agent2, &mut tablet2, writes).await;

    // The campaign call turned into a complaint.
    let rules = ComplaintRules::default();
    let form = Registration {
        customer: Some(plain),
        complainant: "张伟".into(),
        phone: "13700137000".into(),
        channel: Some(complaints::Channel::Callback),
        received_at: now_ms() - 3_600_000,
        vehicle: "冀A·10002".into(),
        work_order: String::new(),
        task: Some(greeted),
        category: Some(Category::WaitingTime),
        severity: Some(Severity::General),
        content: "保养等了三个小时".into(),
        demand: "道歉".into(),
    };
    let ctx = complaints::Ctx {
        user: &agent1.ctx,
        now_ms: now_ms(),
        today,
        rules: &rules,
    };
    let writes = complaints::register(ctx, new_id(), &form).expect("a valid form");
    push_ok(app, &agent1, &mut tablet1, writes).await;

    // Leads: one followed up, one ordered, one not touched yet.
    let sales = SalesRules::default();
    let lead_ctx = || leads::Ctx {
        user: &advisor.ctx,
        now_ms: now_ms(),
        today,
        rules: &sales,
    };
    let mut captured = Vec::new();
    for (name, phone) in [
        ("周先生", "13500135001"),
        ("吴女士", "13500135002"),
        ("郑先生", "13500135003"),
    ] {
        let form = LeadForm {
            phone: phone.into(),
            name: name.into(),
            source: Some(leads::Source::WalkIn),
            models: vec!["凯美瑞".into()],
            grade: Some(leads::Grade::A),
            notes: String::new(),
            budget: "20万".into(),
            trade_in: false,
        };
        let id = new_id();
        let writes = leads::capture(lead_ctx(), id, &form, &[]).expect("captured");
        push_ok(app, &advisor, &mut showroom, writes).await;
        captured.push(id);
    }
    let lead = async |id: RecordId| {
        common::entities(state, &manager.ctx, RecordKind::Lead)
            .await
            .into_iter()
            .find(|e| e.id == id)
            .expect("the lead")
    };
    let followed = FollowUp {
        channel: leads::Channel::Call,
        outcome: "周末来试驾".into(),
        next: None,
        regrade: None,
    };
    let writes =
        leads::follow_up(lead_ctx(), &lead(captured[0]).await, &followed).expect("followed");
    push_ok(app, &advisor, &mut showroom, writes).await;
    let writes =
        leads::move_stage(lead_ctx(), &lead(captured[1]).await, Stage::Order, "").expect("ordered");
    push_ok(app, &advisor, &mut showroom, writes).await;

    Seeded {
        supervisor,
        manager,
        period: Period {
            from: today.plus(-10),
            to: today.plus(5),
        },
    }
}

fn input<'a>(period: Period, rules: &'a Rules, complaint_rules: &'a ComplaintRules) -> Input<'a> {
    let now = now_ms();
    Input {
        period,
        today: Day::of_ms(now, OFFSET),
        offset_minutes: OFFSET,
        now_ms: now,
        rules,
        complaint_rules,
    }
}

fn query(period: Period) -> String {
    format!("from={}&to={}", period.from, period.to)
}

/// `GET uri` as `who`, which must answer 200.
async fn get_ok(app: &Router, label: &str, uri: &str, who: &Person) -> TestResponse {
    let response = send(app, get_with_token(uri, &who.token)).await;
    assert_eq!(
        response.status,
        StatusCode::OK,
        "[{label}] {uri}: {}",
        response.text()
    );
    response
}

fn den(r: &Report, kpi: Kpi) -> u32 {
    r.measure(kpi).ratio.den
}

#[tokio::test]
async fn the_store_report_is_the_cores_report_over_what_the_readers_tablet_pulled() {
    for db in common::test_databases().await {
        let label = db.label;
        let (app, state) = demo_app(&db).await;
        let seeded = seed(&app, &state).await;
        let rules = Rules::default();
        let complaint_rules = ComplaintRules::default();
        let uri = format!("/api/reports?{}", query(seeded.period));

        for reader in [&seeded.supervisor, &seeded.manager] {
            let response = get_ok(&app, label, &uri, reader).await;
            let served: Report = serde_json::from_slice(&response.body).expect("a Report");
            let held = pulled(&app, reader).await;
            let computed = report(&held, &input(seeded.period, &rules, &complaint_rules));
            assert_eq!(served, computed, "[{label}] {:?}", reader.ctx.role);

            // The figures are the seed's, so the comparison compares something.
            let ratio = |kpi: Kpi| {
                let r = served.measure(kpi).ratio;
                (r.num, r.den)
            };
            // Due in the period: after service, reminder, late, two campaign calls.
            assert_eq!(ratio(Kpi::CallbackCompletion), (3, 5), "[{label}]");
            // The after-service call on time; the late one never reached.
            assert_eq!(ratio(Kpi::ThreeDay), (1, 2), "[{label}]");
            assert_eq!(ratio(Kpi::MemberCoverage), (2, 2), "[{label}]");
            assert_eq!(ratio(Kpi::EffectiveContact), (3, 5), "[{label}]");
            assert_eq!(ratio(Kpi::Satisfaction), (2, 3), "[{label}]");
            assert_eq!(ratio(Kpi::AppointmentRate), (1, 1), "[{label}]");
            assert_eq!(ratio(Kpi::NoShowRate), (1, 2), "[{label}]");
            assert_eq!(ratio(Kpi::FirstServiceReturn), (1, 2), "[{label}]");
            assert_eq!(ratio(Kpi::SecondServiceReturn), (1, 1), "[{label}]");
            assert_eq!(served.complaints.total, 1, "[{label}]");
            assert_eq!(served.agents.len(), 2, "[{label}] {:?}", served.agents);
        }

        // The store manager reads the leads; the care supervisor's tablet holds none, and
        // neither does their report.
        let of = async |reader: &Person| {
            let response = get_ok(&app, label, &uri, reader).await;
            serde_json::from_slice::<Report>(&response.body).expect("a Report")
        };
        let managers = of(&seeded.manager).await;
        let ratio = |kpi: Kpi| {
            let r = managers.measure(kpi).ratio;
            (r.num, r.den)
        };
        // Followed up: the one with a follow-up logged (an order is not a follow-up).
        assert_eq!(ratio(Kpi::LeadFollowUp), (1, 3), "[{label}]");
        assert_eq!(ratio(Kpi::TestDriveRate), (1, 3), "[{label}]");
        assert_eq!(ratio(Kpi::Conversion), (1, 3), "[{label}]");
        assert_eq!(managers.funnel.total.captured, 3, "[{label}]");
        // The sales manager reads the sales figures alone, as their tablet holds them.
        let salesmgr = person(&app, &state, "salesmgr").await;
        let theirs = of(&salesmgr).await;
        let held = pulled(&app, &salesmgr).await;
        assert_eq!(
            theirs,
            report(&held, &input(seeded.period, &rules, &complaint_rules)),
            "[{label}]"
        );
        assert_eq!(den(&theirs, Kpi::LeadFollowUp), 3, "[{label}]");
        assert_eq!(den(&theirs, Kpi::CallbackCompletion), 0, "[{label}]");
        assert_eq!(theirs.complaints.total, 0, "[{label}]");
        let supervisors = of(&seeded.supervisor).await;
        assert_eq!(den(&supervisors, Kpi::LeadFollowUp), 0, "[{label}]");
        assert!(supervisors.follow_up_by_advisor.is_empty(), "[{label}]");
        state.db.close().await;
    }
}

/// The workbook's only sheet: its name and its cells.
fn read_xlsx(bytes: &[u8]) -> (String, Vec<Vec<Data>>) {
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes.to_vec()))
        .expect("the export is an .xlsx workbook");
    let names = book.sheet_names();
    assert_eq!(names.len(), 1, "one sheet: {names:?}");
    let range = book.worksheet_range(&names[0]).expect("the sheet reads");
    (
        names[0].clone(),
        range.rows().map(<[Data]>::to_vec).collect(),
    )
}

/// The sheet holds `rows` under the header: text as text, counts as numbers.
fn assert_sheet_is(
    label: &str,
    rows: &[huifang_core::care::complaints::stats::Row],
    zh: bool,
    cells: &[Vec<Data>],
) {
    let header = if zh {
        ["分组", "项目", "数值"]
    } else {
        ["Section", "Item", "Figure"]
    };
    let header: Vec<Data> = header.iter().map(|h| Data::String((*h).into())).collect();
    assert_eq!(cells[0], header, "[{label}]");
    assert_eq!(cells.len(), rows.len() + 1, "[{label}] one line per row");
    for (row, line) in rows.iter().zip(&cells[1..]) {
        let figure = if row.value.is_empty() {
            Data::Empty
        } else if let Ok(n) = row.value.parse::<f64>() {
            Data::Float(n)
        } else {
            Data::String(row.value.clone())
        };
        let wanted = vec![
            Data::String(row.section.into()),
            Data::String(row.item.clone()),
            figure,
        ];
        assert_eq!(line, &wanted, "[{label}] {row:?}");
    }
}

/// `text` percent-encoded for a query string.
fn encoded(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test]
async fn the_callback_summary_exports_hold_the_cores_summary() {
    for db in common::test_databases().await {
        let label = db.label;
        let (app, state) = demo_app(&db).await;
        let seeded = seed(&app, &state).await;
        let supervisor = &seeded.supervisor;
        let held = pulled(&app, supervisor).await;
        let names: BTreeMap<UserId, String> =
            huifang_server::users::store_users(&state.db, &supervisor.ctx.store)
                .await
                .expect("users")
                .into_iter()
                .map(|u| (u.id, u.display_name))
                .collect();
        let period = seeded.period;

        let by_period = summary(&held, &SummaryScope::Period(period));
        assert_eq!(
            (by_period.reached.num, by_period.reached.den),
            (3, 5),
            "[{label}]"
        );
        assert_eq!(
            by_period.suggestions,
            vec![("休息区增加饮品".to_owned(), 2)],
            "[{label}]"
        );
        assert_eq!(by_period.complaints, 1, "[{label}]");

        let name = format!("callback-summary-{}-{}", period.from, period.to);
        let csv = get_ok(
            &app,
            label,
            &format!("/api/reports/summary?{}", query(period)),
            supervisor,
        )
        .await;
        assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
        assert_eq!(
            csv.header("content-disposition"),
            Some(format!("attachment; filename=\"{name}.csv\"").as_str()),
            "[{label}]"
        );
        assert_eq!(csv.text(), by_period.to_csv(true, &names), "[{label}]");
        assert!(
            csv.text().contains("王丽 · 接通完成"),
            "[{label}] agents by name"
        );

        let xlsx = get_ok(
            &app,
            label,
            &format!("/api/reports/summary?{}&format=xlsx&lang=en", query(period)),
            supervisor,
        )
        .await;
        assert_eq!(
            xlsx.header("content-disposition"),
            Some(format!("attachment; filename=\"{name}.xlsx\"").as_str()),
            "[{label}]"
        );
        let (sheet, cells) = read_xlsx(&xlsx.body);
        assert_eq!(sheet, "Callback summary", "[{label}]");
        assert_sheet_is(label, &by_period.rows(false, &names), false, &cells);

        // A campaign instead of a period: its two calls, whatever their day.
        let by_campaign = summary(&held, &SummaryScope::Campaign(CAMPAIGN.into()));
        assert_eq!(
            (by_campaign.reached.num, by_campaign.reached.den),
            (1, 2),
            "[{label}]"
        );
        assert_eq!(by_campaign.attempts, 2, "[{label}]");
        let uri = format!(
            "/api/reports/summary?campaign={}&format=xlsx",
            encoded(CAMPAIGN)
        );
        let xlsx = get_ok(&app, label, &uri, &seeded.manager).await;
        assert_eq!(
            xlsx.header("content-disposition"),
            Some(
                format!(
                    "attachment; filename=\"callback-summary-____.xlsx\"; \
                     filename*=UTF-8''callback-summary-{}.xlsx",
                    encoded(CAMPAIGN)
                )
                .as_str()
            ),
            "[{label}]"
        );
        let (sheet, cells) = read_xlsx(&xlsx.body);
        assert_eq!(sheet, "回访总结报告", "[{label}]");
        assert_sheet_is(label, &by_campaign.rows(true, &names), true, &cells);
        let uri = format!(
            "/api/reports/summary?campaign={}&lang=en",
            encoded(CAMPAIGN)
        );
        let csv = get_ok(&app, label, &uri, supervisor).await;
        assert_eq!(csv.text(), by_campaign.to_csv(false, &names), "[{label}]");

        // Care leads only.
        for username in ["agent1", "advisor1", "salesmgr"] {
            let who = person(&app, &state, username).await;
            let response = send(
                &app,
                get_with_token(
                    &format!("/api/reports/summary?{}", query(period)),
                    &who.token,
                ),
            )
            .await;
            assert_refused(
                label,
                &response,
                StatusCode::FORBIDDEN,
                "may not export the callback summary",
            );
        }
        state.db.close().await;
    }
}

fn assert_refused(label: &str, response: &TestResponse, status: StatusCode, reason: &str) {
    assert_eq!(response.status, status, "[{label}] {}", response.text());
    let error = response.api_error();
    assert!(
        error.reason.contains(reason),
        "[{label}] wanted {reason:?} in {:?}",
        error.reason
    );
}

/// Users (password `demo`) in `store`.
async fn add_users(state: &AppState, store: &StoreId, users: &[(&str, Role)]) {
    let hash = huifang_server::auth::hash_password(huifang_server::DEMO_PASSWORD.to_owned())
        .await
        .expect("a hash");
    for (username, role) in users {
        create_user(
            &state.db.pool,
            NewUser {
                store_id: store,
                username: &Username::parse(username).expect("a username"),
                display_name: username,
                role: *role,
                password_hash: &hash,
            },
        )
        .await
        .expect("a user");
    }
}

/// `members` member customers (mobiles `phone_prefix` + a number) and a task due today for
/// each, by `supervisor` for `agent`; every id made.
async fn small_store(
    app: &Router,
    state: &AppState,
    (supervisor, agent): (&str, &str),
    phone_prefix: &str,
    members: usize,
) -> Vec<RecordId> {
    let supervisor = person(app, state, supervisor).await;
    let agent = person(app, state, agent).await;
    let mut desk = Device::of(&supervisor);
    let today = common::today();
    let mut ids = Vec::new();
    for i in 0..members {
        let phone = format!("{phone_prefix}{i:04}");
        let c = customer(app, &supervisor, &mut desk, "客户", &phone, Some("金卡")).await;
        let t = task(
            app,
            &supervisor,
            &mut desk,
            &agent,
            c,
            "post_service",
            today,
            None,
        )
        .await;
        ids.extend([c, t]);
    }
    ids
}

#[tokio::test]
async fn a_group_report_adds_up_the_groups_stores_and_only_them() {
    for db in common::test_databases().await {
        let label = db.label;
        let (app, state) = demo_app(&db).await;
        let demo_store = common::user_ctx(&state, "supervisor").await.store;
        let second = create_store(
            &state.db.pool,
            "鸿达丰田二店",
            Some(huifang_server::DEMO_GROUP),
        )
        .await
        .expect("a store");
        add_users(
            &state,
            &second,
            &[("supb", Role::CareSupervisor), ("agentb", Role::CareAgent)],
        )
        .await;
        let other = create_store(&state.db.pool, "远方汽车4S店", Some("远方集团"))
            .await
            .expect("a store");
        add_users(
            &state,
            &other,
            &[("supc", Role::CareSupervisor), ("agentc", Role::CareAgent)],
        )
        .await;
        small_store(&app, &state, ("supervisor", "agent1"), "1880000", 2).await;
        small_store(&app, &state, ("supb", "agentb"), "1880001", 1).await;
        let elsewhere = small_store(&app, &state, ("supc", "agentc"), "1880002", 3).await;

        let boss = person(&app, &state, "group").await;
        let today = common::today();
        let period = Period {
            from: today.plus(-7),
            to: today,
        };
        let uri = format!("/api/reports/group?{}", query(period));
        let response = get_ok(&app, label, &uri, &boss).await;
        let group: GroupReport = serde_json::from_slice(&response.body).expect("a GroupReport");
        assert_eq!(
            group.group.as_deref(),
            Some(huifang_server::DEMO_GROUP),
            "[{label}]"
        );
        let stores: Vec<(&StoreId, &str)> = group
            .stores
            .iter()
            .map(|s| (&s.store, s.name.as_str()))
            .collect();
        assert_eq!(
            stores,
            [
                (&demo_store, huifang_server::DEMO_STORE),
                (&second, "鸿达丰田二店"),
            ],
            "[{label}]"
        );
        for kpi in Kpi::ALL {
            let sum = |f: fn(huifang_core::care::kpi::Ratio) -> u32| -> u32 {
                group
                    .stores
                    .iter()
                    .map(|s| f(s.report.measure(*kpi).ratio))
                    .sum()
            };
            let total = group.total.measure(*kpi).ratio;
            assert_eq!(total.den, sum(|r| r.den), "[{label}] {kpi:?}");
            assert_eq!(total.num, sum(|r| r.num), "[{label}] {kpi:?}");
        }
        assert_eq!(den(&group.total, Kpi::MemberCoverage), 3, "[{label}]");
        assert_eq!(den(&group.total, Kpi::CallbackCompletion), 3, "[{label}]");
        assert_eq!(den(&group.stores[1].report, Kpi::MemberCoverage), 1);
        // Nothing of the other group's store.
        let body = response.text();
        for id in &elsewhere {
            assert!(!body.contains(&id.to_string()), "[{label}] {id} leaked");
        }

        // The same as the core over what the group manager's tablet holds of these stores.
        let held = pulled(&app, &boss).await;
        let of = |stores: &[&StoreId]| -> Vec<Record> {
            held.iter()
                .filter(|r| stores.contains(&&r.scope().store))
                .cloned()
                .collect()
        };
        let (rules, complaint_rules) = (Rules::default(), ComplaintRules::default());
        let input = input(period, &rules, &complaint_rules);
        assert_eq!(
            group.total,
            report(&of(&[&demo_store, &second]), &input),
            "[{label}]"
        );
        assert_eq!(
            group.stores[1].report,
            report(&of(&[&second]), &input),
            "[{label}]"
        );
        // Their own store's report is their store's alone.
        let own = get_ok(
            &app,
            label,
            &format!("/api/reports?{}", query(period)),
            &boss,
        )
        .await;
        let own: Report = serde_json::from_slice(&own.body).expect("a Report");
        assert_eq!(own, group.stores[0].report, "[{label}]");

        // The group's figures are the group manager's; the store's are the leads'.
        for username in ["manager", "supervisor", "salesmgr", "agent1"] {
            let who = person(&app, &state, username).await;
            let response = send(&app, get_with_token(&uri, &who.token)).await;
            assert_refused(
                label,
                &response,
                StatusCode::FORBIDDEN,
                "may not read the group's reports",
            );
        }
        for username in ["agent1", "advisor1"] {
            let who = person(&app, &state, username).await;
            let response = send(
                &app,
                get_with_token(&format!("/api/reports?{}", query(period)), &who.token),
            )
            .await;
            assert_refused(
                label,
                &response,
                StatusCode::FORBIDDEN,
                "may not read the store's reports",
            );
        }
        let anonymous = send(&app, common::get(&uri)).await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "[{label}]");
        state.db.close().await;
    }
}

#[tokio::test]
async fn bad_report_queries_are_refused_with_the_reason() {
    for db in common::test_databases().await {
        let label = db.label;
        let (app, state) = demo_app(&db).await;
        let manager = person(&app, &state, "manager").await;
        let long = encoded(&"长".repeat(61));
        for path in ["/api/reports", "/api/reports/summary"] {
            for (query, reason) in [
                ("to=2026-11-30", "`from` is missing"),
                ("from=2026-11-01", "`to` is missing"),
                (
                    "from=2026-11-01&to=2026/11/30",
                    "not a day written YYYY-MM-DD",
                ),
                (
                    "from=2026-02-30&to=2026-03-31",
                    "not a day written YYYY-MM-DD",
                ),
                (
                    "from=2026-12-01&to=2026-11-30",
                    "starts (2026-12-01) after it ends",
                ),
                ("from=2025-01-01&to=2026-01-02", "at most 366"),
            ] {
                let response = send(
                    &app,
                    get_with_token(&format!("{path}?{query}"), &manager.token),
                )
                .await;
                assert_refused(label, &response, StatusCode::BAD_REQUEST, reason);
            }
        }
        for (query, reason) in [
            ("from=2026-11-01&to=2026-11-30&format=pdf", "csv or xlsx"),
            ("from=2026-11-01&to=2026-11-30&lang=fr", "zh or en"),
            ("campaign=", "campaign name is empty"),
            ("campaign=%20%20", "campaign name is empty"),
            (&format!("campaign={long}"), "at most 60"),
            (
                "campaign=abc&from=2026-11-01&to=2026-11-30",
                "either a campaign or a period",
            ),
        ] {
            let uri = format!("/api/reports/summary?{query}");
            let response = send(&app, get_with_token(&uri, &manager.token)).await;
            assert_refused(label, &response, StatusCode::BAD_REQUEST, reason);
        }
        // 366 days is a year's report.
        let year = "from=2025-01-01&to=2026-01-01";
        for path in ["/api/reports", "/api/reports/summary"] {
            let response = send(
                &app,
                get_with_token(&format!("{path}?{year}"), &manager.token),
            )
            .await;
            assert_eq!(response.status, StatusCode::OK, "[{label}] {path}");
        }
        state.db.close().await;
    }
}
