//! `bindery componentize`: turns a core wasm module into a component, so that
//! toolchains that emit core modules (C with wasi-libc, Go) need no other
//! tool.
//!
//! The module's WIT world comes from the `component-type` custom sections its
//! bindings generator left in it, or from `--wit`/`--world`, which embed it
//! with wit-component. A module that imports WASI preview 1 is given the
//! matching preview 1 adapter, embedded in `bindery` from the
//! `wasi-preview1-component-adapter-provider` crate.

use std::path::{Path, PathBuf};

use wasi_preview1_component_adapter_provider::{
    WASI_SNAPSHOT_PREVIEW1_ADAPTER_NAME, WASI_SNAPSHOT_PREVIEW1_COMMAND_ADAPTER,
    WASI_SNAPSHOT_PREVIEW1_PROXY_ADAPTER, WASI_SNAPSHOT_PREVIEW1_REACTOR_ADAPTER,
};
use wit_component::{ComponentEncoder, StringEncoding};
use wit_parser::Resolve;

use crate::error::BoxError;

/// Which WASI preview 1 adapter to link in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Adapter {
    /// The command adapter when the module exports `_start`, else the
    /// reactor adapter; none when the module does not import preview 1.
    Auto,
    /// For libraries (no `_start`): every WASI 0.2 interface.
    Reactor,
    /// For programs with `_start`.
    Command,
    /// Only what a `wasi:http/proxy` host provides (no filesystem).
    Proxy,
    /// An adapter module from a file.
    File(PathBuf),
}

/// Where the module's world comes from when its custom sections lack it.
#[derive(Debug, Clone)]
pub struct WitSource {
    /// A WIT file or directory (with `deps/`).
    pub path: PathBuf,
    /// The world, for example `bindery:cloudevents/http-binder`; may be left
    /// out when the package has one world.
    pub world: Option<String>,
}

/// Why a module could not be made a component.
#[derive(Debug, thiserror::Error)]
pub enum ComponentizeError {
    /// The input is already a component.
    #[error("{}: is already a component", path.display())]
    AlreadyAComponent {
        /// The input file.
        path: PathBuf,
    },
    /// The input is not a wasm module.
    #[error("{}: is not a core wasm module", path.display())]
    NotAModule {
        /// The input file.
        path: PathBuf,
    },
    /// The WIT could not be read, or the world is not in it.
    #[error("{}", path.display())]
    Wit {
        /// The WIT path.
        path: PathBuf,
        /// What is wrong (wit-parser's explanation).
        #[source]
        source: BoxError,
    },
    /// The adapter file could not be read.
    #[error("{}: cannot read the adapter", path.display())]
    Adapter {
        /// The adapter file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// wit-component refused the module: it lacks a world, its imports or
    /// exports do not match the world, or the adapter does not fit.
    #[error("{}", path.display())]
    Encode {
        /// The input file.
        path: PathBuf,
        /// wit-component's explanation.
        #[source]
        source: BoxError,
    },
}

/// Makes a component of the core module `module`, read from `path` (which
/// names the input in errors).
pub fn componentize(
    path: &Path,
    module: &[u8],
    wit: Option<&WitSource>,
    adapter: &Adapter,
) -> Result<Vec<u8>, ComponentizeError> {
    if wasmparser::Parser::is_component(module) {
        return Err(ComponentizeError::AlreadyAComponent {
            path: path.to_owned(),
        });
    }
    if !wasmparser::Parser::is_core_wasm(module) {
        return Err(ComponentizeError::NotAModule {
            path: path.to_owned(),
        });
    }
    let mut module = module.to_vec();
    if let Some(wit) = wit {
        embed_world(&mut module, wit)?;
    }
    let encode_failed = |error: anyhow::Error| ComponentizeError::Encode {
        path: path.to_owned(),
        source: error.into(),
    };
    let mut encoder = ComponentEncoder::default();
    encoder.validate(true);
    encoder.module(&module).map_err(encode_failed)?;
    if let Some(adapter) = adapter_bytes(&module, adapter)? {
        encoder
            .adapter(WASI_SNAPSHOT_PREVIEW1_ADAPTER_NAME, &adapter)
            .map_err(encode_failed)?;
    }
    encoder.encode().map_err(encode_failed)
}

/// Appends the `component-type` section of `wit`'s world to `module`.
fn embed_world(module: &mut Vec<u8>, wit: &WitSource) -> Result<(), ComponentizeError> {
    let failed = |error: anyhow::Error| ComponentizeError::Wit {
        path: wit.path.clone(),
        source: error.into(),
    };
    let mut resolve = Resolve::default();
    let (package, _) = resolve.push_path(&wit.path).map_err(failed)?;
    let world = resolve
        .select_world(&[package], wit.world.as_deref())
        .map_err(failed)?;
    wit_component::embed_component_metadata(module, &resolve, world, StringEncoding::UTF8)
        .map_err(failed)
}

/// The adapter to link in, if any.
fn adapter_bytes(module: &[u8], adapter: &Adapter) -> Result<Option<Vec<u8>>, ComponentizeError> {
    let bytes = match adapter {
        Adapter::Auto => {
            let (imports_preview1, has_start) = scan(module);
            if !imports_preview1 {
                return Ok(None);
            }
            if has_start {
                WASI_SNAPSHOT_PREVIEW1_COMMAND_ADAPTER
            } else {
                WASI_SNAPSHOT_PREVIEW1_REACTOR_ADAPTER
            }
        }
        Adapter::Reactor => WASI_SNAPSHOT_PREVIEW1_REACTOR_ADAPTER,
        Adapter::Command => WASI_SNAPSHOT_PREVIEW1_COMMAND_ADAPTER,
        Adapter::Proxy => WASI_SNAPSHOT_PREVIEW1_PROXY_ADAPTER,
        Adapter::File(path) => {
            return std::fs::read(path)
                .map(Some)
                .map_err(|source| ComponentizeError::Adapter {
                    path: path.clone(),
                    source,
                });
        }
    };
    Ok(Some(bytes.to_vec()))
}

/// Whether `module` imports WASI preview 1, and whether it exports `_start`.
fn scan(module: &[u8]) -> (bool, bool) {
    let mut imports_preview1 = false;
    let mut has_start = false;
    for payload in wasmparser::Parser::new(0).parse_all(module) {
        match payload {
            Ok(wasmparser::Payload::ImportSection(imports)) => {
                imports_preview1 |= imports.into_imports().any(|import| {
                    import.is_ok_and(|import| import.module == WASI_SNAPSHOT_PREVIEW1_ADAPTER_NAME)
                });
            }
            Ok(wasmparser::Payload::ExportSection(exports)) => {
                has_start |= exports
                    .into_iter()
                    .any(|export| export.is_ok_and(|export| export.name == "_start"));
            }
            _ => {}
        }
    }
    (imports_preview1, has_start)
}
