//! The numbers the store is run by (DOMAIN.md "Numbers the managers watch"), computed by the
//! core's [`huifang_core::reports`] over the records the server holds: the same code a tablet
//! runs offline over what it synced, so the two never disagree.
//!
//! - `GET /api/reports?from=YYYY-MM-DD&to=YYYY-MM-DD`: the core's [`Report`] for the caller's
//!   store, as JSON. Roles that may export ([`Action::Export`] in the core's access matrix)
//!   some of its kinds at their store's reach (care supervisor, sales manager, store
//!   manager, group manager); each over the kinds it may export: a care
//!   supervisor's report counts no leads, a sales manager's no callbacks — the figures their
//!   own device computes from what it pulled.
//! - `GET /api/reports/group?from&to`: who may export every kind of it at the group's reach
//!   (the group manager); the report of every store sharing
//!   the caller's store's `group_name`, and of all of them together, as [`GroupReport`]
//!   (`{"group", "stores": [{"store", "name", "report"}], "total"}`). A store in no group is
//!   a group of one (`"group": null`).
//! - `GET /api/reports/summary?from&to&format=csv|xlsx&lang=zh|en`, or
//!   `?campaign=NAME&format&lang` instead of a period: the callback summary report
//!   (回访总结报告, the core's [`summary`]) as an attachment named
//!   `callback-summary-FROM-TO.csv|xlsx` or `callback-summary-<campaign>.csv|xlsx` (the
//!   campaign's own name as RFC 5987 `filename*`), agents by their display names. CSV as the
//!   core writes it; XLSX from the same rows, by the writer the complaint statistics use.
//!   Who may export its kinds ([`SUMMARY_KINDS`]): care supervisor, store manager, group
//!   manager.
//!
//! Days are the store's (UTC+8, as the rest of the server counts them); "today" is the
//! server's day; the rules are [`Rules::default`] and the server's complaint rules.
//! A malformed or missing date, `from` after `to`, a period over
//! [`crate::complaints::MAX_PERIOD_DAYS`] days, an unknown format or language, a campaign
//! name empty, over [`NAME_MAX_CHARS`] characters or given with a period: 400 with the
//! reason. A role not listed: 403 with the reason. Each read is logged (user, what, period).

use crate::auth::CurrentUser;
use crate::complaints::{
    ExportFormat, STORE_UTC_OFFSET_MINUTES, StatsQueryError, attachment, parse_format, parse_lang,
    parse_period, rows_to_xlsx, store_records,
};
use crate::db::now_ms;
use crate::error::Error;
use crate::state::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use huifang_core::access::{Action, Reach, allows};
use huifang_core::care::complaints::ComplaintRules;
use huifang_core::care::dates::Day;
use huifang_core::care::kpi::Period;
use huifang_core::care::rules::Rules;
use huifang_core::care::segment::NAME_MAX_CHARS;
use huifang_core::reports::summary::{Scope as SummaryScope, rows_to_csv, summary};
use huifang_core::reports::{Input, Report, report};
use huifang_core::sync::{Record, RecordKind};
use huifang_core::{Role, StoreId, UserId, UserProfile};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use std::collections::BTreeMap;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/reports", get(store_report))
        .route("/reports/group", get(group_report))
        .route("/reports/summary", get(export_summary))
}

/// The kinds of record the report reads.
pub const REPORT_KINDS: [RecordKind; 9] = [
    RecordKind::Customer,
    RecordKind::CallbackTask,
    RecordKind::CallAttempt,
    RecordKind::CallbackRecord,
    RecordKind::Appointment,
    RecordKind::Vehicle,
    RecordKind::ServiceVisit,
    RecordKind::Complaint,
    RecordKind::Lead,
];

/// The kinds of record the callback summary reads.
pub const SUMMARY_KINDS: [RecordKind; 4] = [
    RecordKind::CallbackTask,
    RecordKind::CallAttempt,
    RecordKind::CallbackRecord,
    RecordKind::Complaint,
];

/// Every store of a group: `GET /api/reports/group`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GroupReport {
    /// The group's name; `None` for a store in no group (then the only store is the caller's).
    pub group: Option<String>,
    /// By store name.
    pub stores: Vec<StoreReport>,
    /// Over every store's records together.
    pub total: Report,
}

/// One store of a [`GroupReport`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StoreReport {
    pub store: StoreId,
    pub name: String,
    pub report: Report,
}

