//! Importing the DMS's daily export (DOMAIN.md "Customer records"): read the file
//! ([`table`]), map its columns (the core's header recognition, then the supervisor's
//! choices), clean every row and report the rest ([`rows`]).

pub mod api;
pub mod commit;
pub mod rows;
pub mod table;
pub mod tasks;
