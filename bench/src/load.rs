//! The load generator: keep-alive HTTP/1.1 connections on loopback, one
//! request in flight per connection, bounded by time and by count.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::client::conn::http1;
use tokio::net::TcpStream;
use wasmtime_wasi_http::io::TokioIo;

/// One request, sent again and again.
#[derive(Clone)]
pub struct Template {
    /// The path, for example `/events`.
    pub path: &'static str,
    /// The headers.
    pub headers: Vec<(&'static str, String)>,
    /// The body.
    pub body: Bytes,
}

/// How much load to apply.
#[derive(Clone, Copy)]
pub struct Load {
    /// Connections, each with one request in flight.
    pub concurrency: usize,
    /// How long to send for.
    pub duration: Duration,
    /// The most requests to send in all.
    pub max_requests: u64,
}

/// What one run measured.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Stats {
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
}

/// Where the next run starts in its templates: each run goes on from where
/// the last one stopped, so that a run never repeats the first templates of
/// the one before (a signed request's `webhook-id` may be used once).
static NEXT_TEMPLATE: AtomicU64 = AtomicU64::new(0);

/// Applies `load` to `address`, sending `templates` in turn, from where the
/// last run stopped.
pub async fn run(address: SocketAddr, templates: &[Template], load: Load) -> Result<Stats> {
    let first = NEXT_TEMPLATE.load(Ordering::Relaxed);
    let templates: Arc<[Template]> = templates.into();
    let sent = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + load.duration;
    let mut workers = Vec::new();
    for _ in 0..load.concurrency {
        let templates = templates.clone();
        let sent = sent.clone();
        workers.push(tokio::spawn(async move {
            worker(
                address,
                &templates,
                first,
                deadline,
                &sent,
                load.max_requests,
            )
            .await
        }));
    }
    let mut latencies = Vec::new();
    let mut errors = 0;
    for worker in workers {
        let (mut measured, failed) = worker.await??;
        latencies.append(&mut measured);
        errors += failed;
    }
    NEXT_TEMPLATE.fetch_add(sent.load(Ordering::Relaxed), Ordering::Relaxed);
    Ok(stats(latencies, errors, started.elapsed()))
}

/// The figures of a run that answered requests in `latencies` (in
/// microseconds) and failed `errors`, over `elapsed`.
pub fn stats(mut latencies: Vec<u64>, errors: u64, elapsed: Duration) -> Stats {
    latencies.sort_unstable();
    let percentile = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    Stats {
        requests: latencies.len() as u64,
        errors,
        rps: latencies.len() as f64 / elapsed.as_secs_f64(),
        p50_us: percentile(0.50),
        p99_us: percentile(0.99),
    }
}

/// One connection: sends until the deadline or the shared count, the
/// request numbered `n` from `templates[(first + n) % len]`; returns
/// the latencies of the answered requests, in microseconds, and the errors.
async fn worker(
    address: SocketAddr,
    templates: &[Template],
    first: u64,
    deadline: Instant,
    sent: &AtomicU64,
    max_requests: u64,
) -> Result<(Vec<u64>, u64)> {
    let mut sender = connect(address).await?;
    let mut latencies = Vec::new();
    let mut errors = 0;
    while Instant::now() < deadline {
        let number = sent.fetch_add(1, Ordering::Relaxed);
        if number >= max_requests {
            break;
        }
        let template = &templates[((first + number) % templates.len() as u64) as usize];
        let mut request = hyper::Request::post(template.path).header("host", address.to_string());
        for (name, value) in &template.headers {
            request = request.header(*name, value);
        }
        let request = request.body(Full::new(template.body.clone()))?;
        let begun = Instant::now();
        sender.ready().await?;
        match sender.send_request(request).await {
            Ok(response) => {
                let status = response.status();
                let _body = response.into_body().collect().await?;
                if status == hyper::StatusCode::OK {
                    latencies.push(begun.elapsed().as_micros() as u64);
                } else {
                    errors += 1;
                }
            }
            Err(_) => {
                errors += 1;
                break;
            }
        }
    }
    Ok((latencies, errors))
}

/// An HTTP/1.1 connection to `address`, with `TCP_NODELAY`, driven on its
/// own task.
pub async fn connect(address: SocketAddr) -> Result<http1::SendRequest<Full<Bytes>>> {
    let stream = TcpStream::connect(address)
        .await
        .with_context(|| format!("cannot connect to {address}"))?;
    stream.set_nodelay(true)?;
    let (sender, connection) = http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    Ok(sender)
}

/// The median wall time of `runs` calls of `f`, in milliseconds.
pub(crate) fn median_ms(runs: usize, mut f: impl FnMut() -> Result<()>) -> Result<f64> {
    let mut times = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        f()?;
        times.push(started.elapsed());
    }
    Ok(median(times).as_secs_f64() * 1e3)
}

pub(crate) fn median(mut times: Vec<Duration>) -> Duration {
    times.sort_unstable();
    times[times.len() / 2]
}
