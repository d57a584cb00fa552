//! Sync, end to end: real tablets (Chromium), the real server, the real databases. What a
//! person saved is never lost or doubled — across two tablets, a reload at the worst moment,
//! a server killed mid-push, and two tabs.

use chromiumoxide::cdp::browser_protocol::fetch::{
    self, EnableParams, EventRequestPaused, RequestPattern, RequestStage,
};
use futures::StreamExt;
use huifang_core::sync::{Record, RecordKind};
use huifang_e2e::{ApiClient, ServerProcess, SyncState, Tablet, TestApp, TestBrowser};
use std::time::Duration;

fn text(record: &Record, field: &str) -> String {
    record
        .as_entity()
        .and_then(|e| e.value(field))
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_owned()
}

/// Signs in and waits for the first sync to finish.
async fn signed_in(tablet: &Tablet, user: &str) -> SyncState {
    tablet.wait_for_text("登录").await.expect("sign-in page");
    tablet.sign_in(user, "demo").await.expect("sign in");
    tablet
        .wait_sync("s.runs > 0 && s.pending === 0", "the first sync")
        .await
        .expect("first sync")
}

/// Creates a customer through the "new customer" form.
async fn new_customer(tablet: &Tablet, name: &str, phone: &str) {
    tablet.new_customer(name, phone).await.expect("saved");
}

async fn open_customer(tablet: &Tablet, name: &str) {
    tablet.navigate("/customers").await.expect("customers");
    tablet.click_link(name).await.expect("customer link");
    tablet
        .wait_until(
            &format!(
                "document.querySelector('[data-testid=customer-name]')?.innerText === {}",
                huifang_e2e::browser::js(name)
            ),
            "the customer page",
        )
        .await
        .expect("customer page");
}

/// Replaces the text of a customer field and saves it; waits for "saved" (the form shows it
/// below the field, so nothing is clicked while the page still moves).
async fn edit_field(tablet: &Tablet, label: &str, value: &str) {
    let field = match label {
        "电话" => "phone",
        "备注" => "note",
        other => panic!("no customer field labelled {other}"),
    };
    tablet
        .save_customer_field(label, field, value)
        .await
        .expect("the field saved");
}

async fn attempts_shown(tablet: &Tablet) -> usize {
    tablet
        .texts_of("[data-testid=attempt]")
        .await
        .expect("attempts")
        .len()
}

