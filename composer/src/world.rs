//! What a component imports and exports, read from its own type information,
//! and what that makes it (binder, app, composed app, HTTP component).

use bindery_manifest::{Transport, WasiGeneration};
use serde::Serialize;

pub use crate::error::WorldError;
use wac_graph::types::{ItemKind, Package, Type, Types};

/// The interface every WASI 0.2 HTTP binder, and every composed HTTP app
/// built on one, exports.
pub const HTTP_HANDLER: &str = "wasi:http/incoming-handler";

/// The interface a WASI 0.3 HTTP binder, and a composed app built on one,
/// exports.
pub const HTTP_HANDLER_P3: &str = "wasi:http/handler";

/// The interface every NATS binder, and every composed NATS app, exports.
pub const MESSAGING_HANDLER: &str = "wasmcloud:messaging/handler";

/// The messaging interface a NATS host provides (publish, request).
const MESSAGING_CONSUMER: &str = "wasmcloud:messaging/consumer";

/// The handler a transport's binder exports, as errors name it.
pub fn handler_name(transport: Transport) -> &'static str {
    match transport {
        Transport::Http => "wasi:http/incoming-handler@0.2.x or wasi:http/handler@0.3.x",
        Transport::Nats => "wasmcloud:messaging/handler@0.2.x or @0.3.x",
    }
}

/// The transport whose handler `name` is (`wasi:http/incoming-handler` or
/// `wasmcloud:messaging/handler` at some 0.2 version, `wasi:http/handler`
/// or `wasmcloud:messaging/handler` at some 0.3 version), if any.
pub fn handler_transport(name: &str) -> Option<Transport> {
    handler_generation(name).map(|(transport, _)| transport)
}

/// The transport whose handler `name` is, and the WASI generation of that
/// handler, if `name` is one.
pub fn handler_generation(name: &str) -> Option<(Transport, WasiGeneration)> {
    let (unversioned, version) = split_version(name);
    let minor = version.filter(|version| version.major == 0)?.minor;
    match (unversioned, minor) {
        (HTTP_HANDLER, 2) => Some((Transport::Http, WasiGeneration::P2)),
        (HTTP_HANDLER_P3, 3) => Some((Transport::Http, WasiGeneration::P3)),
        (MESSAGING_HANDLER, 2) => Some((Transport::Nats, WasiGeneration::P2)),
        (MESSAGING_HANDLER, 3) => Some((Transport::Nats, WasiGeneration::P3)),
        _ => None,
    }
}

/// The imports and exports of a component, as fully qualified names with
/// versions (`wasi:http/incoming-handler@0.2.12`).
///
/// Imported interfaces that only define types (such as
/// `bindery:cloudevents/types`) are left out: they need nothing at run time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ComponentWorld {
    /// Imported interfaces and functions.
    pub imports: Vec<String>,
    /// Exported interfaces and functions.
    pub exports: Vec<String>,
}

/// What a component is, judged from its world.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ComponentKind {
    /// Exports a transport handler (`wasi:http/incoming-handler`,
    /// `wasmcloud:messaging/handler`) and imports an application protocol:
    /// it needs an app plugged in.
    Binder,
    /// Exports an application protocol and no transport handler: it needs a
    /// binder.
    App,
    /// Exports a transport handler and was composed by bindery.
    ComposedApp,
    /// Exports `wasi:http/incoming-handler` and needs nothing but the host.
    HttpComponent,
    /// Anything else.
    Other,
}

impl ComponentWorld {
    /// Reads the world of a component.
    pub fn of(bytes: &[u8]) -> Result<Self, WorldError> {
        let mut types = Types::default();
        let package = Self::parse("bindery:component", bytes, &mut types)?;
        Ok(Self::of_package(&package, &types))
    }

