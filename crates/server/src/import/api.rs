//! `POST /api/import/preview`, `/api/import/commit` and `/api/import/errors.csv`: the file
//! in the body as it came from the DMS (CSV or Excel, any of the encodings [`super::table`]
//! reads). The preview writes nothing: it shows the supervisor what the import would take,
//! the mapping it used, the first clean rows and the first problems by line (with the count
//! of all); the commit starts a job that writes the clean rows (see [`super::commit`] and
//! [`jobs`]) and answers at once, and `GET /api/import/jobs/<id>` tells how far it got; the
//! errors CSV is the whole problem list as a file to fix the export with.
//! Leads only (care supervisors and managers).

pub mod jobs;

use super::rows::{self, CleanRow, RowError};
use super::table::{self, Format, TableError};
use crate::auth::CurrentUser;
use crate::error::Error;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use huifang_core::UserProfile;
use huifang_core::care::columns::{self, Column};
pub use huifang_core::care::import::{ImportJob, JobPhase, Preview, PreviewError, PreviewRow};
use huifang_core::sync::UserCtx;
use jobs::Jobs;
use serde::Deserialize;

/// The largest export accepted: 50,000 rows of a wide DMS export fit well inside.
pub const IMPORT_BODY_LIMIT_BYTES: usize = 32 * 1024 * 1024;
/// Clean rows shown in a preview.
pub const PREVIEW_ROWS: usize = 20;
/// Problems listed in a preview (the count says how many more; the errors CSV has all):
/// an export with the wrong columns mapped can have a problem on each of 50,000 rows.
pub const PREVIEW_ERRORS: usize = 200;

/// The import routes, with the registry of this router's import jobs.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/import/preview",
            post(preview).layer(DefaultBodyLimit::max(IMPORT_BODY_LIMIT_BYTES)),
        )
        .route(
            "/import/commit",
            post(commit).layer(DefaultBodyLimit::max(IMPORT_BODY_LIMIT_BYTES)),
        )
        .route("/import/jobs/{id}", get(job))
        .route(
            "/import/errors.csv",
            post(errors_csv).layer(DefaultBodyLimit::max(IMPORT_BODY_LIMIT_BYTES)),
        )
        .layer(Extension(Jobs::default()))
}

/// Query parameters of the routes that take a file.
#[derive(Debug, Default, Deserialize)]
pub struct ImportQuery {
    /// The supervisor's mapping, one entry per header, comma-separated column names
    /// (`name,mobile,,plate`; empty: not imported). Without it, the headers are recognised.
    pub mapping: Option<String>,
    /// The store's area code for landlines written without one (e.g. `0311`).
    pub area_code: Option<String>,
}

fn lead_only(me: &UserProfile) -> Result<(), Error> {
    if me.role.is_lead() {
        Ok(())
    } else {
        Err(Error::Forbidden(format!(
            "the role {} may not import customer lists",
            me.role
        )))
    }
}

fn body(bytes: Result<Bytes, BytesRejection>) -> Result<Bytes, Error> {
    bytes.map_err(|e| match e {
        BytesRejection::FailedToBufferBody(_) => Error::PayloadTooLarge(format!(
            "an import file may be at most {} MB",
            IMPORT_BODY_LIMIT_BYTES / (1024 * 1024)
        )),
        other => Error::BadRequest(other.body_text()),
    })
}

fn parse_mapping(text: &str, headers: usize) -> Result<Vec<Option<Column>>, Error> {
    let mut mapping: Vec<Option<Column>> = text
        .split(',')
        .map(|name| {
            let name = name.trim();
            if name.is_empty() {
                return Ok(None);
            }
            Column::parse(name)
                .map(Some)
                .ok_or_else(|| Error::BadRequest(format!("no import column named {name:?}")))
        })
        .collect::<Result<_, _>>()?;
    if mapping.len() > headers {
        return Err(Error::BadRequest(format!(
            "the mapping has {} entries for {headers} headers",
            mapping.len()
        )));
    }
    mapping.resize(headers, None);
    let mut seen = std::collections::BTreeSet::new();
    if let Some(twice) = mapping.iter().flatten().find(|c| !seen.insert(**c)) {
        return Err(Error::BadRequest(format!(
            "the column {twice:?} is mapped from two headers"
        )));
    }
    Ok(mapping)
}

/// Reads, maps and cleans the file.
fn run(
    bytes: &[u8],
    query: &ImportQuery,
) -> Result<(table::Table, Vec<Option<Column>>, rows::Cleaned), Error> {
    let table = table::read(bytes).map_err(|e| match e {
        TableError::Empty | TableError::NoHeader => Error::BadRequest(e.to_string()),
        other => Error::BadRequest(format!("the file could not be read: {other}")),
    })?;
    let mapping = match &query.mapping {
        Some(text) => parse_mapping(text, table.headers.len())?,
        None => columns::suggest(&table.headers),
    };
    let cleaned = rows::clean(&table, &mapping, query.area_code.as_deref());
    Ok((table, mapping, cleaned))
}

