//! Why the host could not start.

use std::path::PathBuf;

/// An error of loading an app or starting the server.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// The manifest cannot be read or is not a plain Spin v2 manifest.
    #[error("{}: {message}", path.display())]
    Manifest {
        /// The manifest.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A route pattern is not one the host understands.
    #[error("route `{route}`: {reason}")]
    Route {
        /// The route.
        route: String,
        /// Why.
        reason: &'static str,
    },
    /// A component cannot be read, compiled or linked.
    #[error("component `{id}` ({}): {message}", path.display())]
    Component {
        /// The component id.
        id: String,
        /// Its file.
        path: PathBuf,
        /// What failed.
        message: String,
    },
    /// The engine could not be configured.
    #[error("cannot configure wasmtime: {0}")]
    Engine(String),
}
