//! Headless Chromium (Debian's /usr/bin/chromium) over the DevTools protocol, with the few
//! steps tests need, written the way a person uses the app: find a field by its label, a
//! button by its text, wait until something shows.

use crate::{E2eError, Result, STEP_TIMEOUT};
use chromiumoxide::browser::{Browser, BrowserConfig};
// Deprecated in the protocol in favour of ...ByRule, but it is the call that also flips
// `navigator.onLine` and fires `offline` in Chromium 156, which is what the app listens to.
use chromiumoxide::cdp::browser_protocol::dom::SetFileInputFilesParams;
use chromiumoxide::cdp::browser_protocol::emulation::SetCpuThrottlingRateParams;
use chromiumoxide::cdp::browser_protocol::input::InsertTextParams;
#[allow(deprecated)]
use chromiumoxide::cdp::browser_protocol::network::EmulateNetworkConditionsParams;
use chromiumoxide::cdp::browser_protocol::target::SetAutoAttachParams;
use chromiumoxide::cdp::js_protocol::runtime::{EventConsoleApiCalled, EventExceptionThrown};
use chromiumoxide::page::{Page, ScreenshotParams};
use futures::StreamExt;
use serde::de::DeserializeOwned;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

static NEXT_MARK: AtomicUsize = AtomicUsize::new(0);

/// Flags Chromium needs here as root, and to stay off the (closed) network on its own.
const CHROMIUM_ARGS: &[&str] = &[
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--disable-extensions",
];

