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
    })
}
