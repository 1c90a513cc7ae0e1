//! The same echo app behind the HTTP binder and behind the NATS binder,
//! served by one thin host, with a local `nats-server -js`: messages per
//! second through core-NATS request/reply (behind the 0.2 binder and the
//! 0.3 one) and through a JetStream trigger
//! (at least once: pulled, handled, answered, acknowledged) against
//! requests per second over HTTP, the same structured event each time, in
//! interleaved rounds.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::{Context as _, Result};
use bindery_composer::compose;
use bindery_runtime::{Host, HostConfig};
use bytes::Bytes;
use futures::StreamExt as _;
use serde::Serialize;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::artifacts::ECHO;
use crate::compositions::compose_options;
use crate::load::{self, Load, Stats, Template};
use crate::settings::RATIO_ROUNDS;

use bindery_test_support::broker;

/// The subject the NATS trigger subscribes to.
const SUBJECT: &str = "bench.events";
/// The subject the NATS trigger of the WASI 0.3 binder subscribes to.
const SUBJECT_P3: &str = "bench.events-p3";
/// The subject of the JetStream trigger's stream.
const STREAM_SUBJECT: &str = "bench.stream";
/// Where the JetStream trigger's binder publishes its answers.
const ANSWERS: &str = "bench.answers";
/// The next event id of [`stream_load`], unique across its rounds.
static NEXT_ID: AtomicU64 = AtomicU64::new(0);
/// The concurrencies compared.
pub const CONCURRENCY: [usize; 2] = [1, 32];

/// One transport at one concurrency, over the rounds.
#[derive(Serialize)]
pub struct TransportRuns {
    /// `http`, `nats` (the 0.2 binder), `nats 0.3` or `jetstream`.
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
    let broker = broker::Broker::jetstream(&nats_server()?);
    let manifest = work.join("transports.toml");
    std::fs::write(
        &manifest,
        format!(
            "spin_manifest_version = 2\n[application]\nname = \"echo\"\n\
             [[trigger.http]]\nroute = \"/events\"\ncomponent = \"echo-http\"\n\
             executor = {{ type = \"binder\", binder = \"http-cloudevents\" }}\n\
             [[trigger.nats]]\nsubject = \"{SUBJECT}\"\ncomponent = \"echo-nats\"\n\
             executor = {{ type = \"binder\", binder = \"nats-cloudevents\" }}\n\
             [[trigger.nats]]\nsubject = \"{SUBJECT_P3}\"\ncomponent = \"echo-nats-p3\"\n\
             executor = {{ type = \"binder\", binder = \"nats-cloudevents\", wasi = \"0.3\" }}\n\
             [[trigger.nats]]\nsubject = \"{STREAM_SUBJECT}\"\ncomponent = \"echo-stream\"\nstream = \"BENCH\"\n\
             executor = {{ type = \"binder\", binder = \"nats-cloudevents\", config = {{ reply-subject = \"{ANSWERS}\" }} }}\n\
             [component.echo-http]\nsource = {ECHO:?}\n[component.echo-nats]\nsource = {ECHO:?}\n\
             [component.echo-nats-p3]\nsource = {ECHO:?}\n\
             [component.echo-stream]\nsource = {ECHO:?}\nallowed_outbound_hosts = [\"nats://{ANSWERS}\"]\n"
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
        nats_load(&broker, SUBJECT, &structured.body, warm_up(concurrency)).await?;
        nats_load(&broker, SUBJECT_P3, &structured.body, warm_up(concurrency)).await?;
        stream_load(&broker, &structured.body, warm_up(concurrency)).await?;
        let mut http = Vec::new();
        let mut nats = Vec::new();
        let mut nats_p3 = Vec::new();
        let mut stream = Vec::new();
        for round in 1..=RATIO_ROUNDS {
            eprintln!(
                "transports round {round}/{RATIO_ROUNDS} c={concurrency}: http, nats, nats 0.3, jetstream..."
            );
            http.push(
                load::run(address, std::slice::from_ref(structured), load(concurrency)).await?,
            );
            nats.push(nats_load(&broker, SUBJECT, &structured.body, load(concurrency)).await?);
            nats_p3
                .push(nats_load(&broker, SUBJECT_P3, &structured.body, load(concurrency)).await?);
            stream.push(stream_load(&broker, &structured.body, load(concurrency)).await?);
        }
        for (transport, rounds) in [
            ("http", http),
            ("nats", nats),
            ("nats 0.3", nats_p3),
            ("jetstream", stream),
        ] {
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

/// Request/reply on `subject`: `load.concurrency` clients, each with one
/// request in flight, `body` each time; an answer that is not an event
/// counts as an error.
async fn nats_load(
    broker: &broker::Broker,
    subject: &'static str,
    body: &Bytes,
    load: Load,
) -> Result<Stats> {
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
                match client.request(subject, body.clone()).await {
                    Ok(reply) if reply.payload.starts_with(b"{") => {
                        latencies.push(begun.elapsed().as_micros() as u64)
                    }
                    _ => errors += 1,
                }
            }
            (latencies, errors)
        }));
    }
    gathered(workers, started).await
}

