//! The one i18n layer: every string the user sees is a [`Key`] looked up in the current
//! [`Lang`]. zh-CN is the default; English second. Each language lives in its own file
//! (`zh_cn.rs`, `en.rs`) so a translator edits one file; the test at the bottom fails when a
//! key is missing in either.

mod en;
pub mod format;
mod zh_cn;

use crate::storage::local;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The app's current language, provided as context. Reading `t` inside a reactive closure
/// re-renders the text when the user switches language.
#[derive(Clone, Copy)]
pub struct I18n {
    lang: RwSignal<Lang>,
}

impl I18n {
    /// Provides the language remembered on the device (zh-CN when none or unreadable).
    pub fn provide() -> Self {
        let lang = match local::read::<Lang>(local::keys::LANG) {
            Ok(Some(lang)) => lang,
            Ok(None) => Lang::default(),
            Err(e) => {
                leptos::logging::warn!("language setting unreadable, using zh-CN: {e}");
                Lang::default()
            }
        };
        set_document_lang(lang);
        let this = I18n {
            lang: RwSignal::new(lang),
        };
        provide_context(this);
        this
    }

    pub fn use_context() -> Self {
        use_context::<I18n>().unwrap_or_else(I18n::provide)
    }

    pub fn lang(&self) -> Lang {
        self.lang.get()
    }

    pub fn t(&self, key: Key) -> &'static str {
        self.lang.get().t(key)
    }

    /// The text of `key` as a view that follows the language. Every call returns the same
    /// closure type, so the code that renders a translated text exists once in the download
    /// (a `move || i18n.t(key)` at each place is a new type each time, and costs kilobytes).
    pub fn text(self, key: Key) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
        move || self.t(key)
    }

    /// Switches the language and remembers it on the device.
    pub fn set_lang(&self, lang: Lang) {
        if let Err(e) = local::write(local::keys::LANG, &lang) {
            leptos::logging::warn!("could not remember the language: {e}");
        }
        set_document_lang(lang);
        self.lang.set(lang);
    }
}

fn set_document_lang(lang: Lang) {
    if let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
        && let Err(e) = root.set_attribute("lang", lang.tag())
    {
        leptos::logging::warn!("could not set <html lang>: {e:?}");
    }
}

/// A language the app speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Lang {
    #[default]
    #[serde(rename = "zh-CN")]
    ZhCn,
    #[serde(rename = "en")]
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::ZhCn, Lang::En];

    /// The BCP 47 tag, for `<html lang>`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The language's name in itself, for the switcher.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::ZhCn => "中文",
            Lang::En => "English",
        }
    }

    pub fn from_tag(tag: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|l| l.tag() == tag)
    }

    /// The text of `key` in this language. A missing translation (which the tests forbid)
    /// falls back to the other language, never to an empty label.
    pub fn t(self, key: Key) -> &'static str {
        self.lookup(key)
            .or_else(|| zh_cn::text(key))
            .or_else(|| en::text(key))
            .unwrap_or(key.name())
    }

    fn lookup(self, key: Key) -> Option<&'static str> {
        match self {
            Lang::ZhCn => zh_cn::text(key),
            Lang::En => en::text(key),
        }
    }
}

macro_rules! keys {
    ($($k:ident),+ $(,)?) => {
        /// Every user-visible text of the app.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Key { $($k),+ }

        impl Key {
            pub const ALL: &'static [Key] = &[$(Key::$k),+];

            /// The key's own name, used in tests and as a last-resort label.
            pub fn name(self) -> &'static str {
                match self { $(Key::$k => stringify!($k)),+ }
            }
        }
    };
}

