//! Customer care's rules (DOMAIN.md "Customer records", "Callbacks"), pure and shared by the
//! tablet and the server: cleaning what DMS exports contain, and sharing work out fairly.
//!
//! - [`columns`]: which column of an export holds what, from its header (中文 or English).
//! - [`dates`]: dates in the shapes exports write them, as calendar days.
//! - [`phone`]: mainland mobile and landline numbers as exports write them.
//! - [`plate`]: licence plates (普通 and 新能源).
//! - [`vin`]: vehicle identification numbers, with the check digit.
//! - [`import`]: what the server's import answers (preview, summary).
//! - [`distribute`]: customers shared among agents by capacity, a customer kept with one agent.

pub mod columns;
pub mod dates;
pub mod distribute;
pub mod import;
pub mod phone;
pub mod plate;
pub mod vin;
