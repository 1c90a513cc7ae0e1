//! CloudEvents 1.0.2 as a pure library, shared by every binder: the event
//! and its type system, the constraints of the core specification, and the
//! JSON event format (an event and a batch). It does no I/O and has no
//! WebAssembly dependency; a protocol binding (HTTP, NATS) builds on it.
//!
//! ```
//! use bindery_cloudevents_codec::{ExtensionTypes, json};
//!
//! let body = br#"{"specversion":"1.0","id":"1","source":"/orders","type":"com.example.order.created"}"#;
//! let event = json::decode_event(body, &ExtensionTypes::default()).unwrap();
//! assert_eq!(event.ty, "com.example.order.created");
//! assert_eq!(json::decode_event(&json::encode_event(&event), &ExtensionTypes::default()).unwrap(), event);
//! ```
#![deny(missing_docs)]

mod attributes;
mod convert;
mod data;
mod error;
mod event;
pub mod json;
#[cfg(feature = "cloudevents-sdk")]
mod sdk;
mod settings;
pub mod timestamp;
mod validate;

/// For decoders of other message forms (HTTP binary mode, for example):
/// attributes as a form delivers them, assembled into a validated event.
pub use attributes::{Data, RawValue, assemble};
pub use data::{DataError, TRACE_EXTENSIONS};
pub use error::{DecodeError, Place};
pub use event::{
    AttributeKind, AttributeValue, DROPPED_TYPE, Event, Extension, ExtensionTypes, HandlerError,
    SPEC_VERSION,
};
#[cfg(feature = "cloudevents-sdk")]
pub use sdk::SdkError;
pub use settings::{ConfigError, PREFIX as CONFIG_PREFIX, Setting, settings, settings_under};
pub use validate::{Form, first_duplicate, validate};
