//! The soak: 100,000 requests at c=64 against the composed echo, binary,
//! structured and batch in turn, with the server in a child process of its
//! own so that its resident memory can be read alone (`/proc/<pid>/status`)
//! before, during and after the load.

use std::io::{BufRead as _, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use anyhow::{Context as _, Result};

use crate::load::{self, Load, Template};

/// The requests of the soak.
pub const REQUESTS: u64 = 100_000;
/// Its concurrency.
pub const CONCURRENCY: usize = 64;
/// The requests of the warm-up before the first memory figure is taken.
const WARM_UP_REQUESTS: u64 = 10_000;
/// How often the server's memory is read during the load.
const SAMPLE_EVERY: Duration = Duration::from_millis(100);
/// How long the server idles after the load before the last reading.
const SETTLE: Duration = Duration::from_secs(1);

/// What the soak measured; memory figures are the server's RSS in KiB.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Soak {
    /// Requests answered with 200.
    pub requests: u64,
    /// Requests answered otherwise, or failed.
    pub errors: u64,
    /// Requests per second.
    pub rps: f64,
    /// The median latency, in microseconds.
    pub p50_us: u64,
    /// The 99th percentile latency, in microseconds.
    pub p99_us: u64,
    /// Once serving, before any request.
    pub rss_started_kib: u64,
    /// After the warm-up.
    pub rss_warm_kib: u64,
    /// The highest reading during the load.
    pub rss_peak_kib: u64,
    /// After the load, once idle.
    pub rss_after_kib: u64,
}

impl Soak {
    /// The memory after the load over the memory after the warm-up.
    pub fn rss_growth(&self) -> f64 {
        self.rss_after_kib as f64 / self.rss_warm_kib as f64
    }
}

/// The served manifest in a child process; killed when dropped.
pub struct ChildServer {
    child: Child,
    /// Where it listens.
    pub address: SocketAddr,
}

impl ChildServer {
    /// Runs this harness again as `bench serve <manifest> <cache dir>` and
    /// waits for the address it prints.
    pub fn start(manifest: &Path, cache: &Path) -> Result<Self> {
        Self::start_with(manifest, cache, false)
    }

    /// [`start`](Self::start), the server writing wasmtime's perf map of
    /// the guest code (for `perf`) if `perf_map`.
    pub fn start_with(manifest: &Path, cache: &Path, perf_map: bool) -> Result<Self> {
        let mut child = Command::new(std::env::current_exe()?)
            .arg(SERVE)
            .args(perf_map.then_some(PERF_MAP))
            .arg(manifest)
            .arg(cache)
            .stdout(Stdio::piped())
            .spawn()
            .context("cannot start a server process")?;
        let stdout = child.stdout.take().context("no stdout")?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        let address = line
            .trim()
            .parse()
            .with_context(|| format!("the server printed `{}`, not an address", line.trim()))?;
        Ok(Self { child, address })
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    fn rss_kib(&self) -> Result<u64> {
        rss_kib(self.pid())
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The resident set of process `pid`, in KiB.
fn rss_kib(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.split_whitespace().next()?.parse().ok())
        .context("no VmRSS in /proc/<pid>/status")
}

/// The argument that makes the harness a server (see [`serve`]).
pub const SERVE: &str = "serve";

/// The flag of [`SERVE`] that turns on the perf map.
pub const PERF_MAP: &str = "--perf-map";

/// The child's side: serves `manifest` on `127.0.0.1:0`, prints the address
/// on stdout and serves until killed; writes the perf map if `perf_map`.
pub fn serve(manifest: &Path, cache: &Path, perf_map: bool) -> Result<()> {
    let config = bindery_runtime::HostConfig {
        cache_dir: Some(cache.to_owned()),
        perf_map,
        ..bindery_runtime::HostConfig::default()
    };
    let host = bindery_runtime::Host::load(manifest, config)?;
    tokio::runtime::Runtime::new()?.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        println!("{}", listener.local_addr()?);
        host.serve(Some(listener), std::future::pending()).await?;
        Ok(())
    })
}

/// Runs the soak against `manifest` (the composed echo).
pub async fn run(manifest: &Path, cache: &Path, templates: &[Template]) -> Result<Soak> {
    let server = ChildServer::start(manifest, cache)?;
    let rss_started_kib = server.rss_kib()?;
    let unbounded = |max_requests| Load {
        concurrency: CONCURRENCY,
        duration: Duration::from_secs(3600),
        max_requests,
    };
    load::run(server.address, templates, unbounded(WARM_UP_REQUESTS)).await?;
    let rss_warm_kib = server.rss_kib()?;
    let peak = Arc::new(AtomicU64::new(rss_warm_kib));
    let sampling = Arc::new(AtomicBool::new(true));
    let sampler = {
        let (peak, sampling, pid) = (peak.clone(), sampling.clone(), server.child.id());
        tokio::spawn(async move {
            while sampling.load(Ordering::Relaxed) {
                if let Ok(rss) = rss_kib(pid) {
                    peak.fetch_max(rss, Ordering::Relaxed);
                }
                tokio::time::sleep(SAMPLE_EVERY).await;
            }
        })
    };
    let stats = load::run(server.address, templates, unbounded(REQUESTS)).await?;
    sampling.store(false, Ordering::Relaxed);
    sampler.await?;
    tokio::time::sleep(SETTLE).await;
    Ok(Soak {
        requests: stats.requests,
        errors: stats.errors,
        rps: stats.rps,
        p50_us: stats.p50_us,
        p99_us: stats.p99_us,
        rss_started_kib,
        rss_warm_kib,
        rss_peak_kib: peak.load(Ordering::Relaxed),
        rss_after_kib: server.rss_kib()?,
    })
}
