//! The served view: what a host reads from a plain Spin v2 manifest (as
//! `bindery compose` writes it, or as written for Spin). Fields a host does
//! not need are accepted and ignored; an executor the host does not run is
//! an error that says what to do.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::broker::BrokerSettings;
use crate::error::{self, ManifestError, ParseError};
use crate::id::ComponentId;
use crate::jetstream::{JetStream, JetStreamKeys};
use crate::reuse::InstanceReuse;
use crate::subject::is_subscription_subject;
use crate::version::ManifestVersion;

/// The routes and subscriptions of a plain manifest, each with the
/// component behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct PlainManifest {
    routes: Vec<PlainRoute>,
    subscriptions: Vec<PlainSubscription>,
    broker: BrokerSettings,
    instance_reuse: InstanceReuse,
}

/// One `[[trigger.nats]]` of a plain manifest.
#[derive(Debug, Clone, PartialEq)]
pub struct PlainSubscription {
    /// The subject subscribed to.
    pub subject: String,
    /// The queue group, if any.
    pub queue_group: Option<String>,
    /// The JetStream stream and consumer it takes its messages from, or
    /// `None` for core NATS.
    pub jetstream: Option<JetStream>,
    /// The id of the component behind it.
    pub id: String,
    /// The component.
    pub component: PlainComponent,
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
    application: Application,
    #[serde(default)]
    trigger: Triggers,
    #[serde(default)]
    component: BTreeMap<ComponentId, PlainComponent>,
}

#[derive(Default, Deserialize)]
struct Application {
    #[serde(default)]
    trigger: Option<toml::Table>,
}

#[derive(Default, Deserialize)]
struct Triggers {
    #[serde(default)]
    http: Vec<Trigger>,
    #[serde(default)]
    nats: Vec<NatsTrigger>,
}

#[derive(Deserialize)]
struct Trigger {
    route: String,
    component: ComponentId,
    #[serde(default)]
    executor: Option<toml::Table>,
}

