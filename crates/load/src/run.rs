//! One run: a fresh database, the fleet in it, server processes on it (behind the proxy when
//! there are two, or when the network is bad), N tablets working for a while, optional kills,
//! the drain, then the verification; the figures and the verdict in a [`Report`].

use crate::api::Api;
use crate::fleet::{self, AUDITOR, FleetPlan, LOAD_PASSWORD};
use crate::proxy::{Faults, Proxy};
use crate::report::Report;
use crate::stats::Recorder;
use crate::supervisor::{ProcessError, ServerBinary, ServerProcess, ServerSpec};
use crate::tablet::{Control, Pace, Tablet};
use crate::verify;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Where the data lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file in the run's folder.
    Sqlite,
    /// A fresh database on the PostgreSQL server of this admin URL (dropped afterwards).
    Postgres { admin_url: String },
}

impl Backend {
    pub fn name(&self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres { .. } => "postgres",
        }
    }
}

/// Everything a run needs.
#[derive(Debug, Clone)]
pub struct RunConfig {
    pub tablets: usize,
    /// How long the users work (the measured window).
    pub duration: Duration,
    pub backend: Backend,
    /// Server processes on the one database (two or more: behind the proxy).
    pub processes: usize,
    /// Put the proxy in front even of one process (always with faults or several processes).
    pub proxy: bool,
    pub faults: Faults,
    /// SIGKILL a server process this often (± half), and start it again at once.
    pub kill_every: Option<Duration>,
    pub pace: Pace,
    /// Requests (and connections) in flight at most, over all tablets.
    pub max_in_flight: usize,
    pub request_timeout: Duration,
    pub server: ServerBinary,
    pub seed: u64,
    /// How long tablets may take to push what waits after the working time.
    pub drain_limit: Duration,
    pub per_store: usize,
    /// Keep the run's folder (database, server logs) and print where it is.
    pub keep: bool,
}

impl RunConfig {
    /// A run of `tablets` for `duration` on SQLite, one process, no faults, no kills.
    pub fn new(tablets: usize, duration: Duration, server: ServerBinary) -> Self {
        RunConfig {
            tablets,
            duration,
            backend: Backend::Sqlite,
            processes: 1,
            proxy: false,
            faults: Faults::none(),
            kill_every: None,
            pace: Pace::default(),
            max_in_flight: 256,
            request_timeout: Duration::from_secs(30),
            server,
            seed: 1,
            drain_limit: Duration::from_secs(60),
            per_store: 20,
            keep: false,
        }
    }

    fn uses_proxy(&self) -> bool {
        self.proxy || self.processes > 1 || self.faults.any()
    }
}

