//! Call scripts in the agent's call, end to end: `agent1` runs the default post-service
//! script (version 1) offline; the supervisor publishes version 2 meanwhile; a reload in the
//! middle of the call loses nothing; her unsatisfied answer opens a complaint filled from the
//! call in one tap; the record keeps version 1 and the path taken; her next call runs v2.

use huifang_core::care::dates::Day;
use huifang_core::scripts::graph::{Graph, Node};
use huifang_core::sync::{Op, Record, RecordKind, Scope};
use huifang_e2e::seed::{callback_for, fields, new_id};
use huifang_e2e::{ApiClient, Tablet, TestApp, TestBrowser};
use serde_json::{Value, json};

async fn script_version(tablet: &Tablet) -> String {
    tablet
        .eval("document.querySelector('[data-testid=script]')?.dataset.version ?? ''")
        .await
        .expect("the script's version")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scripts_a_call_finishes_on_its_version_and_the_next_runs_the_new_one() {
    let app = TestApp::start().await.expect("server starts");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default();
    let today = Day::of_ms(now, 8 * 60);
    let supervisor = ApiClient::sign_in(&app.url(), "supervisor")
        .await
        .expect("supervisor");
    let agent_api = ApiClient::sign_in(&app.url(), "agent1")
        .await
        .expect("agent");
    let agent = agent_api.me.id.clone();
    let first = callback_for(
        &supervisor,
        &agent,
        "王建国",
        "13800138000",
        "WO-2001",
        today,
    )
    .await
    .expect("seeded");
    let second = callback_for(
        &supervisor,
        &agent,
        "李秀英",
        "13900139000",
        "WO-2002",
        today,
    )
    .await
    .expect("seeded");

    let browser = TestBrowser::launch().await.expect("Chromium");
    let tablet = browser.open(&app.url()).await.expect("tablet");
    tablet.sign_in_synced("agent1").await.expect("agent1");
    tablet
        .wait_for_service_worker()
        .await
        .expect("offline-ready");

    // Offline, the call begins on version 1: the opening names the customer.
    tablet.set_offline(true).await.expect("offline");
    tablet.wait_for_text("离线").await.expect("offline shown");
    tablet
        .navigate(&format!("/tasks/{first}"))
        .await
        .expect("the call");
    tablet
        .wait_until(
            "document.querySelector('[data-testid=script-text]')?.innerText.includes('王建国')",
            "the opening, filled",
        )
        .await
        .expect("opening");
    assert_eq!(script_version(&tablet).await, "1");
    tablet.script_answer("是本人").await.expect("是本人");
    tablet.script_answer("方便").await.expect("方便");
    tablet
        .wait_until(
            "document.querySelector('[data-testid=script-text]')?.innerText.includes('首保')",
            "the visit's items in the body",
        )
        .await
        .expect("body");

    // Meanwhile the supervisor publishes version 2 of the same script.
    let scripts = supervisor
        .records_of(RecordKind::CallScript)
        .await
        .expect("scripts");
    let script = scripts
        .iter()
        .filter_map(Record::as_entity)
        .find(|e| {
            e.value("purpose") == Some(&json!("post_service"))
                && e.value("lang") == Some(&json!("zh-CN"))
        })
        .expect("the default post-service script")
        .id;
    let mut v2: Graph = huifang_core::scripts::defaults::default_script(
        huifang_core::care::rules::Purpose::PostService,
        "zh-CN",
    );
    if let Some(Node::Question { text, .. }) = v2.nodes.get_mut("opening") {
        *text = "【第二版】您好，我是{store.name}的{agent.name}，请问是{customer.name}吗？".into();
    }
    supervisor
        .apply(vec![
            (
                RecordKind::ScriptVersion,
                new_id(),
                Op::AppendEvent {
                    scope: Scope {
                        store: supervisor.me.store_id.clone(),
                        owner: Some(supervisor.me.id.clone()),
                    },
                    fields: fields(&[
                        ("script", json!(script.to_string())),
                        ("version", json!(2)),
                        ("purpose", json!("post_service")),
                        ("lang", json!("zh-CN")),
                        ("graph", serde_json::to_value(&v2).expect("json")),
                    ]),
                },
            ),
            (
                RecordKind::CallScript,
                script,
                Op::SetFields {
                    writes: vec![huifang_core::sync::FieldWrite {
                        field: "published".into(),
                        value: json!(2),
                        base: None,
                    }],
                },
            ),
        ])
        .await
        .expect("v2 published");

    // The tablet restarts mid-call (offline): the run is where it was, on version 1.
    tablet.reload().await.expect("reload");
    tablet
        .wait_until(
            "document.querySelector('[data-testid=script-text]')?.innerText.includes('首保')",
            "the call resumed at the body",
        )
        .await
        .expect("resumed");
    assert_eq!(script_version(&tablet).await, "1");
    tablet.script_answer("不满意").await.expect("不满意");
    tablet
        .set_value("[data-testid=script-input]", "等了两个小时")
        .await
        .expect("what fell short");
    tablet
        .click("[data-testid=script-next]")
        .await
        .expect("next");
    tablet
        .wait_for_text("感谢您的宝贵意见")
        .await
        .expect("the unsatisfied closing");
    tablet
        .click("[data-testid=open-complaint]")
        .await
        .expect("one tap");
    tablet
        .choose("[data-testid=cmp-category]", "waiting_time")
        .await
        .expect("the category");
    tablet
        .click("[data-testid=cmp-save]")
        .await
        .expect("registered beside the call");
    tablet
        .wait_until(
            "!!document.querySelector('[data-testid=complaint-opened]')",
            "registered",
        )
        .await
        .expect("complaint registered");
    // The script's end filled the outcome form: reached.
    tablet
        .wait_until(
            "document.querySelector('button[data-outcome=reached]')?.classList.contains('chosen')",
            "reached chosen by the script",
        )
        .await
        .expect("outcome filled");
    tablet.click_button("保存通话结果").await.expect("save");
    tablet
        .wait_until(
            "document.querySelector('[data-testid=satisfaction] [data-value=unsatisfied]')?.classList.contains('chosen') && \
             document.querySelector('[data-testid=suggestions]')?.value === '等了两个小时'",
            "the record filled from the script",
        )
        .await
        .expect("record filled");
    tablet
        .click_button("保存回访记录")
        .await
        .expect("save the record");
    tablet
        .wait_until(
            "document.querySelector('[data-testid=task-done]')?.dataset.status === 'completed'",
            "completed",
        )
        .await
        .expect("completed");

    // Online: the record keeps version 1 and the path; the complaint carries the call.
    tablet.set_offline(false).await.expect("online");
    tablet
        .wait_sync("s.pending === 0 && s.attention === 0", "uploaded")
        .await
        .expect("uploaded");
    let records = supervisor
        .records_of(RecordKind::CallbackRecord)
        .await
        .expect("records");
    let Some(Record::Event(record)) = records.first() else {
        panic!("a callback record: {records:?}");
    };
    assert_eq!(record.fields.get("script_version_no"), Some(&json!(1)));
    assert_eq!(
        record.fields.get("satisfaction"),
        Some(&json!("unsatisfied"))
    );
    assert_eq!(record.fields.get("next_action"), Some(&json!("complaint")));
    let path: Vec<String> = record
        .fields
        .get("script_path")
        .and_then(Value::as_array)
        .map(|steps| {
            steps
                .iter()
                .filter_map(|s| s.get("node").and_then(Value::as_str).map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(path, ["opening", "convenient", "body", "improve"]);
    let complaints = supervisor
        .records_of(RecordKind::Complaint)
        .await
        .expect("complaints");
    let complaint = complaints
        .first()
        .and_then(Record::as_entity)
        .expect("the complaint");
    assert_eq!(complaint.value("work_order"), Some(&json!("WO-2001")));
    assert!(
        complaint
            .value("content")
            .and_then(Value::as_str)
            .is_some_and(|c| c.contains("不满意") && c.contains("等了两个小时")),
        "{:?}",
        complaint.value("content")
    );
    assert_eq!(complaint.value("status"), Some(&json!("registered")));

    // Her next call runs version 2.
    tablet
        .navigate(&format!("/tasks/{second}"))
        .await
        .expect("next call");
    tablet
        .wait_until(
            "document.querySelector('[data-testid=script-text]')?.innerText.includes('第二版')",
            "version 2's opening",
        )
        .await
        .expect("v2");
    assert_eq!(script_version(&tablet).await, "2");
    browser.close().await;
}
