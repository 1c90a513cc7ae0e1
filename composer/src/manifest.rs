//! The application manifest: Spin v2 shaped, with one addition, a trigger
//! `executor` of `type = "binder"` that selects a binder.
//!
//! ```toml
//! spin_manifest_version = 2
//!
//! [application]
//! name = "orders"
//!
//! [[trigger.http]]
//! route = "/events"
//! component = "orders"
//! executor = { type = "binder", binder = "http-cloudevents", config = { allowed-origins = ["events.example.com"] } }
//!
//! [component.orders]
//! source = "target/wasm32-wasip2/release/orders.wasm"
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// A Spin v2 application manifest.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AppManifest {
    /// Always `2`.
    pub spin_manifest_version: u32,
    /// The application's name and metadata.
    pub application: Application,
    /// Application variables, as Spin defines them; passed through.
    #[serde(default, skip_serializing_if = "toml::Table::is_empty")]
    pub variables: toml::Table,
    /// The triggers; only HTTP triggers are supported.
    #[serde(default)]
    pub trigger: Triggers,
    /// The components, by id.
    #[serde(default)]
    pub component: BTreeMap<String, Component>,
}

/// `[application]`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Application {
    /// The application name, for example `"orders"`.
    pub name: String,
    /// The application version, for example `"1.0.0"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// A description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The authors.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authors: Vec<String>,
    /// Application-level trigger settings, for example `http = { base = "/" }`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger: Option<toml::Table>,
}

/// `[trigger]`.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Triggers {
    /// `[[trigger.http]]` entries.
    #[serde(default)]
    pub http: Vec<HttpTrigger>,
}

/// `[[trigger.http]]`: a route and the component that serves it.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HttpTrigger {
    /// An optional trigger id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The route: an exact path, or a prefix ending in `/...`.
    pub route: String,
    /// The id of the component that serves the route.
    pub component: String,
    /// How requests reach the component. `{ type = "binder", ... }` selects
    /// a binder; anything else is passed through to the host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub executor: Option<toml::Table>,
}

/// `[component.<id>]`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Component {
    /// A description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The component file, relative to the manifest, for example
    /// `"target/wasm32-wasip2/release/orders.wasm"`.
    pub source: String,
    /// Environment variables given to the component.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub environment: BTreeMap<String, String>,
    /// Hosts the component may send HTTP requests to, for example
    /// `["https://api.example.com"]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_outbound_hosts: Vec<String>,
    /// Files mounted into the component; passed through.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<toml::Value>,
    /// Files excluded from `files`; passed through.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude_files: Vec<String>,
    /// Component variables; passed through.
    #[serde(default, skip_serializing_if = "toml::Table::is_empty")]
    pub variables: toml::Table,
    /// Key-value stores the component may use; passed through.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub key_value_stores: Vec<String>,
    /// How to build the component (`bindery build`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build: Option<ComponentBuild>,
}

/// `[component.<id>.build]`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ComponentBuild {
    /// The command that builds the component, for example
    /// `"cargo build --target wasm32-wasip2 --release"`.
    pub command: String,
    /// The directory to run it in, relative to the manifest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workdir: Option<String>,
    /// Files whose change should trigger a rebuild; passed through.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub watch: Vec<String>,
}

/// `executor = { type = "binder", ... }`: exactly one of `binder`, `source`
/// or `url` says which binder.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BinderExecutor {
    /// Always `"binder"`.
    #[serde(rename = "type")]
    pub kind: String,
    /// A built-in binder, for example `"http-cloudevents"`.
    #[serde(default)]
    pub binder: Option<String>,
    /// A binder component file, relative to the manifest.
    #[serde(default)]
    pub source: Option<String>,
    /// A binder component to download; needs `digest`.
    #[serde(default)]
    pub url: Option<String>,
    /// `"sha256:<hex>"` of the file at `url`.
    #[serde(default)]
    pub digest: Option<String>,
    /// The binder's settings, given to it as `BINDERY_CONFIG_<KEY>`
    /// environment variables.
    #[serde(default)]
    pub config: toml::Table,
}

/// Why a manifest could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// The file could not be read.
    #[error("{}: cannot read the manifest", path.display())]
    Read {
        /// The manifest path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Not valid TOML, an unknown field, or a value of the wrong type; the
    /// message carries the line and column.
    #[error("{}: {message}", path.display())]
    Parse {
        /// The manifest path.
        path: PathBuf,
        /// What is wrong, and where.
        message: String,
    },
}

impl AppManifest {
    /// Reads and parses a manifest file.
    pub fn load(path: &Path) -> Result<Self, ManifestError> {
        let text = std::fs::read_to_string(path).map_err(|source| ManifestError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text).map_err(|message| ManifestError::Parse {
            path: path.to_owned(),
            message,
        })
    }

    /// Parses manifest text; the error names the line and column at fault.
    pub fn parse(text: &str) -> Result<Self, String> {
        let manifest: Self = toml::from_str(text).map_err(|err| describe(text, &err))?;
        if manifest.spin_manifest_version != 2 {
            return Err(format!(
                "spin_manifest_version is {}, but bindery reads version 2 manifests",
                manifest.spin_manifest_version
            ));
        }
        Ok(manifest)
    }

    /// The manifest as TOML text.
    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("a manifest always serializes")
    }
}

impl HttpTrigger {
    /// The binder executor of this trigger, if its executor is one.
    pub fn binder(&self) -> Option<Result<BinderExecutor, String>> {
        let executor = self.executor.as_ref()?;
        (executor.get("type").and_then(toml::Value::as_str) == Some("binder")).then(|| {
            BinderExecutor::deserialize(toml::Value::Table(executor.clone())).map_err(|err| {
                format!(
                    "trigger for route `{}`: executor: {}",
                    self.route,
                    err.message()
                )
            })
        })
    }
}

/// A TOML error as `line L, column C: message`.
fn describe(text: &str, error: &toml::de::Error) -> String {
    match error.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.len() - before.rfind('\n').map_or(0, |newline| newline + 1) + 1;
            format!("line {line}, column {column}: {}", error.message())
        }
        None => error.message().to_owned(),
    }
}