/// Through the JetStream trigger: `load.concurrency` producers, each with
/// one event in flight, published (without awaiting the stream's
/// confirmation) on [`STREAM_SUBJECT`] with an id of its own, until its
/// answer, matched by id, arrives on [`ANSWERS`]. The host acknowledges
/// each message after its answer is published.
async fn stream_load(broker: &broker::Broker, body: &Bytes, load: Load) -> Result<Stats> {
    type Waiting = Arc<Mutex<HashMap<String, oneshot::Sender<()>>>>;
    let template: Value = serde_json::from_slice(body)?;
    let waiting: Waiting = Arc::default();
    let listener = broker.client().await;
    let mut answers = listener.subscribe(ANSWERS).await?;
    listener.flush().await?;
    let dispatch = {
        let waiting = waiting.clone();
        tokio::spawn(async move {
            while let Some(answer) = answers.next().await {
                let id = serde_json::from_slice::<Value>(&answer.payload)
                    .ok()
                    .and_then(|answer| answer["id"].as_str().map(str::to_owned));
                if let Some(done) = id.and_then(|id| waiting.lock().unwrap().remove(&id)) {
                    let _ = done.send(());
                }
            }
        })
    };
    let sent = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + load.duration;
    let mut workers = Vec::new();
    for _ in 0..load.concurrency {
        let client = broker.client().await;
        let (sent, waiting, mut event) = (sent.clone(), waiting.clone(), template.clone());
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0;
            while Instant::now() < deadline {
                let number = sent.fetch_add(1, Ordering::Relaxed);
                if number >= load.max_requests {
                    break;
                }
                let id = format!("stream-{}", NEXT_ID.fetch_add(1, Ordering::Relaxed));
                event["id"] = Value::String(id.clone());
                let (done, answered) = oneshot::channel();
                waiting.lock().unwrap().insert(id, done);
                let begun = Instant::now();
                let published = client
                    .publish(STREAM_SUBJECT, event.to_string().into())
                    .await;
                let answered = tokio::time::timeout(std::time::Duration::from_secs(10), answered);
                match (published, answered.await) {
                    (Ok(()), Ok(Ok(()))) => latencies.push(begun.elapsed().as_micros() as u64),
                    _ => errors += 1,
                }
            }
            (latencies, errors)
        }));
    }
    let stats = gathered(workers, started).await;
    dispatch.abort();
    stats
}

/// The latencies and errors of every worker, as the run's figures.
async fn gathered(
    workers: Vec<tokio::task::JoinHandle<(Vec<u64>, u64)>>,
    started: Instant,
) -> Result<Stats> {
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
