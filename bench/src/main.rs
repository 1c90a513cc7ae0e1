//! The benchmark harness: `cargo run --release -p bench`.
//!
//! It builds the guests it needs (through `build.rs`), runs every scenario in
//! one run on this machine, prints a markdown table, and writes
//! `bench/results/latest.md` and `latest.json`. See `bench/README.md`.

mod codec;
mod executor;
mod hostile;
mod instantiate;
mod load;
mod profile;
mod soak;
mod transports;
mod wasmtime_cli;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use bindery_composer::{ComposeOptions, compose};
use bindery_runtime::{Host, HostConfig, Instantiations};
use bytes::Bytes;
use serde::Serialize;
use tokio::net::TcpListener;
use wac_graph::types::Package;
use wac_graph::{CompositionGraph, EncodeOptions};

use load::{Load, Stats, Template};

include!(concat!(env!("OUT_DIR"), "/artifacts.rs"));

/// The concurrencies of the echo scenarios.
const CONCURRENCY: [usize; 4] = [1, 8, 32, 64];
/// The concurrency the throughput ratios are taken at.
const RATIO_CONCURRENCY: usize = 32;
/// Timed repetitions of compose and of a warm start.
const REPEAT: usize = 15;
/// Interleaved rounds of the load runs the throughput ratios are taken from.
const RATIO_ROUNDS: usize = 5;
/// The figures of the last long fuzzing run, which `fuzz/run` writes.
const FUZZING: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../fuzz/last-run.md");

/// The harness's settings, from the environment.
struct Settings {
    /// How long each load run lasts (`BENCH_SECONDS`, default 3).
    seconds: f64,
    /// The most requests per load run (`BENCH_MAX_REQUESTS`, default 1,000,000).
    max_requests: u64,
}

impl Settings {
    fn from_env() -> Result<Self> {
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

    fn load(&self, concurrency: usize) -> Load {
        Load {
            concurrency,
            duration: Duration::from_secs_f64(self.seconds),
            max_requests: self.max_requests,
        }
    }

    /// The short run before each measured one.
    fn warm_up(&self, concurrency: usize) -> Load {
        Load {
            duration: Duration::from_millis(500),
            ..self.load(concurrency)
        }
    }
}

/// One throughput measurement.
#[derive(Serialize)]
struct Throughput {
    implementation: &'static str,
    mode: &'static str,
    concurrency: usize,
    #[serde(flatten)]
    stats: Stats,
}

/// The throughput of one implementation over the interleaved ratio rounds.
#[derive(Serialize)]
struct RatioRuns {
    implementation: &'static str,
    /// Requests per second of each round, in round order.
    rps: Vec<f64>,
    /// Their median, which the ratios use.
    median_rps: f64,
    /// Instances made per 1000 requests over the rounds (the host-side
    /// executor makes one per request by design; `wasmtime serve` is not
    /// counted).
    instantiations_per_1000: Option<f64>,
}

/// A ratio against its target.
#[derive(Serialize)]
struct Ratio {
    name: &'static str,
    value: f64,
    target: &'static str,
    met: bool,
}

/// Everything one run measured.
#[derive(Serialize)]
struct Results {
    machine: String,
    seconds_per_run: f64,
    throughput: Vec<Throughput>,
    ratio_runs: Vec<RatioRuns>,
    compose_ms: f64,
    plug_floor_ms: f64,
    plug_unvalidated_ms: f64,
    binder_bytes: usize,
    app_bytes: usize,
    composed_bytes: usize,
    plug_floor_bytes: usize,
    cold_first_response_ms: f64,
    warm_first_response_ms: f64,
    instantiation: Vec<instantiate::InstantiateResult>,
    codec: Vec<codec::CodecResult>,
    worst_shapes: Vec<hostile::WorstShape>,
    soak: soak::Soak,
    transports: Vec<transports::TransportRuns>,
    fuzzing: Option<String>,
    ratios: Vec<Ratio>,
}

/// The served implementations of scenario 1.
#[derive(Clone, Copy, PartialEq)]
enum Implementation {
    Composed,
    ComposedP3,
    ComposedP3Signed,
    Monolithic,
    MonolithicP3,
    Executor,
    Hello,
    HelloP3,
    WasmtimeComposed,
    WasmtimeComposedP3,
}

impl Implementation {
    /// Every implementation, in the order the report lists them.
    const ALL: [Self; 10] = [
        Self::Composed,
        Self::ComposedP3,
        Self::ComposedP3Signed,
        Self::Monolithic,
        Self::MonolithicP3,
        Self::Executor,
        Self::Hello,
        Self::HelloP3,
        Self::WasmtimeComposed,
        Self::WasmtimeComposedP3,
    ];

