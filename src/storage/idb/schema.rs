//! The local database's layout and its migrations.
//!
//! [`SCHEMA`] is the version the app opens. `onupgradeneeded` runs [`STEPS`] from the stored
//! version up, one step per version, all inside the browser's single `versionchange`
//! transaction: if any step fails, the browser rolls everything back and the database stays
//! at its old version. To change the layout, add a step function and raise [`SCHEMA`]; never
//! edit a step that has shipped (a device may be at any earlier version). Each step needs a
//! test that opens a database left at the previous version (see `tests/idb.rs`).
//!
//! Values are JavaScript objects `{ json: "<serde_json text>" }` under out-of-line keys;
//! outbox entries also carry `mutation_id` for their index.

use idb::{Database, IndexParams, KeyPath, ObjectStoreParams, Transaction};

/// The local schema version this app opens.
pub const SCHEMA: u32 = 2;

/// The device's bookkeeping (`ClientMeta`): one value, under the key [`META_KEY`].
pub const META: &str = "meta";
pub const META_KEY: &str = "meta";
/// Server snapshots by record id (the UUID's text, which sorts like the id).
pub const BASES: &str = "bases";
/// What the user sees, by record id.
pub const VIEWS: &str = "views";
/// Pending mutations by `client_seq` (a number key, so iteration is in order).
pub const OUTBOX: &str = "outbox";
/// Index of [`OUTBOX`] on `mutation_id` (not unique, like the reference store).
pub const OUTBOX_BY_MUTATION: &str = "by_mutation_id";
/// Rejected mutations by mutation id.
pub const ATTENTION: &str = "attention";
/// Content-addressed bytes (photos, signatures) by SHA-256 hex: `{ content_type, bytes }`.
pub const BLOBS: &str = "blobs";

/// Every store of the current version.
pub const STORES: [&str; 6] = [META, BASES, VIEWS, OUTBOX, ATTENTION, BLOBS];

/// The field of a value stored before encryption at rest that holds its JSON text.
pub const JSON_FIELD: &str = "json";
/// The sealed value's AES-GCM nonce and ciphertext (`Uint8Array`s; `storage::crypto`).
pub const IV_FIELD: &str = "iv";
pub const CT_FIELD: &str = "ct";
/// The outbox value's field the [`OUTBOX_BY_MUTATION`] index reads.
pub const MUTATION_ID_FIELD: &str = "mutation_id";
pub const CONTENT_TYPE_FIELD: &str = "content_type";
pub const BYTES_FIELD: &str = "bytes";

/// One migration: from version `n` to `n + 1`, inside the `versionchange` transaction.
pub type Step = fn(&Database, &Transaction) -> Result<(), idb::Error>;

/// `STEPS[n]` upgrades a database at version `n` to `n + 1`.
pub const STEPS: [Step; SCHEMA as usize] = [v1_sync_stores, v2_outbox_index_and_blobs];

/// 0 → 1: the stores the sync engine needs, keys out of line.
fn v1_sync_stores(db: &Database, _tx: &Transaction) -> Result<(), idb::Error> {
    for name in [META, BASES, VIEWS, OUTBOX, ATTENTION] {
        db.create_object_store(name, ObjectStoreParams::new())?;
    }
    Ok(())
}

/// 1 → 2: find outbox entries by mutation id (a push answer names mutations, not sequence
/// numbers), and a store for blobs.
fn v2_outbox_index_and_blobs(db: &Database, tx: &Transaction) -> Result<(), idb::Error> {
    let mut params = IndexParams::new();
    params.unique(false);
    tx.object_store(OUTBOX)?.create_index(
        OUTBOX_BY_MUTATION,
        KeyPath::new_single(MUTATION_ID_FIELD),
        Some(params),
    )?;
    db.create_object_store(BLOBS, ObjectStoreParams::new())?;
    Ok(())
}

/// A failed step: the version it was going to, and why.
#[derive(Debug)]
pub struct StepFailed {
    pub to: u32,
    pub message: String,
}

/// Runs the steps from `old` to `new` in order.
pub fn upgrade(db: &Database, tx: &Transaction, old: u32, new: u32) -> Result<(), StepFailed> {
    for from in old..new {
        let to = from + 1;
        let step = STEPS.get(from as usize).ok_or_else(|| StepFailed {
            to,
            message: "this app has no such migration".to_owned(),
        })?;
        step(db, tx).map_err(|e| StepFailed {
            to,
            message: super::IdbError::from(e).to_string(),
        })?;
    }
    Ok(())
}
