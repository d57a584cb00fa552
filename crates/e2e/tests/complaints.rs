//! Complaints as a closed loop, end to end: `agent1`, offline, registers a complaint from an
//! unsatisfied callback answer beside the call; the supervisor, online on her own screen,
//! judges it, has it investigated and approves one of two solutions; `agent1`, offline again,
//! records what was done and the customer's signature drawn on the tablet; after the sync the
//! signature's PNG is on the server, the follow-up callback is on `agent1`'s list, the
//! supervisor reviews and closes it, and the classification statistics table (and its CSV)
//! counts it once, closed with the signature.

use huifang_core::care::dates::Day;
use huifang_core::sync::{Record, RecordKind};
use huifang_e2e::seed::callback_for;
use huifang_e2e::{Tablet, TestApp, TestBrowser};
use serde_json::{Value, json};

/// Waits until the complaint's page shows `status`.
async fn status_is(tablet: &Tablet, status: &str) {
    tablet
        .wait_until(
            &format!(
                "document.querySelector('[data-testid=complaint-title]')?.dataset.status === '{status}'"
            ),
            &format!("the complaint {status}"),
        )
        .await
        .expect(status);
}

/// A stroke across the signature pad, as a finger would draw it.
const SIGN: &str = r#"(() => {
  const c = document.querySelector('[data-testid=signature-pad]');
  const r = c.getBoundingClientRect();
  const at = (type, x, y) => c.dispatchEvent(new PointerEvent(type, {
    bubbles: true, cancelable: true, pointerId: 7, pointerType: 'touch', isPrimary: true,
    clientX: r.left + x, clientY: r.top + y, buttons: type === 'pointerup' ? 0 : 1 }));
  at('pointerdown', 20, 40);
  for (let i = 1; i <= 12; i++) at('pointermove', 20 + i * 15, 40 + (i % 3) * 25);
  at('pointerup', 200, 60);
  return true;
})()"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn complaints_closed_loop_from_an_offline_call_to_a_signed_close_and_the_statistics() {
    let app = TestApp::start().await.expect("server starts");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default();
    let today = Day::of_ms(now, 8 * 60);
    let supervisor = huifang_e2e::ApiClient::sign_in(&app.url(), "supervisor")
        .await
        .expect("supervisor");
    let agent_api = huifang_e2e::ApiClient::sign_in(&app.url(), "agent1")
        .await
        .expect("agent");
    let task = callback_for(
        &supervisor,
        &agent_api.me.id,
        "周建华",
        "13700137000",
        "WO-3001",
        today,
    )
    .await
    .expect("seeded");

    // agent1, offline, in the call: the customer is not satisfied.
    let agent_browser = TestBrowser::launch().await.expect("Chromium");
    let tablet = agent_browser.open(&app.url()).await.expect("tablet");
    tablet.sign_in_synced("agent1").await.expect("agent1");
    tablet
        .wait_for_service_worker()
        .await
        .expect("offline-ready");
    tablet.set_offline(true).await.expect("offline");
    tablet.wait_for_text("离线").await.expect("offline shown");
    tablet
        .navigate(&format!("/tasks/{task}"))
        .await
        .expect("the call");
    tablet.script_answer("是本人").await.expect("是本人");
    tablet.script_answer("方便").await.expect("方便");
    tablet.script_answer("不满意").await.expect("不满意");
    tablet
        .set_value("[data-testid=script-input]", "保养等了三个小时，没人解释")
        .await
        .expect("what fell short");
    tablet
        .click("[data-testid=script-next]")
        .await
        .expect("next");
    tablet
        .click("[data-testid=open-complaint]")
        .await
        .expect("one tap");
    // The form beside the call is filled from it; a missing category is refused in Chinese.
    tablet
        .wait_until(
            "document.querySelector('[data-testid=cmp-content]')?.value.includes('三个小时')",
            "the content filled from the call",
        )
        .await
        .expect("pre-filled");
    tablet.click("[data-testid=cmp-save]").await.expect("save");
    tablet
        .wait_until(
            "document.querySelector('[data-testid=cmp-error]')?.innerText.includes('投诉类别')",
            "the missing category named",
        )
        .await
        .expect("refused without a category");
    tablet
        .choose("[data-testid=cmp-category]", "waiting_time")
        .await
        .expect("category");
    tablet
        .choose("[data-testid=cmp-severity]", "escalated")
        .await
        .expect("severity");
    tablet
        .set_value("[data-testid=cmp-demand]", "希望店里给个说法")
        .await
        .expect("demand");
    tablet.click("[data-testid=cmp-save]").await.expect("save");
    tablet
        .wait_until(
            "!!document.querySelector('[data-testid=complaint-opened]')",
            "the complaint registered",
        )
        .await
        .expect("registered offline");
    let complaint: String = tablet
        .eval("document.querySelector('[data-testid=complaint-opened]').dataset.id")
        .await
        .expect("its id");
    // Its page works offline: registered, with the response timer running.
    tablet
        .navigate(&format!("/complaints/{complaint}"))
        .await
        .expect("the complaint");
    status_is(&tablet, "registered").await;
    let deadline: String = tablet
        .eval("document.querySelector('[data-testid=complaint-deadline]').dataset.state")
        .await
        .expect("the timer");
    assert_eq!(deadline, "running");
    tablet.set_offline(false).await.expect("online");
    tablet
        .wait_sync("s.pending === 0 && !s.error", "the complaint pushed")
        .await
        .expect("synced");

    // The supervisor, online: judge, investigate and propose two solutions, approve one.
    let desk_browser = TestBrowser::launch().await.expect("Chromium");
    let desk = desk_browser.open(&app.url()).await.expect("desk");
    desk.sign_in_synced("supervisor").await.expect("supervisor");
    desk.navigate("/complaints").await.expect("the list");
    desk.wait_until(
        "[...document.querySelectorAll('[data-testid=complaint-row]')].some(r => r.innerText.includes('周建华'))",
        "agent1's complaint on the list",
    )
    .await
    .expect("listed");
    desk.navigate(&format!("/complaints/{complaint}"))
        .await
        .expect("open");
    status_is(&desk, "registered").await;
    desk.click("[data-testid=judge-justified]")
        .await
        .expect("justified");
    desk.choose("[data-testid=judge-department]", "workshop")
        .await
        .expect("department");
    desk.set_value("[data-testid=judge-reason]", "预约后等待超时属实")
        .await
        .expect("reason");
    desk.click("[data-testid=judge-save]").await.expect("judge");
    status_is(&desk, "investigating").await;
    desk.set_value("[data-testid=propose-cause]", "当天工位排班不足")
        .await
        .expect("cause");
    desk.set_value("[data-testid=propose-responsible]", "车间主管 孙明")
        .await
        .expect("responsible");
    desk.set_value(
        "[data-testid=propose-solutions]",
        "赠送一次免费保养\n赠送200元代金券",
    )
    .await
    .expect("solutions");
    desk.click("[data-testid=propose-save]")
        .await
        .expect("propose");
    status_is(&desk, "proposed").await;
    desk.click("[data-testid=approve-solution][data-index='1']")
        .await
        .expect("approve the second");
    status_is(&desk, "approved").await;
    desk.wait_sync("s.pending === 0 && !s.error", "the approval pushed")
        .await
        .expect("synced");

    // agent1 picks the approval up, then carries it out offline with the signature.
    tablet.sync_now().await.expect("sync");
    tablet
        .wait_sync("s.pending === 0 && !s.error", "up to date")
        .await
        .expect("pulled");
    tablet.set_offline(true).await.expect("offline again");
    tablet.reload().await.expect("reload offline");
    status_is(&tablet, "approved").await;
    tablet
        .wait_until(
            "document.querySelector('[data-testid=complaint-approved]')?.innerText.includes('200元代金券')",
            "the approved solution",
        )
        .await
        .expect("approved solution shown");
    tablet
        .set_value(
            "[data-testid=implement-actions]",
            "已当面致歉并发放200元代金券",
        )
        .await
        .expect("actions");
    tablet
        .click("[data-testid=implement-notified]")
        .await
        .expect("notified");
    tablet
        .set_value("[data-testid=implement-feedback]", "客户表示接受")
        .await
        .expect("feedback");
    let signed: bool = tablet.eval(SIGN).await.expect("signature drawn");
    assert!(signed);
    tablet
        .wait_until(
            "document.querySelector('[data-testid=step-implement]')?.dataset.signed === 'true'",
            "the signature kept",
        )
        .await
        .expect("signature captured");
    tablet
        .eval::<bool>(
            "(document.querySelector('[data-testid=step-implement]').scrollIntoView(), true)",
        )
        .await
        .expect("scrolled");
    tablet
        .readme_screenshot("complaint-sign.png")
        .await
        .expect("screenshot");
    tablet
        .click("[data-testid=implement-save]")
        .await
        .expect("save the implementation");
    status_is(&tablet, "follow_up").await;
    // The confirmation shows the signature from the tablet's own copy, offline.
    tablet
        .wait_until(
            "(() => { const i = document.querySelector('[data-testid=confirmation] img'); return !!i && i.complete && i.naturalWidth > 0; })()",
            "the signature on the confirmation",
        )
        .await
        .expect("confirmation with signature");
    // The follow-up callback is on her list, offline.
    tablet.navigate("/today").await.expect("today");
    tablet
        .wait_until(
            "[...document.querySelectorAll('[data-testid=today-item]')].some(r => r.innerText.includes('周建华') && r.innerText.includes('投诉回访'))",
            "the follow-up callback on agent1's list",
        )
        .await
        .expect("follow-up listed");
    tablet.set_offline(false).await.expect("online");
    tablet
        .wait_sync("s.pending === 0 && !s.error", "the implementation pushed")
        .await
        .expect("synced");

    // On the server: the signature's PNG, the signature event, the follow-up for agent1.
    let records = supervisor.records().await.expect("records");
    let entity = records
        .iter()
        .filter_map(Record::as_entity)
        .find(|e| e.id.to_string() == complaint)
        .expect("the complaint on the server");
    assert_eq!(entity.value("status"), Some(&json!("follow_up")));
    let sha = entity
        .value("signature")
        .and_then(Value::as_str)
        .expect("a signature")
        .to_owned();
    let (status, content_type, png) = supervisor
        .get_bytes(&format!("/api/blobs/{sha}"))
        .await
        .expect("the blob");
    assert_eq!((status, content_type.as_str()), (200, "image/png"));
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG");
    assert_eq!(
        huifang_core::sync::blobs::hash(&png),
        sha,
        "content-addressed"
    );
    let signatures: Vec<&Record> = records
        .iter()
        .filter(|r| r.kind() == RecordKind::Signature)
        .collect();
    assert_eq!(signatures.len(), 1);
    let follow_ups: Vec<_> = records
        .iter()
        .filter_map(Record::as_entity)
        .filter(|e| {
            e.kind == RecordKind::CallbackTask && e.value("complaint") == Some(&json!(complaint))
        })
        .collect();
    assert_eq!(follow_ups.len(), 1, "one follow-up callback");
    assert_eq!(
        follow_ups[0].scope.owner.as_ref(),
        Some(&agent_api.me.id),
        "on agent1's list"
    );
    assert_eq!(
        follow_ups[0].value("purpose"),
        Some(&json!("complaint_follow_up"))
    );

    // The supervisor reviews and closes; the statistics count it once, closed and signed.
    desk.sync_now().await.expect("sync");
    desk.wait_sync("s.pending === 0 && !s.error", "up to date")
        .await
        .expect("pulled");
    desk.navigate(&format!("/complaints/{complaint}"))
        .await
        .expect("open");
    status_is(&desk, "follow_up").await;
    // A photo of the voucher handed over (any image will do: the signature's PNG), from the
    // tablet's picker, downscaled and kept on the device, then shown on the complaint.
    let photo_dir = tempfile::tempdir().expect("a temp dir");
    let photo = photo_dir.path().join("voucher.png");
    std::fs::write(&photo, &png).expect("the photo file");
    desk.choose_file("拍照 / 添加照片", &photo)
        .await
        .expect("photo chosen");
    desk.wait_until(
        "(() => { const i = document.querySelector('[data-testid=complaint-photos] img'); return !!i && i.complete && i.naturalWidth > 0; })()",
        "the photo on the complaint",
    )
    .await
    .expect("photo shown");
    desk.set_value("[data-testid=close-review]", "响应及时，客户认可")
        .await
        .expect("review");
    desk.set_value("[data-testid=close-improvements]", "高峰期增加预约工位")
        .await
        .expect("improvements");
    desk.click("[data-testid=close-save]").await.expect("close");
    status_is(&desk, "closed").await;
    let steps: Vec<String> = desk
        .eval("[...document.querySelectorAll('[data-testid=complaint-timeline] li')].map(l => l.dataset.step)")
        .await
        .expect("the timeline");
    assert_eq!(
        steps,
        [
            "registered",
            "judged",
            "proposed",
            "approved",
            "implemented",
            "photo",
            "closed"
        ]
    );
    desk.wait_sync("s.pending === 0 && !s.error", "the close pushed")
        .await
        .expect("synced");
    desk.navigate("/complaints/stats")
        .await
        .expect("statistics");
    let figure = |item: &str| {
        format!(
            "document.querySelector('[data-testid=complaint-stats] tr[data-item=\"{item}\"]')?.dataset.value"
        )
    };
    desk.wait_until(
        &format!("{} === '1/1'", figure("客户签字结案")),
        "closed with signature: 1 of 1",
    )
    .await
    .expect("signed share");
    desk.readme_screenshot("complaint-stats.png")
        .await
        .expect("screenshot");
    let total: String = desk.eval(&figure("投诉数")).await.expect("total");
    let waiting: String = desk.eval(&figure("等待时间")).await.expect("waiting");
    let closed: String = desk.eval(&figure("已结案")).await.expect("closed");
    assert_eq!(
        (total.as_str(), waiting.as_str(), closed.as_str()),
        ("1", "1", "1")
    );
    // The CSV export says the same.
    let (status, _, csv) = supervisor
        .get_bytes(&format!(
            "/api/complaints/stats?from={}&to={}&format=csv&lang=zh",
            today.plus(-29),
            today
        ))
        .await
        .expect("CSV");
    assert_eq!(status, 200);
    let csv = String::from_utf8(csv).expect("UTF-8");
    assert!(csv.contains("投诉数,1"), "{csv}");
    assert!(csv.contains("客户签字结案,1/1"), "{csv}");

    desk_browser.close().await;
    agent_browser.close().await;
}

