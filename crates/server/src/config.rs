//! How the server is configured: command-line flags, each with an environment variable and a
//! default that runs out of the box.

use clap::Parser;
use clap::builder::BoolishValueParser;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;

/// The server's configuration. Parsed from flags and the environment by the binary, or built in
/// code by tests (every field is public).
#[derive(Debug, Clone, Parser)]
#[command(
    name = "huifang-server",
    version,
    about = "Serves the Huifang app and its /api"
)]
pub struct Config {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, env = "HUIFANG_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// `sqlite://path/to/file.db` (created if missing) or `postgres://user@host:port/db`.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://data/huifang.db")]
    pub database_url: String,

    /// Folder of the built app (Trunk's `dist/`), served for every path outside /api.
    #[arg(long, env = "HUIFANG_STATIC_DIR", default_value = "dist")]
    pub static_dir: PathBuf,

    /// Seed the demo store and its users when the database has no store yet.
    #[arg(long, env = "HUIFANG_DEMO", value_parser = BoolishValueParser::new(), default_value_t = false)]
    pub demo: bool,
}

impl Config {
    /// A configuration for tests: a free port on loopback, no demo seed.
    pub fn for_tests(database_url: impl Into<String>, static_dir: impl Into<PathBuf>) -> Self {
        Config {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            database_url: database_url.into(),
            static_dir: static_dir.into(),
            demo: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_run_locally() {
        let config = Config::try_parse_from(["huifang-server"]).expect("defaults parse");
        assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(config.static_dir, PathBuf::from("dist"));
        // DATABASE_URL may be set in the environment running the tests; only check the flag.
        let config = Config::try_parse_from([
            "huifang-server",
            "--database-url",
            "sqlite://x.db",
            "--demo",
            "--listen",
            "127.0.0.1:0",
        ])
        .expect("flags parse");
        assert_eq!(config.database_url, "sqlite://x.db");
        assert!(config.demo);
        assert_eq!(config.listen.port(), 0);
    }
}
