//! The host: the triggers of one app over one shared context, loaded from a
//! plain manifest (or one component), then served until shutdown.

use std::collections::BTreeMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use manifest::{BrokerSettings, InstanceReuse, PlainComponent, PlainManifest, PlainRoute};
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use wasmtime::component::Linker;

use crate::config::{EPOCH_TICK, HostConfig};
use crate::context::HostContext;
use crate::counter::Instantiations;
use crate::error::{HostError, ServeError};
use crate::footprint::Footprint;
use crate::http::{HttpTrigger, Reuse, Route};
use crate::linked::Linking;
use crate::messaging::{BrokerAddress, broker};
use crate::nats::{NatsTrigger, SubscriptionView};
use crate::state::State;
use crate::trigger::Trigger;
use crate::{engine, messaging};

/// A loaded app: its triggers and their linked components.
pub struct Host {
    context: HostContext,
    http: HttpTrigger,
    nats: NatsTrigger,
    /// The broker's address.
    nats_address: String,
    /// The broker's address as the log shows it: without credentials.
    nats_address_shown: String,
    /// Whether to connect to the broker: there are subscriptions, or an
    /// address was given (for components that publish through
    /// `wasmcloud:messaging/consumer`).
    wants_broker: bool,
}

impl Host {
    /// Loads a plain Spin v2 manifest (a `.toml` file), or one component
    /// (any other file), which then serves every path.
    pub fn load(target: &Path, config: HostConfig) -> Result<Self, HostError> {
        let (routes, subscriptions, manifest_broker, manifest_reuse) =
            if target.extension().is_some_and(|ext| ext == "toml") {
                let manifest = PlainManifest::load(target)?;
                let broker = manifest.broker().clone();
                let subscriptions = manifest.subscriptions().to_vec();
                let reuse = manifest.instance_reuse();
                (manifest.into_routes(), subscriptions, broker, reuse)
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
                (
                    vec![route],
                    Vec::new(),
                    BrokerSettings::default(),
                    InstanceReuse::default(),
                )
            };
        let sources = routes.iter().map(|route| &route.component.source).chain(
            subscriptions
                .iter()
                .map(|subscription| &subscription.component.source),
        );
        // A file that cannot be read is reported when it is linked.
        let read: BTreeMap<PathBuf, Vec<u8>> = sources
            .filter_map(|source| Some((source.clone(), std::fs::read(source).ok()?)))
            .collect();
        let footprint = read
            .values()
            .map(|bytes| Footprint::of(bytes))
            .fold(Footprint::default(), Footprint::max);
        let engine = engine::engine(&config, footprint)?;
        let linker = linker(&engine)?;
        let linking = Linking {
            engine: &engine,
            linker: &linker,
            cache_dir: config.cache_dir.as_deref(),
            read: &read,
        };
        let reuse = Reuse::from_settings(config.reuse.or(manifest_reuse));
        let http = HttpTrigger::link(&linking, routes, reuse)?;
        let nats = NatsTrigger::link(&linking, subscriptions)?;
        let wants_broker =
            !nats.is_empty() || config.nats_address.is_some() || manifest_broker.address.is_some();
        let nats_address = config
            .nats_address
            .clone()
            .or(manifest_broker.address.clone())
            .unwrap_or_else(|| messaging::DEFAULT_ADDRESS.to_owned());
        let mut config = config;
        config.broker_auth = config.broker_auth.or_files_of(manifest_broker);
        let nats_address_shown = BrokerAddress::parse(&nats_address)
            .map_or_else(|_| broker::redact(&nats_address), |address| address.shown());
        Ok(Self {
            context: HostContext::new(engine, config),
            http,
            nats,
            nats_address,
            nats_address_shown,
            wants_broker,
        })
    }

    /// The count of instances this host makes, readable while it serves.
    pub fn instantiations(&self) -> Instantiations {
        self.context.instantiations.clone()
    }

    /// Connects to the NATS broker, when the manifest has NATS triggers or a
    /// broker address was given (components may then publish through
    /// `wasmcloud:messaging/consumer`), and prepares every trigger (the NATS
    /// trigger subscribes); once this returns, messages published to the
    /// subscribed subjects wait for [`Host::serve`].
    pub async fn connect(&mut self) -> Result<(), ServeError> {
        if self.wants_broker && self.context.broker.is_none() {
            let address = BrokerAddress::parse(&self.nats_address)?;
            let auth = &self.context.config.broker_auth;
            self.context.broker = Some(messaging::connect(&address, auth).await?);
        }
        self.http.prepare(&self.context).await?;
        self.nats.prepare(&self.context).await
    }