keys! {
    AppName, AppTagline,
    SignInTitle, Username, Password, SignIn, SigningIn, SignOut, SignOutConfirmOffline,
    ErrUsernameRequired, ErrPasswordRequired, ErrInvalidCredentials, ErrUnauthenticated,
    ErrForbidden, ErrNotFound, ErrBadRequest, ErrPayloadTooLarge, ErrUpdateRequired,
    ErrUnavailable, ErrInternal, ErrOffline, ErrUnexpected, ErrSignInNeedsNetwork,
    Online, Offline, SyncNotYet, SyncLabel, SignedInAs, StoreLabel, Language,
    NavToday, NavCustomers, NavComplaints, NavLeads, NavTestDrives, NavImport, NavAssignments,
    NavScripts, NavReports, NavTeam, NavSettings, MainNavigation,
    PlannedHeading, PlannedToday, PlannedCustomers, PlannedComplaints, PlannedLeads,
    PlannedTestDrives, PlannedImport, PlannedAssignments, PlannedScripts, PlannedReports,
    PlannedTeam,
    RoleCareAgent, RoleCareSupervisor, RoleSalesAdvisor, RoleSalesManager, RoleStoreManager,
    RoleGroupManager,
    UpdateAvailable, UpdateNow, UpdateBlockedUnsaved, UpdateLater, UpdateApplying,
    NotFoundTitle, NotFoundBody, NoAccessTitle, NoAccessBody, BackHome,
    SettingsTitle, SettingsLanguageHint, SettingsVersion, SettingsVersionUnknown,
    SettingsAccount, SessionExpired,
    ErrStorageFull, ErrInvalidChange, ErrDeviceStorage, ErrSyncTimeout, SyncOpening, SyncSyncing, SyncUpToDate, SyncPending, SyncOldest, SyncLast, SyncFailed, SyncRetryAt, SyncNeedsAttention, SyncConflicts, SyncNow, SyncPageTitle, SyncLeaderThis, SyncLeaderOther, SyncPendingHeading, SyncPendingEmpty, SyncAcked, AttentionHeading, AttentionEmpty, AttentionIntro, AttentionReason, AttentionRetry, AttentionDismiss, AttentionDismissConfirm, RejectForbidden, RejectNotFound, RejectAlreadyExists, RejectDeleted, RejectIllegalTransition, RejectStaleTransition, RejectClockAhead, RejectInvalid, ConflictsTitle, ConflictsIntro, ConflictsEmpty, ConflictKeep, ConflictCombine, ConflictCombineSave, ConflictShown, ConflictResolved, CustomersEmpty, CustomerNew, CustomerName, CustomerPhone, CustomerNote, CustomerSave, CustomerSaved, CustomerNotFound, CustomerConflict, CustomerBack, ErrNameRequired, ErrBadPhone, AttemptsHeading, AttemptsEmpty, AttemptLog, AttemptOutcome, OutcomeReached, OutcomeNoAnswer, OutcomeBusy, OutcomeWrongNumber, OutcomeSwitchedOff, OutcomeNotConvenient, OutcomeRefused, SettingsStorage, StorageUsage, StorageOf, StoragePersisted, StorageNotPersisted, StoragePersistAsk, StoragePersistRefused, StorageUnknown, KindCustomer, KindVehicle, KindServiceVisit, KindCallbackTask, KindCallScript, KindComplaint, KindLead, KindTestDrive, KindAppointment, KindCallAttempt, KindCallbackRecord, KindComplaintStep, KindLeadActivity, KindSignature, KindAuditEntry,
    ImportTitle, ImportIntro, ImportChooseFile, ImportNeedsNetwork, ImportReading, ImportCommitting, ImportRows, ImportClean, ImportCustomers, ImportErrors, ImportEncoding, ImportMapping, ImportMappingHint, ImportSkip, ImportPreview, ImportErrorList, ImportDownloadErrors, ImportConfirm, ImportDone, ImportCreated, ImportUpdated, ImportKept, ImportVisits, ImportVehicles, ImportLine, ImportColumn, ImportValue, ImportProblem, ProblemNoNameNoPhone, ProblemBadPhone, ProblemBadPlate, ProblemBadVin, ProblemBadDate, ProblemBadNumber, ColName, ColMobile, ColPlate, ColVin, ColModel, ColPurchaseDate, ColVisitDate, ColWorkOrder, ColServiceItems, ColServiceAdvisor, ColMileage, ColMemberLevel, ColMemberExpiry, ColInsuranceExpiry, ColTags, ImportTasks,
    TodayEmpty, TodaySearch, TodayQuietNow, TodayCall, TodayAllPurposes, PurposePostService, PurposePostDelivery, PurposeMaintenanceReminder, PurposeInsuranceRenewal, PurposeMembershipRenewal, PurposeRecovery, PurposeCampaign, PurposeNoShow,
    AssignIntro, AssignUnassigned, AssignInclude, AssignCapacity, AssignHolding, AssignRun, AssignDone, AssignNoAgents, AssignLoading,
    CallBack, CallMissing, CallLastVisit, CallCompleted, CallClosed, CallNext, CallQuietReasonShort, ErrQuietReason, ErrOutcomeRequired, ErrAgreedTime, ErrAgreedPast, CallRetryAt, CallMovedTo, CallGaveUp, CallBlocked, CallQuietReason, CallSms, CallLogOutcome, CallStarted, CallLength, CallAgreedTime, CallSaveOutcome, LapsePrice, LapseDistance, LapseUnhappy, LapseCarSold, LapseOtherWorkshop, LapseLittleUse, LapseOther, SatVery, SatYes, SatNeutral, SatNo, SatVeryNo, ActionNothing, ActionAppointment, ActionComplaint, ErrSatisfaction, ErrNextAction, ErrLapseReason, ErrComplaintAction, ErrBookingPast, ErrBooking, RecordTitle, RecordSatisfaction, RecordSuggestions, RecordComplaint, RecordLapseReason, RecordNextAction, BookingDay, BookingSlot, BookingAdvisor, RecordNotes, RecordSave,
    TodayAgreed, TodayRetry, TodayContactBy,
    LoyaltyLoyal, LoyaltyRegular, LoyaltyLapsing, LoyaltyLost, StatusOpen, StatusInProgress, StatusRescheduled, StatusCompleted, StatusFailed, StatusBooked, StatusArrived, StatusNoShow, StatusCancelled, CustomerLoyalty, CustomerMember, CustomerInsurance, CustomerTags, CustomerVehicles, CustomerVisits, CustomerTasks, CustomerRecords, NavAppointments, CustomerPreferences, CustomerQuietHours, ErrQuietWindow, ErrDncReason, CustomerDnc, CustomerDncReason, CustomerDncAdd, CustomerDncRemove,
    ApptArrived, ApptNoShow, ApptDay, ApptUnsettled, ApptEmpty,
    SpanToday, SpanWeek, SpanMonth, TeamTitle, KpiCoverage, KpiCoverageDef, KpiThreeDay, KpiThreeDayDef, KpiContact, KpiContactDef, KpiUncovered, TeamByAgent, TeamAgent, TeamDoneToday, TeamOpen, TeamAtRisk, TeamOverdue,
    AssignAway, AssignBadCapacity, AssignTakenBack,
    CampaignHoliday, CampaignAnniversary, CampaignPromotion, CampaignTitle, CampaignIntro, CampaignName, CampaignKindLabel, CampaignDue, CampaignMembersOnly, CampaignModel, CampaignMatched, CampaignSkipped, CampaignCreated, CampaignPreviewButton, CampaignLaunch, ErrCampaignName,
    ErrCampaignDue,
    ReassignNobody, ReassignHolder, ReassignTo, ReassignRun, ReassignDone, ErrReassignChoose,
    KindScriptVersion,
    ScriptDncReason, ScriptTitle, ScriptNext, ScriptDone, ScriptOpenComplaint, ScriptComplaintOpened, ScriptBack, ScriptReminders, ScriptBadValue, ScriptStepFailed,
    ScrIntro, ScrPurpose, ScrLang, ScrPublished, ScrUnpublishedChanges, ScrNone, ScrEdit, ScrBackToList, ScrLangZh, ScrLangEn, ScrSave, ScrSaved, ScrDiscard, ScrPublish, ScrPublishedAs, ScrUnsaved, ScrLeaveConfirm, ScrProblemsCount, ScrNoProblems, ScrDraftConflict, ScrDraftUnreadable, ScrStart, ScrMakeStart, ScrNodeId, ScrNodeType, ScrNodeText, ScrNodeDelete, ScrPlaceholders, ScrTypeQuestion, ScrTypeCapture, ScrTypeDecision, ScrTypeAction, ScrTypeEnd, ScrAnswers, ScrAnswerLabel, ScrAnswerTag, ScrNext, ScrAddAnswer, ScrRemove, ScrChoose, ScrMissing, ScrTagNone, ScrTagSatisfied, ScrTagNeutral, ScrTagUnsatisfied, ScrTagYes, ScrTagNo, ScrTagNotConvenient, ScrTagWrongPerson, ScrFields, ScrFieldKey, ScrFieldLabel, ScrFieldKind, ScrFieldChoices, ScrAddField, ScrKindNone, ScrKindText, ScrKindNumber, ScrKindDate, ScrKindDateTime, ScrKindRating, ScrKindChoice, ScrDecisionField, ScrBranches, ScrCompare, ScrValue, ScrAddBranch, ScrOtherwise, ScrCmpEquals, ScrCmpBelow, ScrCmpAtLeast, ScrCmpContains, ScrActionKind, ScrActReschedule, ScrActComplaint, ScrActDnc, ScrOutcome, ScrEndCompleted, ScrEndRescheduled, ScrEndRefused, ScrEndWrongPerson, ScrAddNode, ScrReminders, ScrProbNoStart, ScrProbUnknownNext, ScrProbUnreachable, ScrProbCycle, ScrProbNoAnswers, ScrProbPlaceholder, ScrProbBrace, ScrProbUntyped, ScrProbUncaptured, ScrProbEmptyText, ScrErrIdEmpty, ScrErrIdTaken, ScrErrIdInvalid, ScrErrNoNode, ScrErrNoItem, ScrErrWrongType, ScrErrEncode, ScrPreview, ScrPreviewHint, ScrPreviewStart, ScrPreviewRestart, ScrPreviewBack, ScrPreviewContinue, ScrPreviewConfirm, ScrPreviewEnded, ScrPreviewPath, ScrRunNoNode, ScrRunBadValue, ScrRunLoop, ScrRunWrongStep, ScrVersions, ScrVersionsEmpty, ScrCompareFrom, ScrCompareTo, ScrDraft, ScrDiffNone, ScrDiffAdded, ScrDiffRemoved, ScrDiffChanged, ScrDiffReminders, ScrDiffAnswerAdded, ScrDiffAnswerRemoved, ScrVersionUnreadable,
    ImportQueued, ImportWriting, ImportMakingTasks, ImportWritten, ImportRowsUnit, ImportFailed, ImportJobLost, ImportErrorsMore, ImportDownloadAllErrors,
    ScrNothingToPublish,
    ScrProbNoNext,
    CustomerEmail, ErrBadEmail, CallEmail,
    PurposeComplaintFollowUp, CmpNew, CmpOverdue, CmpOpen, CmpClosedList, CmpEmpty, CmpDueLeft, CmpDueOver, CmpStats, CmpSeverity, CmpCategory, CmpStatus, CmpMine, CmpFormTitle, CmpComplainant, CmpPhone, CmpChannel, CmpReceivedAt, CmpVehicle, CmpWorkOrder, CmpContent, CmpDemand, CmpCustomerLinked, CmpSave, CmpSaved, CmpChoose, CmpErrMissing, CmpErrPhone, CmpErrSolution, CmpErrAcceptance, CmpErrWrongStep, CmpErrNeedsLead, CmpErrRefused, CmpTimeline, CmpDeadline, CmpDeadlineMet, CmpDeadlineMissed, CmpJudge, CmpJustified, CmpNotJustified, CmpJudgement, CmpDepartment, CmpJudgeSave, CmpInvestigate, CmpCause, CmpResponsible, CmpSolutions, CmpPropose, CmpApprove, CmpSendBack, CmpSendBackReason, CmpImplement, CmpActions, CmpMeasures, CmpNotified, CmpFeedback, CmpSignHere, CmpClearSig, CmpAcceptText, CmpRefused, CmpRefusalReason, CmpImplementSave, CmpReview, CmpReviewText, CmpImprovements, CmpClose, CmpReopen, CmpReopenReason, CmpPhotos, CmpAddPhoto, CmpPhotoTooLarge, CmpPhotoBad, CmpConfirmation, CmpPrint, CmpSignedAt, CmpApprovedSolution, CmpConflict, CmpFollowUpTask, CmpEdit, CmpNotFound, CmpFrom, CmpTo, CmpExportCsv, CmpExportXlsx, CmpExportOnline, CmpStatsHint, CmpOpenFile, CmpRegisteredBy, CmpRefusalShown, CmpStore,
    RejectStepRefused,
    DriveBook, DriveBooked, DriveCancel, DriveCar, DriveDay, DriveDone, DriveErrLicence, DriveErrPast, DriveErrSlotTaken, DriveLicenceChecked, DriveMine, DriveMineEmpty, DriveNoFleet, DriveNoShow, DriveNone, DriveSlot, DriveSlotTaken, DriveTitle, DriveToday, LeadAdvisor, LeadApproveLost, LeadBack, LeadBackToFollowing, LeadCapturedAt, LeadConflict, LeadDueEmpty, LeadDueTitle, LeadDueToday, LeadDuplicateOf, LeadErrChooseAdvisor, LeadErrDay, LeadErrMissing, LeadErrNeedsManager, LeadErrNotMobile, LeadErrPastDay, LeadErrPhone, LeadErrRefused, LeadErrWrongStage, LeadFollowUp, LeadFollowUpSave, LeadFollowUpSaved, LeadFunnelCaptured, LeadFunnelHint, LeadFunnelTitle, LeadGrade, LeadHistory, LeadLastFollowUp, LeadLostPendingAdvisor, LeadLostPendingManager, LeadLostReason, LeadMissedHint, LeadMissedNone, LeadMissedTitle, LeadModels, LeadName, LeadNew, LeadNextFollowUp, LeadNextHint, LeadNoModels, LeadNotFound, LeadNotes, LeadOpenExisting, LeadOptional, LeadOrderRate, LeadOthersEmpty, LeadOthersTitle, LeadOutcome, LeadOverdueDays, LeadOwnDuplicate, LeadPhone, LeadReassign, LeadReassignTo, LeadReassigned, LeadRegrade, LeadSave, LeadSaved, LeadSource, LeadStage, LeadToDelivered, LeadToLost, LeadToOrder, LeadTotal, LeadUnknown,
    LeadMore, LeadBudget, LeadTradeIn, LeadYes,
    AttentionStepHint,
    LeadLostPendingTitle, LeadLostPendingNone,
    ChartNoData,
    RptTitle, RptPeriod, RptCustom, RptAreaCare, RptAreaService, RptAreaComplaints, RptAreaSales, RptDefinition, RptDetails, RptTrend, RptSeriesContact, RptSeriesSatisfied, RptSatisfactionSplit, RptContactByAgent, RptComplaintsCount, RptTimeToClose, RptHours, RptByCategory, RptByDepartment, RptFunnel, RptFollowUpByAdvisor, RptCaptured, RptFollowed, RptTestDriven, RptOrdered, RptDelivered, RptLost, RptBySource, RptByModel, RptByAdvisor, RptRecords, RptSummary, RptGroup, RptGroupOnline, RptBack, RptHit, RptMiss, RptScope, RptPrint, RptReached, RptStore, RptTotal,
    TodayKept,
    ErrTooManyAttempts,
    PasswordTitle, PasswordCurrent, PasswordNew, PasswordRepeat, PasswordSave, PasswordSaving, PasswordChanged, PasswordHint, PasswordErrShort, PasswordErrLong, PasswordErrUsername, PasswordErrUnchanged, PasswordErrRepeat, PasswordErrCurrent, PasswordErrOffline,
    RptAudit, RptAuditHint, RptAuditEmpty, RptAuditOnline, AuditWhen, AuditWho, AuditWhat, AuditDetail, AuditExportComplaintStats, AuditExportCallbackSummary,
    AuditImportCustomers,
    ErrRateLimited, ErrDeviceRevoked,
    RevealButton, RevealReason, RevealHint, RevealSubmit, RevealLogged, RevealErrShort, RevealErrLong, RevealErrOffline, AuditRevealPhone, AuditRevokeDevice, DevicesTitle, DevicesHint, DevicesOnline, DevicesEmpty, DevicesTablet, DevicesLastSeen, DevicesRevoked, DevicesRevoke, DevicesReason, DevicesRevokeHint, DevicesRevokeConfirm, DevicesKept, DevicesShowKept,
    ErrNoWebCrypto, ErrUnlockFailed, UnlockEarlierPasswordNeeded, EarlierPassword, UnlockTitle, UnlockHint, Unlock, Unlocking, UnlockOtherUser, SignInOfflineHint,
    ErrWrongEarlierPassword, ErrSessionOtherUser, EarlierForgotten, EarlierForgottenConfirm, PasswordKeyNotRewrapped,
}

