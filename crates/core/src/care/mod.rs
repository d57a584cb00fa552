//! Customer care's rules (DOMAIN.md "Customer records", "Callbacks"), pure and shared by the
//! tablet and the server: cleaning what DMS exports contain, and sharing work out fairly.
//!
//! - [`columns`]: which column of an export holds what, from its header (中文 or English).
//! - [`dates`]: dates in the shapes exports write them, as calendar days.
//! - [`phone`]: mainland mobile and landline numbers as exports write them.
//! - [`plate`]: licence plates (普通 and 新能源).
//! - [`quiet`]: quiet hours, the store's and each customer's.
//! - [`rules`]: which callbacks are due (3 days, reminders, renewals) and loyalty classes.
//! - [`vin`]: vehicle identification numbers, with the check digit.
//! - [`import`]: what the server's import answers (preview, summary).
//! - [`calls`]: how a call ended, retries, the callback record form (回访记录表).
//! - [`kpi`]: the supervisor's figures (coverage, three-day compliance, contact rate).
//! - [`distribute`]: customers shared among agents by capacity, a customer kept with one agent.
//! - [`segment`]: which customers a campaign (greeting, promotion) reaches.
//! - [`complaints`]: the complaint's closed loop, its deadlines and its statistics.

pub mod calls;
pub mod columns;
pub mod complaints;
pub mod dates;
pub mod distribute;
pub mod import;
pub mod kpi;
pub mod phone;
pub mod plate;
pub mod quiet;
pub mod rules;
pub mod segment;
pub mod vin;
