//! `bindery compose` over real components: the built-in http-cloudevents
//! binder with a real Rust app, binders downloaded from a loopback server,
//! and the composed output run in wasmtime.

use std::io::{Read as _, Write as _};
use std::net::TcpListener;
use std::path::{Path, PathBuf};

use bindery_composer::{
    ComponentKind, ComposeError, ComposeOptions, Provenance, ResolveError, StepError, compose,
};
use bindery_manifest::Sha256Digest;

use crate::test_host::TestHost;

/// A folder with the scripted app and a manifest whose one trigger uses
/// `executor`.
fn project(executor: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(bindery_tests::SCRIPTED_APP, dir.path().join("app.wasm")).unwrap();
    let manifest = format!(
        "spin_manifest_version = 2\n\n[application]\nname = \"echo\"\n\n[[trigger.http]]\nroute = \"/events\"\n\
         component = \"echo\"\nexecutor = {executor}\n\n[component.echo]\nsource = \"app.wasm\"\n"
    );
    std::fs::write(dir.path().join("spin.toml"), manifest).unwrap();
    dir
}

fn options(dir: &Path) -> ComposeOptions {
    ComposeOptions {
        cache_dir: dir.join("cache"),
        world: Default::default(),
        wasmcloud: Default::default(),
    }
}

/// Every name `component` imports at its top level, types-only interfaces
/// included (a component's world leaves those out).
fn top_level_imports(component: &[u8]) -> Vec<String> {
    let mut names = Vec::new();
    let mut depth = 0;
    for payload in wasmparser::Parser::new(0).parse_all(component) {
        match payload.unwrap() {
            wasmparser::Payload::ModuleSection { .. }
            | wasmparser::Payload::ComponentSection { .. } => depth += 1,
            wasmparser::Payload::End(_) => depth -= 1,
            wasmparser::Payload::ComponentImportSection(imports) if depth == 0 => {
                names.extend(
                    imports
                        .into_iter()
                        .map(|import| import.unwrap().name.name.to_owned()),
                );
            }
            _ => {}
        }
    }
    names
}

const BUILTIN: &str = r#"{ type = "binder", binder = "http-cloudevents", config = { allowed-origins = ["events.example.com"] } }"#;

#[test]
fn builtin_binder_with_a_real_app_composes_deterministically() {
    let dir = project(BUILTIN);
    let manifest = dir.path().join("spin.toml");
    let first = compose(&manifest, &options(dir.path())).unwrap();
    let second = compose(&manifest, &options(dir.path())).unwrap();
    let component = &first.components["echo"];
    assert_eq!(
        component.bytes, second.components["echo"].bytes,
        "composing twice is byte-identical"
    );
    wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
        .validate_all(&component.bytes)
        .unwrap();
    assert_eq!(component.world.kind(true), ComponentKind::ComposedApp);
    assert!(
        component
            .world
            .exports
            .iter()
            .any(|e| e.starts_with("wasi:http/incoming-handler@0.2."))
    );
    let imports = top_level_imports(&component.bytes);
    assert!(
        imports.iter().all(|import| import.starts_with("wasi:")),
        "the app's types link the binder's inside: only WASI is left to the host, not {imports:?}"
    );
    let provenance = Provenance::read(&component.bytes).unwrap();
    assert_eq!(provenance.binder.name, "http-cloudevents");
    assert_eq!(
        provenance.binder.version.as_deref(),
        Some(env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(
        provenance.binder.sha256,
        Sha256Digest::of(&std::fs::read(bindery_tests::BINDERY_HTTP_CLOUDEVENTS).unwrap())
    );
    assert_eq!(
        provenance.app.sha256,
        Sha256Digest::of(&std::fs::read(bindery_tests::SCRIPTED_APP).unwrap())
    );
    let out = dir.path().join(".bindery");
    first.write(&out).unwrap();
    assert_eq!(
        std::fs::read(out.join("echo.wasm")).unwrap(),
        component.bytes
    );
    let plain = std::fs::read_to_string(out.join("spin.toml")).unwrap();
    assert!(!plain.contains("binder"), "{plain}");
    assert!(plain.contains("source = \"echo.wasm\""), "{plain}");
    assert!(
        plain.contains("BINDERY_CONFIG_ALLOWED_ORIGINS = \"events.example.com\""),
        "{plain}"
    );
}

#[tokio::test]
async fn the_manifest_config_reaches_the_binder() {
    let dir = project(BUILTIN);
    let app = compose(&dir.path().join("spin.toml"), &options(dir.path())).unwrap();
    let env: Vec<(&str, &str)> = app.manifest.component["echo"]
        .environment
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let host = TestHost::new(&app.components["echo"].bytes, &env).unwrap();
    let request = hyper::Request::builder()
        .method("OPTIONS")
        .uri("http://localhost/events")
        .header("WebHook-Request-Origin", "events.example.com")
        .body(bytes::Bytes::new())
        .unwrap();
    let reply = host.send(request).await.unwrap();
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.header("webhook-allowed-origin"),
        Some("events.example.com")
    );
}

/// Serves `body` to every request on a loopback port, for `requests`
/// requests; returns the URL.
fn serve_file(body: Vec<u8>, requests: usize) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "http://{}/binders/http-cloudevents.wasm",
        listener.local_addr().unwrap()
    );
    std::thread::spawn(move || {
        for stream in listener.incoming().take(requests) {
            let mut stream = stream.unwrap();
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            stream.write_all(head.as_bytes()).unwrap();
            stream.write_all(&body).unwrap();
        }
    });
    url
}

