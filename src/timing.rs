//! Marks on the browser's performance timeline (`performance.mark`) at the steps of a start:
//! the benchmarks read them to say where a cold start spends its time, and DevTools'
//! Performance panel shows them. Best effort: a browser without the API just has no marks.

/// The wasm module started (`main`).
pub const MAIN: &str = "huifang:main";
/// The user's device database is open and its bookkeeping read.
pub const ENGINE_OPEN: &str = "huifang:engine-open";
/// Every record's stored value is in memory (IndexedDB `getAll` answered).
pub const RECORDS_FETCHED: &str = "huifang:records-fetched";
/// Every record is decoded into the app's types.
pub const RECORDS_DECODED: &str = "huifang:records-decoded";
/// The unlock page showed (a start with the person still signed in: the data is sealed).
pub const UNLOCK_SHOWN: &str = "huifang:unlock-shown";
/// The person tapped "unlock" (their typing lies between this and [`UNLOCK_SHOWN`]).
pub const UNLOCK_START: &str = "huifang:unlock-start";
/// The password opened the data key (PBKDF2 and the unwrap) and the private entries.
pub const UNLOCKED: &str = "huifang:unlocked";
/// The today page showed the list kept from last time (a start, before the records are read).
pub const TODAY_KEPT: &str = "huifang:today-kept";
/// The today page worked out the agent's list.
pub const TODAY_INDEXED: &str = "huifang:today-indexed";

/// Puts `name` on the performance timeline now.
pub fn mark(name: &str) {
    if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
        // Diagnostics only: a refused mark changes nothing the person sees.
        let _ = performance.mark(name);
    }
}
