//! Small device settings in localStorage, through gloo-storage.

use gloo_storage::{LocalStorage, Storage, errors::StorageError};
use serde::{Serialize, de::DeserializeOwned};

/// The localStorage keys Huifang uses; one place so none collide.
pub mod keys {
    pub const LANG: &str = "huifang.lang";
    pub const USER: &str = "huifang.user";
    use crate::storage::private;
    /// A call dialled from the app, until its outcome is saved (per user; sealed:
    /// `storage::private`).
    pub fn call(user: &str) -> String {
        private::key(user, "call")
    }
    /// The agent's today list as last worked out, shown at the next start while the records
    /// are read (per user; sealed).
    pub fn today(user: &str) -> String {
        private::key(user, "today")
    }
    /// A call script run in progress, until the call's record is saved (per user; sealed).
    pub fn script_run(user: &str) -> String {
        private::key(user, "script-run")
    }
}

/// Reads a setting. A missing key is `Ok(None)`; an unreadable one is an error the caller
/// shows or replaces, never a silent default.
pub fn read<T: DeserializeOwned>(key: &str) -> Result<Option<T>, StorageError> {
    match LocalStorage::get(key) {
        Ok(v) => Ok(Some(v)),
        Err(StorageError::KeyNotFound(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

pub fn write<T: Serialize>(key: &str, value: &T) -> Result<(), StorageError> {
    LocalStorage::set(key, value)
}

pub fn remove(key: &str) {
    LocalStorage::delete(key);
}
