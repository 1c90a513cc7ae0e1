//! `[component.<id>.dependencies]`: imports of a component satisfied at
//! build time, the way Spin composes them at load time, so that the output
//! needs no host-side composition. Each dependency is plugged into the
//! component before a binder is (a sink binder into an app that imports
//! `bindery:cloudevents/sender`, for example).

use std::collections::BTreeMap;
use std::path::Path;

use bindery_manifest::{
    AllowedHosts, Component, ComponentId, DEAD_LETTER, DEAD_LETTER_PREFIX, Dependency, SENDER,
    SENDER_PREFIX,
};

use crate::binder::{self, Binder};
use crate::error::DependencyError;
use crate::graph::{Graph, Part};
use crate::isolate::{Pattern, Visible, isolate};
use crate::world::split_version;

/// The component after its dependencies are linked in, with the
/// environment their settings add and the dependencies used.
pub(crate) struct Linked {
    /// The component's bytes.
    pub(crate) bytes: Vec<u8>,
    /// `BINDERY_SENDER_*` variables from the dependencies' `config`.
    pub(crate) environment: BTreeMap<String, String>,
    /// The dependencies, as resolved.
    pub(crate) used: Vec<Binder>,
    /// The dependencies the binder imports too, not yet linked: one
    /// instance of each is given to both the binder and the component.
    pub(crate) shared: Vec<Binder>,
}

/// Links the dependencies of `component` into `app` (the component `id`, read from
/// `app_path`; `what` it is, for messages: "app" behind a binder,
/// "component" otherwise), but for those `binder` imports too, which are
/// left for [`plug`](crate::plug()) to share. An import of
/// `bindery:cloudevents/sender` (by the app or the binder) without a
/// dependency, a dependency neither imports, one that does not export its
/// interface, and a sink URL outside `allowed_outbound_hosts` are errors.
#[allow(
    clippy::too_many_arguments,
    reason = "one call site, each argument named there"
)]
pub(crate) fn link_dependencies(
    id: &ComponentId,
    component: &Component,
    app: Vec<u8>,
    app_path: &Path,
    what: &'static str,
    binder: Option<&Binder>,
    manifest: &Path,
    cache_dir: &Path,
) -> Result<Linked, DependencyError> {
    let app_name = app_path.display().to_string();
    let world = Part {
        what,
        name: &app_name,
        bytes: &app,
    }
    .world()?;
    let imports = |interface: &str| {
        world
            .imports
            .iter()
            .any(|import| split_version(import).0 == interface)
    };
    let binder_world = binder
        .map(|binder| {
            Part {
                what: "binder",
                name: &binder.to_string(),
                bytes: &binder.bytes,
            }
            .world()
        })
        .transpose()?;
    let binder_imports = |interface: &str| {
        binder_world.as_ref().is_some_and(|world| {
            world
                .imports
                .iter()
                .any(|import| split_version(import).0 == interface)
        })
    };
    let dependencies = &component.dependencies;
    if dependencies.contains_key(DEAD_LETTER) && !dependencies.contains_key(SENDER) {
        return Err(DependencyError::DeadLetterWithoutSink {
            component: id.to_string(),
            dead_letter: DEAD_LETTER,
            sender: SENDER,
        });
    }
    if !dependencies.contains_key(SENDER) {
        if imports(SENDER) {
            return Err(DependencyError::UnsatisfiedImport {
                component: id.to_string(),
                import: SENDER.into(),
            });
        }
        if let Some(binder) = binder.filter(|_| binder_imports(SENDER)) {
            return Err(DependencyError::BinderNeedsDependency {
                component: id.to_string(),
                binder: binder.to_string(),
                import: SENDER.into(),
            });
        }
    }
    let mut linked = Linked {
        bytes: app,
        environment: BTreeMap::new(),
        used: Vec::new(),
        shared: Vec::new(),
    };
    // The dead-letter sink is linked with the sink it stands behind.
    let dependencies = dependencies
        .iter()
        .filter(|(interface, _)| interface.as_str() != DEAD_LETTER);
    for (interface, dependency) in dependencies {
        let shared = binder_imports(interface);
        if !imports(interface) && !shared {
            return Err(DependencyError::Unused {
                component: id.to_string(),
                interface: interface.clone(),
                imports: world.imports.clone(),
            });
        }
        let provider = binder::resolve(&dependency.source, manifest, cache_dir)?;
        let provider_name = provider.to_string();
        let provider_part = Part {
            what: "dependency",
            name: &provider_name,
            bytes: &provider.bytes,
        };
        check_export(id, provider_part, interface, interface)?;
        let environment = dependency.environment();
        if interface == SENDER {
            check_sink_url(id, component, &environment)?;
        }
        linked.environment.extend(environment);
        // The dependency sees its own settings only.
        let mut isolated = provider.clone();
        isolated.bytes = isolate(
            provider_part,
            &Visible::Only(vec![Pattern::Prefix(SENDER_PREFIX.to_owned())]),
        )?;
        if interface == SENDER
            && let Some(dead_letter) = component.dependencies.get(DEAD_LETTER)
        {
            let behind = DeadLetter::link(
                id,
                component,
                (dependency, &isolated),
                dead_letter,
                manifest,
                cache_dir,
            )?;
            isolated.bytes = behind.bytes;
            linked.environment.extend(behind.environment);
            linked.used.extend(behind.used);
        }
        let provider_part = Part {
            what: "dependency",
            name: &provider_name,
            bytes: &isolated.bytes,
        };
        if shared {
            linked.shared.push(isolated.clone());
        } else {
            let app = Part {
                what: "component",
                name: &app_name,
                bytes: &linked.bytes,
            };
            linked.bytes = plug_dependency(provider_part, app)?;
        }
        linked.used.push(provider);
    }
    Ok(linked)
}

