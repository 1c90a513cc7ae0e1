//! The wac-graph steps every composition is made of: parse a component into
//! a graph (reading its world on the way), plug one into another, give a
//! shared instance to several, export, encode. Encoding never validates:
//! the inputs' code is validated where it comes from outside (see
//! [`crate::plug()`]), and reading the output's world checks its structure.

use wac_graph::types::{Package, are_semver_compatible};
use wac_graph::{CompositionGraph, EncodeOptions, NodeId, PackageId};

use crate::error::{LinkError, NotAComponent, PlugFailed};
use crate::world::{ComponentWorld, split_version};

/// A component to put in a graph, and how messages name it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Part<'a> {
    /// What it is: "binder", "app", "dependency", "middleware", ...
    pub(crate) what: &'static str,
    /// Its file, or its binder's name.
    pub(crate) name: &'a str,
    /// Its bytes.
    pub(crate) bytes: &'a [u8],
}

impl Part<'_> {
    /// The component's world, read on its own.
    pub(crate) fn world(&self) -> Result<ComponentWorld, NotAComponent> {
        ComponentWorld::of(self.bytes).map_err(|error| self.not_a_component(error))
    }

    /// All of its code validated, function bodies included.
    pub(crate) fn validate(&self) -> Result<(), NotAComponent> {
        ComponentWorld::validate_code(self.bytes).map_err(|error| self.not_a_component(error))
    }

    fn not_a_component(&self, error: crate::world::WorldError) -> NotAComponent {
        NotAComponent {
            file: self.name.to_owned(),
            what: self.what,
            error,
        }
    }

    fn label(&self) -> String {
        format!("{} {}", self.what, self.name)
    }
}

/// A component parsed into a [`Graph`], with its world.
pub(crate) struct Parsed {
    package: Package,
    /// What it imports and exports.
    pub(crate) world: ComponentWorld,
    /// How messages name it: what it is and its file.
    label: String,
}

/// A composition being built.
pub(crate) struct Graph(CompositionGraph);

impl Graph {
    /// An empty composition.
    pub(crate) fn new() -> Self {
        Self(CompositionGraph::new())
    }

    /// Parses `part` into the graph's types as package `package` (so that
    /// one parse serves both the checks and the composition).
    pub(crate) fn parse(&mut self, package: &str, part: Part<'_>) -> Result<Parsed, NotAComponent> {
        let parsed = ComponentWorld::parse(package, part.bytes, self.0.types_mut())
            .map_err(|error| part.not_a_component(error))?;
        Ok(Parsed {
            world: ComponentWorld::of_package(&parsed, self.0.types()),
            package: parsed,
            label: part.label(),
        })
    }

    /// Plugs `plug`'s exports into `socket`'s imports; the result exports
    /// what `socket` exports.
    pub(crate) fn plug(self, socket: Parsed, plug: Parsed) -> Result<Vec<u8>, PlugFailed> {
        let failed = failure(&socket, &plug);
        let mut graph = self.0;
        let linked = (|| {
            let socket = graph.register_package(socket.package)?;
            let plug = graph.register_package(plug.package)?;
            wac_graph::plug(&mut graph, vec![plug], socket)?;
            encode(&graph)
        })();
        linked.map_err(failed)
    }

    /// [`Graph::plug`] with shared providers: each is instantiated once, and
    /// its exports satisfy the imports of `plug` and of `socket` that have
    /// the same name (or a semver-compatible one); `plug`'s exports then
    /// satisfy the socket's remaining imports. The result exports what
    /// `socket` exports.
    pub(crate) fn plug_shared(
        self,
        socket: Parsed,
        plug: Parsed,
        providers: Vec<Parsed>,
    ) -> Result<Vec<u8>, PlugFailed> {
        let failed = failure(&socket, &plug);
        let mut graph = self.0;
        let linked = (|| {
            let socket = graph.register_package(socket.package)?;
            let plug = graph.register_package(plug.package)?;
            let mut instances = Vec::with_capacity(providers.len());
            for provider in providers {
                let package = graph.register_package(provider.package)?;
                instances.push((graph.instantiate(package), package));
            }
            let plug_instance = graph.instantiate(plug);
            for &provider in &instances {
                wire(&mut graph, (plug_instance, plug), provider)?;
            }
            let socket_instance = graph.instantiate(socket);
            wire(&mut graph, (socket_instance, socket), (plug_instance, plug))?;
            for &provider in &instances {
                wire(&mut graph, (socket_instance, socket), provider)?;
            }
            export_all(&mut graph, (socket_instance, socket))?;
            encode(&graph)
        })();
        linked.map_err(failed)
    }

