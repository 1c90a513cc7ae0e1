//! The `http-sink` binder: it exports `bindery:cloudevents/sender` and
//! delivers each event it is given as an HTTP `POST`, in binary mode (the
//! default) or structured mode, with the HTTP binding's own encoding.
//!
//! The pure part, here, makes the request from the event and judges the
//! answer; on `wasm32` the crate also builds the component, which sends the
//! request through `wasi:http/outgoing-handler`.
//!
//! ```
//! use bindery_http_sink::{Config, Mode, request};
//! use codec::Event;
//!
//! let config = Config::from_env([("BINDERY_SENDER_URL".to_owned(), "http://127.0.0.1:9000/audit".to_owned())]).unwrap();
//! assert_eq!(config.mode, Mode::Binary);
//! let event = Event {
//!     id: "1".into(),
//!     source: "/orders".into(),
//!     specversion: "1.0".into(),
//!     ty: "com.example.order.audited".into(),
//!     ..Event::default()
//! };
//! let request = request(&config, event).unwrap();
//! assert!(request.headers.iter().any(|(name, value)| name == "ce-id" && value == b"1"));
//! ```
#![deny(missing_docs)]

mod config;
mod send;

#[cfg(target_arch = "wasm32")]
mod component;

pub use config::{Config, KNOWN, Mode, PREFIX, Target};
pub use retry::{Attempt, GaveUp, Policy};
pub use send::{Request, SendError, gave_up, outcome, request};
