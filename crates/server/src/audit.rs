//! The audit log (PIPL): who took customers' personal data out of the system, and when.
//!
//! Every export of a sheet (the complaint statistics, the callback summary), every import of
//! a customer list, every masked phone number revealed (with its reason) and every tablet
//! revoked is written here with what it covered, in the same request that answers it: an
//! export, import or reveal whose entry cannot be written is not answered (and the import does
//! not start). Store and group managers read their store's entries, newest first
//! (`GET /api/audit?limit=`).

use crate::auth::CurrentUser;
use crate::db::{Db, now_ms};
use crate::error::Error;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use huifang_core::{Role, UserProfile};
use serde::{Deserialize, Serialize};
use sqlx::Row;

/// The most entries one read returns.
pub const MAX_LIMIT: u32 = 1_000;
const DEFAULT_LIMIT: u32 = 200;

/// What was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// 顾客投诉分类统计表, as CSV or XLSX.
    ExportComplaintStats,
    /// 回访总结报告, as CSV or XLSX.
    ExportCallbackSummary,
    /// A customer list imported from the DMS (the rows written, the rows left out).
    ImportCustomers,
    /// A masked phone number shown in full, with the reason given.
    RevealPhone,
    /// A lost tablet revoked: its sessions ended, its later pushes refused and kept.
    RevokeDevice,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::ExportComplaintStats => "export_complaint_stats",
            Action::ExportCallbackSummary => "export_callback_summary",
            Action::ImportCustomers => "import_customers",
            Action::RevealPhone => "reveal_phone",
            Action::RevokeDevice => "revoke_device",
        }
    }
}

/// One entry, as managers read it.
pub use huifang_core::api::AuditEntry as Entry;

pub fn router() -> Router<AppState> {
    Router::new().route("/audit", get(read))
}

/// Writes an entry for `me` doing `action` (`detail`: what it covered).
pub async fn record(db: &Db, me: &UserProfile, action: Action, detail: &str) -> Result<(), Error> {
    let id = uuid::Uuid::now_v7().to_string();
    sqlx::query(
        "INSERT INTO audit_log (id, at_ms, store_id, user_id, username, action, detail) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(now_ms())
    .bind(me.store_id.0.as_str())
    .bind(me.id.0.as_str())
    .bind(me.username.as_str())
    .bind(action.as_str())
    .bind(detail)
    .execute(&db.pool)
    .await?;
    Ok(())
}

#[derive(Debug, Deserialize)]
struct ReadQuery {
    limit: Option<u32>,
}

/// `GET /api/audit?limit=N`: the caller's store's entries, newest first (managers only).
async fn read(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Query(query): Query<ReadQuery>,
) -> Result<Json<Vec<Entry>>, Error> {
    if !matches!(me.role, Role::StoreManager | Role::GroupManager) {
        return Err(Error::Forbidden(format!(
            "the role {} may not read the audit log",
            me.role
        )));
    }
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if limit == 0 || limit > MAX_LIMIT {
        return Err(Error::BadRequest(format!(
            "limit must be between 1 and {MAX_LIMIT}"
        )));
    }
    let rows = sqlx::query(
        "SELECT at_ms, user_id, username, action, detail FROM audit_log \
         WHERE store_id = $1 ORDER BY at_ms DESC, id DESC LIMIT $2",
    )
    .bind(me.store_id.0.as_str())
    .bind(i64::from(limit))
    .fetch_all(&state.db.pool)
    .await?;
    let entries = rows
        .iter()
        .map(|row| {
            Ok(Entry {
                at_ms: row.try_get("at_ms")?,
                user_id: row.try_get("user_id")?,
                username: row.try_get("username")?,
                action: row.try_get("action")?,
                detail: row.try_get("detail")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(Json(entries))
}
