//! The device database: the core's [`ClientStore`] on IndexedDB, one database per signed-in
//! user on this device ([`database_name`]).
//!
//! - Layout and migrations: [`schema`] (`SCHEMA`, one step per version, tested).
//! - [`ClientStore::commit`] is one `readwrite` transaction over every store the batch
//!   touches, with strict durability, awaited until `complete`: all of the batch or nothing.
//! - Errors: [`IdbError`]; a full disk is [`IdbError::QuotaExceeded`].
//!
//! Transaction lifetime: IndexedDB commits a transaction as soon as control returns to the
//! event loop with no request pending. Inside `commit` only IndexedDB requests are awaited;
//! everything else (encoding) happens before the transaction opens. Callers never hold a
//! transaction: each method opens and finishes its own.
//!
//! The module is the only code that touches IndexedDB (DESIGN.md, "Storage in the browser").

mod blobs;
mod codec;
mod commit;
mod error;
mod floor;
mod open;
pub mod schema;
mod seal;
mod tx;

pub use blobs::StoredBlob;
pub use error::IdbError;
pub use open::delete_database;

use crate::storage::crypto::Cipher;
use codec::{decode, decode_all, id_key};
use huifang_core::UserId;
use huifang_core::sync::{ClientBatch, ClientMeta, ClientStore, NeedsAttention, PendingMutation};
use huifang_core::sync::{Record, RecordId};
use idb::{Query, TransactionMode};
use schema::{ATTENTION, BASES, META, META_KEY, OUTBOX, VIEWS};
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::JsValue;
use web_sys::IdbDatabase;

/// The database of one signed-in user on this device.
pub fn database_name(user: &UserId) -> String {
    format!("huifang-{}", user.0)
}

/// The core's device store on IndexedDB. Closes its connection when dropped, and by itself
/// when another tab upgrades or deletes the database (then every call is
/// [`IdbError::Closed`]).
#[derive(Debug)]
pub struct IdbClientStore {
    /// Holds the `versionchange` and `close` handlers.
    db: idb::Database,
    raw: IdbDatabase,
    name: String,
    closed: Rc<Cell<bool>>,
    /// The user's data key: every value is sealed with it (`codec`).
    cipher: Cipher,
    fail_next_commit: bool,
}

