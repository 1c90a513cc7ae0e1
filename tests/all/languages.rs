//! Binders written in other languages, built with their real toolchains,
//! composed with the unchanged `examples/echo` through `source = ...`, and
//! served by `bindery serve` on a loopback port.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::serve::{Server, run};
use crate::toolchain::{Toolchain, target_dir};

/// The repository's root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Where built language components go.
pub fn built(name: &str) -> PathBuf {
    let dir = target_dir().join("toolchains/out");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(format!("{name}.wasm"))
}

/// A project binding `examples/echo` with the binder at `binder`.
fn echo_behind(binder: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let manifest = format!(
        "spin_manifest_version = 2\n[application]\nname = \"echo\"\n[[trigger.http]]\nroute = \"/events\"\n\
         component = \"echo\"\nexecutor = {{ type = \"binder\", source = {:?} }}\n[component.echo]\nsource = {:?}\n",
        binder.display().to_string(),
        bindery_tests::ECHO,
    );
    std::fs::write(dir.path().join("spin.toml"), manifest).unwrap();
    dir
}

/// A project binding `examples/echo` with the binder at `binder`, composed.
fn compose_echo_behind(binder: &Path) -> tempfile::TempDir {
    let dir = echo_behind(binder);
    let composed = run(dir.path(), &["compose"]);
    assert!(
        composed.status.success(),
        "{}",
        String::from_utf8_lossy(&composed.stderr)
    );
    dir
}

/// Composes `examples/echo` behind `binder`, checks that `inspect` shows the
/// WASI versions in play (`versions`), serves it, and checks a binary event
/// with a percent-encoded extension and a missing `ce-id`.
pub async fn check_binary_binder(binder: &Path, versions: &[&str]) {
    let dir = compose_echo_behind(binder);
    let inspect = run(dir.path(), &["inspect", ".bindery/echo.wasm"]);
    let inspect = String::from_utf8_lossy(&inspect.stdout);
    let shown = inspect
        .lines()
        .find_map(|line| line.strip_prefix("wasi versions: "))
        .unwrap_or_else(|| panic!("inspect shows the WASI versions: {inspect}"));
    let shown: Vec<&str> = shown
        .split(", ")
        .map(|version| version.split(' ').next().unwrap())
        .collect();
    assert_eq!(shown, versions, "{inspect}");
    let server = Server::start_with_cache(
        dir.path(),
        &["serve", ".bindery/spin.toml"],
        &target_dir().join("toolchains/compiled"),
    );
    check_binary_echo(&server).await;
}

/// Checks that `server` echoes a binary event with a percent-encoded
/// extension on `/events`, and refuses one without `ce-id` with a 400 that
/// names it.
pub async fn check_binary_echo(server: &Server) {
    let event = [
        ("ce-specversion", "1.0"),
        ("ce-id", "lang-1"),
        ("ce-source", "/languages"),
        ("ce-type", "com.example.echo"),
        ("ce-note", "caf%C3%A9%20%E2%82%AC"),
        ("content-type", "text/plain; charset=utf-8"),
    ];
    let reply = server.send("POST", &event, "Grüße").await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.header("ce-id"), Some("lang-1"));
    assert_eq!(reply.header("ce-type"), Some("com.example.echo"));
    assert_eq!(
        reply.header("ce-note"),
        Some("caf%C3%A9%20%E2%82%AC"),
        "the extension was decoded to `café €` and encoded again"
    );
    assert_eq!(
        reply.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(&reply.body[..], "Grüße".as_bytes());

    let missing_id: Vec<_> = event.into_iter().filter(|(k, _)| *k != "ce-id").collect();
    let reply = server.send("POST", &missing_id, "").await;
    assert_eq!(reply.status, 400);
    assert!(
        String::from_utf8_lossy(&reply.body).contains("ce-id"),
        "the reason names the header: {:?}",
        reply.body
    );
}

#[tokio::test]
async fn python_binder_composes_and_serves() {
    let out = built("python-cloudevents-binary");
    Toolchain::python().build(
        &root().join("binders/python-cloudevents-binary/build.sh"),
        &out,
    );
    // componentize-py's runtime imports wasi 0.2.9, its wasi:http 0.2.12.
    check_binary_binder(&out, &["0.2.9", "0.2.12"]).await;
}

#[tokio::test]
async fn js_binder_composes_and_serves() {
    let out = built("js-cloudevents-binary");
    Toolchain::js().build(&root().join("binders/js-cloudevents-binary/build.sh"), &out);
    let world = bindery_composer::ComponentWorld::of(&std::fs::read(&out).unwrap()).unwrap();
    assert!(
        world
            .exports
            .contains(&"wasi:http/incoming-handler@0.2.10".to_owned()),
        "StarlingMonkey exports the 0.2.10 handler: {:?}",
        world.exports
    );
    // The echo app's std imports 0.2.6 and StarlingMonkey's http 0.2.10.
    check_binary_binder(&out, &["0.2.6", "0.2.10", "0.2.12"]).await;
}

