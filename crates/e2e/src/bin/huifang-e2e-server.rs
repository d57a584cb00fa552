//! The real server as its own process, for tests that kill it (`kill -9`) and start it again:
//! the same `Config` and `run` as the `huifang-server` binary, built with this crate so the
//! tests can find it (`CARGO_BIN_EXE_huifang-e2e-server`).

use clap::Parser;
use huifang_server::Config;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    huifang_server::init_tracing();
    match huifang_server::run(Config::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("huifang-e2e-server: {e}");
            ExitCode::FAILURE
        }
    }
}
