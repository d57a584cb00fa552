//! A small HTTP proxy in front of one or more server processes: round-robin over them (the
//! "simple load balancer" of a two-process deployment), and, when asked, a bad network.
//!
//! Faults, each drawn per request with its own probability:
//! - **drop request**: the request is read and never forwarded; the connection closes with no
//!   answer (the tablet cannot know that nothing happened).
//! - **drop response**: the request is forwarded and answered by the server, then the
//!   connection closes with no answer (the tablet cannot know that it *did* happen).
//! - **delay**: a pause of up to `delay_max` before forwarding or before answering.
//! - **duplicate**: the request is forwarded twice at once (to two upstreams when there are
//!   two), and one of the two answers, picked at random, goes back.
//!
//! An upstream that refuses the connection (a server being restarted) is skipped for the next
//! one: nothing was sent, so that is safe. An upstream that fails after the request was sent
//! answers 502, as a real load balancer would.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{CONNECTION, CONTENT_LENGTH, HOST, HeaderName, TRANSFER_ENCODING};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// How often each fault happens (probabilities from 0 to 1).
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct Faults {
    pub drop_request: f64,
    pub drop_response: f64,
    pub delay: f64,
    pub delay_max: Duration,
    pub duplicate: f64,
}

impl Faults {
    /// No faults: a plain round-robin proxy.
    pub fn none() -> Self {
        Faults::default()
    }

    /// A bad network: 5% of requests dropped, 5% of answers dropped, 10% delayed up to
    /// 300 ms, 5% duplicated.
    pub fn bad_network() -> Self {
        Faults {
            drop_request: 0.05,
            drop_response: 0.05,
            delay: 0.10,
            delay_max: Duration::from_millis(300),
            duplicate: 0.05,
        }
    }

    pub fn any(&self) -> bool {
        self.drop_request > 0.0
            || self.drop_response > 0.0
            || self.delay > 0.0
            || self.duplicate > 0.0
    }
}

/// What the proxy did, counted.
#[derive(Debug, Default)]
struct Counters {
    requests: AtomicU64,
    forwarded: AtomicU64,
    dropped_requests: AtomicU64,
    dropped_responses: AtomicU64,
    delayed: AtomicU64,
    duplicated: AtomicU64,
    bad_gateway: AtomicU64,
    skipped_upstreams: AtomicU64,
}

/// The proxy's counts at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct ProxyCounts {
    pub requests: u64,
    pub forwarded: u64,
    pub dropped_requests: u64,
    pub dropped_responses: u64,
    pub delayed: u64,
    pub duplicated: u64,
    /// Answered 502: the upstream failed after the request was sent to it.
    pub bad_gateway: u64,
    /// Upstreams that refused a connection and were passed over for the next.
    pub skipped_upstreams: u64,
}

/// Closes the connection without an answer (hyper does so when the service fails).
#[derive(Debug, thiserror::Error)]
#[error("dropped on purpose")]
struct Dropped;

struct Shared {
    upstreams: Vec<SocketAddr>,
    next: AtomicUsize,
    client: reqwest::Client,
    faults: Mutex<Faults>,
    faulty: AtomicBool,
    rng: Mutex<fastrand::Rng>,
    counters: Counters,
}

