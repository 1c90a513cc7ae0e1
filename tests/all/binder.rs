//! The built http-cloudevents binder component, composed with a real app
//! component and run in wasmtime.

use std::path::Path;

use anyhow::Result;
use bytes::Bytes;
use serde_json::json;
use wasmtime::component::Component;
use wasmtime::{Config, Engine};

use crate::test_host::{Reply, TestHost, compose};

fn binder_bytes() -> Vec<u8> {
    std::fs::read(bindery_tests::BINDERY_HTTP_CLOUDEVENTS).unwrap()
}

fn host(env: &[(&str, &str)]) -> TestHost {
    let composed = compose(
        Path::new(bindery_tests::BINDERY_HTTP_CLOUDEVENTS),
        Path::new(bindery_tests::SCRIPTED_APP),
    )
    .unwrap();
    TestHost::new(&composed, env).unwrap()
}

fn request(
    method: &str,
    headers: &[(&str, &str)],
    body: impl Into<Bytes>,
) -> hyper::Request<Bytes> {
    let mut builder = hyper::Request::builder()
        .method(method)
        .uri("http://localhost/events");
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(body.into()).unwrap()
}

const BINARY: &[(&str, &str)] = &[
    ("ce-specversion", "1.0"),
    ("ce-id", "evt-1"),
    ("ce-source", "/tests"),
    ("content-type", "text/plain; charset=utf-8"),
];

fn binary(ty: &str, extra: &[(&str, &str)], body: &'static str) -> hyper::Request<Bytes> {
    let mut headers = BINARY.to_vec();
    headers.push(("ce-type", ty));
    headers.extend_from_slice(extra);
    request("POST", &headers, body)
}

async fn send(host: &TestHost, request: hyper::Request<Bytes>) -> Reply {
    host.send(request).await.unwrap()
}

#[test]
fn the_binder_exports_incoming_handler_and_imports_the_handler() -> Result<()> {
    let engine = Engine::new(&Config::new())?;
    let component = Component::new(&engine, binder_bytes())?;
    let ty = component.component_type();
    let exports: Vec<String> = ty
        .exports(&engine)
        .map(|(name, _)| name.to_owned())
        .collect();
    let imports: Vec<String> = ty
        .imports(&engine)
        .map(|(name, _)| name.to_owned())
        .collect();
    assert_eq!(exports, ["wasi:http/incoming-handler@0.2.12"]);
    assert!(
        imports.contains(&"bindery:cloudevents/handler@0.1.0".to_owned()),
        "{imports:?}"
    );
    // The binder reads its configuration through wasi:cli/environment; the
    // rest is Rust's standard library (stdio for panics, exit for aborts).
    // Nothing reaches the filesystem, the network, clocks or randomness.
    let allowed = ["wasi:io/", "wasi:http/types@", "wasi:cli/"];
    for import in imports
        .iter()
        .filter(|i| !i.starts_with("bindery:cloudevents/"))
    {
        assert!(
            allowed.iter().any(|prefix| import.starts_with(prefix)),
            "unexpected import {import}"
        );
    }
    assert!(
        imports
            .iter()
            .any(|i| i.starts_with("wasi:cli/environment@0.2.")),
        "{imports:?}"
    );
    Ok(())
}

#[tokio::test]
async fn binary_request_is_echoed_in_binary_mode() {
    let host = host(&[]);
    let reply = send(
        &host,
        binary(
            "com.example.echo",
            &[("ce-note", "Euro%20%E2%82%AC%20%F0%9F%98%80")],
            "grüße ✓",
        ),
    )
    .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.header("ce-id"), Some("evt-1"));
    assert_eq!(reply.header("ce-type"), Some("com.example.echo"));
    assert_eq!(
        reply.header("ce-note"),
        Some("Euro%20%E2%82%AC%20%F0%9F%98%80")
    );
    assert_eq!(
        reply.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(&reply.body[..], "grüße ✓".as_bytes());
}

/// Posts a JSON body and checks that it comes back identical, with the same
/// content type.
async fn assert_json_echo(content_type: &str, body: serde_json::Value) {
    let reply = send(
        &host(&[]),
        request("POST", &[("content-type", content_type)], body.to_string()),
    )
    .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some(content_type));
    assert_eq!(reply.json(), body);
}

