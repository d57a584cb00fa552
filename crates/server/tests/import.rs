//! `POST /api/import/preview`, `/api/import/commit` (a job, followed with
//! `GET /api/import/jobs/<id>`) and `/api/import/errors.csv` through the router: a GBK export
//! with messy rows, an Excel workbook, the supervisor's own mapping, the refusals, and a
//! generated export of thousands of rows (`import_data`; the bench imports 50,000).

mod common;
mod import_data;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{TestResponse, demo_app, get_with_token, send, token_for};
use huifang_core::ErrorCode;
use huifang_core::care::columns::Column;
use huifang_core::sync::{
    ClientId, Entity, FieldWrite, Hlc, Mutation, MutationId, Op, PushRequest, RecordKind,
};
use huifang_server::import::api::{ImportJob, JobPhase, PREVIEW_ERRORS, Preview};
use huifang_server::import::commit::Summary;
use std::time::{Duration, Instant};

const EXPORT: &str = "客户姓名,手机号码,车牌号,VIN码,进厂日期,委托书号,服务顾问,备注\n\
    王建国, 138 0013 8000 ,京a 12345,1M8GDM9AXKP042788,2026/11/3,WO-1001,刘强,老客户\n\
    李秀英,+86 139-0013-9000,沪B·D12345,,2026年11月4日,WO-1002,刘强,\n\
    ,,,,,,,\n\
    赵六,1380013800,京A22222,,2026-11-04,WO-1003,陈明,\n\
    王建国,13800138000,京A33333,11111111111111111,2026-11-05,WO-1004,陈明,第二辆车\n";

async fn post_file(app: &Router, uri: &str, token: &str, bytes: Vec<u8>) -> TestResponse {
    let request = Request::post(uri)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/octet-stream")
        .body(Body::from(bytes))
        .expect("request");
    send(app, request).await
}

/// The longest a test waits for an import job (the 5,000-row one takes seconds).
const JOB_WAIT: Duration = Duration::from_secs(120);

