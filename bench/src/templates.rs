//! The requests the load runs send: one echo event in binary mode, in
//! structured mode and as a batch.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use bindery_composer::{ComposeOptions, compose};
use bindery_runtime::{Host, HostConfig, Instantiations};
use bytes::Bytes;
use serde::Serialize;
use tokio::net::TcpListener;
use wac_graph::types::Package;
use wac_graph::{CompositionGraph, EncodeOptions};

use crate::*;

/// The requests of the scenarios.
pub(crate) struct Templates {
    binary: Template,
    structured: Template,
    batch: Template,
}

/// 256 bytes of JSON, the data of every event.
pub(crate) fn data() -> String {
    let mut data = String::from(r#"{"orderId":"A-17","customer":"ada","note":""#);
    while data.len() < 254 {
        data.push('x');
    }
    data.push_str(r#""}"#);
    data
}

pub(crate) fn structured_event(id: usize) -> String {
    format!(
        r#"{{"specversion":"1.0","id":"bench-{id}","source":"/bench","type":"com.example.bench","datacontenttype":"application/json","data":{}}}"#,
        data()
    )
}

impl Templates {
    fn new() -> Self {
        let binary = Template {
            path: "/events",
            headers: vec![
                ("ce-specversion", "1.0".into()),
                ("ce-id", "bench-1".into()),
                ("ce-source", "/bench".into()),
                ("ce-type", "com.example.bench".into()),
                ("content-type", "application/json".into()),
            ],
            body: Bytes::from(data()),
        };
        let structured = Template {
            path: "/events",
            headers: vec![("content-type", "application/cloudevents+json".into())],
            body: Bytes::from(structured_event(1)),
        };
        let events: Vec<String> = (0..10).map(structured_event).collect();
        let batch = Template {
            path: "/events",
            headers: vec![("content-type", "application/cloudevents-batch+json".into())],
            body: Bytes::from(format!("[{}]", events.join(","))),
        };
        Self {
            binary,
            structured,
            batch,
        }
    }

    fn codec_inputs(&self) -> codec::Inputs {
        codec::Inputs {
            headers: self
                .binary
                .headers
                .iter()
                .map(|(name, value)| (name.to_string(), value.clone().into_bytes()))
                .collect(),
            body: self.binary.body.to_vec(),
            structured: self.structured.body.to_vec(),
            batch: self.batch.body.to_vec(),
        }
    }
}
