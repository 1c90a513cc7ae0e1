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
    /// Where the time of the composed echo over WASI 0.3 goes (needs
    /// `perf`): printed, for bench/README.md.
    Profile {
        /// Profile the echo behind the filter stage (one `sql` filter).
        #[arg(long)]
        filtered: bool,
    },
    /// Serve a manifest until stopped: the soak's child process.
    #[command(hide = true)]
    Serve {
        /// The plain manifest to serve.
        manifest: PathBuf,
        /// The compiled-code cache.
        cache: PathBuf,
    },
}

fn main() -> Result<()> {
    match Cli::parse().command {
        None | Some(Command::Run) => scenarios::run(),
        Some(Command::WorstShapes) => scenarios::print_worst_shapes(),
        Some(Command::Profile { filtered }) => profile::composed_echo_p3(filtered),
        Some(Command::Serve { manifest, cache }) => soak::serve(&manifest, &cache),
    }
}
