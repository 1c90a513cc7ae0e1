//! `compose`: from a manifest with binder executors to one component per
//! bound component id and a plain manifest, all held in memory until
//! written. This module only orchestrates: each step is a module of its own.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use bindery_manifest::{
    AppManifest, BinderUse, CONFIG_PREFIX, CheckedManifest, Component, ComponentId,
    DEAD_LETTER_PREFIX, SENDER_PREFIX, Sha256Digest, StageSource, TriggerDependencies,
    WasiGeneration,
};

use crate::binder::{self, Binder};
use crate::dependencies::{Linked, link_dependencies};
use crate::error::{ComposeError, ResolveError, StepError};
use crate::events;
use crate::graph::Part;
use crate::isolate::{Pattern, Visible, isolate};
use crate::middleware;
use crate::output::{ComposedApp, OutputComponent, OutputWorld};
use crate::plug::plug;
use crate::provenance::{Artifact, Provenance};
use crate::proxy::proxy_only;
use crate::stages::Resolved;
use crate::wasmcloud::{self, WasmCloudOptions};

/// Settings of a composition.
#[derive(Debug, Clone)]
pub struct ComposeOptions {
    /// Where downloaded binders are cached, by digest.
    pub cache_dir: PathBuf,
    /// What the HTTP outputs may import.
    pub world: OutputWorld,
    /// How the wasmCloud files are written.
    pub wasmcloud: WasmCloudOptions,
}

/// Composes every binder trigger of the manifest at `manifest_path`.
pub fn compose(
    manifest_path: &Path,
    options: &ComposeOptions,
) -> Result<ComposedApp, ComposeError> {
    let input = AppManifest::load(manifest_path)?;
    let step = |source: StepError| ComposeError::Step {
        manifest: manifest_path.to_owned(),
        source: Box::new(source),
    };
    let composition = Composition {
        input: &input,
        manifest_path,
        options,
    };
    let mut output = input.manifest.clone();
    for id in input.stages_only() {
        output.component.remove(&id);
    }
    let mut components = BTreeMap::new();
    let mut warnings = Vec::new();
    for (id, plain) in &mut output.component {
        let out = composition.component(id, plain).map_err(step)?;
        for import in out.world.unsupported_imports() {
            warnings.push(format!(
                "component `{id}` imports `{import}`, which a wasi:http host (bindery serve, wasmtime serve, Spin) does not provide"
            ));
        }
        components.insert(id.clone(), out);
    }
    let triggers = &mut output.trigger;
    for trigger in &mut triggers.http {
        trigger.dependencies = TriggerDependencies::default();
    }
    let executors = triggers
        .http
        .iter_mut()
        .map(|trigger| &mut trigger.executor)
        .chain(
            triggers
                .nats
                .iter_mut()
                .map(|trigger| &mut trigger.executor),
        );
    for executor in executors {
        if executor.as_ref().and_then(|e| e.as_binder()).is_some() {
            *executor = None;
        }
    }
    composition.place_broker_files(&mut output);
    let (wasmcloud, left_out) = wasmcloud::files(&output, &options.wasmcloud, |id| {
        components
            .get(id)
            .is_some_and(|out| out.world.handler_generation() == Some(WasiGeneration::P3))
    });
    warnings.extend(left_out);
    Ok(ComposedApp {
        manifest: output,
        components,
        warnings,
        wasmcloud,
    })
}

/// One composition: the checked input and where it came from.
struct Composition<'a> {
    input: &'a CheckedManifest,
    manifest_path: &'a Path,
    options: &'a ComposeOptions,
}

