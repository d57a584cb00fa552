//! Stores and users: the queries, and `GET /api/users`.

use crate::auth::CurrentUser;
use crate::db::{Db, new_id, now_ms};
use crate::error::Error;
use crate::state::AppState;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use huifang_core::{Colleague, Directory, Role, StoreId, UserId, UserProfile, Username};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;

/// `GET /api/users`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UserList {
    pub users: Vec<UserProfile>,
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/users", get(list_users))
        .route("/directory", get(directory))
}

/// Every signed-in user's colleagues by name, so a device can say who made a change (a
/// conflict's two authors, an attempt's agent); and the store's complaint rules, so a device
/// counts complaint deadlines offline as the server is configured; and its sales cadence,
/// models and test-drive cars, so lead capture and bookings work offline.
async fn directory(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
) -> Result<Json<Directory>, Error> {
    let colleagues = store_users(&state.db, &me.store_id)
        .await?
        .into_iter()
        .map(|u| Colleague {
            id: u.id,
            display_name: u.display_name,
            role: u.role,
        })
        .collect();
    Ok(Json(Directory {
        colleagues,
        complaint_rules: state.complaint_rules.as_ref().clone(),
        sales_rules: state.sales_rules.as_ref().clone(),
        models: state.models.as_ref().clone(),
        test_drive_fleet: state.test_drive_fleet.as_ref().clone(),
    }))
}

/// The active users of the caller's store, for roles that plan other people's work.
async fn list_users(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
) -> Result<Json<UserList>, Error> {
    if !me.role.is_lead() {
        return Err(Error::Forbidden(format!(
            "the role {} may not list the store's users",
            me.role
        )));
    }
    let users = store_users(&state.db, &me.store_id).await?;
    Ok(Json(UserList { users }))
}

/// The columns [`profile_from_row`] reads, from `users u JOIN stores s`.
pub(crate) const PROFILE_COLUMNS: &str =
    "u.id, u.username, u.display_name, u.role, u.store_id, s.name AS store_name";

pub(crate) fn profile_from_row(row: &AnyRow) -> Result<UserProfile, Error> {
    let username: String = row.try_get("username")?;
    let role: String = row.try_get("role")?;
    Ok(UserProfile {
        id: UserId(row.try_get("id")?),
        username: Username::parse(&username)
            .map_err(|e| Error::Internal(format!("stored username {username:?}: {e}")))?,
        display_name: row.try_get("display_name")?,
        role: role
            .parse::<Role>()
            .map_err(|e| Error::Internal(format!("stored role: {e}")))?,
        store_id: StoreId(row.try_get("store_id")?),
        store_name: row.try_get("store_name")?,
    })
}

/// An active user and their password hash, for sign-in.
pub async fn find_active_user(
    db: &Db,
    username: &Username,
) -> Result<Option<(UserProfile, String)>, Error> {
    let sql = format!(
        "SELECT {PROFILE_COLUMNS}, u.password_hash FROM users u \
         JOIN stores s ON s.id = u.store_id WHERE u.username = $1 AND u.active"
    );
    let row = sqlx::query(&sql)
        .bind(username.as_str())
        .fetch_optional(&db.pool)
        .await?;
    row.map(|row| Ok((profile_from_row(&row)?, row.try_get("password_hash")?)))
        .transpose()
}

/// The active users of a store, by username.
pub async fn store_users(db: &Db, store_id: &StoreId) -> Result<Vec<UserProfile>, Error> {
    let sql = format!(
        "SELECT {PROFILE_COLUMNS} FROM users u JOIN stores s ON s.id = u.store_id \
         WHERE u.store_id = $1 AND u.active ORDER BY u.username"
    );
    let rows = sqlx::query(&sql)
        .bind(store_id.0.as_str())
        .fetch_all(&db.pool)
        .await?;
    rows.iter().map(profile_from_row).collect()
}

/// A new store.
pub async fn create_store<'c, E>(
    executor: E,
    name: &str,
    group_name: Option<&str>,
) -> Result<StoreId, Error>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    let id = new_id();
    sqlx::query("INSERT INTO stores (id, name, group_name, created_at_ms) VALUES ($1, $2, $3, $4)")
        .bind(id.as_str())
        .bind(name)
        .bind(group_name)
        .bind(now_ms())
        .execute(executor)
        .await?;
    Ok(StoreId(id))
}

/// What it takes to create a user.
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub store_id: &'a StoreId,
    pub username: &'a Username,
    pub display_name: &'a str,
    pub role: Role,
    /// An Argon2id PHC string from [`crate::auth::hash_password`].
    pub password_hash: &'a str,
}

/// A new active user.
pub async fn create_user<'c, E>(executor: E, user: NewUser<'_>) -> Result<UserId, Error>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    let id = new_id();
    sqlx::query(
        "INSERT INTO users (id, store_id, username, display_name, role, password_hash, active, \
         created_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id.as_str())
    .bind(user.store_id.0.as_str())
    .bind(user.username.as_str())
    .bind(user.display_name)
    .bind(user.role.as_str())
    .bind(user.password_hash)
    .bind(true)
    .bind(now_ms())
    .execute(executor)
    .await?;
    Ok(UserId(id))
}

/// Sets a user's password hash and ends every other session of theirs (`keep`: the one that
/// asked), so a password someone else learnt stops working on their devices at once.
pub async fn set_password(
    db: &Db,
    user_id: &UserId,
    password_hash: &str,
    keep_session: &str,
) -> Result<u64, Error> {
    let mut tx = db.pool.begin().await?;
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(password_hash)
        .bind(user_id.0.as_str())
        .execute(&mut *tx)
        .await?;
    let ended = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
        .bind(user_id.0.as_str())
        .bind(keep_session)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    tx.commit().await?;
    Ok(ended)
}

/// Turns a user's sign-in on or off; off also ends their sessions.
pub async fn set_user_active(db: &Db, user_id: &UserId, active: bool) -> Result<(), Error> {
    let mut tx = db.pool.begin().await?;
    sqlx::query("UPDATE users SET active = $1 WHERE id = $2")
        .bind(active)
        .bind(user_id.0.as_str())
        .execute(&mut *tx)
        .await?;
    if !active {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id.0.as_str())
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}
