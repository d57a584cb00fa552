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
    })
}
