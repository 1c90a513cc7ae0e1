//! `bindery compose`, `serve` and `up` as a user runs them: the `bindery`
//! binary on an ephemeral loopback port, and real HTTP requests.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use serde_json::json;

use crate::host::{Reply, exchange};

/// The `bindery` binary of this build (`cargo test` builds it with the
/// composer package).
fn bindery() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(Path::parent).unwrap();
    let binary = dir.join("bindery");
    assert!(
        binary.exists(),
        "{} is missing: run the whole suite (`cargo test`), or `cargo build -p bindery-composer` first",
        binary.display()
    );
    binary
}

/// A project folder with the scripted app and a manifest that binds it with
/// the built-in http-cloudevents binder.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(bindery_tests::SCRIPTED_APP, dir.path().join("app.wasm")).unwrap();
    let manifest = r#"spin_manifest_version = 2

[application]
name = "echo"

[[trigger.http]]
route = "/events"
component = "echo"
executor = { type = "binder", binder = "http-cloudevents", config = { allowed-origins = ["events.example.com"], max-body = 4096 } }

[component.echo]
source = "app.wasm"
"#;
    std::fs::write(dir.path().join("spin.toml"), manifest).unwrap();
    dir
}

/// A running `bindery` server, stopped when dropped.
struct Server {
    child: Child,
    address: String,
}

impl Server {
    fn start(dir: &Path, args: &[&str]) -> Self {
        let mut child = Command::new(bindery())
            .args(args)
            .args([
                "--listen",
                "127.0.0.1:0",
                "--deadline",
                "2",
                "--cache-dir",
                "compiled",
            ])
            .current_dir(dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let (found, address) = std::sync::mpsc::channel();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        // Keep reading to the end, so the server never writes to a closed pipe.
        std::thread::spawn(move || {
            for line in stdout.lines().map_while(Result::ok) {
                if let Some(address) = line.strip_prefix("listening on http://") {
                    let _ = found.send(address.to_owned());
                }
            }
        });
        let address = address.recv_timeout(Duration::from_secs(120)).ok();
        let address = address.expect("bindery printed its address");
        Self { child, address }
    }

    /// Sends one request; a server that does not answer within 60 s fails
    /// the test instead of hanging it.
    async fn send(&self, method: &str, headers: &[(&str, &str)], body: impl Into<Bytes>) -> Reply {
        let mut request = hyper::Request::builder().method(method).uri("/events");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let exchange = exchange(&self.address, request.body(body.into()).unwrap());
        tokio::time::timeout(Duration::from_secs(60), exchange)
            .await
            .unwrap_or_else(|_| panic!("{method} got no answer within 60 s"))
    }

    fn terminate(mut self) -> std::process::ExitStatus {
        Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        self.child.wait().unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const EVENT: &[(&str, &str)] = &[
    ("ce-specversion", "1.0"),
    ("ce-id", "e2e-1"),
    ("ce-source", "/e2e"),
    ("content-type", "text/plain; charset=utf-8"),
];

fn event(ty: &'static str) -> Vec<(&'static str, &'static str)> {
    let mut headers = EVENT.to_vec();
    headers.push(("ce-type", ty));
    headers
}

/// The checks every served echo app must pass.
async fn check_echo_app(server: &Server) {
    let mut binary = event("com.example.echo");
    binary.extend([
        ("ce-traceparent", "00-abc-01"),
        ("ce-note", "caf%C3%A9%20%E2%82%AC"),
    ]);
    let reply = server.send("POST", &binary, "Grüße, 世界").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("ce-note"), Some("caf%C3%A9%20%E2%82%AC"));
    assert_eq!(reply.header("ce-traceparent"), Some("00-abc-01"));
    assert_eq!(&reply.body[..], "Grüße, 世界".as_bytes());

    let structured = json!({"specversion": "1.0", "id": "s", "source": "/e2e", "type": "com.example.echo",
        "datacontenttype": "image/png", "data_base64": "iVBORw0KGgo="});
    let reply = server
        .send(
            "POST",
            &[("content-type", "application/cloudevents+json")],
            structured.to_string(),
        )
        .await;
    assert_eq!((reply.status, reply.json()), (200, structured));

    let batch = json!([1, 2, 3].map(|n| json!({"specversion": "1.0", "id": n.to_string(), "source": "/e2e", "type": "com.example.echo", "data": {"n": n}})));
    let reply = server
        .send(
            "POST",
            &[("content-type", "application/cloudevents-batch+json")],
            batch.to_string(),
        )
        .await;
    assert_eq!((reply.status, reply.json()), (200, batch));

    let allowed = server
        .send(
            "OPTIONS",
            &[("webhook-request-origin", "events.example.com")],
            "",
        )
        .await;
    assert_eq!(
        (allowed.status, allowed.header("webhook-allowed-origin")),
        (200, Some("events.example.com"))
    );
    let refused = server
        .send(
            "OPTIONS",
            &[("webhook-request-origin", "evil.example.com")],
            "",
        )
        .await;
    assert_eq!(
        (refused.status, refused.header("webhook-allowed-origin")),
        (400, None)
    );

    let missing_id: Vec<_> = event("com.example.echo")
        .into_iter()
        .filter(|(k, _)| *k != "ce-id")
        .collect();
    assert_eq!(server.send("POST", &missing_id, "").await.status, 400);
    assert_eq!(
        server
            .send(
                "POST",
                &[("content-type", "application/cloudevents+xml")],
                "<e/>"
            )
            .await
            .status,
        415
    );
    let get = server.send("GET", &[], "").await;
    assert_eq!(
        (get.status, get.header("allow")),
        (405, Some("POST, OPTIONS"))
    );
    assert_eq!(
        server
            .send("POST", &event("com.example.echo"), vec![b'x'; 5000])
            .await
            .status,
        413
    );
}

#[tokio::test]
async fn compose_then_serve_the_output_manifest() {
    let dir = project();
    let composed = Command::new(bindery())
        .arg("compose")
        .current_dir(dir.path())
        .status()
        .unwrap();
    assert!(composed.success());
    let server = Server::start(dir.path(), &["serve", ".bindery/spin.toml"]);
    check_echo_app(&server).await;
    assert!(
        server.terminate().success(),
        "SIGTERM shuts the server down cleanly"
    );
}

#[tokio::test]
async fn up_composes_and_serves() {
    let dir = project();
    let server = Server::start(dir.path(), &["up"]);
    check_echo_app(&server).await;
    let cached = std::fs::read_dir(dir.path().join("compiled"))
        .unwrap()
        .count();
    assert_eq!(cached, 1, "the compiled component is cached");
}

#[tokio::test]
async fn a_trapping_or_looping_guest_fails_only_its_own_request() {
    let dir = project();
    let server = Server::start(dir.path(), &["up"]);
    let trap = server.send("POST", &event("test.trap"), "").await;
    assert_eq!(trap.status, 500);
    assert_eq!(
        server
            .send("POST", &event("com.example.echo"), "after")
            .await
            .status,
        200
    );
    let started = Instant::now();
    let looping = server.send("POST", &event("test.loop"), "").await;
    assert_eq!(looping.status, 504);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "the deadline is 2 s"
    );
    assert_eq!(
        server
            .send("POST", &event("com.example.echo"), "after")
            .await
            .status,
        200
    );
}
