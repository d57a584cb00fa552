//! English (the second language).

use super::Key;

pub(super) fn text(key: Key) -> Option<&'static str> {
    use Key::*;
    Some(match key {
        AppName => "Huifang",
        AppTagline => "Customer care and sales follow-up for 4S dealerships",
        SignInTitle => "Sign in",
        Username => "Username",
        Password => "Password",
        SignIn => "Sign in",
        SigningIn => "Signing in…",
        SignOut => "Sign out",
        SignOutConfirmOffline => {
            "You are offline: signing in again will need the network. Sign out anyway?"
        }
        ErrUsernameRequired => "Enter your username",
        ErrPasswordRequired => "Enter your password",
        ErrInvalidCredentials => "Wrong username or password",
        ErrUnauthenticated => "Your session has ended; please sign in again",
        ErrForbidden => "Your role may not do this",
        ErrNotFound => "Not found",
        ErrBadRequest => "Something in the form is not right; check it and try again",
        ErrPayloadTooLarge => "What you sent is too large",
        ErrUpdateRequired => "This version of the app is too old; update it and try again",
        ErrUnavailable => "The server is unavailable; try again shortly",
        ErrInternal => "The server failed; try again shortly. Nothing you saved is lost",
        ErrOffline => "Cannot reach the server; check the network",
        ErrUnexpected => "The server sent an answer the app does not understand",
        ErrSignInNeedsNetwork => "The first sign-in on this device needs the network",
        Online => "Online",
        Offline => "Offline",
        SyncNotYet => "Not synced yet",
        SyncLabel => "Sync",
        SignedInAs => "Signed in",
        StoreLabel => "Store",
        Language => "Language",
        NavToday => "Today's callbacks",
        NavCustomers => "Customers",
        NavComplaints => "Complaints",
        NavLeads => "Leads",
        NavTestDrives => "Test drives",
        NavImport => "Import",
        NavAssignments => "Assignments",
        NavScripts => "Scripts",
        NavReports => "Reports",
        NavTeam => "Team",
        NavSettings => "Settings",
        MainNavigation => "Main navigation",
        PlannedHeading => "Coming next",
        PlannedToday => {
            "Today's callback list: overdue first, by deadline, with the 3-day countdown, quiet-hour warnings, tap to call and log every attempt."
        }
        PlannedCustomers => {
            "Customer records: vehicles, service visits, membership and insurance expiry, contact preferences and every callback, searchable offline."
        }
        PlannedComplaints => {
            "Complaints as a closed loop: register, judge, investigate, propose, approve, implement with the customer's signature, follow up, statistics."
        }
        PlannedLeads => {
            "Leads: capture in under 20 seconds, follow-up dates set by grade (H/A/B/C), duplicates caught at once."
        }
        PlannedTestDrives => {
            "Test drives: book a fleet car for a slot, check the driving licence, mark done or no-show."
        }
        PlannedImport => {
            "Import DMS exports (CSV in UTF-8 or GBK, XLSX): preview, cleaning, duplicates merged, a per-row error report."
        }
        PlannedAssignments => {
            "Share callback tasks among agents by capacity in one step, and rebalance when someone is away."
        }
        PlannedScripts => "Call scripts (回访话术): write, preview and publish branching versions.",
        PlannedReports => {
            "Reports and KPIs: completion, three-day compliance, member coverage, satisfaction, complaint statistics."
        }
        PlannedTeam => "Team views: each advisor's and agent's follow-ups and overdue tasks.",
        RoleCareAgent => "Care agent",
        RoleCareSupervisor => "Care supervisor",
        RoleSalesAdvisor => "Sales advisor",
        RoleSalesManager => "Sales manager",
        RoleStoreManager => "Store manager",
        RoleGroupManager => "Group manager",
        UpdateAvailable => "A new version is ready",
        UpdateNow => "Update now",
        UpdateBlockedUnsaved => "Save what you are editing first, then update",
        UpdateLater => "Later",
        UpdateApplying => "Updating…",
        NotFoundTitle => "Page not found",
        NotFoundBody => "There is no page at this address.",
        NoAccessTitle => "No access",
        NoAccessBody => "Your role cannot use this page.",
        BackHome => "Back to the start",
        SettingsTitle => "Settings",
        SettingsLanguageHint => "The language is remembered on this device.",
        SettingsVersion => "App version",
        SettingsVersionUnknown => "Unknown (the offline copy is not ready yet)",
        SettingsAccount => "Account",
        SessionExpired => {
            "Your session has expired; sign in again. Unsynced work on this device is kept."
        }
        ErrStorageFull => {
            "This device's storage is full: the change was NOT saved. Sync and free some space; what you typed is still in the form."
        }
        ErrInvalidChange => "This change does not fit the record as it stands; it was not saved",
        ErrDeviceStorage => "The device database failed; reload the page. Nothing saved is lost",
        ErrSyncTimeout => "Sync timed out; it will retry by itself",
        SyncOpening => "Opening the device's data…",
        SyncSyncing => "Syncing…",
        SyncUpToDate => "Up to date",
        SyncPending => "To upload",
        SyncOldest => "oldest",
        SyncLast => "Last sync",
        SyncFailed => "Sync failed",
        SyncRetryAt => "retrying at",
        SyncNeedsAttention => "Needs attention",
        SyncConflicts => "Conflicts",
        SyncNow => "Sync now",
        SyncPageTitle => "Sync status",
        SyncLeaderThis => "This tab does the syncing",
        SyncLeaderOther => "Another tab on this device does the syncing",
        SyncPendingHeading => "Changes waiting to upload",
        SyncPendingEmpty => "No changes waiting to upload",
        SyncAcked => "received by the server",
        AttentionHeading => "Changes the server refused",
        AttentionEmpty => "No refused changes",
        AttentionIntro => {
            "These changes did not take effect. Read the reason, then submit again or let it go."
        }
        AttentionReason => "Reason",
        AttentionRetry => "Submit again",
        AttentionDismiss => "Let this change go",
        AttentionDismissConfirm => "Let this refused change go? It will not be submitted again.",
        RejectForbidden => "Not allowed",
        RejectNotFound => "Record not found or not visible",
        RejectAlreadyExists => "Record id already taken",
        RejectDeleted => "Record was deleted",
        RejectIllegalTransition => "The process does not allow this step",
        RejectStaleTransition => "Someone changed the status first",
        RejectClockAhead => "The device clock is too far ahead",
        RejectInvalid => "Malformed change",
        ConflictsTitle => "Conflicts to decide",
        ConflictsIntro => {
            "Two colleagues changed the same thing at the same time. Both versions are kept: keep one, or combine them."
        }
        ConflictsEmpty => "No conflicts to decide",
        ConflictKeep => "Keep this one",
        ConflictCombine => "Combined text",
        ConflictCombineSave => "Save the combined text",
        ConflictShown => "shown now",
        ConflictResolved => "Resolved; waiting to sync",
        CustomersEmpty => {
            "No customers yet. Import arrives with the care agent's day; for now, add one by hand."
        }
        CustomerNew => "New customer",
        CustomerName => "Name",
        CustomerPhone => "Phone",
        CustomerNote => "Note",
        CustomerSave => "Save",
        CustomerSaved => "Saved on this device",
        CustomerNotFound => "This customer is not on this device",
        CustomerConflict => "This customer has a conflict to decide",
        CustomerBack => "Back to customers",
        ErrNameRequired => "Enter the customer's name",
        ErrBadPhone => {
            "Enter an 11-digit mobile, or a landline with its area code (e.g. 010-65529988)"
        }
        AttemptsHeading => "Call attempts",
        AttemptsEmpty => "No call attempts yet",
        AttemptLog => "Log a call attempt",
        AttemptOutcome => "Outcome",
        OutcomeReached => "Reached",
        OutcomeNoAnswer => "No answer",
        OutcomeBusy => "Busy",
        OutcomeWrongNumber => "Wrong number",
        OutcomeSwitchedOff => "Switched off",
        OutcomeNotConvenient => "Not convenient: agreed a time",
        OutcomeRefused => "Refused",
        SettingsStorage => "Storage on this device",
        StorageUsage => "Space used",
        StorageOf => "of",
        StoragePersisted => {
            "Persistent storage is on: the browser will not clear the app's data by itself"
        }
        StorageNotPersisted => {
            "Persistent storage is off: when the device runs short, the browser may clear unsynced data"
        }
        StoragePersistAsk => "Ask for persistent storage",
        StoragePersistRefused => {
            "The browser declined for now. Installing the app to the home screen usually helps."
        }
        StorageUnknown => "This browser does not report storage use",
        KindCustomer => "customer",
        KindVehicle => "vehicle",
        KindServiceVisit => "service visit",
        KindCallbackTask => "callback task",
        KindCallScript => "call script",
        KindComplaint => "complaint",
        KindLead => "lead",
        KindTestDrive => "test drive",
        KindAppointment => "appointment",
        KindCallAttempt => "call attempt",
        KindCallbackRecord => "callback record",
        KindComplaintStep => "complaint step",
        KindLeadActivity => "lead activity",
        KindSignature => "signature",
        KindAuditEntry => "audit entry",
        ImportTitle => "Import DMS customer data",
        ImportIntro => {
            "Choose an Excel or CSV export from the dealer management system (UTF-8 or GBK). You see a preview first; nothing is written until you confirm."
        }
        ImportChooseFile => "Choose a file",
        ImportNeedsNetwork => {
            "Importing needs the network: the file is read and cleaned on the server."
        }
        ImportReading => "Reading and cleaning…",
        ImportCommitting => "Importing; keep this page open…",
        ImportRows => "Rows",
        ImportClean => "Ready to import",
        ImportCustomers => "Customers",
        ImportErrors => "Rows with problems",
        ImportEncoding => "Encoding",
        ImportMapping => "Column mapping",
        ImportMappingHint => "Headers were recognised automatically; check them and map the rest.",
        ImportSkip => "Do not import",
        ImportPreview => "Preview (first 20 rows)",
        ImportErrorList => "Problems",
        ImportDownloadErrors => "Download the problem report (CSV)",
        ImportConfirm => "Import now",
        ImportDone => "Import finished",
        ImportCreated => "created",
        ImportUpdated => "updated",
        ImportKept => "fields kept as agents changed them",
        ImportVisits => "service visits",
        ImportVehicles => "vehicles",
        ImportLine => "Line",
        ImportColumn => "Column",
        ImportValue => "Value",
        ImportProblem => "Problem",
        ProblemNoNameNoPhone => "Neither a name nor a phone",
        ProblemBadPhone => "Phone number not recognised",
        ProblemBadPlate => "Plate not valid",
        ProblemBadVin => "VIN invalid or check digit wrong",
        ProblemBadDate => "Date not recognised",
        ProblemBadNumber => "Number not recognised",
        ColName => "Customer name",
        ColMobile => "Mobile / phone",
        ColPlate => "Plate",
        ColVin => "VIN",
        ColModel => "Model",
        ColPurchaseDate => "Purchase date",
        ColVisitDate => "Visit date",
        ColWorkOrder => "Work order",
        ColServiceItems => "Service items",
        ColServiceAdvisor => "Service advisor",
        ColMileage => "Mileage",
        ColMemberLevel => "Membership level",
        ColMemberExpiry => "Membership expiry",
        ColInsuranceExpiry => "Insurance expiry",
        ColTags => "Tags",
        ImportTasks => "new callback tasks (to share out)",
        TodayEmpty => {
            "No callbacks to make today. Tasks appear here once your supervisor shares them out."
        }
        TodaySearch => "Search name, phone or plate",
        TodayQuietNow => {
            "Customers are resting now (before 09:00, 12:00–14:00, after 20:30): calling needs a reason"
        }
        TodayCall => "Call",
        TodayAllPurposes => "All kinds",
        PurposePostService => "After service",
        PurposePostDelivery => "After delivery",
        PurposeMaintenanceReminder => "Service reminder",
        PurposeInsuranceRenewal => "Insurance renewal",
        PurposeMembershipRenewal => "Membership renewal",
        PurposeRecovery => "Win back a lost customer",
        PurposeCampaign => "Campaign call",
        PurposeNoShow => "Missed appointment follow-up",
        AssignIntro => {
            "Share the unassigned callback tasks out in one step, by each agent's capacity: a customer's tasks always go to one agent."
        }
        AssignUnassigned => "Unassigned tasks",
        AssignInclude => "Include",
        AssignCapacity => "Capacity",
        AssignHolding => "Customers held",
        AssignRun => "Share out by capacity",
        AssignDone => "Shared out; tasks assigned:",
        AssignNoAgents => "Choose at least one agent",
        AssignLoading => "Loading the agents…",
        CallBack => "← Back to today's list",
        CallMissing => "This callback task is not on this tablet (it may have been reassigned)",
        CallLastVisit => "Last visit:",
        CallCompleted => "Callback completed and recorded.",
        CallClosed => "This callback task is closed.",
        CallNext => "Next customer →",
        CallQuietReasonShort => "Quiet-hours reason",
        ErrQuietReason => "It is the customer's quiet time: give a reason before calling",
        ErrOutcomeRequired => "Choose how the call ended",
        ErrAgreedTime => "Enter the time agreed with the customer",
        ErrAgreedPast => "The agreed time has already passed",
        CallRetryAt => "Saved. Call again from",
        CallMovedTo => "Saved. The callback moves to",
        CallGaveUp => "Saved. This callback task is closed.",
        CallBlocked => "The customer asked not to be contacted about this:",
        CallQuietReason => "Why call during quiet hours",
        CallSms => "Send SMS",
        CallLogOutcome => "Log the call's outcome",
        CallStarted => "Started:",
        CallLength => "about",
        CallAgreedTime => "Time agreed with the customer",
        CallSaveOutcome => "Save the outcome",
        LapsePrice => "Price",
        LapseDistance => "Too far away",
        LapseUnhappy => "Unhappy with the service",
        LapseCarSold => "Car sold",
        LapseOtherWorkshop => "Went to another workshop",
        LapseLittleUse => "Car little used",
        LapseOther => "Other",
        SatVery => "Very satisfied",
        SatYes => "Satisfied",
        SatNeutral => "Neutral",
        SatNo => "Unsatisfied",
        SatVeryNo => "Very unsatisfied",
        ActionNothing => "Nothing further",
        ActionAppointment => "Book a visit",
        ActionComplaint => "Register a complaint",
        ErrSatisfaction => "Choose how satisfied the customer is",
        ErrNextAction => "Choose the next action",
        ErrLapseReason => "Choose why the car did not come back",
        ErrComplaintAction => "The customer complained: the next action is to register it",
        ErrBookingPast => "The visit cannot be in the past",
        ErrBooking => "Fill in the visit's day and time",
        RecordTitle => "Callback record",
        RecordSatisfaction => "Satisfaction",
        RecordSuggestions => "Customer's suggestions",
        RecordComplaint => "The customer raised a complaint",
        RecordLapseReason => "Why the car did not come back",
        RecordNextAction => "Next action",
        BookingDay => "Visit day",
        BookingSlot => "Time slot",
        BookingAdvisor => "Service advisor",
        RecordNotes => "Notes",
        RecordSave => "Save the record",
        TodayAgreed => "Agreed for",
        TodayRetry => "Call again from",
        TodayContactBy => "First contact by",
        LoyaltyLoyal => "Loyal",
        LoyaltyRegular => "Regular",
        LoyaltyLapsing => "Lapsing",
        LoyaltyLost => "Lost",
        StatusOpen => "To call",
        StatusInProgress => "In progress",
        StatusRescheduled => "Rescheduled",
        StatusCompleted => "Completed",
        StatusFailed => "Not completed",
        StatusBooked => "Booked",
        StatusArrived => "Arrived",
        StatusNoShow => "No-show",
        StatusCancelled => "Cancelled",
        CustomerLoyalty => "Loyalty class",
        CustomerMember => "Membership",
        CustomerInsurance => "Insurance expiry",
        CustomerTags => "Tags",
        CustomerVehicles => "Cars",
        CustomerVisits => "Service visits",
        CustomerTasks => "Callback tasks",
        CustomerRecords => "Callback records",
        NavAppointments => "Appointments",
        CustomerPreferences => "Contact preferences",
        CustomerQuietHours => {
            "Times the customer does not want calls (e.g. 12:00-14:00, comma-separated)"
        }
        ErrQuietWindow => "Not a time span",
        ErrDncReason => "Give the reason the customer does not want to be contacted",
        CustomerDnc => "Do not contact:",
        CustomerDncReason => "Reason",
        CustomerDncAdd => "Add \"do not contact\"",
        CustomerDncRemove => "Remove",
        ApptArrived => "Arrived",
        ApptNoShow => "No-show",
        ApptDay => "Day",
        ApptUnsettled => "Past appointments not yet settled",
        ApptEmpty => "No appointments on this day.",
        SpanToday => "Today",
        SpanWeek => "Last 7 days",
        SpanMonth => "This month",
        TeamTitle => "Care team",
        KpiCoverage => "Member coverage",
        KpiCoverageDef => {
            "Member customers with a completed callback record in the period ÷ all member customers. The norm is 100%."
        }
        KpiThreeDay => "Three-day compliance",
        KpiThreeDayDef => {
            "Of the post-service and post-delivery callbacks whose customer was first on the line (reached, agreed a time, or refused) in the period, plus those that passed their due day in the period without contact: the share contacted by the due day."
        }
        KpiContact => "Effective contact rate",
        KpiContactDef => {
            "Attempts in the period that reached the customer ÷ all attempts in the period."
        }
        KpiUncovered => "Members not yet called back",
        TeamByAgent => "By agent",
        TeamAgent => "Agent",
        TeamDoneToday => "Done today",
        TeamOpen => "Open",
        TeamAtRisk => "At risk (due today or tomorrow, not yet contacted)",
        TeamOverdue => "Overdue, never contacted",
        AssignAway => "Away (take back their unfinished tasks)",
        AssignBadCapacity => "A capacity is a whole number from 1 to 9",
        AssignTakenBack => "Taken back from agents away:",
        CampaignHoliday => "Holiday greeting",
        CampaignAnniversary => "Store anniversary",
        CampaignPromotion => "Promotion invitation",
        CampaignTitle => "Launch a campaign",
        CampaignIntro => {
            "Choose the customers, preview how many it reaches, then create one callback per customer to share out. Launching the same campaign twice creates nothing new."
        }
        CampaignName => "Campaign name",
        CampaignKindLabel => "Kind",
        CampaignDue => "Due by",
        CampaignMembersOnly => "Members only",
        CampaignModel => "Car model contains",
        CampaignMatched => "Customers matched:",
        CampaignSkipped => "Skipped (do not contact):",
        CampaignCreated => "Callback tasks created:",
        CampaignPreviewButton => "Preview",
        CampaignLaunch => "Launch",
        ErrCampaignName => "Name the campaign",
        ErrCampaignDue => "Choose a due day from today on",
        ReassignNobody => "Nobody yet",
        ReassignHolder => "Agent in charge:",
        ReassignTo => "Give to",
        ReassignRun => "Reassign this customer's callbacks",
        ReassignDone => "Tasks reassigned:",
        ErrReassignChoose => "Choose the agent who takes over",
        KindScriptVersion => "script version",
    })
}
