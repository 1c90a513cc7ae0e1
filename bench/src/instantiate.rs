//! Scenario 6, instantiation: what a fresh store and instance cost, alone,
//! for each component a request instantiates. The host makes one per
//! request, so this is the part of a request's cost that grows with the
//! number of core modules, instances and imports a component has.

use std::time::Instant;

use anyhow::Result;
use serde::Serialize;
use wasmtime::component::{Component, Linker};
use wasmtime::{Engine, Store};

use crate::executor::State;

/// Instances made per timed round.
const PER_ROUND: u32 = 2_000;
/// Timed rounds, after one untimed round; the median is reported.
const ROUNDS: usize = 7;

/// The instantiation cost of one component.
#[derive(Serialize)]
pub struct InstantiateResult {
    /// Which component.
    pub name: &'static str,
    /// Its size in bytes.
    pub bytes: usize,
    /// The core modules its binary defines, wit-component's shims included.
    pub core_modules: usize,
    /// Microseconds per fresh store and instance, dropped again.
    pub micros: f64,
}

/// Times instantiating each `(name, wasm)` in `engine`, with WASI 0.2 and
/// wasi:http linked as the thin host links them.
pub async fn run(
    engine: &Engine,
    components: &[(&'static str, &[u8])],
) -> Result<Vec<InstantiateResult>> {
    let mut linker = Linker::<State>::new(engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
    let mut results = Vec::new();
    for &(name, wasm) in components {
        let component = Component::new(engine, wasm)?;
        let pre = linker.instantiate_pre(&component)?;
        let mut rounds = Vec::with_capacity(ROUNDS);
        for round in 0..=ROUNDS {
            let started = Instant::now();
            for _ in 0..PER_ROUND {
                let mut store = Store::new(engine, State::new());
                store.set_epoch_deadline(u64::MAX / 2);
                pre.instantiate_async(&mut store).await?;
            }
            if round > 0 {
                rounds.push(started.elapsed() / PER_ROUND);
            }
        }
        results.push(InstantiateResult {
            name,
            bytes: wasm.len(),
            core_modules: core_modules(wasm)?,
            micros: crate::load::median(rounds).as_secs_f64() * 1e6,
        });
    }
    Ok(results)
}

/// The core modules `wasm` defines, at any nesting depth.
fn core_modules(wasm: &[u8]) -> Result<usize> {
    let mut count = 0;
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        if let wasmparser::Payload::ModuleSection { .. } = payload? {
            count += 1;
        }
    }
    Ok(count)
}
