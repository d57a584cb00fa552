//! The sections of the app and which roles see them. The app's navigation and its route
//! guards both read [`Section::for_role`], so a role never sees a link to a page it may not use.

use crate::role::Role;
use serde::{Deserialize, Serialize};

/// A top-level page of the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    /// Today's callback list (今日回访).
    Today,
    Customers,
    /// Service appointments (预约): the day list.
    Appointments,
    Complaints,
    /// Importing DMS exports.
    Import,
    /// Sharing callback tasks among agents.
    Assignments,
    /// Call scripts (回访话术).
    Scripts,
    Reports,
    Leads,
    TestDrives,
    /// Managers' view of their team's work.
    Team,
    /// Device settings: language, storage, version.
    Settings,
}

impl Section {
    pub const ALL: [Section; 12] = [
        Section::Today,
        Section::Customers,
        Section::Appointments,
        Section::Complaints,
        Section::Leads,
        Section::TestDrives,
        Section::Import,
        Section::Assignments,
        Section::Scripts,
        Section::Reports,
        Section::Team,
        Section::Settings,
    ];

    /// The URL path of the section's page.
    pub fn path(self) -> &'static str {
        match self {
            Section::Today => "/today",
            Section::Customers => "/customers",
            Section::Appointments => "/appointments",
            Section::Complaints => "/complaints",
            Section::Import => "/import",
            Section::Assignments => "/assignments",
            Section::Scripts => "/scripts",
            Section::Reports => "/reports",
            Section::Leads => "/leads",
            Section::TestDrives => "/test-drives",
            Section::Team => "/team",
            Section::Settings => "/settings",
        }
    }

    /// The sections a role sees, in the order of its navigation bar. The first is its home.
    pub fn for_role(role: Role) -> Vec<Section> {
        Section::ALL
            .into_iter()
            .filter(|s| s.visible_to(role))
            .collect()
    }

    /// The page a role lands on after signing in.
    pub fn home(role: Role) -> Section {
        if role.is_care() {
            Section::Today
        } else {
            Section::Leads
        }
    }

    pub fn visible_to(self, role: Role) -> bool {
        match self {
            Section::Today | Section::Customers | Section::Appointments | Section::Complaints => {
                role.is_care()
            }
            Section::Import | Section::Assignments | Section::Scripts => {
                matches!(
                    role,
                    Role::CareSupervisor | Role::StoreManager | Role::GroupManager
                )
            }
            Section::Reports => role.is_lead(),
            Section::Leads | Section::TestDrives => role.is_sales(),
            // Care supervisors watch their agents' day (coverage, compliance, contact rate).
            Section::Team => matches!(
                role,
                Role::CareSupervisor | Role::SalesManager | Role::StoreManager | Role::GroupManager
            ),
            Section::Settings => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_care_agent_sees_her_day_and_nothing_of_planning() {
        assert_eq!(
            Section::for_role(Role::CareAgent),
            vec![
                Section::Today,
                Section::Customers,
                Section::Appointments,
                Section::Complaints,
                Section::Settings
            ]
        );
    }

    #[test]
    fn a_supervisor_adds_import_assignments_scripts_and_reports() {
        let s = Section::for_role(Role::CareSupervisor);
        for want in [
            Section::Today,
            Section::Customers,
            Section::Complaints,
            Section::Import,
            Section::Assignments,
            Section::Scripts,
            Section::Reports,
            Section::Team,
        ] {
            assert!(s.contains(&want), "supervisor misses {want:?}");
        }
        assert!(!s.contains(&Section::Leads));
    }

    #[test]
    fn a_sales_advisor_sees_leads_and_test_drives_only() {
        assert_eq!(
            Section::for_role(Role::SalesAdvisor),
            vec![Section::Leads, Section::TestDrives, Section::Settings]
        );
        assert_eq!(Section::home(Role::SalesAdvisor), Section::Leads);
    }

    #[test]
    fn managers_get_team_views() {
        for role in [Role::SalesManager, Role::StoreManager] {
            assert!(Section::for_role(role).contains(&Section::Team));
            assert!(Section::for_role(role).contains(&Section::Reports));
        }
    }

    #[test]
    fn every_role_has_its_home_and_settings() {
        for role in Role::ALL {
            let sections = Section::for_role(role);
            assert_eq!(sections.first(), Some(&Section::home(role)));
            assert!(sections.contains(&Section::Settings));
        }
    }

    #[test]
    fn paths_are_unique() {
        let mut paths: Vec<_> = Section::ALL.iter().map(|s| s.path()).collect();
        paths.sort_unstable();
        paths.dedup();
        assert_eq!(paths.len(), Section::ALL.len());
    }
}
