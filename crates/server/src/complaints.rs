//! The complaint classification statistics table (顾客投诉分类统计表) as a file to download.
//!
//! `GET /api/complaints/stats?from=YYYY-MM-DD&to=YYYY-MM-DD&format=csv|xlsx&lang=zh|en`:
//! the table for the complaints the caller's store received from `from` to `to` (both
//! included, days in the store's time zone), computed by the core's
//! [`huifang_core::care::complaints::stats::stats`] over the store's complaint records, with
//! the server's complaint rules (`--complaint-rules`), as of now. `format` defaults to `csv`,
//! `lang` to `zh`. Answered as an attachment named `complaints-FROM-TO.csv` / `.xlsx`:
//! - CSV: the core's [`Stats::to_csv`] (UTF-8 with a byte-order mark, for Excel);
//! - XLSX: one sheet with the same rows as [`Stats::rows`], the figures as numbers where they
//!   are numbers, a bold header, widths to fit.
//!
//! Only the roles that lead care work read it (care supervisor, store manager, group
//! manager): the store's complaints are theirs to analyse. A group manager gets their own
//! store's table. A malformed or missing date, `from` after `to`, a period over
//! [`MAX_PERIOD_DAYS`] days, an unknown format or language: 400 with the reason.
//!
//! It also holds what every export shares (the callback summary of [`crate::reports`] uses
//! them): the query's parts ([`parse_period`], [`parse_format`], [`parse_lang`]), the records
//! of stores by kind ([`store_records`]), the rows-to-sheet writer ([`rows_to_xlsx`]) and the
//! attachment answer ([`attachment`]).

use crate::auth::CurrentUser;
use crate::db::now_ms;
use crate::error::Error;
use crate::state::AppState;
use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use huifang_core::StoreId;
use huifang_core::care::complaints::ComplaintRules;
use huifang_core::care::complaints::stats::{Row, Stats, stats};
use huifang_core::care::dates::Day;
use huifang_core::care::kpi::Period;
use huifang_core::sync::{Record, RecordKind, StoredRecord};
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use serde::Deserialize;

/// The store's time zone, minutes east of UTC (China; as the rest of the server counts days).
pub(crate) const STORE_UTC_OFFSET_MINUTES: i32 = 8 * 60;

/// The longest period one export covers, in days (a leap year).
pub const MAX_PERIOD_DAYS: i32 = 366;

pub fn router() -> Router<AppState> {
    Router::new().route("/complaints/stats", get(export_stats))
}

/// The query as sent; every part is checked by [`StatsRequest::parse`].
#[derive(Debug, Clone, Default, Deserialize)]
pub struct StatsQuery {
    pub from: Option<String>,
    pub to: Option<String>,
    pub format: Option<String>,
    pub lang: Option<String>,
}

/// The file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

impl ExportFormat {
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Xlsx => "xlsx",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Csv => "text/csv; charset=utf-8",
            ExportFormat::Xlsx => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        }
    }
}

/// A checked export request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatsRequest {
    pub period: Period,
    pub format: ExportFormat,
    /// Chinese labels (`lang=zh`), else English.
    pub zh: bool,
}

/// Why an export request is refused (answered 400 with this text).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatsQueryError {
    #[error("the query is malformed: {0}")]
    Malformed(String),
    #[error("`{0}` is missing: give the period as from=YYYY-MM-DD&to=YYYY-MM-DD")]
    MissingDate(&'static str),
    #[error("`{field}` is {value:?}, not a day written YYYY-MM-DD (e.g. 2026-11-01)")]
    BadDate { field: &'static str, value: String },
    #[error("the period starts ({from}) after it ends ({to})")]
    Reversed { from: Day, to: Day },
    #[error("the period covers {days} days; one export covers at most {MAX_PERIOD_DAYS}")]
    TooLong { days: i32 },
    #[error("format {0:?} is unknown: csv or xlsx")]
    UnknownFormat(String),
    #[error("lang {0:?} is unknown: zh or en")]
    UnknownLang(String),
}

impl From<StatsQueryError> for Error {
    fn from(e: StatsQueryError) -> Self {
        Error::BadRequest(e.to_string())
    }
}

/// A day written exactly `YYYY-MM-DD`, and one of the calendar.
pub fn parse_day(field: &'static str, value: &str) -> Result<Day, StatsQueryError> {
    let bad = || StatsQueryError::BadDate {
        field,
        value: value.to_owned(),
    };
    let bytes = value.as_bytes();
    let shaped = bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        });
    if !shaped {
        return Err(bad());
    }
    let number = |range: std::ops::Range<usize>| value[range].parse::<u32>().map_err(|_| bad());
    let year = i32::try_from(number(0..4)?).map_err(|_| bad())?;
    Day::from_ymd(year, number(5..7)?, number(8..10)?).ok_or_else(bad)
}

