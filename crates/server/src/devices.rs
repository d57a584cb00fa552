//! Tablets, and revoking a lost one (PIPL; issue "Trust").
//!
//! Every push names the device it comes from (`PushRequest::client_id`). The server keeps a
//! row per device (who last pushed from it, when) and the sessions seen pushing from it. A
//! supervisor or manager of the store can revoke a device: its sessions end at once, and every
//! push it makes afterwards is refused with `device_revoked` — its mutations are not applied
//! and not thrown away either: they are kept (`quarantined_mutations`) for a manager to
//! review (`GET /api/devices/{client_id}/quarantine`). Revoking is written to the audit log.
//!
//! Routes: `GET /api/devices`, `POST /api/devices/{client_id}/revoke`,
//! `GET /api/devices/{client_id}/quarantine`.

use crate::auth::{CurrentUser, session_token, token_hash};
use crate::db::{Db, now_ms};
use crate::error::Error;
use crate::json::ApiJson;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::{Json, Router};
use huifang_core::UserProfile;
use huifang_core::privacy::{
    Device, QuarantinedMutation, RevokeDeviceRequest, check_reason, may_manage_devices,
};
use huifang_core::sync::PushRequest;
use sqlx::Row;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/devices", get(list))
        .route("/devices/{client_id}/revoke", post(revoke))
        .route("/devices/{client_id}/quarantine", get(quarantine))
}

fn require_revoker(me: &UserProfile) -> Result<(), Error> {
    if may_manage_devices(me.role) {
        Ok(())
    } else {
        Err(Error::Forbidden(format!(
            "the role {} may not manage the store's tablets",
            me.role
        )))
    }
}

