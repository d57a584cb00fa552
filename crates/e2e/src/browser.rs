//! Headless Chromium (Debian's /usr/bin/chromium) over the DevTools protocol, with the few
//! steps tests need, written the way a person uses the app: find a field by its label, a
//! button by its text, wait until something shows.

use crate::{E2eError, Result, STEP_TIMEOUT};
use chromiumoxide::browser::{Browser, BrowserConfig};
// Deprecated in the protocol in favour of ...ByRule, but it is the call that also flips
// `navigator.onLine` and fires `offline` in Chromium 156, which is what the app listens to.
#[allow(deprecated)]
use chromiumoxide::cdp::browser_protocol::network::EmulateNetworkConditionsParams;
use chromiumoxide::cdp::browser_protocol::target::SetAutoAttachParams;
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

/// A page of the app, as a person at a tablet sees it.
pub struct Tablet {
    pub page: Page,
}

impl Tablet {
    /// Evaluates a JavaScript expression (promises are awaited) and decodes its JSON value.
    pub async fn eval<T: DeserializeOwned>(&self, expression: &str) -> Result<T> {
        let result = self.page.evaluate(expression).await?;
        result
            .into_value::<T>()
            .map_err(|e| E2eError::Other(format!("decoding the value of `{expression}`: {e}")))
    }

    /// Waits until `condition` (a JavaScript boolean expression) holds.
    pub async fn wait_until(&self, condition: &str, what: &str) -> Result<()> {
        let started = Instant::now();
        loop {
            // A reload in progress makes evaluation fail for a moment: that is "not yet".
            if let Ok(true) = self.eval::<bool>(&format!("!!({condition})")).await {
                return Ok(());
            }
            if started.elapsed() > STEP_TIMEOUT {
                let body = self.body_text().await.unwrap_or_default();
                return Err(E2eError::Timeout(
                    STEP_TIMEOUT,
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
        let selector = self.mark_control(label).await?;
        self.eval::<bool>(&format!(
            "(() => {{ const c = document.querySelector({}); c.value = ''; \
             c.dispatchEvent(new Event('input', {{bubbles: true}})); return true; }})()",
            js(&selector)
        ))
        .await?;
        let element = self.page.find_element(selector).await?;
        element.click().await?;
        if !value.is_empty() {
            element.type_str(value).await?;
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
        self.wait_until(&find, &format!("an enabled button {text:?}"))
            .await?;
        // A fresh mark each time, so nothing needs removing afterwards: the click may have
        // reloaded the page (accepting an update does), and the old page is gone.
        let mark = format!("click-{}", NEXT_MARK.fetch_add(1, Ordering::Relaxed));
        self.eval::<bool>(&format!(
            "(() => {{ const b = {find}; b.setAttribute('data-e2e', {}); return true; }})()",
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

    pub async fn reload(&self) -> Result<()> {
        self.page.reload().await?;
        Ok(())
    }

    /// Waits until a service worker controls the page (the app is cached for offline use).
    pub async fn wait_for_service_worker(&self) -> Result<()> {
        self.wait_until(
            "navigator.serviceWorker && navigator.serviceWorker.controller",
            "a service worker controlling the page",
        )
        .await
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

/// A Rust string as a JavaScript string literal.
pub fn js(text: &str) -> String {
    serde_json::Value::String(text.to_owned()).to_string()
}
