//! What middleware and event stages share: finding each stage of a chain
//! (a component of the manifest, a built-in, a file or a download) with
//! its settings, and linking a chain in front of an inner component, each
//! stage seeing only its own settings.

use std::collections::BTreeMap;
use std::path::Path;

use bindery_manifest::{AppManifest, Stage, StageSource};

use crate::binder::{self, Binder, BinderOrigin, StageKind};
use crate::error::{IsolateFailed, NotAComponent, PlugFailed, ResolveError};
use crate::graph::{Graph, Part};
use crate::isolate::{Pattern, Visible, isolate};
use crate::provenance::Artifact;

/// A stage, found and read, with what it adds to the served component.
#[derive(Debug)]
pub(crate) struct Resolved {
    /// Its component.
    pub component: Binder,
    /// Its settings: `config` under its prefix, or its component's
    /// `environment`.
    pub environment: BTreeMap<String, String>,
    /// The hosts a `component` stage may call, from its manifest entry.
    pub allowed_outbound_hosts: Vec<String>,
}

impl Resolved {
    /// The stage's provenance entry.
    pub fn artifact(&self) -> Artifact {
        self.component.artifact()
    }
}

/// Finds, reads or downloads every stage of `chain`, a chain of `kind`.
pub(crate) fn resolve(
    kind: StageKind,
    chain: &[Stage],
    manifest: &AppManifest,
    manifest_path: &Path,
    cache_dir: &Path,
) -> Result<Vec<Resolved>, ResolveError> {
    let base = manifest_path.parent().unwrap_or(Path::new("."));
    chain
        .iter()
        .map(|stage| match &stage.source {
            StageSource::Component(id) => {
                let entry = &manifest.component[id];
                let path = base.join(&entry.source);
                let bytes = std::fs::read(&path).map_err(|source| ResolveError::Read {
                    path: path.clone(),
                    what: format!("the source of {} component `{id}`", kind.what()),
                    source,
                })?;
                Ok(Resolved {
                    component: Binder {
                        name: id.to_string(),
                        version: None,
                        origin: BinderOrigin::File(path),
                        bytes,
                    },
                    environment: entry.environment.clone(),
                    allowed_outbound_hosts: entry.allowed_outbound_hosts.clone(),
                })
            }
            StageSource::Binder(source) => Ok(Resolved {
                component: binder::resolve_stage(kind, source, manifest_path, cache_dir)?,
                environment: stage.environment(),
                allowed_outbound_hosts: Vec::new(),
            }),
        })
        .collect()
}

/// Links `stages` (outermost first, each `what` in messages) in front of
/// `inner`, named `inner_name`: each stage's handler import is given the
/// next stage's export, the last stage's the inner component's, and the
/// result exports what the first stage exports. Each stage sees its own
/// settings only.
pub(crate) fn link_chain<E>(
    stages: &[Resolved],
    what: &'static str,
    inner: Vec<u8>,
    inner_name: &str,
) -> Result<Vec<u8>, E>
where
    E: From<NotAComponent> + From<PlugFailed> + From<IsolateFailed>,
{
    stages.iter().rev().try_fold(inner, |inner, stage| {
        let stage_name = stage.component.to_string();
        let part = Part {
            what,
            name: &stage_name,
            bytes: &stage.component.bytes,
        };
        let own = stage
            .environment
            .keys()
            .cloned()
            .map(Pattern::Name)
            .collect();
        let isolated = isolate(part, &Visible::Only(own))?;
        let mut graph = Graph::new();
        let socket = graph.parse(
            "bindery:stage",
            Part {
                bytes: &isolated,
                ..part
            },
        )?;
        let plug = graph.parse(
            "bindery:inner",
            Part {
                what: "composed",
                name: inner_name,
                bytes: &inner,
            },
        )?;
        Ok::<_, E>(graph.plug(socket, plug)?)
    })
}
