//! Trust: what guards the store's data, against the real server and headless Chromium.

use huifang_e2e::{TestApp, TestBrowser};

/// Five wrong passwords in a row lock the name for a quarter of an hour: the sign-in page
/// says so in Chinese, and even the right password is refused until the lock ends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trust_sign_in_locks_after_five_wrong_passwords() {
    let mut app = TestApp::start().await.expect("server starts");
    let browser = TestBrowser::launch().await.expect("Chromium starts");
    let tablet = browser.open(&app.url()).await.expect("app opens");
    tablet.wait_for_text("登录").await.expect("sign-in page");

    // Four wrong guesses, each answered "wrong" (straight at the API, as a script would).
    let statuses: Vec<u16> = tablet
        .eval(
            "(async () => { const out = []; for (let i = 0; i < 4; i++) { \
               const r = await fetch('/api/auth/sign-in', { method: 'POST', \
                 headers: { 'content-type': 'application/json' }, \
                 body: JSON.stringify({ username: 'agent1', password: 'guess' + i }) }); \
               out.push(r.status); } return out; })()",
        )
        .await
        .expect("guesses");
    assert_eq!(statuses, [401, 401, 401, 401]);

    // The fifth, in the page: the person is told the name is locked, and for how long.
    tablet.sign_in("agent1", "wrong").await.expect("sign in");
    tablet
        .wait_for_text("该账号已锁定 15 分钟")
        .await
        .expect("the lock is explained");
    // The right password now is refused too, with the same message, and nobody is signed in.
    tablet.sign_in("agent1", "demo").await.expect("sign in");
    tablet
        .wait_for_text("该账号已锁定 15 分钟")
        .await
        .expect("still locked");
    let me: u16 = tablet
        .eval("fetch('/api/auth/me').then(r => r.status)")
        .await
        .expect("me");
    assert_eq!(me, 401, "not signed in while locked");

    browser.close().await;
    app.stop().await;
}

/// A care agent changes her password in the settings: the rules and a wrong current password
/// are explained in Chinese before anything changes; the new password then signs her in, and
/// the old one does not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trust_password_change_in_the_settings() {
    let mut app = TestApp::start().await.expect("server starts");
    let browser = TestBrowser::launch().await.expect("Chromium starts");
    let tablet = browser.open(&app.url()).await.expect("app opens");
    tablet.sign_in("agent2", "demo").await.expect("sign in");
    tablet.wait_for_text("今日回访").await.expect("signed in");
    // Something saved on the tablet before the change, to read after it.
    tablet
        .new_customer("周慧敏", "13700001111")
        .await
        .expect("saved");
    tablet.navigate("/settings").await.expect("settings");
    tablet.wait_for_text("修改密码").await.expect("the form");

    let attempt = async |current: &str, new: &str, repeat: &str| {
        tablet.fill("当前密码", current).await.expect("current");
        tablet.fill("新密码", new).await.expect("new");
        tablet.fill("再次输入新密码", repeat).await.expect("repeat");
        tablet.click_button("修改密码").await.expect("submit");
    };
    attempt("demo", "short", "short").await;
    tablet
        .wait_for_text("新密码至少需要 8 个字符")
        .await
        .expect("too short is explained");
    attempt("demo", "a-new-secret-1", "a-new-secret-2").await;
    tablet
        .wait_for_text("两次输入的新密码不一致")
        .await
        .expect("a mistyped repeat is explained");
    attempt("not-it", "a-new-secret-1", "a-new-secret-1").await;
    tablet
        .wait_for_text("当前密码不正确")
        .await
        .expect("a wrong current password is explained");
    attempt("demo", "a-new-secret-1", "a-new-secret-1").await;
    tablet
        .wait_for_text("密码已修改")
        .await
        .expect("the change is confirmed");

    let sign_in = |password: &str| {
        format!(
            "fetch('/api/auth/sign-in', {{ method: 'POST', headers: {{ 'content-type': 'application/json' }}, \
             body: JSON.stringify({{ username: 'agent2', password: '{password}' }}) }}).then(r => r.status)"
        )
    };
    let old: u16 = tablet.eval(&sign_in("demo")).await.expect("old password");
    assert_eq!(old, 401, "the old password no longer signs in");
    let new: u16 = tablet
        .eval(&sign_in("a-new-secret-1"))
        .await
        .expect("new password");
    assert_eq!(new, 200, "the new one does");

    // The tablet's data key was wrapped under the new password: after a reload the new one
    // unlocks it, the old one does not.
    tablet.reload_locked().await.expect("reload");
    tablet.unlock("demo").await.expect("tried");
    tablet
        .wait_for_text("用户名或密码不正确")
        .await
        .expect("the old password does not unlock");
    tablet.unlock("a-new-secret-1").await.expect("unlocked");
    tablet
        .wait_until("!!document.querySelector('nav.main-nav')", "the app again")
        .await
        .expect("the new password unlocks");
    tablet.navigate("/customers").await.expect("customers");
    tablet
        .wait_for_text("周慧敏")
        .await
        .expect("what was saved before reads after: the same data key");

    browser.close().await;
    app.stop().await;
}