/// Commits `bytes` (202 and a job) and polls the job until it is finished; every state
/// seen, the first the commit's answer, the last finished.
async fn import_following(app: &Router, token: &str, bytes: Vec<u8>) -> Vec<ImportJob> {
    let started = post_file(app, "/api/import/commit", token, bytes).await;
    assert_eq!(started.status, StatusCode::ACCEPTED, "{}", started.text());
    let job: ImportJob = serde_json::from_slice(&started.body).expect("a job");
    let location = format!("/api/import/jobs/{}", job.id);
    assert_eq!(started.header("location"), Some(location.as_str()));
    let deadline = Instant::now() + JOB_WAIT;
    let mut seen = vec![job];
    while !seen.last().is_some_and(|j| j.phase.is_finished()) {
        assert!(
            Instant::now() < deadline,
            "the import did not finish in {JOB_WAIT:?}: {:?}",
            seen.last()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
        let polled = send(app, get_with_token(&location, token)).await;
        assert_eq!(polled.status, StatusCode::OK, "{}", polled.text());
        seen.push(serde_json::from_slice(&polled.body).expect("a job"));
    }
    seen
}

/// Commits `bytes` and waits for the job to be done; the finished job.
async fn import(app: &Router, token: &str, bytes: Vec<u8>) -> ImportJob {
    let seen = import_following(app, token, bytes).await;
    let last = seen.last().cloned().expect("a job");
    assert_eq!(last.phase, JobPhase::Done, "{last:?}");
    last
}

#[tokio::test]
async fn a_gbk_export_is_previewed_with_its_row_errors() {
    for db in common::test_databases().await {
        let label = db.label;
        let (app, state) = demo_app(&db).await;
        let supervisor = token_for(&app, "supervisor").await;
        let (gbk, _, _) = encoding_rs::GBK.encode(EXPORT);
        let response = post_file(&app, "/api/import/preview", &supervisor, gbk.to_vec()).await;
        assert_eq!(
            response.status,
            StatusCode::OK,
            "[{label}] {}",
            response.text()
        );
        let preview: Preview = serde_json::from_slice(&response.body).expect("a preview");
        assert_eq!(preview.encoding, "GB18030");
        assert_eq!(preview.rows_total, 4, "the blank row is not a row");
        assert_eq!(preview.rows_clean, 3);
        assert_eq!(preview.customers, 2, "王建国's two cars are one customer");
        assert_eq!(preview.mapping[0], Some(Column::Name));
        assert_eq!(preview.mapping[7], None, "备注 is left for the person");
        assert!(preview.unmapped.contains(&Column::Mileage));
        assert_eq!(preview.preview[0].mobile.as_deref(), Some("13800138000"));
        assert_eq!(preview.preview[1].plate.as_deref(), Some("沪BD12345"));
        assert_eq!(preview.errors.len(), 1, "{:?}", preview.errors);
        assert_eq!(preview.errors[0].line, 5);
        assert_eq!(preview.errors[0].problem, "bad_phone");
        assert_eq!(preview.errors[0].value, "1380013800");

        // The error report, for Excel.
        let report = post_file(&app, "/api/import/errors.csv", &supervisor, gbk.to_vec()).await;
        assert_eq!(report.status, StatusCode::OK);
        assert_eq!(
            report.header("content-type"),
            Some("text/csv; charset=utf-8")
        );
        let text = report.text();
        assert!(text.starts_with('\u{feff}'), "a BOM for Excel");
        assert!(text.contains("5,mobile,1380013800,bad_phone"), "{text}");
        state.db.close().await;
    }
}

#[tokio::test]
async fn the_supervisors_mapping_overrides_the_guess() {
    for db in common::test_databases().await {
        let (app, state) = demo_app(&db).await;
        let supervisor = token_for(&app, "supervisor").await;
        // 车牌号 ignored, 备注 taken as tags.
        let uri = "/api/import/preview?mapping=name,mobile,,vin,visit_date,work_order,service_advisor,tags";
        let response = post_file(&app, uri, &supervisor, EXPORT.as_bytes().to_vec()).await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text());
        let preview: Preview = serde_json::from_slice(&response.body).expect("a preview");
        assert_eq!(preview.mapping[2], None);
        assert_eq!(preview.mapping[7], Some(Column::Tags));
        assert_eq!(preview.preview[0].plate, None);

        let bad = post_file(
            &app,
            "/api/import/preview?mapping=name,name",
            &supervisor,
            EXPORT.as_bytes().to_vec(),
        )
        .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert!(
            bad.api_error().reason.contains("two headers"),
            "{}",
            bad.text()
        );
        let unknown = post_file(
            &app,
            "/api/import/preview?mapping=name,shoe_size",
            &supervisor,
            EXPORT.as_bytes().to_vec(),
        )
        .await;
        assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
        state.db.close().await;
    }
}

#[tokio::test]
async fn an_excel_workbook_is_read() {
    for db in common::test_databases().await {
        let (app, state) = demo_app(&db).await;
        let supervisor = token_for(&app, "supervisor").await;
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        for (col, header) in ["姓名", "手机", "车架号"].iter().enumerate() {
            sheet.write_string(0, col as u16, *header).expect("cell");
        }
        sheet.write_string(1, 0, "王建国").expect("cell");
        sheet.write_number(1, 1, 13800138000.0).expect("cell");
        sheet.write_string(1, 2, "1M8GDM9AXKP042788").expect("cell");
        let bytes = book.save_to_buffer().expect("xlsx");
        let response = post_file(&app, "/api/import/preview", &supervisor, bytes).await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text());
        let preview: Preview = serde_json::from_slice(&response.body).expect("a preview");
        assert_eq!(preview.format, "excel");
        assert_eq!(preview.rows_clean, 1);
        assert_eq!(preview.preview[0].mobile.as_deref(), Some("13800138000"));
        state.db.close().await;
    }
}

#[tokio::test]
async fn only_leads_import_and_bad_files_get_a_reason() {
    for db in common::test_databases().await {
        let (app, state) = demo_app(&db).await;
        let agent = token_for(&app, "agent1").await;
        let refused = post_file(&app, "/api/import/preview", &agent, EXPORT.into()).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert_eq!(refused.api_error().error, ErrorCode::Forbidden);

        let supervisor = token_for(&app, "supervisor").await;
        let empty = post_file(&app, "/api/import/preview", &supervisor, Vec::new()).await;
        assert_eq!(empty.status, StatusCode::BAD_REQUEST);
        assert_eq!(empty.api_error().error, ErrorCode::BadRequest);
        let broken = post_file(
            &app,
            "/api/import/preview",
            &supervisor,
            b"PK\x03\x04not really a workbook".to_vec(),
        )
        .await;
        assert_eq!(broken.status, StatusCode::BAD_REQUEST);
        assert!(broken.api_error().reason.contains("could not be read"));

        let anonymous = send(
            &app,
            Request::post("/api/import/preview")
                .body(Body::from(EXPORT))
                .expect("request"),
        )
        .await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
        state.db.close().await;
    }
}

