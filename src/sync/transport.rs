//! JSON over HTTP to `/api`. Every request carries the schema version; every failure is a
//! typed [`ApiClientError`] that the UI shows in the user's language.

use crate::i18n::Key;
use gloo_net::http::{Request, RequestBuilder, Response};
use huifang_core::{ApiError, ErrorCode, SCHEMA_HEADER, SCHEMA_VERSION};
use serde::{Serialize, de::DeserializeOwned};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApiClientError {
    /// The request never got an answer: offline, server down, DNS, CORS.
    #[error("cannot reach the server: {0}")]
    Network(String),
    /// The server answered with its JSON error.
    #[error("the server refused ({status}): {error}")]
    Server { status: u16, error: ApiError },
    /// The server answered something that is not what the app expects.
    #[error("unexpected answer from the server ({status}): {detail}")]
    Unexpected { status: u16, detail: String },
}

impl ApiClientError {
    /// The message to show the user.
    pub fn key(&self) -> Key {
        match self {
            ApiClientError::Network(_) => Key::ErrOffline,
            ApiClientError::Server { error, .. } => Key::api_error(error.error),
            ApiClientError::Unexpected { .. } => Key::ErrUnexpected,
        }
    }

    pub fn is_unauthenticated(&self) -> bool {
        matches!(self, ApiClientError::Server { error, .. } if error.error == ErrorCode::Unauthenticated)
    }
}

fn with_schema(builder: RequestBuilder) -> RequestBuilder {
    builder.header(SCHEMA_HEADER, &SCHEMA_VERSION.to_string())
}

async fn send(request: Result<Request, gloo_net::Error>) -> Result<Response, ApiClientError> {
    let request = request.map_err(|e| ApiClientError::Unexpected {
        status: 0,
        detail: e.to_string(),
    })?;
    let response = request
        .send()
        .await
        .map_err(|e| ApiClientError::Network(e.to_string()))?;
    if response.ok() {
        return Ok(response);
    }
    let status = response.status();
    match response.json::<ApiError>().await {
        Ok(error) => Err(ApiClientError::Server { status, error }),
        Err(e) => Err(ApiClientError::Unexpected {
            status,
            detail: e.to_string(),
        }),
    }
}

async fn decode<R: DeserializeOwned>(response: Response) -> Result<R, ApiClientError> {
    let status = response.status();
    response
        .json::<R>()
        .await
        .map_err(|e| ApiClientError::Unexpected {
            status,
            detail: e.to_string(),
        })
}

pub async fn get_json<R: DeserializeOwned>(path: &str) -> Result<R, ApiClientError> {
    decode(send(with_schema(Request::get(path)).build()).await?).await
}

pub async fn post_json<B: Serialize, R: DeserializeOwned>(
    path: &str,
    body: &B,
) -> Result<R, ApiClientError> {
    decode(send(with_schema(Request::post(path)).json(body)).await?).await
}

/// A POST of raw bytes (a file the user chose) with a JSON answer.
pub async fn post_body<R: DeserializeOwned>(
    path: &str,
    content_type: &str,
    body: &wasm_bindgen::JsValue,
) -> Result<R, ApiClientError> {
    let request = with_schema(Request::post(path))
        .header("content-type", content_type)
        .body(body.clone());
    decode(send(request).await?).await
}

/// A POST of JSON whose answer carries nothing the app reads (204).
pub async fn post_json_empty<B: Serialize>(path: &str, body: &B) -> Result<(), ApiClientError> {
    send(with_schema(Request::post(path)).json(body))
        .await
        .map(|_| ())
}

/// A POST without a body whose answer carries nothing (204).
pub async fn post_empty(path: &str) -> Result<(), ApiClientError> {
    send(with_schema(Request::post(path)).build())
        .await
        .map(|_| ())
}

/// A PUT of raw bytes (a blob) whose answer carries nothing the app reads: any success
/// (200 "had it", 201 "stored") is `Ok`. Idempotent, so safe to repeat after a lost answer.
pub async fn put_bytes(path: &str, content_type: &str, bytes: &[u8]) -> Result<(), ApiClientError> {
    let body = js_sys::Uint8Array::from(bytes);
    let request = with_schema(Request::put(path))
        .header("content-type", content_type)
        .body(wasm_bindgen::JsValue::from(body));
    send(request).await.map(|_| ())
}

/// A GET of raw bytes (a blob): the body and its content type.
pub async fn get_bytes(path: &str) -> Result<(Vec<u8>, Option<String>), ApiClientError> {
    let response = send(with_schema(Request::get(path)).build()).await?;
    let status = response.status();
    let content_type = response.headers().get("content-type");
    let bytes = response
        .binary()
        .await
        .map_err(|e| ApiClientError::Unexpected {
            status,
            detail: e.to_string(),
        })?;
    Ok((bytes, content_type))
}