/// An export is written to the audit log, and the store manager reads who exported what in
/// the app (报表 → 导出记录).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trust_exports_are_in_the_managers_audit_log() {
    let mut app = TestApp::start().await.expect("server starts");
    let browser = TestBrowser::launch().await.expect("Chromium starts");
    let tablet = browser.open(&app.url()).await.expect("app opens");
    tablet.wait_for_text("登录").await.expect("sign-in page");
    // The supervisor exports the complaint statistics (as the page's download link does).
    let status: u16 = tablet
        .eval(
            "(async () => { \
               await fetch('/api/auth/sign-in', { method: 'POST', \
                 headers: { 'content-type': 'application/json' }, \
                 body: JSON.stringify({ username: 'supervisor', password: 'demo' }) }); \
               const r = await fetch('/api/complaints/stats?from=2026-11-01&to=2026-11-30&format=csv'); \
               await fetch('/api/auth/sign-out', { method: 'POST' }); \
               return r.status; })()",
        )
        .await
        .expect("the export");
    assert_eq!(status, 200);

    tablet.sign_in("manager", "demo").await.expect("sign in");
    tablet.navigate("/reports").await.expect("reports");
    // The reports page links the log (followed by address: the dashboard re-renders while
    // the first sync runs, and a click on a link being replaced is lost).
    tablet
        .wait_until(
            "[...document.querySelectorAll('a[href=\"/reports/audit\"]')].some(a => a.innerText.includes('导出记录'))",
            "the export log link",
        )
        .await
        .expect("the link");
    tablet
        .navigate("/reports/audit")
        .await
        .expect("the export log");
    tablet
        .wait_until(
            "document.querySelectorAll('[data-testid=audit-entry]').length === 1",
            "one entry",
        )
        .await
        .expect("the entry");
    let row = tablet
        .text_of("[data-testid=audit-entry]")
        .await
        .expect("the row");
    assert!(
        row.contains("@supervisor") && row.contains("导出投诉分类统计表") && row.contains("csv"),
        "who, what and what it covered: {row}"
    );

    browser.close().await;
    app.stop().await;
}

/// Creates the customer 陈建国 (13800138000) in agent1's store, as a tablet's push would;
/// returns agent1's API client.
async fn agent1_with_a_customer(app: &TestApp) -> huifang_e2e::ApiClient {
    use huifang_core::sync::{Op, RecordKind, Scope};
    use huifang_e2e::seed::{fields, new_id};
    use serde_json::json;
    let agent = huifang_e2e::ApiClient::sign_in(&app.url(), "agent1")
        .await
        .expect("agent1");
    agent
        .apply(vec![(
            RecordKind::Customer,
            new_id(),
            Op::Create {
                scope: Scope {
                    store: agent.me.store_id.clone(),
                    owner: None,
                },
                fields: fields(&[("name", json!("陈建国")), ("phone", json!("13800138000"))]),
            },
        )])
        .await
        .expect("a customer");
    agent
}

