//! Customers' personal data under PIPL: which phone numbers a person sees in full, and how a
//! number looks to someone who does not need it (`138****5678`). Revealing a masked number
//! takes a reason and is written to the audit log (the server's `privacy` module).

use serde::{Deserialize, Serialize};

/// The field names that hold a phone number, in every record kind that has one.
pub const PHONE_FIELDS: &[&str] = &["phone"];

/// The shortest reason a person may give for revealing a number ("回访" alone says nothing).
pub const REVEAL_REASON_MIN_CHARS: usize = 4;
/// The longest reason kept in the audit log.
pub const REVEAL_REASON_MAX_CHARS: usize = 200;

/// A number as a person who does not need it sees it: the first three and the last four
/// digits of a mobile (`138****5678`), the area code and the last two digits of a landline
/// (`010-******88`). Anything else keeps at most its last two characters visible. Masking is
/// idempotent: a masked number masks to itself.
pub fn mask_phone(raw: &str) -> String {
    let trimmed = raw.trim();
    let chars: Vec<char> = trimmed.chars().collect();
    let digits = chars.iter().filter(|c| c.is_ascii_digit()).count();
    // A mainland mobile (possibly already masked): 11 characters, 3 shown, 4 hidden, 4 shown.
    if chars.len() == 11 && chars.first() == Some(&'1') {
        let head: String = chars[..3].iter().collect();
        let tail: String = chars[7..].iter().collect();
        return format!("{head}****{tail}");
    }
    if let Some((area, local)) = trimmed.split_once('-')
        && area.starts_with('0')
        && area.len() <= 4
        && local.chars().count() >= 4
    {
        let local: Vec<char> = local.chars().collect();
        let hidden = "*".repeat(local.len() - 2);
        let tail: String = local[local.len() - 2..].iter().collect();
        return format!("{area}-{hidden}{tail}");
    }
    if digits == 0 && !chars.contains(&'*') {
        // Not a number at all (a note in the phone column): show nothing of it.
        return "*".repeat(chars.len().min(11));
    }
    let keep = chars.len().min(2);
    let hidden = "*".repeat(chars.len() - keep);
    let tail: String = chars[chars.len() - keep..].iter().collect();
    format!("{hidden}{tail}")
}

/// Whether `role` may see the store's tablets and revoke a lost one (`/api/devices`).
pub fn may_manage_devices(role: crate::Role) -> bool {
    use crate::Role;
    matches!(
        role,
        Role::CareSupervisor | Role::SalesManager | Role::StoreManager | Role::GroupManager
    )
}

/// Whether `shown` is a masked number (so a form must not offer to save it as the number).
pub fn is_masked(shown: &str) -> bool {
    shown.contains('*')
}

/// `POST /api/privacy/reveal`: who asks to see which record's number, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RevealRequest {
    /// The record (customer or lead) whose number is revealed.
    pub record_id: String,
    /// Why the person needs the number; written to the audit log.
    pub reason: String,
}

/// The answer: the number in full.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RevealResponse {
    pub record_id: String,
    pub phone: String,
}

/// A tablet that synced with the store (`GET /api/devices`), as supervisors and managers see
/// it when one is lost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Device {
    /// The device's sync client id (its outbox's name).
    pub client_id: String,
    /// Who pushed from it last.
    pub user_id: String,
    pub username: String,
    pub first_seen_ms: i64,
    pub last_seen_ms: i64,
    /// Set once a supervisor or manager revoked it.
    pub revoked_at_ms: Option<i64>,
    pub revoked_by: Option<String>,
    pub revoked_reason: Option<String>,
    /// Changes it pushed after it was revoked: refused and kept for review.
    pub kept_mutations: u64,
}

/// `POST /api/devices/{client_id}/revoke`: why the tablet is revoked (lost, stolen…).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RevokeDeviceRequest {
    pub reason: String,
}

/// One change a revoked tablet pushed afterwards, kept for review as it was sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuarantinedMutation {
    pub user_id: String,
    pub username: String,
    pub received_at_ms: i64,
    pub mutation: crate::sync::Mutation,
}

/// Why a reveal request is refused before anything is looked up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RevealError {
    #[error(
        "a reason of at least {REVEAL_REASON_MIN_CHARS} characters is needed to reveal a number"
    )]
    ReasonTooShort,
    #[error("a reason may be at most {REVEAL_REASON_MAX_CHARS} characters")]
    ReasonTooLong,
}

/// Checks the reason a person gave (trimmed, counted in characters, not bytes).
pub fn check_reason(reason: &str) -> Result<&str, RevealError> {
    let reason = reason.trim();
    let n = reason.chars().count();
    if n < REVEAL_REASON_MIN_CHARS {
        Err(RevealError::ReasonTooShort)
    } else if n > REVEAL_REASON_MAX_CHARS {
        Err(RevealError::ReasonTooLong)
    } else {
        Ok(reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobiles_show_the_first_three_and_last_four_digits() {
        assert_eq!(mask_phone("13800135678"), "138****5678");
        assert_eq!(mask_phone(" 13912345678 "), "139****5678");
    }

    #[test]
    fn landlines_show_the_area_code_and_two_digits() {
        assert_eq!(mask_phone("010-65529988"), "010-******88");
        assert_eq!(mask_phone("0311-8765432"), "0311-*****32");
    }

    #[test]
    fn masking_is_idempotent() {
        for raw in ["13800135678", "010-65529988", "12345", "abc", ""] {
            let once = mask_phone(raw);
            assert_eq!(mask_phone(&once), once, "{raw}");
            if !raw.is_empty() {
                assert!(is_masked(&once), "{raw} → {once}");
            }
        }
    }

    #[test]
    fn anything_else_keeps_at_most_two_characters() {
        assert_eq!(mask_phone("12345"), "***45");
        assert_eq!(mask_phone("无"), "*");
        assert_eq!(mask_phone(""), "");
    }

    #[test]
    fn a_reveal_needs_a_real_reason() {
        assert_eq!(check_reason(" 回访 "), Err(RevealError::ReasonTooShort));
        assert_eq!(check_reason("客户投诉需回电"), Ok("客户投诉需回电"));
        assert_eq!(
            check_reason(&"长".repeat(REVEAL_REASON_MAX_CHARS + 1)),
            Err(RevealError::ReasonTooLong)
        );
    }
}
