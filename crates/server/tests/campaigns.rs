//! `POST /api/campaigns/preview` and `POST /api/campaigns` through the router: a segment
//! reaches the customers it says, those who asked not to be called are left out and counted,
//! launching twice creates nothing new, and what is refused says why.

mod common;

use axum::http::StatusCode;
use common::{demo_app, token_for};
use huifang_core::care::segment::{CampaignPreview, CampaignResponse};
use huifang_core::sync::{FieldWrite, Op, RecordKind};
use serde_json::json;

const EXPORT: &str = "客户姓名,手机号码,车牌号,车型,会员等级,标签\n\
    王建国,13800138000,京A12345,凯美瑞 2.5L,金卡,VIP\n\
    李秀英,13900139000,京B23456,卡罗拉,,\n\
    赵六,13700137000,京C34567,凯美瑞 2.0L,银卡,VIP、车队\n\
    孙七,13600136000,京D45678,RAV4荣放,金卡,\n";

#[tokio::test]
async fn a_campaign_reaches_its_segment_once() {
    for db in common::test_databases().await {
        let label = db.label;
        let (app, state) = demo_app(&db).await;
        let supervisor = token_for(&app, "supervisor").await;
        let committed = common::import_csv(&app, &supervisor, EXPORT).await;
        assert_eq!(committed.summary.customers_created, 4, "{committed:?}");
        let boss = common::user_ctx(&state, "supervisor").await;
        let agent = common::user_ctx(&state, "agent1").await;
        // 赵六 asked not to get campaign calls (an agent noted it on a call).
        let zhao = common::entities(&state, &boss, RecordKind::Customer)
            .await
            .into_iter()
            .find(|c| c.value("name") == Some(&json!("赵六")))
            .expect("赵六");
        let note = FieldWrite {
            field: "do_not_contact".into(),
            value: json!({"campaign": "不接受营销电话"}),
            base: None,
        };
        let op = Op::SetFields { writes: vec![note] };
        common::apply_as(&state, &agent, RecordKind::Customer, zhao.id, op).await;

        let camry = json!({"segment": {"model_contains": "凯美瑞"}});
        let preview =
            common::post_json_as(&app, "/api/campaigns/preview", &supervisor, &camry).await;
        assert_eq!(
            preview.status,
            StatusCode::OK,
            "[{label}] {}",
            preview.text()
        );
        let preview: CampaignPreview = serde_json::from_slice(&preview.body).expect("json");
        assert_eq!(
            preview,
            CampaignPreview {
                matched: 2,
                skipped_do_not_contact: 1,
                sample: vec!["王建国".into()],
            },
            "[{label}]"
        );
        assert!(
            common::entities(&state, &boss, RecordKind::CallbackTask)
                .await
                .is_empty(),
            "a preview writes nothing"
        );

        let due_by = common::today().plus(14).to_string();
        let launch = json!({
            "name": "店庆十周年",
            "kind": "anniversary",
            "segment": {"model_contains": "凯美瑞"},
            "due_by": due_by,
        });
        let first = common::post_json_as(&app, "/api/campaigns", &supervisor, &launch).await;
        assert_eq!(first.status, StatusCode::OK, "[{label}] {}", first.text());
        let first: CampaignResponse = serde_json::from_slice(&first.body).expect("json");
        assert_eq!(
            (first.matched, first.created, first.skipped_do_not_contact),
            (2, 1, 1),
            "[{label}] {first:?}"
        );
        let tasks = common::entities(&state, &boss, RecordKind::CallbackTask).await;
        assert_eq!(tasks.len(), 1, "[{label}]");
        let task = &tasks[0];
        let wang = common::entities(&state, &boss, RecordKind::Customer)
            .await
            .into_iter()
            .find(|c| c.value("name") == Some(&json!("王建国")))
            .expect("王建国");
        assert_eq!(task.value("customer"), Some(&json!(wang.id.to_string())));
        assert_eq!(task.value("purpose"), Some(&json!("campaign")));
        assert_eq!(task.value("campaign"), Some(&json!("店庆十周年")));
        assert_eq!(task.value("campaign_kind"), Some(&json!("anniversary")));
        assert_eq!(task.value("due_by"), Some(&json!(due_by)));
        assert_eq!(task.value("status"), Some(&json!("open")));
        assert_eq!(
            task.value("key"),
            Some(&json!(format!("{}:campaign:店庆十周年", wang.id)))
        );
        assert_eq!(
            task.scope.owner, None,
            "unassigned, for the supervisor to share"
        );

        // Launching again creates nothing; another campaign on another segment does.
        let again = common::post_json_as(&app, "/api/campaigns", &supervisor, &launch).await;
        let again: CampaignResponse = serde_json::from_slice(&again.body).expect("json");
        assert_eq!(
            (again.matched, again.created),
            (2, 0),
            "[{label}] {again:?}"
        );
        let gold = json!({
            "name": "春节问候",
            "kind": "holiday",
            "segment": {"members_only": true, "member_levels": ["金卡"]},
            "due_by": due_by,
        });
        let holiday = common::post_json_as(&app, "/api/campaigns", &supervisor, &gold).await;
        let holiday: CampaignResponse = serde_json::from_slice(&holiday.body).expect("json");
        assert_eq!(
            (
                holiday.matched,
                holiday.created,
                holiday.skipped_do_not_contact
            ),
            (2, 2, 0),
            "[{label}] 王建国 and 孙七: {holiday:?}"
        );
        let tasks = common::entities(&state, &boss, RecordKind::CallbackTask).await;
        assert_eq!(tasks.len(), 3, "[{label}]");
        state.db.close().await;
    }
}

#[tokio::test]
async fn campaigns_are_for_leads_and_checked() {
    for db in common::test_databases().await {
        let label = db.label;
        let (app, state) = demo_app(&db).await;
        let supervisor = token_for(&app, "supervisor").await;
        let agent = token_for(&app, "agent1").await;
        let today = common::today();
        let launch = |name: &str, due_by: &str| json!({"name": name, "kind": "promotion", "segment": {}, "due_by": due_by});
        let ok = launch("保养季", &today.to_string());
        for uri in ["/api/campaigns", "/api/campaigns/preview"] {
            let refused = common::post_json_as(&app, uri, &agent, &ok).await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN, "[{label}] {uri}");
            assert!(!refused.api_error().reason.is_empty());
        }
        for (body, says) in [
            (launch("  ", &today.to_string()), "needs a name"),
            (
                launch("保养季", &today.plus(-1).to_string()),
                "cannot be due by",
            ),
            (launch("保养季", "2026-02-30"), "YYYY-MM-DD"),
            (launch("保养季", "next week"), "YYYY-MM-DD"),
            (
                json!({"name": "保养季", "kind": "flash_sale", "due_by": today.to_string()}),
                "kind",
            ),
        ] {
            let refused = common::post_json_as(&app, "/api/campaigns", &supervisor, &body).await;
            assert_eq!(refused.status, StatusCode::BAD_REQUEST, "[{label}] {body}");
            let reason = refused.api_error().reason;
            assert!(reason.contains(says), "[{label}] {body}: {reason}");
        }
        // Due today is fine (and there is nobody to call yet).
        let empty = common::post_json_as(&app, "/api/campaigns", &supervisor, &ok).await;
        assert_eq!(empty.status, StatusCode::OK, "[{label}] {}", empty.text());
        assert_eq!(empty.json()["created"], json!(0));
        state.db.close().await;
    }
}