fn named<'a>(list: &'a [Entity], name: &str) -> &'a Entity {
    list.iter()
        .find(|e| e.value("name") == Some(&serde_json::json!(name)))
        .unwrap_or_else(|| panic!("no {name}"))
}

#[tokio::test]
async fn importing_writes_customers_once_and_keeps_what_agents_wrote() {
    for db in common::test_databases().await {
        let label = db.label;
        let (app, state) = demo_app(&db).await;
        let supervisor = token_for(&app, "supervisor").await;
        let first = import(&app, &supervisor, EXPORT.into()).await;
        assert_eq!(
            (first.total, first.done, first.skipped),
            (3, 3, 1),
            "[{label}] the bad phone's row is left out"
        );
        let s = &first.summary;
        assert_eq!(
            (s.customers_created, s.vehicles_created, s.visits_created),
            (2, 3, 3)
        );
        assert_eq!(s.refused, 0, "{:?}", s.refusals);

        // The records reach an agent's tablet by the ordinary pull.
        let agent = common::user_ctx(&state, "agent1").await;
        let customers = common::entities(&state, &agent, RecordKind::Customer).await;
        assert_eq!(customers.len(), 2, "[{label}]");
        let wang = named(&customers, "王建国");
        assert_eq!(wang.value("phone"), Some(&serde_json::json!("13800138000")));
        let cars = common::entities(&state, &agent, RecordKind::Vehicle).await;
        assert_eq!(
            cars.iter()
                .filter(|c| c.value("customer") == Some(&serde_json::json!(wang.id.to_string())))
                .count(),
            2,
            "王建国's two cars are his"
        );

        // The same export again changes nothing.
        let again = import(&app, &supervisor, EXPORT.into()).await;
        assert_eq!(
            again.summary,
            Summary::default(),
            "[{label}] nothing doubles"
        );

        // An agent corrects the name; tomorrow's export has the old name and a new
        // membership: the agent's name stays, the membership is taken.
        let fix = Mutation {
            mutation_id: MutationId::new_v7(1, [0, 0, 0, 0, 0, 0, 0, 0, 0, 7]),
            client_id: ClientId::new_v7(1, [0, 0, 0, 0, 0, 0, 0, 0, 0, 9]),
            client_seq: 1,
            hlc: Hlc {
                wall_ms: huifang_server::db::now_ms(),
                counter: 0,
                node: ClientId::new_v7(1, [0, 0, 0, 0, 0, 0, 0, 0, 0, 9]),
            },
            user: agent.user.clone(),
            kind: RecordKind::Customer,
            record_id: wang.id,
            op: Op::SetFields {
                writes: vec![FieldWrite {
                    field: "name".into(),
                    value: serde_json::json!("王建国（老王）"),
                    base: wang.fields.get("name").map(|f| f.stamp),
                }],
            },
            step: None,
        };
        let pushed = state
            .sync
            .push(
                &agent,
                PushRequest {
                    schema_version: huifang_core::SCHEMA_VERSION,
                    client_id: fix.client_id,
                    mutations: vec![fix],
                },
                huifang_server::db::now_ms(),
            )
            .await
            .expect("push");
        assert!(pushed.results[0].outcome.version().is_some(), "{pushed:?}");
        let tomorrow = "客户姓名,手机号码,会员等级\n王建国,13800138000,金卡\n";
        let third = import(&app, &supervisor, tomorrow.into()).await;
        assert_eq!(third.summary.customers_updated, 1, "{:?}", third.summary);
        assert_eq!(third.summary.fields_kept, 1, "the agent's name is kept");
        let customers = common::entities(&state, &agent, RecordKind::Customer).await;
        let wang = named(&customers, "王建国（老王）");
        assert_eq!(wang.value("member_level"), Some(&serde_json::json!("金卡")));
        state.db.close().await;
    }
}

