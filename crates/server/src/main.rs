//! The `huifang-server` binary: parse the configuration, log, serve until a signal.

use clap::Parser;
use huifang_server::Config;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    huifang_server::init_tracing();
    let config = Config::parse();
    match huifang_server::run(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "the server failed");
            eprintln!("huifang-server: {e}");
            ExitCode::FAILURE
        }
    }
}