#[test]
fn url_binders_are_checked_against_their_digest_and_cached() {
    let binder = std::fs::read(bindery_tests::BINDERY_HTTP_CLOUDEVENTS).unwrap();
    let digest = Sha256Digest::of(&binder);
    let url = serve_file(binder, 1);
    let dir = project(&format!(
        r#"{{ type = "binder", url = "{url}", digest = "{digest}" }}"#
    ));
    let manifest = dir.path().join("spin.toml");
    let downloaded = compose(&manifest, &options(dir.path())).unwrap();
    let cached =
        compose(&manifest, &options(dir.path())).expect("the second compose uses the cache");
    assert_eq!(
        downloaded.components["echo"].bytes,
        cached.components["echo"].bytes
    );
    let provenance = downloaded.components["echo"].provenance.as_ref().unwrap();
    assert_eq!(provenance.binder.sha256, digest);
}

#[test]
fn a_url_binder_with_the_wrong_digest_is_refused() {
    let url = serve_file(
        std::fs::read(bindery_tests::BINDERY_HTTP_CLOUDEVENTS).unwrap(),
        1,
    );
    let wrong = format!("sha256:{}", "0".repeat(64));
    let dir = project(&format!(
        r#"{{ type = "binder", url = "{url}", digest = "{wrong}" }}"#
    ));
    let error = compose(&dir.path().join("spin.toml"), &options(dir.path())).unwrap_err();
    assert!(
        matches!(
            &error,
            ComposeError::Step { source, .. }
                if matches!(**source, StepError::Resolve(ResolveError::Digest { .. }))
        ),
        "{error}"
    );
    let message = format!("{:#}", anyhow::Error::from(error));
    assert!(
        message.contains(&url) && message.contains(&wrong),
        "{message}"
    );
    assert!(
        !PathBuf::from(dir.path())
            .join("cache/binders")
            .read_dir()
            .is_ok_and(|mut d| d.next().is_some())
    );
}

