//! What `POST /api/import/preview`, `/api/import/commit` and `GET /api/import/jobs/<id>`
//! answer: shared by the server that builds it and the supervisor's import page that shows it.

use super::columns::Column;
use serde::{Deserialize, Serialize};

/// What the preview answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Preview {
    pub format: String,
    pub encoding: String,
    pub headers: Vec<String>,
    /// The column each header feeds (`null`: not imported).
    pub mapping: Vec<Option<Column>>,
    /// Columns no header feeds, for the mapping screen.
    pub unmapped: Vec<Column>,
    pub rows_total: usize,
    pub rows_clean: usize,
    /// Customers the clean rows make (rows sharing a phone or VIN are one customer).
    pub customers: usize,
    pub preview: Vec<PreviewRow>,
    /// The first problems (at most the server's `PREVIEW_ERRORS`), in file order; the
    /// errors CSV has them all.
    pub errors: Vec<PreviewError>,
    /// Every problem, shown or not.
    #[serde(default)]
    pub errors_total: usize,
}

/// A clean row as the preview shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PreviewRow {
    pub line: usize,
    pub name: String,
    pub mobile: Option<String>,
    pub plate: Option<String>,
    pub vin: Option<String>,
    pub visit_date: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PreviewError {
    pub line: usize,
    pub column: Option<Column>,
    pub value: String,
    pub problem: String,
    pub detail: String,
}

/// Where an import job is. A job is queued while another import of the same store runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum JobPhase {
    Queued,
    /// Writing customers, cars and visits (`done` counts the rows).
    Writing,
    /// Creating the callback tasks the store's rules make due.
    Tasks,
    Done,
    Failed,
}

impl JobPhase {
    /// Done or failed: the job will not change again.
    pub fn is_finished(self) -> bool {
        matches!(self, JobPhase::Done | JobPhase::Failed)
    }
}

/// What `POST /api/import/commit` answers at once (202) and `GET /api/import/jobs/<id>`
/// answers until the job is finished.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportJob {
    pub id: String,
    pub phase: JobPhase,
    /// Clean rows written so far.
    pub done: usize,
    /// Clean rows to write.
    pub total: usize,
    /// Rows of the file left out for a problem (the preview lists them).
    pub skipped: usize,
    /// What the import did so far: final once the phase is `done`.
    pub summary: Summary,
    /// Why the job failed (phase `failed`).
    pub error: Option<String>,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Summary {
    pub customers_created: usize,
    pub customers_updated: usize,
    pub vehicles_created: usize,
    pub vehicles_updated: usize,
    pub visits_created: usize,
    /// Fields the import left alone because an agent had written them.
    pub fields_kept: usize,
    /// Callback tasks the store's rules made due (post-service, reminders, renewals…).
    #[serde(default)]
    pub tasks_created: usize,
    /// Booked (or no-show) appointments the export's visits show the customer came to.
    #[serde(default)]
    pub appointments_arrived: usize,
    /// Changes the engine refused (with reasons in `refusals`).
    pub refused: usize,
    pub refusals: Vec<String>,
}
