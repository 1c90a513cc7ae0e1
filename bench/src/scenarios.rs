//! Every scenario of a full run, in one run on this machine: the throughput
//! of each implementation, the interleaved ratio rounds, compose and start
//! times, the worst request shapes, NATS against HTTP, the soak; then the
//! report.

use std::path::Path;
use std::time::Duration;

use anyhow::Result;
use bindery_composer::compose;
use bindery_runtime::HostConfig;

use crate::artifacts::{BINDERY_HTTP_CLOUDEVENTS, ECHO, ECHO_FLOOR, HELLO_HTTP, MONOLITHIC_ECHO};
use crate::compositions::{compose_options, compose_variants, echo_manifest, plug_floor};
use crate::load::{self, Load, Stats, Template, median, median_ms};
use crate::report::{Ratio, RatioRuns, Results, Throughput, machine, report};
use crate::server::{Implementation, Server, first_response};
use crate::settings::{CONCURRENCY, FUZZING, RATIO_CONCURRENCY, RATIO_ROUNDS, REPEAT, Settings};
use crate::templates::Templates;
use crate::{codec, filter, hostile, instantiate, signature, soak, transports};

/// Runs every scenario and writes `bench/results/latest.md` and
/// `latest.json`.
pub fn run() -> Result<()> {
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
    compose_variants(work.path())?;
    let composed_bytes = std::fs::metadata(composed_dir.join("echo.wasm"))?.len() as usize;

    let templates = Templates::new();
    let mut throughput = Vec::new();
    runtime.block_on(async {
        for implementation in Implementation::ALL {
            let server = Server::start(implementation, &composed_manifest, work.path()).await?;
            let mut modes = vec![("binary", implementation.requests(&templates.binary))];
            if matches!(
                implementation,
                Implementation::Composed | Implementation::ComposedP3 | Implementation::Executor
            ) {
                modes.push(("structured", vec![templates.structured.clone()]));
                modes.push(("batch of 10", vec![templates.batch.clone()]));
            }
            for (mode, template) in modes {
                for concurrency in CONCURRENCY {
                    eprintln!("{} {mode} c={concurrency}...", implementation.name());
                    load::run(server.address, &template, settings.warm_up(concurrency)).await?;
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
        &Implementation::ALL,
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
    let echo_floor = std::fs::read(ECHO_FLOOR)?;
    let instantiation = runtime.block_on(instantiate::run(
        &bindery_runtime::engine(&HostConfig::default())?,
        &[
            (Implementation::Composed.name(), &composed_wasm),
            (Implementation::Monolithic.name(), &monolithic),
            ("the echo app alone, as (c) instantiates it", &app),
            (Implementation::Hello.name(), &hello),
            (Implementation::EchoFloor.name(), &echo_floor),
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

    eprintln!("middleware micro-benchmark...");
    let signature = signature::run(
        Duration::from_secs_f64(settings.seconds.max(1.0)),
        &work.path().join("criterion"),
    )?;

    eprintln!("filter stage micro-benchmark...");
    let filter = filter::run(
        Duration::from_secs_f64(settings.seconds.max(1.0)),
        &work.path().join("criterion"),
    )?;

    // A throughput ratio is the median of the rounds' own ratios: the two
    // implementations of a round ran close together, on the same spell of
    // the machine.
    let paired = |numerator: Implementation, denominator: Implementation| {
        let runs = |implementation: Implementation| {
            ratio_runs
                .iter()
                .find(|runs| runs.implementation == implementation.name())
                .map_or(&[][..], |runs| &runs.rps[..])
        };
        median_ratio(runs(numerator), runs(denominator))
    };
    let size_ratio = composed_bytes as f64 / (binder.len() + app.len()) as f64;
    let ratio = |name, value: f64, target, met: fn(f64) -> bool| Ratio {
        name,
        value,
        target,
        met: met(value),
    };
    let transport_rate = |transport: &str| {
        transports
            .iter()
            .find(|runs| runs.transport == transport && runs.concurrency == 32)
            .map_or(f64::NAN, |runs| runs.median.rps)
    };
    let ratios = vec![
        ratio(
            "composed ÷ monolithic throughput, c=32 (median of the rounds' ratios)",
            paired(Implementation::Composed, Implementation::Monolithic),
            "≥ 0.97",
            |value| value >= 0.97,
        ),
        ratio(
            "composed 0.3 ÷ echo floor 0.3 throughput, c=32 (median of the rounds' ratios)",
            paired(Implementation::ComposedP3, Implementation::EchoFloorP3),
            "≥ 0.9",
            |value| value >= 0.9,
        ),
        ratio(
            "composed ÷ echo floor throughput, c=32 (median of the rounds' ratios)",
            paired(Implementation::Composed, Implementation::EchoFloor),
            "(reported)",
            |_| true,
        ),
        ratio(
            "monolithic 0.3 ÷ echo floor 0.3 throughput, c=32 (median of the rounds' ratios)",
            paired(Implementation::MonolithicP3, Implementation::EchoFloorP3),
            "(reported)",
            |_| true,
        ),
        ratio(
            "monolithic ÷ echo floor throughput, c=32 (median of the rounds' ratios)",
            paired(Implementation::Monolithic, Implementation::EchoFloor),
            "(reported)",
            |_| true,
        ),
        ratio(
            "composed 0.3 ÷ host-side executor throughput, c=32 (median of the rounds' ratios)",
            paired(Implementation::ComposedP3, Implementation::Executor),
            "(reported)",
            |_| true,
        ),
        ratio(
            "composed 0.3 ÷ monolithic 0.3 throughput, c=32 (median of the rounds' ratios)",
            paired(Implementation::ComposedP3, Implementation::MonolithicP3),
            "≥ 0.97",
            |value| value >= 0.97,
        ),
        ratio(
            "composed 0.3 behind the middleware ÷ without, c=32 (median of the rounds' ratios)",
            paired(Implementation::ComposedP3Signed, Implementation::ComposedP3),
            "≥ 0.85",
            |value| value >= 0.85,
        ),
        ratio(
            "composed 0.3 behind a filter stage (one sql filter) ÷ without, c=32 (median of the rounds' ratios)",
            paired(
                Implementation::ComposedP3Filtered,
                Implementation::ComposedP3,
            ),
            "≥ 0.9",
            |value| value >= 0.9,
        ),
        ratio(
            "composed 0.3 behind the filter and schema stages ÷ without, c=32 (median of the rounds' ratios)",
            paired(
                Implementation::ComposedP3FilterSchema,
                Implementation::ComposedP3,
            ),
            "(reported)",
            |_| true,
        ),
        ratio(
            "composed 0.3 ÷ composed 0.2 throughput, c=32 (median of the rounds' ratios)",
            paired(Implementation::ComposedP3, Implementation::Composed),
            "(reported)",
            |_| true,
        ),
        ratio(
            "bindery serve ÷ wasmtime serve, composed 0.2, c=32 (median of the rounds' ratios)",
            paired(Implementation::Composed, Implementation::WasmtimeComposed),
            "(reported)",
            |_| true,
        ),
        ratio(
            "bindery serve ÷ wasmtime serve, composed 0.3, c=32 (median of the rounds' ratios)",
            paired(
                Implementation::ComposedP3,
                Implementation::WasmtimeComposedP3,
            ),
            "(reported)",
            |_| true,
        ),
        ratio(
            "JetStream ÷ core NATS answered/s, c=32 (medians)",
            transport_rate("jetstream") / transport_rate("nats"),
            "≥ 0.7",
            |value| value >= 0.7,
        ),
        ratio(
            "core NATS ÷ HTTP answered/s, c=32 (medians)",
            transport_rate("nats") / transport_rate("http"),
            "≥ 0.8",
            |value| value >= 0.8,
        ),
        ratio(
            "NATS binder 0.3 ÷ 0.2 answered/s, core NATS, c=32 (medians)",
            transport_rate("nats 0.3") / transport_rate("nats"),
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
        filter,
        signature,
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
pub(crate) async fn worst_shapes(work: &Path) -> Result<Vec<hostile::WorstShape>> {
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
pub(crate) async fn measure(
    server: &Server,
    templates: &[Template],
    load: Load,
    what: &str,
) -> Result<Stats> {
    let stats = load::run(server.address, templates, load).await?;
    anyhow::ensure!(
        stats.errors == 0,
        "{what}: {} requests failed",
        stats.errors
    );
    Ok(stats)
}

/// The load runs the throughput ratios are taken from: binary mode at
/// [`RATIO_CONCURRENCY`], every implementation in turn (forward, then
/// backward), [`RATIO_ROUNDS`] times, so that a slow spell of the machine
/// falls on all of them alike.
pub(crate) async fn ratio_rounds(
    settings: &Settings,
    implementations: &[Implementation],
    template: &Template,
    composed: &Path,
    work: &Path,
) -> Result<Vec<RatioRuns>> {
    let mut servers = Vec::new();
    for &implementation in implementations {
        servers.push(Server::start(implementation, composed, work).await?);
    }
    let requests: Vec<Vec<Template>> = implementations
        .iter()
        .map(|implementation| implementation.requests(template))
        .collect();
    for (server, request) in servers.iter().zip(&requests) {
        load::run(server.address, request, settings.warm_up(RATIO_CONCURRENCY)).await?;
    }
    let mut rps = vec![Vec::new(); implementations.len()];
    let mut made = vec![(0, 0); implementations.len()];
    for round in 1..=RATIO_ROUNDS {
        // Forward in odd rounds, backward in even ones, so that no
        // implementation always runs right after the same neighbour.
        let mut order: Vec<usize> = (0..implementations.len()).collect();
        if round % 2 == 0 {
            order.reverse();
        }
        for index in order {
            let (implementation, server) = (&implementations[index], &servers[index]);
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

/// The median of the rounds' own ratios, `numerator[i] / denominator[i]`
/// (NaN without rounds): the two runs of a round ran close together, on the
/// same spell of the machine.
fn median_ratio(numerator: &[f64], denominator: &[f64]) -> f64 {
    let mut each: Vec<f64> = numerator
        .iter()
        .zip(denominator)
        .map(|(numerator, denominator)| numerator / denominator)
        .collect();
    each.sort_by(f64::total_cmp);
    each.get(each.len() / 2).copied().unwrap_or(f64::NAN)
}

/// Only the interleaved ratio rounds, of the implementations whose name
/// contains one of `only`, in that order (all of them if it is empty),
/// printed with each one's ratio to the first: the quick loop for work on
/// throughput.
pub(crate) fn print_ratios(only: &[String]) -> Result<()> {
    let settings = Settings::from_env()?;
    let work = tempfile::tempdir()?;
    let manifest = echo_manifest(work.path(), "spin.toml", "")?;
    let composed_dir = work.path().join("composed");
    compose(&manifest, &compose_options(work.path()))?.write(&composed_dir)?;
    compose_variants(work.path())?;
    let mut implementations: Vec<Implementation> = Vec::new();
    for part in only {
        for implementation in Implementation::ALL {
            if implementation.name().contains(part.as_str())
                && !implementations.contains(&implementation)
            {
                implementations.push(implementation);
            }
        }
    }
    if only.is_empty() {
        implementations = Implementation::ALL.to_vec();
    }
    anyhow::ensure!(
        !implementations.is_empty(),
        "no implementation's name contains {only:?}"
    );
    let runs = tokio::runtime::Runtime::new()?.block_on(ratio_rounds(
        &settings,
        &implementations,
        &Templates::new().binary,
        &composed_dir.join("spin.toml"),
        work.path(),
    ))?;
    println!(
        "| implementation | median req/s | ÷ the first (median of the rounds' ratios) | each round |\n|---|---:|---:|---|"
    );
    for run in &runs {
        let rounds: Vec<String> = run.rps.iter().map(|rps| format!("{rps:.0}")).collect();
        println!(
            "| {} | {:.0} | {:.3} | {} |",
            run.implementation,
            run.median_rps,
            median_ratio(&run.rps, &runs[0].rps),
            rounds.join(", ")
        );
    }
    Ok(())
}

/// Only the transports (HTTP, core NATS, NATS on WASI 0.3, JetStream),
/// printed and not recorded: the quick loop for work on the NATS path.
pub(crate) fn print_transports() -> Result<()> {
    let settings = Settings::from_env()?;
    let work = tempfile::tempdir()?;
    let runs = tokio::runtime::Runtime::new()?.block_on(transports::run(
        |concurrency| settings.load(concurrency),
        |concurrency| settings.warm_up(concurrency),
        &Templates::new().structured,
        work.path(),
    ))?;
    println!("{}", crate::report::transports_table(&runs));
    Ok(())
}

/// Prints the worst request shapes, not recorded: the quick loop for work
/// on the codec.
pub(crate) fn print_worst_shapes() -> Result<()> {
    let work = tempfile::tempdir()?;
    let shapes = tokio::runtime::Runtime::new()?.block_on(worst_shapes(work.path()))?;
    println!("{}", hostile::table(&shapes));
    Ok(())
}