    fn name(self) -> &'static str {
        match self {
            Self::Composed => "(a) composed",
            Self::ComposedP3 => "(a3) composed, WASI 0.3 with reuse",
            Self::ComposedP3Signed => "(a3s) (a3) behind the webhook-signature middleware",
            Self::Monolithic => "(b) monolithic",
            Self::MonolithicP3 => "(b3) monolithic, WASI 0.3 with reuse",
            Self::Executor => "(c) host-side executor",
            Self::Hello => "(d) hello floor",
            Self::HelloP3 => "(d3) hello floor, WASI 0.3 with reuse",
            Self::WasmtimeComposed => "(w) (a) under wasmtime serve",
            Self::WasmtimeComposedP3 => "(w3) (a3) under wasmtime serve",
        }
    }

    /// The request this implementation is sent in place of `template`:
    /// the same, signed for the middleware where it has one.
    fn request(self, template: &Template) -> Template {
        if self != Self::ComposedP3Signed {
            return template.clone();
        }
        let mut signed = template.clone();
        let timestamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("after 1970")
            .as_secs()
            .to_string();
        let signature = bindery_webhook_signature::sign(
            SIGNING_KEY,
            b"msg_bench",
            timestamp.as_bytes(),
            &template.body,
        );
        signed.headers.extend([
            ("webhook-id", "msg_bench".to_owned()),
            ("webhook-timestamp", timestamp),
            ("webhook-signature", signature),
        ]);
        signed
    }
}

/// The key the middleware row's requests are signed with (`c2lnbmluZy1rZXk=`
/// in base64).
const SIGNING_KEY: &[u8] = b"signing-key";

