//! `bindery serve`: the thin host on a manifest or one component.

use std::io::{IsTerminal as _, Write as _};
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, Result};
use bindery_composer::ComposedApp;
use bindery_manifest::SubjectPattern;
use bindery_runtime::{BrokerAuth, Host, HostConfig, InstanceReuse};
use clap::Args;

use crate::cache::cache_dir;
use crate::progress::Step;

/// Serve a plain manifest (as `compose` writes it) or one component: HTTP
/// triggers on `--listen`, NATS triggers from the broker. Each message and
/// each request to a WASI 0.2 component gets a fresh instance; a WASI 0.3
/// component's instances are reused (see the instance-reuse options).
#[derive(Args)]
pub struct ServeCommand {
    /// A plain Spin v2 manifest, or a component `.wasm` file, which then
    /// serves every path.
    #[arg(default_value = ".bindery/spin.toml")]
    pub target: PathBuf,
    #[command(flatten)]
    pub host: HostArgs,
}

/// The thin host's settings: shared by `serve` and `up`.
#[derive(Args)]
pub struct HostArgs {
    /// The address to listen on for HTTP triggers; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:3000")]
    pub listen: SocketAddr,
    /// The NATS broker for NATS triggers [default: the manifest's
    /// `[application.trigger.nats] address`, else nats://127.0.0.1:4222].
    #[arg(long, env = "BINDERY_NATS_ADDRESS", value_name = "URL")]
    pub nats_address: Option<String>,
    /// The user name for the NATS broker (with --nats-password); a
    /// `nats://user:password@host` address gives both too.
    #[arg(long, env = "BINDERY_NATS_USER", value_name = "USER")]
    pub nats_user: Option<String>,
    /// The password for --nats-user (best given in the environment, where
    /// `ps` does not show it).
    #[arg(
        long,
        env = "BINDERY_NATS_PASSWORD",
        hide_env_values = true,
        value_name = "PASSWORD"
    )]
    pub nats_password: Option<String>,
    /// A token for the NATS broker (best given in the environment).
    #[arg(
        long,
        env = "BINDERY_NATS_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub nats_token: Option<String>,
    /// A file holding an NKey seed (`SU...`) for the NATS broker.
    #[arg(long, env = "BINDERY_NATS_NKEY", value_name = "FILE")]
    pub nats_nkey: Option<PathBuf>,
    /// A NATS credentials file (a user JWT and its seed, as `nsc` writes).
    #[arg(long, env = "BINDERY_NATS_CREDS", value_name = "FILE")]
    pub nats_creds: Option<PathBuf>,
    /// The CA certificate (PEM) the NATS broker's certificate is checked
    /// against; TLS is then required (as with a `tls://` address).
    #[arg(long, env = "BINDERY_NATS_TLS_CA", value_name = "FILE")]
    pub nats_tls_ca: Option<PathBuf>,
    /// A client certificate (PEM) for brokers that verify clients, with
    /// --nats-tls-key.
    #[arg(
        long,
        env = "BINDERY_NATS_TLS_CERT",
        value_name = "FILE",
        requires = "nats_tls_key"
    )]
    pub nats_tls_cert: Option<PathBuf>,
    /// The key (PEM) of --nats-tls-cert.
    #[arg(
        long,
        env = "BINDERY_NATS_TLS_KEY",
        value_name = "FILE",
        requires = "nats_tls_cert"
    )]
    pub nats_tls_key: Option<PathBuf>,
    /// The most bytes of NATS messages the host holds while they wait for
    /// an instance or are delivered; beyond, a message is dropped and
    /// counted in the log, as the broker drops for a slow consumer.
    #[arg(long, default_value_t = 64 << 20, value_name = "BYTES")]
    pub nats_buffer_bytes: usize,
    /// The subjects a component may reply to without an
    /// `allowed_outbound_hosts` entry, as NATS subject patterns (repeat, or
    /// separate with commas), for example `_INBOX.>`. A component may
    /// publish once to the reply subject of the message it handles, never
    /// through a request and never to a `$` system subject [default: any
    /// other subject].
    #[arg(long, value_name = "PATTERN", value_delimiter = ',', value_parser = reply_subject)]
    pub reply_subjects: Vec<SubjectPattern>,
    /// How long one request may run before it is stopped and answered with
    /// 504, in seconds.
    #[arg(long, default_value_t = 30.0, value_name = "SECONDS")]
    pub deadline: f64,
    /// The most memory one instance may use, across all its linear
    /// memories (a composed component has one per part), in MiB.
    #[arg(long, default_value_t = 128, value_name = "MIB")]
    pub memory_limit: usize,
    /// The most memory all instances together may use, in MiB. Each
    /// instance reserves its whole --memory-limit, so this admits
    /// max-memory-total / memory-limit instances at once; beyond, new
    /// requests wait --slot-wait, then get 503, and new messages wait.
    #[arg(long, default_value_t = 8192, value_name = "MIB")]
    pub max_memory_total: usize,
    /// The largest request body the host accepts, in bytes (413 beyond).
    #[arg(long, default_value_t = 16 << 20, value_name = "BYTES")]
    pub max_body: usize,
    /// The largest request head (request line and headers) the host
    /// accepts, in bytes (431 beyond; at least 8192).
    #[arg(long, default_value_t = 64 << 10, value_name = "BYTES")]
    pub max_header_bytes: usize,
    /// How long a client may take to send a request head, and then its
    /// body, in seconds (the connection is closed, or 408, beyond).
    #[arg(long, default_value_t = 30.0, value_name = "SECONDS")]
    pub read_timeout: f64,
    /// How many instances may run at once; a request beyond is answered
    /// with 503 and `Retry-After`.
    #[arg(long, default_value_t = 256, value_name = "COUNT")]
    pub max_instances: u32,
    /// How long a request waits for an instance slot when every one is
    /// taken, before it is answered with 503, in seconds.
    #[arg(long, default_value_t = 0.1, value_name = "SECONDS")]
    pub slot_wait: f64,
    /// How long the host, told to stop (SIGTERM, Ctrl-C), waits for the
    /// requests and messages in flight before it stops them, in seconds.
    #[arg(long, default_value_t = 10.0, value_name = "SECONDS")]
    pub shutdown_grace: f64,
    /// How many HTTP connections may be open at once; beyond, new ones
    /// wait in the kernel's backlog until one closes. An idle keep-alive
    /// connection is closed after --read-timeout.
    #[arg(long, default_value_t = 1024, value_name = "COUNT")]
    pub max_connections: usize,
    /// Where compiled components are cached [default: <cache>/compiled, with
    /// <cache> as for url binders].
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Compile every component at start, without the on-disk cache.
    #[arg(long)]
    pub no_cache: bool,
    /// How many requests one instance of a WASI 0.3 component serves
    /// before it is retired [default: the manifest's
    /// `[application.trigger.http] instance-reuse` `max-requests`, or 128].
    #[arg(long, value_name = "COUNT")]
    pub max_instance_reuse: Option<NonZeroU32>,
    /// How many requests one instance of a WASI 0.3 component serves at
    /// once [default: the manifest's `max-concurrent`, or 16].
    #[arg(long, value_name = "COUNT")]
    pub max_instance_concurrency: Option<NonZeroU32>,
    /// How many requests one instance of a WASI 0.2 component serves, one
    /// after another, before it is retired. 1 gives every request a fresh
    /// instance; more trades the isolation of requests from one another (they
    /// share the instance's memory) for speed [default: the manifest's
    /// `wasip2-max-requests`, or 1].
    #[arg(long, value_name = "COUNT")]
    pub wasip2_instance_reuse: Option<NonZeroU32>,
    /// How long an idle reused instance is kept for the next request, in
    /// seconds [default: the manifest's `idle-timeout-ms`, or 1 s].
    #[arg(long, value_name = "SECONDS")]
    pub idle_instance_timeout: Option<f64>,
}

