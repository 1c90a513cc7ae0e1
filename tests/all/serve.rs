//! `bindery compose`, `serve` and `up` as a user runs them: the `bindery`
//! binary on an ephemeral loopback port, and real HTTP requests.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use serde_json::json;

use bindery_manifest::AppManifest;

use crate::test_host::{Reply, exchange};
use crate::toolchain;
use bindery_test_support::broker::Broker;

/// The `bindery` binary of this build (`cargo test` builds it with the
/// composer package).
pub fn bindery() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(Path::parent).unwrap();
    let binary = dir.join("bindery");
    assert!(
        binary.exists(),
        "{} is missing: run the whole suite (`cargo test`), or `cargo build -p bindery` first",
        binary.display()
    );
    binary
}

/// A project folder with a copy of `examples/<name>/spin.toml` whose
/// component sources point at the guests this build compiled (`built`, by
/// component id), and without build commands, and a copy of its `schemas/`.
pub fn example(name: &str, built: &[(&str, &str)]) -> tempfile::TempDir {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let mut manifest = AppManifest::load(&examples.join(name).join("spin.toml"))
        .unwrap()
        .manifest;
    for (id, component) in &mut manifest.component {
        let (_, path) = built.iter().find(|(built, _)| id == built).unwrap();
        component.source = path.to_string();
        component.build = None;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("spin.toml"), manifest.to_toml()).unwrap();
    let schemas = examples.join(name).join("schemas");
    if let Ok(files) = std::fs::read_dir(&schemas) {
        std::fs::create_dir(dir.path().join("schemas")).unwrap();
        for file in files {
            let file = file.unwrap();
            std::fs::copy(
                file.path(),
                dir.path().join("schemas").join(file.file_name()),
            )
            .unwrap();
        }
    }
    dir
}

/// `bindery up` of `examples/orders` (its HTTP and its NATS trigger) with a
/// `nats-server` of its own; the folder and the broker live as long as the
/// server needs them.
pub fn up_orders() -> (Broker, tempfile::TempDir, Server) {
    let broker = Broker::start(&toolchain::nats_server());
    let dir = orders_example();
    let server = Server::start(dir.path(), &["up", "--nats-address", &broker.url()]);
    (broker, dir, server)
}

/// The orders example, both its components built from this build's app.
pub fn orders_example() -> tempfile::TempDir {
    example(
        "orders",
        &[
            ("orders", bindery_tests::ORDERS),
            ("orders-nats", bindery_tests::ORDERS),
        ],
    )
}

/// A project folder with the scripted test app, which traps or loops on
/// request, bound with the built-in http-cloudevents binder.
fn scripted() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let manifest = format!(
        "spin_manifest_version = 2\n\n[application]\nname = \"scripted\"\n\n[[trigger.http]]\nroute = \"/events\"\n\
         component = \"scripted\"\nexecutor = {{ type = \"binder\", binder = \"http-cloudevents\" }}\n\n\
         [component.scripted]\nsource = {:?}\n",
        bindery_tests::SCRIPTED_APP
    );
    std::fs::write(dir.path().join("spin.toml"), manifest).unwrap();
    dir
}