    /// Parses a component into `types` as package `name` (into a
    /// composition graph's types, so that one parse serves both the checks
    /// and the composition).
    pub(crate) fn parse(
        name: &str,
        bytes: &[u8],
        types: &mut Types,
    ) -> Result<Package, WorldError> {
        if wasmparser::Parser::is_core_wasm(bytes) {
            return Err(WorldError::CoreModule);
        }
        if !wasmparser::Parser::is_component(bytes) {
            return Err(WorldError::NotWasm);
        }
        Package::from_bytes(name, None, bytes, types)
            .map_err(|error| WorldError::Undecodable(error.into()))
    }

    /// Validates all of a component, function bodies included: [`parse`]
    /// checks only its structure and types.
    ///
    /// [`parse`]: ComponentWorld::parse
    pub(crate) fn validate_code(bytes: &[u8]) -> Result<(), WorldError> {
        wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
            .validate_all(bytes)
            .map(drop)
            .map_err(WorldError::Invalid)
    }

    /// The world of a parsed component.
    pub(crate) fn of_package(package: &Package, types: &Types) -> Self {
        let world = &types[package.ty()];
        // An imported interface that only defines types needs nothing at
        // run time.
        let needs_something = |kind: &ItemKind| match kind {
            ItemKind::Instance(id) => types[*id].exports.values().any(|export| {
                matches!(
                    export,
                    ItemKind::Func(_) | ItemKind::Type(Type::Resource(_))
                )
            }),
            _ => true,
        };
        Self {
            imports: world
                .imports
                .iter()
                .filter(|(_, kind)| needs_something(kind))
                .map(|(name, _)| name.clone())
                .collect(),
            exports: world.exports.keys().cloned().collect(),
        }
    }

    /// Whether the component exports an HTTP handler, of either WASI
    /// generation (0.2 or 0.3).
    pub fn exports_http_handler(&self) -> bool {
        self.exports_handler(Transport::Http)
    }

    /// The transport whose handler the component exports, with that export,
    /// if it exports one.
    pub fn transport(&self) -> Option<(Transport, &str)> {
        self.exports
            .iter()
            .find_map(|export| Some((handler_transport(export)?, export.as_str())))
    }

    /// The WASI generation of the transport handler the component exports,
    /// if it exports one.
    pub fn handler_generation(&self) -> Option<WasiGeneration> {
        self.exports
            .iter()
            .find_map(|export| handler_generation(export))
            .map(|(_, generation)| generation)
    }

    /// Whether the component exports `transport`'s handler, at any version
    /// of the transport (0.2 or 0.3 for HTTP).
    pub fn exports_handler(&self, transport: Transport) -> bool {
        self.exports
            .iter()
            .any(|export| handler_transport(export) == Some(transport))
    }

    /// The imports that belong to an application protocol rather than to the
    /// host: every import but WASI and a transport's host interface
    /// (`wasmcloud:messaging/consumer`).
    pub fn protocol_imports(&self) -> impl Iterator<Item = &str> {
        self.imports
            .iter()
            .map(String::as_str)
            .filter(|import| !is_host_interface(import))
    }

    /// The imports left for the host: WASI, and a transport's host interface.
    pub fn host_imports(&self) -> impl Iterator<Item = &str> {
        self.imports
            .iter()
            .map(String::as_str)
            .filter(|import| is_host_interface(import))
    }

    /// The imports that a host (bindery serve, wasmtime serve, Spin; for
    /// NATS, a messaging host such as wasmCloud) does not provide.
    pub fn unsupported_imports(&self) -> impl Iterator<Item = &str> {
        self.imports
            .iter()
            .map(String::as_str)
            .filter(|import| !host_provides(import))
    }

    /// The WASI versions in play, each with how many imports and exports
    /// use it, for example `{"0.2.9": 22, "0.2.12": 8}`.
    pub fn wasi_versions(&self) -> std::collections::BTreeMap<semver::Version, usize> {
        let mut versions = std::collections::BTreeMap::new();
        for name in self.imports.iter().chain(&self.exports) {
            if let (_, Some(version)) = split_version(name)
                && is_wasi(name)
            {
                *versions.entry(version).or_insert(0) += 1;
            }
        }
        versions
    }

