//! `huifang-load`: load, kill/restart and bad-network runs against the real server, each
//! ending with the verification's verdict (docs/load.md).
//!
//!   huifang-load run --tablets 500 --seconds 20 [--backend postgres --processes 2]
//!   huifang-load table --sizes 100,500,1000 [--postgres]
//!   huifang-load kill --tablets 50 --seconds 30 --kill-every-ms 3000
//!   huifang-load faults --tablets 50 --seconds 30 [--drop-request 0.05 ...]
//!
//! `huifang-load serve [SERVER FLAGS]` is the server itself (`huifang-server`'s `Config` and
//! `run`): the runs start it unless `--server-bin` names another binary.

use clap::{Args, Parser, Subcommand, ValueEnum};
use huifang_load::tablet::Pace;
use huifang_load::{Backend, Faults, Report, RunConfig, ServerBinary};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

const MAX_TABLETS: usize = 2_000;
const MAX_SECONDS: u64 = 600;
const MAX_PROCESSES: usize = 4;

#[derive(Debug, Parser)]
#[command(
    name = "huifang-load",
    about = "Simulated tablets against the real Huifang server: throughput, latency, crashes and \
             a bad network, and the check that no acknowledged write was lost or applied twice"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// N tablets for a while: throughput and p50/p99 per request kind, then the verdict.
    Run {
        #[command(flatten)]
        common: Common,
        #[command(flatten)]
        backend: BackendArgs,
    },
    /// The table: every size on SQLite, and with --postgres on PostgreSQL with one server
    /// process and with two behind the proxy.
    Table {
        #[command(flatten)]
        common: Common,
        /// Tablet counts, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "100,500,1000")]
        sizes: Vec<usize>,
        /// Also the PostgreSQL rows (needs --pg-url or HUIFANG_TEST_PG_URL).
        #[arg(long)]
        postgres: bool,
        #[arg(long, env = "HUIFANG_TEST_PG_URL")]
        pg_url: Option<String>,
    },
    /// A load run during which a server process is SIGKILLed and restarted again and again.
    Kill {
        #[command(flatten)]
        common: Common,
        #[command(flatten)]
        backend: BackendArgs,
        /// The mean time between kills (each is drawn between half and 1.5 times it).
        #[arg(long, default_value_t = 3_000)]
        kill_every_ms: u64,
    },
    /// A load run through the fault-injecting proxy.
    Faults {
        #[command(flatten)]
        common: Common,
        #[command(flatten)]
        backend: BackendArgs,
        #[command(flatten)]
        faults: FaultArgs,
    },
}

#[derive(Debug, Args)]
struct Common {
    /// Simulated tablets (each its own user, device and session).
    #[arg(long, default_value_t = 100)]
    tablets: usize,
    /// How long the users work (the measured window), in seconds.
    #[arg(long, default_value_t = 20)]
    seconds: u64,
    /// The mean pause between two things one tablet's user saves, in ms.
    #[arg(long, default_value_t = 3_000)]
    think_ms: u64,
    /// Tablets only push (no pulls): to see what the push path alone holds.
    #[arg(long)]
    no_pull: bool,
    /// Tablets start as new devices: a first sync of the whole feed at once (by default they
    /// start caught up, as tablets that synced before).
    #[arg(long)]
    fresh: bool,
    /// Requests (and connections) in flight at most, over all tablets.
    #[arg(long, default_value_t = 256)]
    max_in_flight: usize,
    /// Tablets per store.
    #[arg(long, default_value_t = 20)]
    per_store: usize,
    /// The server binary (e.g. target/release/huifang-server); default: `huifang-load serve`.
    #[arg(long)]
    server_bin: Option<PathBuf>,
    /// Seeds the tablets' choices and the proxy's faults.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Keep the run's folder (database, server logs).
    #[arg(long)]
    keep: bool,
    /// Also write the report(s) as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum BackendName {
    Sqlite,
    Postgres,
}

