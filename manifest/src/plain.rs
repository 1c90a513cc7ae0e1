//! The served view: what a host reads from a plain Spin v2 manifest (as
//! `bindery compose` writes it, or as written for Spin). Fields a host does
//! not need are accepted and ignored; an executor the host does not run is
//! an error that says what to do.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{self, ManifestError, ParseError};
use crate::id::ComponentId;
use crate::version::ManifestVersion;

/// The routes of a plain manifest, each with the component behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct PlainManifest {
    routes: Vec<PlainRoute>,
}

/// One `[[trigger.http]]` of a plain manifest.
#[derive(Debug, Clone, PartialEq)]
pub struct PlainRoute {
    /// The route: an exact path, or a prefix ending in `/...`.
    pub route: String,
    /// The id of the component behind it.
    pub id: String,
    /// The component.
    pub component: PlainComponent,
}

/// `[component.<id>]`, as far as a host needs it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PlainComponent {
    /// The component file; [`PlainManifest::load`] makes it relative to the
    /// current directory.
    pub source: PathBuf,
    /// Environment variables given to the component.
    #[serde(default)]
    pub environment: BTreeMap<String, String>,
    /// Hosts the component may send HTTP requests to.
    #[serde(default)]
    pub allowed_outbound_hosts: Vec<String>,
}

#[derive(Deserialize)]
struct Document {
    #[serde(rename = "spin_manifest_version")]
    _version: ManifestVersion,
    #[serde(default)]
    trigger: Triggers,
    #[serde(default)]
    component: BTreeMap<ComponentId, PlainComponent>,
}

#[derive(Default, Deserialize)]
struct Triggers {
    #[serde(default)]
    http: Vec<Trigger>,
}

#[derive(Deserialize)]
struct Trigger {
    route: String,
    component: ComponentId,
    #[serde(default)]
    executor: Option<toml::Table>,
}

/// The executor types a host runs: Spin's default for wasi:http components.
const SERVED_EXECUTORS: [&str; 1] = ["spin"];

impl PlainManifest {
    /// Reads a manifest file; component sources become paths relative to
    /// the current directory.
    pub fn load(path: &Path) -> Result<Self, ManifestError> {
        let base = path.parent().unwrap_or(Path::new("."));
        error::load(path, |text| Self::parse(text, base))
    }

    /// Parses manifest text; component sources are joined to `base`.
    pub fn parse(text: &str, base: &Path) -> Result<Self, ParseError> {
        let document: Document =
            toml::from_str(text).map_err(|error| ParseError::from_toml(text, &error))?;
        let routes = document
            .trigger
            .http
            .into_iter()
            .map(|trigger| {
                if let Some(kind) = trigger.executor.as_ref().map(executor_kind)
                    && !SERVED_EXECUTORS.contains(&kind.as_str())
                {
                    let hint = if kind == "binder" {
                        ": compose it first with `bindery compose` (or `bindery up`) and serve the manifest that writes"
                    } else {
                        ""
                    };
                    return Err(ParseError::UnservedExecutor {
                        route: trigger.route,
                        kind,
                        hint,
                    });
                }
                let mut component =
                    document.component.get(&trigger.component).cloned().ok_or_else(|| {
                        ParseError::UnknownComponent {
                            route: trigger.route.clone(),
                            component: trigger.component.clone(),
                            defined: error::list(document.component.keys().map(ComponentId::as_str)),
                        }
                    })?;
                component.source = base.join(&component.source);
                Ok(PlainRoute {
                    route: trigger.route,
                    id: trigger.component.into(),
                    component,
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { routes })
    }

    /// The routes, in manifest order.
    pub fn routes(&self) -> &[PlainRoute] {
        &self.routes
    }

    /// The routes, owned.
    pub fn into_routes(self) -> Vec<PlainRoute> {
        self.routes
    }
}

/// An executor's `type`, or `(none)` when it has none.
fn executor_kind(executor: &toml::Table) -> String {
    executor
        .get("type")
        .and_then(toml::Value::as_str)
        .unwrap_or("(none)")
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serves_routes_and_ignores_what_a_host_does_not_need() {
        let manifest = PlainManifest::parse(
            "spin_manifest_version = 2\n[application]\nname = \"a\"\n[[trigger.http]]\nroute = \"/e\"\ncomponent = \"a\"\n\
             executor = { type = \"spin\" }\n[component.a]\nsource = \"a.wasm\"\nsqlite_databases = [\"default\"]\n\
             environment = { K = \"v\" }\n",
            Path::new("out"),
        )
        .unwrap();
        let route = &manifest.routes()[0];
        assert_eq!((route.route.as_str(), route.id.as_str()), ("/e", "a"));
        assert_eq!(route.component.source, Path::new("out/a.wasm"));
        assert_eq!(route.component.environment["K"], "v");
    }

    #[test]
    fn refuses_executors_the_host_does_not_run() {
        let text = |executor: &str| {
            format!(
                "spin_manifest_version = 2\n[[trigger.http]]\nroute = \"/e\"\ncomponent = \"a\"\nexecutor = {executor}\n\
                 [component.a]\nsource = \"a.wasm\"\n"
            )
        };
        let error = PlainManifest::parse(
            &text("{ type = \"binder\", binder = \"b\" }"),
            Path::new("."),
        )
        .unwrap_err()
        .to_string();
        assert!(
            error.contains(
                "has an executor the host does not run (`type = \"binder\"`): compose it first"
            ),
            "{error}"
        );
        let error = PlainManifest::parse(&text("{ type = \"wagi\" }"), Path::new("."))
            .unwrap_err()
            .to_string();
        assert_eq!(
            error,
            "the trigger for route `/e` has an executor the host does not run (`type = \"wagi\"`)"
        );
    }
}
