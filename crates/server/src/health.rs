//! `GET /api/health`: is the server up and does its database answer.

use crate::error::Error;
use crate::state::AppState;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use huifang_core::{Health, SCHEMA_VERSION};

pub fn router() -> Router<AppState> {
    Router::new().route("/health", get(health))
}

async fn health(State(state): State<AppState>) -> Result<Json<Health>, Error> {
    state.db.ping().await.map_err(|e| {
        tracing::warn!(error = %e, "health check: the database does not answer");
        Error::Unavailable("the database does not answer".to_owned())
    })?;
    Ok(Json(Health {
        status: "ok".to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        schema_version: SCHEMA_VERSION,
        database: state.db.backend.as_str().to_owned(),
    }))
}