fn problem_name(e: &RowError) -> String {
    serde_json::to_value(e.problem)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn preview_row(r: &CleanRow) -> PreviewRow {
    PreviewRow {
        line: r.line,
        name: r.name.clone(),
        mobile: r.mobile.clone(),
        plate: r.plate.clone(),
        vin: r.vin.clone(),
        visit_date: r.visit_date.map(|d| d.to_string()),
    }
}

async fn preview(
    CurrentUser(me): CurrentUser,
    Query(query): Query<ImportQuery>,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<Json<Preview>, Error> {
    lead_only(&me)?;
    let bytes = body(bytes)?;
    // Parsing 50,000 rows is CPU work: off the async workers.
    let (table, mapping, cleaned) = tokio::task::spawn_blocking(move || run(&bytes, &query))
        .await
        .map_err(|e| Error::Internal(format!("the import task failed: {e}")))??;
    let unmapped = Column::ALL
        .into_iter()
        .filter(|c| !mapping.contains(&Some(*c)))
        .collect();
    Ok(Json(Preview {
        format: match table.format {
            Format::Csv => "csv",
            Format::Excel => "excel",
        }
        .to_owned(),
        encoding: table.encoding.to_owned(),
        headers: table.headers.clone(),
        mapping,
        unmapped,
        rows_total: table.rows.len(),
        rows_clean: cleaned.rows.len(),
        customers: rows::same_customers(&cleaned.rows).len(),
        preview: cleaned
            .rows
            .iter()
            .take(PREVIEW_ROWS)
            .map(preview_row)
            .collect(),
        errors: preview_errors(&cleaned.errors),
        errors_total: cleaned.errors.len(),
    }))
}

/// The first [`PREVIEW_ERRORS`] problems.
fn preview_errors(errors: &[RowError]) -> Vec<PreviewError> {
    errors
        .iter()
        .take(PREVIEW_ERRORS)
        .map(|e| PreviewError {
            line: e.line,
            column: e.column,
            value: e.value.clone(),
            problem: problem_name(e),
            detail: e.detail.clone(),
        })
        .collect()
}

/// Reads and cleans the file, then starts the job that writes it: 202 with the job (and
/// its address in `Location`).
async fn commit(
    State(state): State<AppState>,
    Extension(jobs): Extension<Jobs>,
    CurrentUser(me): CurrentUser,
    Query(query): Query<ImportQuery>,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<impl IntoResponse, Error> {
    lead_only(&me)?;
    let bytes = body(bytes)?;
    let (table, _, cleaned) = tokio::task::spawn_blocking(move || run(&bytes, &query))
        .await
        .map_err(|e| Error::Internal(format!("the import task failed: {e}")))??;
    let skipped = table.rows.len().saturating_sub(cleaned.rows.len());
    // Written before the job starts: an import whose entry cannot be written does not run.
    crate::audit::record(
        &state.db,
        &me,
        crate::audit::Action::ImportCustomers,
        &format!("{} rows to write, {skipped} left out", cleaned.rows.len()),
    )
    .await?;
    let job = jobs.start(state.sync.clone(), UserCtx::of(&me), cleaned, skipped)?;
    tracing::info!(user = %me.username, job = %job.id, rows = job.total, "import started");
    Ok((
        StatusCode::ACCEPTED,
        [(header::LOCATION, format!("/api/import/jobs/{}", job.id))],
        Json(job),
    ))
}

/// How far an import job got: its user's only.
async fn job(
    Extension(jobs): Extension<Jobs>,
    CurrentUser(me): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<ImportJob>, Error> {
    lead_only(&me)?;
    jobs.get(&id, &UserCtx::of(&me)).map(Json).ok_or_else(|| {
        Error::NotFound(format!(
            "no import job {id}: the server may have restarted, or it finished over an hour \
             ago; importing the file again merges and doubles nothing"
        ))
    })
}

/// The row errors as a CSV for Excel (UTF-8 with BOM, Chinese headers).
pub fn errors_csv_text(errors: &[RowError]) -> Result<String, Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let internal = |e: csv::Error| Error::Internal(format!("writing the error report: {e}"));
    writer
        .write_record([
            "行号 line",
            "列 column",
            "内容 value",
            "问题 problem",
            "说明 detail",
        ])
        .map_err(internal)?;
    for e in errors {
        let column = e.column.map(Column::as_str).unwrap_or_default().to_owned();
        writer
            .write_record([
                e.line.to_string(),
                column,
                e.value.clone(),
                problem_name(e),
                e.detail.clone(),
            ])
            .map_err(internal)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| Error::Internal(format!("writing the error report: {e}")))?;
    let text = String::from_utf8(bytes)
        .map_err(|e| Error::Internal(format!("the error report is not UTF-8: {e}")))?;
    Ok(format!("\u{feff}{text}"))
}

async fn errors_csv(
    CurrentUser(me): CurrentUser,
    Query(query): Query<ImportQuery>,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<impl IntoResponse, Error> {
    lead_only(&me)?;
    let bytes = body(bytes)?;
    let text = tokio::task::spawn_blocking(move || {
        let (_, _, cleaned) = run(&bytes, &query)?;
        errors_csv_text(&cleaned.errors)
    })
    .await
    .map_err(|e| Error::Internal(format!("the import task failed: {e}")))??;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"import-errors.csv\"",
            ),
        ],
        text,
    ))
}
