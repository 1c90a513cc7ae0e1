//! The wasmtime engine (pooling allocator, epoch interruption) and the
//! on-disk cache of compiled components.

use std::hash::{Hash as _, Hasher as _};
use std::path::{Path, PathBuf};

use manifest::Sha256Digest;
use wasmtime::component::Component;
use wasmtime::{
    Config, Enabled, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, ProfilingStrategy,
};

use crate::config::HostConfig;
use crate::error::HostError;
use crate::footprint::Footprint;

/// Bytes of a reused memory or table slot kept resident between instances:
/// a Rust guest's 1 MiB stack, its data and its first heap pages.
const KEEP_RESIDENT: usize = 2 << 20;

/// Builds the engine: epoch interruption for deadlines, and the pooling
/// allocator sized for `config`'s instance slots, each holding an instance
/// of `footprint` (or on-demand allocation where the machine cannot
/// reserve the pool).
pub(crate) fn engine(config: &HostConfig, footprint: Footprint) -> Result<Engine, HostError> {
    let mut wasmtime = Config::new();
    wasmtime.epoch_interruption(true);
    // WASI 0.3 components: async functions, streams and futures.
    wasmtime.wasm_component_model_async(true);
    if config.perf_map {
        wasmtime.profiler(ProfilingStrategy::PerfMap);
    }
    let footprint = footprint.max(Footprint::default());
    let slots = config.max_instances;
    let mut pool = PoolingAllocationConfig::default();
    pool.total_component_instances(slots)
        .total_core_instances(slots.saturating_mul(footprint.core_instances))
        .total_memories(slots.saturating_mul(footprint.memories))
        .total_tables(slots.saturating_mul(footprint.tables))
        .max_memory_size(config.memory_limit)
        // Every request instantiates afresh. Keep the low pages of a reused
        // slot resident, and reset only the dirty ones (found with Linux's
        // PAGEMAP_SCAN where the kernel has it), rather than dropping them
        // with madvise and faulting them in again on the next request.
        .linear_memory_keep_resident(KEEP_RESIDENT)
        .table_keep_resident(KEEP_RESIDENT)
        .pagemap_scan(Enabled::Auto);
    wasmtime.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    match Engine::new(&wasmtime) {
        Ok(engine) => Ok(engine),
        Err(error) => {
            tracing::warn!(
                "the pooling allocator is unavailable ({error}); instances are allocated on demand"
            );
            wasmtime.allocation_strategy(InstanceAllocationStrategy::OnDemand);
            Engine::new(&wasmtime).map_err(|err| HostError::Engine(err.into()))
        }
    }
}

/// Compiles `wasm`, or loads it from the cache in `cache_dir`, keyed by the
/// sha256 of the bytes and the engine's compatibility hash.
pub(crate) fn compile(
    engine: &Engine,
    wasm: &[u8],
    cache_dir: Option<&Path>,
) -> anyhow::Result<Component> {
    let Some(cache_dir) = cache_dir else {
        return Ok(Component::new(engine, wasm)?);
    };
    let path = cache_path(engine, wasm, cache_dir);
    if path.exists() {
        // SAFETY: the file was written by `Component::serialize` of an engine
        // with the same compatibility hash (it is part of the file name), and
        // only this host writes to its cache directory.
        match unsafe { Component::deserialize_file(engine, &path) } {
            Ok(component) => return Ok(component),
            Err(error) => {
                tracing::warn!("ignoring unusable cache entry {}: {error}", path.display())
            }
        }
    }
    let component = Component::new(engine, wasm)?;
    let serialized = component.serialize()?;
    let temporary = path.with_extension(format!("{}.tmp", std::process::id()));
    let stored = std::fs::create_dir_all(cache_dir)
        .and_then(|()| std::fs::write(&temporary, serialized))
        .and_then(|()| std::fs::rename(&temporary, &path));
    if let Err(error) = stored {
        tracing::warn!(
            "cannot cache the compiled component in {}: {error}",
            cache_dir.display()
        );
    }
    Ok(component)
}

fn cache_path(engine: &Engine, wasm: &[u8], cache_dir: &Path) -> PathBuf {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut hasher);
    let digest = Sha256Digest::of(wasm);
    cache_dir.join(format!("{}-{:016x}.cwasm", digest.hex(), hasher.finish()))
}
