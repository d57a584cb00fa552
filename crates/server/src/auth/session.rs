//! Sessions in the database, keyed by the SHA-256 of their token.

use crate::db::{Db, now_ms};
use crate::error::Error;
use crate::users::{PROFILE_COLUMNS, profile_from_row};
use huifang_core::{UserId, UserProfile};
use sqlx::Row;

/// How long a session lasts after sign-in.
pub const SESSION_TTL_MS: i64 = 30 * 24 * 60 * 60 * 1000;

/// `last_seen_ms` is refreshed at most this often, so reads do not all become writes.
const LAST_SEEN_RESOLUTION_MS: i64 = 60 * 1000;

/// Stores a new session; returns when it expires.
pub async fn create(db: &Db, token_hash: &str, user_id: &UserId) -> Result<i64, Error> {
    let now = now_ms();
    let expires_at_ms = now + SESSION_TTL_MS;
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, created_at_ms, expires_at_ms, last_seen_ms) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token_hash)
    .bind(user_id.0.as_str())
    .bind(now)
    .bind(expires_at_ms)
    .bind(now)
    .execute(&db.pool)
    .await?;
    Ok(expires_at_ms)
}

/// The user of an unexpired session of an active user.
pub async fn find_user(db: &Db, token_hash: &str) -> Result<Option<UserProfile>, Error> {
    let now = now_ms();
    let sql = format!(
        "SELECT {PROFILE_COLUMNS}, se.last_seen_ms FROM sessions se \
         JOIN users u ON u.id = se.user_id JOIN stores s ON s.id = u.store_id \
         WHERE se.token_hash = $1 AND se.expires_at_ms > $2 AND u.active"
    );
    let Some(row) = sqlx::query(&sql)
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&db.pool)
        .await?
    else {
        return Ok(None);
    };
    let last_seen_ms: i64 = row.try_get("last_seen_ms")?;
    if now - last_seen_ms > LAST_SEEN_RESOLUTION_MS {
        sqlx::query("UPDATE sessions SET last_seen_ms = $1 WHERE token_hash = $2")
            .bind(now)
            .bind(token_hash)
            .execute(&db.pool)
            .await?;
    }
    profile_from_row(&row).map(Some)
}

/// Ends a session (a no-op if it does not exist).
pub async fn delete(db: &Db, token_hash: &str) -> Result<(), Error> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Removes expired sessions; returns how many.
pub async fn delete_expired(db: &Db) -> Result<u64, Error> {
    let done = sqlx::query("DELETE FROM sessions WHERE expires_at_ms <= $1")
        .bind(now_ms())
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected())
}