impl IdbClientStore {
    /// Opens (creating or migrating) the database `name`, e.g. [`database_name`], whose values
    /// are sealed with `cipher` (the signed-in user's data key, `storage::crypto::current`).
    pub async fn open(name: &str, cipher: Cipher) -> Result<Self, IdbError> {
        let db = open::open_database(name).await?;
        let raw: IdbDatabase = db.into();
        let mut db = idb::Database::from(raw.clone());
        let closed = Rc::new(Cell::new(false));
        {
            // Another tab needs a newer version, or deletes the database: let it.
            let closed = closed.clone();
            let raw = raw.clone();
            db.on_version_change(move |_| {
                closed.set(true);
                raw.close();
            });
        }
        {
            let closed = closed.clone();
            db.on_close(move |_| closed.set(true));
        }
        Ok(IdbClientStore {
            db,
            raw,
            name: name.to_owned(),
            closed,
            cipher,
            fail_next_commit: false,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether the connection was closed under us (see [`IdbError::Closed`]).
    pub fn is_closed(&self) -> bool {
        self.closed.get()
    }

    /// For tests: the next `commit` fails part-way, after its first write, the way a full disk
    /// or a broken write fails (the browser aborts the transaction).
    pub fn fail_next_commit(&mut self) {
        self.fail_next_commit = true;
    }

    /// A read-only view of one store.
    fn reader(&self, store: &str) -> Result<idb::ObjectStore, IdbError> {
        if self.closed.get() {
            return Err(IdbError::Closed);
        }
        let tx = self
            .db
            .transaction(&[store], TransactionMode::ReadOnly)
            .map_err(|e| self.closed_or(e))?;
        Ok(tx.object_store(store)?)
    }

    fn closed_or(&self, e: idb::Error) -> IdbError {
        match IdbError::from(e) {
            IdbError::Request { name, .. } if name == "InvalidStateError" => {
                self.closed.set(true);
                IdbError::Closed
            }
            other => other,
        }
    }

    async fn get(&self, store: &str, key: JsValue) -> Result<Option<JsValue>, IdbError> {
        Ok(self.reader(store)?.get(Query::Key(key))?.await?)
    }

    async fn get_all(&self, store: &str) -> Result<Vec<JsValue>, IdbError> {
        Ok(self.reader(store)?.get_all(None, None)?.await?)
    }
}

impl Drop for IdbClientStore {
    fn drop(&mut self) {
        self.raw.close();
    }
}

impl ClientStore for IdbClientStore {
    type Error = IdbError;

    async fn meta(&self) -> Result<Option<ClientMeta>, IdbError> {
        match self.get(META, JsValue::from_str(META_KEY)).await? {
            Some(v) => Ok(Some(decode(&self.cipher, "device bookkeeping", &v).await?)),
            None => Ok(None),
        }
    }

    async fn base(&self, id: RecordId) -> Result<Option<Record>, IdbError> {
        match self.get(BASES, id_key(id)).await? {
            Some(v) => Ok(Some(decode(&self.cipher, "record", &v).await?)),
            None => Ok(None),
        }
    }

    async fn view(&self, id: RecordId) -> Result<Option<Record>, IdbError> {
        match self.get(VIEWS, id_key(id)).await? {
            Some(v) => Ok(Some(decode(&self.cipher, "record", &v).await?)),
            None => Ok(None),
        }
    }

    /// One read-only transaction: every `get` is asked before the first answer is awaited.
    async fn views_of(&self, ids: &[RecordId]) -> Result<Vec<Option<Record>>, IdbError> {
        let store = self.reader(VIEWS)?;
        let requests = ids
            .iter()
            .map(|id| store.get(Query::Key(id_key(id))))
            .collect::<Result<Vec<_>, _>>()?;
        let mut stored = Vec::with_capacity(requests.len());
        for request in requests {
            stored.push(request.await?);
        }
        // Opened side by side once every read has answered.
        futures::future::try_join_all(stored.iter().map(|v| async move {
            match v {
                Some(v) => Ok(Some(decode(&self.cipher, "record", v).await?)),
                None => Ok(None),
            }
        }))
        .await
    }

    /// In record id order, like the reference store.
    async fn views(&self) -> Result<Vec<Record>, IdbError> {
        let stored = self.get_all(VIEWS).await?;
        crate::timing::mark(crate::timing::RECORDS_FETCHED);
        let records = decode_all(&self.cipher, "record", &stored).await;
        crate::timing::mark(crate::timing::RECORDS_DECODED);
        records
    }

    /// In `client_seq` order (the outbox's number keys).
    async fn pending(&self) -> Result<Vec<PendingMutation>, IdbError> {
        decode_all(&self.cipher, "outbox entry", &self.get_all(OUTBOX).await?).await
    }

    /// In mutation id order, like the reference store.
    async fn needs_attention(&self) -> Result<Vec<NeedsAttention>, IdbError> {
        decode_all(
            &self.cipher,
            "rejected change",
            &self.get_all(ATTENTION).await?,
        )
        .await
    }

    async fn commit(&mut self, batch: ClientBatch) -> Result<(), IdbError> {
        if self.closed.get() {
            return Err(IdbError::Closed);
        }
        let inject = std::mem::take(&mut self.fail_next_commit);
        match commit::commit(&self.raw, &self.cipher, batch, inject).await {
            // `transaction()` on a connection the browser closed.
            Err(IdbError::Request { name, .. }) if name == "InvalidStateError" => {
                self.closed.set(true);
                Err(IdbError::Closed)
            }
            other => other,
        }
    }
}