fn main() -> Result<()> {
    let args: Vec<_> = std::env::args_os().skip(1).collect();
    if let [mode, manifest, cache] = args.as_slice()
        && mode == soak::SERVE
    {
        return soak::serve(Path::new(manifest), Path::new(cache));
    }
    if let [mode] = args.as_slice()
        && mode == hostile::ONLY
    {
        // Only the worst request shapes, printed and not recorded: the
        // quick loop for work on the codec.
        let work = tempfile::tempdir()?;
        let shapes = tokio::runtime::Runtime::new()?.block_on(worst_shapes(work.path()))?;
        println!("{}", hostile::table(&shapes));
        return Ok(());
    }
    if let [mode] = args.as_slice()
        && mode == profile::PROFILE
    {
        // Where the time of the composed echo over WASI 0.3 goes: printed,
        // for bench/README.md.
        let work = tempfile::tempdir()?;
        let manifest = echo_manifest(work.path(), "spin-p3.toml", ", wasi = \"0.3\"")?;
        compose(&manifest, &compose_options(work.path()))?
            .write(composed_p3(work.path()).parent().expect("a folder"))?;
        return profile::run(
            &composed_p3(work.path()),
            &work.path().join("compiled"),
            &Templates::new().binary,
            work.path(),
        );
    }
    let settings = Settings::from_env()?;
    let work = tempfile::tempdir()?;
    let runtime = tokio::runtime::Runtime::new()?;
    let binder = std::fs::read(BINDERY_HTTP_CLOUDEVENTS)?;
    let app = std::fs::read(ECHO)?;

    eprintln!("composing echo...");
    let manifest = echo_manifest(work.path(), "spin.toml", "")?;
    let composed_dir = work.path().join("composed");
    let compose_ms = median_ms(REPEAT, || {
        let composed = compose(&manifest, &compose_options(work.path()))?;
        composed.write(&composed_dir)?;
        Ok(())
    })?;
    let plug_floor_ms = median_ms(REPEAT, || plug_floor(&binder, &app, true).map(drop))?;
    let plug_unvalidated_ms = median_ms(REPEAT, || plug_floor(&binder, &app, false).map(drop))?;
    let plug_floor_bytes = plug_floor(&binder, &app, false)?.len();
    let composed_manifest = composed_dir.join("spin.toml");
    let manifest_p3 = echo_manifest(work.path(), "spin-p3.toml", ", wasi = \"0.3\"")?;
    compose(&manifest_p3, &compose_options(work.path()))?
        .write(composed_p3(work.path()).parent().expect("a folder"))?;
    let manifest_signed = echo_manifest(work.path(), "spin-signed.toml", ", wasi = \"0.3\"")?;
    let signed = std::fs::read_to_string(&manifest_signed)?.replace(
        "\n[component.echo]",
        "\ndependencies.middleware = [{ binder = \"webhook-signature\", config = { secret = \"whsec_c2lnbmluZy1rZXk=\", tolerance = 86400 } }]\n[component.echo]",
    );
    std::fs::write(&manifest_signed, signed)?;
    compose(&manifest_signed, &compose_options(work.path()))?
        .write(composed_signed(work.path()).parent().expect("a folder"))?;
    let composed_bytes = std::fs::metadata(composed_dir.join("echo.wasm"))?.len() as usize;

    let templates = Templates::new();
    let mut throughput = Vec::new();
    runtime.block_on(async {
        for implementation in Implementation::ALL {
            let server = Server::start(implementation, &composed_manifest, work.path()).await?;
            let mut modes = vec![("binary", implementation.request(&templates.binary))];
            if matches!(
                implementation,
                Implementation::Composed | Implementation::ComposedP3 | Implementation::Executor
            ) {
                modes.push(("structured", templates.structured.clone()));
                modes.push(("batch of 10", templates.batch.clone()));
            }
            for (mode, template) in modes {
                for concurrency in CONCURRENCY {
                    eprintln!("{} {mode} c={concurrency}...", implementation.name());
                    load::run(
                        server.address,
                        std::slice::from_ref(&template),
                        settings.warm_up(concurrency),
                    )
                    .await?;
                    let stats = measure(
                        &server,
                        &template,
                        settings.load(concurrency),
                        &format!("{} {mode}", implementation.name()),
                    )
                    .await?;
                    throughput.push(Throughput {
                        implementation: implementation.name(),
                        mode,
                        concurrency,
                        stats,
                    });
                }
            }
        }
        anyhow::Ok(())
    })?;

    let ratio_runs = runtime.block_on(ratio_rounds(
        &settings,
        &templates.binary,
        &composed_manifest,
        work.path(),
    ))?;

    eprintln!("the same echo over HTTP and over NATS...");
    let transports = runtime.block_on(transports::run(
        |concurrency| settings.load(concurrency),
        |concurrency| settings.warm_up(concurrency),
        &templates.structured,
        work.path(),
    ))?;

    eprintln!("start-up...");
    let cache = work.path().join("startup-cache");
    let cold_first_response_ms = runtime
        .block_on(first_response(
            &composed_manifest,
            &cache,
            &templates.binary,
        ))?
        .as_secs_f64()
        * 1e3;
    let mut warm = Vec::new();
    for _ in 0..REPEAT {
        warm.push(runtime.block_on(first_response(
            &composed_manifest,
            &cache,
            &templates.binary,
        ))?);
    }
    let warm_first_response_ms = median(warm).as_secs_f64() * 1e3;

    eprintln!("instantiation...");
    let composed_wasm = std::fs::read(composed_dir.join("echo.wasm"))?;
    let monolithic = std::fs::read(MONOLITHIC_ECHO)?;
    let hello = std::fs::read(HELLO_HTTP)?;
    let instantiation = runtime.block_on(instantiate::run(
        &bindery_runtime::engine(&HostConfig::default())?,
        &[
            (Implementation::Composed.name(), &composed_wasm),
            (Implementation::Monolithic.name(), &monolithic),
            ("the echo app alone, as (c) instantiates it", &app),
            (Implementation::Hello.name(), &hello),
        ],
    ))?;

    eprintln!("worst request shapes...");
    let worst_shapes = runtime.block_on(worst_shapes(work.path()))?;

    eprintln!(
        "soak: {} requests at c={}...",
        soak::REQUESTS,
        soak::CONCURRENCY
    );
    let soak = runtime.block_on(soak::run(
        &composed_manifest,
        &work.path().join("compiled"),
        &[
            templates.binary.clone(),
            templates.structured.clone(),
            templates.batch.clone(),
        ],
    ))?;

    eprintln!("codec micro-benchmarks...");
    let codec = codec::run(
        &templates.codec_inputs(),
        Duration::from_secs_f64(settings.seconds.max(1.0)),
        &work.path().join("criterion"),
    )?;

    let rps = |implementation: Implementation| {
        ratio_runs
            .iter()
            .find(|runs| runs.implementation == implementation.name())
            .map_or(0.0, |runs| runs.median_rps)
    };
    let size_ratio = composed_bytes as f64 / (binder.len() + app.len()) as f64;
    let ratio = |name, value: f64, target, met: fn(f64) -> bool| Ratio {
        name,
        value,
        target,
        met: met(value),
    };
    let ratios = vec![
        ratio(
            "composed ÷ monolithic throughput, c=32 (medians)",
            rps(Implementation::Composed) / rps(Implementation::Monolithic),
            "≥ 0.97",
            |value| value >= 0.97,
        ),
        ratio(
            "composed ÷ host-side executor throughput, c=32 (medians)",
            rps(Implementation::Composed) / rps(Implementation::Executor),
            "≥ 0.90",
            |value| value >= 0.90,
        ),
        ratio(
            "composed 0.3 ÷ host-side executor throughput, c=32 (medians)",
            rps(Implementation::ComposedP3) / rps(Implementation::Executor),
            "≥ 1.0",
            |value| value >= 1.0,
        ),
        ratio(
            "composed 0.3 ÷ monolithic 0.3 throughput, c=32 (medians)",
            rps(Implementation::ComposedP3) / rps(Implementation::MonolithicP3),
            "≥ 0.97",
            |value| value >= 0.97,
        ),
        ratio(
            "composed 0.3 behind the middleware ÷ without, c=32 (medians)",
            rps(Implementation::ComposedP3Signed) / rps(Implementation::ComposedP3),
            "≥ 0.9",
            |value| value >= 0.9,
        ),
        ratio(
            "composed 0.3 ÷ composed 0.2 throughput, c=32 (medians)",
            rps(Implementation::ComposedP3) / rps(Implementation::Composed),
            "(reported)",
            |_| true,
        ),
        ratio(
            "bindery serve ÷ wasmtime serve, composed 0.2, c=32 (medians)",
            rps(Implementation::Composed) / rps(Implementation::WasmtimeComposed),
            "(reported)",
            |_| true,
        ),
        ratio(
            "bindery serve ÷ wasmtime serve, composed 0.3, c=32 (medians)",
            rps(Implementation::ComposedP3) / rps(Implementation::WasmtimeComposedP3),
            "(reported)",
            |_| true,
        ),
        ratio(
            "http-cloudevents binder size (KB)",
            binder.len() as f64 / 1e3,
            "≤ 200",
            |value| value <= 200.0,
        ),
        ratio(
            "compose ÷ plug floor",
            compose_ms / plug_floor_ms,
            "≤ 1.5",
            |value| value <= 1.5,
        ),
        ratio(
            "composed size ÷ (binder + user)",
            size_ratio,
            "≤ 1.02",
            |value| value <= 1.02,
        ),
        ratio(
            "slowest worst shape at 1 MiB (ms)",
            worst_shapes
                .iter()
                .filter(|shape| shape.kib == 1024)
                .map(|shape| shape.median_ms)
                .fold(0.0, f64::max),
            "< 50",
            |value| value < 50.0,
        ),
        ratio(
            "worst shape µs/KiB at 1 MiB ÷ at 64 KiB (flat is 1)",
            worst_shapes
                .iter()
                .filter(|shape| shape.kib == 1024)
                .filter_map(|large| {
                    let small = worst_shapes
                        .iter()
                        .find(|small| small.shape == large.shape && small.kib == 64)?;
                    Some(large.us_per_kib / small.us_per_kib)
                })
                .fold(0.0, f64::max),
            "≤ 1.5",
            |value| value <= 1.5,
        ),
        ratio(
            "soak: failed requests of 100,000",
            soak.errors as f64,
            "= 0",
            |value| value == 0.0,
        ),
        ratio(
            "soak: server RSS after ÷ after warm-up",
            soak.rss_growth(),
            "≤ 1.10",
            |value| value <= 1.10,
        ),
        ratio(
            "first response with a warm cache (ms)",
            warm_first_response_ms,
            "≤ 50",
            |value| value <= 50.0,
        ),
    ];
    let results = Results {
        machine: machine(),
        seconds_per_run: settings.seconds,
        throughput,
        ratio_runs,
        compose_ms,
        plug_floor_ms,
        plug_unvalidated_ms,
        binder_bytes: binder.len(),
        app_bytes: app.len(),
        composed_bytes,
        plug_floor_bytes,
        cold_first_response_ms,
        warm_first_response_ms,
        instantiation,
        codec,
        worst_shapes,
        soak,
        transports,
        fuzzing: std::fs::read_to_string(FUZZING).ok(),
        ratios,
    };
    let markdown = report(&results);
    println!("{markdown}");
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("results");
    std::fs::create_dir_all(&out)?;
    std::fs::write(out.join("latest.md"), &markdown)?;
    std::fs::write(
        out.join("latest.json"),
        serde_json::to_string_pretty(&results)? + "\n",
    )?;
    eprintln!("wrote {}", out.join("latest.md").display());
    Ok(())
}

