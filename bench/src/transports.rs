//! The same echo app behind the HTTP binder and behind the NATS binder,
//! served by one thin host, with a local `nats-server`: messages per second
//! through NATS request/reply against requests per second over HTTP, the
//! same structured event each time, in interleaved rounds.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use anyhow::{Context as _, Result};
use bindery_composer::compose;
use bindery_runtime::{Host, HostConfig};
use bytes::Bytes;
use serde::Serialize;
use tokio::net::TcpListener;

use crate::artifacts::ECHO;
use crate::compositions::compose_options;
use crate::load::{self, Load, Stats, Template};
use crate::settings::RATIO_ROUNDS;

use bindery_test_support::broker;

/// The subject the NATS trigger subscribes to.
const SUBJECT: &str = "bench.events";
/// The concurrencies compared.
pub const CONCURRENCY: [usize; 2] = [1, 32];

/// One transport at one concurrency, over the rounds.
#[derive(Serialize)]
pub struct TransportRuns {
    /// `http` or `nats`.
    pub transport: &'static str,
    /// Requests (or messages) in flight.
    pub concurrency: usize,
    /// Answered per second, each round in order.
    pub rate: Vec<f64>,
    /// The median round's figures.
    pub median: Stats,
}

/// Runs the comparison with `load(c)` for each run; `work` holds the
/// composed output and the compiled-code cache.
pub async fn run(
    load: impl Fn(usize) -> Load,
    warm_up: impl Fn(usize) -> Load,
    structured: &Template,
    work: &Path,
) -> Result<Vec<TransportRuns>> {
    let broker = broker::Broker::start(&nats_server()?);
    let manifest = work.join("transports.toml");
    std::fs::write(
        &manifest,
        format!(
            "spin_manifest_version = 2\n[application]\nname = \"echo\"\n\
             [[trigger.http]]\nroute = \"/events\"\ncomponent = \"echo-http\"\n\
             executor = {{ type = \"binder\", binder = \"http-cloudevents\" }}\n\
             [[trigger.nats]]\nsubject = \"{SUBJECT}\"\ncomponent = \"echo-nats\"\n\
             executor = {{ type = \"binder\", binder = \"nats-cloudevents\" }}\n\
             [component.echo-http]\nsource = {ECHO:?}\n[component.echo-nats]\nsource = {ECHO:?}\n"
        ),
    )?;
    let out = work.join("transports");
    compose(&manifest, &compose_options(work))?.write(&out)?;
    let mut host = Host::load(
        &out.join("spin.toml"),
        HostConfig {
            cache_dir: Some(work.join("compiled")),
            nats_address: Some(broker.url()),
            ..HostConfig::default()
        },
    )?;
    host.connect().await?;
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let server = tokio::spawn(host.serve(Some(listener), std::future::pending()));

    let mut runs = Vec::new();
    for concurrency in CONCURRENCY {
        load::run(
            address,
            std::slice::from_ref(structured),
            warm_up(concurrency),
        )
        .await?;
        nats_load(&broker, &structured.body, warm_up(concurrency)).await?;
        let mut http = Vec::new();
        let mut nats = Vec::new();
        for round in 1..=RATIO_ROUNDS {
            eprintln!("transports round {round}/{RATIO_ROUNDS} c={concurrency}: http, nats...");
            http.push(
                load::run(address, std::slice::from_ref(structured), load(concurrency)).await?,
            );
            nats.push(nats_load(&broker, &structured.body, load(concurrency)).await?);
        }
        for (transport, rounds) in [("http", http), ("nats", nats)] {
            anyhow::ensure!(
                rounds.iter().all(|stats| stats.errors == 0),
                "{transport} c={concurrency}: some requests failed"
            );
            let rate = rounds.iter().map(|stats| stats.rps).collect();
            let mut sorted = rounds;
            sorted.sort_by(|a, b| a.rps.total_cmp(&b.rps));
            runs.push(TransportRuns {
                transport,
                concurrency,
                rate,
                median: sorted.swap_remove(sorted.len() / 2),
            });
        }
    }
    server.abort();
    Ok(runs)
}

/// Request/reply on [`SUBJECT`]: `load.concurrency` clients, each with one
/// request in flight, `body` each time; an answer that is not an event
/// counts as an error.
async fn nats_load(broker: &broker::Broker, body: &Bytes, load: Load) -> Result<Stats> {
    let sent = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + load.duration;
    let mut workers = Vec::new();
    for _ in 0..load.concurrency {
        let client = broker.client().await;
        let (sent, body) = (sent.clone(), body.clone());
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0;
            while Instant::now() < deadline
                && sent.fetch_add(1, Ordering::Relaxed) < load.max_requests
            {
                let begun = Instant::now();
                match client.request(SUBJECT, body.clone()).await {
                    Ok(reply) if reply.payload.starts_with(b"{") => {
                        latencies.push(begun.elapsed().as_micros() as u64)
                    }
                    _ => errors += 1,
                }
            }
            (latencies, errors)
        }));
    }
    let mut latencies = Vec::new();
    let mut errors = 0;
    for worker in workers {
        let (mut measured, failed) = worker.await?;
        latencies.append(&mut measured);
        errors += failed;
    }
    Ok(load::stats(latencies, errors, started.elapsed()))
}

/// `nats-server` on `PATH`, or where Debian's package puts it.
fn nats_server() -> Result<PathBuf> {
    std::env::var_os("PATH")
        .and_then(|path| {
            std::env::split_paths(&path)
                .map(|dir| dir.join("nats-server"))
                .find(|binary| binary.is_file())
        })
        .or_else(|| Some(PathBuf::from("/usr/sbin/nats-server")).filter(|binary| binary.is_file()))
        .context("the NATS benchmark needs nats-server: run `apt-get install nats-server`")
}