pub fn chromium_path() -> String {
    std::env::var("HUIFANG_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_owned())
}

/// One browser with a fresh profile: one tablet's worth of storage.
pub struct TestBrowser {
    browser: Browser,
    handler: tokio::task::JoinHandle<()>,
    _profile: tempfile::TempDir,
}

impl TestBrowser {
    pub async fn launch() -> Result<Self> {
        let profile = tempfile::tempdir()?;
        let config = BrowserConfig::builder()
            .chrome_executable(chromium_path())
            .no_sandbox()
            .new_headless_mode()
            .user_data_dir(profile.path())
            .window_size(1024, 768)
            .args(CHROMIUM_ARGS.iter().copied())
            // The tablets are in the store's time zone, as the server counts days (UTC+8): a
            // browser left in the machine's zone would put today's calls on another day than
            // the server does for eight hours of every day.
            .envs([("TZ", "Asia/Shanghai")])
            .launch_timeout(Duration::from_secs(60))
            .request_timeout(Duration::from_secs(60))
            .build()
            .map_err(E2eError::BrowserSetup)?;
        let (browser, mut handler) = Browser::launch(config).await?;
        // The protocol loop; unknown events from a newer Chromium are not fatal, so go on.
        let handler = tokio::spawn(async move { while handler.next().await.is_some() {} });
        Ok(TestBrowser {
            browser,
            handler,
            _profile: profile,
        })
    }

    /// Opens `url` in a new tab.
    pub async fn open(&self, url: &str) -> Result<Tablet> {
        let page = self.browser.new_page("about:blank").await?;
        // chromiumoxide asks Chromium to pause every new worker until a debugger releases it,
        // and then races its own release against detaching: the app's service worker could
        // stay "starting" for ever. Tests do not debug workers, so let them start freely.
        page.execute(
            SetAutoAttachParams::builder()
                .auto_attach(false)
                .wait_for_debugger_on_start(false)
                .flatten(true)
                .build()
                .map_err(E2eError::BrowserSetup)?,
        )
        .await?;
        // The page's console and uncaught errors go to the test's output (shown on failure).
        let mut console = page.event_listener::<EventConsoleApiCalled>().await?;
        tokio::spawn(async move {
            while let Some(event) = console.next().await {
                let args: Vec<String> = event
                    .args
                    .iter()
                    .map(|a| {
                        a.value
                            .as_ref()
                            .map(|v| v.to_string())
                            .or_else(|| a.description.clone())
                            .unwrap_or_default()
                    })
                    .collect();
                eprintln!("[console.{:?}] {}", event.r#type, args.join(" "));
            }
        });
        let mut thrown = page.event_listener::<EventExceptionThrown>().await?;
        tokio::spawn(async move {
            while let Some(event) = thrown.next().await {
                eprintln!("[uncaught] {:?}", event.exception_details.text);
            }
        });
        // Anything the server's Content-Security-Policy blocks is noted and said.
        page.evaluate_on_new_document(CSP_WATCH).await?;
        page.goto(url).await?;
        Ok(Tablet { page })
    }

    pub async fn close(mut self) {
        if let Err(e) = self.browser.close().await {
            eprintln!("closing Chromium: {e}");
        }
        let _ = self.browser.wait().await;
        self.handler.abort();
    }
}

/// Notes every Content-Security-Policy violation of a page in `window.__huifangCsp`.
const CSP_WATCH: &str = "document.addEventListener('securitypolicyviolation', (e) => { \
    const what = e.effectiveDirective + ' blocked ' + (e.blockedURI || 'inline'); \
    (window.__huifangCsp = window.__huifangCsp || []).push(what); \
    console.error('CSP violation: ' + what); })";

/// A page of the app, as a person at a tablet sees it.
pub struct Tablet {
    pub page: Page,
}

impl Tablet {
    /// What the server's Content-Security-Policy blocked on the current page, if anything.
    pub async fn csp_violations(&self) -> Result<Vec<String>> {
        self.eval("window.__huifangCsp || []").await
    }

    /// Evaluates a JavaScript expression (promises are awaited) and decodes its JSON value.
    pub async fn eval<T: DeserializeOwned>(&self, expression: &str) -> Result<T> {
        let result = self.page.evaluate(expression).await?;
        result
            .into_value::<T>()
            .map_err(|e| E2eError::Other(format!("decoding the value of `{expression}`: {e}")))
    }

    /// Waits until `condition` (a JavaScript boolean expression) holds.
    pub async fn wait_until(&self, condition: &str, what: &str) -> Result<()> {
        self.wait_until_for(condition, what, STEP_TIMEOUT).await
    }

    /// [`Tablet::wait_until`] with its own time limit (benchmarks move a lot of data).
    pub async fn wait_until_for(&self, condition: &str, what: &str, limit: Duration) -> Result<()> {
        let started = Instant::now();
        loop {
            // A reload in progress makes evaluation fail for a moment: that is "not yet".
            if let Ok(true) = self.eval::<bool>(&format!("!!({condition})")).await {
                return Ok(());
            }
            if started.elapsed() > limit {
                let body = self.body_text().await.unwrap_or_default();
                return Err(E2eError::Timeout(
                    limit,
                    format!("{what}; the page shows: {body:?}"),
                ));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn body_text(&self) -> Result<String> {
        self.eval("document.body ? document.body.innerText : ''")
            .await
    }

    /// Waits until the page shows `text`.
    pub async fn wait_for_text(&self, text: &str) -> Result<()> {
        self.wait_until(
            &format!(
                "document.body && document.body.innerText.includes({})",
                js(text)
            ),
            &format!("the text {text:?}"),
        )
        .await
    }

    /// The text of the first element matching `selector`.
    pub async fn text_of(&self, selector: &str) -> Result<String> {
        self.wait_until(
            &format!("document.querySelector({})", js(selector)),
            &format!("an element {selector}"),
        )
        .await?;
        self.eval(&format!(
            "document.querySelector({}).innerText",
            js(selector)
        ))
        .await
    }

    /// Marks the form control labelled `label` so the protocol can find it; errors if none.
    async fn mark_control(&self, label: &str) -> Result<String> {
        let mark = format!("e2e-{}", NEXT_MARK.fetch_add(1, Ordering::Relaxed));
        let found: bool = self
            .eval(&format!(
                r#"(() => {{
                    const label = [...document.querySelectorAll('label')]
                        .find(l => l.innerText.trim().startsWith({label}));
                    const control = label && (label.control || label.querySelector('input,select,textarea'));
                    if (!control) return false;
                    control.setAttribute('data-e2e', {mark});
                    return true;
                }})()"#,
                label = js(label),
                mark = js(&mark)
            ))
            .await?;
        if !found {
            return Err(E2eError::Other(format!(
                "no form control labelled {label:?}"
            )));
        }
        Ok(format!("[data-e2e=\"{mark}\"]"))
    }

    /// Types `value` into the field labelled `label`, replacing what it held.
    pub async fn fill(&self, label: &str, value: &str) -> Result<()> {
        self.wait_until(
            &format!(
                "[...document.querySelectorAll('label')].some(l => l.innerText.trim().startsWith({}))",
                js(label)
            ),
            &format!("a field labelled {label:?}"),
        )
        .await?;
        self.to_front().await?;
        let selector = self.mark_control(label).await?;
        self.eval::<bool>(&format!(
            "(() => {{ const c = document.querySelector({}); c.value = ''; \
             c.dispatchEvent(new Event('input', {{bubbles: true}})); return true; }})()",
            js(&selector)
        ))
        .await?;
        let element = self.page.find_element(selector).await?;
        element.click().await?;
        if value.is_ascii() {
            element.type_str(value).await?;
        } else {
            // Key events exist only for keys on a keyboard: Chinese comes from an input
            // method, which the protocol's insertText stands in for.
            self.page.execute(InsertTextParams::new(value)).await?;
        }
        Ok(())
    }

    /// Chooses the option `value` in the select labelled `label`.
    pub async fn select(&self, label: &str, value: &str) -> Result<()> {
        let selector = self.mark_control(label).await?;
        self.eval::<bool>(&format!(
            "(() => {{ const c = document.querySelector({}); c.value = {}; \
             c.dispatchEvent(new Event('change', {{bubbles: true}})); return true; }})()",
            js(&selector),
            js(value)
        ))
        .await?;
        Ok(())
    }

    /// Clicks the first enabled button whose text contains `text`.
    pub async fn click_button(&self, text: &str) -> Result<()> {
        let find = format!(
            "[...document.querySelectorAll('button')].find(b => !b.disabled && b.innerText.includes({}))",
            js(text)
        );
        self.click_found(&find, &format!("an enabled button {text:?}"))
            .await
    }

    /// Replaces the text of the customer field labelled `label` (its form's `data-field` is
    /// `field`), saves it on the tablet and waits for "saved" (shown below the field, so nothing
    /// is clicked while the page still moves).
    pub async fn save_customer_field(&self, label: &str, field: &str, value: &str) -> Result<()> {
        self.fill(label, value).await?;
        self.click_button(&format!("保存 {label}")).await?;
        self.wait_until(
            &format!("document.querySelector('form[data-field={field}] .ok')"),
            "the field saved",
        )
        .await
    }

    /// Waits for the element `find` (a JavaScript expression) and clicks it with the pointer.
    async fn click_found(&self, find: &str, what: &str) -> Result<()> {
        self.wait_until(find, what).await?;
        self.to_front().await?;
        // A fresh mark each time, so nothing needs removing afterwards: the click may have
        // reloaded the page (accepting an update does), and the old page is gone. Centred
        // first: scrolled to the top edge, the sticky top bar would take the click.
        let mark = format!("click-{}", NEXT_MARK.fetch_add(1, Ordering::Relaxed));
        self.eval::<bool>(&format!(
            "(() => {{ const b = {find}; b.setAttribute('data-e2e', {}); b.scrollIntoView({{block: 'center'}}); return true; }})()",
            js(&mark)
        ))
        .await?;
        self.page
            .find_element(format!("[data-e2e=\"{mark}\"]"))
            .await?
            .click()
            .await?;
        Ok(())
    }

    /// Clicks the first element matching the CSS `selector` (waits for it).
    pub async fn click(&self, selector: &str) -> Result<()> {
        let find = format!("document.querySelector({})", js(selector));
        self.click_found(&find, &format!("an element {selector:?}"))
            .await
    }

    /// Sets the value of the input matching `selector` as a picker would (dates, times),
    /// and tells the page with an `input` event.
    pub async fn set_value(&self, selector: &str, value: &str) -> Result<()> {
        self.wait_until(
            &format!("!!document.querySelector({})", js(selector)),
            &format!("an input {selector:?}"),
        )
        .await?;
        self.eval::<bool>(&format!(
            "(() => {{ const c = document.querySelector({}); c.value = {};              c.dispatchEvent(new Event('input', {{bubbles: true}})); return true; }})()",
            js(selector),
            js(value)
        ))
        .await?;
        Ok(())
    }

    /// Taps the call script's answer labelled `label` once it shows.
    pub async fn script_answer(&self, label: &str) -> Result<()> {
        let find = format!(
            "[...document.querySelectorAll('[data-testid=script-answer]')].some(b => b.innerText.includes({}))",
            js(label)
        );
        self.wait_until(&find, label).await?;
        self.click_button(label).await
    }

    /// Signs `username` in (password `demo`) from the sign-in page and waits for the first sync.
    pub async fn sign_in_synced(&self, username: &str) -> Result<()> {
        self.wait_for_text("登录").await?;
        self.sign_in(username, "demo").await?;
        self.wait_sync("s.runs > 0 && s.pending === 0", "the first sync")
            .await?;
        Ok(())
    }

    /// Chooses `value` in the `<select>` matching `selector` and tells the page with a
    /// `change` event, as a person's pick would.
    pub async fn choose(&self, selector: &str, value: &str) -> Result<()> {
        self.wait_until(
            &format!("!!document.querySelector({})", js(selector)),
            &format!("a select {selector:?}"),
        )
        .await?;
        self.eval::<bool>(&format!(
            "(() => {{ const c = document.querySelector({}); c.value = {}; c.dispatchEvent(new Event('change', {{bubbles: true}})); return true; }})()",
            js(selector),
            js(value)
        ))
        .await?;
        Ok(())
    }

    /// Whether the button whose text contains `text` is disabled (errors if there is none).
    pub async fn button_disabled(&self, text: &str) -> Result<bool> {
        let find = format!(
            "[...document.querySelectorAll('button')].find(b => b.innerText.includes({}))",
            js(text)
        );
        self.wait_until(&find, &format!("a button {text:?}"))
            .await?;
        self.eval(&format!("({find}).disabled")).await
    }

    /// Signs in through the sign-in page (in Chinese, the default language).
    pub async fn sign_in(&self, username: &str, password: &str) -> Result<()> {
        self.fill("用户名", username).await?;
        self.fill("密码", password).await?;
        self.click_button("登录").await
    }

    /// The top bar's "who is signed in" text, once it shows.
    pub async fn signed_in_user(&self) -> Result<String> {
        self.text_of("[data-testid=signed-in-user]").await
    }

    /// DevTools network emulation: the page (not its service worker) loses the network.
    #[allow(deprecated)]
    pub async fn set_offline(&self, offline: bool) -> Result<()> {
        self.page
            .execute(EmulateNetworkConditionsParams::new(
                offline, 0.0, -1.0, -1.0,
            ))
            .await?;
        Ok(())
    }

    /// DevTools CPU throttling: the page runs `rate` times slower (1 is no throttle), as on a
    /// slower tablet (the benchmarks' cold start uses 4).
    pub async fn throttle_cpu(&self, rate: f64) -> Result<()> {
        self.page
            .execute(SetCpuThrottlingRateParams::new(rate))
            .await?;
        Ok(())
    }

    /// Reloads the page; a signed-in person's data is sealed until the password unlocks it,
    /// so the unlock page is answered with the demo password (see [`Tablet::reload_locked`]).
    pub async fn reload(&self) -> Result<()> {
        self.reload_locked().await?;
        self.unlock_if_locked("demo").await
    }

    /// Reloads the page and leaves it as the app shows it (the unlock page, if signed in).
    pub async fn reload_locked(&self) -> Result<()> {
        self.page.reload().await?;
        Ok(())
    }

    /// Saves a new customer from the customers page and waits for "saved on this tablet".
    pub async fn new_customer(&self, name: &str, phone: &str) -> Result<()> {
        self.navigate("/customers").await?;
        self.fill("姓名", name).await?;
        self.fill("电话", phone).await?;
        self.click_button("新建客户").await?;
        self.wait_for_text("已保存到本机").await
    }

    /// Signs out from the settings page (confirming when offline) and waits for the sign-in
    /// page.
    pub async fn sign_out(&self) -> Result<()> {
        self.eval::<bool>("(() => { window.confirm = () => true; return true; })()")
            .await?;
        self.navigate("/settings").await?;
        self.click_button("退出登录").await?;
        self.wait_until(
            "!!document.querySelector('main.sign-in') && !document.querySelector('nav.main-nav')",
            "the sign-in page",
        )
        .await
    }

    /// Once the app shows a page: unlocks it with `password` if it is the unlock page.
    pub async fn unlock_if_locked(&self, password: &str) -> Result<()> {
        self.wait_until(
            "document.querySelector('[data-testid=unlock]') || document.querySelector('nav.main-nav')              || document.querySelector('main.sign-in')",
            "the app (unlock page, shell or sign-in page)",
        )
        .await?;
        if self
            .eval::<bool>("!!document.querySelector('[data-testid=unlock]')")
            .await?
        {
            self.unlock(password).await?;
        }
        Ok(())
    }

    /// Types `password` into the unlock page and waits until it is gone (or says why not).
    pub async fn unlock(&self, password: &str) -> Result<()> {
        self.set_value("[data-testid=unlock] input[name=password]", password)
            .await?;
        self.click("[data-testid=unlock] button[type=submit]")
            .await?;
        self.wait_until(
            "!document.querySelector('[data-testid=unlock]')              || !!document.querySelector('[data-testid=unlock] [data-testid=sign-in-error]')",
            "the unlock to finish",
        )
        .await
    }

    /// Waits until a service worker controls the page (the app is cached for offline use).
    pub async fn wait_for_service_worker(&self) -> Result<()> {
        self.wait_until(
            "navigator.serviceWorker && navigator.serviceWorker.controller",
            "a service worker controlling the page",
        )
        .await
    }

    /// Saves a screenshot for the README when `HUIFANG_SCREENSHOT_DIR` is set (else nothing).
    pub async fn readme_screenshot(&self, name: &str) -> Result<()> {
        match std::env::var_os("HUIFANG_SCREENSHOT_DIR") {
            Some(dir) => self.screenshot(&Path::new(&dir).join(name)).await,
            None => Ok(()),
        }
    }

    pub async fn screenshot(&self, path: &Path) -> Result<()> {
        let png = self
            .page
            .screenshot(ScreenshotParams::builder().full_page(true).build())
            .await?;
        std::fs::write(path, png)?;
        Ok(())
    }
}

/// The sync engine's state as the top bar publishes it (`data-*` of `[data-testid=sync-state]`).
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct SyncState {
    pub ready: bool,
    pub pending: u64,
    pub attention: u64,
    pub conflicts: u64,
    pub last_sync: i64,
    pub leader: bool,
    pub runs: u64,
    pub last_run_ms: f64,
    pub last_push_ms: f64,
    pub last_pushed: u64,
    pub last_pulled: u64,
}

const SYNC_STATE_JS: &str = r#"(() => {
    const e = document.querySelector('[data-testid=sync-state]');
    if (!e) return null;
    const d = e.dataset;
    return {
        ready: d.ready === 'true', pending: +d.pending, attention: +d.attention,
        conflicts: +d.conflicts, last_sync: +d.lastSync, leader: d.leader === 'true',
        runs: +d.runs, last_run_ms: +d.lastRunMs, last_push_ms: +d.lastPushMs, last_pushed: +d.lastPushed,
        last_pulled: +d.lastPulled,
    };
})()"#;

