//! The binder: the `wasi:http/handler@0.3.0` export, serving the app's
//! imported `bindery:cloudevents/handler` (with the `reply-sink` feature,
//! replying through the imported `bindery:cloudevents/sender` when the
//! settings say `reply = "sink"`).

use http_binding::{Event, HandlerError};
use wasip3::http::types::{ErrorCode, Request, Response};

/// The app's handler (and the sender), as the binder's world imports them.
mod bindings {
    #[cfg(not(feature = "reply-sink"))]
    wasip3::wit_bindgen::generate!({
        world: "bindery:cloudevents/binder",
        path: "../../wit",
        runtime_path: "wasip3::wit_bindgen::rt",
        generate_all,
    });
    #[cfg(feature = "reply-sink")]
    wasip3::wit_bindgen::generate!({
        world: "bindery:cloudevents/reply-binder",
        path: "../../wit",
        runtime_path: "wasip3::wit_bindgen::rt",
        generate_all,
    });
}

use bindings::bindery::cloudevents::handler;
#[cfg(feature = "reply-sink")]
use bindings::bindery::cloudevents::sender;
use bindings::bindery::cloudevents::types as wit;

struct Binder;

impl wasip3::exports::http::handler::Guest for Binder {
    #[cfg(not(feature = "reply-sink"))]
    async fn handle(request: Request) -> Result<Response, ErrorCode> {
        Ok(crate::service::serve(request, call_app).await)
    }

    #[cfg(feature = "reply-sink")]
    async fn handle(request: Request) -> Result<Response, ErrorCode> {
        Ok(crate::service::serve_via_sink(request, call_app, send_to_sink).await)
    }
}

wasip3::http::service::export!(Binder);

fn call_app(event: Event) -> Result<Option<Event>, HandlerError> {
    answer_from_wit(handler::handle(&to_wit(event)))
}

#[cfg(not(feature = "reply-sink"))]
codec::wit_conversions!(wit);
#[cfg(feature = "reply-sink")]
codec::wit_conversions!(wit, sender);