#[derive(Deserialize)]
struct NatsTrigger {
    subject: String,
    #[serde(default, rename = "queue-group")]
    queue_group: Option<String>,
    component: ComponentId,
    #[serde(default)]
    executor: Option<toml::Table>,
    #[serde(flatten)]
    jetstream: JetStreamKeys,
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
        let component = |trigger: String, executor: Option<&toml::Table>, id: &ComponentId| {
            if let Some(kind) = executor.map(executor_kind)
                && !SERVED_EXECUTORS.contains(&kind.as_str())
            {
                let hint = if kind == "binder" {
                    ": compose it first with `bindery compose` (or `bindery up`) and serve the manifest that writes"
                } else {
                    ""
                };
                return Err(ParseError::UnservedExecutor {
                    trigger,
                    kind,
                    hint,
                });
            }
            let mut component = document.component.get(id).cloned().ok_or_else(|| {
                ParseError::UnknownComponent {
                    trigger,
                    component: id.clone(),
                    defined: error::list(document.component.keys().map(ComponentId::as_str)),
                }
            })?;
            component.source = base.join(&component.source);
            Ok(component)
        };
        let routes = document
            .trigger
            .http
            .iter()
            .map(|trigger| {
                let label = format!("route `{}`", trigger.route);
                Ok::<_, ParseError>(PlainRoute {
                    route: trigger.route.clone(),
                    id: trigger.component.to_string(),
                    component: component(label, trigger.executor.as_ref(), &trigger.component)?,
                })
            })
            .collect::<Result<_, _>>()?;
        let subscriptions = document
            .trigger
            .nats
            .iter()
            .map(|trigger| {
                if !is_subscription_subject(&trigger.subject) {
                    return Err(ParseError::InvalidSubject(trigger.subject.clone()));
                }
                let label = format!("subject `{}`", trigger.subject);
                let jetstream = trigger
                    .jetstream
                    .settings(
                        &trigger.subject,
                        &trigger.component,
                        trigger.queue_group.as_deref(),
                    )
                    .map_err(|error| ParseError::from(error).placed(text))?;
                Ok(PlainSubscription {
                    subject: trigger.subject.clone(),
                    queue_group: trigger.queue_group.clone(),
                    jetstream,
                    id: trigger.component.to_string(),
                    component: component(label, trigger.executor.as_ref(), &trigger.component)?,
                })
            })
            .collect::<Result<_, _>>()?;
        let triggers = document.application.trigger.as_ref();
        let broker = BrokerSettings::from_application_triggers(triggers)
            .map_err(|error| error.placed(text))?
            .relative_to(base);
        Ok(Self {
            routes,
            subscriptions,
            broker,
            instance_reuse: InstanceReuse::from_application_triggers(triggers)
                .map_err(|error| error.placed(text))?,
        })
    }

    /// The routes, in manifest order.
    pub fn routes(&self) -> &[PlainRoute] {
        &self.routes
    }

    /// The routes, owned.
    pub fn into_routes(self) -> Vec<PlainRoute> {
        self.routes
    }

    /// The NATS subscriptions, in manifest order.
    pub fn subscriptions(&self) -> &[PlainSubscription] {
        &self.subscriptions
    }

    /// `[application.trigger.http] instance-reuse`: the settings given.
    pub fn instance_reuse(&self) -> InstanceReuse {
        self.instance_reuse
    }

    /// `[application.trigger.nats]`: the broker's address and the files
    /// the host reaches it with, relative to the current directory.
    pub fn broker(&self) -> &BrokerSettings {
        &self.broker
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

    #[test]
    fn reads_nats_subscriptions_and_the_broker_address() {
        let manifest = PlainManifest::parse(
            "spin_manifest_version = 2\n[application]\nname = \"a\"\n[application.trigger.nats]\naddress = \"nats://127.0.0.1:4222\"\n\
             [[trigger.nats]]\nsubject = \"orders.*\"\nqueue-group = \"orders\"\ncomponent = \"a\"\n[component.a]\nsource = \"a.wasm\"\n",
            Path::new("app"),
        )
        .unwrap();
        assert_eq!(
            manifest.broker().address.as_deref(),
            Some("nats://127.0.0.1:4222")
        );
        let [subscription] = manifest.subscriptions() else {
            panic!("{manifest:?}")
        };
        assert_eq!(subscription.subject, "orders.*");
        assert_eq!(subscription.queue_group.as_deref(), Some("orders"));
        assert_eq!(subscription.component.source, Path::new("app/a.wasm"));
        let composed_first = PlainManifest::parse(
            "spin_manifest_version = 2\n[application]\nname = \"a\"\n[[trigger.nats]]\nsubject = \"o\"\ncomponent = \"a\"\n\
             executor = { type = \"binder\", binder = \"nats-cloudevents\" }\n[component.a]\nsource = \"a.wasm\"\n",
            Path::new("."),
        )
        .unwrap_err();
        assert!(
            composed_first
                .to_string()
                .starts_with("the trigger for subject `o` has an executor")
        );
    }

    #[test]
    fn reads_a_jetstream_trigger_and_places_its_errors() {
        let text = |keys: &str| {
            format!(
                "spin_manifest_version = 2\n[application]\nname = \"a\"\n[[trigger.nats]]\n\
                 subject = \"orders.created\"\ncomponent = \"audit\"\n{keys}\n[component.audit]\nsource = \"a.wasm\"\n"
            )
        };
        let manifest = PlainManifest::parse(
            &text("stream = \"ORDERS\"\nbackoff = [\"2s\"]"),
            Path::new("."),
        )
        .unwrap();
        let jetstream = manifest.subscriptions()[0].jetstream.as_ref().unwrap();
        assert_eq!(jetstream.stream.as_str(), "ORDERS");
        assert_eq!(jetstream.consumer.as_str(), "audit");
        assert_eq!(jetstream.backoff, [std::time::Duration::from_secs(2)]);
        let refused = PlainManifest::parse(
            &text("stream = \"ORDERS\"\ndead-letter = \"orders.created\""),
            Path::new("."),
        )
        .unwrap_err()
        .to_string();
        assert!(
            refused.starts_with(
                "line 8, column 1: `dead-letter` of the trigger for subject `orders.created`"
            ),
            "{refused}"
        );
    }
}