impl Composition<'_> {
    /// Composes the component `id`: its dependencies, its binder, its
    /// middleware, the proxy world if asked for, and its provenance; and
    /// makes `plain`, its entry in the output manifest, match.
    fn component(
        &self,
        id: &ComponentId,
        plain: &mut Component,
    ) -> Result<OutputComponent, StepError> {
        let component = &self.input.manifest.component[id];
        let source = self.base().join(&component.source);
        let app = std::fs::read(&source).map_err(|err| ResolveError::Read {
            path: source.clone(),
            what: match &component.build {
                Some(_) if err.kind() == std::io::ErrorKind::NotFound => format!(
                    "the source of component `{id}`; build it first with `bindery build` (or `bindery up --build`)"
                ),
                _ => format!("the source of component `{id}`"),
            },
            source: err,
        })?;
        let app_alone = Sha256Digest::of(&app);
        let bound = self.input.binders.get(id);
        let binder = bound.map(|used| self.binder(used)).transpose()?;
        let what = if bound.is_some() { "app" } else { "component" };
        let app = self.keep_settings_apart(id, component, what, &source, app)?;
        let isolated_binder = binder
            .as_ref()
            .map(|binder| {
                let name = binder.to_string();
                let part = Part {
                    what: "binder",
                    name: &name,
                    bytes: &binder.bytes,
                };
                let own = Visible::Only(vec![Pattern::Prefix(CONFIG_PREFIX.to_owned())]);
                Ok::<_, StepError>(Binder {
                    bytes: isolate(part, &own)?,
                    ..binder.clone()
                })
            })
            .transpose()?;
        let Linked {
            bytes: app,
            environment,
            used: dependencies,
            shared,
        } = link_dependencies(
            id,
            component,
            app,
            &source,
            what,
            isolated_binder.as_ref(),
            self.manifest_path,
            &self.options.cache_dir,
        )?;
        plain.environment.extend(environment);
        plain.dependencies.clear();
        let event_stages = events::resolve(
            &self.input.event_stages(id),
            &self.input.manifest,
            self.manifest_path,
            &self.options.cache_dir,
        )?;
        let app = events::put_in_front(&event_stages, app, id)?;
        add_stage_settings(plain, &event_stages);
        let mut out = match (bound, &binder, &isolated_binder) {
            (Some(used), Some(binder), Some(isolated)) => {
                let mut out = plug(isolated, &app, &source, used.transport, &shared)?;
                plain.environment.extend(used.executor.environment());
                out.provenance = Some(Provenance {
                    binder: binder.artifact(),
                    app: Artifact {
                        name: id.to_string(),
                        version: None,
                        sha256: app_alone,
                    },
                    dependencies: dependencies.iter().map(Binder::artifact).collect(),
                    middleware: Vec::new(),
                    stages: event_stages.iter().map(Resolved::artifact).collect(),
                });
                out
            }
            _ => {
                let file = source.display().to_string();
                let world = Part {
                    what: "component",
                    name: &file,
                    bytes: &app,
                }
                .world()?;
                OutputComponent {
                    bytes: app,
                    world,
                    provenance: None,
                    settings_inside: false,
                }
            }
        };
        if let Some(chain) = self.input.middleware.get(id) {
            out = self.middleware(chain, out, id, plain)?;
        }
        if self.options.world == OutputWorld::Proxy && out.world.exports_http_handler() {
            out = proxy_only(out, id, &std::mem::take(&mut plain.environment))?;
        }
        if let Some(provenance) = &out.provenance {
            provenance.append_to(&mut out.bytes);
        }
        plain.source = format!("{id}.wasm");
        plain.build = None;
        Ok(out)
    }

    /// `app`, the component `id` (`what` it is, read from `source`), with
    /// the settings of the parts composed with it kept from it: it sees
    /// every variable but the binder's (`BINDERY_CONFIG_*`), its sinks'
    /// (`BINDERY_SENDER_*`) and its middleware stages'. A component
    /// composed with nothing is left as it is.
    fn keep_settings_apart(
        &self,
        id: &ComponentId,
        component: &Component,
        what: &'static str,
        source: &Path,
        app: Vec<u8>,
    ) -> Result<Vec<u8>, StepError> {
        let mut others = Vec::new();
        if self.input.binders.contains_key(id) {
            others.push(Pattern::Prefix(CONFIG_PREFIX.to_owned()));
        }
        if !component.dependencies.is_empty() {
            others.push(Pattern::Prefix(SENDER_PREFIX.to_owned()));
            others.push(Pattern::Prefix(DEAD_LETTER_PREFIX.to_owned()));
        }
        let middleware = self.input.middleware.get(id).into_iter().flatten();
        for stage in middleware.chain(&self.input.event_stages(id)) {
            let names = match &stage.source {
                StageSource::Component(stage) => self.input.manifest.component[stage]
                    .environment
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>(),
                StageSource::Binder(_) => stage.environment().into_keys().collect(),
            };
            others.extend(names.into_iter().map(Pattern::Name));
        }
        if others.is_empty() {
            return Ok(app);
        }
        let name = source.display().to_string();
        let part = Part {
            what,
            name: &name,
            bytes: &app,
        };
        Ok(isolate(part, &Visible::AllBut(others))?)
    }

    /// The build of the binder that `used` names which its settings ask for.
    fn binder(&self, used: &BinderUse) -> Result<Binder, ResolveError> {
        let binder = binder::resolve(
            &used.executor.binder,
            self.manifest_path,
            &self.options.cache_dir,
        )?;
        binder::for_settings(binder, &used.executor)
    }

    /// `out`, the component `id`, behind its middleware `chain`, with the
    /// stages' settings and outbound hosts added to `plain` and the stages
    /// to its provenance.
    fn middleware(
        &self,
        chain: &[bindery_manifest::Stage],
        out: OutputComponent,
        id: &ComponentId,
        plain: &mut Component,
    ) -> Result<OutputComponent, StepError> {
        let stages = middleware::resolve(
            chain,
            &self.input.manifest,
            self.manifest_path,
            &self.options.cache_dir,
        )?;
        let provenance = out.provenance.clone();
        let mut out = middleware::put_in_front(&stages, out, id)?;
        add_stage_settings(plain, &stages);
        out.provenance = provenance.map(|provenance| Provenance {
            middleware: stages.iter().map(Resolved::artifact).collect(),
            ..provenance
        });
        Ok(out)
    }

    /// Makes the files of `[application.trigger.nats]` absolute in the
    /// `output` manifest, which is written to another folder.
    fn place_broker_files(&self, output: &mut AppManifest) {
        let base = match self.base() {
            base if base.as_os_str().is_empty() => Path::new("."),
            base => base,
        };
        let base = std::path::absolute(base).unwrap_or_else(|_| base.to_owned());
        output.set_broker(&self.input.broker.relative_to(&base));
    }

    /// The directory that paths in the manifest are relative to.
    fn base(&self) -> &Path {
        self.manifest_path.parent().unwrap_or(Path::new("."))
    }
}

/// Adds the settings and outbound hosts of `stages` to `plain`, the
/// served component they are composed into.
fn add_stage_settings(plain: &mut Component, stages: &[Resolved]) {
    for stage in stages {
        plain.environment.extend(stage.environment.clone());
        for host in &stage.allowed_outbound_hosts {
            if !plain.allowed_outbound_hosts.contains(host) {
                plain.allowed_outbound_hosts.push(host.clone());
            }
        }
    }
}