#[derive(Debug, Args)]
struct BackendArgs {
    #[arg(long, value_enum, default_value = "sqlite")]
    backend: BackendName,
    /// PostgreSQL admin URL: each run makes (and drops) a fresh database on that server.
    #[arg(long, env = "HUIFANG_TEST_PG_URL")]
    pg_url: Option<String>,
    /// Server processes on the one database (2 or more: behind the proxy; PostgreSQL only).
    #[arg(long, default_value_t = 1)]
    processes: usize,
}

#[derive(Debug, Args)]
struct FaultArgs {
    /// Probability that a request is dropped before it reaches a server.
    #[arg(long, default_value_t = 0.05)]
    drop_request: f64,
    /// Probability that an answer is dropped after the server handled the request.
    #[arg(long, default_value_t = 0.05)]
    drop_response: f64,
    /// Probability that a request or its answer is delayed.
    #[arg(long, default_value_t = 0.10)]
    delay: f64,
    /// The longest delay, in ms.
    #[arg(long, default_value_t = 300)]
    delay_max_ms: u64,
    /// Probability that a request is sent twice at once (to two processes when there are two).
    #[arg(long, default_value_t = 0.05)]
    duplicate: f64,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("serve") {
        return serve(&args[2..]);
    }
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("huifang-load: no tokio runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(dispatch(cli.command)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("huifang-load: {e}");
            ExitCode::from(2)
        }
    }
}

/// The server, exactly as `huifang-server` runs it.
fn serve(flags: &[String]) -> ExitCode {
    use clap::Parser as _;
    huifang_server::init_tracing();
    let config = huifang_server::Config::parse_from(
        std::iter::once("huifang-server".to_owned()).chain(flags.iter().cloned()),
    );
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("huifang-load serve: no tokio runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(huifang_server::run(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("huifang-load serve: {e}");
            ExitCode::FAILURE
        }
    }
}

fn base_config(common: &Common) -> Result<RunConfig, String> {
    if common.tablets == 0 || common.tablets > MAX_TABLETS {
        return Err(format!("--tablets must be from 1 to {MAX_TABLETS}"));
    }
    if common.seconds == 0 || common.seconds > MAX_SECONDS {
        return Err(format!("--seconds must be from 1 to {MAX_SECONDS}"));
    }
    let server = match &common.server_bin {
        Some(path) => ServerBinary::server(path),
        None => ServerBinary::load_serve(
            std::env::current_exe().map_err(|e| format!("finding this binary: {e}"))?,
        ),
    };
    let mut config = RunConfig::new(common.tablets, Duration::from_secs(common.seconds), server);
    config.pace = Pace {
        think: Duration::from_millis(common.think_ms.max(1)),
        pull: !common.no_pull,
        fresh: common.fresh,
        ..Pace::default()
    };
    config.max_in_flight = common.max_in_flight.clamp(1, 1_024);
    config.per_store = common.per_store.max(1);
    config.seed = common.seed;
    config.keep = common.keep;
    Ok(config)
}

fn backend(args: &BackendArgs, config: &mut RunConfig) -> Result<(), String> {
    if args.processes == 0 || args.processes > MAX_PROCESSES {
        return Err(format!("--processes must be from 1 to {MAX_PROCESSES}"));
    }
    config.backend = match args.backend {
        BackendName::Sqlite if args.processes > 1 => {
            return Err("two processes need PostgreSQL (--backend postgres)".into());
        }
        BackendName::Sqlite => Backend::Sqlite,
        BackendName::Postgres => Backend::Postgres {
            admin_url: args.pg_url.clone().ok_or(
                "--backend postgres needs --pg-url or HUIFANG_TEST_PG_URL (scripts/with-postgres \
                 sets it)",
            )?,
        },
    };
    config.processes = args.processes;
    Ok(())
}

