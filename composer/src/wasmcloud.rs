//! What wasmCloud 2 needs to run the output: for each component behind a
//! trigger, a `.wash/config.yaml` for `wash dev` and a Kubernetes
//! `WorkloadDeployment` for wasmCloud's runtime operator, both made from the
//! plain output manifest (the component's environment, its HTTP route or
//! its NATS subject and queue group) and written under
//! `<out>/wasmcloud/<id>/`.
//!
//! wasmCloud routes HTTP by host, not by path, and reads no `spin.toml`:
//! the route's path is not carried over, and a setting the host reads from
//! its own environment (`env:NAME`) is left out of both files, with a
//! warning, to be set in the deployment.

use std::collections::BTreeMap;

use bindery_manifest::{AppManifest, BrokerSettings, Component, ComponentId, FROM_HOST};
use yaml_rust2::yaml::Hash;
use yaml_rust2::{Yaml, YamlEmitter};

/// How the wasmCloud files are written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WasmCloudOptions {
    /// Where `wash dev` serves HTTP (`dev.address`).
    pub http_address: String,
    /// The OCI image the `WorkloadDeployment` names; `{id}` stands for the
    /// component id.
    pub image: String,
}

impl Default for WasmCloudOptions {
    fn default() -> Self {
        Self {
            http_address: "127.0.0.1:8000".to_owned(),
            image: "localhost:5000/{id}:latest".to_owned(),
        }
    }
}

/// The wasmCloud files of one output component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WasmCloudFiles {
    /// `.wash/config.yaml`, for `wash dev` run in `<out>/wasmcloud/<id>/`.
    pub wash_config: String,
    /// `workloaddeployment.yaml`: a `runtime.wasmcloud.dev/v1alpha1`
    /// `WorkloadDeployment`.
    pub workload_deployment: String,
}

/// What a component is served by.
enum Trigger<'a> {
    Http,
    Nats {
        subject: &'a str,
        queue_group: Option<&'a str>,
    },
}

impl Trigger<'_> {
    /// A NATS trigger's subscription as wasmCloud's messaging configures
    /// it: `subscriptions` and, with a queue group, `consumer_group`.
    fn subscription(&self) -> Option<Yaml> {
        let Self::Nats {
            subject,
            queue_group,
        } = self
        else {
            return None;
        };
        let mut config = vec![("subscriptions", text(subject))];
        if let Some(group) = queue_group {
            config.push(("consumer_group", text(group)));
        }
        Some(map(config))
    }
}

/// The wasmCloud files of every component of `manifest` behind a trigger,
/// and a warning for each setting left out.
pub(crate) fn files(
    manifest: &AppManifest,
    options: &WasmCloudOptions,
    is_p3: impl Fn(&ComponentId) -> bool,
) -> (BTreeMap<ComponentId, WasmCloudFiles>, Vec<String>) {
    let broker = BrokerSettings::from_application_triggers(manifest.application.trigger.as_ref())
        .unwrap_or_default();
    let mut triggers: BTreeMap<&ComponentId, Trigger<'_>> = BTreeMap::new();
    for trigger in &manifest.trigger.http {
        triggers.entry(&trigger.component).or_insert(Trigger::Http);
    }
    for trigger in &manifest.trigger.nats {
        triggers.entry(&trigger.component).or_insert(Trigger::Nats {
            subject: &trigger.subject,
            queue_group: trigger.queue_group.as_deref(),
        });
    }
    let mut files = BTreeMap::new();
    let mut warnings = Vec::new();
    for (id, trigger) in triggers {
        let Some(component) = manifest.component.get(id) else {
            continue;
        };
        let environment = environment(id, component, &mut warnings);
        let nats_url = broker
            .address
            .clone()
            .unwrap_or_else(|| "nats://127.0.0.1:4222".to_owned());
        files.insert(
            id.clone(),
            WasmCloudFiles {
                wash_config: wash_config(id, &trigger, &environment, options, &nats_url),
                workload_deployment: workload_deployment(
                    &manifest.application.name,
                    id,
                    &trigger,
                    &environment,
                    options,
                    is_p3(id),
                ),
            },
        );
    }
    (files, warnings)
}