/// (a) Two tablets. A, offline, edits a customer's note and logs a call attempt; B, online,
/// edits the same customer's phone and the same note. A comes back: both converge, the
/// attempt exists once, and the note conflict shows on both with both texts and authors;
/// resolving it on A clears it everywhere.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_two_tablets_converge_and_show_the_note_conflict() {
    let app = TestApp::start().await.expect("server starts");
    let browser_a = TestBrowser::launch().await.expect("Chromium A");
    let browser_b = TestBrowser::launch().await.expect("Chromium B");
    let a = browser_a.open(&app.url()).await.expect("tablet A");
    let b = browser_b.open(&app.url()).await.expect("tablet B");
    signed_in(&a, "agent1").await;
    signed_in(&b, "agent2").await;

    new_customer(&b, "陈建国", "13800138000").await;
    b.sync_now().await.expect("B uploads the customer");
    a.sync_now().await.expect("A receives it");
    open_customer(&a, "陈建国").await;

    // A loses the network, then writes.
    a.set_offline(true).await.expect("offline");
    a.wait_for_text("离线").await.expect("A shows offline");
    let a_note = "客户希望周六上午回电";
    edit_field(&a, "备注", a_note).await;
    a.select("拨打结果", "reached").await.expect("outcome");
    a.click_button("记录一次拨打").await.expect("log attempt");
    a.wait_until(
        "document.querySelectorAll('[data-testid=attempt]').length === 1",
        "the attempt on A",
    )
    .await
    .expect("attempt shown");
    a.wait_sync("s.pending === 2", "two changes waiting on A")
        .await
        .expect("A holds its changes");
    a.readme_screenshot("customer-offline.png")
        .await
        .expect("screenshot");

    // Meanwhile B, online, changes the phone and the same note.
    open_customer(&b, "陈建国").await;
    let b_note = "客户投诉保养等待时间过长";
    edit_field(&b, "电话", "13900139000").await;
    edit_field(&b, "备注", b_note).await;
    b.sync_now().await.expect("B uploads");

    // A comes back online: its changes go up, B's come down.
    a.set_offline(false).await.expect("online");
    let state = a
        .wait_sync(
            "s.pending === 0 && s.conflicts === 1",
            "A synced, with one conflict",
        )
        .await
        .expect("A converges");
    assert_eq!(state.attention, 0, "nothing refused on A");
    b.sync_now().await.expect("B pulls A's changes");
    let state_b = b
        .wait_sync("s.conflicts === 1", "B sees the conflict")
        .await
        .expect("B converges");
    assert_eq!(state_b.attention, 0);

    // The server holds one attempt, B's phone, and both notes in a conflict.
    let api = ApiClient::sign_in(&app.url(), "supervisor")
        .await
        .expect("API");
    let attempts = api
        .records_of(RecordKind::CallAttempt)
        .await
        .expect("attempts");
    assert_eq!(attempts.len(), 1, "the attempt exists once: {attempts:?}");
    let customers = api
        .records_of(RecordKind::Customer)
        .await
        .expect("customers");
    assert_eq!(customers.len(), 1);
    assert_eq!(text(&customers[0], "phone"), "13900139000");
    let conflict = customers[0]
        .as_entity()
        .and_then(|e| e.conflicts.get("note"))
        .expect("the note is in conflict on the server");
    let mut values: Vec<&str> = conflict
        .candidates
        .iter()
        .filter_map(|c| c.value.as_str())
        .collect();
    values.sort_unstable();
    let mut expected = vec![a_note, b_note];
    expected.sort_unstable();
    assert_eq!(values, expected);

    // Both tablets show the same customer: B's phone, one attempt.
    for (tablet, name) in [(&a, "A"), (&b, "B")] {
        open_customer(tablet, "陈建国").await;
        tablet
            .wait_until(
                "[...document.querySelectorAll('input')].some(i => i.value === '13900139000')",
                "the new phone",
            )
            .await
            .unwrap_or_else(|e| panic!("{name} shows B's phone: {e}"));
        assert_eq!(
            attempts_shown(tablet).await,
            1,
            "{name} shows the attempt once"
        );
        tablet
            .wait_for_text("此客户有冲突需要决定")
            .await
            .unwrap_or_else(|e| panic!("{name} flags the conflict: {e}"));
    }

    // The conflict view shows both texts and who wrote them.
    for tablet in [&a, &b] {
        tablet.navigate("/conflicts").await.expect("conflicts");
        tablet
            .wait_until(
                "document.querySelectorAll('[data-testid=conflict-candidate]').length === 2",
                "two candidates",
            )
            .await
            .expect("candidates");
        let shown = tablet
            .texts_of("[data-testid=conflict-candidate]")
            .await
            .expect("candidates");
        let all = shown.join("\n");
        for expected in [a_note, b_note, "王丽", "李娜"] {
            assert!(
                all.contains(expected),
                "conflict view lacks {expected:?}: {all}"
            );
        }
    }
    a.to_front().await.expect("A in front");
    a.readme_screenshot("conflict.png")
        .await
        .expect("screenshot");

    // A combines both texts; the conflict closes everywhere.
    a.click_button("保存合并内容").await.expect("combine");
    a.wait_for_text("没有需要决定的冲突")
        .await
        .expect("resolved on A at once");
    a.sync_now().await.expect("A uploads the resolution");
    a.wait_sync("s.conflicts === 0", "A has no conflict")
        .await
        .expect("A resolved");
    b.sync_now().await.expect("B pulls the resolution");
    b.wait_sync("s.conflicts === 0", "B has no conflict")
        .await
        .expect("B resolved");
    let customers = api
        .records_of(RecordKind::Customer)
        .await
        .expect("customers");
    let note = text(&customers[0], "note");
    assert!(
        note.contains(a_note) && note.contains(b_note),
        "the combined note keeps both: {note:?}"
    );
    browser_a.close().await;
    browser_b.close().await;
}

