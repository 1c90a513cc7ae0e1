//! Why a composition failed: one error type per operation (resolving a
//! component, plugging an app into its binder, linking dependencies,
//! composing middleware, making an output proxy-only, writing), wrapped by
//! [`ComposeError`], which names the manifest. Every message names the file
//! at fault and what does not match.

use std::path::PathBuf;

use bindery_manifest::{ManifestError, Sha256Digest};

/// An error of a Bytecode Alliance library (wit-parser, wit-component,
/// wac-types), with its chain of causes.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Items as `` `a`, `b` ``, or `nothing`: how messages show a list.
pub(crate) fn list(items: &[String]) -> String {
    if items.is_empty() {
        return "nothing".into();
    }
    items
        .iter()
        .map(|item| format!("`{item}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// An error of [`crate::compose`].
#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    /// The manifest cannot be read, parsed or checked; the message names
    /// the file and, where known, the line.
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// A step of the composition failed.
    #[error("{}", manifest.display())]
    Step {
        /// The manifest.
        manifest: PathBuf,
        /// The step and why (boxed: it is large, and this is the cold path).
        #[source]
        source: Box<StepError>,
    },
    /// The output could not be written.
    #[error(transparent)]
    Write(#[from] WriteError),
}

/// The step of a composition that failed.
#[derive(Debug, thiserror::Error)]
pub enum StepError {
    /// Finding, reading or downloading a component.
    #[error(transparent)]
    Resolve(#[from] ResolveError),
    /// Checking an app against its binder and plugging it in.
    #[error(transparent)]
    Plug(#[from] PlugError),
    /// Linking a component's build-time dependencies.
    #[error(transparent)]
    Dependency(#[from] DependencyError),
    /// Composing a middleware chain.
    #[error(transparent)]
    Stage(#[from] MiddlewareError),
    /// Linking a binder executor's event stages.
    #[error(transparent)]
    EventStages(#[from] EventStageError),
    /// Making an output proxy-only (`--world proxy`).
    #[error(transparent)]
    Proxy(#[from] ProxyError),
    /// A component passed through is not a usable component.
    #[error(transparent)]
    NotAComponent(#[from] NotAComponent),
    /// A part's settings could not be kept to it.
    #[error(transparent)]
    Isolate(#[from] IsolateFailed),
}

/// A file is not a usable component.
#[derive(Debug, thiserror::Error)]
#[error("{what} {file}")]
pub struct NotAComponent {
    /// The file, or the binder's name.
    pub file: String,
    /// What it is meant to be: "binder", "app", "dependency", ...
    pub what: &'static str,
    /// Why.
    #[source]
    pub error: WorldError,
}

/// wac-graph could not plug one component into another.
#[derive(Debug, thiserror::Error)]
#[error("plugging {plug} into {socket} failed")]
pub struct PlugFailed {
    /// The component whose imports were to be satisfied, named with what it is.
    pub socket: String,
    /// The component whose exports were to satisfy them, likewise.
    pub plug: String,
    /// wac-graph's explanation (boxed: its errors are large, and this is
    /// the cold path).
    #[source]
    pub source: Box<LinkError>,
}

/// A part's own environment filter could not be put in front of it.
#[derive(Debug, thiserror::Error)]
#[error("cannot keep the settings of {part} to itself")]
pub struct IsolateFailed {
    /// The part, named with what it is.
    pub part: String,
    /// Why (boxed, as in [`PlugFailed`]).
    #[source]
    pub source: Box<LinkError>,
}

/// An error of finding, reading or downloading a component.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    /// A trigger names a built-in binder that does not exist.
    #[error("unknown built-in binder `{name}` (the built-in binders are: {})", known.join(", "))]
    UnknownBinder {
        /// The name asked for.
        name: String,
        /// The built-in binders' names.
        known: Vec<&'static str>,
    },
    /// A stage names a built-in that does not exist.
    #[error("unknown built-in {what} `{name}` (the built-in ones: {})", known.join(", "))]
    UnknownStage {
        /// What kind of stage: `middleware`, `event stage`.
        what: &'static str,
        /// The name asked for.
        name: String,
        /// The built-in stages' names.
        known: Vec<&'static str>,
    },
    /// The executor's settings ask for a build of a built-in binder that
    /// does not exist.
    #[error("built-in binder `{binder}` has no build for {wanted} ({builds})")]
    NoSuchBuild {
        /// The binder.
        binder: String,
        /// The settings that ask for the build.
        wanted: &'static str,
        /// The builds there are, described.
        builds: String,
    },
    /// A file the manifest names cannot be read.
    #[error("{}: cannot read {what}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What the file is, for example "the source of component `orders`".
        what: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A downloaded binder does not match its digest.
    #[error(
        "binder {url}: digest mismatch: the manifest says {expected}, the download is {actual}"
    )]
    Digest {
        /// The URL.
        url: String,
        /// The digest the manifest gives.
        expected: Sha256Digest,
        /// The digest of the download.
        actual: Sha256Digest,
    },
    /// A binder could not be downloaded.
    #[error("binder {url}: download failed")]
    Fetch {
        /// The URL.
        url: String,
        /// Why (boxed: ureq's error is large, and this is the cold path).
        #[source]
        source: Box<ureq::Error>,
    },
    /// A download could not be kept in the cache.
    #[error("{}: cannot cache the download", path.display())]
    Cache {
        /// The cache file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// An error of checking an app against its binder and plugging it in.
#[derive(Debug, thiserror::Error)]
pub enum PlugError {
    /// The binder or the app is not a usable component.
    #[error(transparent)]
    NotAComponent(#[from] NotAComponent),
    /// The app does not export an interface the binder imports.
    #[error(
        "app {app} does not export `{wanted}`, which the binder {binder} imports \
         (the app exports: {})",
        list(exports)
    )]
    MissingExport {
        /// The app component file.
        app: String,
        /// The binder.
        binder: String,
        /// The imported interface, with its version.
        wanted: String,
        /// What the app does export.
        exports: Vec<String>,
    },
    /// The app exports the interface at a semver-incompatible version.
    #[error(
        "app {app} exports `{found}`, but the binder {binder} imports `{wanted}`: \
         the versions are not semver-compatible"
    )]
    IncompatibleVersion {
        /// The app component file.
        app: String,
        /// The binder.
        binder: String,
        /// The version the binder imports.
        wanted: String,
        /// The version the app exports.
        found: String,
    },
    /// The app exports a transport handler itself.
    #[error(
        "app {app} exports `{export}` itself, so it handles its transport and needs no binder: \
         remove the trigger's binder executor, or export only the application interface"
    )]
    AppExportsHandler {
        /// The app component file.
        app: String,
        /// Its transport handler export.
        export: String,
    },
    /// The binder does not export the handler of its trigger's transport.
    #[error(
        "binder {binder} does not export {wanted}, which [[trigger.{trigger}]] needs (it exports: {})",
        list(exports)
    )]
    BinderWrongTransport {
        /// The binder.
        binder: String,
        /// The trigger type, `http` or `nats`.
        trigger: &'static str,
        /// The handler that trigger needs.
        wanted: &'static str,
        /// What it exports.
        exports: Vec<String>,
    },
    /// The binder imports no application protocol.
    #[error(
        "binder {binder} imports no application-protocol interface, so no app can be plugged into it"
    )]
    BinderWithoutProtocol {
        /// The binder.
        binder: String,
    },
    /// wac-graph could not link the two.
    #[error(transparent)]
    Link(#[from] PlugFailed),
}

/// An error of linking a component's build-time dependencies.
#[derive(Debug, thiserror::Error)]
pub enum DependencyError {
    /// A dependency cannot be found, read or downloaded.
    #[error(transparent)]
    Resolve(#[from] ResolveError),
    /// The component or a dependency is not a usable component.
    #[error(transparent)]
    NotAComponent(#[from] NotAComponent),
    /// The component imports an interface that only a build-time
    /// dependency can satisfy, and names none.
    #[error(
        "component `{component}` imports `{import}`, which no host provides: name the component that \
         satisfies it in [component.{component}.dependencies], for example \
         \"{import}\" = {{ binder = \"http-sink\", config = {{ url = \"http://...\" }} }}"
    )]
    UnsatisfiedImport {
        /// The component id.
        component: String,
        /// The interface.
        import: String,
    },
    /// The binder imports an interface that only a dependency of the
    /// component can satisfy, and the component names none.
    #[error(
        "the executor of component `{component}`, {binder}, imports `{import}` (it replies through a sink): \
         name the sink in [component.{component}.dependencies], for example \
         \"{import}\" = {{ binder = \"http-sink\", config = {{ url = \"http://...\" }} }}"
    )]
    BinderNeedsDependency {
        /// The component id.
        component: String,
        /// The binder.
        binder: String,
        /// The interface.
        import: String,
    },
    /// A dependency names an interface the component does not import.
    #[error(
        "component `{component}` has a dependency for `{interface}`, which it does not import \
         (it imports: {})",
        list(imports)
    )]
    Unused {
        /// The component id.
        component: String,
        /// The interface the dependency is for.
        interface: String,
        /// What the component imports.
        imports: Vec<String>,
    },
    /// A dependency does not export the interface it is named for.
    #[error(
        "the dependency {dependency} of component `{component}` does not export `{interface}` \
         (it exports: {})",
        list(exports)
    )]
    LacksExport {
        /// The component id.
        component: String,
        /// The dependency.
        dependency: String,
        /// The interface.
        interface: String,
        /// What it exports.
        exports: Vec<String>,
    },
    /// A dead-letter sink is named without the sink it stands behind.
    #[error(
        "component `{component}` names a dead-letter sink (\"{dead_letter}\") but no \
         \"{sender}\" dependency for it to stand behind; add the sink the events go to first"
    )]
    DeadLetterWithoutSink {
        /// The component id.
        component: String,
        /// The dead-letter key.
        dead_letter: &'static str,
        /// The sender key.
        sender: &'static str,
    },
    /// A sink's URL is outside the component's `allowed_outbound_hosts`, so
    /// the host would refuse every event.
    #[error(
        "component `{component}` sends events to {url}, which its allowed_outbound_hosts does not allow; \
         add the URL's scheme and host (and port) there"
    )]
    SinkNotAllowed {
        /// The component id.
        component: String,
        /// The sink URL.
        url: String,
    },
    /// wac-graph could not link a dependency in.
    #[error(transparent)]
    Link(#[from] PlugFailed),
    /// A dependency's settings could not be kept to it.
    #[error(transparent)]
    Isolate(#[from] IsolateFailed),
}

/// An error of composing a middleware chain.
#[derive(Debug, thiserror::Error)]
pub enum MiddlewareError {
    /// A stage cannot be found, read or downloaded.
    #[error(transparent)]
    Resolve(#[from] ResolveError),
    /// A stage, or the output, is not a usable component.
    #[error(transparent)]
    NotAComponent(#[from] NotAComponent),
    /// A stage does not both import and export `wasi:http/handler@0.3.x`.
    #[error(
        "middleware {stage} must import and export `wasi:http/handler@0.3.x` \
         (it imports: {}; it exports: {})",
        list(imports),
        list(exports)
    )]
    NotMiddleware {
        /// The stage.
        stage: String,
        /// What it imports.
        imports: Vec<String>,
        /// What it exports.
        exports: Vec<String>,
    },
    /// A trigger has middleware, but its component does not export a WASI
    /// 0.3 handler to put it in front of.
    #[error(
        "the trigger of component `{component}` has middleware, which needs a WASI 0.3 handler \
         behind it, but the component exports {found}: use a WASI 0.3 binder (`wasi = \"0.3\"` \
         for a built-in one). There is no chain for WASI 0.2: a 0.2 incoming-request can only \
         be made by the host, so a stage that reads the body cannot pass the request on"
    )]
    NeedsP3 {
        /// The component id.
        component: String,
        /// The handler it exports instead, or "no HTTP handler".
        found: String,
    },
    /// wac-graph could not link a stage in.
    #[error(transparent)]
    Link(#[from] PlugFailed),
    /// A stage's settings could not be kept to it.
    #[error(transparent)]
    Isolate(#[from] IsolateFailed),
}

/// An error of linking a binder executor's event stages.
#[derive(Debug, thiserror::Error)]
pub enum EventStageError {
    /// A stage cannot be found, read or downloaded.
    #[error(transparent)]
    Resolve(#[from] ResolveError),
    /// A stage, or the chain, is not a usable component.
    #[error(transparent)]
    NotAComponent(#[from] NotAComponent),
    /// A stage does not both import and export
    /// `bindery:cloudevents/handler`.
    #[error(
        "event stage {stage} must import and export `bindery:cloudevents/handler` \
         (the `stage` world of wit/cloudevents.wit; it imports: {}; it exports: {})",
        list(imports),
        list(exports)
    )]
    NotAStage {
        /// The stage.
        stage: String,
        /// What it imports.
        imports: Vec<String>,
        /// What it exports.
        exports: Vec<String>,
    },
    /// The `schema` stage's settings name no schema files.
    #[error("{0}")]
    SchemaSettings(String),
    /// A schema file is not JSON.
    #[error("{}: the schema is not JSON: {reason}", path.display())]
    SchemaNotJson {
        /// The schema file.
        path: std::path::PathBuf,
        /// Where and why (line and column).
        reason: String,
    },
    /// A schema file is not a valid JSON Schema.
    #[error("{}", path.display())]
    SchemaInvalid {
        /// The schema file.
        path: std::path::PathBuf,
        /// What the validator says.
        #[source]
        source: bindery_event_schema::SchemaError,
    },
    /// wac-graph could not link a stage in.
    #[error(transparent)]
    Link(#[from] PlugFailed),
    /// A stage's settings could not be kept to it.
    #[error(transparent)]
    Isolate(#[from] IsolateFailed),
}

/// An error of making an output proxy-only (`--world proxy`).
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    /// The virtual `wasi:cli` could not be linked in.
    #[error("component `{component}`: cannot make its output proxy-only")]
    Virtualize {
        /// The component id.
        component: String,
        /// Why (boxed, as in [`PlugFailed`]).
        #[source]
        source: Box<LinkError>,
    },
    /// The result is not a usable component.
    #[error(transparent)]
    NotAComponent(#[from] NotAComponent),
    /// An import outside the proxy world remains.
    #[error(
        "component `{component}` imports {}, outside wasi:http/proxy; `--world proxy` \
         virtualises only wasi:cli's environment, exit and terminals",
        list(imports)
    )]
    NotProxy {
        /// The component id.
        component: String,
        /// The imports left.
        imports: Vec<String>,
    },
}

/// The output could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// A file or the directory could not be written.
    #[error("{}: cannot write the output", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The output directory is a symbolic link.
    #[error(
        "{}: the output directory is a symbolic link; bindery does not write through one \
         (remove it, or name a real directory with `--out`)", path.display()
    )]
    Symlink {
        /// The directory.
        path: PathBuf,
    },
}

