//! A component read, compiled (or loaded from the cache) and linked once,
//! ready to be instantiated per request or message.

use std::path::Path;
use std::sync::Arc;

use manifest::PlainComponent;
use wasmtime::Engine;
use wasmtime::component::{InstancePre, Linker};

use crate::engine;
use crate::error::{ComponentError, HostError};
use crate::nats::SubjectPolicy;
use crate::outbound::OutboundPolicy;
use crate::state::State;

/// A linked component, `P` being its world's pre-instance (`ProxyPre` for
/// HTTP, `MessagingAppPre` for NATS), with what each instance gets.
pub(crate) struct Linked<P> {
    /// The component id in the manifest.
    pub(crate) id: String,
    pub(crate) pre: P,
    pub(crate) environment: Vec<(String, String)>,
    pub(crate) outbound: OutboundPolicy,
    pub(crate) subjects: SubjectPolicy,
}

impl<P> Linked<P> {
    /// Links the component `id`; `world` makes the pre-instance of the world
    /// its trigger needs, or says why the component does not fit it.
    pub(crate) fn link(
        engine: &Engine,
        linker: &Linker<State>,
        id: &str,
        component: &PlainComponent,
        cache_dir: Option<&Path>,
        world: impl FnOnce(InstancePre<State>) -> Result<P, ComponentError>,
    ) -> Result<Self, HostError> {
        let failed = |source: ComponentError| HostError::Component {
            id: id.to_owned(),
            path: component.source.clone(),
            source,
        };
        let wasm =
            std::fs::read(&component.source).map_err(|err| failed(ComponentError::Read(err)))?;
        let compiled = engine::compile(engine, &wasm, cache_dir)
            .map_err(|err| failed(ComponentError::Compile(err.into())))?;
        let instance_pre = linker
            .instantiate_pre(&compiled)
            .map_err(|err| failed(ComponentError::Link(err.into())))?;
        Ok(Self {
            id: id.to_owned(),
            pre: world(instance_pre).map_err(failed)?,
            environment: component.environment.clone().into_iter().collect(),
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

    /// The component `id`, linked by `link` unless it already is.
    pub(crate) fn get_or_link(
        &mut self,
        id: &str,
        link: impl FnOnce() -> Result<Linked<P>, HostError>,
    ) -> Result<Arc<Linked<P>>, HostError> {
        if let Some(linked) = self.0.iter().find(|linked| linked.id == id) {
            return Ok(linked.clone());
        }
        let linked = Arc::new(link()?);
        self.0.push(linked.clone());
        Ok(linked)
    }
}
