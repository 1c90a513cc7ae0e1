//! The CloudEvents conformance suite, loaded from `shared/conformance`.
//!
//! Every case of the JSON format files must pass: valid events and batches
//! decode to their golden samples (built here in code, as the suite asks),
//! invalid ones are rejected, and rejected with a 400 when sent in
//! structured or batch mode. The HTTP binding feature file is parsed and its
//! scenarios run through the binder.

use bindery_test_support::conformance;

use bindery_http_cloudevents::{BATCH, Config, STRUCTURED, json, respond};
use conformance::{
    assert_same_event, conformance_dir, load, sample_batch, sample_event, types_for,
};
use serde_json::Value;

fn post(content_type: &str, body: Vec<u8>) -> u16 {
    let headers = vec![("content-type".to_owned(), content_type.as_bytes().to_vec())];
    respond(
        &Config::default(),
        "POST",
        &headers,
        |_| Ok(body),
        |_| Ok(None),
    )
    .status
}

#[test]
fn valid_events_decode_to_their_samples() {
    let cases = load("valid-events.json");
    assert!(cases.len() >= 10);
    for case in &cases {
        let id = case["id"].as_str().unwrap();
        let body = serde_json::to_vec(&case["event"]).unwrap();
        let event =
            json::decode_event(&body, &types_for(case)).unwrap_or_else(|err| panic!("{id}: {err}"));
        assert_same_event(
            id,
            &event,
            &sample_event(case["sampleId"].as_str().unwrap()),
        );
        assert_eq!(post(STRUCTURED, body), 204, "{id}: accepted over HTTP");
    }
}

#[test]
fn invalid_events_are_rejected_with_400() {
    let cases = load("invalid-events.json");
    assert!(cases.len() >= 20);
    for case in &cases {
        let id = case["id"].as_str().unwrap();
        let body = serde_json::to_vec(&case["event"]).unwrap();
        assert!(
            json::decode_event(&body, &types_for(case)).is_err(),
            "{id} must be rejected"
        );
        assert_eq!(post(STRUCTURED, body), 400, "{id}: rejected over HTTP");
    }
}

#[test]
fn valid_batches_decode_to_their_samples() {
    for case in &load("valid-batches.json") {
        let id = case["id"].as_str().unwrap();
        let body = serde_json::to_vec(&case["batch"]).unwrap();
        let events =
            json::decode_batch(&body, &types_for(case)).unwrap_or_else(|err| panic!("{id}: {err}"));
        let expected = sample_batch(case["sampleId"].as_str().unwrap());
        assert_eq!(events.len(), expected.len(), "{id}: batch length");
        for (actual, expected) in events.iter().zip(&expected) {
            assert_same_event(id, actual, expected);
        }
        assert_eq!(post(BATCH, body), 200, "{id}: accepted over HTTP");
    }
}

#[test]
fn invalid_batches_are_rejected_with_400() {
    let cases = load("invalid-batches.json");
    assert!(cases.len() >= 3);
    for case in &cases {
        let id = case["id"].as_str().unwrap();
        let body = serde_json::to_vec(&case["batch"]).unwrap();
        assert!(
            json::decode_batch(&body, &types_for(case)).is_err(),
            "{id} must be rejected"
        );
        assert_eq!(post(BATCH, body), 400, "{id}: rejected over HTTP");
    }
}

/// One scenario of the feature file, with its placeholders filled in.
struct Scenario {
    name: String,
    request: String,
    attributes: Vec<(String, String)>,
    data: Value,
}