#[test]
fn one_app_composes_behind_the_http_and_the_nats_binder() {
    const AUDIT: &str = r#""bindery:cloudevents/sender" = { binder = "nats-sink", config = { subject = "orders.audited" } }"#;
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(bindery_tests::ORDERS, dir.path().join("orders.wasm")).unwrap();
    let manifest = dir.path().join("spin.toml");
    std::fs::write(
        &manifest,
        format!("spin_manifest_version = 2\n[application]\nname = \"orders\"\n\
         [application.trigger.nats]\naddress = \"nats://127.0.0.1:4222\"\n\
         [[trigger.http]]\nroute = \"/orders\"\ncomponent = \"orders-http\"\n\
         executor = {{ type = \"binder\", binder = \"http-cloudevents\" }}\n\
         [[trigger.nats]]\nsubject = \"orders.created\"\nqueue-group = \"orders\"\ncomponent = \"orders-nats\"\n\
         executor = {{ type = \"binder\", binder = \"nats-cloudevents\", config = {{ reply-subject = \"orders.accepted\" }} }}\n\
         [component.orders-http]\nsource = \"orders.wasm\"\nallowed_outbound_hosts = [\"nats://orders.audited\"]\n\
         [component.orders-http.dependencies]\n{AUDIT}\n\
         [component.orders-nats]\nsource = \"orders.wasm\"\nallowed_outbound_hosts = [\"nats://orders.audited\"]\n\
         [component.orders-nats.dependencies]\n{AUDIT}\n"),
    )
    .unwrap();
    let composed = compose(&manifest, &options(dir.path())).unwrap();
    let http = &composed.components["orders-http"];
    let nats = &composed.components["orders-nats"];
    let provenance =
        |component: &bindery_composer::OutputComponent| Provenance::read(&component.bytes).unwrap();
    assert_eq!(provenance(http).binder.name, "http-cloudevents");
    assert_eq!(provenance(nats).binder.name, "nats-cloudevents");
    assert_eq!(
        provenance(http).app.sha256,
        provenance(nats).app.sha256,
        "the same app bytes behind both binders"
    );
    assert_eq!(nats.world.kind(true), ComponentKind::ComposedApp);
    assert_eq!(nats.world.exports, ["wasmcloud:messaging/handler@0.2.0"]);
    let imports = top_level_imports(&nats.bytes);
    assert!(
        imports
            .iter()
            .all(|import| import.starts_with("wasi:") || import.starts_with("wasmcloud:messaging/")),
        "only WASI and wasmcloud:messaging are left to the host, not {imports:?}"
    );
    assert!(
        imports
            .iter()
            .any(|import| import == "wasmcloud:messaging/consumer@0.2.0")
    );
    let written = composed.manifest.to_toml();
    assert!(
        written.contains("[[trigger.nats]]") && !written.contains("type = \"binder\""),
        "{written}"
    );
}

#[test]
fn a_dependency_given_by_url_is_checked_against_its_digest_and_linked() {
    let sink = std::fs::read(bindery_tests::BINDERY_HTTP_SINK).unwrap();
    let digest = Sha256Digest::of(&sink);
    let url = serve_file(sink, 1);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("spin.toml"),
        format!(
            "spin_manifest_version = 2\n[application]\nname = \"sending\"\n\
             [[trigger.http]]\nroute = \"/events\"\ncomponent = \"app\"\n\
             executor = {{ type = \"binder\", binder = \"http-cloudevents\" }}\n\
             [component.app]\nsource = {:?}\nallowed_outbound_hosts = [\"http://127.0.0.1:9\"]\n\
             [component.app.dependencies]\n\
             \"bindery:cloudevents/sender\" = {{ url = \"{url}\", digest = \"{digest}\", config = {{ url = \"http://127.0.0.1:9/audit\" }} }}\n",
            bindery_tests::SENDING_APP
        ),
    )
    .unwrap();
    let composed = compose(&dir.path().join("spin.toml"), &options(dir.path())).unwrap();
    let app = &composed.components["app"];
    let provenance = app.provenance.as_ref().unwrap();
    assert_eq!(provenance.dependencies.len(), 1);
    assert_eq!(provenance.dependencies[0].sha256, digest);
    assert!(
        app.world
            .imports
            .iter()
            .any(|import| import.starts_with("wasi:http/outgoing-handler@")),
        "{:?}",
        app.world.imports
    );
    assert_eq!(
        composed.manifest.component["app"].environment["BINDERY_SENDER_URL"],
        "http://127.0.0.1:9/audit"
    );
    assert!(composed.manifest.component["app"].dependencies.is_empty());
}
