//! `cargo run --release -p bench -- profile`: where a request's time goes
//! when the composed echo is served over WASI 0.3 with reuse. The app is
//! served in a process of its own under load at c=32 while `perf record`
//! samples that process; the report groups the samples by what they are
//! (guest code, wasmtime's component model and async machinery,
//! wasmtime-wasi-http, hyper and tokio, the kernel).

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use anyhow::{Context as _, Result, bail};

use crate::compositions::{FILTER, compose_options, composed_p3, echo_manifest};
use crate::load::{self, Load, Template};
use crate::soak::ChildServer;
use crate::templates::Templates;
use bindery_composer::compose;

/// How long the load runs while `perf` samples.
const SECONDS: u64 = 10;

/// Serves `manifest`, loads it with `template` and prints the profile of
/// the serving process, grouped by component of the stack.
pub fn run(manifest: &Path, cache: &Path, template: &Template, out: &Path) -> Result<()> {
    let server = ChildServer::start(manifest, cache)?;
    let runtime = tokio::runtime::Runtime::new()?;
    let warm_up = Load {
        concurrency: 32,
        duration: Duration::from_secs(2),
        max_requests: u64::MAX,
    };
    runtime.block_on(load::run(
        server.address,
        std::slice::from_ref(template),
        warm_up,
    ))?;
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
    let stats = runtime.block_on(load::run(
        server.address,
        std::slice::from_ref(template),
        measured,
    ))?;
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
    println!("\nthe 25 hottest symbols:\n");
    for line in text
        .lines()
        .filter(|line| {
            line.trim_start()
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_digit())
        })
        .take(25)
    {
        println!("    {}", line.trim());
    }
    Ok(())
}

/// The samples of `perf report --sort dso,sym` output (lines of
/// `<percent>% <dso> [.] <symbol>`), summed by part of the stack.
fn group(report: &str) -> Vec<(&'static str, f64)> {
    let parts = [
        "guest code (compiled wasm, no symbols)",
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
        let mut fields = line.split_whitespace();
        let Some(percent) = fields
            .next()
            .and_then(|first| first.strip_suffix('%'))
            .and_then(|number| number.parse::<f64>().ok())
        else {
            continue;
        };
        let dso = fields.next().unwrap_or("");
        let symbol: String = fields.skip(1).collect::<Vec<_>>().join(" ");
        let part = if dso.contains("kernel") {
            1
        } else if dso.starts_with("[JIT]") || dso.starts_with("[unknown]") {
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

/// Composes the echo app behind the WASI 0.3 binder (and the filter stage
/// if `filtered`), then profiles it ([`run`]): printed, for bench/README.md.
pub fn composed_echo_p3(filtered: bool) -> Result<()> {
    let work = tempfile::tempdir()?;
    let members = if filtered { FILTER } else { ", wasi = \"0.3\"" };
    let manifest = echo_manifest(work.path(), "spin-p3.toml", members)?;
    compose(&manifest, &compose_options(work.path()))?
        .write(composed_p3(work.path()).parent().expect("a folder"))?;
    run(
        &composed_p3(work.path()),
        &work.path().join("compiled"),
        &Templates::new().binary,
        work.path(),
    )
}
