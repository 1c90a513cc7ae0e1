//! The CloudEvents 1.0.2 NATS protocol binding, as a pure library, and the
//! `nats-cloudevents` binder component built on it.
//!
//! The binding is structured mode only, with the JSON event format (NATS
//! binding section 3.1): a message body is one event, or a batch (`[...]`).
//! The event, its validation and the JSON format are the shared codec's
//! (`bindery-cloudevents-codec`), exactly as the HTTP binder uses them.
//!
//! On `wasm32` the crate also builds the binder component, which exports
//! `wasmcloud:messaging/handler@0.2.0`, imports
//! `wasmcloud:messaging/consumer@0.2.0` to publish answers, and imports
//! `bindery:cloudevents/handler`.
//!
//! ```
//! use bindery_nats_cloudevents::{Config, Delivered, Message, on_message};
//!
//! let message = Message {
//!     subject: "orders.created".into(),
//!     body: br#"{"specversion":"1.0","id":"1","source":"/orders","type":"com.example.order.created"}"#.to_vec(),
//!     reply_to: Some("_INBOX.1".into()),
//! };
//! let delivered = on_message(&Config::default(), &message, |event| Ok(Some(event))).unwrap();
//! let Delivered::Answered(answer) = delivered else { panic!("{delivered:?}") };
//! assert_eq!(answer.subject, "_INBOX.1");
//! ```
#![deny(missing_docs)]

mod binding;
mod config;

#[cfg(target_arch = "wasm32")]
pub mod component;

pub use binding::{Delivered, Failure, Message, Publish, on_message};
pub use codec::{Event, HandlerError};
pub use config::{Config, ConfigError, DEFAULT_MAX_BODY, PREFIX as CONFIG_PREFIX};