/// Composes echo with a body limit above the largest shape, so that every
/// byte is decoded, serves it in a process of its own (whose heap and
/// threads the earlier scenarios have not touched), and sends it every
/// worst request shape.
async fn worst_shapes(work: &Path) -> Result<Vec<hostile::WorstShape>> {
    let manifest = echo_manifest(
        work,
        "worst-shapes.toml",
        ", config = { max-body = 2097152 }",
    )?;
    let out = work.join("worst-shapes");
    compose(&manifest, &compose_options(work))?.write(&out)?;
    let server = soak::ChildServer::start(&out.join("spin.toml"), &work.join("compiled"))?;
    hostile::run(server.address).await
}

/// One measured load run on `server`; fails, naming `what`, if any request
/// failed.
async fn measure(server: &Server, template: &Template, load: Load, what: &str) -> Result<Stats> {
    let stats = load::run(server.address, std::slice::from_ref(template), load).await?;
    anyhow::ensure!(
        stats.errors == 0,
        "{what}: {} requests failed",
        stats.errors
    );
    Ok(stats)
}

/// The load runs the throughput ratios are taken from: binary mode at
/// [`RATIO_CONCURRENCY`], every implementation in turn, [`RATIO_ROUNDS`]
/// times, so that a slow spell of the machine falls on all of them alike.
async fn ratio_rounds(
    settings: &Settings,
    template: &Template,
    composed: &Path,
    work: &Path,
) -> Result<Vec<RatioRuns>> {
    let implementations = Implementation::ALL;
    let mut servers = Vec::new();
    for implementation in implementations {
        servers.push(Server::start(implementation, composed, work).await?);
    }
    let requests: Vec<Template> = implementations
        .iter()
        .map(|implementation| implementation.request(template))
        .collect();
    for (server, request) in servers.iter().zip(&requests) {
        load::run(
            server.address,
            std::slice::from_ref(request),
            settings.warm_up(RATIO_CONCURRENCY),
        )
        .await?;
    }
    let mut rps = vec![Vec::new(); implementations.len()];
    let mut made = vec![(0, 0); implementations.len()];
    for round in 1..=RATIO_ROUNDS {
        for (index, (implementation, server)) in implementations.iter().zip(&servers).enumerate() {
            eprintln!(
                "ratio round {round}/{RATIO_ROUNDS}: {} c={RATIO_CONCURRENCY}...",
                implementation.name()
            );
            let before = server.instantiations.as_ref().map(|count| count.count());
            let stats = measure(
                server,
                &requests[index],
                settings.load(RATIO_CONCURRENCY),
                implementation.name(),
            )
            .await?;
            if let (Some(before), Some(count)) = (before, &server.instantiations) {
                made[index].0 += count.count() - before;
                made[index].1 += stats.requests;
            }
            rps[index].push(stats.rps);
        }
    }
    Ok(implementations
        .iter()
        .zip(rps)
        .zip(made)
        .map(|((implementation, rps), (instances, requests))| {
            let mut sorted = rps.clone();
            sorted.sort_by(f64::total_cmp);
            RatioRuns {
                implementation: implementation.name(),
                median_rps: sorted[sorted.len() / 2],
                rps,
                instantiations_per_1000: match implementation {
                    Implementation::Executor => Some(1000.0),
                    _ => (requests > 0).then(|| instances as f64 * 1000.0 / requests as f64),
                },
            }
        })
        .collect())
}

