//! Middleware chains: the stages of a trigger's `dependencies.middleware`
//! composed in front of a WASI 0.3 handler at build time, the way Spin 4
//! composes them at load time, so that the output is one component.

use std::collections::BTreeMap;
use std::path::Path;

use bindery_manifest::{AppManifest, Middleware, MiddlewareSource, WasiGeneration};
use wac_graph::CompositionGraph;

use crate::binder::{self, Binder, BinderOrigin};
use crate::compose::{link, list};
use crate::error::ComposeError;
use crate::provenance::Artifact;
use crate::world::{ComponentWorld, handler_generation};

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
) -> Result<Vec<Stage>, ComposeError> {
    let base = manifest_path.parent().unwrap_or(Path::new("."));
    chain
        .iter()
        .map(|stage| {
            let (component, environment, allowed_outbound_hosts) = match &stage.source {
                MiddlewareSource::Component(id) => {
                    let entry = &manifest.component[id];
                    let path = base.join(&entry.source);
                    let bytes = std::fs::read(&path).map_err(|source| ComposeError::Read {
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
            check(&component, manifest_path)?;
            Ok(Stage {
                component,
                environment,
                allowed_outbound_hosts,
            })
        })
        .collect()
}

/// Checks that a stage both imports and exports `wasi:http/handler@0.3.x`.
fn check(stage: &Binder, manifest: &Path) -> Result<(), ComposeError> {
    let world = ComponentWorld::of(&stage.bytes).map_err(|error| ComposeError::NotAComponent {
        file: stage.to_string(),
        what: "middleware",
        error,
    })?;
    let is_p3_handler = |name: &String| {
        handler_generation(name).is_some_and(|(_, wasi)| wasi == WasiGeneration::P3)
    };
    if world.exports.iter().any(is_p3_handler) && world.imports.iter().any(is_p3_handler) {
        return Ok(());
    }
    Err(ComposeError::NotMiddleware {
        manifest: manifest.to_owned(),
        stage: stage.to_string(),
        imports: list(&world.imports),
        exports: list(&world.exports),
    })
}

/// Composes `stages` (outermost first) in front of `inner`, a component
/// that exports `wasi:http/handler@0.3.x` (`inner_name` names it in
/// errors): each stage's handler import is given the next stage's export,
/// the last stage's the inner component's, and the result exports the
/// first stage's handler.
pub(crate) fn chain(
    stages: &[Stage],
    inner: Vec<u8>,
    inner_name: &str,
) -> Result<Vec<u8>, ComposeError> {
    stages.iter().rev().try_fold(inner, |inner, stage| {
        let mut graph = CompositionGraph::new();
        let parsed = |name: &str, bytes: &[u8], file: String, graph: &mut CompositionGraph| {
            ComponentWorld::parse(name, bytes, graph.types_mut()).map_err(|error| {
                ComposeError::NotAComponent {
                    file,
                    what: "middleware",
                    error,
                }
            })
        };
        let socket = parsed(
            "bindery:middleware",
            &stage.component.bytes,
            stage.component.to_string(),
            &mut graph,
        )?;
        let plug = parsed("bindery:inner", &inner, inner_name.to_owned(), &mut graph)?;
        link(graph, socket, plug).map_err(|source| ComposeError::Plug {
            app: inner_name.to_owned(),
            binder: stage.component.to_string(),
            source: Box::new(source),
        })
    })
}