async fn dispatch(command: Command) -> Result<bool, String> {
    let (reports, json) = match command {
        Command::Run { common, backend: b } => {
            let mut config = base_config(&common)?;
            backend(&b, &mut config)?;
            (vec![one(config).await?], common.json)
        }
        Command::Kill {
            common,
            backend: b,
            kill_every_ms,
        } => {
            let mut config = base_config(&common)?;
            backend(&b, &mut config)?;
            config.kill_every = Some(Duration::from_millis(kill_every_ms.max(200)));
            (vec![one(config).await?], common.json)
        }
        Command::Faults {
            common,
            backend: b,
            faults,
        } => {
            let mut config = base_config(&common)?;
            backend(&b, &mut config)?;
            let p = |x: f64| x.clamp(0.0, 0.9);
            config.faults = Faults {
                drop_request: p(faults.drop_request),
                drop_response: p(faults.drop_response),
                delay: p(faults.delay),
                delay_max: Duration::from_millis(faults.delay_max_ms.min(10_000)),
                duplicate: p(faults.duplicate),
            };
            config.proxy = true;
            (vec![one(config).await?], common.json)
        }
        Command::Table {
            common,
            sizes,
            postgres,
            pg_url,
        } => {
            let admin = match (postgres, pg_url) {
                (false, _) => None,
                (true, Some(url)) => Some(url),
                (true, None) => {
                    return Err("--postgres needs --pg-url or HUIFANG_TEST_PG_URL".into());
                }
            };
            let mut reports = Vec::new();
            for &size in &sizes {
                let mut setups = vec![(Backend::Sqlite, 1)];
                if let Some(url) = &admin {
                    let pg = Backend::Postgres {
                        admin_url: url.clone(),
                    };
                    setups.push((pg.clone(), 1));
                    setups.push((pg, 2));
                }
                for (backend, processes) in setups {
                    let mut config = base_config(&Common {
                        tablets: size,
                        json: None,
                        server_bin: common.server_bin.clone(),
                        ..common
                    })?;
                    config.backend = backend;
                    config.processes = processes;
                    reports.push(one(config).await?);
                }
            }
            print_table(&reports);
            (reports, common.json)
        }
    };
    if let Some(path) = json {
        let text = serde_json::to_string_pretty(&reports).map_err(|e| e.to_string())?;
        std::fs::write(&path, text).map_err(|e| format!("writing {}: {e}", path.display()))?;
    }
    Ok(reports.iter().all(Report::ok))
}

async fn one(config: RunConfig) -> Result<Report, String> {
    let report = huifang_load::run(config).await.map_err(|e| e.to_string())?;
    report.print();
    println!();
    Ok(report)
}

fn print_table(reports: &[Report]) {
    println!(
        "| tablets | database | processes | saves/s | push/s | push p50 ms | push p99 ms | pull/s | pull p50 ms | pull p99 ms | acked mutations/s | errors | verdict |"
    );
    println!("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
    for r in reports {
        let kind = |name: &str| r.requests.iter().find(|k| k.kind == name);
        let fig = |name: &str| {
            kind(name).map_or_else(
                || ("-".to_owned(), "-".to_owned(), "-".to_owned()),
                |k| {
                    (
                        format!("{:.0}", k.per_s),
                        format!("{:.1}", k.p50_ms),
                        format!("{:.1}", k.p99_ms),
                    )
                },
            )
        };
        let (push_s, push_50, push_99) = fig("push");
        let (pull_s, pull_50, pull_99) = fig("pull");
        let errors: u64 = r.requests.iter().map(|k| k.errors).sum();
        println!(
            "| {} | {} | {}{} | {:.0} | {push_s} | {push_50} | {push_99} | {pull_s} | {pull_50} | {pull_99} | {:.0} | {errors} | {} |",
            r.tablets,
            r.backend,
            r.processes,
            if r.proxy { " (proxy)" } else { "" },
            r.steps as f64 / r.seconds.max(f64::EPSILON),
            r.acked_per_s,
            if r.ok() {
                format!(
                    "ok: lost {}, twice {}",
                    r.verdict.lost, r.verdict.applied_twice
                )
            } else {
                format!(
                    "FAILED: lost {}, twice {}, other {}",
                    r.verdict.lost, r.verdict.applied_twice, r.verdict.other
                )
            }
        );
    }
}
