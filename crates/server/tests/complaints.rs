//! Complaints on the server, on every backend: the classification statistics export
//! (`GET /api/complaints/stats`) agrees with the core's `stats` on the same records, only care
//! leads may export, and the server enforces the complaint's loop on what devices push
//! (`/api/sync/push`) — a lead's step by an agent, a step made on an old copy, a skipped step —
//! and keeps both values when two people change one field offline.
//!
//! Complaints are made the way the app makes them: the core's `register` / `apply` writes,
//! turned into a device's mutations and pushed through the router.

mod common;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use calamine::{Data, Reader, Xlsx};
use common::device::{Device, Person, person, push, push_ok, records};
use common::{TestResponse, demo_app, get_with_token, send, token_for};
use huifang_core::care::complaints::stats::{Stats, stats};
use huifang_core::care::complaints::{
    Acceptance, Category, Complaint, ComplaintRules, Ctx, Department, Move, Registration, Severity,
    Status, apply, edit_registration, register,
};
use huifang_core::care::dates::Day;
use huifang_core::care::kpi::Period;
use huifang_core::sync::{Entity, Mutation, Op, Outcome, Record, RecordId, RecordKind, RejectCode};
use huifang_core::{ErrorCode, UserId};
use huifang_server::AppState;
use huifang_server::db::now_ms;
use std::collections::BTreeSet;
use std::io::Cursor;
use uuid::Uuid;

const HOUR: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR;
/// The store's time zone (China), as the server counts days.
const OFFSET: i32 = 8 * 60;

fn ctx<'a>(who: &'a Person, rules: &'a ComplaintRules) -> Ctx<'a> {
    let now = now_ms();
    Ctx {
        user: &who.ctx,
        now_ms: now,
        today: Day::of_ms(now, OFFSET),
        rules,
    }
}

fn form(category: Category, severity: Severity, received_at: i64, content: &str) -> Registration {
    Registration {
        customer: None,
        complainant: "周先生".into(),
        phone: "138 0013 8000".into(),
        channel: Some(huifang_core::care::complaints::Channel::Callback),
        received_at,
        vehicle: "冀A·12345".into(),
        work_order: "WO-1".into(),
        task: None,
        category: Some(category),
        severity: Some(severity),
        content: content.into(),
        demand: "道歉".into(),
    }
}

/// The complaint as `who`'s device would have it now.
async fn current(state: &AppState, who: &Person, id: RecordId) -> Entity {
    common::entities(state, &who.ctx, RecordKind::Complaint)
        .await
        .into_iter()
        .find(|e| e.id == id)
        .expect("the complaint is in the feed")
}

fn status(e: &Entity) -> Status {
    Complaint::of(e).expect("a complaint").status
}

/// Registers a complaint as `who`; its id.
async fn registered(
    app: &Router,
    who: &Person,
    device: &mut Device,
    form: &Registration,
) -> RecordId {
    let rules = ComplaintRules::default();
    let id = RecordId(Uuid::now_v7());
    let writes = register(ctx(who, &rules), id, form).expect("a valid form");
    push_ok(app, who, device, writes).await;
    id
}

/// Makes `mv` on the complaint as `who` sees it now; every write must be applied.
async fn step(
    app: &Router,
    state: &AppState,
    who: &Person,
    device: &mut Device,
    id: RecordId,
    mv: Move,
) {
    let rules = ComplaintRules::default();
    let now = current(state, who, id).await;
    let writes = apply(ctx(who, &rules), &now, &mv).expect("a step the core allows");
    push_ok(app, who, device, writes).await;
}

fn judge(justified: bool, department: Option<Department>) -> Move {
    Move::Judge {
        justified,
        reason: if justified {
            "属实，车间返工".into()
        } else {
            "已解释，客户理解".into()
        },
        department,
    }
}

fn propose() -> Move {
    Move::Propose {
        cause: "工位不足".into(),
        responsible: "车间主任".into(),
        solutions: vec!["免费保养一次".into(), "赠送代金券".into()],
    }
}