/// A sink with a dead-letter sink behind it: the dead-letter router
/// (`binders/dead-letter`) with the sink on its `sender` import and the
/// dead-letter sink on its `dead-letter` import, exporting `sender` as the
/// sink does.
struct DeadLetter {
    /// The router with both sinks linked in.
    bytes: Vec<u8>,
    /// The dead-letter sink's settings (`BINDERY_DEAD_LETTER_BINDERY_SENDER_*`)
    /// and the router's (where the sink sends).
    environment: BTreeMap<String, String>,
    /// The dead-letter sink and the router, as resolved.
    used: Vec<Binder>,
}

impl DeadLetter {
    /// Links the dead-letter sink `dead_letter` of component `id` and the
    /// router behind `sink` (its dependency, and its isolated build).
    fn link(
        id: &ComponentId,
        component: &Component,
        (sink, sink_build): (&Dependency, &Binder),
        dead_letter: &Dependency,
        manifest: &Path,
        cache_dir: &Path,
    ) -> Result<Self, DependencyError> {
        let provider = binder::resolve(&dead_letter.source, manifest, cache_dir)?;
        let provider_name = provider.to_string();
        let provider_part = Part {
            what: "dead-letter sink",
            name: &provider_name,
            bytes: &provider.bytes,
        };
        check_export(id, provider_part, SENDER, DEAD_LETTER)?;
        check_sink_url(id, component, &dead_letter.environment())?;
        let mut environment = dead_letter.dead_letter_environment();
        // The dead-letter sink reads its settings under the names every
        // sink reads.
        let isolated = isolate(
            provider_part,
            &Visible::Under(DEAD_LETTER_PREFIX.to_owned()),
        )?;
        let sink_settings = sink.environment();
        let destination = ["BINDERY_SENDER_URL", "BINDERY_SENDER_SUBJECT"]
            .into_iter()
            .find_map(|name| sink_settings.get(name));
        let router = binder::dead_letter_router();
        let router_name = router.to_string();
        let router_part = Part {
            what: "dead-letter router",
            name: &router_name,
            bytes: &router.bytes,
        };
        let router_isolated = isolate(
            router_part,
            &Visible::Only(vec![Pattern::Name(DESTINATION_VARIABLE.to_owned())]),
        )?;
        if let Some(destination) = destination {
            environment.insert(DESTINATION_VARIABLE.to_owned(), destination.clone());
        }
        let sink_name = sink_build.to_string();
        let mut graph = Graph::new();
        let router_parsed = graph.parse(
            "bindery:dead-letter-router",
            Part {
                bytes: &router_isolated,
                ..router_part
            },
        )?;
        let sink_parsed = graph.parse(
            "bindery:sink",
            Part {
                what: "dependency",
                name: &sink_name,
                bytes: &sink_build.bytes,
            },
        )?;
        let dead_letter_parsed = graph.parse(
            "bindery:dead-letter",
            Part {
                bytes: &isolated,
                ..provider_part
            },
        )?;
        let bytes = graph.route(
            router_parsed,
            sink_parsed,
            (dead_letter_parsed, SENDER, DEAD_LETTER_INTERFACE),
        )?;
        Ok(Self {
            bytes,
            environment,
            used: vec![provider, router],
        })
    }
}

