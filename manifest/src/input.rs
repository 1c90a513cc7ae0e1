//! The strict input view: Spin v2 with binder executors, as `bindery compose`
//! and `bindery build` read it. Unknown fields are errors, so a typo is
//! caught rather than ignored.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::dependency::Dependency;
use crate::error::{self, ManifestError, ParseError};
use crate::executor::{BinderExecutor, Executor};
use crate::id::ComponentId;
use crate::middleware::{Middleware, MiddlewareSource, TriggerDependencies};
use crate::reuse::InstanceReuse;
use crate::version::ManifestVersion;

/// A Spin v2 application manifest whose triggers may select binders.
///
/// ```toml
/// spin_manifest_version = 2
///
/// [application]
/// name = "orders"
///
/// [[trigger.http]]
/// route = "/events"
/// component = "orders"
/// executor = { type = "binder", binder = "http-cloudevents" }
///
/// [component.orders]
/// source = "target/wasm32-wasip2/release/orders.wasm"
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AppManifest {
    /// Always `2`.
    pub spin_manifest_version: ManifestVersion,
    /// The application's name and metadata.
    pub application: Application,
    /// Application variables, as Spin defines them; passed through.
    #[serde(default, skip_serializing_if = "toml::Table::is_empty")]
    pub variables: toml::Table,
    /// The triggers.
    #[serde(default)]
    pub trigger: Triggers,
    /// The components, by id.
    #[serde(default)]
    pub component: BTreeMap<ComponentId, Component>,
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
    /// The authors, for example `["Ada <ada@example.com>"]`.
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
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub http: Vec<HttpTrigger>,
    /// `[[trigger.nats]]` entries.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nats: Vec<NatsTrigger>,
}

/// The transport a trigger brings requests over, which decides the handler
/// its binder must export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// `[[trigger.http]]`: `wasi:http`.
    Http,
    /// `[[trigger.nats]]`: `wasmcloud:messaging`.
    Nats,
}

impl Transport {
    /// The trigger type, as the manifest writes it: `http` or `nats`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Http => "http",
            Self::Nats => "nats",
        }
    }
}

/// A component's binder executor and the transport of its triggers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BinderUse<'a> {
    /// The executor.
    pub executor: &'a BinderExecutor,
    /// The transport its triggers bring requests over.
    pub transport: Transport,
}

/// `[[trigger.http]]`: a route and the component that serves it.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HttpTrigger {
    /// An optional trigger id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The route: an exact path such as `"/events"`, or a prefix ending in
    /// `/...` such as `"/api/..."`.
    pub route: String,
    /// The id of the component that serves the route, for example `"orders"`.
    pub component: ComponentId,
    /// How requests reach the component: `{ type = "binder", ... }` selects
    /// a binder; any other executor is passed through to the host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub executor: Option<Executor>,
    /// Build-time dependencies in Spin 4's shape: `middleware`, the stages
    /// composed in front of the component (WASI 0.3 only).
    #[serde(default, skip_serializing_if = "TriggerDependencies::is_empty")]
    pub dependencies: TriggerDependencies,
}

/// `[[trigger.nats]]`: a subject and the component that handles its
/// messages. The broker is `[application.trigger.nats] address`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NatsTrigger {
    /// An optional trigger id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The subject to subscribe to, for example `"orders.created"`
    /// (wildcards `*` and a final `>` allowed).
    pub subject: String,
    /// The queue group, so that several hosts share the messages, for
    /// example `"orders"`.
    #[serde(
        default,
        rename = "queue-group",
        skip_serializing_if = "Option::is_none"
    )]
    pub queue_group: Option<String>,
    /// The id of the component that handles the messages.
    pub component: ComponentId,
    /// How messages reach the component: `{ type = "binder", ... }` selects
    /// a binder; any other executor is passed through to the host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub executor: Option<Executor>,
}

/// Whether `subject` is one a client can subscribe to: non-empty
/// dot-separated tokens of visible characters, `>` only as the last token.
pub fn is_subscription_subject(subject: &str) -> bool {
    let tokens: Vec<&str> = subject.split('.').collect();
    tokens.iter().enumerate().all(|(index, token)| {
        !token.is_empty()
            && token.bytes().all(|byte| byte.is_ascii_graphic())
            && (!token.contains('>') || (*token == ">" && index == tokens.len() - 1))
            && (!token.contains('*') || *token == "*")
    })
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
    /// Environment variables given to the component, for example
    /// `{ LOG_LEVEL = "debug" }`.
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
    /// Key-value stores the component may use, for example `["default"]`;
    /// passed through.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub key_value_stores: Vec<String>,
    /// How to build the component (`bindery build`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build: Option<ComponentBuild>,
    /// Imports satisfied at build time, by interface name (Spin's
    /// `dependencies`); `bindery compose` links them in and leaves the
    /// table out of its output.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub dependencies: BTreeMap<String, Dependency>,
}