/// A running proxy; stops when dropped.
pub struct Proxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl Proxy {
    /// Listens on a free port of 127.0.0.1 and forwards to `upstreams` in turn. `seed` makes
    /// the faults' draws repeatable (their timing is not).
    pub async fn start(
        upstreams: Vec<SocketAddr>,
        faults: Faults,
        seed: u64,
    ) -> std::io::Result<Proxy> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .connect_timeout(Duration::from_secs(2))
            .pool_idle_timeout(Duration::from_secs(30))
            .tcp_nodelay(true)
            .build()
            .map_err(std::io::Error::other)?;
        let shared = Arc::new(Shared {
            upstreams,
            next: AtomicUsize::new(0),
            client,
            faults: Mutex::new(faults),
            faulty: AtomicBool::new(faults.any()),
            rng: Mutex::new(fastrand::Rng::with_seed(seed)),
            counters: Counters::default(),
        });
        let accepting = shared.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    // Out of descriptors or the like: breathe, then go on.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let shared = accepting.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |request| {
                        let shared = shared.clone();
                        async move { shared.handle(request).await }
                    });
                    // An error here is a dropped request or response, or a client gone.
                    let _ = hyper::server::conn::http1::Builder::new()
                        .keep_alive(true)
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(Proxy { addr, shared, task })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Changes the faults (e.g. none while the verification reads).
    pub fn set_faults(&self, faults: Faults) {
        if let Ok(mut current) = self.shared.faults.lock() {
            *current = faults;
        }
        self.shared.faulty.store(faults.any(), Ordering::SeqCst);
    }

    pub fn counts(&self) -> ProxyCounts {
        let c = &self.shared.counters;
        let get = |a: &AtomicU64| a.load(Ordering::SeqCst);
        ProxyCounts {
            requests: get(&c.requests),
            forwarded: get(&c.forwarded),
            dropped_requests: get(&c.dropped_requests),
            dropped_responses: get(&c.dropped_responses),
            delayed: get(&c.delayed),
            duplicated: get(&c.duplicated),
            bad_gateway: get(&c.bad_gateway),
            skipped_upstreams: get(&c.skipped_upstreams),
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A request as read, to send once or twice.
struct Forward {
    method: hyper::Method,
    path: String,
    headers: hyper::HeaderMap,
    body: Bytes,
}

/// The faults drawn for one request.
#[derive(Debug, Clone, Copy, Default)]
struct Draw {
    drop_request: bool,
    drop_response: bool,
    delay_before: Option<Duration>,
    delay_after: Option<Duration>,
    duplicate: bool,
}

impl Shared {
    fn draw(&self) -> Draw {
        if !self.faulty.load(Ordering::Relaxed) {
            return Draw::default();
        }
        let faults = self.faults.lock().map(|f| *f).unwrap_or_default();
        let Ok(mut rng) = self.rng.lock() else {
            return Draw::default();
        };
        let mut hit = |p: f64| p > 0.0 && rng.f64() < p;
        let drop_request = hit(faults.drop_request);
        let drop_response = !drop_request && hit(faults.drop_response);
        let delayed = hit(faults.delay);
        let duplicate = !drop_request && hit(faults.duplicate);
        let max_ms = u64::try_from(faults.delay_max.as_millis()).unwrap_or(u64::MAX);
        let pause = Duration::from_millis(rng.u64(0..=max_ms));
        let before = rng.bool();
        Draw {
            drop_request,
            drop_response,
            delay_before: (delayed && before).then_some(pause),
            delay_after: (delayed && !before).then_some(pause),
            duplicate,
        }
    }

    async fn handle(
        self: Arc<Self>,
        request: Request<Incoming>,
    ) -> Result<Response<Full<Bytes>>, Dropped> {
        self.counters.requests.fetch_add(1, Ordering::Relaxed);
        let (parts, body) = request.into_parts();
        // The whole body first: a dropped request is one the proxy had in full.
        let body = body.collect().await.map_err(|_| Dropped)?.to_bytes();
        let forward = Forward {
            method: parts.method,
            path: parts
                .uri
                .path_and_query()
                .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned()),
            headers: parts.headers,
            body,
        };
        let draw = self.draw();
        if let Some(pause) = draw.delay_before.or(draw.delay_after) {
            self.counters.delayed.fetch_add(1, Ordering::Relaxed);
            if draw.delay_before.is_some() {
                tokio::time::sleep(pause).await;
            }
        }
        if draw.drop_request {
            self.counters
                .dropped_requests
                .fetch_add(1, Ordering::Relaxed);
            return Err(Dropped);
        }
        let answer = if draw.duplicate {
            self.counters.duplicated.fetch_add(1, Ordering::Relaxed);
            let (first, second) = tokio::join!(self.send(&forward), self.send(&forward));
            let take_first = self.rng.lock().map(|mut r| r.bool()).unwrap_or(true);
            match (first, second) {
                (Some(a), Some(b)) => Some(if take_first { a } else { b }),
                (a, b) => a.or(b),
            }
        } else {
            self.send(&forward).await
        };
        if let Some(pause) = draw.delay_after {
            tokio::time::sleep(pause).await;
        }
        if draw.drop_response {
            self.counters
                .dropped_responses
                .fetch_add(1, Ordering::Relaxed);
            return Err(Dropped);
        }
        Ok(answer.unwrap_or_else(|| {
            self.counters.bad_gateway.fetch_add(1, Ordering::Relaxed);
            json_response(
                StatusCode::BAD_GATEWAY,
                r#"{"error":"bad_gateway","message":"the upstream server did not answer"}"#,
            )
        }))
    }

    /// Sends to the next upstream that takes the connection; `None` when one failed after the
    /// request went out (or none would connect).
    async fn send(&self, forward: &Forward) -> Option<Response<Full<Bytes>>> {
        let n = self.upstreams.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        for i in 0..n {
            let upstream = self.upstreams[(start + i) % n];
            let mut call = self.client.request(
                forward.method.clone(),
                format!("http://{upstream}{}", forward.path),
            );
            for (name, value) in &forward.headers {
                if !hop_by_hop(name) {
                    call = call.header(name, value);
                }
            }
            match call.body(forward.body.clone()).send().await {
                Ok(response) => {
                    let status = response.status();
                    let headers = response.headers().clone();
                    let Ok(body) = response.bytes().await else {
                        return None;
                    };
                    self.counters.forwarded.fetch_add(1, Ordering::Relaxed);
                    let mut answer = Response::new(Full::new(body));
                    *answer.status_mut() = status;
                    for (name, value) in &headers {
                        if !hop_by_hop(name) {
                            answer.headers_mut().append(name, value.clone());
                        }
                    }
                    return Some(answer);
                }
                Err(e) if e.is_connect() => {
                    self.counters
                        .skipped_upstreams
                        .fetch_add(1, Ordering::Relaxed);
                }
                Err(_) => return None,
            }
        }
        None
    }
}

/// Headers that belong to one hop (or that the body's new framing sets again).
fn hop_by_hop(name: &HeaderName) -> bool {
    name == HOST
        || name == CONNECTION
        || name == CONTENT_LENGTH
        || name == TRANSFER_ENCODING
        || matches!(
            name.as_str(),
            "keep-alive" | "proxy-connection" | "te" | "trailer" | "upgrade"
        )
}

fn json_response(status: StatusCode, body: &'static str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    response
}