impl Key {
    /// The navigation label of a section.
    pub fn nav(section: huifang_core::Section) -> Key {
        use huifang_core::Section as S;
        match section {
            S::Today => Key::NavToday,
            S::Customers => Key::NavCustomers,
            S::Appointments => Key::NavAppointments,
            S::Complaints => Key::NavComplaints,
            S::Leads => Key::NavLeads,
            S::TestDrives => Key::NavTestDrives,
            S::Import => Key::NavImport,
            S::Assignments => Key::NavAssignments,
            S::Scripts => Key::NavScripts,
            S::Reports => Key::NavReports,
            S::Team => Key::NavTeam,
            S::Settings => Key::NavSettings,
        }
    }

    /// What the page of a section will hold once its issue lands (no fake data meanwhile).
    pub fn planned(section: huifang_core::Section) -> Option<Key> {
        use huifang_core::Section as S;
        Some(match section {
            S::Today => Key::PlannedToday,
            S::Customers => Key::PlannedCustomers,
            S::Complaints => Key::PlannedComplaints,
            S::Leads => Key::PlannedLeads,
            S::TestDrives => Key::PlannedTestDrives,
            S::Import => Key::PlannedImport,
            S::Assignments => Key::PlannedAssignments,
            S::Scripts => Key::PlannedScripts,
            S::Reports => Key::PlannedReports,
            S::Team => Key::PlannedTeam,
            S::Appointments | S::Settings => return None,
        })
    }

