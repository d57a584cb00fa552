//! Sales leads on the showroom floor, end to end: `advisor1`, offline, captures three leads
//! (her own duplicate is caught as she types); one has the phone of an `advisor2` lead. After
//! the sync the server flags it as already followed by 刘洋 — and nothing of advisor2's lead
//! reaches advisor1's tablet. The manager gives one of advisor1's leads to advisor2: it leaves
//! advisor1's tablet and appears on advisor2's.

use huifang_core::care::dates::Day;
use huifang_core::sync::{Op, Record, RecordKind, Scope};
use huifang_e2e::seed::{fields, new_id};
use huifang_e2e::{ApiClient, Tablet, TestApp, TestBrowser};
use serde_json::json;

/// Captures a lead on the `/leads` form; returns its id.
async fn capture(tablet: &Tablet, phone: &str, name: &str, grade: &str) -> String {
    let before: String = tablet
        .eval("document.querySelector('[data-testid=lead-saved]')?.dataset.id ?? ''")
        .await
        .expect("the last saved");
    tablet
        .set_value("[data-testid=lead-phone]", phone)
        .await
        .expect("phone");
    tablet
        .set_value("[data-testid=lead-name]", name)
        .await
        .expect("name");
    tablet
        .click("[data-testid=lead-source-walk_in]")
        .await
        .expect("source");
    tablet
        .click("[data-testid=lead-model]")
        .await
        .expect("a model");
    tablet
        .click(&format!("[data-testid=lead-grade-{grade}]"))
        .await
        .expect("grade");
    tablet.click("[data-testid=lead-save]").await.expect("save");
    // The confirmation may give way to the next lead at once: keep the id as it shows.
    tablet
        .wait_until(
            &format!(
                "(() => {{ const id = document.querySelector('[data-testid=lead-saved]')?.dataset.id ?? ''; \
                   if (id && id !== '{before}') {{ window.__savedLead = id; return true; }} return false; }})()"
            ),
            &format!("the lead {name} saved"),
        )
        .await
        .expect("saved");
    tablet.eval("window.__savedLead").await.expect("its id")
}