/// The query of `/api/reports` and `/api/reports/group`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ReportQuery {
    pub from: Option<String>,
    pub to: Option<String>,
}

/// The query of `/api/reports/summary` as sent; checked by [`SummaryRequest::parse`].
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SummaryQuery {
    pub from: Option<String>,
    pub to: Option<String>,
    pub campaign: Option<String>,
    pub format: Option<String>,
    pub lang: Option<String>,
}

/// Why a summary request is refused (answered 400 with this text).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SummaryQueryError {
    #[error(transparent)]
    Query(#[from] StatsQueryError),
    #[error(
        "the campaign name is empty: give campaign=NAME, or a period as from=YYYY-MM-DD&to=YYYY-MM-DD"
    )]
    EmptyCampaign,
    #[error(
        "the campaign name has {chars} characters; a campaign name is at most {NAME_MAX_CHARS}"
    )]
    CampaignTooLong { chars: usize },
    #[error("give either a campaign or a period (from, to), not both")]
    CampaignAndPeriod,
    #[error("the campaign name holds a control character (a line break, a tab)")]
    CampaignControl,
}

impl From<SummaryQueryError> for Error {
    fn from(e: SummaryQueryError) -> Self {
        Error::BadRequest(e.to_string())
    }
}

/// A checked summary request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryRequest {
    pub scope: SummaryScope,
    pub format: ExportFormat,
    /// Chinese labels (`lang=zh`), else English.
    pub zh: bool,
}

impl SummaryRequest {
    pub fn parse(query: &SummaryQuery) -> Result<SummaryRequest, SummaryQueryError> {
        let given = |v: &Option<String>| v.as_deref().is_some_and(|v| !v.trim().is_empty());
        let scope = match &query.campaign {
            Some(_) if given(&query.from) || given(&query.to) => {
                return Err(SummaryQueryError::CampaignAndPeriod);
            }
            Some(name) => {
                let name = name.trim();
                if name.is_empty() {
                    return Err(SummaryQueryError::EmptyCampaign);
                }
                if name.chars().any(char::is_control) {
                    return Err(SummaryQueryError::CampaignControl);
                }
                let chars = name.chars().count();
                if chars > NAME_MAX_CHARS {
                    return Err(SummaryQueryError::CampaignTooLong { chars });
                }
                SummaryScope::Campaign(name.to_owned())
            }
            None => SummaryScope::Period(parse_period(query.from.as_deref(), query.to.as_deref())?),
        };
        Ok(SummaryRequest {
            scope,
            format: parse_format(query.format.as_deref())?,
            zh: parse_lang(query.lang.as_deref())?,
        })
    }

    /// `callback-summary-2026-11-01-2026-11-30.xlsx`, `callback-summary-春节问候.csv` (the
    /// characters a file name cannot hold replaced by `_`).
    pub fn file_name(&self) -> String {
        let what = match &self.scope {
            SummaryScope::Period(p) => format!("{}-{}", p.from, p.to),
            SummaryScope::Campaign(name) => name
                .chars()
                .map(|c| {
                    if c.is_control()
                        || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|')
                    {
                        '_'
                    } else {
                        c
                    }
                })
                .collect(),
        };
        format!("callback-summary-{what}.{}", self.format.extension())
    }

    /// What the summary covers, for the log.
    fn covers(&self) -> String {
        match &self.scope {
            SummaryScope::Period(p) => format!("{} – {}", p.from, p.to),
            SummaryScope::Campaign(name) => format!("campaign {name}"),
        }
    }
}

/// The kinds of `kinds` whose records `role` may export ([`Action::Export`] in the core's
/// matrix) at `reach` or wider.
pub(crate) fn exportable(role: Role, kinds: &[RecordKind], reach: Reach) -> Vec<RecordKind> {
    kinds
        .iter()
        .copied()
        .filter(|kind| allows(role, *kind, Action::Export).is_some_and(|r| r >= reach))
        .collect()
}

/// Refuses (403, `what` saying what) unless `me` may export every kind of `kinds` at `reach`
/// or wider: the sheets and the group's figures.
pub(crate) fn may_export(
    me: &UserProfile,
    kinds: &[RecordKind],
    reach: Reach,
    what: &str,
) -> Result<(), Error> {
    if exportable(me.role, kinds, reach).len() == kinds.len() {
        Ok(())
    } else {
        Err(Error::Forbidden(format!(
            "the role {} may not {what}: exports are a supervisor's or a manager's",
            me.role
        )))
    }
}

