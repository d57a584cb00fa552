//! Device storage. `local` holds small device settings in localStorage (gloo-storage):
//! language, the last signed-in profile. Records, the outbox and blobs will live in
//! IndexedDB behind the core's storage traits (the sync engine); this module is the only
//! code that touches browser storage.

pub mod local;
