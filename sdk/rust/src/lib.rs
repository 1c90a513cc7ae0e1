//! Write a CloudEvents app for Bindery in Rust.
//!
//! An app handles events and holds no transport code: `bindery compose`
//! puts a binder (HTTP, NATS) in front of it. With this crate an app is one
//! function and one macro:
//!
//! ```
//! use bindery_sdk::{Event, HandlerError};
//!
//! /// Answers every event with itself.
//! fn handle(event: Event) -> Result<Option<Event>, HandlerError> {
//!     Ok(Some(event))
//! }
//!
//! bindery_sdk::export_handler!(handle);
//! # fn main() {}
//! ```
//!
//! Build it as a `cdylib` for `wasm32-wasip2`. The crate holds the
//! `bindery:cloudevents` WIT and its generated bindings, so the app writes
//! no `wit_bindgen::generate!`. [`Event`] carries typed data
//! ([`Event::json`], [`Event::with_json`], [`Event::text`]), extension
//! attributes by name ([`Event::set_extension`], [`Event::extension`]) and
//! trace context ([`Event::with_trace_of`]); [`EventBuilder`] makes new
//! events, filling in `id` and `time`, and validates them as a binder will.
//!
//! An event stage, which stands between the binder and the app, is written
//! the same way with [`export_stage!`], and passes events on with [`next`].
#![deny(missing_docs)]

mod builder;
mod send;
mod stage;

pub use builder::{BuildError, EventBuilder};
pub use codec::{AttributeValue, DataError, Event, Extension, HandlerError};
pub use send::{SendError, send};
pub use stage::{dropped, next};

/// The generated bindings of the `bindery:sdk/app` world; an app needs them
/// only through [`export_handler!`].
#[doc(hidden)]
#[allow(missing_docs, clippy::all)]
pub mod bindings {
    wit_bindgen::generate!({
        world: "bindery:sdk/app",
        path: "wit",
        generate_all,
        pub_export_macro: true,
        default_bindings_module: "bindery_sdk::bindings",
    });
}

/// What [`export_handler!`] expands to: the conversions between the WIT
/// event and [`Event`].
#[doc(hidden)]
pub mod __private {
    use crate::bindings::exports::bindery::cloudevents::types as wit;
    use crate::{Event, HandlerError};

    /// Calls `handler` with the event the binder passed, and lowers its
    /// answer.
    pub fn call(
        handler: fn(Event) -> Result<Option<Event>, HandlerError>,
        event: wit::Event,
    ) -> Result<Option<wit::Event>, wit::HandlerError> {
        answer_to_wit(handler(from_wit(event)))
    }

    codec::wit_conversions!(wit);
}

/// Exports `$handler`, a `fn(Event) -> Result<Option<Event>, HandlerError>`,
/// as the app's `bindery:cloudevents/handler`.
///
/// The handler returns the event to answer with (`None` for no answer, for
/// HTTP a 204), or why it did not take the event: `HandlerError::Invalid`
/// (the sender should not retry; HTTP 400), `Unavailable` (retry later; 503)
/// or `Internal` (500).
#[macro_export]
macro_rules! export_handler {
    ($handler:path) => {
        struct __BinderyApp;

        impl $crate::bindings::exports::bindery::cloudevents::handler::Guest for __BinderyApp {
            fn handle(
                event: $crate::bindings::exports::bindery::cloudevents::types::Event,
            ) -> ::core::result::Result<
                ::core::option::Option<$crate::bindings::exports::bindery::cloudevents::types::Event>,
                $crate::bindings::exports::bindery::cloudevents::types::HandlerError,
            > {
                $crate::__private::call($handler, event)
            }
        }

        $crate::bindings::export!(__BinderyApp with_types_in $crate::bindings);
    };
}

/// Exports `$handler` as an event stage's `bindery:cloudevents/handler`:
/// the binder (or the stage in front) calls it with each event, and it
/// passes the event on with [`next`], answers it, drops it with
/// [`dropped`], or refuses it. The handler has the signature of an app's
/// (see [`export_handler!`]).
#[macro_export]
macro_rules! export_stage {
    ($handler:path) => {
        $crate::export_handler!($handler);
    };
}