/// A manifest, `dir/name`, binding the echo app with the built-in
/// http-cloudevents binder; `config` is appended to its executor table.
fn echo_manifest(dir: &Path, name: &str, config: &str) -> Result<PathBuf> {
    let manifest = dir.join(name);
    std::fs::write(
        &manifest,
        format!(
            "spin_manifest_version = 2\n[application]\nname = \"echo\"\n[[trigger.http]]\nroute = \"/events\"\n\
             component = \"echo\"\nexecutor = {{ type = \"binder\", binder = \"http-cloudevents\"{config} }}\n\
             [component.echo]\nsource = {ECHO:?}\n"
        ),
    )?;
    Ok(manifest)
}

/// The output manifest of echo composed with the WASI 0.3 binder, in the
/// work folder `work`.
fn composed_p3(work: &Path) -> PathBuf {
    work.join("composed-p3").join("spin.toml")
}

/// The output manifest of echo composed with the WASI 0.3 binder behind
/// the webhook-signature middleware, in the work folder `work`.
fn composed_signed(work: &Path) -> PathBuf {
    work.join("composed-signed").join("spin.toml")
}

fn compose_options(dir: &Path) -> ComposeOptions {
    ComposeOptions {
        cache_dir: dir.join("binder-cache"),
        world: Default::default(),
    }
}

