//! The thin host: serves `wasi:http` components on HTTP and
//! `wasmcloud:messaging` components on NATS, as a plain Spin v2 manifest's
//! triggers say. It knows transports, not what runs behind them: a composed
//! app is just another `wasi:http` or `wasmcloud:messaging` component to it.
//!
//! Lifecycle:
//! 1. [`Host::load`] reads the manifest (or one component), builds the engine
//!    (pooling allocator, epoch interruption), compiles each component (or
//!    loads it from the on-disk cache) and links it once for its trigger;
//! 2. [`Host::connect`] connects to the NATS broker and subscribes, when the
//!    manifest has NATS triggers ([`Host::serve`] does it if not done yet);
//! 3. [`Host::serve`] accepts connections and consumes messages; every
//!    request to a WASI 0.2 component and every message gets a fresh
//!    instance in its own store (a WASI 0.3 component's instances are
//!    reused, see [`Reuse`]), with
//!    the component's environment, a memory limit, an epoch deadline and the
//!    outbound policies. Clients that send too slowly, heads that are too
//!    large and requests beyond the pool's size are answered by the host
//!    without an instance; messages beyond it wait for a slot;
//! 4. when the shutdown future resolves, the host stops accepting and
//!    unsubscribes, lets in-flight requests and messages finish and returns.
#![deny(missing_docs)]

mod counter;
mod engine;
mod error;
mod handler;
mod linked;
mod nats;
mod outbound;
mod reuse;
mod routes;
mod server;
mod state;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

pub use manifest::InstanceReuse;
use manifest::{PlainComponent, PlainManifest, PlainRoute, PlainSubscription};
use tokio::sync::Semaphore;
use wasmtime::Engine;
use wasmtime::component::Linker;
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p3::bindings::ServicePre;

pub use counter::Instantiations;
pub use error::{BoxError, ComponentError, HostError, ServeError};
pub use nats::{DEFAULT_ADDRESS as DEFAULT_NATS_ADDRESS, SubjectPatternError};
pub use reuse::Reuse;
pub use routes::Route;

use handler::{HttpPre, Served};
use linked::{LinkedSet, Linking};
use nats::{MessagingAppPre, Subscription};
use state::State;

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
    /// The NATS broker to connect to, over the manifest's
    /// `[application.trigger.nats] address`.
    pub nats_address: Option<String>,
    /// How instances are reused: these settings, then the manifest's
    /// `[application.trigger.http] instance-reuse`, then [`Reuse`]'s
    /// defaults.
    pub reuse: InstanceReuse,
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
            nats_address: None,
            reuse: InstanceReuse::default(),
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

/// A loaded app: its routes and subscriptions and their linked components.
pub struct Host {
    engine: Engine,
    config: HostConfig,
    /// How instances are reused, settled from the config and the manifest.
    reuse: Reuse,
    /// The instances made so far.
    instantiations: Instantiations,
    routes: Vec<(Route, Arc<Served>)>,
    subscriptions: Vec<Subscription>,
    /// The broker's address.
    nats_address: String,
    /// Whether to connect to the broker: there are subscriptions, or an
    /// address was given (for components that publish, through a sink).
    wants_broker: bool,
    /// The connection to the broker, once [`Host::connect`] made it.
    broker: Option<async_nats::Client>,
    /// The subscriptions made by [`Host::connect`], in the order of
    /// `subscriptions`, until [`Host::serve`] consumes them.
    subscribers: Vec<async_nats::Subscriber>,
    /// One permit per instance the pool holds: a request or a message takes
    /// one before it instantiates, so that a full pool answers 503 at once
    /// (and a message waits).
    slots: Arc<Semaphore>,
}

