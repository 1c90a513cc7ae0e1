//! Plugging an app into its binder: the checks that the two fit (the binder
//! serves the trigger's transport, the app exports what the binder imports
//! and no transport handler of its own), then the link.

use std::path::Path;

use bindery_manifest::Transport;
use wac_graph::types::are_semver_compatible;

use crate::binder::{Binder, BinderOrigin};
use crate::error::PlugError;
use crate::graph::{Graph, Parsed, Part};
use crate::output::OutputComponent;
use crate::world::{handler_name, handler_transport, split_version};

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
) -> Result<OutputComponent, PlugError> {
    let app_name = app_path.display().to_string();
    let binder_name = binder.to_string();
    let binder_part = Part {
        what: "binder",
        name: &binder_name,
        bytes: &binder.bytes,
    };
    let app_part = Part {
        what: "app",
        name: &app_name,
        bytes: app,
    };
    std::thread::scope(|scope| {
        let validated = scope.spawn(|| {
            if binder.origin != BinderOrigin::Builtin {
                binder_part.validate()?;
            }
            app_part.validate()
        });
        let linked = check_and_link(binder_part, app_part, transport, shared);
        let validated = validated.join().expect("validation does not panic");
        let linked = linked?;
        validated?;
        Ok(linked)
    })
}

/// The checks and the linking of [`plug`].
fn check_and_link(
    binder: Part<'_>,
    app: Part<'_>,
    transport: Transport,
    shared: &[Binder],
) -> Result<OutputComponent, PlugError> {
    let mut graph = Graph::new();
    let socket = graph.parse("bindery:binder", binder)?;
    let plug = graph.parse("bindery:app", app)?;
    if !socket.world.exports_handler(transport) {
        return Err(PlugError::BinderWrongTransport {
            binder: binder.name.to_owned(),
            trigger: transport.name(),
            wanted: handler_name(transport),
            exports: socket.world.exports.clone(),
        });
    }
    if let Some(export) = plug
        .world
        .exports
        .iter()
        .find(|export| handler_transport(export).is_some())
    {
        return Err(PlugError::AppExportsHandler {
            app: app.name.to_owned(),
            export: export.clone(),
        });
    }
    let providers = shared
        .iter()
        .map(|dependency| {
            let name = dependency.to_string();
            let part = Part {
                what: "dependency",
                name: &name,
                bytes: &dependency.bytes,
            };
            graph.parse("bindery:dependency", part)
        })
        .collect::<Result<Vec<Parsed>, _>>()?;
    check_exports(&socket, &plug, &providers, binder.name, app.name)?;
    let bytes = if providers.is_empty() {
        graph.plug(socket, plug)?
    } else {
        graph.plug_shared(socket, plug, providers)?
    };
    let file = format!("the composition of {} and {}", binder.name, app.name);
    Ok(OutputComponent::read(bytes, file)?)
}

/// Checks that the app exports, at a semver-compatible version, every
/// protocol interface the binder imports that no shared provider exports.
fn check_exports(
    binder: &Parsed,
    app: &Parsed,
    providers: &[Parsed],
    binder_name: &str,
    app_name: &str,
) -> Result<(), PlugError> {
    let provided = |import: &str| {
        providers.iter().any(|provider| {
            provider
                .world
                .exports
                .iter()
                .any(|export| are_semver_compatible(export, import))
        })
    };
    let wanted: Vec<&str> = binder
        .world
        .protocol_imports()
        .filter(|import| !provided(import))
        .collect();
    if wanted.is_empty() {
        return Err(PlugError::BinderWithoutProtocol {
            binder: binder_name.to_owned(),
        });
    }
    let exports = &app.world.exports;
    for import in wanted {
        if exports
            .iter()
            .any(|export| are_semver_compatible(export, import))
        {
            continue;
        }
        let unversioned = split_version(import).0;
        return Err(
            match exports
                .iter()
                .find(|export| split_version(export).0 == unversioned)
            {
                Some(found) => PlugError::IncompatibleVersion {
                    app: app_name.to_owned(),
                    binder: binder_name.to_owned(),
                    wanted: import.to_owned(),
                    found: found.clone(),
                },
                None => PlugError::MissingExport {
                    app: app_name.to_owned(),
                    binder: binder_name.to_owned(),
                    wanted: import.to_owned(),
                    exports: exports.clone(),
                },
            },
        );
    }
    Ok(())
}
