//! The compositions the scenarios serve: the echo app behind the built-in
//! binder (0.2, 0.3, behind the webhook-signature middleware, behind the
//! filter and schema event stages) and the floor plugged by hand.

use std::path::{Path, PathBuf};

use anyhow::Result;
use bindery_composer::{ComposeOptions, compose};
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

/// The output manifest of echo composed with the WASI 0.3 binder behind a
/// filter stage of one `sql` filter, in the work folder `work`.
pub(crate) fn composed_filtered(work: &Path) -> PathBuf {
    work.join("composed-filtered").join("spin.toml")
}

/// The output manifest of echo composed with the WASI 0.3 binder behind
/// the filter stage and the schema stage, in the work folder `work`.
pub(crate) fn composed_filter_schema(work: &Path) -> PathBuf {
    work.join("composed-filter-schema").join("spin.toml")
}

/// The manifest line that puts the webhook-signature middleware in front
/// of the binder, with the key of [`SIGNING_KEY`].
pub(crate) const MIDDLEWARE: &str = "dependencies.middleware = [{ binder = \"webhook-signature\", config = { secret = \"whsec_c2lnbmluZy1rZXk=\", tolerance = 86400 } }]";

/// The executor members of the filtered row: one CESQL filter every bench
/// event passes.
pub(crate) const FILTER: &str = ", wasi = \"0.3\", filters = [{ sql = \"source LIKE '/bench%'\" }]";

/// The executor members of the filter + schema row, whose schema
/// (`bench-event.json` in the work folder, see [`SCHEMA`]) every bench
/// event's data fits.
pub(crate) const FILTER_SCHEMA: &str = ", wasi = \"0.3\", filters = [{ sql = \"source LIKE '/bench%'\" }], stages = [{ binder = \"schema\", config = { schemas = { \"com.example.bench\" = \"bench-event.json\" } } }]";

/// The schema of the bench events' data.
pub(crate) const SCHEMA: &str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "required": ["orderId", "customer", "note"],
  "properties": {
    "orderId": { "type": "string", "minLength": 1 },
    "customer": { "type": "string" },
    "note": { "type": "string", "maxLength": 1000 }
  }
}"#;

pub(crate) fn compose_options(dir: &Path) -> ComposeOptions {
    ComposeOptions {
        cache_dir: dir.join("binder-cache"),
        world: Default::default(),
        wasmcloud: Default::default(),
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

/// Composes the echo app into every served variant but the plain 0.2 one
/// (which the full run composes while timing compose): behind the WASI 0.3
/// binder, the middleware, the filter stage, and the filter and schema
/// stages, each into its folder of `work`.
pub(crate) fn compose_variants(work: &Path) -> Result<()> {
    let manifest_p3 = echo_manifest(work, "spin-p3.toml", ", wasi = \"0.3\"")?;
    compose(&manifest_p3, &compose_options(work))?
        .write(composed_p3(work).parent().expect("a folder"))?;
    let manifest_signed = echo_manifest(work, "spin-signed.toml", ", wasi = \"0.3\"")?;
    let signed = std::fs::read_to_string(&manifest_signed)?.replace(
        "\n[component.echo]",
        &format!("\n{MIDDLEWARE}\n[component.echo]"),
    );
    std::fs::write(&manifest_signed, signed)?;
    compose(&manifest_signed, &compose_options(work))?
        .write(composed_signed(work).parent().expect("a folder"))?;
    std::fs::write(work.join("bench-event.json"), SCHEMA)?;
    for (name, members, output) in [
        ("spin-filtered.toml", FILTER, composed_filtered(work)),
        (
            "spin-filter-schema.toml",
            FILTER_SCHEMA,
            composed_filter_schema(work),
        ),
    ] {
        let manifest = echo_manifest(work, name, members)?;
        compose(&manifest, &compose_options(work))?.write(output.parent().expect("a folder"))?;
    }
    Ok(())
}