/// A supervisor revokes an agent's lost tablet in 平板设备: the tablet is signed out; signed in
/// again, what it saves is kept on it (still waiting to upload) and refused by the server with
/// a Chinese explanation; the supervisor sees the refused change kept for review, and the
/// customer on the server is unchanged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trust_a_revoked_tablet_keeps_its_changes_for_review() {
    use huifang_core::sync::RecordKind;
    let mut app = TestApp::start().await.expect("server starts");
    agent1_with_a_customer(&app).await;
    let browser_a = TestBrowser::launch().await.expect("Chromium (agent)");
    let browser_s = TestBrowser::launch().await.expect("Chromium (supervisor)");
    let agent = browser_a.open(&app.url()).await.expect("agent's tablet");
    agent
        .sign_in_synced("agent1")
        .await
        .expect("agent signed in");
    agent.navigate("/customers").await.expect("customers");
    agent.click_link("陈建国").await.expect("the customer");
    agent
        .wait_until(
            "document.querySelector('form[data-field=note]')",
            "the customer page",
        )
        .await
        .expect("customer page");
    agent
        .save_customer_field("备注", "note", "客户周六上午方便接听")
        .await
        .expect("the note saved");
    agent.sync_now().await.expect("the note is uploaded");

    let supervisor = browser_s
        .open(&app.url())
        .await
        .expect("supervisor's tablet");
    supervisor
        .sign_in_synced("supervisor")
        .await
        .expect("supervisor signed in");
    supervisor
        .navigate("/reports/devices")
        .await
        .expect("tablets page");
    supervisor
        .wait_until(
            "[...document.querySelectorAll('[data-testid=device]')].some(d => d.innerText.includes('@agent1'))",
            "the agent's tablet listed",
        )
        .await
        .expect("listed");
    supervisor
        .eval::<bool>(
            "(() => { const row = [...document.querySelectorAll('[data-testid=device]')]\
               .find(d => d.innerText.includes('@agent1')); \
               row.querySelector('[data-testid=revoke-device]').click(); return true; })()",
        )
        .await
        .expect("revoke opened");
    supervisor
        .set_value("[data-testid=revoke-reason]", "丢")
        .await
        .expect("reason");
    supervisor
        .click("[data-testid=revoke-submit]")
        .await
        .expect("submit");
    supervisor
        .wait_for_text("请写明原因")
        .await
        .expect("a one-character reason is refused in Chinese");
    supervisor
        .set_value("[data-testid=revoke-reason]", "平板在展厅丢失")
        .await
        .expect("reason");
    supervisor
        .click("[data-testid=revoke-submit]")
        .await
        .expect("submit");
    supervisor
        .wait_until(
            "document.querySelector('[data-testid=device][data-revoked=true]')",
            "the tablet revoked",
        )
        .await
        .expect("revoked");

    // The lost tablet: its session is gone; whoever signs in again still cannot push.
    agent.reload().await.expect("reload");
    agent.wait_for_text("登录").await.expect("signed out");
    agent
        .sign_in("agent1", "demo")
        .await
        .expect("sign in again");
    agent
        .wait_until(
            "document.querySelector('form[data-field=note]') || document.querySelector('[data-testid=sync-state]')",
            "the app",
        )
        .await
        .expect("app");
    agent.navigate("/customers").await.expect("customers");
    agent.click_link("陈建国").await.expect("the customer");
    agent
        .wait_until(
            "document.querySelector('form[data-field=note]')",
            "the customer page",
        )
        .await
        .expect("customer page");
    agent
        .save_customer_field("备注", "note", "停用后写的备注")
        .await
        .expect("the note saved");
    agent
        .eval::<bool>("window.dispatchEvent(new Event('online')) || true")
        .await
        .expect("sync");
    agent
        .wait_for_text("这台平板已被管理员停用")
        .await
        .expect("the refusal is explained");
    let state = agent.sync_state().await.expect("state");
    assert!(
        state.pending >= 1,
        "the change stays on the tablet: {state:?}"
    );

    // The supervisor sees it kept for review; the server's customer is unchanged.
    supervisor.reload().await.expect("reload");
    supervisor
        .wait_until(
            "document.querySelector('[data-testid=device-kept]')",
            "the kept change",
        )
        .await
        .expect("kept");
    supervisor
        .click("[data-testid=show-kept]")
        .await
        .expect("show");
    supervisor
        .wait_until(
            "[...document.querySelectorAll('[data-testid=kept-mutation]')].some(k => k.innerText.includes('停用后写的备注'))",
            "the kept change's text",
        )
        .await
        .expect("the refused note is kept");
    let api = huifang_e2e::ApiClient::sign_in(&app.url(), "supervisor")
        .await
        .expect("api");
    let notes: Vec<String> = api
        .records_of(RecordKind::Customer)
        .await
        .expect("customers")
        .iter()
        .filter_map(|r| r.as_entity())
        .filter_map(|e| e.value("note").and_then(|v| v.as_str()).map(str::to_owned))
        .collect();
    assert!(
        notes.iter().any(|n| n == "客户周六上午方便接听"),
        "{notes:?}"
    );
    assert!(!notes.iter().any(|n| n == "停用后写的备注"), "{notes:?}");

    browser_a.close().await;
    browser_s.close().await;
    app.stop().await;
}

