//! Sales leads on the showroom floor (DOMAIN.md "Sales leads"): capture in seconds, the grade
//! that sets the follow-up cadence, the daily follow-up list, stages (lost needs the manager),
//! test drives on the store's fleet, and the funnel. Pure functions from what a device holds to
//! the writes that make a step, shared by the tablet and the server.
//!
//! - [`leads`]: the lead, its form, follow-ups, stages, duplicates, the due list.
//! - [`drives`]: test-drive slots (one car, one slot, one booking).
//! - [`funnel`]: the conversion funnel by source, model and advisor.

pub mod drives;
pub mod funnel;
pub mod leads;
#[cfg(test)]
mod tests;

pub use leads::{Grade, Lead, LeadError, LeadForm, SalesRules, Source};