/// Importing makes the callbacks the rules say are due — once, however often it runs.
#[tokio::test]
async fn importing_creates_the_due_callbacks_once() {
    use huifang_core::care::dates::Day;
    for db in common::test_databases().await {
        let label = db.label;
        let (app, state) = demo_app(&db).await;
        let supervisor = token_for(&app, "supervisor").await;
        let today = Day::of_ms(huifang_server::db::now_ms(), 8 * 60);
        let export = format!(
            "客户姓名,手机号码,进厂日期,委托书号,保险到期日\n\
             王建国,13800138000,{},WO-2001,{}\n",
            today.plus(-1),
            today.plus(10)
        );
        let first = import(&app, &supervisor, export.clone().into()).await;
        assert_eq!(
            first.summary.tasks_created, 2,
            "[{label}] {:?}",
            first.summary
        );
        assert_eq!(first.summary.refused, 0, "{:?}", first.summary.refusals);

        let agent = common::user_ctx(&state, "agent1").await;
        let tasks = common::entities(&state, &agent, RecordKind::CallbackTask).await;
        let mut purposes: Vec<&str> = tasks
            .iter()
            .filter_map(|t| t.value("purpose").and_then(|v| v.as_str()))
            .collect();
        purposes.sort_unstable();
        assert_eq!(purposes, ["insurance_renewal", "post_service"]);
        let post = tasks
            .iter()
            .find(|t| t.value("purpose") == Some(&serde_json::json!("post_service")))
            .expect("post-service task");
        assert_eq!(
            post.value("due_by"),
            Some(&serde_json::json!(today.plus(2).to_string())),
            "within three days of the visit"
        );
        assert_eq!(post.value("status"), Some(&serde_json::json!("open")));

        let again = import(&app, &supervisor, export.into()).await;
        assert_eq!(again.summary.tasks_created, 0, "[{label}] no task twice");
        state.db.close().await;
    }
}

/// The rows of a generated export in the suite (the bench imports 50,000).
const LARGE_ROWS: usize = 5_000;

/// Thousands of messy rows: the preview stays small, the job reports its progress batch by
/// batch, the counts are exactly the export's, and a second import creates nothing.
#[tokio::test]
async fn a_large_export_is_written_with_progress_and_only_once() {
    for db in common::test_databases().await {
        let label = db.label;
        let (app, state) = demo_app(&db).await;
        let supervisor = token_for(&app, "supervisor").await;
        let export = import_data::export(LARGE_ROWS, 2026, common::today());
        assert!(export.bad_rows > 0, "the export has problem rows");

        let response = post_file(
            &app,
            "/api/import/preview",
            &supervisor,
            export.csv.clone().into(),
        )
        .await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text());
        assert!(
            response.body.len() < 64 * 1024,
            "[{label}] the preview of {LARGE_ROWS} rows is {} bytes",
            response.body.len()
        );
        let preview: Preview = serde_json::from_slice(&response.body).expect("a preview");
        assert_eq!(preview.rows_total, export.rows);
        assert_eq!(preview.rows_clean, export.clean_rows());
        assert_eq!(preview.customers, export.customers);
        assert_eq!(
            preview.errors_total, export.bad_rows,
            "one problem a bad row"
        );

        let started = Instant::now();
        let seen = import_following(&app, &supervisor, export.csv.clone().into()).await;
        let elapsed = started.elapsed();
        let last = seen.last().cloned().expect("a job");
        assert_eq!(last.phase, JobPhase::Done, "[{label}] {last:?}");
        assert_eq!(
            (last.total, last.done, last.skipped),
            (export.clean_rows(), export.clean_rows(), export.bad_rows)
        );
        let s = &last.summary;
        assert_eq!(
            (s.customers_created, s.vehicles_created, s.visits_created),
            (export.customers, export.vehicles, export.visits),
            "[{label}] {s:?}"
        );
        assert_eq!((s.customers_updated, s.vehicles_updated), (0, 0));
        assert_eq!(s.refused, 0, "{:?}", s.refusals);
        assert!(
            s.tasks_created > 0,
            "visits of the last days need callbacks"
        );
        // Progress only grows, and was seen between the start and the end.
        assert_eq!(
            seen[0].phase,
            JobPhase::Queued,
            "the commit answers at once"
        );
        assert!(seen.windows(2).all(|w| w[0].done <= w[1].done), "{seen:?}");
        assert!(
            seen.iter()
                .any(|j| j.phase == JobPhase::Writing && j.done > 0 && j.done < j.total),
            "[{label}] a batch's progress was seen"
        );
        assert!(seen.iter().any(|j| j.phase == JobPhase::Tasks));
        let written = seen
            .iter()
            .map(|j| j.done)
            .collect::<std::collections::BTreeSet<_>>();
        eprintln!(
            "[{label}] {LARGE_ROWS} rows imported in {elapsed:.1?}, {} progress figures seen",
            written.len()
        );

        let again = import(&app, &supervisor, export.csv.into()).await;
        assert_eq!(again.summary, Summary::default(), "[{label}] nothing new");
        state.db.close().await;
    }
}

