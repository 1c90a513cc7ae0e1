//! Bench only: the physical limit of the guest-side approach. The same codec
//! the http-cloudevents binder uses and the echo app's logic (answer with the
//! event itself), compiled together into one `wasi:http` component, with no
//! component boundary between them.

use bindery_http_cloudevents::component::bindings::exports::wasi::http::incoming_handler::Guest;
use bindery_http_cloudevents::component::bindings::wasi::http::types::{
    IncomingRequest, ResponseOutparam,
};
use bindery_http_cloudevents::component::{bindings, serve};

struct Monolithic;

impl Guest for Monolithic {
    fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
        serve(request, response_out, |event| Ok(Some(event)));
    }
}

bindings::export!(Monolithic with_types_in bindery_http_cloudevents::component::bindings);