impl ServeCommand {
    /// Runs the command.
    pub fn exec(self) -> Result<()> {
        serve(&self.target, &self.host, None)
    }
}

impl HostArgs {
    fn config(&self) -> HostConfig {
        HostConfig {
            deadline: Duration::from_secs_f64(self.deadline.max(0.01)),
            memory_limit: self.memory_limit << 20,
            max_memory_total: self.max_memory_total.max(1) << 20,
            nats_buffer_bytes: self.nats_buffer_bytes.max(1),
            max_body: self.max_body,
            max_header_bytes: self.max_header_bytes,
            read_timeout: Duration::from_secs_f64(self.read_timeout.max(0.01)),
            max_instances: self.max_instances.max(1),
            max_connections: self.max_connections.max(1),
            slot_wait: Duration::from_secs_f64(self.slot_wait.max(0.0)),
            shutdown_grace: Duration::from_secs_f64(self.shutdown_grace.max(0.0)),
            cache_dir: (!self.no_cache).then(|| {
                self.cache_dir
                    .clone()
                    .unwrap_or_else(|| cache_dir().join("compiled"))
            }),
            nats_address: self.nats_address.clone(),
            broker_auth: BrokerAuth {
                user: self.nats_user.clone(),
                password: self.nats_password.clone(),
                token: self.nats_token.clone(),
                nkey_file: self.nats_nkey.clone(),
                creds_file: self.nats_creds.clone(),
                tls_ca: self.nats_tls_ca.clone(),
                tls_client: self.nats_tls_cert.clone().zip(self.nats_tls_key.clone()),
            },
            reply_subjects: (!self.reply_subjects.is_empty()).then(|| self.reply_subjects.clone()),
            reuse: InstanceReuse {
                max_requests: self.max_instance_reuse,
                max_concurrent: self.max_instance_concurrency,
                wasip2_max_requests: self.wasip2_instance_reuse,
                idle_timeout_ms: self
                    .idle_instance_timeout
                    .map(|seconds| (seconds.max(0.0) * 1000.0) as u64),
            },
            perf_map: false,
        }
    }
}

