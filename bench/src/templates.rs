//! The requests the load runs send: one echo event in binary mode, in
//! structured mode and as a batch.

use bytes::Bytes;

use crate::codec;
use crate::load::Template;

/// The requests of the scenarios.
pub(crate) struct Templates {
    pub(crate) binary: Template,
    pub(crate) structured: Template,
    pub(crate) batch: Template,
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
    pub(crate) fn new() -> Self {
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

    pub(crate) fn codec_inputs(&self) -> codec::Inputs {
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