/// A step of wac-graph's linking that failed.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    /// A component could not be registered in the graph.
    #[error(transparent)]
    Register(#[from] wac_graph::RegisterPackageError),
    /// The plug's exports could not be plugged into the socket's imports.
    #[error(transparent)]
    Plug(#[from] wac_graph::PlugError),
    /// The graph could not be encoded.
    #[error(transparent)]
    Encode(#[from] wac_graph::EncodeError),
    /// An export could not be taken from an instance.
    #[error(transparent)]
    Alias(#[from] wac_graph::AliasError),
    /// An export could not be given to an instance.
    #[error(transparent)]
    Argument(#[from] wac_graph::InstantiationArgumentError),
    /// The composition's export could not be declared.
    #[error(transparent)]
    Export(#[from] wac_graph::ExportError),
    /// The component that virtualises `wasi:cli` for `--world proxy` could
    /// not be made.
    #[error("cannot make the virtual wasi:cli component")]
    Virtualize(#[source] BoxError),
    /// A part lacks the import or export a link names.
    #[error("{part} does not {direction} `{interface}`")]
    Missing {
        /// The part.
        part: String,
        /// "import" or "export".
        direction: &'static str,
        /// The interface, without its version.
        interface: String,
    },
}

/// Why a file's world could not be read.
#[derive(Debug, thiserror::Error)]
pub enum WorldError {
    /// The bytes are not WebAssembly at all.
    #[error("not a WebAssembly file")]
    NotWasm,
    /// A core module, not a component.
    #[error(
        "a core WebAssembly module, not a component: build for `wasm32-wasip2` \
         (`cargo build --target wasm32-wasip2`), or turn the module into a component with \
         `bindery componentize`"
    )]
    CoreModule,
    /// A component whose type information cannot be decoded.
    #[error("the component's types cannot be read")]
    Undecodable(#[source] BoxError),
    /// A component whose code is not valid WebAssembly.
    #[error("the component is not valid WebAssembly: {0}")]
    Invalid(wasmparser::BinaryReaderError),
}