/// The period `from`–`to` (both included): both given, in order, at most
/// [`MAX_PERIOD_DAYS`] days.
pub fn parse_period(from: Option<&str>, to: Option<&str>) -> Result<Period, StatsQueryError> {
    let day = |field: &'static str, value: Option<&str>| match value.map(str::trim) {
        None | Some("") => Err(StatsQueryError::MissingDate(field)),
        Some(v) => parse_day(field, v),
    };
    let from = day("from", from)?;
    let to = day("to", to)?;
    if from > to {
        return Err(StatsQueryError::Reversed { from, to });
    }
    let days = to.0 - from.0 + 1;
    if days > MAX_PERIOD_DAYS {
        return Err(StatsQueryError::TooLong { days });
    }
    Ok(Period { from, to })
}

/// `format`: `csv` (the default) or `xlsx`.
pub fn parse_format(format: Option<&str>) -> Result<ExportFormat, StatsQueryError> {
    match format.map(str::trim) {
        None | Some("") | Some("csv") => Ok(ExportFormat::Csv),
        Some("xlsx") => Ok(ExportFormat::Xlsx),
        Some(other) => Err(StatsQueryError::UnknownFormat(other.to_owned())),
    }
}

/// `lang`: Chinese (`zh`, the default) or English (`en`); whether Chinese.
pub fn parse_lang(lang: Option<&str>) -> Result<bool, StatsQueryError> {
    match lang.map(str::trim) {
        None | Some("") | Some("zh") | Some("zh-CN") => Ok(true),
        Some("en") => Ok(false),
        Some(other) => Err(StatsQueryError::UnknownLang(other.to_owned())),
    }
}

impl StatsRequest {
    pub fn parse(query: &StatsQuery) -> Result<StatsRequest, StatsQueryError> {
        Ok(StatsRequest {
            period: parse_period(query.from.as_deref(), query.to.as_deref())?,
            format: parse_format(query.format.as_deref())?,
            zh: parse_lang(query.lang.as_deref())?,
        })
    }

    /// `complaints-2026-11-01-2026-11-30.xlsx`.
    pub fn file_name(&self) -> String {
        format!(
            "complaints-{}-{}.{}",
            self.period.from,
            self.period.to,
            self.format.extension()
        )
    }
}

async fn export_stats(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    query: Result<Query<StatsQuery>, QueryRejection>,
) -> Result<Response, Error> {
    crate::reports::may_export(
        &me,
        &[huifang_core::sync::RecordKind::Complaint],
        huifang_core::access::Reach::Store,
        "export the complaint statistics",
    )?;
    let Query(query) =
        query.map_err(|rejection| StatsQueryError::Malformed(rejection.body_text()))?;
    let request = StatsRequest::parse(&query)?;
    let records = store_records(
        &state,
        std::slice::from_ref(&me.store_id),
        &[RecordKind::Complaint],
    )
    .await?;
    let table = store_stats(&records, request.period, &state.complaint_rules, now_ms());
    let body = match request.format {
        ExportFormat::Csv => table.to_csv(request.zh).into_bytes(),
        ExportFormat::Xlsx => {
            rows_to_xlsx(sheet_name(request.zh), &table.rows(request.zh), request.zh)
                .map_err(|e| Error::Internal(format!("writing the complaint statistics: {e}")))?
        }
    };
    crate::audit::record(
        &state.db,
        &me,
        crate::audit::Action::ExportComplaintStats,
        &format!(
            "{} – {}, {} complaints, {}",
            request.period.from,
            request.period.to,
            table.total,
            request.format.extension()
        ),
    )
    .await?;
    tracing::info!(
        user = %me.username,
        from = %request.period.from,
        to = %request.period.to,
        complaints = table.total,
        format = request.format.extension(),
        "complaint statistics exported"
    );
    Ok(attachment(request.format, &request.file_name(), body))
}

