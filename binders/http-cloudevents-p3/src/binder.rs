//! The binder: the `wasi:http/handler@0.3.0` export, serving the app's
//! imported `bindery:cloudevents/handler`.

use http_binding::{Event, HandlerError};
use wasip3::http::types::{ErrorCode, Request, Response};

/// The app's handler, as the `binder` world imports it.
mod bindings {
    wasip3::wit_bindgen::generate!({
        world: "bindery:cloudevents/binder",
        path: "../../wit",
        runtime_path: "wasip3::wit_bindgen::rt",
        generate_all,
    });
}

use bindings::bindery::cloudevents::handler;
use bindings::bindery::cloudevents::types as wit;

struct Binder;

impl wasip3::exports::http::handler::Guest for Binder {
    async fn handle(request: Request) -> Result<Response, ErrorCode> {
        Ok(crate::service::serve(request, call_app).await)
    }
}

wasip3::http::service::export!(Binder);

fn call_app(event: Event) -> Result<Option<Event>, HandlerError> {
    answer_from_wit(handler::handle(&to_wit(event)))
}

codec::wit_conversions!(wit);