fn implement(acceptance: Acceptance) -> Move {
    Move::Implement {
        actions: "已免费保养".into(),
        measures: "增加工位".into(),
        notified: true,
        feedback: "满意".into(),
        acceptance,
    }
}

fn close() -> Move {
    Move::Close {
        review: "处理及时".into(),
        improvements: "预约分流".into(),
    }
}

/// Uploads a signature image as `who`; its blob name.
async fn upload(app: &Router, who: &Person, bytes: &[u8]) -> String {
    let name = huifang_core::sync::blobs::hash(bytes);
    let request = Request::put(format!("/api/blobs/{name}"))
        .header("content-type", "image/png")
        .header("authorization", format!("Bearer {}", who.token))
        .body(Body::from(bytes.to_vec()))
        .expect("request");
    let response = send(app, request).await;
    assert!(
        response.status.is_success(),
        "{}: {}",
        response.status,
        response.text()
    );
    name
}

/// The export's URI for `period`.
fn uri(period: Period, format: &str, lang: &str) -> String {
    format!(
        "/api/complaints/stats?from={}&to={}&format={format}&lang={lang}",
        period.from, period.to
    )
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

/// The XLSX holds the core's rows: text as text, figures as numbers, ratios as text.
fn assert_xlsx_matches(label: &str, table: &Stats, zh: bool, cells: &[Vec<Data>]) {
    let header = if zh {
        ["分组", "项目", "数值"]
    } else {
        ["Section", "Item", "Figure"]
    };
    let header_row: Vec<Data> = header.iter().map(|h| Data::String((*h).into())).collect();
    assert_eq!(cells[0], header_row, "[{label}] the header");
    let rows = table.rows(zh);
    assert_eq!(cells.len(), rows.len() + 1, "[{label}] one line per row");
    let mut numbers = 0;
    for (row, line) in rows.iter().zip(&cells[1..]) {
        assert_eq!(
            line[0],
            Data::String(row.section.into()),
            "[{label}] {row:?}"
        );
        assert_eq!(line[1], Data::String(row.item.clone()), "[{label}] {row:?}");
        let figure = &line[2];
        if row.value.is_empty() {
            assert_eq!(*figure, Data::Empty, "[{label}] {row:?}");
        } else if let Ok(n) = row.value.parse::<f64>() {
            assert_eq!(*figure, Data::Float(n), "[{label}] a number: {row:?}");
            numbers += 1;
        } else {
            assert_eq!(
                *figure,
                Data::String(row.value.clone()),
                "[{label}] {row:?}"
            );
        }
    }
    assert!(numbers > 20, "[{label}] the counts are numbers ({numbers})");
}

#[tokio::test]
async fn the_csv_and_xlsx_exports_give_the_cores_figures() {
    for db in common::test_databases().await {
        let label = db.label;
        let (app, state) = demo_app(&db).await;
        let agent = person(&app, &state, "agent1").await;
        let supervisor = person(&app, &state, "supervisor").await;
        let mut tablet = Device::of(&agent);
        let mut desk = Device::of(&supervisor);
        let now = now_ms();

        // Waiting time, 2 days ago, never judged: answered late.
        registered(
            &app,
            &agent,
            &mut tablet,
            &form(
                Category::WaitingTime,
                Severity::General,
                now - 2 * DAY_MS,
                "等了两个小时",
            ),
        )
        .await;
        // Repair quality, major: the whole loop, the customer signs, the supervisor closes.
        let signed = registered(
            &app,
            &agent,
            &mut tablet,
            &form(
                Category::RepairQuality,
                Severity::Major,
                now - HOUR,
                "刹车异响未修好",
            ),
        )
        .await;
        step(
            &app,
            &state,
            &agent,
            &mut tablet,
            signed,
            judge(true, Some(Department::Workshop)),
        )
        .await;
        step(&app, &state, &agent, &mut tablet, signed, propose()).await;
        step(
            &app,
            &state,
            &supervisor,
            &mut desk,
            signed,
            Move::Approve { solution: 0 },
        )
        .await;
        let blob = upload(&app, &agent, b"the customer's signature, as a PNG would be").await;
        let accepted = Acceptance::Signed {
            blob,
            text: "本人同意以上处理方案".into(),
        };
        step(
            &app,
            &state,
            &agent,
            &mut tablet,
            signed,
            implement(accepted),
        )
        .await;
        step(&app, &state, &supervisor, &mut desk, signed, close()).await;
        // Price, escalated, 5 hours ago: not justified, closed with the reason at once.
        let refused = registered(
            &app,
            &agent,
            &mut tablet,
            &form(
                Category::PriceBilling,
                Severity::Escalated,
                now - 5 * HOUR,
                "收费太高",
            ),
        )
        .await;
        step(
            &app,
            &state,
            &agent,
            &mut tablet,
            refused,
            judge(false, None),
        )
        .await;
        // Sales promise, 20 hours ago: judged in time, under investigation by sales.
        let open = registered(
            &app,
            &agent,
            &mut tablet,
            &form(
                Category::SalesPromise,
                Severity::General,
                now - 20 * HOUR,
                "承诺的赠品未给",
            ),
        )
        .await;
        step(
            &app,
            &state,
            &agent,
            &mut tablet,
            open,
            judge(true, Some(Department::Sales)),
        )
        .await;
        // Forty days ago: outside the period.
        registered(
            &app,
            &agent,
            &mut tablet,
            &form(
                Category::Other,
                Severity::General,
                now - 40 * DAY_MS,
                "旧投诉",
            ),
        )
        .await;

        let today = Day::of_ms(now_ms(), OFFSET);
        let period = Period {
            from: today.plus(-10),
            to: today,
        };
        let all = records(&state, &supervisor).await;
        let table = stats(&all, period, OFFSET, &ComplaintRules::default(), now_ms());
        // The table itself is what the seed says, so the comparisons below compare something.
        assert_eq!(table.total, 4, "[{label}] {table:?}");
        assert_eq!(table.closed, 2, "[{label}]");
        assert_eq!((table.signed.num, table.signed.den), (1, 2), "[{label}]");
        assert_eq!(table.answered_late, 1, "[{label}]");
        assert!(
            table.by_category.contains(&(Category::RepairQuality, 1))
                && table.by_category.contains(&(Category::Other, 0)),
            "[{label}] {:?}",
            table.by_category
        );

        for (lang, zh) in [("zh", true), ("en", false)] {
            let csv = send(
                &app,
                get_with_token(&uri(period, "csv", lang), &supervisor.token),
            )
            .await;
            assert_eq!(csv.status, StatusCode::OK, "[{label}] {}", csv.text());
            assert_eq!(
                csv.header("content-type"),
                Some("text/csv; charset=utf-8"),
                "[{label}]"
            );
            let name = format!("complaints-{}-{}", period.from, period.to);
            assert_eq!(
                csv.header("content-disposition"),
                Some(format!("attachment; filename=\"{name}.csv\"").as_str()),
                "[{label}]"
            );
            assert_eq!(csv.text(), table.to_csv(zh), "[{label}] {lang} CSV");

            let xlsx = send(
                &app,
                get_with_token(&uri(period, "xlsx", lang), &supervisor.token),
            )
            .await;
            assert_eq!(xlsx.status, StatusCode::OK, "[{label}] {}", xlsx.text());
            assert_eq!(
                xlsx.header("content-disposition"),
                Some(format!("attachment; filename=\"{name}.xlsx\"").as_str()),
                "[{label}]"
            );
            let (sheet, cells) = read_xlsx(&xlsx.body);
            assert_eq!(
                sheet,
                if zh {
                    "顾客投诉分类统计表"
                } else {
                    "Complaint statistics"
                },
                "[{label}]"
            );
            assert_xlsx_matches(label, &table, zh, &cells);
        }

        // The store manager reads it too; a format left out is CSV, in Chinese.
        let manager = person(&app, &state, "manager").await;
        let plain = format!(
            "/api/complaints/stats?from={}&to={}",
            period.from, period.to
        );
        let csv = send(&app, get_with_token(&plain, &manager.token)).await;
        assert_eq!(csv.status, StatusCode::OK, "[{label}] {}", csv.text());
        assert_eq!(csv.text(), table.to_csv(true), "[{label}]");
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

#[tokio::test]
async fn only_care_leads_export_and_bad_periods_are_refused() {
    for db in common::test_databases().await {
        let label = db.label;
        let (app, state) = demo_app(&db).await;
        let good = "/api/complaints/stats?from=2026-11-01&to=2026-11-30&format=xlsx";
        for username in ["agent1", "advisor1"] {
            let token = token_for(&app, username).await;
            let response = send(&app, get_with_token(good, &token)).await;
            assert_refused(label, &response, StatusCode::FORBIDDEN, "may not export");
            assert_eq!(
                response.api_error().error,
                ErrorCode::Forbidden,
                "[{label}]"
            );
        }
        let anonymous = send(&app, common::get(good)).await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "[{label}]");

        let token = token_for(&app, "supervisor").await;
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
                "from=tomorrow&to=2026-11-30",
                "not a day written YYYY-MM-DD",
            ),
            (
                "from=2026-12-01&to=2026-11-30",
                "starts (2026-12-01) after it ends",
            ),
            ("from=2026-11-01&to=2026-11-30&format=pdf", "csv or xlsx"),
            ("from=2026-11-01&to=2026-11-30&lang=fr", "zh or en"),
        ] {
            let response = send(
                &app,
                get_with_token(&format!("/api/complaints/stats?{query}"), &token),
            )
            .await;
            assert_refused(label, &response, StatusCode::BAD_REQUEST, reason);
            assert_eq!(
                response.api_error().error,
                ErrorCode::BadRequest,
                "[{label}]"
            );
        }
        // 2025-01-01 to 2026-01-01 is 366 days; one day more is too long.
        let response = send(
            &app,
            get_with_token(
                "/api/complaints/stats?from=2025-01-01&to=2026-01-02",
                &token,
            ),
        )
        .await;
        assert_refused(label, &response, StatusCode::BAD_REQUEST, "at most 366");
        let year = send(
            &app,
            get_with_token(
                "/api/complaints/stats?from=2025-01-01&to=2026-01-01",
                &token,
            ),
        )
        .await;
        assert_eq!(year.status, StatusCode::OK, "[{label}] {}", year.text());
        state.db.close().await;
    }
}

