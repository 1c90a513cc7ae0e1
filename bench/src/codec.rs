//! Codec micro-benchmarks (criterion): decoding binary, structured and batch
//! requests natively, in ns per event and MB/s of input.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context as _, Result};
use bindery_http_cloudevents::{ExtensionTypes, binary, json};
use criterion::Criterion;

/// One micro-benchmark's result.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CodecResult {
    /// What was decoded.
    pub name: &'static str,
    /// Nanoseconds per event.
    pub ns_per_event: f64,
    /// Megabytes of input decoded per second.
    pub mb_per_s: f64,
}

/// The inputs: binary headers and body, a structured event, a batch of 10.
pub struct Inputs {
    /// Binary mode: the headers.
    pub headers: Vec<(String, Vec<u8>)>,
    /// Binary mode: the body.
    pub body: Vec<u8>,
    /// A structured-mode body.
    pub structured: Vec<u8>,
    /// A batch-mode body of 10 events.
    pub batch: Vec<u8>,
}

/// Runs the three benchmarks, writing criterion's data under `out`.
pub fn run(inputs: &Inputs, measure: Duration, out: &Path) -> Result<Vec<CodecResult>> {
    let types = ExtensionTypes::default();
    let mut criterion = criterion(measure, out);
    criterion.bench_function("decode-binary", |b| {
        b.iter(|| binary::decode(&inputs.headers, inputs.body.clone(), &types).unwrap())
    });
    criterion.bench_function("decode-structured", |b| {
        b.iter(|| json::decode_event(&inputs.structured, &types).unwrap())
    });
    criterion.bench_function("decode-batch-10", |b| {
        b.iter(|| json::decode_batch(&inputs.batch, &types).unwrap())
    });
    let header_bytes: usize = inputs
        .headers
        .iter()
        .map(|(name, value)| name.len() + value.len())
        .sum();
    [
        ("decode-binary", 1, header_bytes + inputs.body.len()),
        ("decode-structured", 1, inputs.structured.len()),
        ("decode-batch-10", 10, inputs.batch.len()),
    ]
    .into_iter()
    .map(|(name, events, bytes)| {
        let ns = mean_ns(out, name)?;
        Ok(CodecResult {
            name,
            ns_per_event: ns / events as f64,
            mb_per_s: bytes as f64 / ns * 1e3,
        })
    })
    .collect()
}

/// The mean time of one iteration, from criterion's `estimates.json`.
pub(crate) fn mean_ns(out: &Path, name: &str) -> Result<f64> {
    let path = out.join(name).join("new/estimates.json");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("{}: criterion wrote no estimates", path.display()))?;
    let estimates: serde_json::Value = serde_json::from_str(&text)?;
    estimates["mean"]["point_estimate"]
        .as_f64()
        .with_context(|| format!("{}: no mean", path.display()))
}

/// Criterion as every micro-benchmark of the harness runs it: no plots, a
/// half-second warm-up, `measure` of measurement, its data under `out`.
pub(crate) fn criterion(measure: Duration, out: &Path) -> Criterion {
    Criterion::default()
        .without_plots()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(measure)
        .output_directory(out)
}
