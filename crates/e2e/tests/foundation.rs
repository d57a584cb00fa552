//! Foundation: the installable offline shell, against the real server and headless Chromium.

use huifang_e2e::{Tablet, TestApp, TestBrowser};

async fn shoot(tablet: &Tablet, name: &str) {
    tablet.readme_screenshot(name).await.expect("screenshot");
}

/// Sign in as a care agent, switch the language, lose the network (page offline and the
/// server stopped), reload: the shell and the signed-in user are still there; come back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn foundation_sign_in_language_and_offline_reload() {
    let mut app = TestApp::start().await.expect("server starts");
    let browser = TestBrowser::launch().await.expect("Chromium starts");
    let tablet = browser.open(&app.url()).await.expect("app opens");

    // zh-CN first: the sign-in page speaks Chinese.
    tablet.wait_for_text("登录").await.expect("sign-in page");
    let lang: String = tablet
        .eval("document.documentElement.lang")
        .await
        .expect("lang");
    assert_eq!(lang, "zh-CN");

    shoot(&tablet, "sign-in.png").await;

    // A wrong password is refused with a clear message, in Chinese.
    tablet.sign_in("agent1", "wrong").await.expect("sign in");
    tablet
        .wait_for_text("用户名或密码不正确")
        .await
        .expect("wrong password is explained");

    tablet.sign_in("agent1", "demo").await.expect("sign in");
    tablet
        .wait_for_text("今日回访")
        .await
        .expect("agent lands on today's callbacks");
    let who = tablet.signed_in_user().await.expect("top bar");
    assert!(
        who.contains("王丽") && who.contains("@agent1"),
        "top bar shows {who:?}"
    );
    assert!(
        who.contains("鸿达丰田4S店"),
        "top bar shows the store: {who:?}"
    );
    // The device database opens and the first sync runs at once after sign-in.
    tablet
        .wait_sync("s.runs > 0 && s.pending === 0", "the first sync")
        .await
        .expect("first sync");
    let sync = tablet
        .text_of("[data-testid=sync-state]")
        .await
        .expect("sync state");
    let csp: String = tablet
        .eval("fetch('/').then(r => r.headers.get('content-security-policy'))")
        .await
        .expect("the page's policy");
    assert!(
        csp.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-"),
        "the app is served with its policy: {csp}"
    );
    assert_eq!(
        tablet.csp_violations().await.expect("violations"),
        Vec::<String>::new(),
        "the app runs under its Content-Security-Policy"
    );
    assert!(
        sync.contains("已同步"),
        "the top bar says it is up to date: {sync:?}"
    );
    let nav = tablet.text_of("nav.main-nav").await.expect("navigation");
    assert!(
        nav.contains("客户档案") && nav.contains("投诉"),
        "agent's nav: {nav:?}"
    );
    assert!(
        !nav.contains("导入") && !nav.contains("潜在客户"),
        "agent sees no planning or sales: {nav:?}"
    );

    shoot(&tablet, "agent-today.png").await;

    // Switch to English; the choice is remembered.
    tablet.select("语言", "en").await.expect("language switch");
    tablet
        .wait_for_text("Today's callbacks")
        .await
        .expect("English UI");
    let lang: String = tablet
        .eval("document.documentElement.lang")
        .await
        .expect("lang");
    assert_eq!(lang, "en");

    // The app is cached for offline use before the network goes.
    tablet
        .wait_for_service_worker()
        .await
        .expect("service worker");

    // Offline: the page loses the network, and the server goes too (DevTools' offline
    // emulation does not cover the service worker's own requests).
    tablet.set_offline(true).await.expect("offline emulation");
    app.stop().await;
    tablet
        .wait_for_text("Offline")
        .await
        .expect("top bar says offline");

    tablet.reload().await.expect("reload offline");
    tablet
        .wait_for_text("Today's callbacks")
        .await
        .expect("the shell comes back offline, still in English");
    let who = tablet.signed_in_user().await.expect("top bar");
    assert!(
        who.contains("王丽") && who.contains("@agent1"),
        "offline top bar shows {who:?}"
    );
    tablet
        .wait_for_text("Offline")
        .await
        .expect("still offline after reload");
    // The page the service worker kept runs under the policy it was served with.
    assert_eq!(
        tablet.csp_violations().await.expect("violations"),
        Vec::<String>::new(),
        "the app runs under its Content-Security-Policy, offline too"
    );

    // Back online: the server is there again and the session still holds.
    app.restart()
        .await
        .expect("server restarts on the same port");
    tablet.set_offline(false).await.expect("online again");
    tablet
        .wait_for_text("Online")
        .await
        .expect("top bar says online");
    let me: u16 = tablet
        .eval("fetch('/api/auth/me').then(r => r.status)")
        .await
        .expect("me");
    assert_eq!(me, 200, "the session survived the offline period");
    tablet.reload().await.expect("reload online");
    tablet
        .wait_for_text("王丽")
        .await
        .expect("still signed in after reload");

    browser.close().await;
    app.stop().await;
}

