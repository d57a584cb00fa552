//! `huifang-server`: serves the built Huifang app and its `/api`, on SQLite or PostgreSQL.
//!
//! [`router`] builds the whole HTTP app from an [`AppState`] (tests drive it with
//! `tower::ServiceExt::oneshot`); [`spawn`] starts it on a real port and hands back a
//! [`RunningServer`] that can be stopped; [`run`] is what the binary does.

pub mod audit;
pub mod auth;
pub mod blobs;
pub mod complaints;
pub mod config;
pub mod db;
pub mod devices;
pub mod error;
pub mod health;
pub mod import;
pub mod json;
pub mod openapi;
pub mod privacy;
pub mod reports;
pub mod schema;
pub mod scripts;
pub mod security;
pub mod seed;
mod server;
pub mod state;
pub mod static_files;
pub mod sync;
pub mod tasks;
pub mod users;

pub use config::Config;
pub use db::{Backend, Db};
pub use error::Error;
pub use seed::{DEMO_GROUP, DEMO_PASSWORD, DEMO_STORE, DEMO_USERS};
pub use server::{RunningServer, init_tracing, run, shutdown_signal, spawn};
pub use state::AppState;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{Method, Uri};
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;

/// The largest request body `/api` accepts.
pub const BODY_LIMIT_BYTES: usize = 1024 * 1024;

/// The whole HTTP app: `/api` and the static app around it.
pub fn router(state: AppState) -> Router {
    Router::new()
        .nest("/api", api_router())
        .fallback(static_files::serve)
        .layer(CompressionLayer::new())
        .layer(axum::middleware::from_fn(security::headers))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

fn api_router() -> Router<AppState> {
    Router::new()
        .merge(health::router())
        .merge(openapi::router())
        .merge(auth::router())
        .merge(users::router())
        .merge(sync::router())
        .merge(blobs::router())
        .merge(import::api::router())
        .merge(tasks::router())
        .merge(complaints::router())
        .merge(reports::router())
        .merge(audit::router())
        .merge(devices::router())
        .merge(privacy::router())
        .fallback(api_not_found)
        .method_not_allowed_fallback(api_method_not_allowed)
        .layer(axum::middleware::from_fn(json::plain_errors_as_json))
        .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES))
        .layer(axum::middleware::from_fn(schema::check_schema_version))
        .layer(axum::middleware::from_fn_with_state(
            security::REQUEST_TIMEOUT,
            security::time_limit,
        ))
}

async fn api_not_found(uri: Uri) -> Error {
    Error::NotFound(format!("no API route {}", uri.path()))
}

async fn api_method_not_allowed(method: Method, uri: Uri) -> Error {
    Error::MethodNotAllowed(format!("{method} is not allowed on {}", uri.path()))
}