/// The floor of composition: a bare wac-graph plug of the two components,
/// then encode, which by default validates the whole output (`validate`).
fn plug_floor(binder: &[u8], app: &[u8], validate: bool) -> Result<Vec<u8>> {
    let mut graph = CompositionGraph::new();
    let socket = Package::from_bytes("binder", None, binder.to_vec(), graph.types_mut())?;
    let plug = Package::from_bytes("app", None, app.to_vec(), graph.types_mut())?;
    let socket = graph.register_package(socket)?;
    let plug = graph.register_package(plug)?;
    wac_graph::plug(&mut graph, vec![plug], socket)?;
    Ok(graph.encode(EncodeOptions {
        validate,
        ..EncodeOptions::default()
    })?)
}

/// The median wall time of `runs` calls of `f`, in milliseconds.
fn median_ms(runs: usize, mut f: impl FnMut() -> Result<()>) -> Result<f64> {
    let mut times = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        f()?;
        times.push(started.elapsed());
    }
    Ok(median(times).as_secs_f64() * 1e3)
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort_unstable();
    times[times.len() / 2]
}

/// One implementation served on `127.0.0.1:0`.
struct Server {
    address: SocketAddr,
    running: Running,
    /// The host's count of instances, where the host is Bindery's.
    instantiations: Option<Instantiations>,
}

/// What serves an implementation.
enum Running {
    /// A task of this process.
    Task(tokio::task::JoinHandle<Result<()>>),
    /// A `wasmtime serve` process.
    Wasmtime(wasmtime_cli::Served),
}

