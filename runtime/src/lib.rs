//! The thin host: serves `wasi:http` components on HTTP, routed by a plain
//! Spin v2 manifest. It knows transports, not what runs behind them: a
//! composed app is just another `wasi:http` component to it.
//!
//! Lifecycle:
//! 1. [`Host::load`] reads the manifest (or one component), builds the engine
//!    (pooling allocator, epoch interruption), compiles each component (or
//!    loads it from the on-disk cache) and links it once into a `ProxyPre`;
//! 2. [`Host::serve`] accepts connections; every request gets a fresh
//!    instance in its own store, with the component's environment, a memory
//!    limit, an epoch deadline and the outbound HTTP policy. Clients that
//!    send too slowly, heads that are too large and requests beyond the
//!    pool's size are answered by the host without an instance;
//! 3. when the shutdown future resolves, the host stops accepting, lets
//!    in-flight requests finish and returns.
#![deny(missing_docs)]

mod engine;
mod error;
mod handler;
mod outbound;
mod routes;
mod server;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use manifest::{PlainComponent, PlainManifest, PlainRoute};
use tokio::sync::Semaphore;
use wasmtime::Engine;
use wasmtime::component::Linker;
use wasmtime_wasi_http::p2::bindings::ProxyPre;

pub use error::{BoxError, ComponentError, HostError};
pub use routes::Route;

use handler::{Served, State};
use outbound::OutboundPolicy;

/// How often the deadline clock ticks.
const EPOCH_TICK: Duration = Duration::from_millis(10);

/// The host's limits and settings.
#[derive(Debug, Clone)]
pub struct HostConfig {
    /// How long one request may run before it is stopped (504).
    pub deadline: Duration,
    /// The most memory one linear memory of an instance may grow to, in bytes.
    pub memory_limit: usize,
    /// The largest request body accepted, in bytes (413 beyond).
    pub max_body: usize,
    /// The largest request head (request line and headers) accepted, in
    /// bytes (431 beyond; at least 8 KiB).
    pub max_header_bytes: usize,
    /// How long a client may take to send a request head, and then its body
    /// (the connection is closed, or the request answered with 408, beyond).
    pub read_timeout: Duration,
    /// How many instances may be alive at once (the pooling allocator's
    /// size); a request beyond is answered with 503 and `Retry-After`.
    pub max_instances: u32,
    /// Where compiled components are cached; `None` disables the cache.
    pub cache_dir: Option<PathBuf>,
}

impl Default for HostConfig {
    fn default() -> Self {
        Self {
            deadline: Duration::from_secs(30),
            memory_limit: 128 << 20,
            max_body: 16 << 20,
            max_header_bytes: 64 << 10,
            read_timeout: Duration::from_secs(30),
            max_instances: 256,
            cache_dir: None,
        }
    }
}

impl HostConfig {
    fn deadline_ticks(&self) -> u64 {
        (self.deadline.as_millis() / EPOCH_TICK.as_millis()).max(1) as u64
    }
}

/// The engine the host runs components in, configured from `config`:
/// epoch interruption and the pooling allocator. Other embedders (the
/// benchmarks' host-side executor) use it to run in the same engine.
pub fn engine(config: &HostConfig) -> Result<Engine, HostError> {
    engine::engine(config)
}

/// A loaded app: its routes and their linked components.
pub struct Host {
    engine: Engine,
    config: HostConfig,
    routes: Vec<(Route, Arc<Served>)>,
    /// One permit per instance the pool holds: a request takes one before it
    /// instantiates, so that a full pool answers 503 at once.
    slots: Arc<Semaphore>,
}

impl Host {
    /// Loads a plain Spin v2 manifest (a `.toml` file), or one component
    /// (any other file), which then serves every path.
    pub fn load(target: &Path, config: HostConfig) -> Result<Self, HostError> {
        let engine = engine::engine(&config)?;
        let specs = if target.extension().is_some_and(|ext| ext == "toml") {
            let manifest = PlainManifest::load(target)?;
            if let Some(first) = manifest.subscriptions().first() {
                return Err(HostError::NatsTrigger {
                    subject: first.subject.clone(),
                });
            }
            manifest.into_routes()
        } else {
            let id = target.file_stem().map_or("component".into(), |stem| {
                stem.to_string_lossy().into_owned()
            });
            vec![PlainRoute {
                route: "/...".into(),
                id,
                component: PlainComponent {
                    source: target.to_owned(),
                    environment: Default::default(),
                    allowed_outbound_hosts: Vec::new(),
                },
            }]
        };
        let mut linker = Linker::<State>::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)
            .map_err(|err| HostError::Engine(err.into()))?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)
            .map_err(|err| HostError::Engine(err.into()))?;
        let mut loaded: Vec<(String, Arc<Served>)> = Vec::new();
        let mut routes = Vec::new();
        for spec in specs {
            let route = Route::parse(&spec.route)?;
            let served = match loaded.iter().find(|(id, _)| *id == spec.id) {
                Some((_, served)) => served.clone(),
                None => {
                    let served =
                        Arc::new(link(&engine, &linker, &spec, config.cache_dir.as_deref())?);
                    loaded.push((spec.id.clone(), served.clone()));
                    served
                }
            };
            routes.push((route, served));
        }
        Ok(Self {
            engine,
            slots: Arc::new(Semaphore::new(config.max_instances as usize)),
            config,
            routes,
        })
    }

    /// The routes, each with its component id.
    pub fn routes(&self) -> impl Iterator<Item = (&Route, &str)> {
        self.routes
            .iter()
            .map(|(route, served)| (route, served.id.as_str()))
    }

    fn route(&self, path: &str) -> Option<&Arc<Served>> {
        self.routes
            .iter()
            .filter_map(|(route, served)| Some((route.specificity(path)?, served)))
            .max_by_key(|(specificity, _)| *specificity)
            .map(|(_, served)| served)
    }
}

fn link(
    engine: &Engine,
    linker: &Linker<State>,
    spec: &PlainRoute,
    cache_dir: Option<&Path>,
) -> Result<Served, HostError> {
    let failed = |source: ComponentError| HostError::Component {
        id: spec.id.clone(),
        path: spec.component.source.clone(),
        source,
    };
    let wasm =
        std::fs::read(&spec.component.source).map_err(|err| failed(ComponentError::Read(err)))?;
    let component = engine::compile(engine, &wasm, cache_dir)
        .map_err(|err| failed(ComponentError::Compile(err.into())))?;
    let instance_pre = linker
        .instantiate_pre(&component)
        .map_err(|err| failed(ComponentError::Link(err.into())))?;
    let pre =
        ProxyPre::new(instance_pre).map_err(|err| failed(ComponentError::NotHttp(err.into())))?;
    Ok(Served {
        id: spec.id.clone(),
        pre,
        environment: spec.component.environment.clone().into_iter().collect(),
        outbound: OutboundPolicy::new(&spec.component.allowed_outbound_hosts)
            .map_err(|err| failed(err.into()))?,
    })
}
