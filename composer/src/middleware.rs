//! Middleware chains: the stages of a trigger's `dependencies.middleware`
//! composed in front of a WASI 0.3 handler at build time, the way Spin 4
//! composes them at load time, so that the output is one component.

use std::path::Path;

use bindery_manifest::{AppManifest, ComponentId, Stage, WasiGeneration};

use crate::binder::StageKind;
use crate::error::MiddlewareError;
use crate::graph::Part;
use crate::output::OutputComponent;
use crate::stages::{self, Resolved, link_chain};
use crate::world::handler_generation;

/// Finds, reads or downloads every stage of `chain`, and checks that each
/// imports and exports `wasi:http/handler@0.3.x`.
pub(crate) fn resolve(
    chain: &[Stage],
    manifest: &AppManifest,
    manifest_path: &Path,
    cache_dir: &Path,
) -> Result<Vec<Resolved>, MiddlewareError> {
    let stages = stages::resolve(
        StageKind::Middleware,
        chain,
        manifest,
        manifest_path,
        cache_dir,
    )?;
    for stage in &stages {
        check(stage)?;
    }
    Ok(stages)
}

/// Checks that a stage both imports and exports `wasi:http/handler@0.3.x`.
fn check(stage: &Resolved) -> Result<(), MiddlewareError> {
    let name = stage.component.to_string();
    let world = Part {
        what: "middleware",
        name: &name,
        bytes: &stage.component.bytes,
    }
    .world()?;
    let is_p3_handler = |name: &String| {
        handler_generation(name).is_some_and(|(_, wasi)| wasi == WasiGeneration::P3)
    };
    if world.exports.iter().any(is_p3_handler) && world.imports.iter().any(is_p3_handler) {
        return Ok(());
    }
    Err(MiddlewareError::NotMiddleware {
        stage: name,
        imports: world.imports,
        exports: world.exports,
    })
}

/// Puts the middleware `stages` (outermost first) in front of `inner`, the
/// composed component `id`, which must export `wasi:http/handler@0.3.x`:
/// the result exports the first stage's handler.
pub(crate) fn put_in_front(
    stages: &[Resolved],
    inner: OutputComponent,
    id: &ComponentId,
) -> Result<OutputComponent, MiddlewareError> {
    if inner.world.handler_generation() != Some(WasiGeneration::P3) {
        let found = match inner.world.transport() {
            Some((_, export)) => format!("`{export}`"),
            None => "no HTTP handler".to_owned(),
        };
        return Err(MiddlewareError::NeedsP3 {
            component: id.to_string(),
            found,
        });
    }
    let inner_name = format!("component `{id}`");
    let bytes = link_chain::<MiddlewareError>(stages, "middleware", inner.bytes, &inner_name)?;
    let file = format!("the middleware chain of {inner_name}");
    Ok(OutputComponent::read(bytes, file)?)
}
