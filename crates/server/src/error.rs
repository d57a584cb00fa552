//! The server's one error type. Every failure an `/api` handler can meet becomes an [`Error`],
//! and every [`Error`] is answered as a [`huifang_core::ApiError`] JSON body.
//!
//! Database and internal failures are logged here and answered with a generic reason: their
//! detail (SQL, file paths, driver messages) never reaches a client.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use huifang_core::{ApiError, ErrorCode, SCHEMA_VERSION};

/// Everything that can go wrong while serving a request or starting the server.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// 400: the body or a parameter is malformed; the reason says what is wrong.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// 401: wrong username or password, or an inactive user. One reason for all three, so a
    /// caller cannot learn which usernames exist.
    #[error("invalid credentials")]
    InvalidCredentials,
    /// 429: too many wrong passwords in a row; the name is locked until this time (ms).
    #[error("too many sign-in attempts; locked until {until_ms}")]
    TooManyAttempts { until_ms: i64 },
    /// 429: too many sign-in requests from one address within a minute.
    #[error("rate limited: {0}")]
    RateLimited(String),
    /// 403: the pushing device was revoked (lost); its mutations were kept for review.
    #[error("device revoked: {0}")]
    DeviceRevoked(String),
    /// 401: no valid, unexpired session.
    #[error("unauthenticated")]
    Unauthenticated,
    /// 403: signed in, but the role may not do this.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// 404: no such resource or route.
    #[error("not found: {0}")]
    NotFound(String),
    /// 405: the route exists but not with this method (code `bad_request`: the client is wrong).
    #[error("method not allowed: {0}")]
    MethodNotAllowed(String),
    /// 413: the body is larger than the server accepts.
    #[error("payload too large: {0}")]
    PayloadTooLarge(String),
    /// 415: the body is not declared as JSON.
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    /// 426: the client speaks a schema version this server cannot serve.
    #[error("update required: client schema {client:?}")]
    UpdateRequired { client: String },
    /// 503: the database is unreachable (or the server is stopping).
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// 500: a database failure. Logged, never sent.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// 500: migrations failed (only at start).
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// 500: an I/O failure (binding the port, creating the data folder).
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// 500: anything else that is the server's fault. Logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// The HTTP status this error is answered with.
    pub fn status(&self) -> StatusCode {
        match self {
            Error::BadRequest(_) => StatusCode::BAD_REQUEST,
            Error::InvalidCredentials | Error::Unauthenticated => StatusCode::UNAUTHORIZED,
            Error::TooManyAttempts { .. } | Error::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            Error::DeviceRevoked(_) => StatusCode::FORBIDDEN,
            Error::Forbidden(_) => StatusCode::FORBIDDEN,
            Error::NotFound(_) => StatusCode::NOT_FOUND,
            Error::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Error::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Error::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Error::UpdateRequired { .. } => StatusCode::UPGRADE_REQUIRED,
            Error::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Error::Database(_) | Error::Migrate(_) | Error::Io(_) | Error::Internal(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    /// The JSON body a client receives: the machine code and a reason safe to show.
    pub fn to_api_error(&self) -> ApiError {
        let (code, reason) = match self {
            Error::BadRequest(reason) => (ErrorCode::BadRequest, reason.clone()),
            Error::InvalidCredentials => (
                ErrorCode::InvalidCredentials,
                "wrong username or password".to_owned(),
            ),
            Error::TooManyAttempts { until_ms } => (
                ErrorCode::TooManyAttempts,
                format!(
                    "{} wrong passwords in a row: this username is locked for {} minutes \
                     (until {until_ms} ms since 1970); ask a supervisor if you forgot it",
                    huifang_core::api::SIGN_IN_MAX_FAILURES,
                    huifang_core::api::SIGN_IN_LOCK_MINUTES
                ),
            ),
            Error::Unauthenticated => (
                ErrorCode::Unauthenticated,
                "no valid session: sign in".to_owned(),
            ),
            Error::RateLimited(reason) => (ErrorCode::RateLimited, reason.clone()),
            Error::DeviceRevoked(reason) => (ErrorCode::DeviceRevoked, reason.clone()),
            Error::Forbidden(reason) => (ErrorCode::Forbidden, reason.clone()),
            Error::NotFound(reason) => (ErrorCode::NotFound, reason.clone()),
            Error::MethodNotAllowed(reason) => (ErrorCode::BadRequest, reason.clone()),
            Error::PayloadTooLarge(reason) => (ErrorCode::PayloadTooLarge, reason.clone()),
            Error::UnsupportedMediaType(reason) => {
                (ErrorCode::UnsupportedMediaType, reason.clone())
            }
            Error::UpdateRequired { client } => (
                ErrorCode::UpdateRequired,
                format!(
                    "the app speaks schema version {client:?} but this server serves version \
                     {SCHEMA_VERSION}: the app must be updated (reload it)"
                ),
            ),
            Error::Unavailable(reason) => (ErrorCode::Unavailable, reason.clone()),
            Error::Database(_) | Error::Migrate(_) | Error::Io(_) | Error::Internal(_) => (
                ErrorCode::Internal,
                "the server failed; the details are in its log".to_owned(),
            ),
        };
        ApiError::new(code, reason)
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        (status, Json(self.to_api_error())).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_details_never_reach_the_client() {
        let err = Error::Internal("secret path /etc/shadow".to_owned());
        assert_eq!(err.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = err.to_api_error();
        assert_eq!(body.error, ErrorCode::Internal);
        assert!(!body.reason.contains("shadow"));
    }

    #[test]
    fn update_required_says_the_app_must_be_updated() {
        let err = Error::UpdateRequired {
            client: "7".to_owned(),
        };
        assert_eq!(err.status(), StatusCode::UPGRADE_REQUIRED);
        assert!(err.to_api_error().reason.contains("must be updated"));
    }
}