/// The store manager's tablet holds customers' numbers masked (138****8000). Revealing one
/// asks why, refuses a vague reason in Chinese, then shows the number on the page; the reveal
/// and its reason are in the manager's audit log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trust_a_manager_reveals_a_masked_number_with_a_reason() {
    let mut app = TestApp::start().await.expect("server starts");
    agent1_with_a_customer(&app).await;

    let browser = TestBrowser::launch().await.expect("Chromium starts");
    let tablet = browser.open(&app.url()).await.expect("app opens");
    tablet.sign_in_synced("manager").await.expect("manager");
    tablet.navigate("/customers").await.expect("customers");
    tablet.click_link("陈建国").await.expect("the customer");
    tablet
        .wait_until(
            "document.querySelector('[data-testid=phone-mask]')?.innerText === '138****8000'",
            "the masked number",
        )
        .await
        .expect("masked on the manager's tablet");
    let held: bool = tablet
        .eval("document.body.innerText.includes('13800138000')")
        .await
        .expect("page text");
    assert!(!held, "the whole number is nowhere on the page");

    tablet
        .click("[data-testid=reveal-phone]")
        .await
        .expect("reveal");
    tablet
        .set_value("[data-testid=reveal-reason]", "看看")
        .await
        .expect("reason");
    tablet
        .click("[data-testid=reveal-submit]")
        .await
        .expect("submit");
    tablet
        .wait_for_text("请写明原因")
        .await
        .expect("a vague reason is refused");
    tablet
        .set_value("[data-testid=reveal-reason]", "核对投诉客户的联系方式")
        .await
        .expect("reason");
    tablet
        .click("[data-testid=reveal-submit]")
        .await
        .expect("submit");
    tablet
        .wait_until(
            "document.querySelector('[data-testid=revealed-phone]')?.innerText === '13800138000'",
            "the number shown",
        )
        .await
        .expect("revealed");
    tablet.wait_for_text("已记入审计日志").await.expect("said");

    tablet.navigate("/reports/audit").await.expect("audit log");
    tablet
        .wait_until(
            "[...document.querySelectorAll('[data-testid=audit-entry]')].some(r => r.innerText.includes('查看客户号码') && r.innerText.includes('核对投诉客户的联系方式'))",
            "the reveal in the audit log",
        )
        .await
        .expect("audited");

    browser.close().await;
    app.stop().await;
}

/// Everything the tablet keeps about customers, as someone with its files would read it: every
/// IndexedDB value (byte arrays decoded as text) and every localStorage entry, as one text.
const DUMP_STORAGE: &str = "(async () => { \
    const out = []; const seen = v => { \
      if (v === null || v === undefined) return; \
      if (typeof v === 'string') { out.push(v); return; } \
      if (v instanceof Uint8Array || v instanceof ArrayBuffer) { out.push(new TextDecoder().decode(v)); return; } \
      if (typeof v === 'object') { for (const k of Object.keys(v)) { out.push(k); seen(v[k]); } return; } \
      out.push(String(v)); }; \
    let values = 0; \
    for (const { name } of await indexedDB.databases()) { \
      const db = await new Promise((ok, no) => { const r = indexedDB.open(name); r.onsuccess = () => ok(r.result); r.onerror = () => no(r.error); }); \
      for (const store of db.objectStoreNames) { \
        const all = await new Promise((ok, no) => { const r = db.transaction(store).objectStore(store).getAll(); r.onsuccess = () => ok(r.result); r.onerror = () => no(r.error); }); \
        values += all.length; all.forEach(seen); } \
      db.close(); } \
    for (let i = 0; i < localStorage.length; i++) { const k = localStorage.key(i); out.push(k); out.push(localStorage.getItem(k)); } \
    return { values, text: out.join('\\n') }; })()";

