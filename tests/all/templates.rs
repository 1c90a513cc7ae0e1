//! `bindery new`: every template (binders, apps and event stages) is
//! written, built with its one command and its real toolchain, composed and
//! served.

use std::path::Path;

use crate::languages::{built, check_binary_binder, check_binary_echo};
use crate::serve::{Server, run};
use crate::sink::Sink;
use crate::toolchain::{Toolchain, target_dir};

/// Writes a `kind` project in `language` named `name` into `parent`.
fn new_project(parent: &Path, kind: &str, language: &str, name: &str) -> std::path::PathBuf {
    let output = run(parent, &["new", kind, name, "--lang", language]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let dir = parent.join(name);
    assert!(dir.join("build.sh").exists() && dir.join("README.md").exists());
    dir
}

/// A binder template, built and composed with `examples/echo`.
async fn check_binder_template(language: &str, toolchain: Toolchain, versions: &[&str]) {
    let parent = tempfile::tempdir().unwrap();
    let name = format!("new-{language}-binder");
    let dir = new_project(parent.path(), "binder", language, &name);
    let out = built(&name);
    toolchain.build(&dir.join("build.sh"), &out);
    check_binary_binder(&out, versions).await;
}

/// An app template, built and run with `bindery up` on its own manifest.
/// Returns the server, for checks of a template's own.
async fn check_app_template(language: &str, toolchain: Toolchain) -> (tempfile::TempDir, Server) {
    let parent = tempfile::tempdir().unwrap();
    let name = format!("new-{language}-app");
    let dir = new_project(parent.path(), "app", language, &name);
    toolchain.build(&dir.join("build.sh"), &dir.join(format!("{name}.wasm")));
    let server = Server::start_with_cache(&dir, &["up"], &target_dir().join("toolchains/compiled"));
    check_binary_echo(&server).await;
    (parent, server)
}

/// The helpers of a template that has them: a ping is answered with a new
/// pong event, its id a UUID, its time now, its data the ping's as JSON.
async fn check_ping(server: &Server, language: &str) {
    let ping = [
        ("ce-specversion", "1.0"),
        ("ce-id", "p-1"),
        ("ce-source", "/test"),
        ("ce-type", "com.example.ping"),
        ("content-type", "application/json"),
    ];
    let reply = server.send("POST", &ping, r#"{"n":1}"#).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.header("ce-type"), Some("com.example.pong"));
    assert_eq!(
        reply.header("ce-source"),
        Some(format!("/new-{language}-app").as_str())
    );
    let id = reply.header("ce-id").unwrap();
    assert!(
        id.len() == 36 && id.as_bytes()[14] == b'4',
        "a version 4 UUID: {id}"
    );
    let time = reply.header("ce-time").unwrap();
    assert!(time.ends_with('Z') && time.len() >= 20, "{time}");
    assert_eq!(reply.json(), serde_json::json!({"pong": {"n": 1}}));
}

/// `send` of a template that has it: built for the sending-app world, with
/// an http-sink to a loopback server in its manifest, a notify event is
/// answered 204 and its notified event reaches the sink.
async fn check_send(language: &str, toolchain: Toolchain) {
    let parent = tempfile::tempdir().unwrap();
    let name = format!("new-{language}-sender");
    let dir = new_project(parent.path(), "app", language, &name);
    let toolchain = toolchain.with_env("WORLD", "sending-app");
    toolchain.build(&dir.join("build.sh"), &dir.join(format!("{name}.wasm")));
    let sink = Sink::start(202, "").await;
    std::fs::write(
        dir.join("spin.toml"),
        format!(
            "spin_manifest_version = 2\n[application]\nname = \"{name}\"\n\
             [[trigger.http]]\nroute = \"/events\"\ncomponent = \"{name}\"\n\
             executor = {{ type = \"binder\", binder = \"http-cloudevents\" }}\n\
             [component.{name}]\nsource = \"{name}.wasm\"\n\
             allowed_outbound_hosts = [\"http://127.0.0.1:{port}\"]\n\
             [component.{name}.dependencies]\n\
             \"bindery:cloudevents/sender\" = {{ binder = \"http-sink\", config = {{ url = {url:?} }} }}\n",
            port = sink.port,
            url = sink.url(),
        ),
    )
    .unwrap();
    let server = Server::start_with_cache(&dir, &["up"], &target_dir().join("toolchains/compiled"));
    let notify = [
        ("ce-specversion", "1.0"),
        ("ce-id", "n-1"),
        ("ce-source", "/test"),
        ("ce-type", "com.example.notify"),
        ("content-type", "application/json"),
    ];
    let answer = server.send("POST", &notify, r#"{"n":2}"#).await;
    assert_eq!(answer.status, 204, "{:?}", answer.body);
    let received = sink.received();
    assert_eq!(received.len(), 1);
    let header = |name: &str| received[0].headers.get(name).map(|v| v.to_str().unwrap());
    assert_eq!(header("ce-type"), Some("com.example.notified"));
    assert_eq!(header("ce-source"), Some(format!("/{name}").as_str()));
    assert!(header("ce-time").is_some() && header("ce-id").is_some());
    let data: serde_json::Value = serde_json::from_slice(&received[0].body).unwrap();
    assert_eq!(data, serde_json::json!({"n": 2}));
}

#[tokio::test]
async fn rust_binder_template() {
    check_binder_template("rust", Toolchain::rust(), &["0.2.6", "0.2.12"]).await;
}

#[tokio::test]
async fn python_binder_template() {
    check_binder_template("python", Toolchain::python(), &["0.2.9", "0.2.12"]).await;
}

#[tokio::test]
async fn js_binder_template() {
    check_binder_template("js", Toolchain::js(), &["0.2.6", "0.2.10", "0.2.12"]).await;
}

#[tokio::test]
async fn c_binder_template() {
    check_binder_template("c", Toolchain::c(), &["0.2.6", "0.2.12"]).await;
}

#[tokio::test]
async fn go_binder_template() {
    check_binder_template("go", Toolchain::go(), &["0.2.12"]).await;
}

#[tokio::test]
async fn rust_app_template() {
    let (dir, server) = check_app_template("rust", Toolchain::rust()).await;
    check_ping(&server, "rust").await;
    // Built on the SDK, from this checkout until it is on crates.io.
    let project = dir.path().join("new-rust-app");
    let manifest = std::fs::read_to_string(project.join("Cargo.toml")).unwrap();
    assert!(manifest.contains("bindery-sdk = \"0.1\""), "{manifest}");
    assert!(!project.join("wit").exists(), "the SDK carries the WIT");
    let config = std::fs::read_to_string(project.join(".cargo/config.toml")).unwrap();
    assert!(config.contains("sdk/rust"), "{config}");
}

#[tokio::test]
async fn python_app_template() {
    let (_dir, server) = check_app_template("python", Toolchain::python()).await;
    check_ping(&server, "python").await;
}

#[tokio::test]
async fn js_app_template() {
    let (_dir, server) = check_app_template("js", Toolchain::js()).await;
    check_ping(&server, "js").await;
}

#[tokio::test]
async fn rust_app_template_sends() {
    check_send("rust", Toolchain::rust()).await;
}

#[tokio::test]
async fn python_app_template_sends() {
    check_send("python", Toolchain::python()).await;
}

#[tokio::test]
async fn js_app_template_sends() {
    check_send("js", Toolchain::js()).await;
}

/// The stage templates in Rust, Python and JS, built with their real
/// toolchains and composed into one chain in front of the counting app:
/// each appends its name to the event's `stages` extension on the way in
/// (the app echoes it), and each drops `com.example.drop`.
#[tokio::test]
async fn stage_templates_in_rust_python_and_js_compose_into_one_chain() {
    let parent = tempfile::tempdir().unwrap();
    let mut stages = Vec::new();
    for (language, toolchain) in [
        ("rust", Toolchain::rust()),
        ("python", Toolchain::python()),
        ("js", Toolchain::js()),
    ] {
        let name = format!("new-{language}-stage");
        let dir = new_project(parent.path(), "stage", language, &name);
        let out = dir.join(format!("{name}.wasm"));
        toolchain.build(&dir.join("build.sh"), &out);
        stages.push(format!("{{ path = {:?} }}", out.display().to_string()));
    }
    std::fs::write(
        parent.path().join("spin.toml"),
        format!(
            "spin_manifest_version = 2\n[application]\nname = \"chain\"\n\
             [[trigger.http]]\nroute = \"/events\"\ncomponent = \"app\"\n\
             executor = {{ type = \"binder\", binder = \"http-cloudevents\", stages = [{}] }}\n\
             [component.app]\nsource = {:?}\n",
            stages.join(", "),
            bindery_tests::COUNTING_APP,
        ),
    )
    .unwrap();
    let server = Server::start_with_cache(
        parent.path(),
        &["up"],
        &target_dir().join("toolchains/compiled"),
    );
    let event = |ty: &'static str| {
        [
            ("ce-specversion", "1.0"),
            ("ce-id", "s-1"),
            ("ce-source", "/test"),
            ("ce-type", ty),
            ("content-type", "application/json"),
        ]
    };
    let answer = server.send("POST", &event("com.example.count"), "{}").await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(
        answer.header("ce-stages"),
        Some("new-rust-stage,new-python-stage,new-js-stage")
    );
    assert_eq!(answer.header("ce-invocation"), Some("1"));
    let dropped = server.send("POST", &event("com.example.drop"), "{}").await;
    assert_eq!((dropped.status, dropped.body.len()), (202, 0));
}

#[test]
fn new_refuses_bad_names_existing_directories_and_c_apps() {
    let parent = tempfile::tempdir().unwrap();
    for (args, message) in [
        (
            &["new", "app", "Bad_Name"][..],
            "`Bad_Name` is not a usable name",
        ),
        (
            &["new", "app", "x", "--lang", "c"][..],
            "there is no app template in c; app templates: rust, python, js",
        ),
    ] {
        let output = run(parent.path(), args);
        assert_eq!(output.status.code(), Some(1));
        assert!(
            String::from_utf8_lossy(&output.stderr).contains(message),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    std::fs::create_dir(parent.path().join("taken")).unwrap();
    let output = run(parent.path(), &["new", "binder", "taken"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("taken: already exists"));
    assert_eq!(
        std::fs::read_dir(parent.path()).unwrap().count(),
        1,
        "nothing else was written"
    );
}