/// The cases of one conformance file of `shared/`.
fn conformance_cases(file: &str) -> Vec<Value> {
    let path = root()
        .join("../shared/conformance/cloudevents/format-json")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|err| {
        panic!(
            "{}: {err} (the conformance suite sits in shared/, beside the repository)",
            path.display()
        )
    });
    let document: Value = serde_json::from_str(text.trim_start_matches('\u{feff}')).unwrap();
    document["tests"].as_array().unwrap().clone()
}

/// `value` without the attributes set to `null`, which mean "absent".
fn without_nulls(value: &Value) -> Value {
    match value {
        Value::Object(attributes) => Value::Object(
            attributes
                .iter()
                .filter(|(_, value)| !value.is_null())
                .map(|(name, value)| (name.clone(), value.clone()))
                .collect(),
        ),
        Value::Array(events) => Value::Array(events.iter().map(without_nulls).collect()),
        other => other.clone(),
    }
}

#[tokio::test]
async fn python_app_behind_the_rust_binder_passes_the_conformance_cases() {
    let app = built("python-echo-app");
    Toolchain::python().build(
        &root().join("tests/programs/python-echo-app/build.sh"),
        &app,
    );
    let dir = tempfile::tempdir().unwrap();
    let manifest = format!(
        "spin_manifest_version = 2\n[application]\nname = \"conformance\"\n[[trigger.http]]\nroute = \"/events\"\n\
         component = \"echo\"\nexecutor = {{ type = \"binder\", binder = \"http-cloudevents\", config = {{ \
         extension-types = \"extinteger=integer,extboolean=boolean,extstring=string,extbinary=binary,\
         exttimestamp=timestamp,exturi=uri,exturiref=uri-ref\" }} }}\n[component.echo]\nsource = {:?}\n",
        app.display().to_string()
    );
    std::fs::write(dir.path().join("spin.toml"), manifest).unwrap();
    let server = Server::start_with_cache(
        dir.path(),
        &["up"],
        &target_dir().join("toolchains/compiled"),
    );

    let mut checked = 0;
    for (file, member, content_type, valid) in [
        (
            "valid-events.json",
            "event",
            "application/cloudevents+json",
            true,
        ),
        (
            "invalid-events.json",
            "event",
            "application/cloudevents+json",
            false,
        ),
        (
            "valid-batches.json",
            "batch",
            "application/cloudevents-batch+json",
            true,
        ),
        (
            "invalid-batches.json",
            "batch",
            "application/cloudevents-batch+json",
            false,
        ),
    ] {
        for case in conformance_cases(file) {
            let sent = &case[member];
            let reply = server
                .send("POST", &[("content-type", content_type)], sent.to_string())
                .await;
            let id = &case["id"];
            if valid {
                assert_eq!(reply.status, 200, "{id}: {:?}", reply.body);
                assert_eq!(reply.json(), without_nulls(sent), "{id}: echoed unchanged");
            } else {
                assert_eq!(reply.status, 400, "{id}: {:?}", reply.body);
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 43, "every case of the suite ran");
}

#[tokio::test]
async fn c_binder_composes_and_serves() {
    let out = built("c-cloudevents-binary");
    Toolchain::c().build(&root().join("binders/c-cloudevents-binary/build.sh"), &out);
    check_binary_binder(&out, &["0.2.6", "0.2.12"]).await;
}

#[tokio::test]
async fn go_binder_composes_and_serves() {
    let out = built("go-cloudevents-binary");
    Toolchain::go().build(&root().join("binders/go-cloudevents-binary/build.sh"), &out);
    // The Go runtime imports, through the adapter, every interface the echo
    // app's std does, at 0.2.12; the app's 0.2.6 imports merge with them.
    check_binary_binder(&out, &["0.2.12"]).await;

    // Go's collector reads the clocks, which a component may not do while
    // the host allocates in it; the binder collects between requests. Bodies
    // of 1 MiB make garbage enough for several collections, in instances
    // that serve four requests each.
    let dir = compose_echo_behind(&out);
    let server = Server::start_with_cache(
        dir.path(),
        &[
            "serve",
            ".bindery/spin.toml",
            "--wasip2-instance-reuse",
            "4",
        ],
        &target_dir().join("toolchains/compiled"),
    );
    let event = [
        ("ce-specversion", "1.0"),
        ("ce-id", "large-1"),
        ("ce-source", "/languages"),
        ("ce-type", "com.example.echo"),
        ("content-type", "application/octet-stream"),
    ];
    let body: Vec<u8> = (0..1 << 20).map(|i| (i % 251) as u8).collect();
    for round in 0..10 {
        let reply = server.send("POST", &event, body.clone()).await;
        assert_eq!(reply.status, 200, "round {round}: {}", server.log());
        assert!(
            reply.body[..] == body[..],
            "round {round}: the body came back"
        );
    }
    let mut too_large = body;
    too_large.push(0);
    let reply = server.send("POST", &event, too_large).await;
    assert_eq!(reply.status, 413, "{:?}", reply.body);
}