    /// The NATS broker's address, when the host connects to one, without
    /// the credentials it may hold.
    pub fn nats_address(&self) -> Option<&str> {
        self.wants_broker
            .then_some(self.nats_address_shown.as_str())
    }

    /// The NATS triggers, in manifest order.
    pub fn subscriptions(&self) -> impl Iterator<Item = SubscriptionView<'_>> {
        self.nats.subscriptions()
    }

    /// The routes, each with its component id.
    pub fn routes(&self) -> impl Iterator<Item = (&Route, &str)> {
        self.http.routes()
    }

    /// Serves HTTP on `listener` (when given) and consumes the NATS
    /// triggers' messages (connecting first, unless [`Host::connect`] did)
    /// until `shutdown` resolves; then every trigger stops taking work, and
    /// this returns once the requests and messages in flight are done, or
    /// once [`HostConfig::shutdown_grace`] is over.
    pub async fn serve(
        mut self,
        listener: Option<TcpListener>,
        shutdown: impl Future<Output = ()>,
    ) -> Result<(), ServeError> {
        self.connect().await?;
        self.http.listen(listener);
        let context = Arc::new(self.context);
        let triggers: [Box<dyn Trigger>; 2] = [Box::new(self.http), Box::new(self.nats)];
        let ticker = Ticker::start(&context);
        let (stop, stopping) = tokio::sync::watch::channel(false);
        let mut running = JoinSet::new();
        for trigger in triggers {
            running.spawn(trigger.run(context.clone(), stopping.clone()));
        }
        shutdown.await;
        let grace = context.config.shutdown_grace;
        tracing::info!(
            "shutting down: finishing the requests and messages in flight (at most {grace:?})"
        );
        let _ = stop.send(true);
        let deadline = tokio::time::Instant::now() + grace;
        let finished = tokio::time::timeout_at(deadline, async {
            while running.join_next().await.is_some() {}
        });
        if finished.await.is_err() {
            tracing::warn!(
                "the shutdown grace of {grace:?} is over with work in flight; stopping it"
            );
            running.abort_all();
        }
        if let Some(broker) = &context.broker {
            match tokio::time::timeout_at(deadline, broker.flush()).await {
                Ok(Ok(())) => {}
                Ok(Err(error)) => {
                    tracing::warn!("cannot flush the last messages to the NATS broker: {error}")
                }
                Err(_) => tracing::warn!(
                    "the last messages to the NATS broker were not flushed within the shutdown grace"
                ),
            }
        }
        ticker.stop();
        Ok(())
    }
}

/// The linker with every interface the host provides: WASI 0.2 and 0.3,
/// `wasi:http` 0.2 and 0.3, and `wasmcloud:messaging/consumer`.
fn linker(engine: &wasmtime::Engine) -> Result<Linker<State>, HostError> {
    let failed = |err: wasmtime::Error| HostError::Engine(err.into());
    let mut linker = Linker::<State>::new(engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker).map_err(failed)?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker).map_err(failed)?;
    wasmtime_wasi::p3::add_to_linker(&mut linker).map_err(failed)?;
    wasmtime_wasi_http::p3::add_to_linker(&mut linker).map_err(failed)?;
    messaging::add_to_linker(&mut linker, State::messaging).map_err(failed)?;
    Ok(linker)
}

/// The deadline clock, on its own thread: a guest that never yields holds
/// its async worker, and must not be able to stop the clock.
struct Ticker {
    ticking: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<()>,
}

impl Ticker {
    fn start(context: &HostContext) -> Self {
        let engine = context.engine.clone();
        let ticking = Arc::new(AtomicBool::new(true));
        let thread = {
            let ticking = ticking.clone();
            std::thread::spawn(move || {
                while ticking.load(Ordering::Relaxed) {
                    std::thread::sleep(EPOCH_TICK);
                    engine.increment_epoch();
                }
            })
        };
        Self { ticking, thread }
    }

    fn stop(self) {
        self.ticking.store(false, Ordering::Relaxed);
        let _ = self.thread.join();
    }
}
