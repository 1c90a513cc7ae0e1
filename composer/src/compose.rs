//! `compose`: from a manifest with binder executors to one component per
//! bound route and a plain manifest, all held in memory until written.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use bindery_manifest::{
    AppManifest, ComponentId, ManifestError, MiddlewareSource, Sha256Digest, Transport,
    TriggerDependencies, WasiGeneration,
};
use wac_graph::types::{Package, are_semver_compatible};
use wac_graph::{CompositionGraph, EncodeOptions, NodeId, PackageId};

use crate::binder::{self, Binder, BinderOrigin};
use crate::dependencies::{Linked, link_dependencies};
use crate::error::{ComposeError, LinkError};
use crate::middleware;
use crate::provenance::{Artifact, Provenance};
use crate::proxy;
use crate::world::{ComponentWorld, handler_name, handler_transport, split_version};

/// Settings of a composition.
#[derive(Debug, Clone)]
pub struct ComposeOptions {
    /// Where downloaded binders are cached, by digest.
    pub cache_dir: PathBuf,
    /// What the HTTP outputs may import.
    pub world: OutputWorld,
}

/// What an HTTP output may import from its host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputWorld {
    /// Whatever its parts import: with Rust's std and the binders' settings,
    /// `wasi:cli` beyond the proxy world (hosts run it with `-Scli` or the
    /// like), and the settings stay in the manifest's `environment`, where
    /// a deployment can change them.
    #[default]
    Cli,
    /// Only `wasi:http/proxy@0.2.x`: the environment (fixed at compose
    /// time), exit and the terminals are virtualised inside it, and its
    /// `environment` leaves the output manifest.
    Proxy,
}

/// A composed application, in memory: nothing is written until
/// [`ComposedApp::write`].
#[derive(Debug)]
pub struct ComposedApp {
    /// The plain output manifest: no binder executors, sources pointing at
    /// the output components.
    pub manifest: AppManifest,
    /// The output components, by component id.
    pub components: BTreeMap<ComponentId, OutputComponent>,
    /// Things worth a warning, such as imports no wasi:http host provides.
    pub warnings: Vec<String>,
}

/// One component of the output.
#[derive(Debug)]
pub struct OutputComponent {
    /// The component bytes.
    pub bytes: Vec<u8>,
    /// Its world.
    pub world: ComponentWorld,
    /// How it was composed; `None` for a component passed through.
    pub provenance: Option<Provenance>,
}