#[derive(serde::Deserialize)]
struct Dump {
    values: u64,
    text: String,
}

/// A lost tablet reveals nothing: a customer saved offline is sealed in IndexedDB (no name or
/// number in clear, not even while signed in); signing out leaves nothing readable; signing in
/// again with no network and the same password opens it all (a wrong one does not), a reload
/// asks for the password again, and the change saved before the sign-out still reaches the
/// server once the network is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trust_a_lost_tablet_reveals_nothing() {
    use huifang_core::sync::RecordKind;
    let mut app = TestApp::start().await.expect("server starts");
    let browser = TestBrowser::launch().await.expect("Chromium starts");
    let tablet = browser.open(&app.url()).await.expect("app opens");
    tablet.sign_in_synced("agent1").await.expect("signed in");
    tablet.wait_for_service_worker().await.expect("cached");

    // Offline, a new customer: saved on the tablet only.
    tablet.set_offline(true).await.expect("offline");
    tablet
        .new_customer("欧阳秀英", "13912345678")
        .await
        .expect("saved");
    tablet
        .wait_sync("s.pending >= 1", "the change waits")
        .await
        .expect("pending");

    let look = async || -> Dump { tablet.eval(DUMP_STORAGE).await.expect("the storage") };
    let secrets = ["欧阳秀英", "13912345678"];
    let signed_in = look().await;
    assert!(
        signed_in.values > 10,
        "the dump reads the device database ({} values)",
        signed_in.values
    );
    for secret in secrets {
        assert!(
            !signed_in.text.contains(secret),
            "{secret} is in clear on the tablet while signed in"
        );
    }
    assert!(
        signed_in.text.contains("huifang.keyring.agent1"),
        "the dump reads localStorage too"
    );
    // Sign out (offline: the person confirms).
    tablet.sign_out().await.expect("signed out");
    let signed_out = look().await;
    for secret in secrets {
        assert!(!signed_out.text.contains(secret), "{secret} after sign-out");
    }
    assert!(
        !signed_out.text.contains("huifang.user"),
        "no signed-in profile left"
    );

    // Offline sign-in: a wrong password is refused, the right one opens everything.
    tablet
        .sign_in("agent1", "wrong-password")
        .await
        .expect("tried");
    tablet
        .wait_for_text("用户名或密码不正确")
        .await
        .expect("a wrong password is refused offline");
    tablet.sign_in("agent1", "demo").await.expect("sign in");
    tablet.navigate("/customers").await.expect("customers");
    tablet
        .wait_for_text("欧阳秀英")
        .await
        .expect("the customer is back, offline");
    assert!(
        tablet.sync_state().await.expect("state").pending >= 1,
        "the change still waits"
    );

    // A reload asks for the password again; the unlock page names who is signed in.
    tablet.reload_locked().await.expect("reload");
    tablet
        .wait_until(
            "!!document.querySelector('[data-testid=unlock]')",
            "the unlock page",
        )
        .await
        .expect("locked after a reload");
    let locked = look().await;
    for secret in secrets {
        assert!(!locked.text.contains(secret), "{secret} while locked");
    }
    tablet.unlock("demo").await.expect("unlocked");
    tablet.navigate("/customers").await.expect("customers");
    tablet.wait_for_text("欧阳秀英").await.expect("there again");

    // Online again: the change made before the sign-out reaches the server.
    let api = huifang_e2e::ApiClient::sign_in(&app.url(), "supervisor")
        .await
        .expect("API");
    tablet.set_offline(false).await.expect("online");
    tablet
        .wait_sync("s.pending === 0 && s.last_pushed >= 1", "the upload")
        .await
        .expect("uploaded");
    let on_server = api
        .records_of(RecordKind::Customer)
        .await
        .expect("customers")
        .iter()
        .any(|r| {
            r.as_entity()
                .and_then(|e| e.value("name"))
                .and_then(|v| v.as_str())
                == Some("欧阳秀英")
        });
    assert!(on_server, "nothing saved was lost");

    browser.close().await;
    app.stop().await;
}