/// A complaint typed from scratch: a bad phone is refused in Chinese; saved, it is linked to
/// the customer with that phone; received three hours ago as major (2 hours to answer), it
/// heads the supervisor's overdue list with its timer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn complaints_registered_from_scratch_link_the_customer_and_overdue_ones_come_first() {
    let app = TestApp::start().await.expect("server starts");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default();
    let supervisor = huifang_e2e::ApiClient::sign_in(&app.url(), "supervisor")
        .await
        .expect("supervisor");
    let agent_api = huifang_e2e::ApiClient::sign_in(&app.url(), "agent1")
        .await
        .expect("agent");
    callback_for(
        &supervisor,
        &agent_api.me.id,
        "吴海燕",
        "13600136000",
        "WO-4001",
        Day::of_ms(now, 8 * 60),
    )
    .await
    .expect("seeded");
    let browser = TestBrowser::launch().await.expect("Chromium");
    let desk = browser.open(&app.url()).await.expect("desk");
    desk.sign_in_synced("supervisor").await.expect("supervisor");
    desk.navigate("/complaints").await.expect("list");
    desk.click("[data-testid=complaint-new]")
        .await
        .expect("new");
    desk.set_value("[data-testid=cmp-complainant]", "吴女士")
        .await
        .expect("name");
    desk.set_value("[data-testid=cmp-phone]", "136-0013")
        .await
        .expect("phone");
    desk.choose("[data-testid=cmp-channel]", "phone")
        .await
        .expect("channel");
    // Three hours ago, in the tablet's own time zone.
    let earlier: String = desk
        .eval(
            "(() => { const d = new Date(Date.now() - 3 * 3600 * 1000); \
               const p = n => String(n).padStart(2, '0'); \
               return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`; })()",
        )
        .await
        .expect("a time");
    desk.set_value("[data-testid=cmp-received]", &earlier)
        .await
        .expect("received");
    desk.choose("[data-testid=cmp-category]", "price_billing")
        .await
        .expect("category");
    desk.choose("[data-testid=cmp-severity]", "major")
        .await
        .expect("severity");
    desk.set_value("[data-testid=cmp-content]", "保养费用比报价多了300元")
        .await
        .expect("content");
    desk.click("[data-testid=cmp-save]").await.expect("save");
    desk.wait_until(
        "document.querySelector('[data-testid=cmp-error]')?.innerText.includes('电话号码无效')",
        "the bad phone refused in Chinese",
    )
    .await
    .expect("refused");
    desk.set_value("[data-testid=cmp-phone]", "136 0013 6000")
        .await
        .expect("phone");
    desk.click("[data-testid=cmp-save]").await.expect("save");
    desk.wait_until(
        "document.querySelector('[data-testid=complaint-title]')?.dataset.status === 'registered'",
        "the new complaint's page",
    )
    .await
    .expect("registered");
    let linked: bool = desk
        .eval("!!document.querySelector('a[href^=\"/customers/\"]')")
        .await
        .expect("the customer link");
    assert!(linked, "linked to 吴海燕's file by the phone");
    let deadline: String = desk
        .eval("document.querySelector('[data-testid=complaint-deadline]').dataset.state")
        .await
        .expect("the timer");
    assert_eq!(deadline, "overdue");
    desk.navigate("/complaints").await.expect("list");
    desk.wait_until(
        "document.querySelector('[data-testid=complaints-overdue] [data-testid=complaint-row]')?.innerText.includes('吴女士') && \
         document.querySelector('[data-testid=complaints-overdue] [data-testid=complaint-timer]')?.innerText.includes('已超时')",
        "the overdue complaint first, with its timer",
    )
    .await
    .expect("overdue listed");
    desk.wait_sync("s.pending === 0 && !s.error", "pushed")
        .await
        .expect("synced");
    let records = supervisor.records().await.expect("records");
    let complaint = records
        .iter()
        .filter_map(Record::as_entity)
        .find(|e| e.kind == RecordKind::Complaint)
        .expect("on the server");
    assert_eq!(complaint.value("phone"), Some(&json!("13600136000")));
    assert_eq!(complaint.value("severity"), Some(&json!("major")));
    assert!(complaint.value("customer").is_some(), "the customer linked");
    browser.close().await;
}