/// `[component.<id>.build]`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ComponentBuild {
    /// The command that builds the component, for example
    /// `"cargo build --target wasm32-wasip2 --release"`.
    pub command: String,
    /// The directory to run it in, relative to the manifest, for example
    /// `"app"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workdir: Option<String>,
    /// Files whose change should trigger a rebuild; passed through.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub watch: Vec<String>,
}

impl AppManifest {
    /// Reads and parses a manifest file.
    pub fn load(path: &Path) -> Result<Self, ManifestError> {
        error::load(path, Self::parse)
    }

    /// Parses manifest text and checks that every trigger names a defined
    /// component, and that a component sits behind one executor only.
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let manifest: Self =
            toml::from_str(text).map_err(|error| ParseError::from_toml(text, &error))?;
        manifest.binder_executors()?;
        manifest.middleware()?;
        manifest.instance_reuse()?;
        Ok(manifest)
    }

    /// The binder executor of each component that has one, with the
    /// transport of its triggers.
    ///
    /// Fails when a trigger names an undefined component or a NATS subject
    /// that is not one, or when one component sits behind triggers with
    /// different executors or transports (one component is composed with
    /// one binder).
    pub fn binder_executors(&self) -> Result<BTreeMap<&ComponentId, BinderUse<'_>>, ParseError> {
        let http = self.trigger.http.iter().map(|trigger| {
            let label = format!("route `{}`", trigger.route);
            (
                label,
                &trigger.component,
                trigger.executor.as_ref(),
                Transport::Http,
            )
        });
        let nats = self.trigger.nats.iter().map(|trigger| {
            let label = format!("subject `{}`", trigger.subject);
            (
                label,
                &trigger.component,
                trigger.executor.as_ref(),
                Transport::Nats,
            )
        });
        for trigger in &self.trigger.nats {
            if !is_subscription_subject(&trigger.subject) {
                return Err(ParseError::InvalidSubject(trigger.subject.clone()));
            }
        }
        let mut served: BTreeMap<&ComponentId, (Option<&Executor>, Transport)> = BTreeMap::new();
        for (label, component, executor, transport) in http.chain(nats) {
            if !self.component.contains_key(component) {
                return Err(ParseError::UnknownComponent {
                    trigger: label,
                    component: component.clone(),
                    defined: error::list(self.component.keys().map(ComponentId::as_str)),
                });
            }
            match served.get(component) {
                Some((_, earlier)) if *earlier != transport => {
                    return Err(ParseError::ConflictingTransports(component.clone()));
                }
                Some((earlier, _)) if *earlier != executor => {
                    return Err(ParseError::ConflictingExecutors(component.clone()));
                }
                _ => {
                    served.insert(component, (executor, transport));
                }
            }
        }
        Ok(served
            .into_iter()
            .filter_map(|(id, (executor, transport))| {
                Some((
                    id,
                    BinderUse {
                        executor: executor?.as_binder()?,
                        transport,
                    },
                ))
            })
            .collect())
    }

    /// The middleware chain in front of each component that has one.
    ///
    /// Fails when a stage names an undefined component, or when one
    /// component sits behind HTTP triggers with different chains.
    pub fn middleware(&self) -> Result<BTreeMap<&ComponentId, &[Middleware]>, ParseError> {
        let mut chains: BTreeMap<&ComponentId, &[Middleware]> = BTreeMap::new();
        for trigger in &self.trigger.http {
            let chain = trigger.dependencies.middleware.as_slice();
            for stage in chain {
                if let MiddlewareSource::Component(id) = &stage.source
                    && !self.component.contains_key(id)
                {
                    return Err(ParseError::UnknownMiddleware {
                        trigger: format!("route `{}`", trigger.route),
                        component: id.clone(),
                        defined: error::list(self.component.keys().map(ComponentId::as_str)),
                    });
                }
            }
            match chains.get(&trigger.component) {
                Some(earlier) if *earlier != chain => {
                    return Err(ParseError::ConflictingMiddleware(trigger.component.clone()));
                }
                _ => {
                    chains.insert(&trigger.component, chain);
                }
            }
        }
        chains.retain(|_, chain| !chain.is_empty());
        Ok(chains)
    }

    /// `[application.trigger.http] instance-reuse`, or no settings.
    pub fn instance_reuse(&self) -> Result<InstanceReuse, ParseError> {
        InstanceReuse::from_application_triggers(self.application.trigger.as_ref())
    }

    /// The manifest as TOML text.
    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("a manifest always serializes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "spin_manifest_version = 2\n[application]\nname = \"a\"\n";

    fn parse(rest: &str) -> Result<AppManifest, String> {
        AppManifest::parse(&format!("{HEAD}{rest}")).map_err(|error| error.to_string())
    }

    #[test]
    fn component_ids_are_kebab_case_and_named_by_line() {
        let error = parse("[component.\"../x\"]\nsource = \"x.wasm\"\n").unwrap_err();
        assert!(
            error.starts_with("line 4, column 12: `../x` is not a valid component id"),
            "{error}"
        );
        let error =
            parse("[[trigger.http]]\nroute = \"/\"\ncomponent = \"Has Space\"\n").unwrap_err();
        assert!(
            error.starts_with("line 6, column 13: `Has Space` is not a valid component id"),
            "{error}"
        );
    }

    #[test]
    fn binder_executors_are_checked_where_they_are_written() {
        let trigger = |executor: &str| {
            format!(
                "[[trigger.http]]\nroute = \"/\"\ncomponent = \"a\"\nexecutor = {executor}\n[component.a]\nsource = \"a.wasm\"\n"
            )
        };
        let error = parse(&trigger(
            "{ type = \"binder\", binder = \"x\", source = \"y\" }",
        ))
        .unwrap_err();
        assert!(
            error.contains("line 7") && error.contains("exactly one of"),
            "{error}"
        );
        let error =
            parse(&trigger("{ type = \"binder\", url = \"http://x/b.wasm\" }")).unwrap_err();
        assert!(error.contains("needs `digest"), "{error}");
        let error = parse(&trigger(
            "{ type = \"binder\", binder = \"x\", config = { a = { b = 1 } } }",
        ))
        .unwrap_err();
        assert!(error.contains("binder config `a`"), "{error}");
        let manifest = parse(&trigger("{ type = \"binder\", binder = \"x\", config = { allowed-origins = [\"a\", \"b\"], max-body = 5 } }")).unwrap();
        let executors = manifest.binder_executors().unwrap();
        let environment = executors.values().next().unwrap().executor.environment();
        assert_eq!(environment["BINDERY_CONFIG_ALLOWED_ORIGINS"], "a,b");
        assert_eq!(environment["BINDERY_CONFIG_MAX_BODY"], "5");
        let other = parse(&trigger("{ type = \"spin\" }")).unwrap();
        assert!(other.binder_executors().unwrap().is_empty());
        assert_eq!(AppManifest::parse(&other.to_toml()).unwrap(), other);
        assert_eq!(AppManifest::parse(&manifest.to_toml()).unwrap(), manifest);
    }

    #[test]
    fn version_and_references_are_checked() {
        let error = AppManifest::parse("spin_manifest_version = 1\n[application]\nname = \"a\"\n")
            .unwrap_err();
        assert!(
            error
                .to_string()
                .contains("spin_manifest_version is 1, but bindery reads version 2")
        );
        let error = parse("[[trigger.http]]\nroute = \"/\"\ncomponent = \"b\"\n[component.a]\nsource = \"a.wasm\"\n").unwrap_err();
        assert_eq!(
            error,
            "the trigger for route `/` names component `b`, which is not defined (defined: `a`)"
        );
    }

    #[test]
    fn nats_triggers_name_their_transport_and_are_checked() {
        let manifest = parse(
            "[application.trigger.nats]\naddress = \"nats://127.0.0.1:4222\"\n\
             [[trigger.http]]\nroute = \"/orders\"\ncomponent = \"orders-http\"\nexecutor = { type = \"binder\", binder = \"http-cloudevents\" }\n\
             [[trigger.nats]]\nsubject = \"orders.created\"\nqueue-group = \"orders\"\ncomponent = \"orders-nats\"\n\
             executor = { type = \"binder\", binder = \"nats-cloudevents\", config = { reply-subject = \"orders.accepted\" } }\n\
             [component.orders-http]\nsource = \"orders.wasm\"\n[component.orders-nats]\nsource = \"orders.wasm\"\n",
        )
        .unwrap();
        assert_eq!(
            manifest.trigger.nats[0].queue_group.as_deref(),
            Some("orders")
        );
        let executors = manifest.binder_executors().unwrap();
        let transports: Vec<_> = executors.values().map(|used| used.transport).collect();
        assert_eq!(transports, [Transport::Http, Transport::Nats]);
        assert_eq!(AppManifest::parse(&manifest.to_toml()).unwrap(), manifest);

        let both = parse(
            "[[trigger.http]]\nroute = \"/\"\ncomponent = \"a\"\n[[trigger.nats]]\nsubject = \"a\"\ncomponent = \"a\"\n\
             [component.a]\nsource = \"a.wasm\"\n",
        )
        .unwrap_err();
        assert!(both.contains("both an HTTP and a NATS trigger"), "{both}");
        let unknown =
            parse("[[trigger.nats]]\nsubject = \"a.b\"\ncomponent = \"b\"\n[component.a]\nsource = \"a.wasm\"\n")
                .unwrap_err();
        assert!(
            unknown.starts_with("the trigger for subject `a.b` names component `b`"),
            "{unknown}"
        );
        for subject in ["", "a..b", "a b", "a.>.b", "a.b*"] {
            let error = parse(&format!(
                "[[trigger.nats]]\nsubject = {subject:?}\ncomponent = \"a\"\n[component.a]\nsource = \"a.wasm\"\n"
            ))
            .unwrap_err();
            assert!(error.contains("is not a subject"), "{subject}: {error}");
        }
        for subject in ["orders.created", "orders.*", "orders.>", ">"] {
            assert!(is_subscription_subject(subject), "{subject}");
        }
    }
}
