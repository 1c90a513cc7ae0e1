//! Why a composition failed. Every message names the file at fault and what
//! does not match.

use std::path::PathBuf;

use bindery_manifest::{ManifestError, Sha256Digest};

use crate::world::WorldError;

/// An error of a Bytecode Alliance library (wit-parser, wit-component,
/// wac-types), with its chain of causes.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// An error of [`crate::compose`].
#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    /// The manifest cannot be read, parsed or validated.
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// A trigger names a built-in binder that does not exist.
    #[error("{}: unknown built-in binder `{name}` (the built-in binders are: {known})", manifest.display())]
    UnknownBinder {
        /// The manifest path.
        manifest: PathBuf,
        /// The name asked for.
        name: String,
        /// The built-in binders' names, listed.
        known: String,
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
    /// A file is not a usable component.
    #[error("{what} {file}")]
    NotAComponent {
        /// The file, or the binder's name.
        file: String,
        /// "binder" or "app".
        what: &'static str,
        /// Why.
        #[source]
        error: WorldError,
    },
    /// The app does not export an interface the binder imports.
    #[error(
        "app {app} does not export `{wanted}`, which the binder {binder} imports \
         (the app exports: {exports})"
    )]
    MissingExport {
        /// The app component file.
        app: String,
        /// The binder.
        binder: String,
        /// The imported interface, with its version.
        wanted: String,
        /// What the app does export.
        exports: String,
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
        "binder {binder} does not export {wanted}, which [[trigger.{trigger}]] needs (it exports: {exports})"
    )]
    BinderWrongTransport {
        /// The binder.
        binder: String,
        /// The trigger type, `http` or `nats`.
        trigger: &'static str,
        /// The handler that trigger needs.
        wanted: &'static str,
        /// What it exports.
        exports: String,
    },
    /// The binder imports no application protocol.
    #[error(
        "binder {binder} imports no application-protocol interface, so no app can be plugged into it"
    )]
    BinderWithoutProtocol {
        /// The binder.
        binder: String,
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
    /// The component imports an interface that only a build-time
    /// dependency can satisfy, and names none.
    #[error(
        "{}: component `{component}` imports `{import}`, which no host provides: name the component that \
         satisfies it in [component.{component}.dependencies], for example \
         \"{import}\" = {{ binder = \"http-sink\", config = {{ url = \"http://...\" }} }}", manifest.display()
    )]
    UnsatisfiedImport {
        /// The manifest.
        manifest: PathBuf,
        /// The component id.
        component: String,
        /// The interface.
        import: String,
    },
    /// The executor's settings ask for a build of a built-in binder that
    /// does not exist.
    #[error(
        "{}: built-in binder `{binder}` has no build for {wanted} ({builds})",
        manifest.display()
    )]
    NoSuchBuild {
        /// The manifest.
        manifest: PathBuf,
        /// The binder.
        binder: String,
        /// The settings that ask for the build.
        wanted: String,
        /// The builds there are.
        builds: String,
    },
    /// The binder imports an interface that only a dependency of the
    /// component can satisfy, and the component names none.
    #[error(
        "{}: the executor of component `{component}`, {binder}, imports `{import}` (it replies through a sink): \
         name the sink in [component.{component}.dependencies], for example \
         \"{import}\" = {{ binder = \"http-sink\", config = {{ url = \"http://...\" }} }}", manifest.display()
    )]
    BinderNeedsDependency {
        /// The manifest.
        manifest: PathBuf,
        /// The component id.
        component: String,
        /// The binder.
        binder: String,
        /// The interface.
        import: String,
    },
    /// A dependency names an interface the component does not import.
    #[error(
        "{}: component `{component}` has a dependency for `{interface}`, which it does not import \
         (it imports: {imports})", manifest.display()
    )]
    UnusedDependency {
        /// The manifest.
        manifest: PathBuf,
        /// The component id.
        component: String,
        /// The interface the dependency is for.
        interface: String,
        /// What the component imports.
        imports: String,
    },
    /// A dependency does not export the interface it is named for.
    #[error(
        "{}: the dependency {dependency} of component `{component}` does not export `{interface}` \
         (it exports: {exports})", manifest.display()
    )]
    DependencyLacksExport {
        /// The manifest.
        manifest: PathBuf,
        /// The component id.
        component: String,
        /// The dependency.
        dependency: String,
        /// The interface.
        interface: String,
        /// What it exports.
        exports: String,
    },
    /// A sink's URL is outside the component's `allowed_outbound_hosts`, so
    /// the host would refuse every event.
    #[error(
        "{}: component `{component}` sends events to {url}, which its allowed_outbound_hosts does not allow; \
         add the URL's scheme and host (and port) there", manifest.display()
    )]
    SinkNotAllowed {
        /// The manifest.
        manifest: PathBuf,
        /// The component id.
        component: String,
        /// The sink URL.
        url: String,
    },
    /// A middleware stage names a built-in that does not exist.
    #[error("{}: unknown built-in middleware `{name}` (the built-in middleware: {known})", manifest.display())]
    UnknownMiddleware {
        /// The manifest path.
        manifest: PathBuf,
        /// The name asked for.
        name: String,
        /// The built-in middleware's names, listed.
        known: String,
    },
    /// A middleware stage does not both import and export
    /// `wasi:http/handler@0.3.x`.
    #[error(
        "{}: middleware {stage} must import and export `wasi:http/handler@0.3.x` \
         (it imports: {imports}; it exports: {exports})", manifest.display()
    )]
    NotMiddleware {
        /// The manifest.
        manifest: PathBuf,
        /// The stage.
        stage: String,
        /// What it imports.
        imports: String,
        /// What it exports.
        exports: String,
    },
    /// A trigger has middleware, but its component does not export a WASI
    /// 0.3 handler to put it in front of.
    #[error(
        "{}: the trigger of component `{component}` has middleware, which needs a WASI 0.3 handler \
         behind it, but the component exports {found}: {hint}", manifest.display()
    )]
    MiddlewareNeedsP3 {
        /// The manifest.
        manifest: PathBuf,
        /// The component id.
        component: String,
        /// The handler it exports instead, or "no HTTP handler".
        found: String,
        /// What to do.
        hint: &'static str,
    },
    /// wac-graph could not link the two components.
    #[error("composing app {app} into binder {binder} failed")]
    Plug {
        /// The app component file.
        app: String,
        /// The binder.
        binder: String,
        /// wac-graph's explanation.
        #[source]
        source: Box<LinkError>,
    },
    /// `--world proxy`: the virtual `wasi:cli` could not be linked in.
    #[error("component `{component}`: cannot make its output proxy-only")]
    Proxy {
        /// The component id.
        component: String,
        /// Why.
        #[source]
        source: Box<LinkError>,
    },
    /// `--world proxy`: an import outside the proxy world remains.
    #[error(
        "component `{component}` imports {imports}, outside wasi:http/proxy; `--world proxy` \
         virtualises only wasi:cli's environment, exit and terminals"
    )]
    NotProxy {
        /// The component id.
        component: String,
        /// The imports left, listed.
        imports: String,
    },
    /// The output could not be written.
    #[error("{}: cannot write the output", path.display())]
    Write {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// A step of wac-graph's linking that failed.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    /// A component could not be registered in the graph.
    #[error(transparent)]
    Register(#[from] wac_graph::RegisterPackageError),
    /// The app's exports could not be plugged into the binder's imports.
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
}
