//! The strict input view: Spin v2 with binder executors, as `bindery compose`
//! and `bindery build` read it. Unknown fields are errors, so a typo is
//! caught rather than ignored.

use std::collections::BTreeMap;
use std::num::NonZeroU32;

use serde::{Deserialize, Serialize};

use crate::dependency::Dependency;
use crate::error::ParseError;
use crate::executor::Executor;
use crate::id::ComponentId;
use crate::jetstream::{Interval, JetStreamKeys, JetStreamName};
use crate::middleware::TriggerDependencies;
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
    /// The JetStream stream the trigger consumes, for example `"ORDERS"`
    /// (created if absent); without it the trigger is core NATS. See
    /// [`JetStreamKeys`] for this and the keys below.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<JetStreamName>,
    /// The durable consumer's name; the component id when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consumer: Option<JetStreamName>,
    /// Deliveries of one message before it goes to the dead letter, for
    /// example `5`.
    #[serde(
        default,
        rename = "max-deliver",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_deliver: Option<NonZeroU32>,
    /// The wait before each redelivery, the last one repeating, for example
    /// `["1s", "5s", "30s"]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backoff: Option<Vec<Interval>>,
    /// How long the broker waits for an acknowledgement, for example `"30s"`.
    #[serde(default, rename = "ack-wait", skip_serializing_if = "Option::is_none")]
    pub ack_wait: Option<Interval>,
    /// The subject a message goes to once its deliveries are spent, for
    /// example `"orders.dlq"`.
    #[serde(
        default,
        rename = "dead-letter",
        skip_serializing_if = "Option::is_none"
    )]
    pub dead_letter: Option<String>,
}

impl NatsTrigger {
    /// The trigger's JetStream keys, as written.
    pub fn jetstream_keys(&self) -> JetStreamKeys {
        JetStreamKeys {
            stream: self.stream.clone(),
            consumer: self.consumer.clone(),
            max_deliver: self.max_deliver,
            backoff: self.backoff.clone(),
            ack_wait: self.ack_wait,
            dead_letter: self.dead_letter.clone(),
        }
    }
}

/// The prefix of an `environment` value that the host reads from its own
/// environment at start: `env:NAME` is the value of its variable `NAME`, so
/// that a secret need not be written into the manifest.
pub const FROM_HOST: &str = "env:";

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
    /// Parses manifest text into the input view, unchecked: see
    /// [`AppManifest::parse`] for the checked views.
    pub fn from_toml(text: &str) -> Result<Self, ParseError> {
        toml::from_str(text).map_err(|error| ParseError::from_toml(text, &error))
    }

    /// The manifest as TOML text.
    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("a manifest always serializes")
    }
}
