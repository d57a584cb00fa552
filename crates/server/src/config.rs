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

    /// Folder for uploaded blobs (signatures, photos), outside the database.
    #[arg(long, env = "HUIFANG_BLOB_DIR", default_value = "data/blobs")]
    pub blob_dir: PathBuf,

    /// The largest blob an upload may carry, in bytes.
    #[arg(long, env = "HUIFANG_BLOB_MAX_BYTES", default_value_t = 5 * 1024 * 1024)]
    pub blob_max_bytes: usize,

    /// How far ahead of the server's clock a change's stamp may be, in seconds; a tablet whose
    /// clock is further ahead has its changes refused with a reason until its clock is fixed.
    #[arg(long, env = "HUIFANG_MAX_CLOCK_AHEAD_SECS", default_value_t = 300)]
    pub max_clock_ahead_secs: u32,
}

impl Config {
    /// A configuration for tests: a free port on loopback, no demo seed, blobs in `blobs`
    /// beside the static dir.
    pub fn for_tests(database_url: impl Into<String>, static_dir: impl Into<PathBuf>) -> Self {
        let static_dir = static_dir.into();
        Config {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            database_url: database_url.into(),
            blob_dir: static_dir.with_file_name("blobs"),
            static_dir,
            demo: false,
            blob_max_bytes: 5 * 1024 * 1024,
            max_clock_ahead_secs: 300,
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
        assert_eq!(config.blob_max_bytes, 5 * 1024 * 1024);
        assert_eq!(config.max_clock_ahead_secs, 300);
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
