//! The composer: reads a Spin-shaped manifest whose triggers select binders,
//! links each binder with its app component into one `wasi:http` component
//! (with wac-graph), and writes a plain manifest beside the results.
//!
//! The lifecycle of one composition:
//! 1. [`AppManifest::load`] parses the manifest (Spin v2, plus binder executors);
//! 2. [`binder::resolve`] finds each trigger's binder: built in, a file, or a
//!    download checked against its digest;
//! 3. [`plug`] checks that the app exports what the binder imports, then links
//!    the two;
//! 4. [`compose`] returns a [`ComposedApp`] in memory: on any error nothing
//!    has been written;
//! 5. [`ComposedApp::write`] writes the components and the plain manifest.
//!
//! [`build`] runs the components' own build commands beforehand.
#![deny(missing_docs)]

pub mod binder;
pub mod build;
pub mod componentize;
mod compose;
mod error;
pub mod manifest;
pub mod scaffold;
pub mod world;

pub use compose::{
    CONFIG_PREFIX, ComposeOptions, ComposedApp, OutputComponent, compose, config_variable, plug,
};
pub use error::ComposeError;
pub use manifest::AppManifest;
pub use world::{ComponentKind, ComponentWorld, Provenance};
