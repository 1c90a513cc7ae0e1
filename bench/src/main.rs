//! The benchmark harness: `cargo run --release -p bench`.
//!
//! It builds the guests it needs (through `build.rs`), runs every scenario in
//! one run on this machine, prints a markdown table, and writes
//! `bench/results/latest.md` and `latest.json`. See `bench/README.md`.
//! Each job has its module: `scenarios` (the full run), `report`, `server`,
//! `compositions`, `templates`, `settings`, and one module per measurement.

mod artifacts;
mod codec;
mod compositions;
mod executor;
mod filter;
mod hostile;
mod instantiate;
mod load;
mod profile;
mod report;
mod scenarios;
mod server;
mod settings;
mod signature;
mod soak;
mod templates;
mod transports;
mod wasmtime_cli;

use std::path::PathBuf;

use anyhow::Result;
use clap::{Parser, Subcommand};

/// Measure what the guest-side binder costs, against the host's floor, the
/// monolithic component and a host-side executor.
#[derive(Parser)]
#[command(name = "bench", about, long_about = None)]
struct Cli {
    /// What to run; without one, every scenario, recorded in
    /// `bench/results/latest.md` and `latest.json`.
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Every scenario, recorded (the default).
    Run,
    /// Only the worst request shapes, printed and not recorded: the quick
    /// loop for work on the codec.
    WorstShapes,
    /// Only the interleaved ratio rounds at c=32, printed and not recorded:
    /// the quick loop for work on throughput.
    Ratios {
        /// Run only the implementations whose name contains one of these
        /// (for example `a3` `e3`); the first is the denominator.
        only: Vec<String>,
    },
    /// Only the same echo over HTTP and over NATS, printed and not
    /// recorded: the quick loop for work on the NATS path.
    Transports,
    /// Where the time of the composed echo over WASI 0.3 goes (needs
    /// `perf`): printed, for bench/README.md.
    Profile {
        /// What to serve.
        #[arg(value_enum, default_value = "composed")]
        what: profile::Profiled,
    },
    /// Serve a manifest until stopped: the soak's child process.
    #[command(hide = true)]
    Serve {
        /// The plain manifest to serve.
        manifest: PathBuf,
        /// The compiled-code cache.
        cache: PathBuf,
        /// Write wasmtime's perf map of the guest code.
        #[arg(long)]
        perf_map: bool,
    },
}

fn main() -> Result<()> {
    match Cli::parse().command {
        None | Some(Command::Run) => scenarios::run(),
        Some(Command::WorstShapes) => scenarios::print_worst_shapes(),
        Some(Command::Transports) => scenarios::print_transports(),
        Some(Command::Ratios { only }) => scenarios::print_ratios(&only),
        Some(Command::Profile { what }) => profile::profile(what),
        Some(Command::Serve {
            manifest,
            cache,
            perf_map,
        }) => soak::serve(&manifest, &cache, perf_map),
    }
}