fn rejected(outcome: &Outcome) -> (RejectCode, String) {
    match outcome {
        Outcome::Rejected { code, reason } => (*code, reason.clone()),
        other => panic!("not rejected: {other:?}"),
    }
}

/// The transitions among `mutations` and their outcomes.
fn transitions<'a>(
    mutations: &'a [Mutation],
    outcomes: &'a [Outcome],
) -> Vec<(&'a Mutation, &'a Outcome)> {
    mutations
        .iter()
        .zip(outcomes)
        .filter(|(m, _)| matches!(m.op, Op::Transition { .. }))
        .collect()
}

#[tokio::test]
async fn the_server_enforces_the_complaint_loop() {
    for db in common::test_databases().await {
        let label = db.label;
        let (app, state) = demo_app(&db).await;
        let agent = person(&app, &state, "agent1").await;
        let agent2 = person(&app, &state, "agent2").await;
        let supervisor = person(&app, &state, "supervisor").await;
        let rules = ComplaintRules::default();
        let mut tablet = Device::of(&agent);
        let now = now_ms();

        // An agent's device that approves anyway (an old app, a forged push): the server
        // refuses the lead's step with the reason; the complaint waits for approval.
        let id = registered(
            &app,
            &agent,
            &mut tablet,
            &form(Category::WaitingTime, Severity::General, now, "等了很久"),
        )
        .await;
        step(
            &app,
            &state,
            &agent,
            &mut tablet,
            id,
            judge(true, Some(Department::ServiceDesk)),
        )
        .await;
        step(&app, &state, &agent, &mut tablet, id, propose()).await;
        let proposed = current(&state, &agent, id).await;
        assert_eq!(
            apply(
                ctx(&agent, &rules),
                &proposed,
                &Move::Approve { solution: 0 }
            ),
            Err(huifang_core::care::complaints::ComplaintError::NeedsLead),
            "[{label}] the core refuses it on the device first"
        );
        let forged = apply(
            ctx(&supervisor, &rules),
            &proposed,
            &Move::Approve { solution: 0 },
        )
        .expect("a lead may approve");
        let mutations = tablet.mutations(forged);
        let outcomes = push(&app, &agent, &tablet, &mutations).await;
        let moves = transitions(&mutations, &outcomes);
        assert_eq!(moves.len(), 1, "[{label}]");
        let (code, reason) = rejected(moves[0].1);
        assert_eq!(code, RejectCode::Forbidden, "[{label}] {reason}");
        assert!(
            reason.contains(
                "only a supervisor or manager may move a complaint from proposed to approved"
            ),
            "[{label}] {reason}"
        );
        assert_eq!(
            status(&current(&state, &agent, id).await),
            Status::Proposed,
            "[{label}]"
        );
        // Nor do the approval's field and timeline step land beside the refused move.
        for (m, outcome) in mutations.iter().zip(&outcomes) {
            let (code, reason) = rejected(outcome);
            assert!(
                matches!(code, RejectCode::Forbidden | RejectCode::StepRefused),
                "[{label}] {} {reason}",
                m.op.name()
            );
        }
        assert_eq!(
            current(&state, &agent, id).await.value("approved"),
            None,
            "[{label}] no approval written by an agent"
        );
        // The field alone, outside any step (an old app): refused all the same.
        let alone = tablet.mutations(vec![huifang_core::sync::Write {
            kind: RecordKind::Complaint,
            record: Some(id),
            op: huifang_core::sync::Op::SetFields {
                writes: vec![huifang_core::sync::FieldWrite {
                    field: "approved".into(),
                    value: serde_json::json!(0),
                    base: None,
                }],
            },
        }]);
        let outcomes = push(&app, &agent, &tablet, &alone).await;
        let (code, reason) = rejected(&outcomes[0]);
        assert_eq!(code, RejectCode::Forbidden, "[{label}] {reason}");
        assert!(
            reason.contains("only a supervisor or manager may write"),
            "[{label}] {reason}"
        );

        // Two tablets judge the same registered complaint offline. The first push wins; the
        // second's steps start from a status that is gone, and are refused with the reason.
        let mut tablet2 = Device::of(&agent2);
        let id = registered(
            &app,
            &agent,
            &mut tablet,
            &form(Category::RepairQuality, Severity::Escalated, now, "异响"),
        )
        .await;
        let old_copy = current(&state, &agent2, id).await;
        step(
            &app,
            &state,
            &agent,
            &mut tablet,
            id,
            judge(true, Some(Department::Workshop)),
        )
        .await;
        let late = apply(ctx(&agent2, &rules), &old_copy, &judge(false, None))
            .expect("on the old copy the step is possible");
        let mutations = tablet2.mutations(late);
        let outcomes = push(&app, &agent2, &tablet2, &mutations).await;
        let moves = transitions(&mutations, &outcomes);
        assert!(!moves.is_empty(), "[{label}]");
        for (m, outcome) in &moves {
            let (code, reason) = rejected(outcome);
            assert_eq!(
                code,
                RejectCode::StaleTransition,
                "[{label}] {m:?}: {reason}"
            );
            assert!(
                reason.contains("someone changed it first"),
                "[{label}] {reason}"
            );
        }
        let after = Complaint::of(&current(&state, &supervisor, id).await).expect("a complaint");
        assert_eq!(
            after.status,
            Status::Investigating,
            "[{label}] the first judgement stays"
        );
        assert_eq!(after.department, Some(Department::Workshop), "[{label}]");

        // Registered straight to closed skips the loop: refused, even for a supervisor.
        let mut desk = Device::of(&supervisor);
        let id = registered(
            &app,
            &agent,
            &mut tablet,
            &form(Category::Other, Severity::General, now, "其他问题"),
        )
        .await;
        let skip = desk.mutation(
            RecordKind::Complaint,
            id,
            Op::Transition {
                field: "status".into(),
                from: "registered".into(),
                to: "closed".into(),
                reason: Some("不用处理".into()),
            },
        );
        let outcomes = push(&app, &supervisor, &desk, &[skip]).await;
        let (code, reason) = rejected(&outcomes[0]);
        assert_eq!(code, RejectCode::IllegalTransition, "[{label}] {reason}");
        assert!(
            reason.contains("cannot move from \"registered\" to \"closed\""),
            "[{label}] {reason}"
        );
        assert_eq!(
            status(&current(&state, &agent, id).await),
            Status::Registered,
            "[{label}]"
        );
        state.db.close().await;
    }
}

