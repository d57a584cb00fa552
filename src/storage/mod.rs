//! Device storage. `local` holds small device settings in localStorage (gloo-storage):
//! language, the last signed-in profile. `idb` holds records, the outbox, the sync cursor and
//! blobs in IndexedDB behind the core's `ClientStore` trait (the sync engine); this module is
//! the only code that touches browser storage.

pub mod crypto;
pub mod idb;
pub mod local;
pub mod private;