/// (b) The server applied a push, and the page reloads before the answer arrives: after the
/// reload the app pushes again, the server answers "duplicate", and nothing is lost or
/// doubled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_reload_after_the_server_applied_but_before_the_answer() {
    let app = TestApp::start().await.expect("server starts");
    let browser = TestBrowser::launch().await.expect("Chromium");
    let tablet = browser.open(&app.url()).await.expect("tablet");
    signed_in(&tablet, "agent1").await;

    // Hold every push answer at the browser: the server has applied it, the page never
    // hears back.
    let mut paused = tablet
        .page
        .event_listener::<EventRequestPaused>()
        .await
        .expect("listener");
    tablet
        .page
        .execute(
            EnableParams::builder()
                .patterns(vec![
                    RequestPattern::builder()
                        .url_pattern("*/api/sync/push*")
                        .request_stage(RequestStage::Response)
                        .build(),
                ])
                .build(),
        )
        .await
        .expect("intercept pushes");

    new_customer(&tablet, "周晓梅", "13700137000").await;
    let held = tokio::time::timeout(Duration::from_secs(30), paused.next())
        .await
        .expect("a push within 30 s")
        .expect("the paused push");
    let api = ApiClient::sign_in(&app.url(), "supervisor")
        .await
        .expect("API");
    let on_server = api
        .records_of(RecordKind::Customer)
        .await
        .expect("customers");
    assert_eq!(
        on_server.len(),
        1,
        "the server applied the push before answering"
    );
    assert_eq!(
        tablet.sync_state().await.expect("state").pending,
        1,
        "the tablet has not heard back"
    );

    // Reload with the answer still held. Pushes from the reloaded page go through (a race
    // with switching interception off must not hold them).
    let page = tablet.page.clone();
    let release = tokio::spawn(async move {
        while let Some(event) = paused.next().await {
            let _ = page
                .execute(fetch::ContinueRequestParams::new(event.request_id.clone()))
                .await;
        }
    });
    tablet.reload().await.expect("reload");
    tablet
        .page
        .execute(fetch::DisableParams::default())
        .await
        .expect("stop intercepting");
    drop(held);

    let state = tablet
        .wait_sync(
            "s.pending === 0 && s.runs > 0",
            "the push retried after the reload",
        )
        .await
        .expect("synced after reload");
    assert_eq!(state.attention, 0, "the replay is not refused");
    let on_server = api
        .records_of(RecordKind::Customer)
        .await
        .expect("customers");
    assert_eq!(on_server.len(), 1, "nothing doubled on the server");
    assert_eq!(text(&on_server[0], "name"), "周晓梅");
    tablet.navigate("/customers").await.expect("customers");
    tablet
        .wait_for_text("周晓梅")
        .await
        .expect("the customer is still on the tablet");
    let rows = tablet
        .texts_of("[data-testid=customer-row]")
        .await
        .expect("rows");
    assert_eq!(rows.len(), 1, "nothing doubled on the tablet: {rows:?}");
    release.abort();
    browser.close().await;
}