/// A file whose every row is bad previews the first problems and counts them all; the
/// errors CSV has every one.
#[tokio::test]
async fn a_preview_lists_the_first_problems_and_counts_the_rest() {
    for db in common::test_databases().await {
        let (app, state) = demo_app(&db).await;
        let supervisor = token_for(&app, "supervisor").await;
        let bad = PREVIEW_ERRORS + 50;
        let mut csv = String::from("客户姓名,手机号码\n");
        for i in 0..bad {
            csv.push_str(&format!("客户{i},1380013{i:03}\n"));
        }
        let response =
            post_file(&app, "/api/import/preview", &supervisor, csv.clone().into()).await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text());
        let preview: Preview = serde_json::from_slice(&response.body).expect("a preview");
        assert_eq!(preview.rows_clean, 0);
        assert_eq!(preview.errors.len(), PREVIEW_ERRORS);
        assert_eq!(preview.errors_total, bad);
        assert_eq!(preview.errors[0].line, 2, "the first ones, in file order");

        let report = post_file(&app, "/api/import/errors.csv", &supervisor, csv.into()).await;
        assert_eq!(report.status, StatusCode::OK);
        assert_eq!(
            report.text().lines().count(),
            bad + 1,
            "a header and every problem"
        );
        state.db.close().await;
    }
}

/// A job is its user's: another lead does not find it, an agent may not ask.
#[tokio::test]
async fn an_import_job_is_only_its_users() {
    for db in common::test_databases().await {
        let (app, state) = demo_app(&db).await;
        let supervisor = token_for(&app, "supervisor").await;
        let job = import(&app, &supervisor, EXPORT.into()).await;
        let location = format!("/api/import/jobs/{}", job.id);

        let manager = token_for(&app, "manager").await;
        let other = send(&app, get_with_token(&location, &manager)).await;
        assert_eq!(other.status, StatusCode::NOT_FOUND, "{}", other.text());
        assert!(other.api_error().reason.contains("doubles nothing"));
        let agent = token_for(&app, "agent1").await;
        let refused = send(&app, get_with_token(&location, &agent)).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        let unknown = send(
            &app,
            get_with_token("/api/import/jobs/no-such-job", &supervisor),
        )
        .await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
        assert_eq!(unknown.api_error().error, ErrorCode::NotFound);
        state.db.close().await;
    }
}

/// Two imports of one store at once take turns: the second finds what the first wrote.
#[tokio::test]
async fn two_imports_at_once_take_turns_and_double_nothing() {
    for db in common::test_databases().await {
        let label = db.label;
        let (app, state) = demo_app(&db).await;
        let supervisor = token_for(&app, "supervisor").await;
        let manager = token_for(&app, "manager").await;
        let (first, second) = tokio::join!(
            import(&app, &supervisor, EXPORT.into()),
            import(&app, &manager, EXPORT.into())
        );
        let created = [
            first.summary.customers_created,
            second.summary.customers_created,
        ];
        assert!(
            created == [2, 0] || created == [0, 2],
            "[{label}] {created:?}"
        );
        let agent = common::user_ctx(&state, "agent1").await;
        let customers = common::entities(&state, &agent, RecordKind::Customer).await;
        assert_eq!(customers.len(), 2, "[{label}]");
        state.db.close().await;
    }
}