/// The component's environment, but the settings its host supplies.
fn environment(
    id: &ComponentId,
    component: &Component,
    warnings: &mut Vec<String>,
) -> BTreeMap<String, String> {
    let mut kept = BTreeMap::new();
    for (name, value) in &component.environment {
        if value.starts_with(FROM_HOST) {
            warnings.push(format!(
                "component `{id}`: `{name}` is read from the host's environment (`{value}`), \
                 so the wasmCloud files leave it out; set it in the deployment"
            ));
        } else {
            kept.insert(name.clone(), value.clone());
        }
    }
    kept
}

fn text(value: &str) -> Yaml {
    Yaml::String(value.to_owned())
}

fn map<'a>(entries: impl IntoIterator<Item = (&'a str, Yaml)>) -> Yaml {
    let mut hash = Hash::new();
    for (key, value) in entries {
        hash.insert(text(key), value);
    }
    Yaml::Hash(hash)
}

fn strings(entries: &BTreeMap<String, String>) -> Yaml {
    map(entries
        .iter()
        .map(|(key, value)| (key.as_str(), text(value))))
}

fn dump(yaml: &Yaml) -> String {
    let mut out = String::new();
    YamlEmitter::new(&mut out)
        .dump(yaml)
        .expect("a YAML document of maps and strings is written");
    out.push('\n');
    out
}

/// `.wash/config.yaml`: build nothing (the component is composed), serve
/// `../../<id>.wasm` on the HTTP address or the broker, with the
/// component's environment and, for NATS, its subscription.
fn wash_config(
    id: &ComponentId,
    trigger: &Trigger<'_>,
    environment: &BTreeMap<String, String>,
    options: &WasmCloudOptions,
    nats_url: &str,
) -> String {
    let build = map([
        ("command", text("true")),
        ("component_path", text(&format!("../../{id}.wasm"))),
    ]);
    // `wash dev` serves HTTP whatever the trigger: the address is written
    // for a NATS component too, so that it is not wash's default.
    let address = ("address", text(&options.http_address));
    let (dev, config) = match trigger {
        Trigger::Http => (map([address]), None),
        Trigger::Nats { .. } => (
            map([address, ("data_nats_url", text(nats_url))]),
            trigger.subscription(),
        ),
    };
    let mut workload = Vec::new();
    if let Some(config) = config {
        workload.push(("config", config));
    }
    workload.push(("environment", map([("config", strings(environment))])));
    dump(&map([
        ("build", build),
        ("dev", dev),
        ("workload", map(workload)),
    ]))
}

/// The `WorkloadDeployment`: one replica of the component from its image,
/// its environment, and the host interface its trigger needs.
fn workload_deployment(
    app: &str,
    id: &ComponentId,
    trigger: &Trigger<'_>,
    environment: &BTreeMap<String, String>,
    options: &WasmCloudOptions,
    is_p3: bool,
) -> String {
    let version = if is_p3 { "0.3.0" } else { "0.2.0" };
    let host_interface = match trigger {
        Trigger::Http => map([
            ("namespace", text("wasi")),
            ("package", text("http")),
            (
                "interfaces",
                Yaml::Array(vec![text(if is_p3 {
                    "handler"
                } else {
                    "incoming-handler"
                })]),
            ),
            ("version", text(version)),
            ("config", map([("host", text("*"))])),
        ]),
        Trigger::Nats { .. } => map([
            ("namespace", text("wasmcloud")),
            ("package", text("messaging")),
            (
                "interfaces",
                Yaml::Array(vec![text("handler"), text("consumer")]),
            ),
            ("version", text(version)),
            ("config", trigger.subscription().unwrap_or_else(|| map([]))),
        ]),
    };
    let component = map([
        ("name", text(id.as_ref())),
        ("image", text(&options.image.replace("{id}", id.as_ref()))),
        (
            "localResources",
            map([("environment", map([("config", strings(environment))]))]),
        ),
    ]);
    let name = format!("{app}-{id}")
        .to_ascii_lowercase()
        .replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "-");
    dump(&map([
        ("apiVersion", text("runtime.wasmcloud.dev/v1alpha1")),
        ("kind", text("WorkloadDeployment")),
        ("metadata", map([("name", text(&name))])),
        (
            "spec",
            map([
                ("replicas", Yaml::Integer(1)),
                (
                    "template",
                    map([(
                        "spec",
                        map([
                            ("components", Yaml::Array(vec![component])),
                            ("hostInterfaces", Yaml::Array(vec![host_interface])),
                        ]),
                    )]),
                ),
            ]),
        ),
    ]))
}