#[tokio::test]
async fn two_offline_edits_of_one_field_keep_both_values_in_a_conflict() {
    for db in common::test_databases().await {
        let label = db.label;
        let (app, state) = demo_app(&db).await;
        let agent = person(&app, &state, "agent1").await;
        let supervisor = person(&app, &state, "supervisor").await;
        let mut tablet = Device::of(&agent);
        let mut desk = Device::of(&supervisor);
        let first = form(
            Category::WaitingTime,
            Severity::General,
            now_ms(),
            "等了两个小时",
        );
        let id = registered(&app, &agent, &mut tablet, &first).await;
        // Both copies are taken before either edit reaches the server: the same base stamp.
        let agents_copy = current(&state, &agent, id).await;
        let desks_copy = current(&state, &supervisor, id).await;
        assert_eq!(
            agents_copy.fields["content"].stamp, desks_copy.fields["content"].stamp,
            "[{label}]"
        );
        let by_agent = "等了三个小时，没人解释";
        let by_supervisor = "等了两个小时，前台态度差";
        let edit = |copy: &Entity, content: &str| {
            let mut changed = first.clone();
            changed.content = content.into();
            edit_registration(copy, &changed)
                .expect("a registered complaint may be edited")
                .expect("the content changed")
        };
        let agents_edit = edit(&agents_copy, by_agent);
        let desks_edit = edit(&desks_copy, by_supervisor);
        push_ok(&app, &agent, &mut tablet, vec![agents_edit]).await;
        push_ok(&app, &supervisor, &mut desk, vec![desks_edit]).await;

        let now = current(&state, &supervisor, id).await;
        let complaint = Complaint::of(&now).expect("a complaint");
        assert_eq!(complaint.conflicts, vec!["content".to_owned()], "[{label}]");
        let conflict = &now.conflicts["content"];
        let values: BTreeSet<&str> = conflict
            .candidates
            .iter()
            .filter_map(|c| c.value.as_str())
            .collect();
        assert_eq!(
            values,
            BTreeSet::from([by_agent, by_supervisor]),
            "[{label}] both values are kept: {conflict:?}"
        );
        let authors: BTreeSet<&UserId> = conflict.candidates.iter().map(|c| &c.by).collect();
        assert_eq!(
            authors,
            BTreeSet::from([&agent.ctx.user, &supervisor.ctx.user]),
            "[{label}]"
        );
        // The agent's device sees it too, so either of them can choose.
        let seen = Complaint::of(&current(&state, &agent, id).await).expect("a complaint");
        assert_eq!(seen.conflicts, vec!["content".to_owned()], "[{label}]");
        state.db.close().await;
    }
}