    pub fn role(role: huifang_core::Role) -> Key {
        use huifang_core::Role as R;
        match role {
            R::CareAgent => Key::RoleCareAgent,
            R::CareSupervisor => Key::RoleCareSupervisor,
            R::SalesAdvisor => Key::RoleSalesAdvisor,
            R::SalesManager => Key::RoleSalesManager,
            R::StoreManager => Key::RoleStoreManager,
            R::GroupManager => Key::RoleGroupManager,
        }
    }

    /// The name of a kind of record.
    pub fn kind(kind: huifang_core::sync::RecordKind) -> Key {
        use huifang_core::sync::RecordKind as K;
        match kind {
            K::Customer => Key::KindCustomer,
            K::Vehicle => Key::KindVehicle,
            K::ServiceVisit => Key::KindServiceVisit,
            K::CallbackTask => Key::KindCallbackTask,
            K::CallScript => Key::KindCallScript,
            K::Complaint => Key::KindComplaint,
            K::Lead => Key::KindLead,
            K::TestDrive => Key::KindTestDrive,
            K::Appointment => Key::KindAppointment,
            K::CallAttempt => Key::KindCallAttempt,
            K::CallbackRecord => Key::KindCallbackRecord,
            K::ComplaintStep => Key::KindComplaintStep,
            K::LeadActivity => Key::KindLeadActivity,
            K::Signature => Key::KindSignature,
            K::AuditEntry => Key::KindAuditEntry,
            K::ScriptVersion => Key::KindScriptVersion,
        }
    }