/// Composes every binder trigger of the manifest at `manifest_path`.
pub fn compose(
    manifest_path: &Path,
    options: &ComposeOptions,
) -> Result<ComposedApp, ComposeError> {
    let input = AppManifest::load(manifest_path)?;
    let executors = input
        .binder_executors()
        .map_err(|source| ManifestError::Invalid {
            path: manifest_path.to_owned(),
            source,
        })?;
    let chains = input
        .middleware()
        .map_err(|source| ManifestError::Invalid {
            path: manifest_path.to_owned(),
            source,
        })?;
    let base = manifest_path.parent().unwrap_or(Path::new("."));
    let mut output = input.clone();
    // Components that are only middleware stages are composed into the
    // components they stand in front of, not served themselves.
    let stages_only: Vec<ComponentId> = middleware_components(&input).collect();
    for id in &stages_only {
        output.component.remove(id);
    }
    let mut components = BTreeMap::new();
    let mut warnings = Vec::new();
    for (id, component) in &input.component {
        if stages_only.contains(id) {
            continue;
        }
        let source = base.join(&component.source);
        let app = std::fs::read(&source).map_err(|err| ComposeError::Read {
            path: source.clone(),
            what: match &component.build {
                Some(_) if err.kind() == std::io::ErrorKind::NotFound => format!(
                    "the source of component `{id}`; build it first with `bindery build` (or `bindery up --build`)"
                ),
                _ => format!("the source of component `{id}`"),
            },
            source: err,
        })?;
        let what = if executors.contains_key(id) {
            "app"
        } else {
            "component"
        };
        let app_alone = Sha256Digest::of(&app);
        let binder = executors
            .get(id)
            .map(|used| {
                let binder =
                    binder::resolve(&used.executor.binder, manifest_path, &options.cache_dir)?;
                binder::for_settings(binder, used.executor, manifest_path)
            })
            .transpose()?;
        let linked = link_dependencies(
            id,
            component,
            app,
            &source,
            what,
            binder.as_ref(),
            manifest_path,
            &options.cache_dir,
        )?;
        let Linked {
            bytes: app,
            environment,
            used: dependencies,
            shared,
        } = linked;
        let plain = output.component.get_mut(id).expect("same ids");
        plain.environment.extend(environment);
        plain.dependencies.clear();
        let (mut out, provenance) = match (executors.get(id), binder) {
            (Some(used), Some(binder)) => {
                let composed = plug(&binder, &app, &source, used.transport, &shared)?;
                plain.environment.extend(used.executor.environment());
                let provenance = Provenance {
                    binder: binder.artifact(),
                    app: Artifact {
                        name: id.to_string(),
                        version: None,
                        sha256: app_alone.clone(),
                    },
                    dependencies: dependencies.iter().map(Binder::artifact).collect(),
                    middleware: Vec::new(),
                };
                (composed, Some(provenance))
            }
            _ => {
                let world =
                    ComponentWorld::of(&app).map_err(|error| ComposeError::NotAComponent {
                        file: source.display().to_string(),
                        what: "component",
                        error,
                    })?;
                let out = OutputComponent {
                    bytes: app,
                    world,
                    provenance: None,
                };
                (out, None)
            }
        };
        if let Some(chain) = chains.get(id) {
            let stages = middleware::resolve(chain, &input, manifest_path, &options.cache_dir)?;
            out = put_in_front(&stages, out, id, manifest_path)?;
            for stage in &stages {
                plain.environment.extend(stage.environment.clone());
                for host in &stage.allowed_outbound_hosts {
                    if !plain.allowed_outbound_hosts.contains(host) {
                        plain.allowed_outbound_hosts.push(host.clone());
                    }
                }
            }
            if let Some(mut provenance) = provenance {
                provenance.middleware = stages.iter().map(middleware::Stage::artifact).collect();
                out.provenance = Some(provenance);
            }
        } else {
            out.provenance = provenance;
        }
        if options.world == OutputWorld::Proxy && out.world.exports_http_handler() {
            out = proxy_only(out, id, std::mem::take(&mut plain.environment))?;
        }
        if let Some(provenance) = &out.provenance {
            provenance.append_to(&mut out.bytes);
        }
        for import in out.world.unsupported_imports() {
            warnings.push(format!(
                "component `{id}` imports `{import}`, which a wasi:http host (bindery serve, wasmtime serve, Spin) does not provide"
            ));
        }
        plain.source = format!("{id}.wasm");
        plain.build = None;
        components.insert(id.clone(), out);
    }
    let executors = output
        .trigger
        .http
        .iter_mut()
        .map(|trigger| &mut trigger.executor)
        .chain(
            output
                .trigger
                .nats
                .iter_mut()
                .map(|trigger| &mut trigger.executor),
        );
    for executor in executors {
        if executor.as_ref().and_then(|e| e.as_binder()).is_some() {
            *executor = None;
        }
    }
    for trigger in &mut output.trigger.http {
        trigger.dependencies = TriggerDependencies::default();
    }
    Ok(ComposedApp {
        manifest: output,
        components,
        warnings,
    })
}

/// `out` with its `wasi:cli` imports outside the proxy world satisfied
/// inside it, `environment` fixed; an error if any other import outside
/// the proxy world remains.
fn proxy_only(
    out: OutputComponent,
    id: &ComponentId,
    environment: BTreeMap<String, String>,
) -> Result<OutputComponent, ComposeError> {
    let bytes =
        proxy::virtualize(&out.bytes, &environment).map_err(|source| ComposeError::Proxy {
            component: id.to_string(),
            source: Box::new(source),
        })?;
    let virtualized = output(bytes, format!("the proxy-only output of component `{id}`"))?;
    let outside: Vec<&String> = virtualized
        .world
        .imports
        .iter()
        .filter(|import| !proxy::in_proxy_world(import))
        .collect();
    if !outside.is_empty() {
        return Err(ComposeError::NotProxy {
            component: id.to_string(),
            imports: list(&outside),
        });
    }
    Ok(OutputComponent {
        provenance: out.provenance,
        ..virtualized
    })
}

