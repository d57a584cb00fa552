//! The JSON the app and the server exchange over `/api`.
//!
//! Every error the server sends is an [`ApiError`]: a stable machine `error` code the app
//! translates for the user, and a `reason` in plain English for logs and API clients.

use crate::user::UserProfile;
use serde::{Deserialize, Serialize};
use std::fmt;

/// `POST /api/auth/sign-in`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignInRequest {
    pub username: String,
    pub password: String,
}

/// `POST /api/auth/password`: the signed-in user's new password, with the current one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangePasswordRequest {
    pub current: String,
    pub new: String,
}

/// The shortest password a user may choose.
pub const PASSWORD_MIN_CHARS: usize = 8;
/// The longest (hashing is deliberately slow; a megabyte of password is an attack).
pub const PASSWORD_MAX_CHARS: usize = 128;

/// Why a new password is refused, before it reaches the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordProblem {
    TooShort,
    TooLong,
    SameAsUsername,
    Unchanged,
}

/// Checks a new password against the rules (the app before sending, the server again).
pub fn check_new_password(username: &str, current: &str, new: &str) -> Result<(), PasswordProblem> {
    let chars = new.chars().count();
    if chars < PASSWORD_MIN_CHARS {
        Err(PasswordProblem::TooShort)
    } else if chars > PASSWORD_MAX_CHARS {
        Err(PasswordProblem::TooLong)
    } else if new.trim().eq_ignore_ascii_case(username.trim()) {
        Err(PasswordProblem::SameAsUsername)
    } else if new == current {
        Err(PasswordProblem::Unchanged)
    } else {
        Ok(())
    }
}

/// The answer to a successful sign-in. The browser also receives the token as an HttpOnly
/// cookie; API clients (the load generator, scripts) send it as `Authorization: Bearer`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignInResponse {
    pub user: UserProfile,
    pub token: String,
    /// When the session ends, in milliseconds since the Unix epoch.
    pub expires_at_ms: i64,
}

/// `GET /api/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    pub status: String,
    pub version: String,
    pub schema_version: u32,
    /// `sqlite` or `postgres`.
    pub database: String,
}

/// Machine-readable error codes. The app shows each in the user's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request body or a parameter is malformed or fails validation.
    BadRequest,
    /// Wrong username or password.
    InvalidCredentials,
    /// Too many wrong passwords in a row: the name is locked for [`SIGN_IN_LOCK_MINUTES`].
    TooManyAttempts,
    /// No valid session: sign in (again).
    Unauthenticated,
    /// Signed in, but the role may not do this.
    Forbidden,
    NotFound,
    /// The body is larger than the server accepts.
    PayloadTooLarge,
    /// The body is not JSON (wrong content type).
    UnsupportedMediaType,
    /// The client's schema version is one this server cannot serve: update the app.
    UpdateRequired,
    /// Too many sign-in requests from one address in a minute: wait and try again.
    RateLimited,
    /// This tablet was revoked by a manager (lost or stolen): its changes are kept for
    /// review, not applied.
    DeviceRevoked,
    /// Something failed on the server; details are in its log, never in the response.
    Internal,
    /// The server is starting or stopping, or its database is unreachable.
    Unavailable,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::InvalidCredentials => "invalid_credentials",
            ErrorCode::TooManyAttempts => "too_many_attempts",
            ErrorCode::Unauthenticated => "unauthenticated",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::NotFound => "not_found",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::UpdateRequired => "update_required",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::DeviceRevoked => "device_revoked",
            ErrorCode::Internal => "internal",
            ErrorCode::Unavailable => "unavailable",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One entry of the audit log (`GET /api/audit`): who took customers' data out, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub at_ms: i64,
    pub user_id: String,
    pub username: String,
    /// `export_complaint_stats`, `export_callback_summary`, `import_customers`.
    pub action: String,
    /// What it covered (the period or campaign, how many records, the format).
    pub detail: String,
}

/// Wrong passwords in a row that lock a username (the fifth is refused and locks it).
pub const SIGN_IN_MAX_FAILURES: i64 = 5;
/// How long a locked username stays locked, whatever password comes.
pub const SIGN_IN_LOCK_MINUTES: i64 = 15;

/// The body of every error response from `/api`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[error("{error}: {reason}")]
pub struct ApiError {
    pub error: ErrorCode,
    pub reason: String,
}

impl ApiError {
    pub fn new(error: ErrorCode, reason: impl Into<String>) -> Self {
        ApiError {
            error,
            reason: reason.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_password_follows_the_rules() {
        use PasswordProblem::*;
        assert_eq!(check_new_password("agent1", "demo", "short"), Err(TooShort));
        assert_eq!(
            check_new_password("salesmgr", "demo", " SalesMgr "),
            Err(SameAsUsername)
        );
        assert_eq!(
            check_new_password("agent1", "same-secret", "same-secret"),
            Err(Unchanged)
        );
        assert_eq!(
            check_new_password("agent1", "demo", &"x".repeat(129)),
            Err(TooLong)
        );
        assert_eq!(
            check_new_password("agent1", "demo", "八个字的中文密码"),
            Ok(()),
            "characters, not bytes"
        );
        assert_eq!(
            check_new_password("agent1", "demo", "correct horse"),
            Ok(())
        );
    }

    #[test]
    fn error_codes_serialise_as_their_names() {
        let err = ApiError::new(ErrorCode::PayloadTooLarge, "body over 1 MiB");
        let json = serde_json::to_value(&err).expect("serialises");
        assert_eq!(
            json,
            serde_json::json!({"error": "payload_too_large", "reason": "body over 1 MiB"})
        );
        let back: ApiError = serde_json::from_value(json).expect("deserialises");
        assert_eq!(back, err);
        assert_eq!(
            serde_json::to_string(&ErrorCode::UpdateRequired).expect("serialises"),
            format!("\"{}\"", ErrorCode::UpdateRequired.as_str())
        );
    }
}