/// (c) The server is killed (SIGKILL) while a 1,000-change outbox uploads, and started
/// again: every change arrives exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_server_killed_during_a_1000_change_push() {
    let mut server = ServerProcess::start(env!("CARGO_BIN_EXE_huifang-e2e-server"))
        .await
        .expect("server process starts");
    let browser = TestBrowser::launch().await.expect("Chromium");
    let tablet = browser.open(&server.url()).await.expect("tablet");
    signed_in(&tablet, "agent1").await;

    // 1,000 changes saved offline, through the app's own write path.
    tablet.set_offline(true).await.expect("offline");
    tablet.wait_for_text("离线").await.expect("offline shown");
    let times: Vec<f64> = tablet
        .call_hook("huifangCreateCustomers", "'批量客户', 1000")
        .await
        .expect("1,000 saves");
    assert_eq!(times.len(), 1000);
    tablet
        .wait_sync("s.pending === 1000", "1,000 changes waiting")
        .await
        .expect("outbox");

    // Back online; kill the server as soon as the first batch is confirmed.
    tablet.set_offline(false).await.expect("online");
    tablet
        .wait_sync("s.pending < 1000", "the first batch confirmed")
        .await
        .expect("upload started");
    server.kill().expect("SIGKILL");
    let left = tablet.sync_state().await.expect("state").pending;
    assert!(left > 0, "killed before the upload finished ({left} left)");
    tablet
        .wait_until(
            "document.querySelector('[data-testid=sync-error]')",
            "the failure shown",
        )
        .await
        .expect("the tablet shows the failure");

    server.restart().await.expect("server restarts");
    let state = tablet
        .wait_sync(
            "s.pending === 0 && s.attention === 0 && !document.querySelector('[data-testid=sync-error]')",
            "the rest uploaded after the restart",
        )
        .await
        .expect("recovered");
    assert_eq!(state.attention, 0);

    let api = ApiClient::sign_in(&server.url(), "supervisor")
        .await
        .expect("API");
    let customers = api
        .records_of(RecordKind::Customer)
        .await
        .expect("customers");
    let mut names: Vec<String> = customers.iter().map(|c| text(c, "name")).collect();
    names.sort();
    names.dedup();
    assert_eq!(customers.len(), 1000, "all 1,000 arrived");
    assert_eq!(names.len(), 1000, "each exactly once");
    browser.close().await;
}

/// (d) Two tabs of one tablet: one syncs (it holds the Web Lock), both show every change,
/// and when the syncing tab closes the other takes over. Then the settings page shows the
/// device's storage against its quota and asks the browser to keep it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_two_tabs_one_syncs_both_see() {
    let app = TestApp::start().await.expect("server starts");
    let browser = TestBrowser::launch().await.expect("Chromium");
    let first = browser.open(&app.url()).await.expect("tab 1");
    signed_in(&first, "agent1").await;
    let second = browser.open(&app.url()).await.expect("tab 2");
    // A new tab holds no data key yet: the password unlocks the sealed data there too.
    second
        .unlock_if_locked("demo")
        .await
        .expect("tab 2 unlocked");
    second
        .wait_sync("true", "tab 2 opens the same device data")
        .await
        .expect("tab 2 ready");

    let (s1, s2) = (
        first.sync_state().await.expect("tab 1"),
        second.sync_state().await.expect("tab 2"),
    );
    assert!(s1.leader && !s2.leader, "tab 1 syncs, tab 2 does not");
    let held: Vec<String> = first
        .eval("navigator.locks.query().then(s => s.held.map(l => l.name))")
        .await
        .expect("locks");
    assert_eq!(
        held.iter()
            .filter(|n| n.starts_with("huifang-sync-"))
            .count(),
        1,
        "one sync lock: {held:?}"
    );

    // A change in the tab that does not sync: the other tab shows it and uploads it.
    new_customer(&second, "吴海燕", "13600136000").await;
    first.navigate("/customers").await.expect("customers");
    first
        .wait_for_text("吴海燕")
        .await
        .expect("tab 1 shows tab 2's customer");
    first
        .wait_sync("s.pending === 0 && s.last_pushed >= 1", "tab 1 uploads it")
        .await
        .expect("uploaded");
    let api = ApiClient::sign_in(&app.url(), "supervisor")
        .await
        .expect("API");
    assert_eq!(
        api.records_of(RecordKind::Customer)
            .await
            .expect("customers")
            .len(),
        1
    );
    assert_eq!(
        second.sync_state().await.expect("tab 2").runs,
        0,
        "tab 2 never ran the loop"
    );

    // And the other way round.
    new_customer(&first, "郑志强", "13500135000").await;
    second.navigate("/customers").await.expect("customers");
    second
        .wait_for_text("郑志强")
        .await
        .expect("tab 2 shows tab 1's customer");

    // The syncing tab closes: the other one takes the loop over.
    first.page.clone().close().await.expect("close tab 1");
    second
        .wait_sync("s.leader", "tab 2 takes over the sync")
        .await
        .expect("hand-over");

    // Settings show the device's storage against its quota, and ask to keep it.
    second.navigate("/settings").await.expect("settings");
    second
        .wait_until(
            "/\\d.* \\/ \\d/.test(document.querySelector('[data-testid=storage-usage]')?.innerText || '')",
            "storage used against quota",
        )
        .await
        .expect("usage shown");
    let persisted: String = second
        .eval("document.querySelector('[data-testid=storage-persisted]').dataset.persisted")
        .await
        .expect("persisted state");
    if persisted == "false" {
        second
            .click_button("申请持久存储")
            .await
            .expect("ask for persistent storage");
        second
            .wait_until(
                "document.querySelector('[data-testid=storage-persisted]').dataset.persisted === 'true' \
                 || document.body.innerText.includes('浏览器暂未同意')",
                "the browser's answer shown",
            )
            .await
            .expect("answer");
    }
    browser.close().await;
}