#[tokio::test]
async fn the_directory_carries_the_configured_complaint_rules() {
    for db in common::test_databases().await {
        let label = db.label;
        let mut config = db.config();
        config.demo = true;
        config.complaint_rules = ComplaintRules::parse("major=1,follow_up_days=5").expect("rules");
        let (app, state) = common::app_with(&config).await;
        let agent = person(&app, &state, "agent1").await;
        let response = send(&app, get_with_token("/api/directory", &agent.token)).await;
        assert_eq!(
            response.status,
            StatusCode::OK,
            "[{label}] {}",
            response.text()
        );
        let directory: huifang_core::Directory =
            serde_json::from_slice(&response.body).expect("a Directory");
        assert_eq!(
            directory.complaint_rules,
            ComplaintRules {
                major_hours: 1,
                follow_up_days: 5,
                ..ComplaintRules::default()
            },
            "[{label}]"
        );
        assert!(!directory.colleagues.is_empty(), "[{label}]");
        // A directory a device cached before the rules were sent reads as the defaults.
        let mut cached = response.json();
        cached
            .as_object_mut()
            .expect("an object")
            .remove("complaint_rules");
        let old: huifang_core::Directory = serde_json::from_value(cached).expect("still reads");
        assert_eq!(old.complaint_rules, ComplaintRules::default(), "[{label}]");

        // The export counts deadlines with the configured rules: a major complaint judged 90
        // minutes after it came in is late within 1 hour, not within the default 2.
        let mut tablet = Device::of(&agent);
        let id = registered(
            &app,
            &agent,
            &mut tablet,
            &form(
                Category::RepairQuality,
                Severity::Major,
                now_ms() - 90 * 60_000,
                "漏油",
            ),
        )
        .await;
        step(
            &app,
            &state,
            &agent,
            &mut tablet,
            id,
            judge(true, Some(Department::Workshop)),
        )
        .await;
        let supervisor = person(&app, &state, "supervisor").await;
        let today = Day::of_ms(now_ms(), OFFSET);
        let period = Period {
            from: today.plus(-1),
            to: today,
        };
        let all = records(&state, &supervisor).await;
        let configured = stats(&all, period, OFFSET, &config.complaint_rules, now_ms());
        let defaults = stats(&all, period, OFFSET, &ComplaintRules::default(), now_ms());
        assert_eq!(
            (configured.answered_late, defaults.answered_late),
            (1, 0),
            "[{label}]"
        );
        let csv = send(
            &app,
            get_with_token(&uri(period, "csv", "en"), &supervisor.token),
        )
        .await;
        assert_eq!(csv.status, StatusCode::OK, "[{label}] {}", csv.text());
        assert_eq!(csv.text(), configured.to_csv(false), "[{label}]");
        state.db.close().await;
    }
}

