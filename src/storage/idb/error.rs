//! What can go wrong with the device database, typed so the UI can react: a full disk is loud,
//! a blocked upgrade asks to close other tabs, a newer database asks to reload.

use wasm_bindgen::{JsCast, JsValue};
use web_sys::DomException;

/// An IndexedDB failure. When [`super::IdbClientStore::commit`] returns one, nothing of the
/// batch was saved.
#[derive(Debug, thiserror::Error)]
pub enum IdbError {
    /// No IndexedDB here (a very old browser, or a private mode that disables it).
    #[error("this browser offers no IndexedDB: {0}")]
    Unavailable(String),
    /// The browser refused to open the database.
    #[error("could not open the device database “{name}”: {message}")]
    Open { name: String, message: String },
    /// Another tab keeps an older version of the database open and does not let go: close the
    /// other Huifang tabs and try again. The pending upgrade is cancelled when it gets through.
    #[error("another Huifang tab keeps the device database open: close it and try again")]
    Blocked,
    /// The database on this device is newer than this app (an update was installed in another
    /// tab): reload to run the new app.
    #[error("the device database is newer than this app (version {supported}): reload to update")]
    Version { supported: u32 },
    /// A migration step failed; the database stays at its old version.
    #[error("upgrading the device database to version {to} failed: {message}")]
    Migration { to: u32, message: String },
    /// The connection was closed under us (a newer app version needs the database, it was
    /// deleted at sign-out, or the browser cleared site data): reload.
    #[error("the device database was closed by the browser or another tab: reload")]
    Closed,
    /// The device's storage for this site is full (`QuotaExceededError`). Nothing was saved.
    #[error("the device's storage is full: the change was NOT saved")]
    QuotaExceeded,
    /// The transaction was rolled back; nothing of it was saved.
    #[error("the change was not saved: the transaction was aborted ({name}: {message})")]
    Aborted { name: String, message: String },
    /// Another failure of a read or write request.
    #[error("the device database failed ({name}: {message})")]
    Request { name: String, message: String },
    /// A value could not be encoded (before anything was written).
    #[error("could not encode the {what}: {source}")]
    Serialise {
        what: &'static str,
        #[source]
        source: serde_json::Error,
    },
    /// Sealing or opening a value failed (the tablet is locked, or a value was altered).
    #[error("could not seal or open the {what}: {source}")]
    Crypto {
        what: &'static str,
        #[source]
        source: crate::storage::crypto::CryptoError,
    },
    /// A stored value is not what this app expects.
    #[error("the stored {what} is unreadable: {message}")]
    Deserialise { what: &'static str, message: String },
}

const QUOTA: &str = "QuotaExceededError";

impl IdbError {
    /// Whether the UI must say "storage full" (and nothing was saved).
    pub fn is_quota_exceeded(&self) -> bool {
        matches!(self, IdbError::QuotaExceeded)
    }

    /// A request's DOM exception.
    pub fn from_dom(e: &DomException) -> Self {
        match e.name().as_str() {
            QUOTA => IdbError::QuotaExceeded,
            "VersionError" => IdbError::Version {
                supported: super::schema::SCHEMA,
            },
            name => IdbError::Request {
                name: name.to_owned(),
                message: e.message(),
            },
        }
    }

    /// Why a transaction aborted: its `error` (`None` when it was aborted explicitly).
    pub fn from_abort(error: Option<DomException>) -> Self {
        match error {
            Some(e) if e.name() == QUOTA => IdbError::QuotaExceeded,
            Some(e) => IdbError::Aborted {
                name: e.name(),
                message: e.message(),
            },
            None => IdbError::Aborted {
                name: "AbortError".to_owned(),
                message: "the transaction was aborted".to_owned(),
            },
        }
    }

    /// Anything JavaScript threw: a `DOMException` keeps its name.
    pub fn from_js(value: &JsValue) -> Self {
        match value.dyn_ref::<DomException>() {
            Some(e) => Self::from_dom(e),
            None => IdbError::Request {
                name: "Error".to_owned(),
                message: js_text(value),
            },
        }
    }

    pub(super) fn deserialise(what: &'static str, message: impl ToString) -> Self {
        IdbError::Deserialise {
            what,
            message: message.to_string(),
        }
    }
}

impl From<idb::Error> for IdbError {
    fn from(e: idb::Error) -> Self {
        use idb::Error as E;
        match e {
            E::DomException(e) => IdbError::from_dom(&e),
            E::AddFailed(v)
            | E::ClearFailed(v)
            | E::CountFailed(v)
            | E::DeleteFailed(v)
            | E::GetAllFailed(v)
            | E::GetAllKeysFailed(v)
            | E::GetFailed(v)
            | E::GetKeyFailed(v)
            | E::IndexNotFound(v)
            | E::ObjectStoreNotFound(v)
            | E::TransactionOpenFailed(v)
            | E::UpdateFailed(v)
            | E::IndexCreateFailed(v)
            | E::ObjectStoreCreateFailed(v)
            | E::IndexedDbOpenFailed(v)
            | E::IndexedDbDeleteFailed(v) => IdbError::from_js(&v),
            other => IdbError::Request {
                name: "Error".to_owned(),
                message: other.to_string(),
            },
        }
    }
}

/// A readable text for any JavaScript value.
pub(super) fn js_text(value: &JsValue) -> String {
    if let Some(e) = value.dyn_ref::<js_sys::Error>() {
        return String::from(e.message());
    }
    value.as_string().unwrap_or_else(|| format!("{value:?}"))
}
