//! Huifang under load, crashes and a bad network (issue 10, items 7 and 8).
//!
//! - [`tablet`]: a simulated tablet — client id, clock, outbox, the app's sync loop (push the
//!   outbox oldest first, then pull from the cursor), backoff, and a ledger of every answer.
//! - [`mix`]: what the tablets' users save: call attempts, callback records, customer edits
//!   and new customers for care agents; follow-ups, edits, new leads and deliveries for sales
//!   advisors.
//! - [`fleet`]: the stores, users and sessions behind the tablets, in a fresh database.
//! - [`supervisor`]: real server processes, SIGKILLed and restarted on the same database.
//! - [`proxy`]: round-robin over server processes, with optional faults (dropped requests and
//!   responses, delays, duplicates).
//! - [`verify`]: afterwards, what every tablet was told held against the server: no
//!   acknowledged write lost, none applied twice.
//! - [`run`]: one whole run; [`report`]: its figures and verdict.
//!
//! Loopback only; tablet counts, durations and connections are bounded by the caller
//! ([`run::RunConfig`]). `docs/load.md` has the commands and the figures.

pub mod api;
pub mod fleet;
pub mod mix;
pub mod proxy;
pub mod report;
pub mod run;
pub mod stats;
pub mod supervisor;
pub mod tablet;
pub mod verify;

pub use proxy::{Faults, Proxy, ProxyCounts};
pub use report::Report;
pub use run::{Backend, RunConfig, RunError, run};
pub use supervisor::{ServerBinary, ServerProcess, ServerSpec};
pub use verify::Verdict;