    /// Links a router between two providers: `second`'s export `export`
    /// satisfies `router`'s import `import` (both named without a version),
    /// and `first`'s exports satisfy the router's imports of the same
    /// names. The result exports what `router` exports.
    pub(crate) fn route(
        self,
        router: Parsed,
        first: Parsed,
        (second, export, import): (Parsed, &str, &str),
    ) -> Result<Vec<u8>, PlugFailed> {
        let failed = failure(&router, &second);
        let named = |names: Vec<String>, part: &Parsed, direction, interface: &str| {
            names
                .into_iter()
                .find(|name| split_version(name).0 == interface)
                .ok_or_else(|| LinkError::Missing {
                    part: part.label.clone(),
                    direction,
                    interface: interface.to_owned(),
                })
        };
        let export = named(second.world.exports.clone(), &second, "export", export);
        let import = named(router.world.imports.clone(), &router, "import", import);
        let mut graph = self.0;
        let linked = (|| {
            let (export, import) = (export?, import?);
            let router = graph.register_package(router.package)?;
            let first = graph.register_package(first.package)?;
            let second = graph.register_package(second.package)?;
            let first_instance = graph.instantiate(first);
            let second_instance = graph.instantiate(second);
            let router_instance = graph.instantiate(router);
            let node = graph.alias_instance_export(second_instance, &export)?;
            graph.set_instantiation_argument(router_instance, &import, node)?;
            wire(
                &mut graph,
                (router_instance, router),
                (first_instance, first),
            )?;
            export_all(&mut graph, (router_instance, router))?;
            encode(&graph)
        })();
        linked.map_err(failed)
    }

    /// Gives `component` an instance of `provider` for each of its imports
    /// that `provider` exports; the result exports what `component`
    /// exports.
    pub(crate) fn provide(self, component: Parsed, provider: Parsed) -> Result<Vec<u8>, LinkError> {
        let mut graph = self.0;
        let provider = graph.register_package(provider.package)?;
        let component = graph.register_package(component.package)?;
        let provider_instance = graph.instantiate(provider);
        let component_instance = graph.instantiate(component);
        wire(
            &mut graph,
            (component_instance, component),
            (provider_instance, provider),
        )?;
        export_all(&mut graph, (component_instance, component))?;
        encode(&graph)
    }
}

/// How a failed plug of `plug` into `socket` is reported.
fn failure(socket: &Parsed, plug: &Parsed) -> impl FnOnce(LinkError) -> PlugFailed + use<> {
    let (socket, plug) = (socket.label.clone(), plug.label.clone());
    move |source| PlugFailed {
        socket,
        plug,
        source: Box::new(source),
    }
}

/// Encodes the graph without validating it.
fn encode(graph: &CompositionGraph) -> Result<Vec<u8>, LinkError> {
    Ok(graph.encode(EncodeOptions {
        validate: false,
        ..EncodeOptions::default()
    })?)
}

/// Exports everything the `instance` (of its package) exports.
fn export_all(
    graph: &mut CompositionGraph,
    (instance, package): (NodeId, PackageId),
) -> Result<(), LinkError> {
    for name in exports(graph, package) {
        let export = graph.alias_instance_export(instance, &name)?;
        graph.export(export, name)?;
    }
    Ok(())
}

/// Gives the `consumer` instance (of its package) each export of the
/// `provider` instance whose name matches one of its imports that has no
/// argument yet.
fn wire(
    graph: &mut CompositionGraph,
    (consumer, consumer_package): (NodeId, PackageId),
    (provider, provider_package): (NodeId, PackageId),
) -> Result<(), LinkError> {
    for export in exports(graph, provider_package) {
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

/// The names of what `package` exports.
fn exports(graph: &CompositionGraph, package: PackageId) -> Vec<String> {
    graph.types()[graph[package].ty()]
        .exports
        .keys()
        .cloned()
        .collect()
}
