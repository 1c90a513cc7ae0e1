//! The compositions the scenarios serve: the echo app behind the built-in
//! binder (0.2, 0.3, behind the webhook-signature middleware) and the
//! floor plugged by hand.

use std::path::{Path, PathBuf};

use anyhow::Result;
use bindery_composer::ComposeOptions;
use wac_graph::types::Package;
use wac_graph::{CompositionGraph, EncodeOptions};

use crate::artifacts::ECHO;

/// A manifest, `dir/name`, binding the echo app with the built-in
/// http-cloudevents binder; `config` is appended to its executor table.
pub(crate) fn echo_manifest(dir: &Path, name: &str, config: &str) -> Result<PathBuf> {
    let manifest = dir.join(name);
    std::fs::write(
        &manifest,
        format!(
            "spin_manifest_version = 2\n[application]\nname = \"echo\"\n[[trigger.http]]\nroute = \"/events\"\n\
             component = \"echo\"\nexecutor = {{ type = \"binder\", binder = \"http-cloudevents\"{config} }}\n\
             [component.echo]\nsource = {ECHO:?}\n"
        ),
    )?;
    Ok(manifest)
}

/// The output manifest of echo composed with the WASI 0.3 binder, in the
/// work folder `work`.
pub(crate) fn composed_p3(work: &Path) -> PathBuf {
    work.join("composed-p3").join("spin.toml")
}

/// The output manifest of echo composed with the WASI 0.3 binder behind
/// the webhook-signature middleware, in the work folder `work`.
pub(crate) fn composed_signed(work: &Path) -> PathBuf {
    work.join("composed-signed").join("spin.toml")
}

pub(crate) fn compose_options(dir: &Path) -> ComposeOptions {
    ComposeOptions {
        cache_dir: dir.join("binder-cache"),
        world: Default::default(),
    }
}

/// The floor of composition: a bare wac-graph plug of the two components,
/// then encode, which by default validates the whole output (`validate`).
pub(crate) fn plug_floor(binder: &[u8], app: &[u8], validate: bool) -> Result<Vec<u8>> {
    let mut graph = CompositionGraph::new();
    let socket = Package::from_bytes("binder", None, binder.to_vec(), graph.types_mut())?;
    let plug = Package::from_bytes("app", None, app.to_vec(), graph.types_mut())?;
    let socket = graph.register_package(socket)?;
    let plug = graph.register_package(plug)?;
    wac_graph::plug(&mut graph, vec![plug], socket)?;
    Ok(graph.encode(EncodeOptions {
        validate,
        ..EncodeOptions::default()
    })?)
}

/// The key the middleware row's requests are signed with (`c2lnbmluZy1rZXk=`
/// in base64).
pub(crate) const SIGNING_KEY: &[u8] = b"signing-key";
