//! Why the host could not start.

use std::path::PathBuf;

use manifest::ManifestError;

use crate::outbound::OutboundHostError;

/// A boxed error from wasmtime, with its chain of causes.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// An error of loading an app or starting the server.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// The manifest cannot be read, or is not a plain Spin v2 manifest the
    /// host can serve.
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// A route pattern is not one the host understands.
    #[error("route `{route}`: {reason}")]
    Route {
        /// The route.
        route: String,
        /// Why.
        reason: &'static str,
    },
    /// A component cannot be read, compiled or linked.
    #[error("component `{id}` ({})", path.display())]
    Component {
        /// The component id.
        id: String,
        /// Its file.
        path: PathBuf,
        /// What failed.
        #[source]
        source: ComponentError,
    },
    /// The manifest has a NATS trigger, which this host does not run yet.
    #[error(
        "the trigger for subject `{subject}` is a NATS trigger, which `bindery serve` does not run yet; \
         its composed component runs on a wasmCloud host (exports wasmcloud:messaging/handler@0.2.0)"
    )]
    NatsTrigger {
        /// The first NATS trigger's subject.
        subject: String,
    },
    /// The engine could not be configured.
    #[error("cannot configure wasmtime")]
    Engine(#[source] BoxError),
}

/// Why one component cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum ComponentError {
    /// The file cannot be read.
    #[error("cannot read the file")]
    Read(#[source] std::io::Error),
    /// wasmtime cannot compile it.
    #[error("cannot compile it")]
    Compile(#[source] BoxError),
    /// Its imports cannot be satisfied by the host.
    #[error("cannot link it")]
    Link(#[source] BoxError),
    /// It does not export the HTTP handler.
    #[error("a served component must export wasi:http/incoming-handler@0.2.x")]
    NotHttp(#[source] BoxError),
    /// Its `allowed_outbound_hosts` cannot be read.
    #[error(transparent)]
    Outbound(#[from] OutboundHostError),
}
