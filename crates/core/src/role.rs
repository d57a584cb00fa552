//! The roles people hold in a store or a dealer group (DOMAIN.md, "People and roles").

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// What a person does in the dealership; it decides what they see and may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 客服专员: works through today's callback list, logs attempts, registers complaints.
    CareAgent,
    /// 客服主管: imports customer lists, distributes them, writes scripts, approves resolutions.
    CareSupervisor,
    /// 销售顾问: captures and follows up leads, books test drives.
    SalesAdvisor,
    /// 销售经理: sees every advisor's leads and the funnel, reassigns leads.
    SalesManager,
    /// 服务经理 / 总经理: reads KPIs and complaint statistics across the store's departments.
    StoreManager,
    /// 集团: reads the same reports across the stores of a dealer group.
    GroupManager,
}

impl Role {
    /// Every role, in the order the admin screens list them.
    pub const ALL: [Role; 6] = [
        Role::CareAgent,
        Role::CareSupervisor,
        Role::SalesAdvisor,
        Role::SalesManager,
        Role::StoreManager,
        Role::GroupManager,
    ];

    /// The stable name used in the database and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::CareAgent => "care_agent",
            Role::CareSupervisor => "care_supervisor",
            Role::SalesAdvisor => "sales_advisor",
            Role::SalesManager => "sales_manager",
            Role::StoreManager => "store_manager",
            Role::GroupManager => "group_manager",
        }
    }

    /// Customer-care work: callbacks, customers, complaints.
    pub fn is_care(self) -> bool {
        matches!(
            self,
            Role::CareAgent | Role::CareSupervisor | Role::StoreManager | Role::GroupManager
        )
    }

    /// Sales work: leads and test drives.
    pub fn is_sales(self) -> bool {
        matches!(
            self,
            Role::SalesAdvisor | Role::SalesManager | Role::StoreManager | Role::GroupManager
        )
    }

    /// Plans and checks other people's work (imports, assignments, reports, team views).
    pub fn is_lead(self) -> bool {
        matches!(
            self,
            Role::CareSupervisor | Role::SalesManager | Role::StoreManager | Role::GroupManager
        )
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A role name that is not one of [`Role::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role {0:?}")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_str_and_json() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
            let json = serde_json::to_string(&role).expect("role serialises");
            assert_eq!(json, format!("\"{}\"", role.as_str()));
        }
        assert_eq!("boss".parse::<Role>(), Err(UnknownRole("boss".to_owned())));
    }

    #[test]
    fn care_and_sales_split_the_front_line() {
        assert!(Role::CareAgent.is_care() && !Role::CareAgent.is_sales());
        assert!(Role::SalesAdvisor.is_sales() && !Role::SalesAdvisor.is_care());
        assert!(!Role::CareAgent.is_lead() && !Role::SalesAdvisor.is_lead());
        assert!(Role::StoreManager.is_care() && Role::StoreManager.is_sales());
    }
}