impl Host {
    /// Loads a plain Spin v2 manifest (a `.toml` file), or one component
    /// (any other file), which then serves every path.
    pub fn load(target: &Path, config: HostConfig) -> Result<Self, HostError> {
        let engine = engine::engine(&config)?;
        let (specs, subscriptions, manifest_address, manifest_reuse) =
            if target.extension().is_some_and(|ext| ext == "toml") {
                let manifest = PlainManifest::load(target)?;
                let address = manifest.nats_address().map(str::to_owned);
                let subscriptions = manifest.subscriptions().to_vec();
                let reuse = manifest.instance_reuse();
                (manifest.into_routes(), subscriptions, address, reuse)
            } else {
                let id = target.file_stem().map_or("component".into(), |stem| {
                    stem.to_string_lossy().into_owned()
                });
                let route = PlainRoute {
                    route: "/...".into(),
                    id,
                    component: PlainComponent {
                        source: target.to_owned(),
                        environment: Default::default(),
                        allowed_outbound_hosts: Vec::new(),
                    },
                };
                (vec![route], Vec::new(), None, InstanceReuse::default())
            };
        let mut linker = Linker::<State>::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)
            .map_err(|err| HostError::Engine(err.into()))?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)
            .map_err(|err| HostError::Engine(err.into()))?;
        wasmtime_wasi::p3::add_to_linker(&mut linker)
            .map_err(|err| HostError::Engine(err.into()))?;
        wasmtime_wasi_http::p3::add_to_linker(&mut linker)
            .map_err(|err| HostError::Engine(err.into()))?;
        nats::add_to_linker(&mut linker).map_err(|err| HostError::Engine(err.into()))?;
        let linking = Linking {
            engine: &engine,
            linker: &linker,
            cache_dir: config.cache_dir.as_deref(),
        };
        let mut served = LinkedSet::new();
        let routes = specs
            .into_iter()
            .map(|spec| {
                let route = Route::parse(&spec.route)?;
                let served = served.get_or_link(&linking, &spec.id, &spec.component, |pre| {
                    match ProxyPre::new(pre.clone()) {
                        Ok(p2) => Ok(HttpPre::P2(p2, std::sync::OnceLock::new())),
                        Err(not_p2) => ServicePre::new(pre)
                            .map(|p3| HttpPre::P3(p3, std::sync::OnceLock::new()))
                            .map_err(|_| ComponentError::NotHttp(not_p2.into())),
                    }
                })?;
                Ok((route, served))
            })
            .collect::<Result<Vec<_>, HostError>>()?;
        let mut listeners = LinkedSet::new();
        let subscriptions = subscriptions
            .into_iter()
            .map(|spec: PlainSubscription| {
                let listener =
                    listeners.get_or_link(&linking, &spec.id, &spec.component, |pre| {
                        MessagingAppPre::new(pre)
                            .map_err(|err| ComponentError::NotMessaging(err.into()))
                    })?;
                Ok(Subscription {
                    subject: spec.subject,
                    queue_group: spec.queue_group,
                    listener,
                })
            })
            .collect::<Result<Vec<_>, HostError>>()?;
        let wants_broker = !subscriptions.is_empty()
            || config.nats_address.is_some()
            || manifest_address.is_some();
        let nats_address = config
            .nats_address
            .clone()
            .or(manifest_address)
            .unwrap_or_else(|| nats::DEFAULT_ADDRESS.to_owned());
        Ok(Self {
            engine,
            slots: Arc::new(Semaphore::new(config.max_instances as usize)),
            reuse: Reuse::from_settings(config.reuse.or(manifest_reuse)),
            instantiations: Instantiations::default(),
            config,
            routes,
            subscriptions,
            nats_address,
            wants_broker,
            broker: None,
            subscribers: Vec::new(),
        })
    }

    /// The count of instances this host makes, readable while it serves.
    pub fn instantiations(&self) -> Instantiations {
        self.instantiations.clone()
    }

    /// Connects to the NATS broker, when the manifest has NATS triggers or a
    /// broker address was given (components may then publish through
    /// `wasmcloud:messaging/consumer`), and subscribes to every NATS
    /// trigger's subject; once this returns, messages published to those
    /// subjects wait for [`Host::serve`].
    pub async fn connect(&mut self) -> Result<(), ServeError> {
        if !self.wants_broker || self.broker.is_some() {
            return Ok(());
        }
        let client = nats::connect(&self.nats_address).await?;
        for subscription in &self.subscriptions {
            self.subscribers
                .push(nats::subscribe(&client, subscription).await?);
        }
        client.flush().await.map_err(ServeError::Flush)?;
        self.broker = Some(client);
        Ok(())
    }

    /// The NATS broker's address, when the host connects to one.
    pub fn nats_address(&self) -> Option<&str> {
        self.wants_broker.then_some(self.nats_address.as_str())
    }

    /// The NATS subscriptions: subject, queue group and component id.
    pub fn subscriptions(&self) -> impl Iterator<Item = (&str, Option<&str>, &str)> {
        self.subscriptions.iter().map(|subscription| {
            (
                subscription.subject.as_str(),
                subscription.queue_group.as_deref(),
                subscription.listener.id.as_str(),
            )
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
