//! The server's table reader and row cleaner, compiled in from its own sources: the fuzz
//! build stays small (no sqlx, tokio or axum) and what is fuzzed is exactly what the server
//! runs on an uploaded file. (A file of its own, not an inline module: a `#[path]` is then
//! relative to this directory, which exists in a clean checkout.)

#[path = "../../../crates/server/src/import/rows.rs"]
pub mod rows;
#[path = "../../../crates/server/src/import/table.rs"]
pub mod table;
