//! [`ApiJson`]: axum's `Json` extractor whose rejection is an [`Error`], so malformed input
//! always gets the same JSON error shape as every other failure.

use crate::error::Error;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
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
