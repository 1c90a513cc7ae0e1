//! Builds the built-in binders and embeds them: `bindery compose` needs no
//! binder file at compose time.

use std::fmt::Write as _;

use bindery_guest_build::Guests;

/// `(binder name, package, source directory)` of every built-in binder.
const BUILTIN: &[(&str, &str, &str)] = &[
    (
        "http-cloudevents",
        "bindery-http-cloudevents",
        "binders/http-cloudevents",
    ),
    (
        "nats-cloudevents",
        "bindery-nats-cloudevents",
        "binders/nats-cloudevents",
    ),
    ("http-sink", "bindery-http-sink", "binders/http-sink"),
    ("nats-sink", "bindery-nats-sink", "binders/nats-sink"),
];

fn main() {
    let guests = Guests::new();
    let mut table = String::from("/// The built-in binders: name, version and component bytes.\n");
    table.push_str("pub(crate) const BUILTIN: &[(&str, &str, &[u8])] = &[\n");
    for (name, package, source_dir) in BUILTIN {
        let path = guests.build(package, source_dir);
        let version = env!("CARGO_PKG_VERSION");
        writeln!(
            table,
            "    ({name:?}, {version:?}, include_bytes!({:?})),",
            path.display().to_string()
        )
        .unwrap();
    }
    table.push_str("];\n");
    // Other builds of built-in binders, chosen by executor settings: the
    // http-cloudevents binder that replies through a sink (a feature, in a
    // target directory of its own), the one for WASI 0.3 (a crate), and the
    // WASI 0.3 one that replies through a sink; the NATS binder's for WASI 0.3.
    let reply_sink = Guests::new().apart("reply-sink").build_with_features(
        "bindery-http-cloudevents",
        "binders/http-cloudevents",
        &["reply-sink"],
    );
    let wasi_p3 = guests.build("bindery-http-cloudevents-p3", "binders/http-cloudevents-p3");
    let reply_sink_p3 = Guests::new().apart("reply-sink").build_with_features(
        "bindery-http-cloudevents-p3",
        "binders/http-cloudevents-p3",
        &["reply-sink"],
    );
    table.push_str(
        "/// Other builds of built-in binders: name, build, component bytes.\n\
         pub(crate) const BUILDS: &[(&str, Build, &[u8])] = &[\n",
    );
    // The nats-cloudevents binder for WASI 0.3 (a crate), on
    // wasmcloud:messaging@0.3.0.
    let nats_p3 = guests.build("bindery-nats-cloudevents-p3", "binders/nats-cloudevents-p3");
    for (binder, build, path) in [
        ("http-cloudevents", "ReplySink", reply_sink),
        ("http-cloudevents", "WasiP3", wasi_p3),
        ("http-cloudevents", "ReplySinkP3", reply_sink_p3),
        ("nats-cloudevents", "WasiP3", nats_p3),
    ] {
        writeln!(
            table,
            "    ({binder:?}, Build::{build}, include_bytes!({:?})),",
            path.display().to_string()
        )
        .unwrap();
    }
    table.push_str("];\n");
    // The built-in middleware, composed in front of WASI 0.3 binders.
    let signature = guests.build("bindery-webhook-signature", "binders/webhook-signature");
    writeln!(
        table,
        "/// The built-in middleware: name, version and component bytes.\n\
         pub(crate) const MIDDLEWARE: &[(&str, &str, &[u8])] = &[\n    \
         (\"webhook-signature\", {:?}, include_bytes!({:?})),\n];",
        env!("CARGO_PKG_VERSION"),
        signature.display().to_string()
    )
    .unwrap();
    // The built-in event stages, composed between a binder and the app.
    table.push_str(
        "/// The built-in event stages: name, version and component bytes.\n\
         pub(crate) const EVENT_STAGES: &[(&str, &str, &[u8])] = &[\n",
    );
    for (name, package, source_dir) in [
        ("filter", "bindery-filter", "binders/filter"),
        ("schema", "bindery-schema", "binders/schema"),
    ] {
        let path = guests.build(package, source_dir);
        writeln!(
            table,
            "    ({name:?}, {:?}, include_bytes!({:?})),",
            env!("CARGO_PKG_VERSION"),
            path.display().to_string()
        )
        .unwrap();
    }
    table.push_str("];\n");
    // The dead-letter router, composed between an app and its sinks when
    // the component names a dead-letter sink.
    let router = guests.build("bindery-dead-letter", "binders/dead-letter");
    writeln!(
        table,
        "/// The dead-letter router: version and component bytes.\n\
         pub(crate) const DEAD_LETTER_ROUTER: (&str, &[u8]) = ({:?}, include_bytes!({:?}));",
        env!("CARGO_PKG_VERSION"),
        router.display().to_string()
    )
    .unwrap();
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").unwrap()).join("builtin.rs");
    std::fs::write(out, table).unwrap();
}