/// The report's kinds the caller's role may export from their store (the store's figures
/// count those only); refuses (403) a role that may export none of them.
fn report_kinds(me: &UserProfile) -> Result<Vec<RecordKind>, Error> {
    let kinds = exportable(me.role, &REPORT_KINDS, Reach::Store);
    if kinds.is_empty() {
        Err(Error::Forbidden(format!(
            "the role {} may not read the store's reports: they are a supervisor's or a \
             manager's",
            me.role
        )))
    } else {
        Ok(kinds)
    }
}

/// The report's inputs for `period` as of `now` (the store's day; default rules).
fn input<'a>(
    period: Period,
    now: i64,
    rules: &'a Rules,
    complaint_rules: &'a ComplaintRules,
) -> Input<'a> {
    Input {
        period,
        today: Day::of_ms(now, STORE_UTC_OFFSET_MINUTES),
        offset_minutes: STORE_UTC_OFFSET_MINUTES,
        now_ms: now,
        rules,
        complaint_rules,
    }
}

fn checked_period(query: Result<Query<ReportQuery>, QueryRejection>) -> Result<Period, Error> {
    let Query(query) =
        query.map_err(|rejection| StatsQueryError::Malformed(rejection.body_text()))?;
    Ok(parse_period(query.from.as_deref(), query.to.as_deref())?)
}

async fn store_report(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    query: Result<Query<ReportQuery>, QueryRejection>,
) -> Result<Json<Report>, Error> {
    let kinds = report_kinds(&me)?;
    let period = checked_period(query)?;
    let records = store_records(&state, std::slice::from_ref(&me.store_id), &kinds).await?;
    let rules = Rules::default();
    let figures = report(
        &records,
        &input(period, now_ms(), &rules, &state.complaint_rules),
    );
    tracing::info!(
        user = %me.username,
        from = %period.from,
        to = %period.to,
        records = records.len(),
        "store report read"
    );
    Ok(Json(figures))
}

/// The caller's store's group: its name and its stores (id, name) by name; a store in no
/// group alone.
async fn group_stores(
    state: &AppState,
    store: &StoreId,
) -> Result<(Option<String>, Vec<(StoreId, String)>), Error> {
    let group: Option<String> =
        sqlx::query_scalar::<_, Option<String>>("SELECT group_name FROM stores WHERE id = $1")
            .bind(store.0.as_str())
            .fetch_optional(&state.db.pool)
            .await?
            .flatten()
            .filter(|g| !g.trim().is_empty());
    let rows = match &group {
        Some(g) => {
            sqlx::query("SELECT id, name FROM stores WHERE group_name = $1 ORDER BY name, id")
                .bind(g.as_str())
                .fetch_all(&state.db.pool)
                .await?
        }
        None => {
            sqlx::query("SELECT id, name FROM stores WHERE id = $1")
                .bind(store.0.as_str())
                .fetch_all(&state.db.pool)
                .await?
        }
    };
    let stores = rows
        .iter()
        .map(|row| Ok((StoreId(row.try_get("id")?), row.try_get("name")?)))
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok((group, stores))
}

async fn group_report(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    query: Result<Query<ReportQuery>, QueryRejection>,
) -> Result<Json<GroupReport>, Error> {
    may_export(
        &me,
        &REPORT_KINDS,
        Reach::Group,
        "read the group's reports (they are the group manager's)",
    )?;
    let period = checked_period(query)?;
    let (group, stores) = group_stores(&state, &me.store_id).await?;
    let ids: Vec<StoreId> = stores.iter().map(|(id, _)| id.clone()).collect();
    let records = store_records(&state, &ids, &REPORT_KINDS).await?;
    let rules = Rules::default();
    let input = input(period, now_ms(), &rules, &state.complaint_rules);
    let mut by_store: BTreeMap<&StoreId, Vec<Record>> = BTreeMap::new();
    for r in &records {
        by_store
            .entry(&r.scope().store)
            .or_default()
            .push(r.clone());
    }
    let stores = stores
        .iter()
        .map(|(id, name)| StoreReport {
            store: id.clone(),
            name: name.clone(),
            report: report(by_store.get(id).map_or(&[][..], Vec::as_slice), &input),
        })
        .collect();
    tracing::info!(
        user = %me.username,
        group = group.as_deref().unwrap_or("-"),
        stores = ids.len(),
        from = %period.from,
        to = %period.to,
        "group report read"
    );
    Ok(Json(GroupReport {
        group,
        stores,
        total: report(&records, &input),
    }))
}

