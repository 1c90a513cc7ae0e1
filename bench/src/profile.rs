//! `cargo run --release -p bench -- profile [composed|filtered|signed|floor]`:
//! where a request's time goes when the composed echo (alone, behind the
//! filter stage or behind the middleware) or the echo floor is served over
//! WASI 0.3 with reuse. It is served in a process of its own, with
//! wasmtime's perf map, under load at c=32 while `perf record` samples that
//! process; the report groups the samples by what they are (guest code,
//! wasmtime's component model and async machinery, wasmtime-wasi-http, hyper
//! and tokio, the kernel), by guest core module, and by the steps of a
//! request in Bindery's guests, which `BINDERY_GUEST_SYMBOLS=1` names.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use anyhow::{Context as _, Result, bail};

use crate::artifacts::ECHO_FLOOR_P3;
use crate::compositions::{compose_variants, composed_filtered, composed_p3, composed_signed};
use crate::load::{self, Load, Template};
use crate::server::Implementation;
use crate::soak::ChildServer;
use crate::templates::Templates;

/// How long the load runs while `perf` samples.
const SECONDS: u64 = 10;

/// Serves `manifest`, loads it with `templates` (in turn) and prints the profile of
/// the serving process, grouped by component of the stack.
pub fn run(manifest: &Path, cache: &Path, templates: &[Template], out: &Path) -> Result<()> {
    let server = ChildServer::start_with(manifest, cache, true)?;
    let runtime = tokio::runtime::Runtime::new()?;
    let warm_up = Load {
        concurrency: 32,
        duration: Duration::from_secs(2),
        max_requests: u64::MAX,
    };
    runtime.block_on(load::run(server.address, templates, warm_up))?;
    let data = out.join("perf.data");
    let mut perf = Command::new("perf")
        .args(["record", "-F", "999", "-g", "-o"])
        .arg(&data)
        .args([
            "-p",
            &server.pid().to_string(),
            "--",
            "sleep",
            &SECONDS.to_string(),
        ])
        .spawn()
        .context("starting `perf record` (install linux-perf)")?;
    let measured = Load {
        duration: Duration::from_secs(SECONDS),
        ..warm_up
    };
    let stats = runtime.block_on(load::run(server.address, templates, measured))?;
    if !perf.wait()?.success() {
        bail!("`perf record` failed");
    }
    let report = Command::new("perf")
        .args([
            "report",
            "--no-children",
            "--sort",
            "dso,sym",
            "--stdio",
            "-i",
        ])
        .arg(&data)
        .output()?;
    let text = String::from_utf8_lossy(&report.stdout);
    println!("{:.0} req/s while sampled\n", stats.rps);
    println!("| part of the stack | share of samples |\n|---|---:|");
    for (part, share) in group(&text) {
        println!("| {part} | {:.1}% |", share);
    }
    let samples: Vec<&str> = text
        .lines()
        .filter(|line| {
            line.trim_start()
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_digit())
        })
        .collect();
    println!("\nthe 30 hottest symbols:\n");
    for line in samples.iter().take(30) {
        println!("    {}", line.trim());
    }
    println!("\nguest samples by core module (`wasm[N]`, as wasmtime numbers them):\n");
    let mut modules: Vec<(String, f64)> = Vec::new();
    for line in &samples {
        let Some(start) = line.find("wasm[") else {
            continue;
        };
        let module = line[start..].split("]").next().unwrap_or("").to_owned() + "]";
        let percent = leading_percent(line).unwrap_or(0.0);
        match modules.iter_mut().find(|(name, _)| *name == module) {
            Some((_, sum)) => *sum += percent,
            None => modules.push((module, percent)),
        }
    }
    modules.sort_by(|a, b| b.1.total_cmp(&a.1));
    for (module, share) in modules {
        println!("    {module}: {share:.1}%");
    }
    let inclusive = Command::new("perf")
        .args([
            "report",
            "--children",
            "--sort",
            "sym",
            "-g",
            "none",
            "--stdio",
            "-i",
        ])
        .arg(&data)
        .output()?;
    let inclusive = String::from_utf8_lossy(&inclusive.stdout);
    println!("\nguest work by step (samples in the function and what it calls, of all samples):\n");
    println!("| step | function | share |\n|---|---|---:|");
    for (step, symbol) in STEPS {
        if let Some(share) = children_share(&inclusive, symbol) {
            println!("| {step} | `{symbol}` | {share:.1}% |");
        }
    }
    println!("\nthe 30 hottest guest functions:\n");
    for line in samples
        .iter()
        .filter(|line| line.contains("[JIT]") || line.contains("perf-"))
        .take(30)
    {
        println!("    {}", line.trim());
    }
    Ok(())
}

