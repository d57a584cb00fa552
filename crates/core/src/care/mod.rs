//! Customer care's rules (DOMAIN.md "Customer records", "Callbacks"), pure and shared by the
//! tablet and the server: cleaning what DMS exports contain, and sharing work out fairly.
//!
//! - [`phone`]: mainland mobile and landline numbers as exports write them.
//! - [`plate`]: licence plates (普通 and 新能源).
//! - [`vin`]: vehicle identification numbers, with the check digit.
//! - [`distribute`]: customers shared among agents by capacity, a customer kept with one agent.

pub mod distribute;
pub mod phone;
pub mod plate;
pub mod vin;
