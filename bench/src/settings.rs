//! The harness's settings (from the environment) and the fixed shape of a
//! run: concurrencies, repetitions and rounds.

use std::time::Duration;

use anyhow::{Context as _, Result};

use crate::load::Load;

/// The concurrencies of the echo scenarios.
pub(crate) const CONCURRENCY: [usize; 4] = [1, 8, 32, 64];

/// The concurrency the throughput ratios are taken at.
pub(crate) const RATIO_CONCURRENCY: usize = 32;

/// Timed repetitions of compose and of a warm start.
pub(crate) const REPEAT: usize = 15;

/// Interleaved rounds of the load runs the throughput ratios are taken from.
pub(crate) const RATIO_ROUNDS: usize = 7;

/// The figures of the last long fuzzing run, which `fuzz/run` writes.
pub(crate) const FUZZING: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../fuzz/last-run.md");

/// The harness's settings, from the environment.
pub(crate) struct Settings {
    /// How long each load run lasts (`BENCH_SECONDS`, default 3).
    pub(crate) seconds: f64,
    /// The most requests per load run (`BENCH_MAX_REQUESTS`, default 1,000,000).
    pub(crate) max_requests: u64,
}

impl Settings {
    pub(crate) fn from_env() -> Result<Self> {
        let read = |name: &str, default: f64| -> Result<f64> {
            std::env::var(name).map_or(Ok(default), |value| {
                value
                    .parse()
                    .with_context(|| format!("{name} must be a number, not `{value}`"))
            })
        };
        Ok(Self {
            seconds: read("BENCH_SECONDS", 3.0)?,
            max_requests: read("BENCH_MAX_REQUESTS", 1e6)? as u64,
        })
    }

    pub(crate) fn load(&self, concurrency: usize) -> Load {
        Load {
            concurrency,
            duration: Duration::from_secs_f64(self.seconds),
            max_requests: self.max_requests,
        }
    }

    /// The short run before each measured one.
    pub(crate) fn warm_up(&self, concurrency: usize) -> Load {
        Load {
            duration: Duration::from_millis(500),
            ..self.load(concurrency)
        }
    }
}