/// The components that serve no trigger and stand as middleware in front
/// of one.
fn middleware_components(manifest: &AppManifest) -> impl Iterator<Item = ComponentId> + '_ {
    let served = |id: &ComponentId| {
        let http = manifest
            .trigger
            .http
            .iter()
            .map(|trigger| &trigger.component);
        let nats = manifest
            .trigger
            .nats
            .iter()
            .map(|trigger| &trigger.component);
        http.chain(nats).any(|component| component == id)
    };
    manifest
        .trigger
        .http
        .iter()
        .flat_map(|trigger| &trigger.dependencies.middleware)
        .filter_map(move |stage| match &stage.source {
            MiddlewareSource::Component(id) if !served(id) => Some(id.clone()),
            _ => None,
        })
}

/// Puts the middleware `stages` in front of `out`, the composed component
/// `id`, which must export a WASI 0.3 handler.
fn put_in_front(
    stages: &[middleware::Stage],
    out: OutputComponent,
    id: &ComponentId,
    manifest_path: &Path,
) -> Result<OutputComponent, ComposeError> {
    if out.world.handler_generation() != Some(WasiGeneration::P3) {
        let found = match out.world.transport() {
            Some((_, export)) => format!("`{export}`"),
            None => "no HTTP handler".to_owned(),
        };
        return Err(ComposeError::MiddlewareNeedsP3 {
            manifest: manifest_path.to_owned(),
            component: id.to_string(),
            found,
            hint: "use a WASI 0.3 binder (`wasi = \"0.3\"` for a built-in one). There is no chain for WASI 0.2: \
                   a 0.2 incoming-request can only be made by the host, so a stage that reads \
                   the body cannot pass the request on",
        });
    }
    let name = format!("component `{id}`");
    let bytes = middleware::chain(stages, out.bytes, &name)?;
    output(bytes, format!("the middleware chain of {name}"))
}

/// The composed `bytes` as an output component, its world read (which
/// checks its structure); `file` names it in the error.
fn output(bytes: Vec<u8>, file: String) -> Result<OutputComponent, ComposeError> {
    let world = ComponentWorld::of(&bytes).map_err(|error| ComposeError::NotAComponent {
        file,
        what: "output",
        error,
    })?;
    Ok(OutputComponent {
        bytes,
        world,
        provenance: None,
    })
}

/// Checks that `app` fits `binder`, then links them with wac-graph: the
/// app's exports satisfy the binder's protocol imports, and the result
/// exports what the binder exports. Each of the `shared` dependencies is
/// instantiated once and given to both the binder and the app, where they
/// import what it exports (a sink that the binder replies through and the
/// app sends with). The result has no provenance yet.
///
/// wac-graph's validation of the whole output, which takes most of a
/// compose's time, is left out. Instead the inputs' code is validated on a
/// second thread while they are linked, and reading the output's world checks
/// its structure. Built-in binders are validated by their own tests.
pub fn plug(
    binder: &Binder,
    app: &[u8],
    app_path: &Path,
    transport: Transport,
    shared: &[Binder],
) -> Result<OutputComponent, ComposeError> {
    let app_name = app_path.display().to_string();
    let binder_name = binder.to_string();
    std::thread::scope(|scope| {
        let validated = scope.spawn(|| {
            if binder.origin != BinderOrigin::Builtin {
                ComponentWorld::validate_code(&binder.bytes).map_err(|error| {
                    ComposeError::NotAComponent {
                        file: binder_name.clone(),
                        what: "binder",
                        error,
                    }
                })?;
            }
            ComponentWorld::validate_code(app).map_err(|error| ComposeError::NotAComponent {
                file: app_name.clone(),
                what: "app",
                error,
            })
        });
        let linked = check_and_link(binder, &binder_name, app, &app_name, transport, shared);
        let validated = validated.join().expect("validation does not panic");
        let linked = linked?;
        validated?;
        Ok(linked)
    })
}

