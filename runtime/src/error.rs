//! Why the host could not start.

use std::path::PathBuf;

use manifest::{ManifestError, OutboundHostError, SubjectPatternError};

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
    /// The engine could not be configured.
    #[error("cannot configure wasmtime")]
    Engine(#[source] BoxError),
}

/// Why one component cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum ComponentError {
    /// An `env:NAME` setting names a variable the host does not have.
    #[error("its setting {setting} is `env:{variable}`, but the host has no variable {variable}")]
    MissingVariable {
        /// The setting.
        setting: String,
        /// The host's variable it names.
        variable: String,
    },
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
    #[error(
        "a component on an HTTP trigger must export wasi:http/incoming-handler@0.2.x or wasi:http/handler@0.3.x"
    )]
    NotHttp(#[source] BoxError),
    /// It does not export the messaging handler.
    #[error("a component on a NATS trigger must export wasmcloud:messaging/handler@0.2.0")]
    NotMessaging(#[source] BoxError),
    /// Its `allowed_outbound_hosts` cannot be read.
    #[error(transparent)]
    Outbound(#[from] OutboundHostError),
    /// A `nats://` entry of its `allowed_outbound_hosts` cannot be read.
    #[error(transparent)]
    Subjects(#[from] SubjectPatternError),
}

/// An error of starting to serve: the broker cannot be reached, or a
/// subject cannot be subscribed to.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The NATS broker is not reachable.
    #[error(
        "cannot connect to the NATS broker at {address}: is nats-server running there? \
         (`--nats-address` or BINDERY_NATS_ADDRESS points the host elsewhere)"
    )]
    Connect {
        /// The address tried.
        address: String,
        /// Why it failed.
        #[source]
        source: async_nats::ConnectError,
    },
    /// The broker's address cannot be read (it is shown without
    /// credentials).
    #[error("`{address}` is not a NATS broker address (nats://host:port, tls://host:port)")]
    Address {
        /// The address.
        address: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A credentials or NKey seed file cannot be read.
    #[error("{}: cannot read the NATS credentials", file.display())]
    Credentials {
        /// The file.
        file: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A subscription was refused.
    #[error("cannot subscribe to `{subject}`")]
    Subscribe {
        /// The subject.
        subject: String,
        /// Why it failed.
        #[source]
        source: async_nats::SubscribeError,
    },
    /// The subscriptions could not be confirmed with the broker.
    #[error("the NATS broker did not confirm the subscriptions")]
    Flush(#[source] async_nats::client::FlushError),
    /// A JetStream stream could not be found or created.
    #[error(
        "cannot find or create the JetStream stream `{stream}` (does the broker run JetStream? `nats-server -js`)"
    )]
    Stream {
        /// The stream.
        stream: String,
        /// Why it failed.
        #[source]
        source: Box<async_nats::jetstream::context::CreateStreamError>,
    },
    /// A durable JetStream consumer could not be created or updated.
    #[error(
        "cannot create or update the JetStream consumer `{consumer}` of stream `{stream}` for subject `{subject}`"
    )]
    Consumer {
        /// The stream.
        stream: String,
        /// The consumer.
        consumer: String,
        /// The trigger's subject.
        subject: String,
        /// Why it failed.
        #[source]
        source: Box<async_nats::jetstream::stream::ConsumerError>,
    },
}