    /// Why the server refused a change.
    pub fn reject(code: huifang_core::sync::RejectCode) -> Key {
        use huifang_core::sync::RejectCode as R;
        match code {
            R::Forbidden => Key::RejectForbidden,
            R::NotFound => Key::RejectNotFound,
            R::AlreadyExists => Key::RejectAlreadyExists,
            R::Deleted => Key::RejectDeleted,
            R::IllegalTransition => Key::RejectIllegalTransition,
            R::StaleTransition => Key::RejectStaleTransition,
            R::ClockAhead => Key::RejectClockAhead,
            R::Invalid => Key::RejectInvalid,
            R::StepRefused => Key::RejectStepRefused,
        }
    }

    pub fn outcome(outcome: huifang_core::care::calls::Outcome) -> Key {
        use huifang_core::care::calls::Outcome as O;
        match outcome {
            O::Reached => Key::OutcomeReached,
            O::NoAnswer => Key::OutcomeNoAnswer,
            O::Busy => Key::OutcomeBusy,
            O::WrongNumber => Key::OutcomeWrongNumber,
            O::SwitchedOff => Key::OutcomeSwitchedOff,
            O::NotConvenient => Key::OutcomeNotConvenient,
            O::Refused => Key::OutcomeRefused,
        }
    }

    /// A callback's purpose.
    pub fn purpose(purpose: huifang_core::care::rules::Purpose) -> Key {
        use huifang_core::care::rules::Purpose as P;
        match purpose {
            P::PostService => Key::PurposePostService,
            P::PostDelivery => Key::PurposePostDelivery,
            P::MaintenanceReminder => Key::PurposeMaintenanceReminder,
            P::InsuranceRenewal => Key::PurposeInsuranceRenewal,
            P::MembershipRenewal => Key::PurposeMembershipRenewal,
            P::Recovery => Key::PurposeRecovery,
            P::Campaign => Key::PurposeCampaign,
            P::NoShow => Key::PurposeNoShow,
            P::ComplaintFollowUp => Key::PurposeComplaintFollowUp,
        }
    }