/// Called by the push handler before anything of the push is looked at: notes the device and
/// the session it pushes with, and refuses the push of a revoked device, keeping its mutations
/// for review (a mutation pushed again is kept once).
pub async fn admit_push(
    db: &Db,
    me: &UserProfile,
    headers: &HeaderMap,
    request: &PushRequest,
) -> Result<(), Error> {
    let client_id = request.client_id.to_string();
    let now = now_ms();
    let row = sqlx::query(
        "INSERT INTO devices (client_id, store_id, user_id, username, first_seen_ms, \
         last_seen_ms) VALUES ($1, $2, $3, $4, $5, $5) \
         ON CONFLICT (client_id) DO UPDATE SET user_id = excluded.user_id, \
         username = excluded.username, last_seen_ms = excluded.last_seen_ms \
         RETURNING revoked_at_ms",
    )
    .bind(client_id.as_str())
    .bind(me.store_id.0.as_str())
    .bind(me.id.0.as_str())
    .bind(me.username.as_str())
    .bind(now)
    .fetch_one(&db.pool)
    .await?;
    let revoked_at: Option<i64> = row.try_get("revoked_at_ms")?;
    let session = session_token(headers).map(token_hash);
    if revoked_at.is_none() {
        if let Some(hash) = session {
            sqlx::query(
                "INSERT INTO device_sessions (token_hash, client_id) VALUES ($1, $2) \
                 ON CONFLICT (token_hash) DO NOTHING",
            )
            .bind(hash)
            .bind(client_id.as_str())
            .execute(&db.pool)
            .await?;
        }
        return Ok(());
    }
    // Revoked: keep every mutation for review, end the session it came with, refuse.
    let mut tx = db.pool.begin().await?;
    for m in &request.mutations {
        let body = serde_json::to_string(m)
            .map_err(|e| Error::Internal(format!("encoding a kept mutation failed: {e}")))?;
        sqlx::query(
            "INSERT INTO quarantined_mutations (client_id, mutation_id, store_id, user_id, \
             received_at_ms, body) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (client_id, mutation_id) DO NOTHING",
        )
        .bind(client_id.as_str())
        .bind(m.mutation_id.to_string())
        .bind(me.store_id.0.as_str())
        .bind(me.id.0.as_str())
        .bind(now)
        .bind(body)
        .execute(&mut *tx)
        .await?;
    }
    if let Some(hash) = session {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(hash)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    tracing::warn!(
        client = %client_id,
        user = %me.username,
        kept = request.mutations.len(),
        "refused a push from a revoked device; its mutations are kept for review"
    );
    Err(Error::DeviceRevoked(format!(
        "this device was revoked by a manager; its {} change(s) were kept for review, not \
         applied",
        request.mutations.len()
    )))
}

/// `GET /api/devices`: the store's tablets, most recently seen first.
async fn list(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
) -> Result<Json<Vec<Device>>, Error> {
    require_revoker(&me)?;
    let rows = sqlx::query(
        "SELECT d.client_id, d.user_id, d.username, d.first_seen_ms, d.last_seen_ms, \
         d.revoked_at_ms, d.revoked_by, d.revoked_reason, \
         (SELECT COUNT(*) FROM quarantined_mutations q WHERE q.client_id = d.client_id) \
         AS kept \
         FROM devices d WHERE d.store_id = $1 ORDER BY d.last_seen_ms DESC, d.client_id",
    )
    .bind(me.store_id.0.as_str())
    .fetch_all(&state.db.pool)
    .await?;
    let devices = rows
        .iter()
        .map(|row| {
            Ok(Device {
                client_id: row.try_get("client_id")?,
                user_id: row.try_get("user_id")?,
                username: row.try_get("username")?,
                first_seen_ms: row.try_get("first_seen_ms")?,
                last_seen_ms: row.try_get("last_seen_ms")?,
                revoked_at_ms: row.try_get("revoked_at_ms")?,
                revoked_by: row.try_get("revoked_by")?,
                revoked_reason: row.try_get("revoked_reason")?,
                kept_mutations: u64::try_from(row.try_get::<i64, _>("kept")?).unwrap_or(0),
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(Json(devices))
}

/// The device `client_id` of the caller's store, or 404.
async fn device_of_store(db: &Db, me: &UserProfile, client_id: &str) -> Result<(), Error> {
    let found = sqlx::query("SELECT client_id FROM devices WHERE client_id = $1 AND store_id = $2")
        .bind(client_id)
        .bind(me.store_id.0.as_str())
        .fetch_optional(&db.pool)
        .await?;
    match found {
        Some(_) => Ok(()),
        None => Err(Error::NotFound(format!(
            "no tablet {client_id:?} has synced with this store"
        ))),
    }
}

/// `POST /api/devices/{client_id}/revoke` `{reason}`: ends the device's sessions and refuses
/// its later pushes. Revoking twice keeps the first revocation.
async fn revoke(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path(client_id): Path<String>,
    body: Result<ApiJson<RevokeDeviceRequest>, Error>,
) -> Result<Json<Device>, Error> {
    require_revoker(&me)?;
    let ApiJson(request) = body?;
    let reason = check_reason(&request.reason).map_err(|e| Error::BadRequest(e.to_string()))?;
    device_of_store(&state.db, &me, &client_id).await?;
    let mut tx = state.db.pool.begin().await?;
    sqlx::query(
        "UPDATE devices SET revoked_at_ms = $1, revoked_by = $2, revoked_reason = $3 \
         WHERE client_id = $4 AND revoked_at_ms IS NULL",
    )
    .bind(now_ms())
    .bind(me.username.as_str())
    .bind(reason)
    .bind(client_id.as_str())
    .execute(&mut *tx)
    .await?;
    let ended = sqlx::query(
        "DELETE FROM sessions WHERE token_hash IN \
         (SELECT token_hash FROM device_sessions WHERE client_id = $1)",
    )
    .bind(client_id.as_str())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    crate::audit::record(
        &state.db,
        &me,
        crate::audit::Action::RevokeDevice,
        &format!("device {client_id}; {ended} session(s) ended; reason: {reason}"),
    )
    .await?;
    tracing::warn!(client = %client_id, by = %me.username, ended, "revoked a device");
    let devices = list(State(state), CurrentUser(me)).await?.0;
    devices
        .into_iter()
        .find(|d| d.client_id == client_id)
        .map(Json)
        .ok_or_else(|| Error::Internal(format!("revoked device {client_id} vanished")))
}

/// `GET /api/devices/{client_id}/quarantine`: the mutations a revoked device pushed, oldest
/// first, as it sent them.
async fn quarantine(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path(client_id): Path<String>,
) -> Result<Json<Vec<QuarantinedMutation>>, Error> {
    require_revoker(&me)?;
    device_of_store(&state.db, &me, &client_id).await?;
    let rows = sqlx::query(
        "SELECT q.user_id, u.username, q.received_at_ms, q.body FROM quarantined_mutations q \
         LEFT JOIN users u ON u.id = q.user_id \
         WHERE q.client_id = $1 ORDER BY q.received_at_ms, q.mutation_id",
    )
    .bind(client_id.as_str())
    .fetch_all(&state.db.pool)
    .await?;
    let mut kept = Vec::with_capacity(rows.len());
    for row in &rows {
        let body: String = row.try_get("body")?;
        let mutation = serde_json::from_str(&body)
            .map_err(|e| Error::Internal(format!("a kept mutation does not decode: {e}")))?;
        kept.push(QuarantinedMutation {
            user_id: row.try_get("user_id")?,
            username: row
                .try_get::<Option<String>, _>("username")?
                .unwrap_or_default(),
            received_at_ms: row.try_get("received_at_ms")?,
            mutation,
        });
    }
    Ok(Json(kept))
}

/// Housekeeping: forgets the device links of sessions that ended (expired, signed out).
pub async fn sweep(db: &Db) -> Result<u64, Error> {
    Ok(sqlx::query(
        "DELETE FROM device_sessions WHERE token_hash NOT IN (SELECT token_hash FROM sessions)",
    )
    .execute(&db.pool)
    .await?
    .rows_affected())
}
