//! The browser's Web Locks and storage manager, as Rust futures (`browser.js` does the
//! promise plumbing).

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen(module = "/src/sync/browser.js")]
extern "C" {
    #[wasm_bindgen(js_name = acquireLock)]
    fn acquire_lock(name: &str) -> js_sys::Promise;
    #[wasm_bindgen(js_name = heldLocks)]
    fn held_locks() -> js_sys::Promise;
    #[wasm_bindgen(js_name = storageState)]
    fn storage_state() -> js_sys::Promise;
    #[wasm_bindgen(js_name = requestPersist)]
    fn request_persist() -> js_sys::Promise;
}

/// A browser API failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{api}: {message}")]
pub struct BrowserError {
    pub api: &'static str,
    pub message: String,
}

impl BrowserError {
    fn new(api: &'static str, value: &JsValue) -> Self {
        let message = value
            .dyn_ref::<js_sys::Error>()
            .map(|e| String::from(e.message()))
            .or_else(|| value.as_string())
            .unwrap_or_else(|| format!("{value:?}"));
        BrowserError { api, message }
    }
}

/// An exclusive Web Lock, held until dropped. Locks are shared by every tab of the origin.
#[derive(Debug)]
pub struct LockGuard {
    release: js_sys::Function,
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        if let Err(e) = self.release.call0(&JsValue::NULL) {
            leptos::logging::warn!("releasing a Web Lock failed: {e:?}");
        }
    }
}

/// Waits until this tab holds the lock `name`.
pub async fn lock(name: &str) -> Result<LockGuard, BrowserError> {
    let release = JsFuture::from(acquire_lock(name))
        .await
        .map_err(|e| BrowserError::new("Web Locks", &e))?;
    let release = release
        .dyn_into::<js_sys::Function>()
        .map_err(|e| BrowserError::new("Web Locks", &e))?;
    Ok(LockGuard { release })
}

/// The names of the locks any tab of this origin holds.
pub async fn locks_held() -> Result<Vec<String>, BrowserError> {
    let names = JsFuture::from(held_locks())
        .await
        .map_err(|e| BrowserError::new("Web Locks", &e))?;
    Ok(js_sys::Array::from(&names)
        .iter()
        .filter_map(|n| n.as_string())
        .collect())
}

/// How much of the device's storage the app uses, and whether the browser keeps it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StorageState {
    pub usage: Option<f64>,
    pub quota: Option<f64>,
    pub persisted: Option<bool>,
}

pub async fn storage() -> Result<StorageState, BrowserError> {
    let value = JsFuture::from(storage_state())
        .await
        .map_err(|e| BrowserError::new("navigator.storage", &e))?;
    let usage = js_sys::Reflect::get(&value, &"usage".into()).ok();
    let quota = js_sys::Reflect::get(&value, &"quota".into()).ok();
    let persisted = js_sys::Reflect::get(&value, &"persisted".into()).ok();
    Ok(StorageState {
        usage: usage.and_then(|v| v.as_f64()),
        quota: quota.and_then(|v| v.as_f64()),
        persisted: persisted.and_then(|v| v.as_bool()),
    })
}

/// Asks the browser to keep the app's storage when the device runs short (it decides).
pub async fn persist() -> Result<bool, BrowserError> {
    let granted = JsFuture::from(request_persist())
        .await
        .map_err(|e| BrowserError::new("navigator.storage.persist", &e))?;
    Ok(granted.as_bool().unwrap_or(false))
}
