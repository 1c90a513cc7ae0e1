//! The composer: reads a Spin-shaped manifest whose triggers select binders,
//! links each binder with its app component into one `wasi:http` component
//! (with wac-graph), and writes a plain manifest beside the results. It
//! wires components; it never runs one.
//!
//! The lifecycle of one composition:
//! 1. [`AppManifest::load`] parses and checks the manifest (the
//!    `bindery-manifest` crate);
//! 2. [`binder::resolve`] finds each trigger's binder: built in, a file, or a
//!    download checked against its digest;
//! 3. [`plug()`] checks that the app exports what the binder imports, then
//!    links the two;
//! 4. [`compose`] returns a [`ComposedApp`] in memory, each composed
//!    component stamped with its [`Provenance`]: on any error nothing has
//!    been written;
//! 5. [`ComposedApp::write`] writes the components and the plain manifest.
//!
//! [`componentize`] turns core modules into components beforehand.
//!
//! Modules import one way: `compose` orchestrates and calls `plug`,
//! `dependencies`, `events` (event stages), `middleware` and `proxy`, each
//! an operation with its own error type; `events` and `middleware` share
//! `stages` (finding a chain's stages and linking them); they build on
//! `isolate` (each part's settings kept to it), `graph` (the wac-graph
//! steps) and `output`, which build on `world`. `binder`, `provenance` and
//! `error` are leaves.
#![deny(missing_docs)]

pub mod binder;
pub mod componentize;
mod compose;
mod dependencies;
mod error;
mod events;
mod generated;
mod graph;
mod isolate;
mod middleware;
mod output;
mod plug;
pub mod provenance;
mod proxy;
mod stages;
mod wasmcloud;
pub mod world;

pub use bindery_manifest::AppManifest;
pub use compose::{ComposeOptions, compose};
pub use error::{
    BoxError, ComposeError, DependencyError, EventStageError, LinkError, MiddlewareError,
    NotAComponent, PlugError, PlugFailed, ProxyError, ResolveError, StepError, WriteError,
};
pub use output::{ComposedApp, OutputComponent, OutputWorld};
pub use plug::plug;
pub use provenance::{Artifact, Provenance};
pub use proxy::in_proxy_world;
pub use wasmcloud::{WasmCloudFiles, WasmCloudOptions};
pub use world::{ComponentKind, ComponentWorld};