async fn has_row(tablet: &Tablet, id: &str) -> bool {
    tablet
        .eval(&format!(
            "!!document.querySelector('[data-testid=lead-row][data-id=\"{id}\"]')"
        ))
        .await
        .expect("rows")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leads_offline_capture_flags_another_advisors_phone_without_leaking_and_reassignment_moves_tablets()
 {
    let app = TestApp::start().await.expect("server starts");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default();
    let today = Day::of_ms(now, 8 * 60);
    // advisor2 already follows 钱女士.
    let advisor2 = ApiClient::sign_in(&app.url(), "advisor2")
        .await
        .expect("advisor2");
    advisor2
        .apply(vec![(
            RecordKind::Lead,
            new_id(),
            Op::Create {
                scope: Scope {
                    store: advisor2.me.store_id.clone(),
                    owner: Some(advisor2.me.id.clone()),
                },
                fields: fields(&[
                    ("phone", json!("13811112222")),
                    ("name", json!("钱女士")),
                    ("source", json!("phone")),
                    ("models", json!(["汉兰达"])),
                    ("grade", json!("A")),
                    ("notes", json!("预算三十万，想要白色")),
                    ("captured_at", json!(now - 86_400_000)),
                    ("next_follow_up", json!(today.plus(2).to_string())),
                ]),
            },
        )])
        .await
        .expect("advisor2's lead");

    // advisor1 on the floor, offline: three leads; her own duplicate is caught as she types.
    let floor = TestBrowser::launch().await.expect("Chromium");
    let tablet = floor.open(&app.url()).await.expect("tablet");
    tablet.sign_in_synced("advisor1").await.expect("advisor1");
    tablet
        .wait_for_service_worker()
        .await
        .expect("offline-ready");
    tablet.set_offline(true).await.expect("offline");
    tablet.wait_for_text("离线").await.expect("offline shown");
    tablet.navigate("/leads").await.expect("leads");
    let sun = capture(&tablet, "139 0000 1111", "孙先生", "H").await;
    let zhou = capture(&tablet, "13900002222", "周女士", "A").await;
    tablet
        .set_value("[data-testid=lead-phone]", "+86 139-0000-1111")
        .await
        .expect("the same phone again");
    tablet
        .wait_until(
            "!!document.querySelector('[data-testid=lead-own-duplicate] [data-testid=lead-open-existing]')",
            "her own lead offered instead",
        )
        .await
        .expect("own duplicate caught offline");
    let qian = capture(&tablet, "13811112222", "钱", "B").await;
    for id in [&sun, &zhou, &qian] {
        assert!(has_row(&tablet, id).await, "lead {id} on her list");
    }

    // Online: the server flags 钱 as followed by 刘洋, and tells nothing else.
    tablet.set_offline(false).await.expect("online");
    tablet
        .wait_sync("s.pending === 0 && !s.error", "the leads pushed")
        .await
        .expect("pushed");
    tablet.sync_now().await.expect("the server's flag pulled");
    tablet
        .wait_until(
            &format!(
                "document.querySelector('[data-testid=lead-row][data-id=\"{qian}\"] [data-testid=lead-duplicate-flag]')?.innerText.includes('刘洋')"
            ),
            "the duplicate flagged with advisor2's name",
        )
        .await
        .expect("flagged");
    let page = tablet.body_text().await.expect("the page");
    assert!(
        !page.contains("钱女士") && !page.contains("三十万"),
        "nothing of advisor2's lead is shown: {page}"
    );
    let advisor1 = ApiClient::sign_in(&app.url(), "advisor1")
        .await
        .expect("advisor1 API");
    let hers = advisor1.records().await.expect("advisor1's records");
    assert!(
        hers.iter()
            .all(|r| r.scope().owner.as_ref() != Some(&advisor2.me.id)
                || r.kind() == RecordKind::TestDrive),
        "advisor2's lead never reaches advisor1"
    );
    let flagged = hers
        .iter()
        .filter_map(Record::as_entity)
        .find(|e| e.id.to_string() == qian)
        .expect("钱 on the server");
    assert_eq!(
        flagged.value("duplicate_of"),
        Some(&json!(advisor2.me.id.0)),
        "only who follows it"
    );

    // 孙先生 bought elsewhere: advisor1 reports the loss, with the reason; it waits for the manager.
    tablet
        .navigate(&format!("/leads/{sun}"))
        .await
        .expect("the lead");
    tablet
        .set_value("[data-testid=stage-lost-reason]", "已在别家店订车")
        .await
        .expect("reason");
    tablet
        .click("[data-testid=stage-lost]")
        .await
        .expect("report lost");
    tablet
        .wait_until(
            "document.querySelector('[data-testid=lead-stage]')?.dataset.stage === 'lost_pending'",
            "the loss waiting for approval",
        )
        .await
        .expect("lost pending");
    tablet
        .wait_sync("s.pending === 0 && !s.error", "the loss pushed")
        .await
        .expect("pushed");
    tablet.navigate("/leads").await.expect("leads");

    // The manager gives 周女士 to advisor2.
    let office = TestBrowser::launch().await.expect("Chromium");
    let desk = office.open(&app.url()).await.expect("desk");
    desk.sign_in_synced("manager").await.expect("manager");
    desk.navigate(&format!("/leads/{zhou}"))
        .await
        .expect("the lead");
    desk.choose("[data-testid=reassign-select]", &advisor2.me.id.0)
        .await
        .expect("advisor2 chosen");
    desk.click("[data-testid=reassign-save]")
        .await
        .expect("reassign");
    desk.wait_until(
        "document.querySelector('[data-testid=lead-owner]')?.innerText.includes('刘洋')",
        "the lead now advisor2's",
    )
    .await
    .expect("done");
    desk.wait_sync("s.pending === 0 && !s.error", "the move pushed")
        .await
        .expect("pushed");
    // … and approves 孙先生's loss from the list of losses waiting for her.
    desk.navigate("/leads").await.expect("leads");
    desk.click(&format!(
        "[data-testid=lost-pending-row][data-id=\"{sun}\"] a"
    ))
    .await
    .expect("the pending loss");
    desk.click("[data-testid=stage-approve-lost]")
        .await
        .expect("approve");
    desk.wait_until(
        "document.querySelector('[data-testid=lead-stage]')?.dataset.stage === 'lost'",
        "the loss approved",
    )
    .await
    .expect("lost");

    // It leaves advisor1's tablet …
    tablet.sync_now().await.expect("sync");
    tablet
        .wait_until(
            &format!("!document.querySelector('[data-testid=lead-row][data-id=\"{zhou}\"]')"),
            "周女士 gone from advisor1's tablet",
        )
        .await
        .expect("left");
    assert!(has_row(&tablet, &qian).await, "her other leads stay");
    // … and appears on advisor2's.
    let other = TestBrowser::launch().await.expect("Chromium");
    let second = other.open(&app.url()).await.expect("advisor2's tablet");
    second.sign_in_synced("advisor2").await.expect("advisor2");
    second.navigate("/leads").await.expect("leads");
    second
        .wait_until(
            &format!("!!document.querySelector('[data-testid=lead-row][data-id=\"{zhou}\"]')"),
            "周女士 on advisor2's tablet",
        )
        .await
        .expect("arrived");

    other.close().await;
    office.close().await;
    floor.close().await;
}
