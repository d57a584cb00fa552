//! The tablets' HTTP client: one shared `reqwest` client (one connection pool) for every
//! simulated tablet, with a bound on requests in flight, so a run of 1,000 tablets holds at
//! most `max_in_flight` connections open however the server answers.

use crate::stats::{Recorder, RequestKind};
use huifang_core::sync::{PullResponse, PushRequest, PushResponse};
use huifang_core::{SCHEMA_HEADER, SCHEMA_VERSION};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// Why a request got no usable answer.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CallError {
    /// No answer: refused, reset, closed before the answer (a dropped request or response),
    /// or timed out. The outcome of a push is unknown: the tablet pushes it again.
    #[error("no answer: {0}")]
    Transport(String),
    /// An answer that is not a success.
    #[error("HTTP {status}: {body}")]
    Status { status: u16, body: String },
    /// A success whose body does not read.
    #[error("the answer does not read: {0}")]
    Decode(String),
}

impl CallError {
    /// Worth trying again later: the server was away, overloaded or the network lost it.
    /// Anything else (400, 401, 403, ...) is a mistake a retry will not fix.
    pub fn is_retryable(&self) -> bool {
        match self {
            CallError::Transport(_) | CallError::Decode(_) => true,
            CallError::Status { status, .. } => *status >= 500 || *status == 429 || *status == 408,
        }
    }
}

/// A signed-in tablet's address book: where to send, with which session.
#[derive(Debug, Clone)]
pub struct Api {
    client: reqwest::Client,
    base: String,
    permits: Arc<Semaphore>,
    recorder: Arc<Recorder>,
}

/// The body of a sign-in answer, as far as the load needs it.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct SignedIn {
    pub token: String,
}

impl Api {
    /// A client for `base` (`http://127.0.0.1:PORT`) with at most `max_in_flight` requests
    /// (and so connections) at once; each request gives up after `timeout`.
    pub fn new(
        base: &str,
        max_in_flight: usize,
        timeout: Duration,
        recorder: Arc<Recorder>,
    ) -> Result<Api, CallError> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(Duration::from_secs(5))
            .pool_max_idle_per_host(max_in_flight)
            .pool_idle_timeout(Duration::from_secs(30))
            .tcp_nodelay(true)
            .build()
            .map_err(|e| CallError::Transport(format!("building the HTTP client: {e}")))?;
        Ok(Api {
            client,
            base: base.trim_end_matches('/').to_owned(),
            permits: Arc::new(Semaphore::new(max_in_flight.max(1))),
            recorder,
        })
    }

    /// The same pool and bound, another address (the verifier talks to a server directly).
    pub fn with_base(&self, base: &str) -> Api {
        Api {
            base: base.trim_end_matches('/').to_owned(),
            ..self.clone()
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// `POST /api/sync/push`.
    pub async fn push(
        &self,
        token: &str,
        request: &PushRequest,
    ) -> Result<PushResponse, CallError> {
        let call = self
            .client
            .post(format!("{}/api/sync/push", self.base))
            .bearer_auth(token)
            .header(SCHEMA_HEADER, SCHEMA_VERSION.to_string())
            .json(request);
        let answer: PushResponse = self.timed(RequestKind::Push, call).await?;
        let acked = answer
            .results
            .iter()
            .filter(|r| r.outcome.version().is_some())
            .count();
        self.recorder.acked(acked as u64);
        Ok(answer)
    }

    /// `GET /api/sync/pull?cursor=&limit=`.
    pub async fn pull(
        &self,
        token: &str,
        cursor: u64,
        limit: u32,
    ) -> Result<PullResponse, CallError> {
        let call = self
            .client
            .get(format!(
                "{}/api/sync/pull?cursor={cursor}&limit={limit}",
                self.base
            ))
            .bearer_auth(token)
            .header(SCHEMA_HEADER, SCHEMA_VERSION.to_string());
        self.timed(RequestKind::Pull, call).await
    }

    /// `POST /api/auth/sign-in` (not timed: no tablet signs in during a run).
    pub async fn sign_in(&self, username: &str, password: &str) -> Result<SignedIn, CallError> {
        let call = self
            .client
            .post(format!("{}/api/auth/sign-in", self.base))
            .json(&serde_json::json!({"username": username, "password": password}));
        let _permit = self.permits.acquire().await;
        read(call.send().await).await
    }

    /// Sends under a permit; the latency runs from asking for the permit (the tablet's wait
    /// for a connection is part of what it sees) to the whole body read.
    async fn timed<T: serde::de::DeserializeOwned>(
        &self,
        kind: RequestKind,
        call: reqwest::RequestBuilder,
    ) -> Result<T, CallError> {
        let started = Instant::now();
        let _permit = self.permits.acquire().await;
        let answer = read(call.send().await).await;
        match &answer {
            Ok(_) => self.recorder.answered(kind, started.elapsed()),
            Err(_) => self.recorder.failed(kind),
        }
        answer
    }
}

async fn read<T: serde::de::DeserializeOwned>(
    sent: Result<reqwest::Response, reqwest::Error>,
) -> Result<T, CallError> {
    let response = sent.map_err(|e| CallError::Transport(describe(&e)))?;
    let status = response.status();
    let bytes = response
        .bytes()
        .await
        .map_err(|e| CallError::Transport(describe(&e)))?;
    if !status.is_success() {
        let body = String::from_utf8_lossy(&bytes).chars().take(300).collect();
        return Err(CallError::Status {
            status: status.as_u16(),
            body,
        });
    }
    serde_json::from_slice(&bytes).map_err(|e| CallError::Decode(e.to_string()))
}

/// A reqwest error with its causes (the top line alone says only "error sending request").
fn describe(err: &reqwest::Error) -> String {
    use std::error::Error as _;
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