/// Changes agent1's password at the server, as another tablet or a supervisor's reset would.
async fn change_password_elsewhere(tablet: &huifang_e2e::Tablet, current: &str, new: &str) {
    let status: u16 = tablet
        .eval(&format!(
            "(async () => {{ \
               await fetch('/api/auth/sign-in', {{ method: 'POST', headers: {{ 'content-type': 'application/json' }}, \
                 body: JSON.stringify({{ username: 'agent1', password: '{current}' }}) }}); \
               const r = await fetch('/api/auth/password', {{ method: 'POST', headers: {{ 'content-type': 'application/json' }}, \
                 body: JSON.stringify({{ current: '{current}', new: '{new}' }}) }}); \
               await fetch('/api/auth/sign-out', {{ method: 'POST' }}); \
               return r.status; }})()"
        ))
        .await
        .expect("the change");
    assert_eq!(status, 204, "the password changed at the server");
}

/// A password changed elsewhere: the next sign-in on this tablet is accepted by the server but
/// the tablet's data is sealed under the earlier password, so the page asks for it (a wrong
/// one is said), re-wraps the key and everything saved is there. Someone who cannot remember
/// it starts afresh after confirming: the old database is kept aside, never deleted, and what
/// was synced comes down again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trust_a_password_changed_elsewhere_asks_for_the_earlier_one() {
    let mut app = TestApp::start().await.expect("server starts");
    let browser = TestBrowser::launch().await.expect("Chromium starts");
    let tablet = browser.open(&app.url()).await.expect("app opens");
    tablet.sign_in_synced("agent1").await.expect("signed in");
    tablet
        .new_customer("司马静", "13711112222")
        .await
        .expect("saved");
    tablet
        .wait_sync("s.pending === 0 && s.last_pushed >= 1", "the upload")
        .await
        .expect("synced");
    tablet.sign_out().await.expect("signed out");

    change_password_elsewhere(&tablet, "demo", "elsewhere-1").await;
    tablet
        .sign_in("agent1", "elsewhere-1")
        .await
        .expect("sign in");
    tablet
        .wait_for_text("以前的密码")
        .await
        .expect("the earlier password is asked for");
    tablet
        .set_value("input[name=earlier-password]", "not-it")
        .await
        .expect("typed");
    tablet.click_button("登录").await.expect("submit");
    tablet
        .wait_for_text("以前的密码也不正确")
        .await
        .expect("a wrong earlier password is said");
    tablet
        .set_value("input[name=earlier-password]", "demo")
        .await
        .expect("typed");
    tablet.click_button("登录").await.expect("submit");
    tablet.navigate("/customers").await.expect("customers");
    tablet
        .wait_for_text("司马静")
        .await
        .expect("everything saved is there");
    // The key is wrapped under the new password now.
    tablet.reload_locked().await.expect("reload");
    tablet.unlock("elsewhere-1").await.expect("unlocked");
    tablet
        .wait_until("!!document.querySelector('nav.main-nav')", "the app")
        .await
        .expect("the new password unlocks");

    // Changed again, and this time the earlier one is forgotten.
    tablet.sign_out().await.expect("signed out");
    change_password_elsewhere(&tablet, "elsewhere-1", "elsewhere-2").await;
    tablet
        .sign_in("agent1", "elsewhere-2")
        .await
        .expect("sign in");
    tablet
        .wait_for_text("以前的密码")
        .await
        .expect("asked again");
    tablet
        .eval::<bool>("(() => { window.confirm = () => true; return true; })()")
        .await
        .expect("confirm");
    tablet
        .click("[data-testid=earlier-forgotten]")
        .await
        .expect("start afresh");
    tablet
        .wait_sync(
            "s.runs > 0 && s.pending === 0",
            "the first sync of the fresh start",
        )
        .await
        .expect("synced");
    tablet.navigate("/customers").await.expect("customers");
    tablet
        .wait_for_text("司马静")
        .await
        .expect("what was synced comes down again");
    let databases: u32 = tablet
        .eval("indexedDB.databases().then(ds => ds.filter(d => d.name.startsWith('huifang-') && d.name !== 'huifang-bench-floor').length)")
        .await
        .expect("databases");
    assert_eq!(databases, 2, "the old database is kept aside, not deleted");

    browser.close().await;
    app.stop().await;
}
