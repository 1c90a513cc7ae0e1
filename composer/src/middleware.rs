//! Middleware chains: the stages of a trigger's `dependencies.middleware`
//! composed in front of a WASI 0.3 handler at build time, the way Spin 4
//! composes them at load time, so that the output is one component.

use std::collections::BTreeMap;
use std::path::Path;

use bindery_manifest::{AppManifest, ComponentId, Middleware, MiddlewareSource, WasiGeneration};

use crate::binder::{self, Binder, BinderOrigin};
use crate::error::{MiddlewareError, ResolveError};
use crate::graph::{Graph, Part};
use crate::isolate::{Pattern, Visible, isolate};
use crate::output::OutputComponent;
use crate::provenance::Artifact;
use crate::world::handler_generation;

/// A stage, ready to compose, with what it adds to the served component.
#[derive(Debug)]
pub(crate) struct Stage {
    /// Its component.
    pub component: Binder,
    /// Its settings: `config` under its prefix, or its component's
    /// `environment`.
    pub environment: BTreeMap<String, String>,
    /// The hosts a `component` stage may call, from its manifest entry.
    pub allowed_outbound_hosts: Vec<String>,
}

impl Stage {
    /// The stage's provenance entry.
    pub fn artifact(&self) -> Artifact {
        self.component.artifact()
    }
}

/// Finds, reads or downloads every stage of `chain`, and checks that each
/// imports and exports `wasi:http/handler@0.3.x`.
pub(crate) fn resolve(
    chain: &[Middleware],
    manifest: &AppManifest,
    manifest_path: &Path,
    cache_dir: &Path,
) -> Result<Vec<Stage>, MiddlewareError> {
    let base = manifest_path.parent().unwrap_or(Path::new("."));
    chain
        .iter()
        .map(|stage| {
            let (component, environment, allowed_outbound_hosts) = match &stage.source {
                MiddlewareSource::Component(id) => {
                    let entry = &manifest.component[id];
                    let path = base.join(&entry.source);
                    let bytes = std::fs::read(&path).map_err(|source| ResolveError::Read {
                        path: path.clone(),
                        what: format!("the source of middleware component `{id}`"),
                        source,
                    })?;
                    let component = Binder {
                        name: id.to_string(),
                        version: None,
                        origin: BinderOrigin::File(path),
                        bytes,
                    };
                    let environment = entry.environment.clone();
                    (component, environment, entry.allowed_outbound_hosts.clone())
                }
                MiddlewareSource::Binder(source) => {
                    let component = binder::resolve_middleware(source, manifest_path, cache_dir)?;
                    (component, stage.environment(), Vec::new())
                }
            };
            check(&component)?;
            Ok(Stage {
                component,
                environment,
                allowed_outbound_hosts,
            })
        })
        .collect()
}

/// Checks that a stage both imports and exports `wasi:http/handler@0.3.x`.
fn check(stage: &Binder) -> Result<(), MiddlewareError> {
    let name = stage.to_string();
    let world = Part {
        what: "middleware",
        name: &name,
        bytes: &stage.bytes,
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
/// each stage's handler import is given the next stage's export, the last
/// stage's the inner component's, and the result exports the first stage's
/// handler.
pub(crate) fn put_in_front(
    stages: &[Stage],
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
    let bytes = stages.iter().rev().try_fold(inner.bytes, |inner, stage| {
        let stage_name = stage.component.to_string();
        let part = Part {
            what: "middleware",
            name: &stage_name,
            bytes: &stage.component.bytes,
        };
        // The stage sees its own settings only.
        let own = stage
            .environment
            .keys()
            .cloned()
            .map(Pattern::Name)
            .collect();
        let isolated = isolate(part, &Visible::Only(own))?;
        let mut graph = Graph::new();
        let socket = graph.parse(
            "bindery:middleware",
            Part {
                bytes: &isolated,
                ..part
            },
        )?;
        let plug = graph.parse(
            "bindery:inner",
            Part {
                what: "composed",
                name: &inner_name,
                bytes: &inner,
            },
        )?;
        Ok::<_, MiddlewareError>(graph.plug(socket, plug)?)
    })?;
    let file = format!("the middleware chain of {inner_name}");
    Ok(OutputComponent::read(bytes, file)?)
}