/// The complaint statistics sheet's name.
fn sheet_name(zh: bool) -> &'static str {
    if zh {
        "顾客投诉分类统计表"
    } else {
        "Complaint statistics"
    }
}

/// A file to download: its type, `Content-Disposition: attachment` with `file_name` (an
/// ASCII fallback, and the name itself as RFC 5987 `filename*` when it is not plain ASCII),
/// never cached.
pub fn attachment(format: ExportFormat, file_name: &str, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, format.content_type().to_owned()),
            (header::CONTENT_DISPOSITION, content_disposition(file_name)),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response()
}

/// `attachment; filename="…"`, plus `filename*=UTF-8''…` (percent-encoded) when the name
/// holds more than the characters every browser reads in a quoted `filename`.
pub fn content_disposition(file_name: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    let fallback: String = file_name
        .chars()
        .map(|c| if safe(c) { c } else { '_' })
        .collect();
    if fallback == file_name {
        return format!("attachment; filename=\"{file_name}\"");
    }
    let mut encoded = String::new();
    for byte in file_name.bytes() {
        if safe(char::from(byte)) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

/// The table over `records` for `period`, days counted in the store's time zone.
pub fn store_stats(
    records: &[Record],
    period: Period,
    rules: &ComplaintRules,
    now_ms: i64,
) -> Stats {
    stats(records, period, STORE_UTC_OFFSET_MINUTES, rules, now_ms)
}

/// The records of `kinds` of the `stores` as the server holds them now (deleted ones included:
/// the core leaves them out), in one query by store and kind, not through the whole feed; in
/// the feed's order (by version), the order a device that pulled them holds them in, so a
/// figure's records are listed as its own report lists them.
pub async fn store_records(
    state: &AppState,
    stores: &[StoreId],
    kinds: &[RecordKind],
) -> Result<Vec<Record>, Error> {
    if stores.is_empty() || kinds.is_empty() {
        return Ok(Vec::new());
    }
    let list = |from: usize, n: usize| {
        (from..from + n)
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let sql = format!(
        "SELECT body FROM sync_records WHERE store_id IN ({}) AND kind IN ({}) ORDER BY version",
        list(1, stores.len()),
        list(stores.len() + 1, kinds.len())
    );
    let mut query = sqlx::query_scalar::<_, String>(&sql);
    for store in stores {
        query = query.bind(store.0.as_str());
    }
    for kind in kinds {
        query = query.bind(kind.as_str());
    }
    let bodies = query.fetch_all(&state.db.pool).await?;
    bodies
        .iter()
        .map(|body| {
            serde_json::from_str::<StoredRecord>(body)
                .map(|stored| stored.record)
                .map_err(|e| Error::Internal(format!("a stored record does not read: {e}")))
        })
        .collect()
}

/// A figure as a spreadsheet number, when it is one: a count (`12`) or hours with a decimal
/// (`3.5`). Ratios (`2/3`) and blanks stay text.
pub fn figure(value: &str) -> Option<f64> {
    let numeric = !value.is_empty()
        && value.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && value.bytes().filter(|b| *b == b'.').count() <= 1;
    numeric
        .then(|| value.parse::<f64>().ok())
        .flatten()
        .filter(|n| n.is_finite())
}

/// How wide a column must be for `text`, in Excel's character units (a Chinese character
/// takes two).
fn text_width(text: &str) -> f64 {
    let units: usize = text.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum();
    units as f64
}

/// Rows (the core's [`Row`]s: the complaint statistics, the callback summary) as an `.xlsx`
/// workbook of one sheet named `sheet_name`: a bold header, the figures as numbers where
/// they are numbers, widths to fit, the header frozen.
pub fn rows_to_xlsx(sheet_name: &str, rows: &[Row], zh: bool) -> Result<Vec<u8>, XlsxError> {
    let header = if zh {
        ["分组", "项目", "数值"]
    } else {
        ["Section", "Item", "Figure"]
    };
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let whole = Format::new().set_num_format("0");
    let hours = Format::new().set_num_format("0.0");
    let sheet = workbook.add_worksheet();
    sheet.set_name(sheet_name)?;
    let mut widths = header.map(text_width);
    for (col, title) in (0u16..).zip(header) {
        sheet.write_string_with_format(0, col, title, &bold)?;
    }
    for (r, row) in (1u32..).zip(rows) {
        sheet.write_string(r, 0, row.section)?;
        sheet.write_string(r, 1, &row.item)?;
        match figure(&row.value) {
            Some(n) if row.value.contains('.') => {
                sheet.write_number_with_format(r, 2, n, &hours)?;
            }
            Some(n) => {
                sheet.write_number_with_format(r, 2, n, &whole)?;
            }
            None if row.value.is_empty() => {}
            None => {
                sheet.write_string(r, 2, &row.value)?;
            }
        }
        for (w, text) in widths
            .iter_mut()
            .zip([row.section, row.item.as_str(), row.value.as_str()])
        {
            *w = w.max(text_width(text));
        }
    }
    for (col, w) in (0u16..).zip(widths) {
        sheet.set_column_width(col, (w + 2.0).min(60.0))?;
    }
    sheet.set_freeze_panes(1, 0)?;
    workbook.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(from: &str, to: &str, format: &str) -> StatsQuery {
        StatsQuery {
            from: Some(from.to_owned()),
            to: Some(to.to_owned()),
            format: Some(format.to_owned()),
            lang: None,
        }
    }

    #[test]
    fn a_period_is_read_strictly() {
        let ok = StatsRequest::parse(&query("2026-11-01", "2026-11-30", "xlsx")).expect("ok");
        assert_eq!(ok.period.from.to_string(), "2026-11-01");
        assert_eq!(ok.format, ExportFormat::Xlsx);
        assert!(ok.zh);
        assert_eq!(ok.file_name(), "complaints-2026-11-01-2026-11-30.xlsx");
        let leap = StatsRequest::parse(&query("2028-01-01", "2028-12-31", "csv"));
        assert!(leap.is_ok(), "a leap year is 366 days: {leap:?}");
        for (from, to, format, wanted) in [
            ("2026/11/01", "2026-11-30", "csv", "not a day"),
            ("2026-02-30", "2026-03-01", "csv", "not a day"),
            ("2026-11-1", "2026-11-30", "csv", "not a day"),
            ("", "2026-11-30", "csv", "missing"),
            ("2026-12-01", "2026-11-30", "csv", "after it ends"),
            ("2026-01-01", "2027-01-02", "csv", "at most 366"),
            ("2026-11-01", "2026-11-30", "pdf", "csv or xlsx"),
        ] {
            let err = StatsRequest::parse(&query(from, to, format)).expect_err(from);
            assert!(err.to_string().contains(wanted), "{from} {to}: {err}");
        }
    }

    #[test]
    fn a_file_name_beyond_ascii_is_also_sent_percent_encoded() {
        assert_eq!(
            content_disposition("complaints-2026-11-01-2026-11-30.csv"),
            "attachment; filename=\"complaints-2026-11-01-2026-11-30.csv\""
        );
        assert_eq!(
            content_disposition("callback-summary-春节 问候.csv"),
            "attachment; filename=\"callback-summary-_____.csv\"; \
             filename*=UTF-8''callback-summary-%E6%98%A5%E8%8A%82%20%E9%97%AE%E5%80%99.csv"
        );
    }

    #[test]
    fn figures_are_numbers_only_when_they_are() {
        assert_eq!(figure("12"), Some(12.0));
        assert_eq!(figure("3.5"), Some(3.5));
        assert_eq!(figure("2/3"), None);
        assert_eq!(figure(""), None);
        assert_eq!(figure("inf"), None);
        assert_eq!(figure("1.2.3"), None);
    }
}