/// The complaint's "judged" (or other `kind`) step events, as a lead sees them.
async fn step_events(state: &AppState, who: &Person, id: RecordId, kind: &str) -> usize {
    use huifang_core::care::complaints::fields as f;
    records(state, who)
        .await
        .iter()
        .filter(|r| {
            matches!(r, Record::Event(e)
                if e.kind == RecordKind::ComplaintStep
                    && e.fields.get(f::COMPLAINT) == Some(&serde_json::json!(id.to_string()))
                    && e.fields.get(f::STEP) == Some(&serde_json::json!(kind)))
        })
        .count()
}

#[tokio::test]
async fn a_step_refused_at_its_first_change_is_refused_whole() {
    use huifang_core::care::complaints::fields as f;
    for db in common::test_databases().await {
        let label = db.label;
        let (app, state) = demo_app(&db).await;
        let agent = person(&app, &state, "agent1").await;
        let agent2 = person(&app, &state, "agent2").await;
        let supervisor = person(&app, &state, "supervisor").await;
        let rules = ComplaintRules::default();
        let mut tablet = Device::of(&agent);
        let mut tablet2 = Device::of(&agent2);
        let now = now_ms();

        // Both tablets judge the same registered complaint offline, each as one save.
        let id = registered(
            &app,
            &agent,
            &mut tablet,
            &form(Category::RepairQuality, Severity::Escalated, now, "异响"),
        )
        .await;
        let first_copy = current(&state, &agent, id).await;
        let old_copy = current(&state, &agent2, id).await;
        let first = apply(
            ctx(&agent, &rules),
            &first_copy,
            &judge(true, Some(Department::Workshop)),
        )
        .expect("a step the core allows");
        let first = tablet.step(first);
        let outcomes = push(&app, &agent, &tablet, &first).await;
        assert!(
            outcomes.iter().all(|o| o.version().is_some()),
            "[{label}] {outcomes:?}"
        );

        let late = apply(ctx(&agent2, &rules), &old_copy, &judge(false, None))
            .expect("on the old copy the step is possible");
        let late = tablet2.step(late);
        assert!(late.len() > 2, "[{label}] {late:?}");
        let outcomes = push(&app, &agent2, &tablet2, &late).await;
        let (code, reason) = rejected(&outcomes[0]);
        assert_eq!(code, RejectCode::StaleTransition, "[{label}] {reason}");
        for (m, outcome) in late.iter().zip(&outcomes).skip(1) {
            let (code, reason) = rejected(outcome);
            assert_eq!(code, RejectCode::StepRefused, "[{label}] {m:?}: {reason}");
            assert!(
                reason.starts_with("part of a step that was refused: ")
                    && reason.contains("from \"registered\" to \"judged\"")
                    && reason.contains("someone changed it first"),
                "[{label}] {reason}"
            );
        }
        // A replay (the answer was lost) answers the same.
        let again = push(&app, &agent2, &tablet2, &late).await;
        assert_eq!(again, outcomes, "[{label}]");

        // Nothing of the late judgement was written.
        let after = current(&state, &supervisor, id).await;
        assert_eq!(status(&after), Status::Investigating, "[{label}]");
        assert_eq!(
            after.value(f::JUSTIFIED),
            Some(&serde_json::json!(true)),
            "[{label}]"
        );
        assert_eq!(
            after.value(f::JUDGEMENT),
            Some(&serde_json::json!("属实，车间返工")),
            "[{label}]"
        );
        assert_eq!(after.value(f::CLOSED_AT), None, "[{label}]");
        assert_eq!(after.value(f::STATUS_REASON), None, "[{label}]");
        assert_eq!(
            step_events(&state, &supervisor, id, "judged").await,
            1,
            "[{label}] one judgement on the timeline"
        );

        // An agent's approval as one save: the lead-only move is refused, and with it the
        // approved solution and the timeline event.
        step(&app, &state, &agent, &mut tablet, id, propose()).await;
        let proposed = current(&state, &agent, id).await;
        let forged = apply(
            ctx(&supervisor, &rules),
            &proposed,
            &Move::Approve { solution: 0 },
        )
        .expect("a lead may approve");
        let forged = tablet.step(forged);
        let outcomes = push(&app, &agent, &tablet, &forged).await;
        let (code, reason) = rejected(&outcomes[0]);
        assert_eq!(code, RejectCode::Forbidden, "[{label}] {reason}");
        for outcome in &outcomes[1..] {
            let (code, reason) = rejected(outcome);
            assert_eq!(code, RejectCode::StepRefused, "[{label}] {reason}");
        }
        let after = current(&state, &supervisor, id).await;
        assert_eq!(status(&after), Status::Proposed, "[{label}]");
        assert_eq!(after.value(f::APPROVED), None, "[{label}]");
        assert_eq!(
            step_events(&state, &supervisor, id, "approved").await,
            0,
            "[{label}]"
        );
        state.db.close().await;
    }
}
