//! `huifang-core`: the dealership's domain model, its rules and the protocol between the app
//! and the server. Pure Rust: no I/O, no clocks read, no web-sys, no tokio. It compiles natively
//! and to wasm32 so the app and the server share one definition of every rule.

pub mod access;
pub mod api;
pub mod care;
mod named;
pub mod nav;
pub mod privacy;
pub mod reports;
pub mod role;
pub mod sales;
pub mod scripts;
pub mod sync;
pub mod user;

pub use api::{ApiError, ErrorCode, Health, SignInRequest, SignInResponse};
pub use nav::Section;
pub use role::Role;
pub use user::{Colleague, Directory, StoreId, UserId, UserProfile, Username, UsernameError};

/// Version of the data the app and the server exchange. Every request carries it; a server
/// that cannot serve a client's version answers `update_required`.
pub const SCHEMA_VERSION: u32 = 1;

/// The HTTP header in which every app request carries [`SCHEMA_VERSION`].
pub const SCHEMA_HEADER: &str = "x-huifang-schema";
