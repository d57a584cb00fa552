//! Sign-in lockout (`sign_in_attempts`): [`SIGN_IN_MAX_FAILURES`] wrong passwords in a row
//! lock a username for [`SIGN_IN_LOCK_MINUTES`]; while locked, no password is even checked,
//! so guessing goes no further. Names that do not exist are counted the same way, so the
//! answers never tell which names do. The count is kept in the database: it holds across
//! restarts and across server processes sharing one database.

use crate::db::{Db, now_ms};
use crate::error::Error;
use huifang_core::api::{SIGN_IN_LOCK_MINUTES, SIGN_IN_MAX_FAILURES};

const LOCK_MS: i64 = SIGN_IN_LOCK_MINUTES * 60 * 1000;
/// Failures further apart than this start counting again.
const WINDOW_MS: i64 = LOCK_MS;
/// Rows whose last failure is older than this are swept.
const KEEP_MS: i64 = 24 * 60 * 60 * 1000;

/// The key a username is counted under: as typed, trimmed, lower case (the way sign-in
/// looks names up), at most 64 characters.
pub fn key(username: &str) -> String {
    username.trim().to_lowercase().chars().take(64).collect()
}

/// `Err(TooManyAttempts)` while `name` is locked.
pub async fn check(db: &Db, name: &str) -> Result<(), Error> {
    let locked: Option<i64> =
        sqlx::query_scalar("SELECT locked_until_ms FROM sign_in_attempts WHERE username = $1")
            .bind(name)
            .fetch_optional(&db.pool)
            .await?;
    match locked {
        Some(until_ms) if until_ms > now_ms() => Err(Error::TooManyAttempts { until_ms }),
        _ => Ok(()),
    }
}

/// Counts a wrong password for `name`; the error to answer with (the last allowed failure
/// already answers "locked", so the person knows at once).
///
/// One upsert that counts in SQL: wrong passwords arriving together for one name neither
/// lose a count (PostgreSQL, read committed) nor fail on a read lock that cannot be upgraded
/// (SQLite's "database is locked"), as a read-then-write transaction would.
pub async fn failed(db: &Db, name: &str) -> Result<Error, Error> {
    let now = now_ms();
    // In `DO UPDATE SET`, `sign_in_attempts.*` is the row before this failure.
    let (failures, locked_until): (i64, i64) = sqlx::query_as(
        "INSERT INTO sign_in_attempts (username, failures, last_failure_ms, locked_until_ms) \
         VALUES ($1, 1, $2, CASE WHEN 1 >= $4 THEN $2 + $5 ELSE 0 END) \
         ON CONFLICT (username) DO UPDATE SET \
           failures = CASE WHEN $2 - sign_in_attempts.last_failure_ms < $3 \
                      THEN sign_in_attempts.failures + 1 ELSE 1 END, \
           last_failure_ms = $2, \
           locked_until_ms = CASE WHEN (CASE WHEN $2 - sign_in_attempts.last_failure_ms < $3 \
                      THEN sign_in_attempts.failures + 1 ELSE 1 END) >= $4 \
                      THEN $2 + $5 ELSE 0 END \
         RETURNING failures, locked_until_ms",
    )
    .bind(name)
    .bind(now)
    .bind(WINDOW_MS)
    .bind(SIGN_IN_MAX_FAILURES)
    .bind(LOCK_MS)
    .fetch_one(&db.pool)
    .await?;
    if locked_until > 0 {
        tracing::warn!(
            username = name,
            failures,
            "sign-in locked after wrong passwords"
        );
        Ok(Error::TooManyAttempts {
            until_ms: locked_until,
        })
    } else {
        Ok(Error::InvalidCredentials)
    }
}

/// Sweeps the rows of names nobody has failed with for a day (and not locked now).
pub async fn sweep(db: &Db) -> Result<u64, Error> {
    let now = now_ms();
    let done = sqlx::query(
        "DELETE FROM sign_in_attempts WHERE last_failure_ms < $1 AND locked_until_ms < $2",
    )
    .bind(now - KEEP_MS)
    .bind(now)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected())
}

/// A successful sign-in: the count starts again.
pub async fn succeeded(db: &Db, name: &str) -> Result<(), Error> {
    sqlx::query("DELETE FROM sign_in_attempts WHERE username = $1")
        .bind(name)
        .execute(&db.pool)
        .await?;
    Ok(())
}
