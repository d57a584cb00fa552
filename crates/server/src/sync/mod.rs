//! `POST /api/sync/push` and `GET /api/sync/pull`: the HTTP face of the core's
//! [`SyncServer`] (DESIGN.md "Data and sync"). This module authenticates, turns the session
//! into the core's [`UserCtx`], passes the server's time, and maps the engine's errors to API
//! errors; every sync decision is the core's, every row is [`SqlServerStore`]'s.

mod blob_refs;
mod leads;
mod store;

pub use store::{SqlServerStore, SyncStoreError};

use crate::auth::CurrentUser;
use crate::db::now_ms;
use crate::error::Error;
use crate::json::ApiJson;
use crate::state::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use huifang_core::sync::{
    Change, PullRequest, PullResponse, PushRequest, PushResponse, SyncError, UserCtx, as_seen_by,
};
use serde::Deserialize;

/// The engine the handlers call.
pub type Engine = huifang_core::sync::SyncServer<SqlServerStore>;

/// The largest push body: a full batch of 1,000 mutations with room to spare (the rest of
/// `/api` keeps [`crate::BODY_LIMIT_BYTES`]).
pub const PUSH_BODY_LIMIT_BYTES: usize = 8 * 1024 * 1024;
/// The page size of a pull that does not ask for one.
pub const DEFAULT_PULL_LIMIT: u32 = 500;
/// The largest page size a pull may ask for (the engine may return fewer per page).
pub const MAX_PULL_LIMIT: u32 = 2_000;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/sync/push",
            post(push).layer(DefaultBodyLimit::max(PUSH_BODY_LIMIT_BYTES)),
        )
        .route("/sync/pull", get(pull))
}

async fn push(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    headers: axum::http::HeaderMap,
    body: Result<ApiJson<PushRequest>, Error>,
) -> Result<Json<PushResponse>, Error> {
    let ApiJson(request) = body.map_err(|err| match err {
        Error::PayloadTooLarge(_) => Error::PayloadTooLarge(format!(
            "a push body may be at most {PUSH_BODY_LIMIT_BYTES} bytes: push fewer mutations \
             per batch"
        )),
        other => other,
    })?;
    // A revoked (lost) tablet's push is refused here and its mutations kept for review.
    crate::devices::admit_push(&state.db, &me, &headers, &request).await?;
    // Blob references and taken test-drive slots are checked here, with the store's uploads
    // and bookings at hand; the rest is the core's. Then the server's own follow-ups of the
    // sales records pushed (duplicates, post-delivery callbacks).
    let followups = leads::Followups::of(&request);
    let booked = leads::booked_slots(&state.db, &request).await?;
    let now = now_ms();
    let ctx = UserCtx::of(&me);
    // Who may write what (the access matrix, field groups included) is the engine's own
    // check of every mutation: `huifang_core::sync::can_apply`.
    let response = blob_refs::push(&state.db, &state.sync, &me, request, now, |m| {
        leads::slot_refusal(m, &ctx, &booked)
    })
    .await?;
    leads::after_push(&state, &me, &followups, &response, now).await?;
    Ok(Json(response))
}

/// `GET /api/sync/pull` parameters.
#[derive(Debug, Deserialize)]
struct PullQuery {
    #[serde(default)]
    cursor: u64,
    limit: Option<u32>,
}

async fn pull(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    query: Result<Query<PullQuery>, QueryRejection>,
) -> Result<Json<PullResponse>, Error> {
    let Query(query) = query.map_err(|rejection| {
        Error::BadRequest(format!(
            "{}: cursor and limit must be whole numbers",
            rejection.body_text()
        ))
    })?;
    let limit = query.limit.unwrap_or(DEFAULT_PULL_LIMIT);
    if !(1..=MAX_PULL_LIMIT).contains(&limit) {
        return Err(Error::BadRequest(format!(
            "limit must be between 1 and {MAX_PULL_LIMIT}, not {limit}"
        )));
    }
    // Feed versions are stored as SQL BIGINT: a cursor past that is no cursor the server gave.
    if i64::try_from(query.cursor).is_err() {
        return Err(Error::BadRequest(format!(
            "cursor {} is past any feed version (at most {})",
            query.cursor,
            i64::MAX
        )));
    }
    let request = PullRequest {
        cursor: query.cursor,
        limit,
    };
    let ctx = UserCtx::of(&me);
    let mut response = state
        .sync
        .pull(&ctx, request, now_ms())
        .await
        .map_err(sync_error)?;
    // Each record as this person may see it: phones masked for the roles that read them
    // masked (the access matrix's `view`).
    response.changes = std::mem::take(&mut response.changes)
        .into_iter()
        .map(|change| match change {
            Change::Record { record } => Change::Record {
                record: as_seen_by(&ctx, record),
            },
            removed => removed,
        })
        .collect();
    Ok(Json(response))
}

pub(crate) fn sync_error(err: SyncError<SyncStoreError>) -> Error {
    match err {
        SyncError::UpdateRequired { client, .. } => Error::UpdateRequired {
            client: client.to_string(),
        },
        SyncError::BatchTooLarge { max, got } => Error::PayloadTooLarge(format!(
            "a push may hold at most {max} mutations, this one holds {got}: push them in \
             smaller batches"
        )),
        SyncError::Store(store) => Error::Internal(format!("sync store: {store}")),
    }
}
