//! The DMS import tells who came to their appointment: a visit on the appointment's day (or
//! the day after, entered late) marks it arrived with the visit's work order; other
//! appointments stay as they were.

mod common;

use common::{demo_app, token_for};
use huifang_core::sync::{Entity, Op, RecordId, RecordKind, Scope, UserCtx};
use huifang_server::AppState;
use serde_json::json;
use std::collections::BTreeMap;

/// An agent books an appointment for `customer` on `day`; returns its id.
async fn book(state: &AppState, agent: &UserCtx, customer: RecordId, day: &str) -> RecordId {
    let id = RecordId(uuid::Uuid::now_v7());
    let fields: BTreeMap<String, serde_json::Value> = [
        ("customer", json!(customer.to_string())),
        ("day", json!(day)),
        ("slot", json!("09:00-10:00")),
        ("advisor", json!("刘强")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let scope = Scope {
        store: agent.store.clone(),
        owner: Some(agent.user.clone()),
    };
    let op = Op::Create { scope, fields };
    common::apply_as(state, agent, RecordKind::Appointment, id, op).await;
    id
}

async fn appointment(state: &AppState, viewer: &UserCtx, id: RecordId) -> Entity {
    common::entities(state, viewer, RecordKind::Appointment)
        .await
        .into_iter()
        .find(|a| a.id == id)
        .expect("the appointment")
}

#[tokio::test]
async fn an_imported_visit_marks_the_appointment_arrived() {
    for db in common::test_databases().await {
        let label = db.label;
        let (app, state) = demo_app(&db).await;
        let supervisor = token_for(&app, "supervisor").await;
        let agent = common::user_ctx(&state, "agent1").await;
        let today = common::today();
        common::import_csv(
            &app,
            &supervisor,
            "客户姓名,手机号码\n王建国,13800138000\n李秀英,13900139000\n",
        )
        .await;
        let customers = common::entities(&state, &agent, RecordKind::Customer).await;
        let id_of = |name: &str| {
            customers
                .iter()
                .find(|c| c.value("name") == Some(&json!(name)))
                .map(|c| c.id)
                .unwrap_or_else(|| panic!("no {name}"))
        };
        let (wang, li) = (id_of("王建国"), id_of("李秀英"));
        // 王建国 is booked today and again next week; 李秀英 was booked yesterday, marked a
        // no-show, and the DMS enters her visit a day late.
        let wang_today = book(&state, &agent, wang, &today.to_string()).await;
        let wang_later = book(&state, &agent, wang, &today.plus(7).to_string()).await;
        let li_yesterday = book(&state, &agent, li, &today.plus(-1).to_string()).await;
        let no_show = Op::Transition {
            field: "status".into(),
            from: "booked".into(),
            to: "no_show".into(),
            reason: None,
        };
        common::apply_as(
            &state,
            &agent,
            RecordKind::Appointment,
            li_yesterday,
            no_show,
        )
        .await;

        let export = format!(
            "客户姓名,手机号码,进厂日期,委托书号\n\
             王建国,13800138000,{today},WO-5001\n\
             李秀英,13900139000,{today},WO-5002\n"
        );
        let committed = common::import_csv(&app, &supervisor, &export).await;
        let s = &committed.summary;
        assert_eq!(s.appointments_arrived, 2, "[{label}] {s:?}");
        assert_eq!(s.refused, 0, "[{label}] {:?}", s.refusals);

        let arrived = appointment(&state, &agent, wang_today).await;
        assert_eq!(
            arrived.value("status"),
            Some(&json!("arrived")),
            "[{label}]"
        );
        assert_eq!(arrived.value("arrived_work_order"), Some(&json!("WO-5001")));
        let late = appointment(&state, &agent, li_yesterday).await;
        assert_eq!(
            late.value("status"),
            Some(&json!("arrived")),
            "[{label}] no-show → arrived"
        );
        assert_eq!(late.value("arrived_work_order"), Some(&json!("WO-5002")));
        let later = appointment(&state, &agent, wang_later).await;
        assert_eq!(
            later.value("status"),
            Some(&json!("booked")),
            "[{label}] next week's stays"
        );
        assert_eq!(later.value("arrived_work_order"), None);

        // The same export again: nothing left to match.
        let again = common::import_csv(&app, &supervisor, &export).await;
        assert_eq!(again.summary.appointments_arrived, 0, "[{label}]");
        assert_eq!(again.summary.refused, 0, "{:?}", again.summary.refusals);
        state.db.close().await;
    }
}