    /// Judges what the component is; `composed` says whether it carries a
    /// provenance section.
    pub fn kind(&self, composed: bool) -> ComponentKind {
        let protocol_imports = self.protocol_imports().next().is_some();
        let protocol_exports = self.exports.iter().any(|export| !is_wasi(export));
        let handler = self
            .exports
            .iter()
            .any(|export| handler_transport(export).is_some());
        match (handler, protocol_imports) {
            (true, _) if composed => ComponentKind::ComposedApp,
            (true, true) => ComponentKind::Binder,
            (true, false) => ComponentKind::HttpComponent,
            (false, _) if protocol_exports => ComponentKind::App,
            (false, _) => ComponentKind::Other,
        }
    }
}

fn is_wasi(name: &str) -> bool {
    name.starts_with("wasi:")
}

/// Whether `name` is `wasmcloud:messaging/consumer` at some 0.2 or 0.3
/// version.
fn is_messaging_consumer(name: &str) -> bool {
    let (unversioned, version) = split_version(name);
    unversioned == MESSAGING_CONSUMER
        && version.is_some_and(|version| version.major == 0 && matches!(version.minor, 2 | 3))
}

/// Whether a host, not an app, provides `name`: WASI, or a transport's host
/// interface.
fn is_host_interface(name: &str) -> bool {
    is_wasi(name) || is_messaging_consumer(name)
}

/// The WASI 0.2 and 0.3 packages a wasi:http host provides, and the
/// messaging interface a NATS host provides.
fn host_provides(name: &str) -> bool {
    /// What every wasi:http host provides, of either generation.
    const PROVIDED: [&str; 6] = [
        "wasi:clocks/",
        "wasi:random/",
        "wasi:cli/",
        "wasi:filesystem/",
        "wasi:sockets/",
        "wasi:http/types",
    ];
    /// What only 0.2 has: `wasi:io`, and its HTTP client.
    const PROVIDED_P2: [&str; 2] = ["wasi:io/", "wasi:http/outgoing-handler"];
    /// What only 0.3 has: its HTTP client is `client` (0.3 has no `wasi:io`).
    const PROVIDED_P3: [&str; 1] = ["wasi:http/client"];
    let (unversioned, version) = split_version(name);
    let provided = |prefixes: &[&str]| {
        prefixes
            .iter()
            .any(|prefix| unversioned.starts_with(prefix))
    };
    let wasi = match version
        .filter(|version| version.major == 0)
        .map(|v| v.minor)
    {
        Some(2) => provided(&PROVIDED) || provided(&PROVIDED_P2),
        Some(3) => provided(&PROVIDED) || provided(&PROVIDED_P3),
        _ => false,
    };
    wasi || is_messaging_consumer(name)
}

/// Splits `ns:pkg/iface@1.2.3` into the name and its version.
pub fn split_version(name: &str) -> (&str, Option<semver::Version>) {
    match name.rsplit_once('@') {
        Some((unversioned, version)) => (unversioned, semver::Version::parse(version).ok()),
        None => (name, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_provided_imports() {
        assert!(host_provides("wasi:cli/environment@0.2.6"));
        assert!(host_provides("wasi:http/types@0.2.12"));
        assert!(!host_provides("wasi:keyvalue/store@0.2.0-draft"));
        assert!(host_provides("wasi:http/types@0.3.0"));
        assert!(host_provides("wasi:http/client@0.3.0"));
        assert!(!host_provides("wasi:io/streams@0.3.0"));
        assert!(!host_provides("wasi:http/outgoing-handler@0.3.0"));
        assert!(!host_provides("wasi:http/types@0.4.0"));
        assert!(!host_provides("acme:kv/store@1.0.0"));
    }
}