impl Server {
    async fn start(implementation: Implementation, composed: &Path, work: &Path) -> Result<Self> {
        let wasmtime = |manifest: PathBuf| -> Result<Self> {
            let served = wasmtime_cli::Served::start(&manifest.with_file_name("echo.wasm"))?;
            Ok(Self {
                address: served.address,
                running: Running::Wasmtime(served),
                instantiations: None,
            })
        };
        let config = HostConfig {
            cache_dir: Some(work.join("compiled")),
            ..HostConfig::default()
        };
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let host = |target: &Path| -> Result<Self> {
            let host = Host::load(target, config.clone())?;
            let instantiations = Some(host.instantiations());
            let task = tokio::spawn(async move {
                host.serve(Some(listener), std::future::pending()).await?;
                Ok(())
            });
            Ok(Self {
                address,
                running: Running::Task(task),
                instantiations,
            })
        };
        match implementation {
            Implementation::Composed => host(composed),
            Implementation::ComposedP3 => host(&composed_p3(work)),
            Implementation::ComposedP3Signed => host(&composed_signed(work)),
            Implementation::Monolithic => host(Path::new(MONOLITHIC_ECHO)),
            Implementation::MonolithicP3 => host(Path::new(MONOLITHIC_ECHO_P3)),
            Implementation::Hello => host(Path::new(HELLO_HTTP)),
            Implementation::HelloP3 => host(Path::new(HELLO_HTTP_P3)),
            Implementation::WasmtimeComposed => wasmtime(composed.to_owned()),
            Implementation::WasmtimeComposedP3 => wasmtime(composed_p3(work)),
            Implementation::Executor => {
                let engine = bindery_runtime::engine(&config)?;
                let (address, task) = executor::start(engine, &std::fs::read(ECHO)?).await?;
                Ok(Self {
                    address,
                    running: Running::Task(task),
                    instantiations: None,
                })
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        match &mut self.running {
            Running::Task(task) => task.abort(),
            Running::Wasmtime(served) => served.stop(),
        }
    }
}

/// The time from loading the composed app to its first answered request,
/// with the compiled-code cache in `cache` (cold the first time).
async fn first_response(manifest: &Path, cache: &Path, template: &Template) -> Result<Duration> {
    let started = Instant::now();
    let host = Host::load(
        manifest,
        HostConfig {
            cache_dir: Some(cache.to_owned()),
            ..HostConfig::default()
        },
    )?;
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let server = tokio::spawn(host.serve(Some(listener), std::future::pending()));
    let one = Load {
        concurrency: 1,
        duration: Duration::from_secs(60),
        max_requests: 1,
    };
    let stats = load::run(address, std::slice::from_ref(template), one).await?;
    let elapsed = started.elapsed();
    server.abort();
    anyhow::ensure!(stats.requests == 1, "the first request failed");
    Ok(elapsed)
}

/// The requests of the scenarios.
struct Templates {
    binary: Template,
    structured: Template,
    batch: Template,
}

/// 256 bytes of JSON, the data of every event.
fn data() -> String {
    let mut data = String::from(r#"{"orderId":"A-17","customer":"ada","note":""#);
    while data.len() < 254 {
        data.push('x');
    }
    data.push_str(r#""}"#);
    data
}

fn structured_event(id: usize) -> String {
    format!(
        r#"{{"specversion":"1.0","id":"bench-{id}","source":"/bench","type":"com.example.bench","datacontenttype":"application/json","data":{}}}"#,
        data()
    )
}

impl Templates {
    fn new() -> Self {
        let binary = Template {
            path: "/events",
            headers: vec![
                ("ce-specversion", "1.0".into()),
                ("ce-id", "bench-1".into()),
                ("ce-source", "/bench".into()),
                ("ce-type", "com.example.bench".into()),
                ("content-type", "application/json".into()),
            ],
            body: Bytes::from(data()),
        };
        let structured = Template {
            path: "/events",
            headers: vec![("content-type", "application/cloudevents+json".into())],
            body: Bytes::from(structured_event(1)),
        };
        let events: Vec<String> = (0..10).map(structured_event).collect();
        let batch = Template {
            path: "/events",
            headers: vec![("content-type", "application/cloudevents-batch+json".into())],
            body: Bytes::from(format!("[{}]", events.join(","))),
        };
        Self {
            binary,
            structured,
            batch,
        }
    }

    fn codec_inputs(&self) -> codec::Inputs {
        codec::Inputs {
            headers: self
                .binary
                .headers
                .iter()
                .map(|(name, value)| (name.to_string(), value.clone().into_bytes()))
                .collect(),
            body: self.binary.body.to_vec(),
            structured: self.structured.body.to_vec(),
            batch: self.batch.body.to_vec(),
        }
    }
}

/// The CPU, core count and memory of this machine.
fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|line| line.strip_prefix("model name"))
                .map(|model| model.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |cores| cores.get());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|info| {
            let kib: u64 = info
                .lines()
                .next()?
                .split_whitespace()
                .nth(1)?
                .parse()
                .ok()?;
            Some(format!("{} GiB", kib / (1 << 20)))
        })
        .unwrap_or_default();
    format!("{cpu}, {cores} cores, {memory}")
}

/// The results as markdown.
fn report(results: &Results) -> String {
    let mut out = format!(
        "# Bindery benchmarks\n\nMachine: {}. Each load run lasts {} s after a 0.5 s warm-up; client and server share the machine, on 127.0.0.1.\n\n",
        results.machine, results.seconds_per_run
    );
    out.push_str("## Throughput\n\n| implementation | mode | concurrency | req/s | p50 (µs) | p99 (µs) |\n|---|---|---:|---:|---:|---:|\n");
    for run in &results.throughput {
        out.push_str(&format!(
            "| {} | {} | {} | {:.0} | {} | {} |\n",
            run.implementation,
            run.mode,
            run.concurrency,
            run.stats.rps,
            run.stats.p50_us,
            run.stats.p99_us
        ));
    }
    out.push_str(&format!(
        "\n## Throughput for the ratios\n\nBinary mode at c={RATIO_CONCURRENCY}, the implementations in turn, {RATIO_ROUNDS} rounds; the ratios use the medians.\n\n\
         | implementation | median req/s | instances per 1000 requests | each round |\n|---|---:|---:|---|\n"
    ));
    for runs in &results.ratio_runs {
        let rounds: Vec<String> = runs.rps.iter().map(|rps| format!("{rps:.0}")).collect();
        let instances = runs
            .instantiations_per_1000
            .map_or("(not counted)".to_owned(), |count| format!("{count:.1}"));
        out.push_str(&format!(
            "| {} | {:.0} | {instances} | {} |\n",
            runs.implementation,
            runs.median_rps,
            rounds.join(", ")
        ));
    }
    out.push_str(&format!(
        "\n## Compose, size and start-up\n\n| measure | value |\n|---|---:|\n\
         | `bindery compose` of echo (median of {REPEAT}) | {:.2} ms |\n\
         | bare wac-graph plug + encode (median of {REPEAT}) | {:.2} ms |\n\
         | the same, encoding without validation (median of {REPEAT}) | {:.2} ms |\n\
         | binder + app size | {} + {} = {} bytes |\n\
         | composed size | {} bytes |\n\
         | the bare wac-graph plug's output size | {} bytes |\n\
         | first response, cold compile | {:.1} ms |\n\
         | first response, warm cache (median of {REPEAT}) | {:.1} ms |\n",
        results.compose_ms,
        results.plug_floor_ms,
        results.plug_unvalidated_ms,
        results.binder_bytes,
        results.app_bytes,
        results.binder_bytes + results.app_bytes,
        results.composed_bytes,
        results.plug_floor_bytes,
        results.cold_first_response_ms,
        results.warm_first_response_ms
    ));
    out.push_str(
        "\n## Instantiation (a fresh store and instance, alone; median)\n\n\
         | component | bytes | core modules | µs per instance |\n|---|---:|---:|---:|\n",
    );
    for component in &results.instantiation {
        out.push_str(&format!(
            "| {} | {} | {} | {:.1} |\n",
            component.name, component.bytes, component.core_modules, component.micros
        ));
    }
    out.push_str(
        "\n## Codec (native, criterion)\n\n| decode | ns/event | MB/s |\n|---|---:|---:|\n",
    );
    for codec in &results.codec {
        out.push_str(&format!(
            "| {} | {:.0} | {:.0} |\n",
            codec.name, codec.ns_per_event, codec.mb_per_s
        ));
    }
    out.push_str(
        "\n## Worst request shapes (composed binder in a server process of its own; medians of 9 interleaved rounds, one connection each)\n\n\
         Flat µs/KiB from 64 KiB to 1 MiB means no check is quadratic; the target is under 50 ms at 1 MiB.\n\n",
    );
    out.push_str(&hostile::table(&results.worst_shapes));
    let soak = &results.soak;
    out.push_str(&format!(
        "\n## Soak\n\n{} requests at c={} against the composed echo (binary, structured and a batch of 10 in turn), \
         served by a child process whose resident memory is read alone; the warm-up is 10,000 requests.\n\n\
         | requests answered | errors | req/s | p50 (µs) | p99 (µs) | RSS started | after warm-up | peak during | after |\n\
         |---:|---:|---:|---:|---:|---:|---:|---:|---:|\n\
         | {} | {} | {:.0} | {} | {} | {} KiB | {} KiB | {} KiB | {} KiB |\n",
        soak::REQUESTS,
        soak::CONCURRENCY,
        soak.requests,
        soak.errors,
        soak.rps,
        soak.p50_us,
        soak.p99_us,
        soak.rss_started_kib,
        soak.rss_warm_kib,
        soak.rss_peak_kib,
        soak.rss_after_kib
    ));
    out.push_str(&format!(
        "\n## Transports: the same echo over HTTP and over NATS\n\n\
         One thin host serves `examples/echo` (the same .wasm) behind the HTTP binder and behind the NATS binder; \
         `nats-server` runs locally. Each request (HTTP) or message (NATS request/reply) is the same structured event; \
         the transports take turns, {RATIO_ROUNDS} rounds, and the figures are the median round's.\n\n\
         | transport | concurrency | answered/s | p50 (µs) | p99 (µs) | each round | ÷ HTTP |\n|---|---:|---:|---:|---:|---|---:|\n"
    ));
    for runs in &results.transports {
        let http = results
            .transports
            .iter()
            .find(|http| http.transport == "http" && http.concurrency == runs.concurrency)
            .map_or(f64::NAN, |http| http.median.rps);
        let rounds: Vec<String> = runs.rate.iter().map(|rate| format!("{rate:.0}")).collect();
        out.push_str(&format!(
            "| {} | {} | {:.0} | {} | {} | {} | {:.2} |\n",
            runs.transport,
            runs.concurrency,
            runs.median.rps,
            runs.median.p50_us,
            runs.median.p99_us,
            rounds.join(", "),
            runs.median.rps / http
        ));
    }
    out.push_str("\n## Fuzzing\n\n");
    out.push_str(
        results
            .fuzzing
            .as_deref()
            .unwrap_or("No long run recorded (`fuzz/run` writes `fuzz/last-run.md`).\n"),
    );
    out.push_str("\n## Targets\n\n| ratio | value | target | met |\n|---|---:|---|---|\n");
    for ratio in &results.ratios {
        out.push_str(&format!(
            "| {} | {:.3} | {} | {} |\n",
            ratio.name,
            ratio.value,
            ratio.target,
            if ratio.met { "yes" } else { "no" }
        ));
    }
    out
}