impl Tablet {
    /// The sync state shown in the top bar (waits until the engine is open).
    pub async fn sync_state(&self) -> Result<SyncState> {
        self.wait_until(
            "document.querySelector('[data-testid=sync-state][data-ready=true]')",
            "the device database to open",
        )
        .await?;
        let state: Option<SyncState> = self.eval(SYNC_STATE_JS).await?;
        state.ok_or_else(|| E2eError::Other("no sync state in the top bar".into()))
    }

    /// Waits until `condition` holds for the sync state, a JavaScript expression over `s`
    /// (e.g. `s.pending === 0`).
    pub async fn wait_sync(&self, condition: &str, what: &str) -> Result<SyncState> {
        self.wait_until(
            &format!("(s => s && s.ready && ({condition}))({SYNC_STATE_JS})"),
            what,
        )
        .await?;
        self.sync_state().await
    }

    /// Asks the syncing tab to run now (as the `online` event does) and waits for a run that
    /// leaves nothing to upload and no error.
    pub async fn sync_now(&self) -> Result<SyncState> {
        let before = self.sync_state().await?;
        self.eval::<bool>("window.dispatchEvent(new Event('online')) || true")
            .await?;
        self.wait_sync(
            &format!(
                "s.runs > {} && s.pending === 0 && !document.querySelector('[data-testid=sync-error]')",
                before.runs
            ),
            "a completed sync",
        )
        .await
    }