/// Why a run could not be carried out (as opposed to what it found).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("setting up the fleet: {0}")]
    Fleet(#[from] fleet::FleetError),
    #[error("a server process: {0}")]
    Process(#[from] ProcessError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("the HTTP client: {0}")]
    Api(#[from] crate::api::CallError),
    #[error("the verification could not run: {0}")]
    Verify(#[from] verify::VerifyError),
    #[error("{0}")]
    Other(String),
}

type Processes = Arc<Vec<Mutex<ServerProcess>>>;

/// Runs blocking process work off the async threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, RunError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| RunError::Other(format!("a blocking task failed: {e}")))
}

fn lock(processes: &Processes, i: usize) -> std::sync::MutexGuard<'_, ServerProcess> {
    match processes[i].lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// Carries out one run.
pub async fn run(config: RunConfig) -> Result<Report, RunError> {
    let dir = tempfile::Builder::new().prefix("huifang-load-").tempdir()?;
    if config.keep {
        eprintln!("run folder: {}", dir.path().display());
    }
    let database_url = match &config.backend {
        Backend::Sqlite => format!("sqlite://{}", dir.path().join("load.db").display()),
        Backend::Postgres { admin_url } => fleet::fresh_pg_database(admin_url).await?,
    };
    let result = run_on(&config, &database_url, dir.path()).await;
    if let Backend::Postgres { admin_url } = &config.backend
        && let Err(e) = fleet::drop_pg_database(admin_url, &database_url).await
    {
        eprintln!("dropping the run's database: {e}");
    }
    if config.keep {
        let _ = dir.keep();
    }
    result
}

async fn run_on(
    config: &RunConfig,
    database_url: &str,
    dir: &std::path::Path,
) -> Result<Report, RunError> {
    let mut plan = FleetPlan::new(config.tablets);
    plan.per_store = config.per_store.max(1);
    let fleet = fleet::seed(database_url, plan).await?;

    let mut started = Vec::new();
    for i in 0..config.processes.max(1) {
        let spec = ServerSpec {
            binary: config.server.clone(),
            database_url: database_url.to_owned(),
            dir: dir.join(format!("server-{i}")),
        };
        started.push(Mutex::new(
            blocking(move || ServerProcess::start(spec)).await??,
        ));
    }
    let processes: Processes = Arc::new(started);
    let upstreams: Vec<_> = (0..processes.len())
        .map(|i| lock(&processes, i).addr())
        .collect();
    let direct = lock(&processes, 0).url();

    let proxy = if config.uses_proxy() {
        Some(Proxy::start(upstreams, config.faults, config.seed).await?)
    } else {
        None
    };
    let base = proxy.as_ref().map_or_else(|| direct.clone(), Proxy::url);
    let recorder = Arc::new(Recorder::new());
    let api = Api::new(
        &base,
        config.max_in_flight,
        config.request_timeout,
        recorder.clone(),
    )?;
    let auditor_token = sign_in(&api).await?;
    // Set-up and verification requests are not the tablets': another recorder.
    let setup = Api::new(
        &direct,
        8,
        config.request_timeout,
        Arc::new(Recorder::new()),
    )?;
    // Where the feed ends now (the stores' default call scripts): tablets start there, unless
    // they start as new devices.
    let start_cursor = if config.pace.fresh {
        0
    } else {
        feed_end(&setup, &auditor_token).await?
    };

    let control = Control::new();
    let pace = Arc::new(config.pace.clone());
    let start = Instant::now();
    let tablets: Vec<_> = fleet
        .tablets
        .iter()
        .cloned()
        .enumerate()
        .map(|(n, identity)| {
            let tablet = Tablet::new(n, identity, config.seed).caught_up_to(start_cursor);
            tokio::spawn(tablet.run(api.clone(), pace.clone(), control.clone()))
        })
        .collect();
    let killer = config.kill_every.map(|every| {
        tokio::spawn(kill_loop(
            processes.clone(),
            control.clone(),
            every,
            config.seed,
        ))
    });

    tokio::time::sleep(config.duration).await;
    control.working.store(false, Ordering::SeqCst);
    recorder.stop();
    let seconds = start.elapsed().as_secs_f64();
    let drain_started = Instant::now();
    if let Ok(mut deadline) = control.drain_deadline.lock() {
        *deadline = Some(drain_started + config.drain_limit);
    }
    let mut kills = 0;
    if let Some(killer) = killer {
        kills = killer
            .await
            .map_err(|e| RunError::Other(format!("the kill loop failed: {e}")))?;
    }
    // Every process up again for the drain and the verification.
    for i in 0..processes.len() {
        let processes = processes.clone();
        blocking(move || {
            let mut process = lock(&processes, i);
            if process.is_running() {
                Ok(())
            } else {
                process.restart()
            }
        })
        .await??;
    }
    let mut done = Vec::with_capacity(tablets.len());
    for tablet in tablets {
        done.push(
            tablet
                .await
                .map_err(|e| RunError::Other(format!("a tablet task failed: {e}")))?,
        );
    }
    let drain_seconds = drain_started.elapsed().as_secs_f64();
    if let Some(proxy) = &proxy {
        proxy.set_faults(Faults::none());
    }
    let verify_started = Instant::now();
    let verdict = verify::verify(&done, &setup, &auditor_token).await?;
    let verify_seconds = verify_started.elapsed().as_secs_f64();

    let mut fatal = Vec::new();
    let mut protocol_errors = Vec::new();
    for t in &done {
        if let Some(e) = &t.counts.fatal {
            fatal.push(format!(
                "FATAL: tablet {} ({}): {e}",
                t.n, t.identity.username
            ));
        }
        protocol_errors.extend(t.counts.protocol_errors.iter().cloned());
    }
    fatal.truncate(10);
    protocol_errors.truncate(10);
    let report = Report {
        backend: config.backend.name(),
        processes: processes.len(),
        proxy: proxy.is_some(),
        tablets: config.tablets,
        stores: fleet.stores.len(),
        seconds,
        think_ms: config.pace.think.as_millis(),
        pulls: config.pace.pull,
        fresh: config.pace.fresh,
        requests: recorder.summary(seconds),
        steps: done.iter().map(|t| t.counts.steps).sum(),
        acked_per_s: recorder.acked_total() as f64 / seconds.max(f64::EPSILON),
        pulled_changes: done.iter().map(|t| t.counts.pulled_changes).sum(),
        empty_pages: done.iter().map(|t| t.counts.empty_pages).sum(),
        scanned: done.iter().map(|t| t.counts.scanned).sum(),
        resent: done.iter().map(|t| t.counts.resent).sum(),
        failed_requests: done.iter().map(|t| t.counts.failed_requests).sum(),
        kills,
        faults: config.faults,
        proxy_counts: proxy.as_ref().map(Proxy::counts),
        fatal,
        protocol_errors,
        drain_seconds,
        verify_seconds,
        verdict,
    };
    drop(proxy);
    blocking(move || drop(processes)).await?;
    Ok(report)
}

/// The group manager signs in through the tablets' way in (the proxy, with its faults).
async fn sign_in(api: &Api) -> Result<String, RunError> {
    let mut last = None;
    for _ in 0..30 {
        match api.sign_in(AUDITOR, LOAD_PASSWORD).await {
            Ok(signed) => return Ok(signed.token),
            Err(e) if e.is_retryable() => {
                last = Some(e);
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(RunError::Other(format!(
        "the group manager could not sign in: {}",
        last.map_or_else(String::new, |e| e.to_string())
    )))
}

/// The cursor after the last change of the feed.
async fn feed_end(api: &Api, token: &str) -> Result<u64, RunError> {
    let mut cursor = 0;
    loop {
        let page = api.pull(token, cursor, 2_000).await?;
        cursor = page.next_cursor;
        if !page.has_more {
            return Ok(cursor);
        }
    }
}

/// Kills a server process (in turn) every `every` (± half) while the users work, starting it
/// again at once; returns how many kills.
async fn kill_loop(processes: Processes, control: Arc<Control>, every: Duration, seed: u64) -> u32 {
    let mut rng = fastrand::Rng::with_seed(seed.wrapping_add(7));
    let mut kills = 0u32;
    loop {
        let pause = every.mul_f64(0.5 + rng.f64());
        tokio::time::sleep(pause).await;
        if !control.working.load(Ordering::SeqCst) {
            return kills;
        }
        let i = kills as usize % processes.len();
        let procs = processes.clone();
        let restarted = blocking(move || {
            let mut process = lock(&procs, i);
            process.restart()
        })
        .await;
        match restarted {
            Ok(Ok(())) => kills += 1,
            // Killed, not started again: the next round (or the end of the run) retries.
            Ok(Err(e)) => {
                kills += 1;
                eprintln!("restarting server process {i} after a kill: {e}");
            }
            Err(e) => eprintln!("the kill task: {e}"),
        }
    }
}
