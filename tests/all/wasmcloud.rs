//! The wasmCloud files `bindery compose` writes: each `WorkloadDeployment`
//! is valid against the OpenAPI schema of wasmCloud 2's CRD
//! (`../shared/specs/wasmcloud-v2/crd-workloaddeployments.yaml`), for HTTP
//! and NATS components of either WASI generation; `wash dev` runs the
//! written `.wash/config.yaml` in `host_matrix` and `nats`.

use std::path::Path;

use serde_json::{Value, json};
use yaml_rust2::{Yaml, YamlLoader};

use crate::serve::run;

/// The CRD, from the shared specs beside the repository.
fn crd() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/specs/wasmcloud-v2/crd-workloaddeployments.yaml");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("reading {}: {err}", path.display()));
    json(&YamlLoader::load_from_str(&text).unwrap()[0])
}

/// A YAML document as JSON.
fn json(yaml: &Yaml) -> Value {
    match yaml {
        Yaml::Real(text) => text.parse::<f64>().map_or(Value::Null, Value::from),
        Yaml::Integer(number) => json!(number),
        Yaml::String(text) => json!(text),
        Yaml::Boolean(flag) => json!(flag),
        Yaml::Array(items) => Value::Array(items.iter().map(json).collect()),
        Yaml::Hash(hash) => Value::Object(
            hash.iter()
                .map(|(key, value)| {
                    let key = match key {
                        Yaml::String(text) => text.clone(),
                        other => format!("{other:?}"),
                    };
                    (key, json(value))
                })
                .collect(),
        ),
        Yaml::Null | Yaml::BadValue | Yaml::Alias(_) => Value::Null,
    }
}

/// The `v1alpha1` schema of the CRD.
fn schema() -> jsonschema::Validator {
    let crd = crd();
    let version = crd["spec"]["versions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|version| version["name"] == "v1alpha1")
        .expect("the CRD has v1alpha1");
    jsonschema::validator_for(&version["schema"]["openAPIV3Schema"]).unwrap()
}

/// Composes a manifest with an HTTP and a NATS component of each
/// generation; the written `WorkloadDeployment`s, by component.
fn written() -> Vec<(String, Value)> {
    let dir = tempfile::tempdir().unwrap();
    let mut manifest = String::from(
        "spin_manifest_version = 2\n[application]\nname = \"Orders App\"\n\
         [application.trigger.nats]\naddress = \"nats://127.0.0.1:4222\"\n",
    );
    for (id, wasi) in [("http-p2", "0.2"), ("http-p3", "0.3")] {
        manifest.push_str(&format!(
            "[[trigger.http]]\nroute = \"/{id}\"\ncomponent = \"{id}\"\n\
             executor = {{ type = \"binder\", binder = \"http-cloudevents\", wasi = \"{wasi}\" }}\n"
        ));
    }
    for (id, wasi) in [("nats-p2", "0.2"), ("nats-p3", "0.3")] {
        manifest.push_str(&format!(
            "[[trigger.nats]]\nsubject = \"orders.{id}\"\nqueue-group = \"orders\"\ncomponent = \"{id}\"\n\
             executor = {{ type = \"binder\", binder = \"nats-cloudevents\", wasi = \"{wasi}\" }}\n"
        ));
    }
    for id in ["http-p2", "http-p3", "nats-p2", "nats-p3"] {
        manifest.push_str(&format!(
            "[component.{id}]\nsource = {:?}\nenvironment = {{ LOG = \"debug\", TOKEN = \"env:ORDERS_TOKEN\" }}\n",
            bindery_tests::ECHO
        ));
    }
    std::fs::write(dir.path().join("spin.toml"), manifest).unwrap();
    let composed = run(
        dir.path(),
        &["compose", "--image", "registry.example.com/orders/{id}:1.0"],
    );
    let stderr = String::from_utf8_lossy(&composed.stderr);
    assert!(composed.status.success(), "{stderr}");
    assert!(
        stderr.contains("`TOKEN` is read from the host's environment"),
        "a setting from the host's environment is left out, with a warning: {stderr}"
    );
    ["http-p2", "http-p3", "nats-p2", "nats-p3"]
        .into_iter()
        .map(|id| {
            let path = dir
                .path()
                .join(format!(".bindery/wasmcloud/{id}/workloaddeployment.yaml"));
            let text = std::fs::read_to_string(&path).unwrap();
            (
                id.to_owned(),
                json(&YamlLoader::load_from_str(&text).unwrap()[0]),
            )
        })
        .collect()
}

#[test]
fn every_written_workload_deployment_is_valid_against_the_crd() {
    let schema = schema();
    for (id, deployment) in written() {
        let errors: Vec<String> = schema
            .iter_errors(&deployment)
            .map(|error| format!("{}: {error}", error.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{id}: {errors:?}\n{deployment:#}");
        let spec = &deployment["spec"]["template"]["spec"];
        let component = &spec["components"][0];
        assert_eq!(component["name"], id.as_str());
        assert_eq!(
            component["image"],
            format!("registry.example.com/orders/{id}:1.0")
        );
        assert_eq!(
            component["localResources"]["environment"]["config"],
            json!({"LOG": "debug"}),
            "the host's own secret is not written"
        );
        let interface = &spec["hostInterfaces"][0];
        let expected = match id.as_str() {
            "http-p2" => json!(["wasi", "http", ["incoming-handler"], "0.2.0"]),
            "http-p3" => json!(["wasi", "http", ["handler"], "0.3.0"]),
            "nats-p2" => json!(["wasmcloud", "messaging", ["handler", "consumer"], "0.2.0"]),
            _ => json!(["wasmcloud", "messaging", ["handler", "consumer"], "0.3.0"]),
        };
        assert_eq!(
            json!([
                interface["namespace"],
                interface["package"],
                interface["interfaces"],
                interface["version"]
            ]),
            expected,
            "{id}"
        );
        if id.starts_with("nats") {
            assert_eq!(interface["config"]["subscriptions"], format!("orders.{id}"));
            assert_eq!(interface["config"]["consumer_group"], "orders");
        }
        assert_eq!(deployment["metadata"]["name"], format!("orders-app-{id}"));
    }
}

#[test]
fn a_deployment_without_its_components_is_invalid_against_the_crd() {
    // The schema is not vacuous: a deployment that lacks what the CRD
    // requires is refused.
    let schema = schema();
    let (_, mut deployment) = written().remove(0);
    deployment["spec"]["template"]["spec"]["components"][0]
        .as_object_mut()
        .unwrap()
        .remove("image");
    assert!(!schema.is_valid(&deployment));
}
