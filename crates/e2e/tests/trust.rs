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
