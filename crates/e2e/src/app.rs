//! The server side of an end-to-end test: the real `huifang-server` on a random loopback port,
//! a temporary database, and a copy of the built app it can change to play "a new version".

use crate::{E2eError, Result};
use huifang_server::{Config, RunningServer};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root (two levels above this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// The release build of the app: `$HUIFANG_DIST` or `<workspace>/dist`.
pub fn dist_dir() -> Result<PathBuf> {
    let dir = std::env::var_os("HUIFANG_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("dist"));
    if dir.join("index.html").is_file() && dir.join("sw.js").is_file() {
        Ok(dir)
    } else {
        Err(E2eError::MissingBuild(format!(
            "{} has no index.html and sw.js; build the app first (scripts/test does, or \
             `trunk build --release`)",
            dir.display()
        )))
    }
}

/// A running server with its own database and its own copy of the built app.
pub struct TestApp {
    server: Option<RunningServer>,
    addr: SocketAddr,
    database_url: String,
    static_dir: PathBuf,
    // Held so the directory lives as long as the test.
    _tmp: tempfile::TempDir,
}

impl TestApp {
    /// Starts the server with the demo store seeded, serving a private copy of `dist/`.
    pub async fn start() -> Result<Self> {
        let dist = dist_dir()?;
        let tmp = tempfile::tempdir()?;
        let static_dir = tmp.path().join("dist");
        copy_dir(&dist, &static_dir)?;
        let database_url = format!("sqlite://{}", tmp.path().join("huifang.db").display());
        let server = spawn(&database_url, &static_dir, "127.0.0.1:0").await?;
        let addr = server.addr();
        Ok(TestApp {
            server: Some(server),
            addr,
            database_url,
            static_dir,
            _tmp: tmp,
        })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn static_dir(&self) -> &Path {
        &self.static_dir
    }

    /// Stops the server: its port closes, as when a tablet loses the network.
    pub async fn stop(&mut self) {
        if let Some(server) = self.server.take() {
            server.stop().await;
        }
    }

    /// Starts the server again on the same port with the same database.
    pub async fn restart(&mut self) -> Result<()> {
        self.stop().await;
        let server = spawn(&self.database_url, &self.static_dir, &self.addr.to_string()).await?;
        self.server = Some(server);
        Ok(())
    }

    /// Turns the served app into "a new build": marks index.html with `version` and rewrites
    /// sw.js's precache list and build id with the build's own hook, as a real build would.
    pub fn publish_new_version(&self, version: &str) -> Result<()> {
        let index = self.static_dir.join("index.html");
        let html = std::fs::read_to_string(&index)?;
        let marker = format!("<meta name=\"huifang-e2e-version\" content=\"{version}\">");
        // Trunk's minifier drops optional tags such as <head>: anchor on the title instead.
        if !html.contains("<title>") {
            return Err(E2eError::Other("index.html has no <title> to mark".into()));
        }
        let html = html.replacen("<title>", &format!("{marker}<title>"), 1);
        std::fs::write(&index, html)?;
        let script = workspace_root().join("scripts/precache.py");
        let out = Command::new("python3")
            .arg(&script)
            .arg(&self.static_dir)
            .output()?;
        if !out.status.success() {
            return Err(E2eError::Other(format!(
                "precache.py failed: {}",
                String::from_utf8_lossy(&out.stderr)
            )));
        }
        Ok(())
    }
}

async fn spawn(database_url: &str, static_dir: &Path, listen: &str) -> Result<RunningServer> {
    let listen = listen
        .parse()
        .map_err(|e| E2eError::Server(format!("bad listen address {listen}: {e}")))?;
    let mut config = Config::for_tests(database_url.to_owned(), static_dir.to_path_buf());
    config.listen = listen;
    config.demo = true;
    huifang_server::spawn(config)
        .await
        .map_err(|e| E2eError::Server(e.to_string()))
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

/// The server as a separate process (the `huifang-e2e-server` binary of this crate), so a
/// test can kill it with SIGKILL mid-request and start it again on the same port and database.
pub struct ServerProcess {
    binary: PathBuf,
    child: Option<std::process::Child>,
    addr: SocketAddr,
    database_url: String,
    static_dir: PathBuf,
    _tmp: tempfile::TempDir,
}

impl ServerProcess {
    /// Starts `binary` (pass `env!("CARGO_BIN_EXE_huifang-e2e-server")`) with the demo store.
    pub async fn start(binary: &str) -> Result<Self> {
        let dist = dist_dir()?;
        let tmp = tempfile::tempdir()?;
        let static_dir = tmp.path().join("dist");
        copy_dir(&dist, &static_dir)?;
        let database_url = format!("sqlite://{}", tmp.path().join("huifang.db").display());
        // A free loopback port: bind, read it, let go (the server binds it right after).
        let addr = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?;
        let mut server = ServerProcess {
            binary: PathBuf::from(binary),
            child: None,
            addr,
            database_url,
            static_dir,
            _tmp: tmp,
        };
        server.spawn().await?;
        Ok(server)
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    async fn spawn(&mut self) -> Result<()> {
        let child = Command::new(&self.binary)
            .arg("--listen")
            .arg(self.addr.to_string())
            .arg("--database-url")
            .arg(&self.database_url)
            .arg("--static-dir")
            .arg(&self.static_dir)
            .arg("--blob-dir")
            .arg(self.static_dir.with_file_name("blobs"))
            .env("HUIFANG_DEMO", "true")
            .env("RUST_LOG", "warn")
            .spawn()?;
        self.child = Some(child);
        // Ready when /api/health answers.
        let health = format!("{}/api/health", self.url());
        let started = std::time::Instant::now();
        loop {
            if let Ok(r) = reqwest::get(&health).await
                && r.status().is_success()
            {
                return Ok(());
            }
            if let Some(child) = self.child.as_mut()
                && let Some(status) = child.try_wait()?
            {
                return Err(E2eError::Server(format!("the server exited: {status}")));
            }
            if started.elapsed() > crate::STEP_TIMEOUT {
                return Err(E2eError::Server("the server did not come up".into()));
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// SIGKILL: no shutdown, no flush, whatever request is in flight dies with it.
    pub fn kill(&mut self) -> Result<()> {
        if let Some(mut child) = self.child.take() {
            child.kill()?;
            child.wait()?;
        }
        Ok(())
    }

    /// Starts the server again on the same port with the same database.
    pub async fn restart(&mut self) -> Result<()> {
        self.kill()?;
        self.spawn().await
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if let Err(e) = self.kill() {
            eprintln!("stopping the server process: {e}");
        }
    }
}
