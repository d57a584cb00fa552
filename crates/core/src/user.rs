//! People who sign in, and the store they belong to.

use crate::role::Role;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A user's id (UUIDv7 text, made by the server when the user is created).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct UserId(pub String);

/// A store's id (UUIDv7 text).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct StoreId(pub String);

/// A sign-in name: 1–64 characters of lower-case ASCII letters, digits, `.`, `_` or `-`.
/// Compared case-insensitively by lower-casing on parse, so `Agent1` and `agent1` are one user.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "String", into = "String")]
pub struct Username(String);

/// Why a text is not a [`Username`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsernameError {
    #[error("the username is empty")]
    Empty,
    #[error("the username is longer than 64 characters")]
    TooLong,
    #[error("the username may hold only letters, digits, '.', '_' and '-'")]
    BadCharacter,
}

impl Username {
    pub const MAX_LEN: usize = 64;

    pub fn parse(text: &str) -> Result<Self, UsernameError> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(UsernameError::Empty);
        }
        if trimmed.chars().count() > Self::MAX_LEN {
            return Err(UsernameError::TooLong);
        }
        if !trimmed
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        {
            return Err(UsernameError::BadCharacter);
        }
        Ok(Username(trimmed.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Username {
    type Error = UsernameError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Username::parse(&value)
    }
}

impl From<Username> for String {
    fn from(value: Username) -> Self {
        value.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What the app knows about the signed-in person; cached on the device so the shell shows
/// who is signed in with no network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserProfile {
    pub id: UserId,
    pub username: Username,
    /// The person's name as colleagues know it, e.g. 王丽.
    pub display_name: String,
    pub role: Role,
    pub store_id: StoreId,
    /// The store's name, e.g. 华锦丰田4S店.
    pub store_name: String,
}

/// A colleague as everyone in the store may see them: enough to say who changed what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Colleague {
    pub id: UserId,
    pub display_name: String,
    pub role: Role,
}

/// `GET /api/directory`: the signed-in user's store colleagues (no usernames, no contact
/// details), and the store's rules a device needs offline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Directory {
    pub colleagues: Vec<Colleague>,
    /// The complaint response deadlines and follow-up delay (`--complaint-rules`). A directory
    /// cached before the server sent them reads as the core's defaults.
    #[serde(default)]
    pub complaint_rules: crate::care::complaints::ComplaintRules,
    /// The sales cadence (`--sales-rules`); the core's defaults when not sent.
    #[serde(default)]
    pub sales_rules: crate::sales::SalesRules,
    /// The models the store sells (`--models`): a lead's models of interest are chosen from
    /// them. Empty when not sent.
    #[serde(default)]
    pub models: Vec<String>,
    /// The store's test-drive cars (`--test-drive-fleet`). Empty when not sent.
    #[serde(default)]
    pub test_drive_fleet: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_trimmed_and_lower_cased() {
        assert_eq!(
            Username::parse("  Agent1 ").map(|u| u.to_string()),
            Ok("agent1".to_owned())
        );
    }

    #[test]
    fn bad_usernames_say_why() {
        assert_eq!(Username::parse("   "), Err(UsernameError::Empty));
        assert_eq!(Username::parse("王丽"), Err(UsernameError::BadCharacter));
        assert_eq!(Username::parse("a b"), Err(UsernameError::BadCharacter));
        assert_eq!(
            Username::parse(&"a".repeat(65)),
            Err(UsernameError::TooLong)
        );
        assert!(Username::parse(&"a".repeat(64)).is_ok());
    }

    #[test]
    fn a_username_in_json_is_checked_on_the_way_in() {
        let bad: Result<Username, _> = serde_json::from_str("\"no spaces\"");
        assert!(bad.is_err());
        let good: Username = serde_json::from_str("\"Manager\"").expect("valid username");
        assert_eq!(good.as_str(), "manager");
    }
}
