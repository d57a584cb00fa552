//! Real server processes: started on a 127.0.0.1 port, killed with SIGKILL (no shutdown, no
//! flush: whatever was in flight dies with it) and started again on the same port and the same
//! database.
//!
//! The binary is `huifang-server`, or this crate's own `huifang-load serve` (the same
//! `Config` and `run`, built with this crate so its tests find it beside them). Every process
//! gets `HUIFANG_SIGN_IN_PER_MINUTE=0` (no sign-in rate limit: the load is not an attack) and
//! `RUST_LOG=error` unless `HUIFANG_LOAD_SERVER_LOG` says otherwise; its stderr goes to a log
//! file in the run's folder.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long a process may take to migrate, seed and listen.
const START_LIMIT: Duration = Duration::from_secs(60);

/// Why a server process could not be run.
#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    #[error("starting {binary}: {source}")]
    Spawn {
        binary: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the server process exited before it listened ({status}); its log: {log}")]
    Exited { status: String, log: String },
    #[error("the server process did not listen within {0:?}")]
    Slow(Duration),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Which program is the server.
#[derive(Debug, Clone)]
pub struct ServerBinary {
    pub path: PathBuf,
    /// Arguments before the server's own flags (`["serve"]` for `huifang-load serve`).
    pub prefix: Vec<String>,
}

impl ServerBinary {
    /// The `huifang-server` binary at `path`.
    pub fn server(path: impl Into<PathBuf>) -> Self {
        ServerBinary {
            path: path.into(),
            prefix: Vec::new(),
        }
    }

    /// `huifang-load serve` at `path` (the server built into this crate's binary).
    pub fn load_serve(path: impl Into<PathBuf>) -> Self {
        ServerBinary {
            path: path.into(),
            prefix: vec!["serve".to_owned()],
        }
    }
}

/// What every start of one server process gets.
#[derive(Debug, Clone)]
pub struct ServerSpec {
    pub binary: ServerBinary,
    pub database_url: String,
    /// Holds the (empty) static dir, the blob dir and the log of this process.
    pub dir: PathBuf,
}

/// One server process on a fixed loopback port.
#[derive(Debug)]
pub struct ServerProcess {
    spec: ServerSpec,
    addr: SocketAddr,
    child: Option<Child>,
    log: PathBuf,
    starts: u32,
}

impl ServerProcess {
    /// Starts the server on a free port of 127.0.0.1 and waits until it listens.
    pub fn start(spec: ServerSpec) -> Result<ServerProcess, ProcessError> {
        std::fs::create_dir_all(&spec.dir)?;
        std::fs::create_dir_all(spec.dir.join("dist"))?;
        // Bind, read the port, let go: the server binds it right after (and again after every
        // kill, so the tablets keep their address).
        let addr = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?;
        let log = spec.dir.join("server.log");
        let mut process = ServerProcess {
            spec,
            addr,
            child: None,
            log,
            starts: 0,
        };
        process.spawn()?;
        Ok(process)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// How many times it was started.
    pub fn starts(&self) -> u32 {
        self.starts
    }

    pub fn is_running(&self) -> bool {
        self.child.is_some()
    }

    /// SIGKILL, and wait for the process to be gone.
    pub fn kill(&mut self) -> std::io::Result<()> {
        if let Some(mut child) = self.child.take() {
            child.kill()?;
            child.wait()?;
        }
        Ok(())
    }

    /// Kills (if running) and starts again on the same port and database.
    pub fn restart(&mut self) -> Result<(), ProcessError> {
        self.kill()?;
        // The port can stay busy for a moment after a kill; try a few times.
        let mut tries = 0;
        loop {
            match self.spawn() {
                Ok(()) => return Ok(()),
                Err(e) if tries < 20 => {
                    tries += 1;
                    tracing_hint(&e);
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(e) => return Err(e),
            }
        }
    }

    fn spawn(&mut self) -> Result<(), ProcessError> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)?;
        let spec = &self.spec;
        let rust_log =
            std::env::var("HUIFANG_LOAD_SERVER_LOG").unwrap_or_else(|_| "error".to_owned());
        let mut child = Command::new(&spec.binary.path)
            .args(&spec.binary.prefix)
            .arg("--listen")
            .arg(self.addr.to_string())
            .arg("--database-url")
            .arg(&spec.database_url)
            .arg("--static-dir")
            .arg(spec.dir.join("dist"))
            .arg("--blob-dir")
            .arg(spec.dir.join("blobs"))
            .env("HUIFANG_SIGN_IN_PER_MINUTE", "0")
            .env("RUST_LOG", rust_log)
            .env_remove("HUIFANG_DEMO")
            .env_remove("DATABASE_URL")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .map_err(|source| ProcessError::Spawn {
                binary: spec.binary.path.display().to_string(),
                source,
            })?;
        let stdout = child.stdout.take();
        let (said, heard) = mpsc::channel();
        // Reads stdout to its end (so the pipe never fills) and says when the URL is printed.
        std::thread::spawn(move || {
            let Some(stdout) = stdout else { return };
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if line.starts_with("Huifang is listening on ") {
                    let _ = said.send(());
                }
            }
        });
        let started = Instant::now();
        loop {
            match heard.recv_timeout(Duration::from_millis(50)) {
                Ok(()) => break,
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                // stdout closed without the line: the process is gone or going.
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    let status = child
                        .wait()
                        .map_or_else(|e| e.to_string(), |s| s.to_string());
                    return Err(ProcessError::Exited {
                        status,
                        log: tail(&self.log),
                    });
                }
            }
            if let Some(status) = child.try_wait()? {
                return Err(ProcessError::Exited {
                    status: status.to_string(),
                    log: tail(&self.log),
                });
            }
            if started.elapsed() > START_LIMIT {
                let _ = child.kill();
                let _ = child.wait();
                return Err(ProcessError::Slow(START_LIMIT));
            }
        }
        self.child = Some(child);
        self.starts += 1;
        Ok(())
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if let Err(e) = self.kill() {
            eprintln!("stopping a server process: {e}");
        }
    }
}

fn tracing_hint(err: &ProcessError) {
    if std::env::var_os("HUIFANG_LOAD_VERBOSE").is_some() {
        eprintln!("restarting a server process: {err}; trying again");
    }
}

/// The last lines of a log file.
fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}
