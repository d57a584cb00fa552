//! [`ApiJson`]: axum's `Json` extractor whose rejection is an [`Error`], so malformed input
//! always gets the same JSON error shape as every other failure; and
//! [`plain_errors_as_json`], which does the same for the plain-text rejections of axum's other
//! extractors (a query string, a path) that a handler does not map itself.

use crate::error::Error;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

/// A JSON request body of type `T`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(rejection_to_error(&rejection)),
        }
    }
}

/// Keeps axum's reason text (it says what is wrong and where) under our error codes.
fn rejection_to_error(rejection: &JsonRejection) -> Error {
    let reason = rejection.body_text();
    match rejection.status() {
        StatusCode::UNSUPPORTED_MEDIA_TYPE => Error::UnsupportedMediaType(reason),
        StatusCode::PAYLOAD_TOO_LARGE => Error::PayloadTooLarge(format!(
            "{reason} (the limit is {} bytes)",
            crate::BODY_LIMIT_BYTES
        )),
        _ => Error::BadRequest(reason),
    }
}

/// Middleware on `/api`: an error answered in plain text (axum's own rejection of a malformed
/// query string or path, e.g. `?limit=-1` for a `u32`) becomes the JSON [`Error`] shape with
/// the same status, as the OpenAPI document promises for every error. Found by the API fuzzing
/// (scripts/api-fuzz).
pub async fn plain_errors_as_json(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    let plain = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/plain"));
    if !plain || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    // Rejection texts are a line or two; a longer body is cut, not buffered whole.
    let bytes = axum::body::to_bytes(response.into_body(), 16 * 1024)
        .await
        .unwrap_or_default();
    let reason = String::from_utf8_lossy(&bytes).trim().to_owned();
    let error = match status {
        StatusCode::UNAUTHORIZED => Error::Unauthenticated,
        StatusCode::FORBIDDEN => Error::Forbidden(reason),
        StatusCode::NOT_FOUND => Error::NotFound(reason),
        StatusCode::METHOD_NOT_ALLOWED => Error::MethodNotAllowed(reason),
        StatusCode::PAYLOAD_TOO_LARGE => Error::PayloadTooLarge(reason),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => Error::UnsupportedMediaType(reason),
        s if s.is_server_error() => Error::Internal(reason),
        _ => Error::BadRequest(reason),
    };
    let mut answer = error.into_response();
    *answer.status_mut() = status;
    answer
}
