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
//!    large and requests beyond the instance slots or the host's memory are
//!    answered by the host without an instance; messages beyond them wait;
//! 4. when the shutdown future resolves, the host stops accepting and
//!    unsubscribes, lets in-flight requests and messages finish and returns.
//!
//! ## Layout
//!
//! A shared core, then one folder per trigger kind, imports pointing down:
//! - `host` loads the app and runs its triggers; `trigger` is what the host
//!   asks of a trigger kind (prepare, then run until stopped);
//! - `http/` and `nats/` are the trigger kinds;
//! - below them, the shared core: `context` (engine, limits, admissions,
//!   counters, the broker connection), `budget` (admissions: instance
//!   slots and the host's memory; the memory of one instance), `footprint` (what an
//!   instance takes of the pool, which is sized from it), `linked` (a component
//!   compiled and linked once), `state` (one instance's store), `messaging`
//!   (`wasmcloud:messaging/consumer` for every trigger), `outbound`,
//!   `engine`, `config`, `counter` and `error`.
//!
//! A new trigger kind (say MQTT) is a folder `mqtt/` whose type links its
//! components with [`Linking`](linked::Linking) and implements `Trigger`,
//! and one line in `Host::load` and `Host::serve` that register it.
#![deny(missing_docs)]

mod budget;
mod config;
mod context;
mod counter;
mod engine;
mod error;
mod footprint;
mod host;
mod http;
mod interrupt;
mod linked;
mod messaging;
mod nats;
mod outbound;
mod state;
mod trigger;

use wasmtime::Engine;

pub use config::HostConfig;
pub use counter::Instantiations;
pub use error::{BoxError, ComponentError, HostError, ServeError};
pub use host::Host;
pub use http::{Reuse, Route};
pub use manifest::{InstanceReuse, SubjectPatternError};
pub use messaging::{BrokerAuth, DEFAULT_ADDRESS as DEFAULT_NATS_ADDRESS};
pub use nats::SubscriptionView;

/// The engine the host runs components in, configured from `config`:
/// epoch interruption and the pooling allocator. Other embedders (the
/// benchmarks' host-side executor) use it to run in the same engine.
pub fn engine(config: &HostConfig) -> Result<Engine, HostError> {
    engine::engine(config, footprint::Footprint::default())
}