/// `bindery <args>` in `dir`, to its end.
pub fn run(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(bindery())
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

/// A running `bindery` server, stopped when dropped.
pub struct Server {
    child: Child,
    address: String,
    log: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Server {
    /// Runs `bindery <args>` in `dir` with a 2 s deadline, caching compiled
    /// components in `dir/compiled`, and waits for it to be ready: listening
    /// (its address is the HTTP one), or subscribed when it has no route.
    pub fn start(dir: &Path, args: &[&str]) -> Self {
        Self::start_with_cache(dir, args, Path::new("compiled"))
    }

    /// As [`Self::start`], with the compiled-code cache in `cache`.
    pub fn start_with_cache(dir: &Path, args: &[&str], cache: &Path) -> Self {
        Self::start_configured(dir, args, cache, |_| {})
    }

    /// As [`Self::start_with_cache`], with the command changed by
    /// `configure` first (its limits, say).
    pub fn start_configured(
        dir: &Path,
        args: &[&str],
        cache: &Path,
        configure: impl FnOnce(&mut Command),
    ) -> Self {
        let mut command = Command::new(bindery());
        command
            .args(args)
            .args(["--listen", "127.0.0.1:0", "--deadline", "2", "--cache-dir"])
            .arg(cache)
            .current_dir(dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        configure(&mut command);
        let mut child = command.spawn().unwrap();
        let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let stderr = BufReader::new(child.stderr.take().unwrap());
        let kept = log.clone();
        std::thread::spawn(move || {
            for line in stderr.lines().map_while(Result::ok) {
                let mut log = kept.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        let (found, address) = std::sync::mpsc::channel();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        // Keep reading to the end, so the server never writes to a closed pipe.
        std::thread::spawn(move || {
            for line in stdout.lines().map_while(Result::ok) {
                let ready = line
                    .strip_prefix("listening on http://")
                    .or(line.strip_prefix("subscribed on "));
                if let Some(address) = ready {
                    let _ = found.send(address.to_owned());
                }
            }
        });
        // Compiling a component that carries a language runtime takes a while
        // on a loaded machine; the cache makes later starts immediate.
        let address = address.recv_timeout(Duration::from_secs(600)).ok();
        let address = address.unwrap_or_else(|| {
            panic!(
                "bindery printed no address; its log:\n{}",
                log.lock().unwrap()
            )
        });
        Self {
            child,
            address,
            log,
        }
    }

    /// Where it listens, as `127.0.0.1:<port>`.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// The resident memory of the process, in bytes (Linux's `VmRSS`).
    pub fn resident_bytes(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = status
            .lines()
            .find(|line| line.starts_with("VmRSS:"))
            .unwrap();
        let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
        kib * 1024
    }

    /// What the server has written to stderr so far (its request log).
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Sends one request; a server that does not answer within 60 s fails
    /// the test instead of hanging it.
    pub async fn send(
        &self,
        method: &str,
        headers: &[(&str, &str)],
        body: impl Into<Bytes>,
    ) -> Reply {
        self.send_to("/events", method, headers, body).await
    }

    /// POSTs `event` to `path` as a structured-mode CloudEvent.
    pub async fn post_structured(&self, path: &str, event: &serde_json::Value) -> Reply {
        let headers = [("content-type", "application/cloudevents+json")];
        self.send_to(path, "POST", &headers, event.to_string())
            .await
    }

    /// Sends one request to `path`, as [`Self::send`] does.
    pub async fn send_to(
        &self,
        path: &str,
        method: &str,
        headers: &[(&str, &str)],
        body: impl Into<Bytes>,
    ) -> Reply {
        let mut request = hyper::Request::builder().method(method).uri(path);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let exchange = exchange(&self.address, request.body(body.into()).unwrap());
        tokio::time::timeout(Duration::from_secs(60), exchange)
            .await
            .unwrap_or_else(|_| panic!("{method} got no answer within 60 s"))
    }

    /// Sends SIGTERM and waits for the process to end, at most `limit`;
    /// `None` if it is still running then.
    pub fn terminate_within(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        let started = Instant::now();
        while started.elapsed() < limit {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }

    /// Kills the process at once (SIGKILL), as a crash would, and waits
    /// for it to end.
    pub fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
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

/// Posts `sent` as `content_type` and checks that the same JSON comes back.
async fn assert_json_echoed(server: &Server, content_type: &str, sent: serde_json::Value) {
    let reply = server
        .send("POST", &[("content-type", content_type)], sent.to_string())
        .await;
    assert_eq!((reply.status, reply.json()), (200, sent), "{content_type}");
}

/// The checks the served `examples/echo` must pass.
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
    assert_json_echoed(server, "application/cloudevents+json", structured).await;
    let batch = json!([1, 2, 3].map(|n| json!({"specversion": "1.0", "id": n.to_string(), "source": "/e2e", "type": "com.example.echo", "data": {"n": n}})));
    assert_json_echoed(server, "application/cloudevents-batch+json", batch).await;

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
            .send(
                "POST",
                &event("com.example.echo"),
                vec![b'x'; (1 << 20) + 1]
            )
            .await
            .status,
        413
    );
}

const ECHO: &[(&str, &str)] = &[("echo", bindery_tests::ECHO)];

#[tokio::test]
async fn compose_then_serve_the_output_manifest() {
    let dir = example("echo", ECHO);
    assert!(run(dir.path(), &["compose"]).status.success());
    let server = Server::start(dir.path(), &["serve", ".bindery/spin.toml"]);
    check_echo_app(&server).await;
    assert!(
        server.terminate().success(),
        "SIGTERM shuts the server down cleanly"
    );
}

/// The host runs transports, not binders: serving the input manifest is
/// refused at start with what to do instead.
#[test]
fn serving_the_input_manifest_says_to_compose_it_first() {
    let dir = example("echo", ECHO);
    let output = run(
        dir.path(),
        &["serve", "spin.toml", "--listen", "127.0.0.1:0"],
    );
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("spin.toml: the trigger for route `/events` has an executor the host does not run (`type = \"binder\"`): compose it first with `bindery compose`"),
        "{stderr}"
    );
}

#[tokio::test]
async fn up_composes_and_serves() {
    let dir = example("echo", ECHO);
    let server = Server::start(dir.path(), &["up"]);
    check_echo_app(&server).await;
    let cached = std::fs::read_dir(dir.path().join("compiled"))
        .unwrap()
        .count();
    assert_eq!(cached, 1, "the compiled component is cached");
    assert!(
        dir.path().join(".bindery/spin.toml").exists(),
        "the output sits beside the manifest"
    );
    let log = server.log();
    assert!(
        log.contains("/events") && log.contains("status=200"),
        "every request is logged: {log}"
    );
    assert!(
        !log.contains('\u{1b}'),
        "a log written to a pipe has no colour codes: {log:?}"
    );
}

#[tokio::test]
async fn orders_accepts_refuses_and_ignores() {
    let (_broker, _dir, server) = up_orders();
    let created = |id: &'static str| {
        vec![
            ("ce-specversion", "1.0"),
            ("ce-id", id),
            ("ce-source", "/shop"),
            ("ce-type", "com.example.order.created"),
            (
                "ce-traceparent",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            ),
            ("content-type", "application/json"),
        ]
    };
    let order = json!({"orderId": "A-17", "customer": "ada", "items": [
        {"sku": "book", "quantity": 2, "unitPriceCents": 1250},
        {"sku": "pen", "quantity": 1, "unitPriceCents": 199}]});
    let accepted = server
        .send_to("/orders", "POST", &created("o-1"), order.to_string())
        .await;
    assert_eq!(accepted.status, 200);
    assert_eq!(
        accepted.header("ce-type"),
        Some("com.example.order.accepted")
    );
    assert_eq!(accepted.header("ce-id"), Some("o-1/accepted"));
    assert_eq!(accepted.header("ce-subject"), Some("A-17"));
    assert_eq!(
        accepted.header("ce-traceparent"),
        Some("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
        "the trace continues"
    );
    assert_eq!(
        accepted.json(),
        json!({"orderId": "A-17", "customer": "ada", "itemCount": 3, "totalCents": 2699})
    );

    let no_items = json!({"orderId": "A-18", "customer": "ada", "items": []});
    let refused = server
        .send_to("/orders", "POST", &created("o-2"), no_items.to_string())
        .await;
    assert_eq!(refused.status, 400);
    assert_eq!(
        refused.json(),
        json!({"error": "rejected-by-handler", "detail": "order A-18 has no items"})
    );
    let zero = json!({"orderId": "A-19", "customer": "ada", "items": [{"sku": "pen", "quantity": 0, "unitPriceCents": 1}]});
    let refused = server
        .send_to("/orders", "POST", &created("o-3"), zero.to_string())
        .await;
    assert_eq!(refused.status, 400);
    assert!(
        refused.json()["detail"]
            .as_str()
            .unwrap()
            .contains("quantity 0")
    );

    // Only com.example.order.created events reach the app; another type is
    // acknowledged without an answer (202, where the app's own empty
    // answer is 204).
    let mut shipped = created("o-4");
    shipped[3].1 = "com.example.order.shipped";
    let ignored = server.send_to("/orders", "POST", &shipped, "{}").await;
    assert_eq!((ignored.status, &ignored.body[..]), (202, &b""[..]));

    // An order that does not fit schemas/order.json never reaches the app:
    // 400, naming the JSON pointer of every failure.
    let misfit = json!({"orderId": "A-20", "customer": 7, "items": [{"sku": "pen", "quantity": -1, "unitPriceCents": 1}], "coupon": "x"});
    let refused = server
        .send_to("/orders", "POST", &created("o-5"), misfit.to_string())
        .await;
    assert_eq!(refused.status, 400, "{:?}", refused.body);
    let detail = refused.json()["detail"].as_str().unwrap().to_owned();
    for pointer in ["/customer: ", "/items/0/quantity: ", "/: "] {
        assert!(detail.contains(pointer), "{pointer} in {detail}");
    }

    let handshake = server
        .send_to(
            "/orders",
            "OPTIONS",
            &[("webhook-request-origin", "shop.example.com")],
            "",
        )
        .await;
    assert_eq!(
        handshake.header("webhook-allowed-origin"),
        Some("shop.example.com"),
        "the allowed origin comes from the manifest's binder config"
    );
}

#[tokio::test]
async fn up_build_runs_the_build_commands_first() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = format!(
        "spin_manifest_version = 2\n[application]\nname = \"built\"\n[[trigger.http]]\nroute = \"/events\"\n\
         component = \"echo\"\nexecutor = {{ type = \"binder\", binder = \"http-cloudevents\" }}\n\
         [component.echo]\nsource = \"out/echo.wasm\"\n[component.echo.build]\n\
         command = 'mkdir -p out && cp \"{}\" out/echo.wasm'\n",
        bindery_tests::ECHO
    );
    std::fs::write(dir.path().join("spin.toml"), manifest).unwrap();

    let compose = run(dir.path(), &["compose"]);
    assert!(!compose.status.success());
    let stderr = String::from_utf8_lossy(&compose.stderr);
    assert!(
        stderr.contains("out/echo.wasm") && stderr.contains("bindery build"),
        "a missing source with a build command suggests building: {stderr}"
    );

    let server = Server::start(dir.path(), &["up", "--build"]);
    assert!(dir.path().join("out/echo.wasm").exists());
    let reply = server
        .send("POST", &event("com.example.echo"), "built")
        .await;
    assert_eq!((reply.status, &reply.body[..]), (200, &b"built"[..]));
}

#[test]
fn a_failing_build_names_the_component_and_command() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = "spin_manifest_version = 2\n[application]\nname = \"broken\"\n\
        [component.first]\nsource = \"first.wasm\"\n[component.first.build]\ncommand = \"touch first-ran\"\n\
        [component.second]\nsource = \"second.wasm\"\n[component.second.build]\nworkdir = \"sub\"\n\
        command = \"echo compiling second in $(basename $PWD); echo no such crate >&2; exit 7\"\n";
    std::fs::write(dir.path().join("spin.toml"), manifest).unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    let output = run(dir.path(), &["build"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        dir.path().join("first-ran").exists(),
        "steps run in the manifest's directory"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("built first"), "{stderr}");
    assert!(
        stderr.contains("no such crate") && stderr.contains("compiling second in sub"),
        "the command ran in its workdir, and its output is shown: {stderr}"
    );
    assert!(
        stderr.contains("error: component `second`: `echo compiling second in $(basename $PWD); echo no such crate >&2; exit 7` failed (exit status: 7)"),
        "{stderr}"
    );
}

#[tokio::test]
async fn a_trapping_or_looping_guest_fails_only_its_own_request() {
    let dir = scripted();
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

#[test]
fn long_steps_show_progress_on_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = "spin_manifest_version = 2\n[application]\nname = \"slow\"\n\
        [component.slow]\nsource = \"slow.wasm\"\n[component.slow.build]\n\
        command = \"echo compiling; sleep 0.5; echo linking\"\n";
    std::fs::write(dir.path().join("spin.toml"), manifest).unwrap();
    // `script` (util-linux) gives the command a pseudo-terminal.
    let command = format!("{} build", bindery().display());
    let output = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(dir.path())
        .output()
        .unwrap_or_else(|err| panic!("`script` (util-linux) is needed for this test: {err}"));
    assert!(output.status.success());
    let shown = String::from_utf8_lossy(&output.stdout);
    assert!(
        shown.contains("building slow") && shown.contains("\u{1b}[2K"),
        "a spinner line, redrawn in place: {shown:?}"
    );
    assert!(
        shown.contains("compiling") && shown.contains("linking"),
        "the step's latest output line is shown: {shown:?}"
    );
    assert!(shown.contains("built slow in"), "{shown:?}");

    let piped = run(dir.path(), &["build"]);
    let piped = String::from_utf8_lossy(&piped.stderr);
    assert!(
        !piped.contains('\u{1b}') && piped.contains("building slow: echo compiling"),
        "no spinner when not on a terminal: {piped:?}"
    );
}