/// The checks and the linking of [`plug`].
fn check_and_link(
    binder: &Binder,
    binder_name: &str,
    app: &[u8],
    app_name: &str,
    transport: Transport,
    shared: &[Binder],
) -> Result<OutputComponent, ComposeError> {
    let mut graph = CompositionGraph::new();
    let socket = ComponentWorld::parse("bindery:binder", &binder.bytes, graph.types_mut())
        .map_err(|error| ComposeError::NotAComponent {
            file: binder_name.to_owned(),
            what: "binder",
            error,
        })?;
    let plug = ComponentWorld::parse("bindery:app", app, graph.types_mut()).map_err(|error| {
        ComposeError::NotAComponent {
            file: app_name.to_owned(),
            what: "app",
            error,
        }
    })?;
    let binder_world = ComponentWorld::of_package(&socket, graph.types());
    let app_world = ComponentWorld::of_package(&plug, graph.types());
    if !binder_world.exports_handler(transport) {
        return Err(ComposeError::BinderWrongTransport {
            binder: binder_name.to_owned(),
            trigger: transport.name(),
            wanted: handler_name(transport),
            exports: list(&binder_world.exports),
        });
    }
    if let Some(export) = app_world
        .exports
        .iter()
        .find(|export| handler_transport(export).is_some())
    {
        return Err(ComposeError::AppExportsHandler {
            app: app_name.to_owned(),
            export: export.clone(),
        });
    }
    let mut providers = Vec::with_capacity(shared.len());
    let mut provided = Vec::new();
    for dependency in shared {
        let package =
            ComponentWorld::parse("bindery:dependency", &dependency.bytes, graph.types_mut())
                .map_err(|error| ComposeError::NotAComponent {
                    file: dependency.to_string(),
                    what: "dependency",
                    error,
                })?;
        provided.extend(ComponentWorld::of_package(&package, graph.types()).exports);
        providers.push(package);
    }
    // What the binder wants from the app: its protocol imports that no
    // shared dependency provides.
    let wanted: Vec<&str> = binder_world
        .protocol_imports()
        .filter(|import| {
            !provided
                .iter()
                .any(|export| are_semver_compatible(export, import))
        })
        .collect();
    if wanted.is_empty() {
        return Err(ComposeError::BinderWithoutProtocol {
            binder: binder_name.to_owned(),
        });
    }
    for import in wanted {
        if app_world
            .exports
            .iter()
            .any(|export| are_semver_compatible(export, import))
        {
            continue;
        }
        let unversioned = split_version(import).0;
        return Err(
            match app_world
                .exports
                .iter()
                .find(|export| split_version(export).0 == unversioned)
            {
                Some(found) => ComposeError::IncompatibleVersion {
                    app: app_name.to_owned(),
                    binder: binder_name.to_owned(),
                    wanted: import.to_owned(),
                    found: found.clone(),
                },
                None => ComposeError::MissingExport {
                    app: app_name.to_owned(),
                    binder: binder_name.to_owned(),
                    wanted: import.to_owned(),
                    exports: list(&app_world.exports),
                },
            },
        );
    }
    let linked = if providers.is_empty() {
        link(graph, socket, plug)
    } else {
        link_shared(graph, socket, plug, providers)
    };
    let bytes = linked.map_err(|source| ComposeError::Plug {
        app: app_name.to_owned(),
        binder: binder_name.to_owned(),
        source: Box::new(source),
    })?;
    output(
        bytes,
        format!("the composition of {binder_name} and {app_name}"),
    )
}

/// The wac-graph part of [`plug`]: register, plug, encode (without
/// validating: [`plug`] has validated the inputs, and reading the output's
/// world checks its structure).
pub(crate) fn link(
    mut graph: CompositionGraph,
    socket: Package,
    plug: Package,
) -> Result<Vec<u8>, LinkError> {
    let socket = graph.register_package(socket)?;
    let plug = graph.register_package(plug)?;
    wac_graph::plug(&mut graph, vec![plug], socket)?;
    Ok(graph.encode(EncodeOptions {
        validate: false,
        ..EncodeOptions::default()
    })?)
}

