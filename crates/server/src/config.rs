//! How the server is configured: command-line flags, each with an environment variable and a
//! default that runs out of the box.

use clap::Parser;
use clap::builder::BoolishValueParser;
use huifang_core::care::complaints::ComplaintRules;
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

    /// How fast a complaint must be answered, in hours per severity, and how many days after
    /// the solution the follow-up callback falls due, as `key=value` pairs separated by commas
    /// (any subset; the rest keep their defaults). Devices receive the rules with the
    /// directory they cache offline. A value that does not read stops the server at start
    /// with the reason.
    #[arg(
        long,
        env = "HUIFANG_COMPLAINT_RULES",
        value_parser = ComplaintRules::parse,
        default_value = DEFAULT_COMPLAINT_RULES
    )]
    pub complaint_rules: ComplaintRules,
}

/// The core's default complaint rules as the flag writes them (a test checks they agree).
pub const DEFAULT_COMPLAINT_RULES: &str = "general=24,escalated=8,major=2,follow_up_days=3";

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
            complaint_rules: ComplaintRules::default(),
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

    #[test]
    fn complaint_rules_default_to_the_cores() {
        assert_eq!(
            ComplaintRules::parse(DEFAULT_COMPLAINT_RULES),
            Ok(ComplaintRules::default())
        );
        // HUIFANG_COMPLAINT_RULES may be set where the tests run; the flag wins over it.
        let config = Config::try_parse_from([
            "huifang-server",
            "--complaint-rules",
            DEFAULT_COMPLAINT_RULES,
        ])
        .expect("the defaults parse");
        assert_eq!(config.complaint_rules, ComplaintRules::default());
        let config = Config::try_parse_from(["huifang-server", "--complaint-rules", "major=1"])
            .expect("a subset parses");
        assert_eq!(config.complaint_rules.major_hours, 1);
        assert_eq!(config.complaint_rules.general_hours, 24);
    }

    #[test]
    fn bad_complaint_rules_stop_the_start_with_the_reason() {
        for (value, reason) in [
            ("major=0", "a whole number above 0"),
            ("major", "written key=value"),
            ("urgent=1", "no complaint rule is called"),
        ] {
            let err = Config::try_parse_from(["huifang-server", "--complaint-rules", value])
                .expect_err("a bad value is refused");
            let text = err.to_string();
            assert!(text.contains("--complaint-rules"), "{text}");
            assert!(text.contains(reason), "{text}");
        }
    }
}
