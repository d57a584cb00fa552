//! The end-to-end harness: the real server (in-process, on 127.0.0.1 and a port it picks, with a
//! temporary SQLite database and the demo store), the release build of the app from `dist/`,
//! and Debian's Chromium driven headless over the DevTools protocol. Tests live in `tests/`,
//! named after the feature they prove (`foundation_*`, `sync_*`, ...).

pub mod api;
pub mod app;
pub mod browser;
pub mod seed;

pub use api::ApiClient;
pub use app::{ServerProcess, TestApp};
pub use browser::{SyncState, Tablet, TestBrowser};

use std::time::Duration;

/// Everything that can go wrong while driving a test; tests `expect` on it with context.
#[derive(Debug, thiserror::Error)]
pub enum E2eError {
    #[error("the built app is missing: {0}")]
    MissingBuild(String),
    #[error("server: {0}")]
    Server(String),
    #[error("browser: {0}")]
    Browser(#[from] chromiumoxide::error::CdpError),
    #[error("browser set-up: {0}")]
    BrowserSetup(String),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    #[error("timed out after {0:?} waiting for {1}")]
    Timeout(Duration, String),
    #[error("{0}")]
    Other(String),
}

pub type Result<T> = std::result::Result<T, E2eError>;

/// How long a step may take before the test fails: generous, because CI machines are shared.
pub const STEP_TIMEOUT: Duration = Duration::from_secs(30);