/// [`link`] with shared providers: each is instantiated once, and its
/// exports satisfy the imports of the app and of the binder that have the
/// same name (or a semver-compatible one); the app's exports then satisfy
/// the binder's remaining imports. The result exports what the binder
/// exports.
fn link_shared(
    mut graph: CompositionGraph,
    binder: Package,
    app: Package,
    providers: Vec<Package>,
) -> Result<Vec<u8>, LinkError> {
    let binder = graph.register_package(binder)?;
    let app = graph.register_package(app)?;
    let mut instances = Vec::with_capacity(providers.len());
    for provider in providers {
        let package = graph.register_package(provider)?;
        instances.push((graph.instantiate(package), package));
    }
    let app_instance = graph.instantiate(app);
    for &(instance, package) in &instances {
        wire(&mut graph, (app_instance, app), (instance, package))?;
    }
    let binder_instance = graph.instantiate(binder);
    wire(&mut graph, (binder_instance, binder), (app_instance, app))?;
    for &(instance, package) in &instances {
        wire(&mut graph, (binder_instance, binder), (instance, package))?;
    }
    export_all(graph, (binder_instance, binder))
}

/// Exports everything the `instance` (of its package) exports, and encodes
/// the graph without validating it (the inputs are validated, and reading
/// the output's world checks its structure).
pub(crate) fn export_all(
    mut graph: CompositionGraph,
    (instance, package): (NodeId, PackageId),
) -> Result<Vec<u8>, LinkError> {
    let exports: Vec<String> = graph.types()[graph[package].ty()]
        .exports
        .keys()
        .cloned()
        .collect();
    for name in exports {
        let export = graph.alias_instance_export(instance, &name)?;
        graph.export(export, name)?;
    }
    Ok(graph.encode(EncodeOptions {
        validate: false,
        ..EncodeOptions::default()
    })?)
}

/// Gives the `consumer` instance (of its package) each export of the
/// `provider` instance whose name matches one of its imports that has no
/// argument yet.
pub(crate) fn wire(
    graph: &mut CompositionGraph,
    (consumer, consumer_package): (NodeId, PackageId),
    (provider, provider_package): (NodeId, PackageId),
) -> Result<(), LinkError> {
    let exports: Vec<String> = graph.types()[graph[provider_package].ty()]
        .exports
        .keys()
        .cloned()
        .collect();
    for export in exports {
        let import = graph.types()[graph[consumer_package].ty()]
            .imports
            .keys()
            .find(|import| are_semver_compatible(&export, import))
            .cloned();
        let Some(import) = import else { continue };
        if graph
            .get_instantiation_arguments(consumer)
            .any(|(name, _)| name == import)
        {
            continue;
        }
        let node = graph.alias_instance_export(provider, &export)?;
        graph.set_instantiation_argument(consumer, &import, node)?;
    }
    Ok(())
}

pub(crate) fn list(items: &[impl AsRef<str>]) -> String {
    if items.is_empty() {
        return "nothing".into();
    }
    items
        .iter()
        .map(|item| format!("`{}`", item.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

impl ComposedApp {
    /// Writes `<out>/<id>.wasm` for every component and `<out>/spin.toml`.
    /// Each file is written to a temporary name and renamed into place, so a
    /// reader never sees a partial file.
    pub fn write(&self, out_dir: &Path) -> Result<(), ComposeError> {
        let failed = |path: &Path| {
            let path = path.to_owned();
            move |source| ComposeError::Write { path, source }
        };
        std::fs::create_dir_all(out_dir).map_err(failed(out_dir))?;
        let manifest = self.manifest.to_toml();
        let files = self
            .components
            .iter()
            .map(|(id, component)| (format!("{id}.wasm"), component.bytes.as_slice()))
            .chain([("spin.toml".to_owned(), manifest.as_bytes())]);
        for (name, bytes) in files {
            let path = out_dir.join(&name);
            let temporary = out_dir.join(format!(".{name}.{}.tmp", std::process::id()));
            std::fs::write(&temporary, bytes)
                .and_then(|()| std::fs::rename(&temporary, &path))
                .map_err(failed(&path))?;
        }
        Ok(())
    }
}
