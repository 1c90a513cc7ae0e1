//! A component read, compiled (or loaded from the cache) and linked once,
//! ready to be instantiated per request or message.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use manifest::{FROM_HOST, PlainComponent};
use wasmtime::component::{InstancePre, Linker};
use wasmtime::{Engine, PoolConcurrencyLimitError, Store};

use crate::budget::Admission;
use crate::context::HostContext;
use crate::engine;
use crate::error::{ComponentError, HostError};
use crate::messaging::{Messaging, Reply, SubjectPolicy};
use crate::outbound::OutboundPolicy;
use crate::state::State;

/// A linked component, `P` being its world's pre-instance (the HTTP
/// trigger's `HttpPre`, the NATS trigger's `MessagingAppPre`), with what
/// each instance gets.
pub(crate) struct Linked<P> {
    /// The component id in the manifest.
    pub(crate) id: String,
    pub(crate) pre: P,
    pub(crate) environment: Vec<(String, String)>,
    pub(crate) outbound: OutboundPolicy,
    pub(crate) subjects: SubjectPolicy,
}

/// What linking a component needs: the engine, the linker with every
/// interface the host provides, and the compiled-code cache.
pub(crate) struct Linking<'a> {
    pub(crate) engine: &'a Engine,
    pub(crate) linker: &'a Linker<State>,
    pub(crate) cache_dir: Option<&'a Path>,
    /// The component files read already (to size the pool), by path.
    pub(crate) read: &'a BTreeMap<PathBuf, Vec<u8>>,
}

impl<P> Linked<P> {
    /// Links the component `id`; `world` makes the pre-instance of the world
    /// its trigger needs, or says why the component does not fit it.
    fn link(
        linking: &Linking<'_>,
        id: &str,
        component: &PlainComponent,
        world: impl FnOnce(InstancePre<State>) -> Result<P, ComponentError>,
    ) -> Result<Self, HostError> {
        let failed = |source: ComponentError| HostError::Component {
            id: id.to_owned(),
            path: component.source.clone(),
            source,
        };
        let wasm = match linking.read.get(&component.source) {
            Some(bytes) => Cow::Borrowed(bytes.as_slice()),
            None => Cow::Owned(
                std::fs::read(&component.source)
                    .map_err(|err| failed(ComponentError::Read(err)))?,
            ),
        };
        let compiled = engine::compile(linking.engine, &wasm, linking.cache_dir)
            .map_err(|err| failed(ComponentError::Compile(err.into())))?;
        let instance_pre = linking
            .linker
            .instantiate_pre(&compiled)
            .map_err(|err| failed(ComponentError::Link(err.into())))?;
        Ok(Self {
            id: id.to_owned(),
            pre: world(instance_pre).map_err(failed)?,
            environment: resolve_environment(&component.environment).map_err(failed)?,
            outbound: OutboundPolicy::new(&component.allowed_outbound_hosts)
                .map_err(|err| failed(err.into()))?,
            subjects: SubjectPolicy::new(&component.allowed_outbound_hosts)
                .map_err(|err| failed(err.into()))?,
        })
    }
}

/// The components linked so far for one world, so that a component behind
/// several triggers is linked once.
pub(crate) struct LinkedSet<P>(Vec<Arc<Linked<P>>>);

impl<P> LinkedSet<P> {
    /// An empty set.
    pub(crate) fn new() -> Self {
        Self(Vec::new())
    }

    /// The component `id`, linked for `world` (see [`Linked`]) unless it
    /// already is.
    pub(crate) fn get_or_link(
        &mut self,
        linking: &Linking<'_>,
        id: &str,
        component: &PlainComponent,
        world: impl FnOnce(InstancePre<State>) -> Result<P, ComponentError>,
    ) -> Result<Arc<Linked<P>>, HostError> {
        if let Some(linked) = self.0.iter().find(|linked| linked.id == id) {
            return Ok(linked.clone());
        }
        let linked = Arc::new(Linked::link(linking, id, component, world)?);
        self.0.push(linked.clone());
        Ok(linked)
    }
}

impl<P> Linked<P> {
    /// A store for one instance of this component, in `context`, holding
    /// `admission` while it is alive: its environment, the memory limit,
    /// the deadline, and the outbound policies (`reply_to` being the reply
    /// subject of the message it handles, if any).
    pub(crate) fn store(
        &self,
        context: &HostContext,
        admission: Admission,
        reply_to: Option<String>,
    ) -> Store<State> {
        let config = &context.config;
        context.instantiations.add_one();
        let reply = reply_to.map(|subject| Reply {
            subject,
            allowed: context.reply_subjects.clone(),
        });
        let messaging = Messaging::new(
            context.broker.clone(),
            self.subjects.clone(),
            reply,
            config.deadline,
        );
        let state = State::new(
            &self.environment,
            context.admissions.instance_memory(),
            admission,
            self.outbound.capped(config.deadline),
            messaging,
        );
        let mut store = Store::new(&context.engine, state);
        store.limiter(|state| &mut state.memory);
        crate::interrupt::arm(&mut store, config.deadline);
        store
    }

    /// An instance of this component in a store of its own (see
    /// [`Linked::store`]), made by `instantiate` from the pre-instance.
    /// While the pool has no room for it (the pool is sized from each
    /// component's footprint, which the adapters wasmtime adds between
    /// composed parts can exceed), this waits and tries again, up to the
    /// deadline: work that was admitted is not dropped for want of room.
    pub(crate) async fn instantiate<T>(
        &self,
        context: &HostContext,
        mut admission: Admission,
        reply_to: Option<String>,
        mut instantiate: impl AsyncFnMut(&P, &mut Store<State>) -> wasmtime::Result<T>,
    ) -> (Store<State>, wasmtime::Result<T>) {
        let started = Instant::now();
        let mut pause = Duration::from_millis(1);
        loop {
            let mut store = self.store(context, admission, reply_to.clone());
            match instantiate(&self.pre, &mut store).await {
                Err(error)
                    if error.is::<PoolConcurrencyLimitError>()
                        && started.elapsed() + pause < context.config.deadline =>
                {
                    admission = store.into_data().into_admission();
                    tracing::debug!(component = %self.id, "waiting for room in the pool: {error}");
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_millis(50));
                }
                result => return (store, result),
            }
        }
    }
}

/// `environment` with every `env:NAME` value replaced by the host's
/// variable `NAME`; a variable the host does not have is an error.
fn resolve_environment(
    environment: &std::collections::BTreeMap<String, String>,
) -> Result<Vec<(String, String)>, ComponentError> {
    environment
        .iter()
        .map(|(name, value)| match value.strip_prefix(FROM_HOST) {
            Some(variable) => std::env::var(variable)
                .map(|value| (name.clone(), value))
                .map_err(|_| ComponentError::MissingVariable {
                    setting: name.clone(),
                    variable: variable.to_owned(),
                }),
            None => Ok((name.clone(), value.clone())),
        })
        .collect()
}
