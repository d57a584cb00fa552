//! Call scripts (回访话术, DOMAIN.md "Call scripts"): supervisors write them as graphs
//! ([`graph`]), publishing checks them, agents run a published version one step at a time
//! ([`runner`]), and every store starts with Huifang's own ([`defaults`]).
//!
//! As records: a `call_script` entity per purpose and language holds the draft (supervisors
//! edit it; concurrent edits become a conflict) and the number of its last published version;
//! each published version is a `script_version` event — written once, never edited, so a
//! callback record that names it names exactly what the agent read.

pub mod defaults;
pub mod graph;
pub mod runner;

#[cfg(test)]
mod tests;

/// The fields of script records.
pub mod fields {
    /// `call_script`: the callback purpose and language it is for.
    pub const PURPOSE: &str = "purpose";
    pub const LANG: &str = "lang";
    pub const NAME: &str = "name";
    /// `call_script`: the draft graph (JSON), edited freely.
    pub const DRAFT: &str = "draft";
    /// `call_script`: the last published version number.
    pub const PUBLISHED: &str = "published";
    /// `script_version`: the script (record id), its number and graph.
    pub const SCRIPT: &str = "script";
    pub const VERSION: &str = "version";
    pub const GRAPH: &str = "graph";
}
