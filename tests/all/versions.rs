//! WASI 0.2.x patch versions: a component may export or import
//! `wasi:http` at another 0.2 patch than the host implements, and the thin
//! host must serve it all the same.

use std::path::Path;

use bytes::Bytes;
use wac_graph::types::Package;
use wac_graph::{CompositionGraph, EncodeOptions};

use crate::test_host::{TestHost, compose};

const HANDLER: &str = "wasi:http/incoming-handler@0.2.12";

/// `component` wrapped in a component that re-exports its incoming handler
/// as `wasi:http/incoming-handler@<version>`.
fn reexport_handler(component: Vec<u8>, version: &str) -> Vec<u8> {
    let mut graph = CompositionGraph::new();
    let package = Package::from_bytes("app:composed", None, component, graph.types_mut()).unwrap();
    let package = graph.register_package(package).unwrap();
    let instance = graph.instantiate(package);
    let handler = graph.alias_instance_export(instance, HANDLER).unwrap();
    graph
        .export(handler, format!("wasi:http/incoming-handler@{version}"))
        .unwrap();
    graph.encode(EncodeOptions::default()).unwrap()
}

#[tokio::test]
async fn a_handler_exported_at_another_patch_version_is_served() {
    let composed = compose(
        Path::new(bindery_tests::BINDERY_HTTP_CLOUDEVENTS),
        Path::new(bindery_tests::ECHO),
    )
    .unwrap();
    let older = reexport_handler(composed, "0.2.3");
    let world = bindery_composer::ComponentWorld::of(&older).unwrap();
    assert!(
        world
            .exports
            .contains(&"wasi:http/incoming-handler@0.2.3".to_owned())
    );

    let host = TestHost::new(&older, &[]).unwrap();
    let request = hyper::Request::builder()
        .method("POST")
        .uri("/events")
        .header("ce-specversion", "1.0")
        .header("ce-id", "v-1")
        .header("ce-source", "/versions")
        .header("ce-type", "com.example.echo")
        .body(Bytes::from_static(b"patch"))
        .unwrap();
    let reply = host.send(request).await.unwrap();
    assert_eq!((reply.status, &reply.body[..]), (200, &b"patch"[..]));
    assert_eq!(reply.header("ce-id"), Some("v-1"));
}
