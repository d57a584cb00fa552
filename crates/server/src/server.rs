//! Starting and stopping the server: shared by the binary and the end-to-end tests.

use crate::config::Config;
use crate::error::Error;
use crate::state::AppState;
use std::net::SocketAddr;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A server running on a tokio task.
#[derive(Debug)]
pub struct RunningServer {
    addr: SocketAddr,
    state: AppState,
    shutdown: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
    housekeeping: JoinHandle<()>,
}

/// Connects to the database (migrating, seeding with `demo`), binds `config.listen` and serves
/// on a new task. Port 0 picks a free port: ask [`RunningServer::addr`].
pub async fn spawn(config: Config) -> Result<RunningServer, Error> {
    let state = AppState::from_config(&config).await?;
    match crate::scripts::ensure_defaults(&state).await {
        Ok(_) => {}
        // Not fatal: the server serves; supervisors can still write scripts.
        Err(e) => tracing::error!(error = %e, "could not publish the default call scripts"),
    }
    let listener = match TcpListener::bind(config.listen).await {
        Ok(listener) => listener,
        Err(e) => {
            state.db.close().await;
            return Err(e.into());
        }
    };
    let addr = listener.local_addr()?;
    let (shutdown, stopped) = oneshot::channel::<()>();
    let app = crate::router(state.clone());
    let task = tokio::spawn(async move {
        // The peer's address is what failed sign-ins are limited by (auth::rate).
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            // A dropped sender also stops the server.
            let _ = stopped.await;
        })
        .await
    });
    let db = state.db.clone();
    let housekeeping = tokio::spawn(async move {
        let mut every = tokio::time::interval(crate::auth::HOUSEKEEPING_EVERY);
        loop {
            every.tick().await;
            if let Err(e) = crate::auth::housekeeping(&db).await {
                tracing::error!(error = %e, "housekeeping failed; tried again in an hour");
            }
        }
    });
    tracing::info!(%addr, database = state.db.backend.as_str(), "listening");
    Ok(RunningServer {
        addr,
        state,
        shutdown,
        task,
        housekeeping,
    })
}

impl RunningServer {
    /// The address it listens on (with the real port when `--listen` had port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR`, without a trailing slash.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The state the server runs with (its database pool), for tests and tools.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Stops accepting, lets requests in flight finish, closes the database pool. Returns once
    /// the port is closed, so the same address can be bound again at once.
    pub async fn stop(self) {
        self.housekeeping.abort();
        let _ = self.shutdown.send(());
        match self.task.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::error!(error = %e, "the server stopped with an error"),
            Err(e) => tracing::error!(error = %e, "the server task failed"),
        }
        self.state.db.close().await;
        tracing::info!(addr = %self.addr, "stopped");
    }
}

/// What the binary does: start, print the URL, serve until SIGINT or SIGTERM, stop gracefully.
pub async fn run(config: Config) -> Result<(), Error> {
    let server = spawn(config).await?;
    println!("Huifang is listening on {}", server.url());
    shutdown_signal().await;
    tracing::info!("shutting down");
    server.stop().await;
    Ok(())
}

/// Resolves on Ctrl-C (SIGINT) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}

/// Logs to stderr, filtered by `RUST_LOG` (default `info,huifang_server=info`). Safe to call
/// more than once (later calls do nothing).
pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,huifang_server=info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