#[tokio::test]
async fn structured_request_is_echoed_in_structured_mode() {
    let event = json!({
        "specversion": "1.0", "id": "s-1", "source": "https://example.com/src", "type": "com.example.echo",
        "datacontenttype": "application/octet-stream", "data_base64": "AAEC/w==", "count": 7, "flag": true,
    });
    assert_json_echo("application/cloudevents+json", event).await;
}

#[tokio::test]
async fn batch_request_is_answered_with_a_batch() {
    let batch: Vec<_> = ["a", "b", "c"]
        .iter()
        .map(|id| json!({"specversion": "1.0", "id": id, "source": "/s", "type": "com.example.echo", "data": {"n": id}}))
        .collect();
    assert_json_echo("application/cloudevents-batch+json", batch.into()).await;
}

#[tokio::test]
async fn webhook_handshake_uses_the_configured_origins() {
    let host = host(&[
        ("BINDERY_CONFIG_ALLOWED_ORIGINS", "events.example.com"),
        ("BINDERY_CONFIG_ALLOWED_RATE", "60"),
    ]);
    let allowed = request(
        "OPTIONS",
        &[
            ("WebHook-Request-Origin", "events.example.com"),
            ("WebHook-Request-Rate", "120"),
        ],
        "",
    );
    let reply = send(&host, allowed).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.header("webhook-allowed-origin"),
        Some("events.example.com")
    );
    assert_eq!(reply.header("webhook-allowed-rate"), Some("60"));
    assert_eq!(reply.header("allow"), Some("POST, OPTIONS"));
    let refused = send(
        &host,
        request(
            "OPTIONS",
            &[("WebHook-Request-Origin", "evil.example.com")],
            "",
        ),
    )
    .await;
    assert_eq!(refused.status, 400);
    assert!(refused.header("webhook-allowed-origin").is_none());
    assert_eq!(refused.json()["error"], "origin-not-allowed");
}

#[tokio::test]
async fn errors_map_to_status_codes_with_problem_documents() {
    let host = host(&[
        ("BINDERY_CONFIG_MAX_BODY", "16"),
        ("BINDERY_CONFIG_RETRY_AFTER", "7"),
    ]);
    let missing_id = request(
        "POST",
        &[
            ("ce-specversion", "1.0"),
            ("ce-source", "/s"),
            ("ce-type", "t"),
        ],
        "",
    );
    let reply = send(&host, missing_id).await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()["error"], "invalid-event");
    assert!(reply.json()["detail"].as_str().unwrap().contains("`ce-id`"));
    let cases = [
        (binary("test.invalid", &[], ""), 400, "rejected-by-handler"),
        (
            binary("test.unavailable", &[], ""),
            503,
            "handler-unavailable",
        ),
        (binary("test.internal", &[], ""), 500, "handler-failed"),
        (
            request(
                "POST",
                &[("content-type", "application/cloudevents+xml")],
                "<e/>",
            ),
            415,
            "unsupported-format",
        ),
        (
            request("POST", &[("content-type", "application/json")], "{}"),
            415,
            "not-a-cloudevent",
        ),
        (request("GET", &[], ""), 405, "method-not-allowed"),
        (
            binary(
                "com.example.echo",
                &[],
                "this body is longer than sixteen bytes",
            ),
            413,
            "payload-too-large",
        ),
    ];
    for (request, status, error) in cases {
        let reply = send(&host, request).await;
        assert_eq!(
            (reply.status, reply.json()["error"].as_str()),
            (status, Some(error))
        );
        // Only an unavailable app says when to try again.
        let retry_after = (status == 503).then_some("7");
        assert_eq!(reply.header("retry-after"), retry_after, "{status}");
    }
    let reply = send(&host, binary("test.none", &[], "")).await;
    assert_eq!((reply.status, reply.body.len()), (204, 0));
    let reply = send(&host, request("DELETE", &[], "")).await;
    assert_eq!(reply.header("allow"), Some("POST, OPTIONS"));
}

#[tokio::test]
async fn a_bad_setting_is_reported_on_every_request() {
    let host = host(&[("BINDERY_CONFIG_RESPONSE_MODE", "xml")]);
    let reply = send(&host, binary("com.example.echo", &[], "")).await;
    assert_eq!(reply.status, 500);
    assert!(
        reply.json()["detail"]
            .as_str()
            .unwrap()
            .contains("BINDERY_CONFIG_RESPONSE_MODE")
    );
}
