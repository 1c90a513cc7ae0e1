//! What every trigger shares: the engine, the limits, the admissions
//! (instance slots and the host's memory), the count of instances made and
//! the broker connection. Triggers take a
//! [`HostContext`]; none reaches into another trigger.

use std::sync::Arc;

use tokio::sync::Semaphore;
use wasmtime::Engine;

use crate::budget::Admissions;
use crate::config::HostConfig;
use crate::counter::Instantiations;
use crate::messaging::SubjectPolicy;

/// The context every trigger serves in.
pub(crate) struct HostContext {
    /// The engine every component runs in.
    pub(crate) engine: Engine,
    /// The host's limits and settings.
    pub(crate) config: HostConfig,
    /// The instances made so far.
    pub(crate) instantiations: Instantiations,
    /// The instance slots (one per instance the pool holds) and the host's
    /// memory: work takes its admission before it instantiates.
    pub(crate) admissions: Admissions,
    /// The connection to the NATS broker, once [`crate::Host::connect`]
    /// made it.
    pub(crate) broker: Option<async_nats::Client>,
    /// The subjects a component may reply to, when the host narrows them.
    pub(crate) reply_subjects: Option<SubjectPolicy>,
    /// One permit per byte of NATS messages the host may hold while they
    /// wait for an instance or are delivered.
    pub(crate) nats_buffer: Arc<Semaphore>,
}

impl HostContext {
    /// A context for `config`, with no broker connection yet.
    pub(crate) fn new(engine: Engine, config: HostConfig) -> Self {
        Self {
            engine,
            admissions: Admissions::new(
                config.max_instances,
                config.max_memory_total,
                config.memory_limit,
            ),
            reply_subjects: config.reply_subjects.clone().map(SubjectPolicy::of),
            nats_buffer: Arc::new(Semaphore::new(
                config.nats_buffer_bytes.min(Semaphore::MAX_PERMITS),
            )),
            config,
            instantiations: Instantiations::default(),
            broker: None,
        }
    }
}