/// The interface of the router's import that the dead-letter sink's
/// `sender` export satisfies.
const DEAD_LETTER_INTERFACE: &str = "bindery:cloudevents/dead-letter";

/// The router's one setting: where the sink sends.
const DESTINATION_VARIABLE: &str = "BINDERY_DEAD_LETTER_DESTINATION";

/// The dependency `provider` of component `id` must export `interface`
/// (at any version); `named` is the key it is named by in the manifest.
fn check_export(
    id: &ComponentId,
    provider: Part<'_>,
    interface: &str,
    named: &str,
) -> Result<(), DependencyError> {
    let world = provider.world()?;
    if world
        .exports
        .iter()
        .any(|export| split_version(export).0 == interface)
    {
        return Ok(());
    }
    Err(DependencyError::LacksExport {
        component: id.to_string(),
        dependency: provider.name.to_owned(),
        interface: named.to_owned(),
        exports: world.exports,
    })
}

/// A sink URL in `environment` must be within the component's
/// `allowed_outbound_hosts`, or the host would refuse every event.
fn check_sink_url(
    id: &ComponentId,
    component: &Component,
    environment: &BTreeMap<String, String>,
) -> Result<(), DependencyError> {
    match environment.get("BINDERY_SENDER_URL") {
        Some(url) if !allows(&component.allowed_outbound_hosts, url) => {
            Err(DependencyError::SinkNotAllowed {
                component: id.to_string(),
                url: url.clone(),
            })
        }
        _ => Ok(()),
    }
}

/// Plugs `provider`'s exports into `app`'s imports.
fn plug_dependency(provider: Part<'_>, app: Part<'_>) -> Result<Vec<u8>, DependencyError> {
    let mut graph = Graph::new();
    let socket = graph.parse("bindery:app", app)?;
    let plug = graph.parse("bindery:dependency", provider)?;
    Ok(graph.plug(socket, plug)?)
}

/// Whether `allowed_outbound_hosts` allows requests to `url`.
fn allows(allowed: &[String], url: &str) -> bool {
    let Ok(uri) = fluent_uri::Uri::parse(url) else {
        return false;
    };
    let Some(authority) = uri.authority() else {
        return false;
    };
    let port = match authority.port().filter(|port| !port.is_empty()) {
        Some(port) => match port.as_str().parse() {
            Ok(port) => Some(port),
            Err(_) => return false,
        },
        None => None,
    };
    AllowedHosts::parse(allowed)
        .is_ok_and(|allowed| allowed.allows(uri.scheme().as_str(), authority.host(), port))
}
