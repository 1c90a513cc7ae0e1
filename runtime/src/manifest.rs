//! The part of a plain Spin v2 manifest the host reads: HTTP routes and the
//! components behind them. Other fields are accepted and ignored.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::HostError;

/// A plain Spin v2 manifest, as `bindery compose` writes it.
#[derive(Debug, Deserialize)]
pub(crate) struct PlainManifest {
    spin_manifest_version: u32,
    #[serde(default)]
    trigger: Triggers,
    #[serde(default)]
    component: BTreeMap<String, ComponentSpec>,
}

#[derive(Debug, Default, Deserialize)]
struct Triggers {
    #[serde(default)]
    http: Vec<HttpTrigger>,
}

#[derive(Debug, Deserialize)]
struct HttpTrigger {
    route: String,
    component: String,
    #[serde(default)]
    executor: Option<toml::Table>,
}

/// `[component.<id>]`, as far as the host needs it.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ComponentSpec {
    pub(crate) source: PathBuf,
    #[serde(default)]
    pub(crate) environment: BTreeMap<String, String>,
    #[serde(default)]
    pub(crate) allowed_outbound_hosts: Vec<String>,
}

/// One route of the manifest, with its component.
pub(crate) struct RouteSpec {
    pub(crate) route: String,
    pub(crate) id: String,
    pub(crate) component: ComponentSpec,
}

impl PlainManifest {
    /// Reads a manifest; component sources become paths relative to the
    /// current directory.
    pub(crate) fn load(path: &Path) -> Result<Vec<RouteSpec>, HostError> {
        let invalid = |message: String| HostError::Manifest {
            path: path.to_owned(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|err| invalid(err.to_string()))?;
        let manifest: Self =
            toml::from_str(&text).map_err(|err| invalid(err.message().to_owned()))?;
        if manifest.spin_manifest_version != 2 {
            return Err(invalid(format!(
                "spin_manifest_version is {}, expected 2",
                manifest.spin_manifest_version
            )));
        }
        let base = path.parent().unwrap_or(Path::new("."));
        manifest
            .trigger
            .http
            .into_iter()
            .map(|trigger| {
                if trigger.executor.as_ref().and_then(|e| e.get("type")?.as_str().map(str::to_owned)).as_deref()
                    == Some("binder")
                {
                    return Err(invalid(format!(
                        "the trigger for route `{}` has a binder executor: run `bindery compose` (or `bindery up`) \
                         and serve the manifest it writes",
                        trigger.route
                    )));
                }
                let mut component = manifest.component.get(&trigger.component).cloned().ok_or_else(|| {
                    invalid(format!(
                        "the trigger for route `{}` names component `{}`, which is not defined",
                        trigger.route, trigger.component
                    ))
                })?;
                component.source = base.join(&component.source);
                Ok(RouteSpec {
                    route: trigger.route,
                    id: trigger.component,
                    component,
                })
            })
            .collect()
    }
}
