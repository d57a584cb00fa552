//! How the server is configured: command-line flags, each with an environment variable and a
//! default that runs out of the box.

use clap::Parser;
use clap::builder::BoolishValueParser;
use huifang_core::care::complaints::ComplaintRules;
use huifang_core::sales::SalesRules;
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

    /// Mark the session cookie `Secure`: turn on when tablets reach the server over HTTPS
    /// (behind a TLS proxy); browsers then never send the session over plain HTTP. Off by
    /// default, because a browser drops a Secure cookie set over plain `http://` (the demo).
    #[arg(long, env = "HUIFANG_SECURE_COOKIES", value_parser = BoolishValueParser::new(), default_value_t = false)]
    pub secure_cookies: bool,

    /// Failed sign-ins allowed per network address and minute before that address is refused
    /// for the rest of the minute (0: no limit). Only failures count, so a whole shift signing
    /// in from behind one proxy address is never refused; the per-name lockout (5 wrong
    /// passwords) applies besides.
    #[arg(long, env = "HUIFANG_SIGN_IN_PER_MINUTE", default_value_t = 30)]
    pub sign_in_per_minute: u32,

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

    /// The sales cadence: days to purchase each intent grade means (`purchase_h`,
    /// `purchase_a`, `purchase_b`) and days between follow-ups per grade (`follow_h` …
    /// `follow_c`), as `key=value` pairs separated by commas (any subset; the rest keep their
    /// defaults). Devices receive them with the directory they cache offline. A value that
    /// does not read stops the server at start with the reason.
    #[arg(
        long,
        env = "HUIFANG_SALES_RULES",
        value_parser = SalesRules::parse,
        default_value = DEFAULT_SALES_RULES
    )]
    pub sales_rules: SalesRules,

    /// The models the store sells, separated by commas (`,` or `，`): the choices of a lead's
    /// models of interest. Sent with the directory.
    // Spelled `::std::vec::Vec` so clap takes the whole list as one value read by
    // its value parser (a bare `Vec` would make it a repeatable flag).
    #[arg(
        long,
        env = "HUIFANG_MODELS",
        value_parser = parse_models,
        default_value = DEFAULT_MODELS
    )]
    pub models: ::std::vec::Vec<String>,

    /// The store's test-drive cars, separated by commas (`,` or `，`): what advisors book
    /// slots of. Sent with the directory.
    #[arg(
        long,
        env = "HUIFANG_TEST_DRIVE_FLEET",
        value_parser = parse_fleet,
        default_value = DEFAULT_TEST_DRIVE_FLEET
    )]
    pub test_drive_fleet: ::std::vec::Vec<String>,
}

/// The core's default sales rules as the flag writes them (a test checks they agree).
pub const DEFAULT_SALES_RULES: &str =
    "purchase_h=7,purchase_a=15,purchase_b=30,follow_h=1,follow_a=3,follow_b=7,follow_c=15";

/// A Toyota store's line-up.
pub const DEFAULT_MODELS: &str = "凯美瑞,卡罗拉,RAV4荣放,汉兰达,亚洲龙,威兰达,bZ4X";

/// A Toyota store's test-drive cars.
pub const DEFAULT_TEST_DRIVE_FLEET: &str = "凯美瑞 2.5G 试驾车,RAV4荣放 双擎 试驾车,bZ4X 试驾车";

/// Why a list of names (`--models`, `--test-drive-fleet`) does not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NamesError {
    #[error("name at least one {0}, separated by commas")]
    Empty(&'static str),
    #[error("the {what} {name:?} is listed twice")]
    Twice { what: &'static str, name: String },
}

/// Names separated by `,` or `，`, each trimmed; empty items (a trailing comma) are skipped.
pub fn parse_names(what: &'static str, text: &str) -> Result<Vec<String>, NamesError> {
    let mut names: Vec<String> = Vec::new();
    for name in text
        .split([',', '，'])
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        if names.iter().any(|n| n == name) {
            return Err(NamesError::Twice {
                what,
                name: name.to_owned(),
            });
        }
        names.push(name.to_owned());
    }
    if names.is_empty() {
        return Err(NamesError::Empty(what));
    }
    Ok(names)
}

fn parse_models(text: &str) -> Result<Vec<String>, NamesError> {
    parse_names("model", text)
}

fn parse_fleet(text: &str) -> Result<Vec<String>, NamesError> {
    parse_names("test-drive car", text)
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
            secure_cookies: false,
            sign_in_per_minute: 30,
            blob_max_bytes: 5 * 1024 * 1024,
            max_clock_ahead_secs: 300,
            complaint_rules: ComplaintRules::default(),
            sales_rules: SalesRules::default(),
            models: parse_models(DEFAULT_MODELS).unwrap_or_default(),
            test_drive_fleet: parse_fleet(DEFAULT_TEST_DRIVE_FLEET).unwrap_or_default(),
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

    #[test]
    fn sales_rules_default_to_the_cores() {
        assert_eq!(
            SalesRules::parse(DEFAULT_SALES_RULES),
            Ok(SalesRules::default())
        );
        let config = Config::try_parse_from(["huifang-server", "--sales-rules", "follow_h=2"])
            .expect("a subset parses");
        assert_eq!(config.sales_rules.follow_h, 2);
        assert_eq!(config.sales_rules.follow_c, SalesRules::default().follow_c);
    }

    #[test]
    fn models_and_fleet_read_as_lists() {
        // The variables may be set where the tests run; the flags win over them.
        let config = Config::try_parse_from([
            "huifang-server",
            "--models",
            DEFAULT_MODELS,
            "--test-drive-fleet",
            DEFAULT_TEST_DRIVE_FLEET,
        ])
        .expect("the defaults parse");
        assert_eq!(config.models.len(), 7);
        assert_eq!(config.models[0], "凯美瑞");
        assert_eq!(config.test_drive_fleet[2], "bZ4X 试驾车");
        let for_tests = Config::for_tests("sqlite://x.db", "dist");
        assert_eq!(for_tests.models, config.models);
        assert_eq!(for_tests.test_drive_fleet, config.test_drive_fleet);
        let config = Config::try_parse_from([
            "huifang-server",
            "--models",
            " 凯美瑞， 汉兰达 ,",
            "--test-drive-fleet",
            "汉兰达 试驾车",
        ])
        .expect("full-width commas and spaces read");
        assert_eq!(config.models, ["凯美瑞", "汉兰达"]);
        assert_eq!(config.test_drive_fleet, ["汉兰达 试驾车"]);
    }

    #[test]
    fn bad_sales_settings_stop_the_start_with_the_reason() {
        for (flag, value, reason) in [
            (
                "--sales-rules",
                "follow_h=0",
                "a whole number of days above 0",
            ),
            ("--sales-rules", "follow_h", "written key=value"),
            ("--sales-rules", "follow_x=1", "no sales rule is called"),
            ("--models", " , ", "name at least one model"),
            ("--models", "凯美瑞,凯美瑞", "listed twice"),
            ("--test-drive-fleet", "", "name at least one test-drive car"),
        ] {
            let err = Config::try_parse_from(["huifang-server", flag, value])
                .expect_err("a bad value is refused");
            let text = err.to_string();
            assert!(text.contains(flag), "{text}");
            assert!(text.contains(reason), "{text}");
        }
    }
}