/// A new build makes the update banner appear; it waits while a form holds unsaved input,
/// and accepting it loads the new version.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn foundation_update_banner_loads_the_new_version() {
    let mut app = TestApp::start().await.expect("server starts");
    let browser = TestBrowser::launch().await.expect("Chromium starts");
    let tablet = browser.open(&app.url()).await.expect("app opens");
    tablet.wait_for_text("登录").await.expect("sign-in page");
    tablet
        .wait_for_service_worker()
        .await
        .expect("first version installed");
    let first_build: String = tablet
        .eval("caches.keys().then(k => k.filter(n => n.startsWith('huifang-')).join(','))")
        .await
        .expect("cache names");
    let marked: bool = tablet
        .eval("!!document.querySelector('meta[name=huifang-e2e-version]')")
        .await
        .expect("meta");
    assert!(!marked, "the first version carries no marker");

    app.publish_new_version("2")
        .expect("new version on the server");
    tablet
        .eval::<bool>(
            "navigator.serviceWorker.getRegistration().then(r => r.update()).then(() => true)",
        )
        .await
        .expect("check for the update");
    tablet
        .wait_for_text("新版本已就绪")
        .await
        .expect("update banner");

    // Unsaved input holds the update back.
    tablet.fill("用户名", "agent1").await.expect("type");
    tablet
        .wait_for_text("有未保存的内容")
        .await
        .expect("the banner says why it waits");
    assert!(
        tablet.button_disabled("立即更新").await.expect("button"),
        "update must wait for unsaved input"
    );
    tablet.fill("用户名", "").await.expect("clear");
    tablet
        .wait_until(
            "[...document.querySelectorAll('button')].some(b => b.innerText.includes('立即更新') && !b.disabled)",
            "the update button enabled once nothing is unsaved",
        )
        .await
        .expect("enabled");

    tablet
        .click_button("立即更新")
        .await
        .expect("accept the update");
    tablet
        .wait_until(
            "document.querySelector('meta[name=huifang-e2e-version][content=\"2\"]')",
            "the new version's page",
        )
        .await
        .expect("the new version is loaded");
    tablet
        .wait_for_text("登录")
        .await
        .expect("the app runs after the update");
    let builds: String = tablet
        .eval("caches.keys().then(k => k.filter(n => n.startsWith('huifang-')).join(','))")
        .await
        .expect("cache names");
    assert_ne!(
        builds, first_build,
        "the new version's cache replaced the old one"
    );
    assert!(!builds.contains(','), "old caches are deleted: {builds}");
    assert!(
        !tablet
            .body_text()
            .await
            .expect("text")
            .contains("新版本已就绪"),
        "banner gone after update"
    );

    browser.close().await;
    app.stop().await;
}