    /// A loyalty class.
    pub fn loyalty(loyalty: huifang_core::care::rules::Loyalty) -> Key {
        use huifang_core::care::rules::Loyalty as L;
        match loyalty {
            L::Loyal => Key::LoyaltyLoyal,
            L::Regular => Key::LoyaltyRegular,
            L::Lapsing => Key::LoyaltyLapsing,
            L::Lost => Key::LoyaltyLost,
        }
    }

    /// The label of an import column.
    pub fn column(column: huifang_core::care::columns::Column) -> Key {
        use huifang_core::care::columns::Column as C;
        match column {
            C::Name => Key::ColName,
            C::Mobile => Key::ColMobile,
            C::Plate => Key::ColPlate,
            C::Vin => Key::ColVin,
            C::Model => Key::ColModel,
            C::PurchaseDate => Key::ColPurchaseDate,
            C::VisitDate => Key::ColVisitDate,
            C::WorkOrder => Key::ColWorkOrder,
            C::ServiceItems => Key::ColServiceItems,
            C::ServiceAdvisor => Key::ColServiceAdvisor,
            C::Mileage => Key::ColMileage,
            C::MemberLevel => Key::ColMemberLevel,
            C::MemberExpiry => Key::ColMemberExpiry,
            C::InsuranceExpiry => Key::ColInsuranceExpiry,
            C::Tags => Key::ColTags,
        }
    }