/// Everyone who ever worked in the store by their display name (those who left too: their
/// calls stay in the figures).
async fn display_names(
    state: &AppState,
    store: &StoreId,
) -> Result<BTreeMap<UserId, String>, Error> {
    let rows = sqlx::query("SELECT id, display_name FROM users WHERE store_id = $1")
        .bind(store.0.as_str())
        .fetch_all(&state.db.pool)
        .await?;
    rows.iter()
        .map(|row| Ok((UserId(row.try_get("id")?), row.try_get("display_name")?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Error::from)
}

async fn export_summary(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    query: Result<Query<SummaryQuery>, QueryRejection>,
) -> Result<Response, Error> {
    may_export(
        &me,
        &SUMMARY_KINDS,
        Reach::Store,
        "export the callback summary",
    )?;
    let Query(query) =
        query.map_err(|rejection| StatsQueryError::Malformed(rejection.body_text()))?;
    let request = SummaryRequest::parse(&query)?;
    let records = store_records(&state, std::slice::from_ref(&me.store_id), &SUMMARY_KINDS).await?;
    let report = summary(&records, &request.scope);
    let names = display_names(&state, &me.store_id).await?;
    let rows = report.rows(request.zh, &names);
    let body = match request.format {
        ExportFormat::Csv => rows_to_csv(&rows, request.zh).into_bytes(),
        ExportFormat::Xlsx => {
            let sheet = if request.zh {
                "回访总结报告"
            } else {
                "Callback summary"
            };
            rows_to_xlsx(sheet, &rows, request.zh)
                .map_err(|e| Error::Internal(format!("writing the callback summary: {e}")))?
        }
    };
    crate::audit::record(
        &state.db,
        &me,
        crate::audit::Action::ExportCallbackSummary,
        &format!(
            "{}, {} callbacks, {}",
            request.covers(),
            report.reached.den,
            request.format.extension()
        ),
    )
    .await?;
    tracing::info!(
        user = %me.username,
        covers = %request.covers(),
        callbacks = report.reached.den,
        format = request.format.extension(),
        "callback summary exported"
    );
    Ok(attachment(request.format, &request.file_name(), body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> SummaryQuery {
        let get = |k: &str| {
            pairs
                .iter()
                .find(|(key, _)| *key == k)
                .map(|(_, v)| (*v).to_owned())
        };
        SummaryQuery {
            from: get("from"),
            to: get("to"),
            campaign: get("campaign"),
            format: get("format"),
            lang: get("lang"),
        }
    }

    #[test]
    fn a_summary_covers_a_period_or_a_campaign() {
        let period = SummaryRequest::parse(&query(&[
            ("from", "2026-11-01"),
            ("to", "2026-11-30"),
            ("format", "xlsx"),
        ]))
        .expect("a period");
        assert_eq!(
            period.file_name(),
            "callback-summary-2026-11-01-2026-11-30.xlsx"
        );
        let campaign =
            SummaryRequest::parse(&query(&[("campaign", " 春节问候/2027 "), ("lang", "en")]))
                .expect("a campaign");
        assert_eq!(
            campaign.scope,
            SummaryScope::Campaign("春节问候/2027".into())
        );
        assert!(!campaign.zh);
        assert_eq!(campaign.file_name(), "callback-summary-春节问候_2027.csv");
        let long = "长".repeat(NAME_MAX_CHARS + 1);
        for (pairs, wanted) in [
            (vec![("campaign", "  ")], "campaign name is empty"),
            (vec![("campaign", "双十一\r\n保养")], "control character"),
            (vec![("campaign", long.as_str())], "at most 60"),
            (
                vec![("campaign", "春节问候"), ("from", "2026-11-01")],
                "not both",
            ),
            (vec![("from", "2026-11-01")], "`to` is missing"),
            (
                vec![("campaign", "春节问候"), ("format", "pdf")],
                "csv or xlsx",
            ),
        ] {
            let err = SummaryRequest::parse(&query(&pairs)).expect_err(wanted);
            assert!(err.to_string().contains(wanted), "{pairs:?}: {err}");
        }
    }
}
