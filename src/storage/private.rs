//! Small private things kept in localStorage — the agent's today list, a call dialled from
//! the app, a call script run in progress — sealed with the user's data key like the device
//! database ([`super::crypto`]), so a signed-out or lost tablet shows none of it.
//!
//! Pages read them synchronously while they build: the user's entries are opened into this
//! tab's memory when the tablet is unlocked ([`load`]) and forgotten at sign-out ([`clear`]).
//! A write updates memory at once and seals to localStorage a moment later (WebCrypto is
//! asynchronous); writes to one key land in the order they were made.

use super::crypto::{self, Cipher, CryptoError};
use super::local;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use gloo_storage::{LocalStorage, Storage};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

/// Every sealed entry's localStorage key starts so (then the user id, a dot, the name).
const PREFIX: &str = "huifang.sealed.";

/// The localStorage key of `user`'s entry `name`.
pub fn key(user: &str, name: &str) -> String {
    format!("{PREFIX}{user}.{name}")
}

/// A sealed entry as localStorage keeps it.
#[derive(Serialize, Deserialize)]
struct SealedText {
    iv: String,
    ct: String,
}

#[derive(Debug, thiserror::Error)]
pub enum PrivateError {
    #[error("the tablet is locked: {0}")]
    Locked(#[from] CryptoError),
    #[error("the kept value is unreadable: {0}")]
    Unreadable(#[from] serde_json::Error),
}

thread_local! {
    /// Open entries by localStorage key: their JSON text.
    static OPEN: RefCell<HashMap<String, String>> = RefCell::new(HashMap::new());
    /// Per key, the number of the newest write: a slower, older seal never lands over it.
    static WRITES: RefCell<HashMap<String, u64>> = RefCell::new(HashMap::new());
    static NEXT_WRITE: Cell<u64> = const { Cell::new(0) };
    /// The prefix of the entries opened (the unlocked user's), while any are.
    static LOADED: RefCell<Option<String>> = const { RefCell::new(None) };
    static LISTENING: Cell<bool> = const { Cell::new(false) };
}

/// Names of entries an earlier version kept in clear, and their sealed names.
fn kept_in_clear(user: &str) -> [(String, String); 3] {
    [
        (format!("huifang.call.{user}"), key(user, "call")),
        (format!("huifang.today.{user}"), key(user, "today")),
        (
            format!("huifang.script-run.{user}"),
            key(user, "script-run"),
        ),
    ]
}

/// Opens `user`'s sealed entries into memory (at unlock), and seals what an earlier version
/// kept in clear. An entry that does not open (altered) is said in the log and left as it is.
pub async fn load(user: &str, cipher: &Cipher) {
    let prefix = key(user, "");
    LOADED.with(|l| *l.borrow_mut() = Some(prefix.clone()));
    follow_other_tabs();
    let storage = LocalStorage::raw();
    let mut keys = Vec::new();
    for i in 0..storage.length().unwrap_or(0) {
        if let Ok(Some(k)) = storage.key(i)
            && k.starts_with(&prefix)
        {
            keys.push(k);
        }
    }
    for k in keys {
        match open_entry(cipher, &k).await {
            Ok(Some(text)) => {
                OPEN.with(|o| o.borrow_mut().insert(k, text));
            }
            Ok(None) => {}
            Err(e) => leptos::logging::warn!("the sealed entry {k} does not open: {e}"),
        }
    }
    for (clear, sealed) in kept_in_clear(user) {
        // A sealed entry is newer than a clear one left behind: the clear one only goes.
        if OPEN.with(|o| o.borrow().contains_key(&sealed)) {
            local::remove(&clear);
            continue;
        }
        if let Ok(Some(text)) = storage.get_item(&clear) {
            OPEN.with(|o| o.borrow_mut().insert(sealed.clone(), text.clone()));
            if seal_and_store(cipher, &sealed, &text, next_write(&sealed)).await {
                local::remove(&clear);
            }
        }
    }
}

async fn open_entry(cipher: &Cipher, k: &str) -> Result<Option<String>, String> {
    let Some(stored) = local::read::<SealedText>(k).map_err(|e| e.to_string())? else {
        return Ok(None);
    };
    let iv = BASE64.decode(&stored.iv).map_err(|e| e.to_string())?;
    let ct = BASE64.decode(&stored.ct).map_err(|e| e.to_string())?;
    let plain = cipher
        .open(&iv, &js_sys::Uint8Array::from(ct.as_slice()))
        .await
        .map_err(|e| e.to_string())?;
    String::from_utf8(plain)
        .map(Some)
        .map_err(|e| e.to_string())
}

/// Forgets every open entry (sign-out): what is stored stays sealed.
pub fn clear() {
    LOADED.with(|l| *l.borrow_mut() = None);
    OPEN.with(|o| o.borrow_mut().clear());
}

/// Another tab of this user wrote or removed an entry (the browser's `storage` event, sent
/// to every other tab): open it anew, so this tab reads the newest too (a call dialled in one
/// tab is seen in the other). Once per tab, for the tab's life.
fn follow_other_tabs() {
    if LISTENING.with(|l| l.replace(true)) {
        return;
    }
    let Some(window) = web_sys::window() else {
        return;
    };
    let on_storage =
        Closure::<dyn FnMut(web_sys::StorageEvent)>::new(|event: web_sys::StorageEvent| {
            let Some(k) = event.key() else {
                return;
            };
            let mine = LOADED.with(|l| l.borrow().as_ref().is_some_and(|p| k.starts_with(p)));
            let Ok(cipher) = crypto::current() else {
                return;
            };
            if !mine {
                return;
            }
            if event.new_value().is_none() {
                OPEN.with(|o| o.borrow_mut().remove(&k));
                return;
            }
            leptos::task::spawn_local(async move {
                match open_entry(&cipher, &k).await {
                    Ok(Some(text)) => {
                        OPEN.with(|o| o.borrow_mut().insert(k, text));
                    }
                    Ok(None) => {}
                    Err(e) => leptos::logging::warn!("another tab's {k} does not open: {e}"),
                }
            });
        });
    match window.add_event_listener_with_callback("storage", on_storage.as_ref().unchecked_ref()) {
        Ok(()) => on_storage.forget(),
        Err(e) => {
            LISTENING.with(|l| l.set(false));
            leptos::logging::warn!("other tabs' private entries are not followed: {e:?}");
        }
    }
}

/// The entry under `k` (a [`key`]), if there is one.
pub fn read<T: DeserializeOwned>(k: &str) -> Result<Option<T>, PrivateError> {
    match OPEN.with(|o| o.borrow().get(k).cloned()) {
        Some(text) => Ok(Some(serde_json::from_str(&text)?)),
        None => Ok(None),
    }
}

fn next_write(k: &str) -> u64 {
    let n = NEXT_WRITE.with(|c| {
        c.set(c.get() + 1);
        c.get()
    });
    WRITES.with(|w| w.borrow_mut().insert(k.to_owned(), n));
    n
}

fn is_newest(k: &str, n: u64) -> bool {
    WRITES.with(|w| w.borrow().get(k).copied() == Some(n))
}

/// Keeps `value` under `k`: in memory at once, sealed in localStorage a moment later.
pub fn write<T: Serialize>(k: &str, value: &T) -> Result<(), PrivateError> {
    let cipher = crypto::current()?;
    let text = serde_json::to_string(value)?;
    OPEN.with(|o| o.borrow_mut().insert(k.to_owned(), text.clone()));
    let n = next_write(k);
    let k = k.to_owned();
    leptos::task::spawn_local(async move {
        seal_and_store(&cipher, &k, &text, n).await;
    });
    Ok(())
}

/// Seals `text` and stores it under `k` unless a newer write came meanwhile; whether stored.
async fn seal_and_store(cipher: &Cipher, k: &str, text: &str, n: u64) -> bool {
    let sealed = match cipher.seal(text.as_bytes()).await {
        Ok(s) => s,
        Err(e) => {
            leptos::logging::warn!("could not seal {k}: {e}");
            return false;
        }
    };
    if !is_newest(k, n) {
        return false;
    }
    let stored = SealedText {
        iv: BASE64.encode(&sealed.iv),
        ct: BASE64.encode(&sealed.ct),
    };
    match local::write(k, &stored) {
        Ok(()) => true,
        Err(e) => {
            leptos::logging::warn!("could not keep {k} on the tablet: {e}");
            false
        }
    }
}

/// Removes the entry under `k`, in memory and on the tablet.
pub fn remove(k: &str) {
    OPEN.with(|o| o.borrow_mut().remove(k));
    // A seal still on its way must not bring it back.
    next_write(k);
    local::remove(k);
}
