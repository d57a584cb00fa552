//! Revealing a masked phone number (PIPL): `POST /api/privacy/reveal` `{record_id, reason}`.
//!
//! Managers' tablets receive customers' and leads' numbers masked (`138****5678`, the sync
//! pull masks them). When one needs a number in full, they give a reason; the server checks
//! they may read the record, writes who, which record and why to the audit log, and only then
//! answers the number. Nothing of it is kept on the tablet.

use crate::auth::CurrentUser;
use crate::error::Error;
use crate::json::ApiJson;
use crate::state::AppState;
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use huifang_core::privacy::{PHONE_FIELDS, RevealRequest, RevealResponse, check_reason};
use huifang_core::sync::{StoredRecord, UserCtx, can_read};
use sqlx::Row;

pub fn router() -> Router<AppState> {
    Router::new().route("/privacy/reveal", post(reveal))
}

async fn reveal(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    body: Result<ApiJson<RevealRequest>, Error>,
) -> Result<Json<RevealResponse>, Error> {
    let ApiJson(request) = body?;
    let reason = check_reason(&request.reason).map_err(|e| Error::BadRequest(e.to_string()))?;
    let not_found = || {
        Error::NotFound(format!(
            "no record {:?} with a phone number that you may read",
            request.record_id
        ))
    };
    let row = sqlx::query("SELECT body FROM sync_records WHERE record_id = $1")
        .bind(request.record_id.as_str())
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or_else(not_found)?;
    let body: String = row.try_get("body")?;
    let stored: StoredRecord = serde_json::from_str(&body)
        .map_err(|e| Error::Internal(format!("a stored record does not decode: {e}")))?;
    let record = &stored.record;
    if record.is_deleted() || !can_read(&UserCtx::of(&me), &record.meta()) {
        return Err(not_found());
    }
    let entity = record.as_entity().ok_or_else(not_found)?;
    let phone = PHONE_FIELDS
        .iter()
        .find_map(|field| entity.value(field).and_then(|v| v.as_str()))
        .filter(|phone| !phone.trim().is_empty())
        .ok_or_else(not_found)?
        .to_owned();
    // No entry, no number.
    crate::audit::record(
        &state.db,
        &me,
        crate::audit::Action::RevealPhone,
        &format!("{} {}; reason: {reason}", record.kind(), request.record_id),
    )
    .await?;
    Ok(Json(RevealResponse {
        record_id: request.record_id,
        phone,
    }))
}