/// The steps of a request in Bindery's guests, and a part of the (mangled)
/// name of the function that does each.
const STEPS: &[(&str, &str)] = &[
    ("read the request's headers", "Fields8copy_all"),
    ("read the body", "bindery_wasip3_body11read_stream"),
    (
        "decode a binary-mode event (with its checks)",
        "http_cloudevents6binary6decode",
    ),
    (
        "call the next stage or the app (lower, run, lift)",
        "8call_app",
    ),
    ("check the answer", "cloudevents_codec8validate8validate"),
    (
        "encode the answer (binary mode)",
        "http_cloudevents6binary6encode",
    ),
    ("make the response's headers", "Fields9from_list"),
    ("start the response", "bindery_wasip3_body7respond"),
    (
        "the middleware: check the signature",
        "webhook_signature6verify6verify",
    ),
    (
        "the middleware: read and rebuild the request",
        "webhook_signature9component5check",
    ),
    (
        "the filter stage: evaluate the filters",
        "subscription_filter",
    ),
];

/// The largest inclusive ("children") share of a symbol containing
/// `symbol` in `perf report --children` output.
fn children_share(report: &str, symbol: &str) -> Option<f64> {
    report
        .lines()
        .filter(|line| line.contains(symbol))
        .filter_map(leading_percent)
        .max_by(f64::total_cmp)
}

/// The percentage a `perf report` line starts with, if it starts with one.
fn leading_percent(line: &str) -> Option<f64> {
    line.split_whitespace()
        .next()?
        .strip_suffix('%')?
        .parse()
        .ok()
}

/// The samples of `perf report --sort dso,sym` output (lines of
/// `<percent>% <dso> [.] <symbol>`), summed by part of the stack.
fn group(report: &str) -> Vec<(&'static str, f64)> {
    let parts = [
        "guest code (compiled wasm)",
        "kernel (network, scheduling)",
        "wasmtime-wasi-http",
        "wasmtime: component model, async tasks, runtime",
        "hyper",
        "tokio",
        "futures combinators",
        "allocator and libc",
        "other host code",
    ];
    let mut sums = vec![0.0; parts.len()];
    for line in report.lines() {
        let Some(percent) = leading_percent(line) else {
            continue;
        };
        let mut fields = line.split_whitespace().skip(1);
        let dso = fields.next().unwrap_or("");
        let symbol: String = fields.skip(1).collect::<Vec<_>>().join(" ");
        let part = if dso.contains("kernel") {
            1
        } else if dso.starts_with("[JIT]")
            || dso.starts_with("perf-")
            || dso.starts_with("[unknown]")
        {
            0
        } else if dso.starts_with("libc") || dso.starts_with("ld-") {
            7
        } else if symbol.contains("wasmtime_wasi_http") {
            2
        } else if symbol.contains("wasmtime") {
            3
        } else if symbol.contains("hyper") {
            4
        } else if symbol.contains("tokio") {
            5
        } else if symbol.contains("futures") {
            6
        } else {
            8
        };
        sums[part] += percent;
    }
    parts.into_iter().zip(sums).collect()
}

/// What `bench profile` serves.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Profiled {
    /// The echo app composed behind the WASI 0.3 binder.
    Composed,
    /// The same behind the filter stage (one `sql` filter).
    Filtered,
    /// The same behind the webhook-signature middleware.
    Signed,
    /// The WASI 0.3 echo floor: every header and the body read and echoed.
    Floor,
}

/// Composes (or picks) the component `what` names, then profiles it
/// ([`run`]): printed, for bench/README.md.
pub fn profile(what: Profiled) -> Result<()> {
    let work = tempfile::tempdir()?;
    let templates = Templates::new();
    let manifest = match what {
        Profiled::Floor => Path::new(ECHO_FLOOR_P3).to_owned(),
        Profiled::Composed | Profiled::Filtered | Profiled::Signed => {
            compose_variants(work.path())?;
            match what {
                Profiled::Filtered => composed_filtered(work.path()),
                Profiled::Signed => composed_signed(work.path()),
                _ => composed_p3(work.path()),
            }
        }
    };
    let requests = match what {
        Profiled::Signed => Implementation::ComposedP3Signed.requests(&templates.binary),
        _ => vec![templates.binary],
    };
    run(
        &manifest,
        &work.path().join("compiled"),
        &requests,
        work.path(),
    )
}