/// Serves `target` until SIGINT or SIGTERM. `composed` (from `up`) lets the
/// ready message show a request that fits each route.
pub fn serve(target: &Path, args: &HostArgs, composed: Option<&ComposedApp>) -> Result<()> {
    init_logging();
    let progress = Step::start(format!(
        "loading {} (compiling components not yet cached)",
        target.display()
    ));
    let host = match Host::load(target, args.config()) {
        Ok(host) => host,
        Err(error) => {
            progress.fail();
            return Err(error.into());
        }
    };
    progress.finish(&format!("loaded {}", target.display()));
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(async {
        let mut host = host;
        if let Some(address) = host.nats_address().map(str::to_owned) {
            let progress = Step::start(format!("connecting to the NATS broker at {address}"));
            if let Err(error) = host.connect().await {
                progress.fail();
                return Err(error.into());
            }
            progress.finish(&format!("connected to {address}"));
        }
        let listener = if host.routes().next().is_some() {
            let listener = tokio::net::TcpListener::bind(args.listen)
                .await
                .with_context(|| format!("cannot listen on {}", args.listen))?;
            Some(listener)
        } else {
            None
        };
        print_ready(&host, listener.as_ref(), composed)?;
        host.serve(listener, shutdown_signal()).await?;
        anyhow::Ok(())
    })
}

/// Prints each route and subscription with its component, and a request to
/// try where the binder is known; the `listening on` and `subscribed on`
/// lines come last, once the host is ready, so that a script can wait for
/// either. A closed stdout must not stop the server, so write errors are
/// ignored.
fn print_ready(
    host: &Host,
    listener: Option<&tokio::net::TcpListener>,
    composed: Option<&ComposedApp>,
) -> Result<()> {
    let binder = |id: &str| {
        composed
            .and_then(|app| app.components.get(id)?.provenance.as_ref())
            .map(|provenance| provenance.binder.name.clone())
    };
    let mut out = std::io::stdout().lock();
    let address = listener.map(|listener| listener.local_addr()).transpose()?;
    if let Some(address) = address {
        for (route, id) in host.routes() {
            let _ = writeln!(out, "  http://{address}{route} -> {id}");
            if binder(id).as_deref() == Some("http-cloudevents") {
                let path = route.to_string().replace("/...", "/");
                let _ = writeln!(
                    out,
                    "  try: curl -i http://{address}{path} -H 'ce-specversion: 1.0' -H 'ce-id: 1' \\\n         \
                     -H 'ce-source: /demo' -H 'ce-type: com.example.demo' -H 'content-type: application/json' -d '{{\"hello\":\"world\"}}'"
                );
            }
        }
    }
    if let Some(broker) = host.nats_address() {
        for subscription in host.subscriptions() {
            let (subject, id) = (subscription.subject, subscription.component);
            let via = match (subscription.jetstream, subscription.queue_group) {
                (Some((stream, consumer)), _) => {
                    format!(" (JetStream stream {stream}, consumer {consumer})")
                }
                (None, Some(group)) => format!(" (queue group {group})"),
                (None, None) => String::new(),
            };
            let _ = writeln!(out, "  {broker} {subject}{via} -> {id}");
            if binder(id).as_deref() == Some("nats-cloudevents") {
                let verb = if subscription.jetstream.is_some() {
                    "pub"
                } else {
                    "request"
                };
                let _ = writeln!(
                    out,
                    "  try: nats --server {broker} {verb} {subject} \\\n         \
                     '{{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/demo\",\"type\":\"com.example.demo\",\"data\":{{\"hello\":\"world\"}}}}'"
                );
            }
        }
    }
    if let Some(address) = address {
        let _ = writeln!(out, "listening on http://{address}");
    }
    if let Some(broker) = host.nats_address() {
        let _ = writeln!(out, "subscribed on {broker}");
    }
    let _ = out.flush();
    Ok(())
}

/// The request log on stderr, filtered by `BINDERY_LOG` (default `info`),
/// in colour only on a terminal and when `NO_COLOR` is not set.
fn init_logging() {
    let colour = std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty());
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("BINDERY_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_ansi(colour)
        .with_writer(std::io::stderr)
        .init();
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {}
        () = terminate => {}
    }
}

/// A `--reply-subjects` pattern.
fn reply_subject(pattern: &str) -> Result<SubjectPattern, String> {
    SubjectPattern::parse(pattern).ok_or_else(|| {
        format!(
            "`{pattern}` is not a NATS subject pattern (tokens separated by `.`, `*`, a final `>`)"
        )
    })
}