/// Reads the Gherkin scenario outlines of the HTTP binding feature file.
fn scenarios() -> Vec<Scenario> {
    let path = conformance_dir().join("features/http-protocol-binding.feature");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut scenarios = Vec::new();
    for block in text.split("Scenario Outline:").skip(1) {
        let lines: Vec<&str> = block.lines().collect();
        let docstrings = docstrings(&lines);
        assert_eq!(
            docstrings.len(),
            2,
            "a request and its data in: {}",
            lines[0]
        );
        let attributes_at = lines
            .iter()
            .position(|l| l.contains("Then the attributes are:"))
            .unwrap();
        let attributes = table(&lines[attributes_at + 1..]);
        let examples_at = lines.iter().position(|l| l.trim() == "Examples:").unwrap();
        let examples = table(&lines[examples_at + 1..]);
        let (placeholder, values) = examples.split_first().unwrap();
        for value in values {
            let fill = |text: &str| text.replace(&format!("<{}>", placeholder.0), &value.0);
            scenarios.push(Scenario {
                name: fill(lines[0].trim()),
                request: fill(&docstrings[0]),
                attributes: attributes[1..]
                    .iter()
                    .map(|(k, v)| (k.clone(), fill(v)))
                    .collect(),
                data: serde_json::from_str(&docstrings[1]).unwrap(),
            });
        }
    }
    scenarios
}

/// The `"""` blocks of a scenario, with their indentation removed.
fn docstrings(lines: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    let mut open: Option<(usize, Vec<String>)> = None;
    for line in lines {
        let indent = line.len() - line.trim_start().len();
        match (&mut open, line.trim() == "\"\"\"") {
            (None, true) => open = Some((indent, Vec::new())),
            (Some((_, body)), true) => {
                found.push(body.join("\n"));
                open = None;
            }
            (Some((margin, body)), false) => {
                body.push(line.get(*margin..).unwrap_or("").to_owned())
            }
            (None, false) => {}
        }
    }
    found
}

/// A Gherkin table of two columns (or one), up to its first non-table line.
fn table(lines: &[&str]) -> Vec<(String, String)> {
    lines
        .iter()
        .map(|line| line.trim())
        .take_while(|line| line.starts_with('|'))
        .map(|line| {
            let cells: Vec<String> = line
                .trim_matches('|')
                .split('|')
                .map(|c| c.trim().to_owned())
                .collect();
            (cells[0].clone(), cells.get(1).cloned().unwrap_or_default())
        })
        .collect()
}

#[test]
fn http_protocol_binding_feature() {
    let scenarios = scenarios();
    assert_eq!(
        scenarios.len(),
        4,
        "two binary and two structured scenarios"
    );
    for scenario in scenarios {
        let (head, body) = scenario.request.split_once("\n\n").unwrap();
        let mut lines = head.lines();
        let method = lines.next().unwrap().split(' ').next().unwrap().to_owned();
        let headers: Vec<(String, Vec<u8>)> = lines
            .map(|line| {
                let (name, value) = line.split_once(':').unwrap();
                (name.trim().to_owned(), value.trim().as_bytes().to_vec())
            })
            .collect();
        let mut received = None;
        let response = respond(
            &Config::default(),
            &method,
            &headers,
            |_| Ok(body.as_bytes().to_vec()),
            |event| {
                received = Some(event);
                Ok(None)
            },
        );
        assert_eq!(response.status, 204, "{}", scenario.name);
        let event =
            received.unwrap_or_else(|| panic!("{}: no event reached the handler", scenario.name));
        for (key, value) in &scenario.attributes {
            let actual = match key.as_str() {
                "id" => Some(event.id.as_str()),
                "specversion" => Some(event.specversion.as_str()),
                "type" => Some(event.ty.as_str()),
                "source" => Some(event.source.as_str()),
                "time" => event.time.as_deref(),
                "datacontenttype" => event.datacontenttype.as_deref(),
                other => panic!("{}: unexpected attribute `{other}`", scenario.name),
            };
            assert_eq!(actual, Some(value.as_str()), "{}: {key}", scenario.name);
        }
        let data: Value = serde_json::from_slice(event.data.as_deref().unwrap()).unwrap();
        assert_eq!(data, scenario.data, "{}: data", scenario.name);
    }
}
