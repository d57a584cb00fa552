//! The schema-version check on `/api`: an app built for another schema version is told to
//! update instead of sending data this server would misread. Requests without the header
//! (curl, health checks, load balancers) are served.

use crate::error::Error;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use huifang_core::{SCHEMA_HEADER, SCHEMA_VERSION};

pub async fn check_schema_version(request: Request, next: Next) -> Response {
    if let Some(value) = request.headers().get(SCHEMA_HEADER) {
        let text = String::from_utf8_lossy(value.as_bytes()).trim().to_owned();
        if text.parse::<u32>().ok() != Some(SCHEMA_VERSION) {
            return Error::UpdateRequired { client: text }.into_response();
        }
    }
    next.run(request).await
}