/// A change the server refuses is never dropped silently: it waits in "needs attention" with
/// the server's reason until a person submits it again or lets it go.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_refused_change_waits_in_needs_attention_with_the_reason() {
    let app = TestApp::start().await.expect("server starts");
    let browser = TestBrowser::launch().await.expect("Chromium");
    let tablet = browser.open(&app.url()).await.expect("tablet");
    signed_in(&tablet, "agent1").await;
    new_customer(&tablet, "孙丽华", "13300133000").await;
    tablet.sync_now().await.expect("uploaded");
    open_customer(&tablet, "孙丽华").await;

    // Offline, the agent edits the note; meanwhile the supervisor deletes the customer.
    tablet.set_offline(true).await.expect("offline");
    tablet.wait_for_text("离线").await.expect("offline shown");
    edit_field(&tablet, "备注", "客户想改约到周日").await;
    let supervisor = ApiClient::sign_in(&app.url(), "supervisor")
        .await
        .expect("API");
    let customer = supervisor
        .records_of(RecordKind::Customer)
        .await
        .expect("customers")
        .remove(0);
    supervisor
        .delete(RecordKind::Customer, customer.id())
        .await
        .expect("the supervisor deletes the customer");

    tablet.set_offline(false).await.expect("online");
    let state = tablet
        .wait_sync("s.attention === 1", "the refused change")
        .await
        .expect("refused");
    assert_eq!(state.pending, 0, "refused changes are not 'to upload'");
    tablet
        .wait_for_text("需处理 1")
        .await
        .expect("the top bar says something needs attention");
    tablet.click_link("需处理").await.expect("open the list");
    tablet
        .wait_for_text("记录已被删除")
        .await
        .expect("the reason, in Chinese");
    let reason = tablet
        .text_of("[data-testid=attention-reason]")
        .await
        .expect("server reason");
    assert!(
        !reason.trim().is_empty(),
        "the server's own words are shown"
    );

    // Submitting again is refused again, and stays listed.
    tablet.click_button("重新提交").await.expect("retry");
    tablet.sync_now().await.expect("synced");
    tablet
        .wait_sync("s.attention === 1", "refused again")
        .await
        .expect("still listed");

    // Letting it go asks first, then clears it.
    tablet
        .eval::<bool>("(window.confirm = () => true, true)")
        .await
        .expect("accept the confirmation");
    tablet.click_button("放弃此更改").await.expect("dismiss");
    tablet
        .wait_sync("s.attention === 0", "nothing left")
        .await
        .expect("dismissed");
    tablet
        .wait_for_text("没有被拒绝的更改")
        .await
        .expect("the list is empty");
    browser.close().await;
}