    /// Goes to `path` inside the app, as a link would (no reload).
    pub async fn navigate(&self, path: &str) -> Result<()> {
        self.eval::<bool>(&format!(
            "(() => {{ history.pushState(null, '', {}); \
             window.dispatchEvent(new PopStateEvent('popstate', {{ state: null }})); return true; }})()",
            js(path)
        ))
        .await?;
        Ok(())
    }

    /// Clicks the link whose text contains `text` (waits for it).
    pub async fn click_link(&self, text: &str) -> Result<()> {
        let find = format!(
            "[...document.querySelectorAll('a')].find(a => a.innerText.includes({}))",
            js(text)
        );
        self.click_found(&find, &format!("a link {text:?}")).await
    }

    /// Chooses `path` in the file input labelled `label`, as the file picker would.
    pub async fn choose_file(&self, label: &str, path: &Path) -> Result<()> {
        let selector = self.mark_control(label).await?;
        let element = self.page.find_element(selector).await?;
        self.page
            .execute(
                SetFileInputFilesParams::builder()
                    .file(path.display().to_string())
                    .backend_node_id(element.backend_node_id)
                    .build()
                    .map_err(E2eError::BrowserSetup)?,
            )
            .await?;
        Ok(())
    }

    /// Makes this tab the one in front: a background tab gets no pointer or keyboard input.
    pub async fn to_front(&self) -> Result<()> {
        self.page.bring_to_front().await?;
        Ok(())
    }

    /// The texts of every element matching `selector`.
    pub async fn texts_of(&self, selector: &str) -> Result<Vec<String>> {
        self.eval(&format!(
            "[...document.querySelectorAll({})].map(e => e.innerText)",
            js(selector)
        ))
        .await
    }

    /// Calls one of the app's exported test hooks (`window.wasmBindings.<name>(args)`).
    pub async fn call_hook<T: DeserializeOwned>(&self, name: &str, args: &str) -> Result<T> {
        self.eval(&format!("window.wasmBindings.{name}({args})"))
            .await
    }
}

/// A Rust string as a JavaScript string literal.
pub fn js(text: &str) -> String {
    serde_json::Value::String(text.to_owned()).to_string()
}
