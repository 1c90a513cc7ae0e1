//! A host serving one manifest for a scenario: in this process or as a
//! `wasmtime serve` child, and the time to its first response.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Result;
use bindery_runtime::{Host, HostConfig, Instantiations};
use tokio::net::TcpListener;

use crate::artifacts::{
    ECHO, ECHO_FLOOR, ECHO_FLOOR_P3, HELLO_HTTP, HELLO_HTTP_P3, MONOLITHIC_ECHO, MONOLITHIC_ECHO_P3,
};
use crate::compositions::{
    SIGNING_KEY, composed_filter_schema, composed_filtered, composed_p3, composed_signed,
};
use crate::load::{self, Load, Template};
use crate::{executor, wasmtime_cli};

/// One implementation served on `127.0.0.1:0`.
pub(crate) struct Server {
    pub(crate) address: SocketAddr,
    pub(crate) running: Running,
    /// The host's count of instances, where the host is Bindery's.
    pub(crate) instantiations: Option<Instantiations>,
}

/// What serves an implementation.
pub(crate) enum Running {
    /// A task of this process.
    Task(tokio::task::JoinHandle<Result<()>>),
    /// A `wasmtime serve` process.
    Wasmtime(wasmtime_cli::Served),
}

impl Server {
    pub(crate) async fn start(
        implementation: Implementation,
        composed: &Path,
        work: &Path,
    ) -> Result<Self> {
        let wasmtime = |manifest: PathBuf| -> Result<Self> {
            let served = wasmtime_cli::Served::start(&manifest.with_file_name("echo.wasm"))?;
            Ok(Self {
                address: served.address,
                running: Running::Wasmtime(served),
                instantiations: None,
            })
        };
        let config = HostConfig {
            cache_dir: Some(work.join("compiled")),
            ..HostConfig::default()
        };
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let host = |target: &Path| -> Result<Self> {
            let host = Host::load(target, config.clone())?;
            let instantiations = Some(host.instantiations());
            let task = tokio::spawn(async move {
                host.serve(Some(listener), std::future::pending()).await?;
                Ok(())
            });
            Ok(Self {
                address,
                running: Running::Task(task),
                instantiations,
            })
        };
        match implementation {
            Implementation::Composed => host(composed),
            Implementation::ComposedP3 => host(&composed_p3(work)),
            Implementation::ComposedP3Signed => host(&composed_signed(work)),
            Implementation::ComposedP3Filtered => host(&composed_filtered(work)),
            Implementation::ComposedP3FilterSchema => host(&composed_filter_schema(work)),
            Implementation::Monolithic => host(Path::new(MONOLITHIC_ECHO)),
            Implementation::MonolithicP3 => host(Path::new(MONOLITHIC_ECHO_P3)),
            Implementation::Hello => host(Path::new(HELLO_HTTP)),
            Implementation::HelloP3 => host(Path::new(HELLO_HTTP_P3)),
            Implementation::EchoFloor => host(Path::new(ECHO_FLOOR)),
            Implementation::EchoFloorP3 => host(Path::new(ECHO_FLOOR_P3)),
            Implementation::WasmtimeComposed => wasmtime(composed.to_owned()),
            Implementation::WasmtimeComposedP3 => wasmtime(composed_p3(work)),
            Implementation::Executor => {
                let engine = bindery_runtime::engine(&config)?;
                let (address, task) = executor::start(engine, &std::fs::read(ECHO)?).await?;
                Ok(Self {
                    address,
                    running: Running::Task(task),
                    instantiations: None,
                })
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        match &mut self.running {
            Running::Task(task) => task.abort(),
            Running::Wasmtime(served) => served.stop(),
        }
    }
}

/// The time from loading the composed app to its first answered request,
/// with the compiled-code cache in `cache` (cold the first time).
pub(crate) async fn first_response(
    manifest: &Path,
    cache: &Path,
    template: &Template,
) -> Result<Duration> {
    let started = Instant::now();
    let host = Host::load(
        manifest,
        HostConfig {
            cache_dir: Some(cache.to_owned()),
            ..HostConfig::default()
        },
    )?;
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let server = tokio::spawn(host.serve(Some(listener), std::future::pending()));
    let one = Load {
        concurrency: 1,
        duration: Duration::from_secs(60),
        max_requests: 1,
    };
    let stats = load::run(address, std::slice::from_ref(template), one).await?;
    let elapsed = started.elapsed();
    server.abort();
    anyhow::ensure!(stats.requests == 1, "the first request failed");
    Ok(elapsed)
}

/// The served implementations of scenario 1.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Implementation {
    Composed,
    ComposedP3,
    ComposedP3Signed,
    ComposedP3Filtered,
    ComposedP3FilterSchema,
    Monolithic,
    MonolithicP3,
    Executor,
    Hello,
    HelloP3,
    EchoFloor,
    EchoFloorP3,
    WasmtimeComposed,
    WasmtimeComposedP3,
}

impl Implementation {
    /// Every implementation, in the order the report lists them.
    pub(crate) const ALL: [Self; 14] = [
        Self::Composed,
        Self::ComposedP3,
        Self::ComposedP3Signed,
        Self::ComposedP3Filtered,
        Self::ComposedP3FilterSchema,
        Self::Monolithic,
        Self::MonolithicP3,
        Self::Executor,
        Self::Hello,
        Self::HelloP3,
        Self::EchoFloor,
        Self::EchoFloorP3,
        Self::WasmtimeComposed,
        Self::WasmtimeComposedP3,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Composed => "(a) composed",
            Self::ComposedP3 => "(a3) composed, WASI 0.3 with reuse",
            Self::ComposedP3Signed => "(a3s) (a3) behind the webhook-signature middleware",
            Self::ComposedP3Filtered => "(a3f) (a3) behind a filter stage (one sql filter)",
            Self::ComposedP3FilterSchema => "(a3fs) (a3) behind the filter and schema stages",
            Self::Monolithic => "(b) monolithic",
            Self::MonolithicP3 => "(b3) monolithic, WASI 0.3 with reuse",
            Self::Executor => "(c) host-side executor",
            Self::Hello => "(d) hello floor",
            Self::HelloP3 => "(d3) hello floor, WASI 0.3 with reuse",
            Self::EchoFloor => "(e) echo floor",
            Self::EchoFloorP3 => "(e3) echo floor, WASI 0.3 with reuse",
            Self::WasmtimeComposed => "(w) (a) under wasmtime serve",
            Self::WasmtimeComposedP3 => "(w3) (a3) under wasmtime serve",
        }
    }

    /// The requests this implementation is sent in turn in place of
    /// `template`: the same; for the middleware, signed, each with a
    /// `webhook-id` of its own, as the middleware refuses a replay.
    pub(crate) fn requests(self, template: &Template) -> Vec<Template> {
        if self != Self::ComposedP3Signed {
            return vec![template.clone()];
        }
        let timestamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("after 1970")
            .as_secs()
            .to_string();
        (0..SIGNED_IDS)
            .map(|number| {
                let id = format!("msg_bench_{number}");
                let mut signed = template.clone();
                let signature = bindery_webhook_signature::sign(
                    SIGNING_KEY,
                    id.as_bytes(),
                    timestamp.as_bytes(),
                    &template.body,
                );
                signed.headers.extend([
                    ("webhook-id", id),
                    ("webhook-timestamp", timestamp.clone()),
                    ("webhook-signature", signature),
                ]);
                signed
            })
            .collect()
    }
}

/// How many `webhook-id`s the middleware's requests take in turn (each run
/// going on where the last stopped): more than the host serves while an
/// instance lives (128 requests, or an idle second), so that no instance
/// sees an id twice.
const SIGNED_IDS: usize = 16_384;
