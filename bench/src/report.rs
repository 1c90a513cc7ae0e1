//! What a run measured, and the markdown report written from it.

use serde::Serialize;

use crate::load::Stats;
use crate::settings::{RATIO_CONCURRENCY, RATIO_ROUNDS, REPEAT};
use crate::{codec, filter, hostile, instantiate, signature, soak, transports};

/// One throughput measurement.
#[derive(Serialize)]
pub(crate) struct Throughput {
    pub(crate) implementation: &'static str,
    pub(crate) mode: &'static str,
    pub(crate) concurrency: usize,
    #[serde(flatten)]
    pub(crate) stats: Stats,
}

/// The throughput of one implementation over the interleaved ratio rounds.
#[derive(Serialize)]
pub(crate) struct RatioRuns {
    pub(crate) implementation: &'static str,
    /// Requests per second of each round, in round order.
    pub(crate) rps: Vec<f64>,
    /// Their median, which the ratios use.
    pub(crate) median_rps: f64,
    /// Instances made per 1000 requests over the rounds (the host-side
    /// executor makes one per request by design; `wasmtime serve` is not
    /// counted).
    pub(crate) instantiations_per_1000: Option<f64>,
}

/// A ratio against its target.
#[derive(Serialize)]
pub(crate) struct Ratio {
    pub(crate) name: &'static str,
    pub(crate) value: f64,
    pub(crate) target: &'static str,
    pub(crate) met: bool,
}

/// Everything one run measured.
#[derive(Serialize)]
pub(crate) struct Results {
    pub(crate) machine: String,
    pub(crate) seconds_per_run: f64,
    pub(crate) throughput: Vec<Throughput>,
    pub(crate) ratio_runs: Vec<RatioRuns>,
    pub(crate) compose_ms: f64,
    pub(crate) plug_floor_ms: f64,
    pub(crate) plug_unvalidated_ms: f64,
    pub(crate) binder_bytes: usize,
    pub(crate) app_bytes: usize,
    pub(crate) composed_bytes: usize,
    pub(crate) plug_floor_bytes: usize,
    pub(crate) cold_first_response_ms: f64,
    pub(crate) warm_first_response_ms: f64,
    pub(crate) instantiation: Vec<instantiate::InstantiateResult>,
    pub(crate) codec: Vec<codec::CodecResult>,
    pub(crate) filter: filter::FilterResult,
    pub(crate) signature: signature::SignatureResult,
    pub(crate) worst_shapes: Vec<hostile::WorstShape>,
    pub(crate) soak: soak::Soak,
    pub(crate) transports: Vec<transports::TransportRuns>,
    pub(crate) fuzzing: Option<String>,
    pub(crate) ratios: Vec<Ratio>,
}

/// The CPU, core count and memory of this machine.
pub(crate) fn machine() -> String {
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
pub(crate) fn report(results: &Results) -> String {
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
        "\n## Throughput for the ratios\n\nBinary mode at c={RATIO_CONCURRENCY}, the implementations in turn (forward, then backward), {RATIO_ROUNDS} rounds; a throughput ratio is the median of the rounds' own ratios.\n\n\
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
    let filter = &results.filter;
    out.push_str(&format!(
        "\n## Filter stage (native, criterion)\n\n\
         The orders subscription, `{}`, against a decoded event: {:.0} ns per event; \
         parsing it, once per instance, {:.0} ns.\n",
        filter.filters, filter.ns_per_event, filter.ns_to_parse
    ));
    let signature = &results.signature;
    out.push_str(&format!(
        "\n## Webhook-signature middleware (native, criterion)\n\n\
         Its own work per bench request: the signature check (timestamp, HMAC-SHA256 of the \
         256-byte body, base64, constant-time compare) {:.0} ns; the replay bookkeeping \
         (look up and remember a `webhook-id`, the window full) {:.0} ns. The rest of what \
         row (a3s) costs is the WASI 0.3 hop (see bench/README.md).\n",
        signature.ns_to_verify, signature.ns_replay
    ));
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
         One thin host serves `examples/echo` (the same .wasm) behind the HTTP binder and behind the NATS binder, \
         on core NATS (request/reply) and on a JetStream trigger (published on the stream's subject, answered on a \
         reply subject, acknowledged after the answer); `nats-server -js` runs locally. Each request or message is the same structured event; \
         the transports take turns, {RATIO_ROUNDS} rounds, and the figures are the median round's.\n\n\
         "
    ));
    out.push_str(&transports_table(&results.transports));
    out.push_str("\n## Fuzzing\n\n");
    out.push_str(
        results
            .fuzzing
            .as_deref()
            .unwrap_or("No long run recorded (`fuzz/run` writes `fuzz/last-run.md`).\n"),
    );
    out.push_str(
        "\n## Targets\n\nWhere a target is missed, bench/README.md gives the profile of what is left \
         (`bench profile composed|floor|filtered|signed`, with `BINDERY_GUEST_SYMBOLS=1`).\n\n\
         | ratio | value | target | met |\n|---|---:|---|---|\n",
    );
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

/// The table of the transports' runs, each with its ratio to HTTP at the
/// same concurrency.
pub(crate) fn transports_table(transports: &[transports::TransportRuns]) -> String {
    let mut out = String::from(
        "| transport | concurrency | answered/s | p50 (µs) | p99 (µs) | each round | ÷ HTTP |\n|---|---:|---:|---:|---:|---|---:|\n",
    );
    for runs in transports {
        let http = transports
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
    out
}
