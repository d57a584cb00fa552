//! The JSON the app and the server exchange to sync: `POST /api/sync/push` and
//! `GET /api/sync/pull`. Every answer carries the server's time, from which the app corrects
//! its clock (`ClockOffset`).

use super::ids::{ClientId, MutationId, RecordId};
use super::mutation::Mutation;
use super::record::Record;
use serde::{Deserialize, Serialize};

/// The most changes one pull page may hold.
pub const MAX_PULL_LIMIT: u32 = 1_000;

/// The most mutations one push may carry on a server with the default settings
/// (`ServerConfig::max_push`). A device pushes a step whole, so no step may hold more
/// (`Replica::write_all` refuses a bigger one): every step fits in one push.
pub const MAX_PUSH: usize = 1_000;

/// A batch of the device's outbox, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushRequest {
    /// `SCHEMA_VERSION` of the app; a server that cannot serve it answers `update_required`.
    pub schema_version: u32,
    pub client_id: ClientId,
    pub mutations: Vec<Mutation>,
}

/// One result per pushed mutation, in the order pushed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushResponse {
    pub results: Vec<MutationResult>,
    pub server_time_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MutationResult {
    pub mutation_id: MutationId,
    pub outcome: Outcome,
}

/// What the server did with one mutation. Final: the same mutation pushed again gets
/// `Duplicate` (if it was applied) or the same rejection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Applied; the record's feed position is now `version` (or was already, when the
    /// mutation changed nothing).
    Applied { version: u64 },
    /// Applied before (this is a replay), or the same event was already there; `version` is
    /// the record's feed position at that time.
    Duplicate { version: u64 },
    /// Refused; the device keeps it in its "needs attention" list with the reason.
    Rejected { code: RejectCode, reason: String },
}

impl Outcome {
    /// What a replay of a mutation with this stored outcome answers: an applied change is a
    /// duplicate at the same version, a refusal stays the same refusal. The engine and any
    /// store that meets a concurrent replay use this one rule.
    pub fn replayed(self) -> Outcome {
        match self {
            Outcome::Applied { version } | Outcome::Duplicate { version } => {
                Outcome::Duplicate { version }
            }
            rejected @ Outcome::Rejected { .. } => rejected,
        }
    }

    /// The feed version the mutation's effect is in, unless it was rejected.
    pub fn version(&self) -> Option<u64> {
        match self {
            Outcome::Applied { version } | Outcome::Duplicate { version } => Some(*version),
            Outcome::Rejected { .. } => None,
        }
    }
}

/// Why a mutation was rejected; the app shows each in the user's language, with `reason`
/// as the detail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RejectCode {
    /// The user's role or scope does not allow it.
    Forbidden,
    /// No such record, or not one the user can see.
    NotFound,
    /// The record id is taken by different content.
    AlreadyExists,
    /// The record was deleted.
    Deleted,
    /// The state machine does not allow this move (or a reason is missing).
    IllegalTransition,
    /// Someone moved the status first: `from` is no longer the current state.
    StaleTransition,
    /// The device's clock was too far ahead of the server's.
    ClockAhead,
    /// The mutation is malformed: wrong op for the kind, a status set directly, bad ids.
    Invalid,
    /// An earlier mutation of the same step (`Mutation::step`) was refused, so this one was
    /// not applied either; the reason names the refused change.
    StepRefused,
}

/// `GET /api/sync/pull?cursor=..&limit=..`: changes after `cursor`, oldest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullRequest {
    /// The `next_cursor` of the last page applied (0 on a new device).
    pub cursor: u64,
    pub limit: u32,
}

/// One page of the change feed, filtered to what the user may see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PullResponse {
    /// The cursor this page starts after (the request's); a device ignores a page that does
    /// not start at its own cursor (a late or repeated answer).
    pub cursor: u64,
    /// In feed order. A record appears once, as its current snapshot.
    pub changes: Vec<Change>,
    /// Where the next page starts: pass it as the next request's `cursor`.
    pub next_cursor: u64,
    pub has_more: bool,
    pub server_time_ms: i64,
}

/// One record that changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// The record's full current snapshot (entity with fields, tombstone and conflicts, or
    /// event).
    Record { record: Record },
    /// The record left the user's scope (its ownership moved away): drop it from the device.
    Removed { record_id: RecordId, version: u64 },
}

impl Change {
    pub fn record_id(&self) -> RecordId {
        match self {
            Change::Record { record } => record.id(),
            Change::Removed { record_id, .. } => *record_id,
        }
    }

    pub fn version(&self) -> u64 {
        match self {
            Change::Record { record } => record.version(),
            Change::Removed { version, .. } => *version,
        }
    }
}
