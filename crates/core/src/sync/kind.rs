//! The kinds of record the app syncs (DOMAIN.md), and what kind of merging each gets.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Every kind of record. Mutable entities carry per-field stamps; events are written once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    // Mutable entities.
    /// 客户档案: a customer of the store.
    Customer,
    /// A customer's car (model, plate, VIN).
    Vehicle,
    /// A service visit imported from the DMS (work order, items, advisor).
    ServiceVisit,
    /// 回访任务: a callback an agent has to make.
    CallbackTask,
    /// 回访话术: a call script (supervisors edit; every callback keeps the version it used).
    CallScript,
    /// 投诉: a complaint, handled as a closed loop.
    Complaint,
    /// 潜在客户: a sales lead.
    Lead,
    /// 试驾: a booked test drive.
    TestDrive,
    /// 预约: a service appointment.
    Appointment,
    // Append-only events.
    /// One attempt to reach a customer (reached or not, and why).
    CallAttempt,
    /// 回访记录表: the completed callback form.
    CallbackRecord,
    /// One timestamped step of a complaint's handling.
    ComplaintStep,
    /// One follow-up contact or note on a lead.
    LeadActivity,
    /// A customer's signature (the image itself is a blob referenced by hash).
    Signature,
    /// Who did what, for supervisors and managers.
    AuditEntry,
    /// A published version of a call script: its graph as published, never edited.
    ScriptVersion,
}

/// The part of the dealership a kind of record belongs to; it decides who sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Area {
    /// Customer care: customers, callbacks, scripts, complaints.
    Care,
    /// Sales: leads, test drives.
    Sales,
    /// The audit trail.
    Audit,
}

impl RecordKind {
    /// Every kind, entities first.
    pub const ALL: [RecordKind; 16] = [
        RecordKind::Customer,
        RecordKind::Vehicle,
        RecordKind::ServiceVisit,
        RecordKind::CallbackTask,
        RecordKind::CallScript,
        RecordKind::Complaint,
        RecordKind::Lead,
        RecordKind::TestDrive,
        RecordKind::Appointment,
        RecordKind::CallAttempt,
        RecordKind::CallbackRecord,
        RecordKind::ComplaintStep,
        RecordKind::LeadActivity,
        RecordKind::Signature,
        RecordKind::AuditEntry,
        RecordKind::ScriptVersion,
    ];

    /// Append-only: written once, never edited, so concurrent writers never conflict.
    pub fn is_event(self) -> bool {
        matches!(
            self,
            RecordKind::CallAttempt
                | RecordKind::CallbackRecord
                | RecordKind::ComplaintStep
                | RecordKind::LeadActivity
                | RecordKind::Signature
                | RecordKind::AuditEntry
                | RecordKind::ScriptVersion
        )
    }

    /// Concurrent edits of one field by different people are kept as a visible conflict
    /// rather than settled silently by the later stamp: complaints and leads (DESIGN.md), and
    /// customers, whose notes and contact details several agents type by hand — one agent's
    /// note must never vanish under another's without a trace — and script drafts, which two
    /// supervisors may rework at once.
    pub fn keeps_conflicts(self) -> bool {
        matches!(
            self,
            RecordKind::Customer
                | RecordKind::Complaint
                | RecordKind::Lead
                | RecordKind::CallScript
        )
    }

    pub fn area(self) -> Area {
        match self {
            RecordKind::Lead | RecordKind::TestDrive | RecordKind::LeadActivity => Area::Sales,
            RecordKind::AuditEntry => Area::Audit,
            _ => Area::Care,
        }
    }

    /// The stable name used in the database and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Customer => "customer",
            RecordKind::Vehicle => "vehicle",
            RecordKind::ServiceVisit => "service_visit",
            RecordKind::CallbackTask => "callback_task",
            RecordKind::CallScript => "call_script",
            RecordKind::Complaint => "complaint",
            RecordKind::Lead => "lead",
            RecordKind::TestDrive => "test_drive",
            RecordKind::Appointment => "appointment",
            RecordKind::CallAttempt => "call_attempt",
            RecordKind::CallbackRecord => "callback_record",
            RecordKind::ComplaintStep => "complaint_step",
            RecordKind::LeadActivity => "lead_activity",
            RecordKind::Signature => "signature",
            RecordKind::AuditEntry => "audit_entry",
            RecordKind::ScriptVersion => "script_version",
        }
    }
}

impl fmt::Display for RecordKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_serde() {
        for kind in RecordKind::ALL {
            let json = serde_json::to_string(&kind).expect("kind serialises");
            assert_eq!(json, format!("\"{kind}\""));
        }
        assert_eq!(RecordKind::ALL.iter().filter(|k| k.is_event()).count(), 7);
    }
}