    /// An import problem, by the name the server gives it.
    pub fn import_problem(problem: &str) -> Key {
        match problem {
            "no_name_no_phone" => Key::ProblemNoNameNoPhone,
            "bad_phone" => Key::ProblemBadPhone,
            "bad_plate" => Key::ProblemBadPlate,
            "bad_vin" => Key::ProblemBadVin,
            "bad_date" => Key::ProblemBadDate,
            "bad_number" => Key::ProblemBadNumber,
            _ => Key::ErrUnexpected,
        }
    }

    /// The label of a customer field (conflicts name the field).
    pub fn customer_field(field: &str) -> Option<Key> {
        use crate::model::field;
        Some(match field {
            field::NAME => Key::CustomerName,
            field::PHONE => Key::CustomerPhone,
            field::NOTE => Key::CustomerNote,
            _ => return None,
        })
    }

    /// The message for an error code the server sent.
    pub fn api_error(code: huifang_core::ErrorCode) -> Key {
        use huifang_core::ErrorCode as E;
        match code {
            E::BadRequest | E::UnsupportedMediaType => Key::ErrBadRequest,
            E::InvalidCredentials => Key::ErrInvalidCredentials,
            E::TooManyAttempts => Key::ErrTooManyAttempts,
            E::RateLimited => Key::ErrRateLimited,
            E::DeviceRevoked => Key::ErrDeviceRevoked,
            E::Unauthenticated => Key::ErrUnauthenticated,
            E::Forbidden => Key::ErrForbidden,
            E::NotFound => Key::ErrNotFound,
            E::PayloadTooLarge => Key::ErrPayloadTooLarge,
            E::UpdateRequired => Key::ErrUpdateRequired,
            E::Internal => Key::ErrInternal,
            E::Unavailable => Key::ErrUnavailable,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_translated_in_every_language() {
        let mut missing = Vec::new();
        for lang in Lang::ALL {
            for &key in Key::ALL {
                match lang.lookup(key) {
                    Some(text) if !text.trim().is_empty() => {}
                    _ => missing.push(format!("{}: {}", lang.tag(), key.name())),
                }
            }
        }
        assert!(missing.is_empty(), "missing translations: {missing:?}");
    }

    #[test]
    fn chinese_is_chinese_and_english_is_not() {
        let has_cjk = |s: &str| s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
        for &key in Key::ALL {
            assert!(
                has_cjk(Lang::ZhCn.t(key)),
                "zh-CN text of {} has no Chinese: {:?}",
                key.name(),
                Lang::ZhCn.t(key)
            );
            // English may name Chinese things (回访), but never only in Chinese.
            assert!(
                Lang::En.t(key).chars().any(|c| c.is_ascii_alphabetic()),
                "English text of {} is not English: {:?}",
                key.name(),
                Lang::En.t(key)
            );
        }
    }

    #[test]
    fn tags_round_trip() {
        for lang in Lang::ALL {
            assert_eq!(Lang::from_tag(lang.tag()), Some(lang));
        }
        assert_eq!(Lang::from_tag("fr"), None);
        assert_eq!(Lang::default(), Lang::ZhCn);
    }

    #[test]
    fn every_section_and_role_and_error_has_a_label() {
        for s in huifang_core::Section::ALL {
            assert!(Key::ALL.contains(&Key::nav(s)));
        }
        for r in huifang_core::Role::ALL {
            assert!(Key::ALL.contains(&Key::role(r)));
        }
        let kinds: std::collections::BTreeSet<_> = huifang_core::sync::RecordKind::ALL
            .iter()
            .map(|&k| Key::kind(k).name())
            .collect();
        assert_eq!(kinds.len(), huifang_core::sync::RecordKind::ALL.len());
    }
}
