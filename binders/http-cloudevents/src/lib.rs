//! The CloudEvents 1.0.2 HTTP protocol binding, as a pure library, and the
//! `http-cloudevents` binder component built on it. The event, its
//! validation and the JSON format come from the shared codec
//! (`bindery-cloudevents-codec`), re-exported here.
//!
//! The binding does no I/O and has no WebAssembly dependency: it takes a
//! method, headers and a body reader, and gives events to a handler and a
//! response back. On `wasm32` the crate also builds the binder component,
//! which exports `wasi:http/incoming-handler` and imports
//! `bindery:cloudevents/handler`.
//!
//! ```
//! use bindery_http_cloudevents::{respond, Config};
//!
//! let headers = vec![
//!     ("ce-specversion".to_owned(), b"1.0".to_vec()),
//!     ("ce-id".to_owned(), b"1".to_vec()),
//!     ("ce-source".to_owned(), b"/orders".to_vec()),
//!     ("ce-type".to_owned(), b"com.example.order.created".to_vec()),
//!     ("content-type".to_owned(), b"application/json".to_vec()),
//! ];
//! let response = respond(&Config::default(), "POST", &headers, |_limit| Ok(b"{}".to_vec()), |event| {
//!     assert_eq!(event.ty, "com.example.order.created");
//!     Ok(None)
//! });
//! assert_eq!(response.status, 204);
//! ```
#![deny(missing_docs)]

pub mod binary;
mod binding;
mod config;
pub mod header;

#[cfg(target_arch = "wasm32")]
pub mod component;

/// Defines `fn method_name(method: Method) -> String` in the calling module,
/// for the `Method` variant type of `wasi:http/types` in scope there (from
/// 0.2 or 0.3 bindings: they agree on the cases): the name [`respond`]
/// takes.
#[macro_export]
macro_rules! method_name {
    ($method:ident) => {
        fn method_name(method: $method) -> String {
            match method {
                $method::Get => "GET".into(),
                $method::Head => "HEAD".into(),
                $method::Post => "POST".into(),
                $method::Put => "PUT".into(),
                $method::Delete => "DELETE".into(),
                $method::Connect => "CONNECT".into(),
                $method::Options => "OPTIONS".into(),
                $method::Trace => "TRACE".into(),
                $method::Patch => "PATCH".into(),
                $method::Other(other) => other,
            }
        }
    };
}

pub use binding::{
    ALLOW, BATCH, BodyError, Mode, Rejection, Response, STRUCTURED, Sink, find_header, respond,
    respond_async, respond_via_sink,
};
pub use codec::{
    AttributeKind, AttributeValue, DecodeError, Event, Extension, ExtensionTypes, Form,
    HandlerError, Place, SPEC_VERSION, json, timestamp, validate,
};
pub use config::{
    Config, ConfigError, DEFAULT_MAX_BODY, MAX_BODY_LIMIT, PREFIX as CONFIG_PREFIX, Rate, Reply,
    ResponseMode,
};
